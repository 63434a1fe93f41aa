//! Properties: generated valid specs compile deterministically, and no byte string panics the
//! front end. Case counts stay modest so CI stays fast.

use std::path::Path;

use proptest::prelude::*;

#[allow(dead_code)]
#[path = "../examples/gen_spec.rs"]
mod gen_spec;

fn front_end(text: &str) -> platc::pipeline::FrontEnd {
    let doc = platc::load::load_str("platform.yaml", text.to_owned())
        .unwrap_or_else(|d| panic!("generated spec does not load: {d:?}\n{text}"));
    platc::pipeline::front_end_doc(doc)
        .unwrap_or_else(|f| panic!("generated spec is invalid: {:?}\n{text}", f.diagnostics))
}

fn params() -> impl Strategy<Value = gen_spec::Params> {
    (
        1usize..6,
        0usize..4,
        "[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6})?",
        1u32..64,
        1u32..500,
        5u32..3600,
        0u32..20,
        any::<bool>(),
    )
        .prop_map(
            |(long_lived, previews, platform, pp, pl, sync, lxml, per_env)| gen_spec::Params {
                long_lived,
                previews,
                platform,
                parsing_processes: pp,
                page_limit: pl,
                sync_seconds: sync,
                lxml_patch: lxml,
                per_env_config: per_env,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn valid_specs_compile_to_identical_trees(p in params()) {
        let text = gen_spec::generate(&p);
        let spec_path = Path::new("platform.yaml");
        let first = platc::pipeline::compile(&front_end(&text), spec_path).expect("renders");
        let second = platc::pipeline::compile(&front_end(&text), spec_path).expect("renders");
        prop_assert!(!first.is_empty());
        prop_assert_eq!(first.files(), second.files());
        // Every environment shows up in the output.
        let paths: Vec<&String> = first.files().keys().collect();
        for i in 0..p.long_lived {
            let env = gen_spec::long_lived_name(i);
            prop_assert!(paths.iter().any(|path| path.contains(&env)), "no file for {}", env);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_front_end(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(doc) = platc::load::load_bytes("fuzz.yaml", &bytes) {
            let _ = platc::pipeline::front_end_doc(doc);
        }
    }

    #[test]
    fn yamlish_text_never_panics_the_front_end(text in "([a-z:{}\\[\\],&*!|>'\"#\\- \n]|version|environments|\t){0,200}") {
        if let Ok(doc) = platc::load::load_str("fuzz.yaml", text) {
            let _ = platc::pipeline::front_end_doc(doc);
        }
    }

    #[test]
    fn mutated_bundled_spec_never_panics(cut in 0usize..2600, insert in "[ -~\n]{0,12}") {
        let base = include_str!("../platform.yaml");
        let mut at = cut.min(base.len());
        while !base.is_char_boundary(at) {
            at -= 1;
        }
        let text = format!("{}{insert}{}", &base[..at], &base[at..]);
        if let Ok(doc) = platc::load::load_str("platform.yaml", text)
            && let Ok(front) = platc::pipeline::front_end_doc(doc)
        {
            let _ = platc::pipeline::compile(&front, Path::new("platform.yaml"));
        }
    }
}
