//! The GitOps repository's CI workflow and pre-commit config that `platc init` writes. Both
//! install the platc release that wrote them, as a wheel from PyPI: no Rust toolchain, no build.

/// The platc release that writes these files; the files pin it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The pip requirement that installs this release.
pub fn requirement() -> String {
    format!("platc=={VERSION}")
}

/// `.github/workflows/platc.yml`: on every pull request and push, the spec validates and out/
/// is what it compiles to; the diff goes to the job summary.
pub fn ci_workflow() -> String {
    format!(
        "# Written by `platc init`: fails when platform.yaml is invalid or out/ is stale.
name: platc
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v6
      - uses: actions/setup-python@v6
        with:
          python-version: \"3.12\"
      - name: Install platc
        run: python -m pip install --disable-pip-version-check \"{}\"
      - name: Diff against the committed output
        run: platc diff --format markdown >> \"$GITHUB_STEP_SUMMARY\" || true
      - name: Check
        run: platc check --format github
",
        requirement()
    )
}

/// `.pre-commit-config.yaml`: recompile out/ when the spec changes, then check; pre-commit
/// installs the pinned wheel once, after which each run takes a fraction of a second.
pub fn pre_commit_config() -> String {
    format!(
        "# Written by `platc init`. `pre-commit install` runs these before each commit.
repos:
  - repo: local
    hooks:
      - id: platc-compile
        name: platc compile
        entry: platc compile --quiet
        language: python
        additional_dependencies: [\"{req}\"]
        files: ^platform\\.yaml$
        pass_filenames: false
      - id: platc-check
        name: platc check
        entry: platc check --quiet
        language: python
        additional_dependencies: [\"{req}\"]
        files: ^(platform\\.yaml|out/.*|schema/.*)$
        pass_filenames: false
",
        req = requirement()
    )
}
