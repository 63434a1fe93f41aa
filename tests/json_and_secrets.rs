//! One JSON document per command, no secret in any output, colour on request, warnings of
//! `preview`: the command line end to end.

mod common;

use common::{bundled, json_stdout, platc, project};

/// The bundled spec raises one warning (`preview-secrets`); this copy allows it.
/// The bundled spec has no warning.
fn without_warnings() -> String {
    bundled()
}

/// The bundled spec with one warning: its preview gets no Secrets.
fn with_warning() -> String {
    bundled().replacen(
        "      externalSecrets: gcp-secret-manager",
        "      jwtSecret: airflow-jwt-secret",
        1,
    )
}

fn warning_codes(v: &serde_json::Value) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("no diagnostics array in {v}"))
        .iter()
        .filter(|d| d["severity"] == "warning")
        .map(|d| d["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn every_command_prints_one_json_document() {
    for (spec, warnings) in [
        (with_warning(), vec!["preview-secrets".to_owned()]),
        (without_warnings(), vec![]),
    ] {
        let dir = project(&spec);
        let root = dir.path();
        let schema = platc(root, &["schema"]).stdout;
        std::fs::create_dir_all(root.join("schema")).unwrap();
        std::fs::write(root.join("schema/platform.schema.json"), schema).unwrap();

        let show = platc(root, &["show", "prod", "--format", "json"]);
        assert_eq!(show.status, 0, "{}", show.stderr);
        let v = json_stdout(&show, "show");
        assert_eq!(v["name"], "prod");
        assert_eq!(warning_codes(&v), warnings);

        let check = platc(root, &["check", "--format", "json"]);
        assert_eq!(check.status, 1);
        let v = json_stdout(&check, "check (stale)");
        assert_eq!(v["ok"], false);
        assert!(!v["stale"].as_array().unwrap().is_empty());
        assert_eq!(warning_codes(&v), warnings);

        let diff = platc(root, &["diff", "--format", "json"]);
        assert_eq!(diff.status, 0, "{}", diff.stderr);
        let v = json_stdout(&diff, "diff");
        let changes = v["changes"].as_array().unwrap();
        assert!(changes.iter().any(|c| {
            c["path"] == "out/prod/values.yaml"
                && c["kind"] == "added"
                && c["diff"]
                    .as_str()
                    .unwrap()
                    .contains("+++ b/out/prod/values.yaml")
        }));
        assert_eq!(warning_codes(&v), warnings);

        let compile = platc(root, &["compile", "--format", "json"]);
        assert_eq!(compile.status, 0, "{}", compile.stderr);
        let v = json_stdout(&compile, "compile");
        assert!(!v["created"].as_array().unwrap().is_empty());
        assert_eq!(warning_codes(&v), warnings);

        let check = platc(root, &["check", "--format", "json"]);
        assert_eq!(check.status, 0, "{}", check.stdout);
        let v = json_stdout(&check, "check (current)");
        assert_eq!(v["ok"], true);
        assert_eq!(v["stale"], serde_json::json!([]));
        assert_eq!(warning_codes(&v), warnings);

        let diff = platc(root, &["diff", "--format", "json"]);
        assert_eq!(
            json_stdout(&diff, "diff (none)")["changes"],
            serde_json::json!([])
        );

        let preview = platc(root, &["preview", "feature/hardy", "--format", "json"]);
        assert_eq!(preview.status, 0, "{}", preview.stderr);
        let v = json_stdout(&preview, "preview");
        assert_eq!(v["namespace"], "airflow-dev-hardy-84de9709b0a253");
        assert_eq!(warning_codes(&v), warnings);

        // --deny-warnings stops with the diagnostics report as the one document.
        for args in [
            &["show", "prod"][..],
            &["diff"],
            &["check"],
            &["preview", "feature/hardy"],
        ] {
            let mut all = args.to_vec();
            all.extend(["--format", "json", "--deny-warnings"]);
            let out = platc(root, &all);
            let v = json_stdout(&out, &all.join(" "));
            assert_eq!(out.status, i32::from(!warnings.is_empty()), "{all:?}");
            assert_eq!(warning_codes(&v), warnings, "{all:?}");
        }
    }
}

#[test]
fn a_moved_airflow_option_warns_inside_the_json_result() {
    let spec = without_warnings().replacen(
        "    core:\n",
        "    webserver:\n      web_server_worker_timeout: 300\n    core:\n",
        1,
    );
    let dir = project(&spec);
    // The schema file the modeline names, so that `check` adds no schema-missing warning.
    let written = platc(
        dir.path(),
        &["schema", "--write", "schema/platform.schema.json"],
    );
    assert_eq!(written.status, 0, "{}", written.stderr);
    let validate = platc(dir.path(), &["validate", "--format", "json"]);
    let v = json_stdout(&validate, "validate");
    let warnings = warning_codes(&v);
    assert!(!warnings.is_empty(), "no warning: {v}");
    for args in [
        &["show", "dev"][..],
        &["diff"],
        &["preview", "feature/x"],
        &["compile"],
        &["check"],
    ] {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let out = platc(dir.path(), &all);
        let v = json_stdout(&out, &all.join(" "));
        assert_eq!(warning_codes(&v), warnings, "{all:?}");
    }
}

const TOKEN: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

#[test]
fn a_token_inside_a_string_fails_and_is_never_printed() {
    let spec = bundled().replacen(
        "  executor: KubernetesExecutor\n",
        &format!("  executor: KubernetesExecutor\n  env:\n    AUTH_HEADER: \"Bearer {TOKEN}\"\n"),
        1,
    );
    let dir = project(&spec);
    for format in ["human", "json", "github", "markdown"] {
        for command in [
            &["validate"][..],
            &["compile"],
            &["show", "prod"],
            &["check"],
        ] {
            let mut args = command.to_vec();
            args.extend(["--format", format, "--color", "always"]);
            let out = platc(dir.path(), &args);
            assert_eq!(out.status, 1, "{args:?}");
            for text in [&out.stdout, &out.stderr] {
                assert!(!text.contains(TOKEN), "{args:?} printed the token:\n{text}");
                assert!(!text.contains("0123456789abcdefghij"), "{args:?}:\n{text}");
            }
            let all = format!("{}{}", out.stdout, out.stderr);
            assert!(all.contains("secret-token"), "{args:?}:\n{all}");
            if format == "json" {
                json_stdout(&out, "validate");
            }
        }
    }
    // The snippet keeps its shape: the token is starred out byte for byte.
    let out = platc(dir.path(), &["validate", "--color", "never"]);
    assert!(
        out.stderr.contains(&format!(
            "AUTH_HEADER: \"Bearer {}\"",
            "*".repeat(TOKEN.len())
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn literal_secrets_and_url_passwords_are_masked_in_snippets() {
    let spec = bundled()
        .replacen(
            "    core:\n",
            "    core:\n      smtp_password: hunter2hunter2\n",
            1,
        )
        .replacen(
            "repo: https://github.com/carshare/platform-gitops.git",
            "repo: https://bot:s3cretpass@github.com/carshare/platform-gitops.git",
            1,
        );
    let dir = project(&spec);
    for format in ["human", "json", "github", "markdown"] {
        let out = platc(dir.path(), &["validate", "--format", format]);
        assert_eq!(out.status, 1);
        for text in [&out.stdout, &out.stderr] {
            assert!(!text.contains("hunter2"), "{format}:\n{text}");
            assert!(!text.contains("s3cretpass"), "{format}:\n{text}");
        }
    }
    let out = platc(dir.path(), &["validate"]);
    assert!(
        out.stderr.contains("smtp_password: **************"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("https://bot:**********@github.com"),
        "{}",
        out.stderr
    );
}

#[test]
fn color_always_colours_a_piped_diff() {
    let dir = project(without_warnings());
    let plain = platc(dir.path(), &["diff"]);
    assert!(!plain.stdout.contains('\x1b'));
    let colored = platc(dir.path(), &["diff", "--color", "always"]);
    assert!(colored.stdout.contains("\x1b[32m+"), "{}", colored.stdout);
    let never = platc(dir.path(), &["diff", "--color", "never"]);
    assert!(!never.stdout.contains('\x1b'));
}

#[test]
fn diff_headers_name_the_output_folder() {
    let dir = project(without_warnings());
    let out = platc(dir.path(), &["diff", "--out", "deploy/rendered"]);
    assert!(
        out.stdout
            .contains("+++ b/deploy/rendered/prod/values.yaml"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("b/out/"));
}

#[test]
fn preview_prints_warnings_and_honours_deny_warnings() {
    let dir = project(with_warning());
    let out = platc(dir.path(), &["preview", "feature/hardy"]);
    assert_eq!(out.status, 0);
    assert!(out.stderr.contains("preview-secrets"), "{}", out.stderr);
    assert!(
        out.stdout
            .contains("namespace:    airflow-dev-hardy-84de9709b0a253")
    );
    let denied = platc(dir.path(), &["preview", "feature/hardy", "--deny-warnings"]);
    assert_eq!(denied.status, 1);
    assert!(denied.stdout.is_empty(), "{}", denied.stdout);
}

/// The JSON contract (docs/json.md): every command, on success and on failure, prints one JSON
/// object with a `diagnostics` array.
#[test]
fn every_json_document_is_an_object_with_diagnostics() {
    let dir = project(without_warnings());
    let root = dir.path();
    std::fs::create_dir_all(root.join("dags/sales")).unwrap();
    let runs: [&[&str]; 15] = [
        &["validate"],
        &["rules", "logging-off"],
        &["compile"],
        &["diff"],
        &["check"],
        &["show", "prod"],
        &["show", "nope"],
        &["preview", "feature/hardy"],
        &["airflow", "options", "core"],
        &["airflow", "explain", "core.parallelism"],
        &["upgrade", "--to", "3.3.2"],
        // Nothing listens on port 1: the error document.
        &[
            "rightsize",
            "--prometheus",
            "http://127.0.0.1:1",
            "--timeout",
            "2",
        ],
        &["dag", "new", "sales", "orders"],
        &["dag", "check"],
        &["dag", "new", "Sales", "x"],
    ];
    for args in runs {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let out = platc(root, &all);
        let v = json_stdout(&out, &all.join(" "));
        assert!(
            v.is_object() && v["diagnostics"].is_array(),
            "{all:?} printed {v}"
        );
    }
}
