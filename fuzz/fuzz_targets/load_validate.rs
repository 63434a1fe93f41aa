//! Arbitrary bytes through load, validate, resolve and the semantic rules: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = platc::load::load_bytes("fuzz.yaml", data) {
        let _ = platc::pipeline::front_end_doc(doc);
    }
});
