//! `extends` without files: the input is a base scenario and a variant separated by the
//! first line `%%`. Both are parsed, the variant is deep-merged over the base (what
//! `extends` and `fundcast show` do), the merged tree is validated, and `to_toml` writes
//! it back as text that must parse again. Nothing may panic or hang.
#![no_main]

use std::path::Path;

use fundcast::document::{self, Sources, Value};
use libfuzzer_sys::fuzz_target;

const BASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/fuzz-base.toml");
const VARIANT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/fuzz-variant.toml"
);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (base, variant) = text.split_once("\n%%\n").unwrap_or((text, ""));
    let mut sources = Sources::default();
    let Ok(mut merged) = document::parse_text(Path::new(BASE), base, &mut sources) else {
        return;
    };
    let Ok(mut over) = document::parse_text(Path::new(VARIANT), variant, &mut sources) else {
        return;
    };
    // `extends` names the base; it is not part of the merged scenario.
    if let Value::Table(t) = &mut over.value {
        t.entries.retain(|e| e.key != "extends");
    }
    document::merge(&mut merged, over);
    let _ = fundcast::scenario::build(&merged, &sources);
    let shown = document::to_toml(&merged);
    let mut again = Sources::default();
    if let Err(e) = document::parse_text(Path::new(BASE), &shown, &mut again) {
        panic!("`to_toml` wrote text that does not parse: {e}\n{shown}");
    }
});
