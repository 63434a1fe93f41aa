//! Arbitrary bytes through the front end and, when the spec is valid, render: must never panic.
//! The spec path is fake and names no `requirementsFile` folder that exists, so render reads
//! nothing from the disk except when a spec names a relative requirements file (an I/O error).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = platc::load::load_bytes("platform.yaml", data) else {
        return;
    };
    let Ok(front) = platc::pipeline::front_end_doc(doc) else {
        return;
    };
    let spec_path = Path::new("/nonexistent/platc-fuzz/platform.yaml");
    if let Ok(tree) = platc::pipeline::compile(&front, spec_path) {
        assert!(!tree.is_empty(), "a valid spec rendered no files");
    }
});
