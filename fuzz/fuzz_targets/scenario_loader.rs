//! The scenario loader on arbitrary text: `fundcast::scenario::from_text` must return a
//! model or diagnostics, never panic or hang. The text is read as a file of `tests/data/`,
//! so that the CSV tables it names (`q-tiny.csv`, `profile-actives.csv`, …) are found and
//! parsed too.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

const NAME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/fuzz-input.toml");

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = fundcast::scenario::from_text(Path::new(NAME), text);
    }
});
