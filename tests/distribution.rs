//! The ways users install platc name this release: the GitHub Action's default version, the
//! wheel's build configuration, cargo-binstall's archive names and the release workflow agree.

mod common;

fn read(path: &str) -> String {
    std::fs::read_to_string(common::crate_dir().join(path)).unwrap()
}

#[test]
fn action_installs_this_release_as_a_wheel() {
    let action = read("action.yml");
    let doc = platc::load::load_str("action.yml", action.clone())
        .unwrap()
        .value;
    assert_eq!(
        doc["inputs"]["version"]["default"],
        env!("CARGO_PKG_VERSION"),
        "bump action.yml's version input with Cargo.toml"
    );
    assert!(action.contains("pip install"), "{action}");
    assert!(!action.contains("cargo install"), "no build from source");
}

#[test]
fn wheel_carries_the_binary() {
    let pyproject = read("pyproject.toml");
    assert!(pyproject.contains("bindings = \"bin\""));
    assert!(pyproject.contains("build-backend = \"maturin\""));
}

#[test]
fn binstall_names_match_the_release_archives() {
    let cargo = read("Cargo.toml");
    assert!(cargo.contains(
        "pkg-url = \"{ repo }/releases/download/v{ version }/platc-v{ version }-{ target }{ archive-suffix }\""
    ));
    let release = read(".github/workflows/release.yml");
    // The archive the release builds: platc-$GITHUB_REF_NAME-$TARGET with the tag `v<version>`.
    assert!(release.contains("name=\"platc-$GITHUB_REF_NAME-$TARGET\""));
    assert!(release.contains("tar czf \"$name.tar.gz\""));
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "x86_64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(release.contains(target), "{target}");
    }
}

#[test]
fn hooks_run_the_installed_binary() {
    let hooks = read(".pre-commit-hooks.yaml");
    assert!(
        !hooks.contains("language: rust"),
        "no build per hook install"
    );
    let init = platc::init::pre_commit_config();
    assert!(init.contains(&format!("platc=={}", env!("CARGO_PKG_VERSION"))));
}
