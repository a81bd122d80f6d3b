//! Every output byte of every shipped scenario, compare, sensitivity and solve, as
//! recorded in `tests/data/golden.sha256` by `scripts/golden.sh` before the engine was
//! restructured: a change of structure must not change a single byte. When a change of
//! the numbers is intended, regenerate the record (`scripts/golden.sh > tests/data/golden.sha256`)
//! and say why in the commit.

use std::process::Command;

/// The record, with the vector code of each instruction set this processor has
/// (`FUNDCAST_ISA`): baseline, AVX2 and AVX-512 give the same bytes.
#[test]
fn every_shipped_output_is_byte_identical_to_the_record() {
    for isa in fundcast::simd::Isa::ALL {
        if isa.available() {
            check_record(isa.name());
        } else {
            eprintln!("{} not run: this processor lacks it", isa.name());
        }
    }
}

fn check_record(isa: &str) {
    let out = Command::new("bash")
        .arg("scripts/golden.sh")
        .arg(env!("CARGO_BIN_EXE_fundcast"))
        .env("FUNDCAST_ISA", isa)
        .output()
        .expect("run scripts/golden.sh");
    assert!(
        out.status.success(),
        "golden.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = String::from_utf8(out.stdout).unwrap();
    let want = std::fs::read_to_string("tests/data/golden.sha256").unwrap();
    let differ: Vec<String> = want
        .lines()
        .zip(got.lines())
        .filter(|(w, g)| w != g)
        .map(|(w, g)| format!("  want {w}\n  got  {g}"))
        .collect();
    assert!(
        differ.is_empty() && want.lines().count() == got.lines().count(),
        "outputs changed with {isa} ({} of {} lines):\n{}",
        differ.len(),
        want.lines().count(),
        differ.join("\n")
    );
}
