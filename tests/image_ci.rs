//! The GitOps repository's image workflow (`image.publish`), per cloud: it pushes exactly the
//! reference every values file names, it passes actionlint (with shellcheck) and GitHub's
//! workflow schema (check-jsonschema), each `image.publish` field refuses hostile text at its
//! line, and without the section there is no workflow but a warning and the manual commands.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use platc::render::image_ci::{CHECK, PATH, RENDER_STEP, SOURCE};
use serde_json::Value;

/// The bundled spec (GCP) and the AWS and Azure team specs.
const SPECS: [(&str, &str); 3] = [
    ("gcp", "platform.yaml"),
    ("aws", "tests/specs/aws-celery-s3.yaml"),
    ("azure", "tests/specs/azure-wasb.yaml"),
];

fn tree_of(spec: &Path) -> platc::render::OutputTree {
    let front = platc::pipeline::front_end(spec)
        .unwrap_or_else(|f| panic!("{}: {:?}", spec.display(), f.diagnostics));
    platc::pipeline::compile(&front, spec)
        .unwrap_or_else(|f| panic!("{}: {:?}", spec.display(), f.diagnostics))
}

/// A generated YAML file, parsed by the YAML parser platc reads specs with.
fn parse(path: &str, text: &str) -> Value {
    platc::load::load_str(path, text.to_owned())
        .unwrap_or_else(|d| panic!("{path} does not parse: {d:?}"))
        .value
}

/// The step of the job named `name`.
fn step<'a>(workflow: &'a Value, name: &str) -> &'a Value {
    workflow["jobs"]["image"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}"))
}

/// A runner's workspace after the checkout step: the GitOps repository (a git work tree holding
/// `spec`, as `spec_in_repo`, and the output platc compiled from it) at `source/`.
fn workspace(spec: &Path, spec_in_repo: &str) -> tempfile::TempDir {
    let work = tempfile::tempdir().expect("workspace");
    let source = work.path().join(SOURCE);
    let copy = source.join(spec_in_repo);
    std::fs::create_dir_all(copy.parent().expect("folder")).expect("folders");
    std::fs::copy(spec, &copy).expect("spec");
    let init = Command::new("git")
        .args(["init", "-q"])
        .arg(&source)
        .output()
        .expect("git");
    assert!(init.status.success());
    let compiled = common::command()
        .arg("-q")
        .arg("-f")
        .arg(&copy)
        .arg("compile")
        .output()
        .expect("platc");
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    work
}

/// Runs one `run:` step of the workflow as the runner would (`bash -e`) in `work`, with this
/// build's platc first on PATH; returns whether it succeeded and what it wrote to
/// `GITHUB_OUTPUT`.
fn run_step(step: &Value, work: &Path) -> (bool, String) {
    let runner_temp = work.join("runner-temp");
    std::fs::create_dir_all(&runner_temp).expect("runner temp");
    let output = work.join("github-output");
    let bin = Path::new(env!("CARGO_BIN_EXE_platc"))
        .parent()
        .expect("bin dir")
        .to_owned();
    let mut cmd = Command::new("bash");
    cmd.args(["-e", "-c", step["run"].as_str().expect("script")])
        .current_dir(work)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("GITHUB_WORKSPACE", work.canonicalize().expect("workspace"))
        .env("RUNNER_TEMP", &runner_temp)
        .env("GITHUB_OUTPUT", &output);
    for (name, value) in step["env"].as_object().into_iter().flatten() {
        cmd.env(name, value.as_str().expect("literal"));
    }
    let out = cmd.output().expect("bash runs");
    (
        out.status.success(),
        std::fs::read_to_string(&output).unwrap_or_default(),
    )
}

/// Runs the render step; returns the reference it hands to the push.
fn run_render_step(workflow: &Value, work: &Path) -> Option<String> {
    let render = step(workflow, RENDER_STEP);
    assert_eq!(render["id"], "render");
    let (ok, written) = run_step(render, work);
    ok.then(|| {
        written
            .lines()
            .find_map(|l| l.strip_prefix("reference="))
            .expect("reference output")
            .to_owned()
    })
}

#[test]
fn the_workflow_pushes_the_reference_every_values_file_names() {
    for (cloud, spec) in SPECS {
        let spec = common::crate_dir().join(spec);
        let tree = tree_of(&spec);
        let workflow = parse(PATH, tree.get(PATH).expect("the image workflow"));
        assert_eq!(workflow["jobs"]["image"]["name"], CHECK, "{cloud}");
        assert_eq!(workflow["permissions"]["id-token"], "write", "{cloud}");
        assert_eq!(workflow["permissions"]["contents"], "read", "{cloud}");
        // The run's workflow is the target branch's, never the pull request's.
        assert!(workflow["on"]["pull_request_target"].is_object(), "{cloud}");
        assert!(workflow["on"].get("pull_request").is_none(), "{cloud}");
        // platc is installed before the pull request's files arrive, and they arrive in their
        // own folder.
        let steps = workflow["jobs"]["image"]["steps"]
            .as_array()
            .expect("steps");
        let at = |name: &str| steps.iter().position(|s| s["name"] == name).expect(name);
        let checkout = steps
            .iter()
            .position(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/checkout"))
            })
            .expect("checkout");
        assert!(at("Install platc") < checkout, "{cloud}");
        assert_eq!(steps[checkout]["with"]["path"], SOURCE, "{cloud}");
        // The push takes its reference from the render step, and nothing else pushes.
        let pushes: Vec<&Value> = steps
            .iter()
            .filter(|s| s["run"].as_str().is_some_and(|r| r.contains("docker push")))
            .collect();
        assert_eq!(pushes.len(), 1, "{cloud}");
        assert_eq!(
            pushes[0]["env"]["IMAGE"],
            "${{ steps.render.outputs.reference }}"
        );
        assert!(
            pushes[0]["run"]
                .as_str()
                .is_some_and(|r| r.contains("\"$RUNNER_TEMP/platc-out/image\"")),
            "{cloud}: builds what platc rendered"
        );

        let spec_in_repo = step(&workflow, RENDER_STEP)["env"]["SPEC"]
            .as_str()
            .and_then(|s| s.strip_prefix(&format!("{SOURCE}/")))
            .expect("SPEC below the checkout")
            .to_owned();
        let work = workspace(&spec, &spec_in_repo);
        let pushed = run_render_step(&workflow, work.path())
            .unwrap_or_else(|| panic!("{cloud}: the render step failed"));
        assert!(
            work.path()
                .join("runner-temp/platc-out/image/Dockerfile")
                .is_file(),
            "{cloud}: the build context"
        );
        let values: Vec<(&String, &String)> = tree
            .files()
            .iter()
            .filter(|(path, _)| path.ends_with("/values.yaml"))
            .collect();
        assert!(values.len() >= 2, "{cloud}: every environment's values");
        for (path, text) in values {
            let v = parse(path, text);
            let named = format!(
                "{}:{}",
                v["images"]["airflow"]["repository"]
                    .as_str()
                    .expect("repository"),
                v["images"]["airflow"]["tag"].as_str().expect("tag")
            );
            assert_eq!(pushed, named, "{cloud}: {path}");
            let default = format!(
                "{}:{}",
                v["defaultAirflowRepository"]
                    .as_str()
                    .expect("default repository"),
                v["defaultAirflowTag"].as_str().expect("default tag")
            );
            assert_eq!(
                pushed, default,
                "{cloud}: {path}, the chart's default image"
            );
        }
        let printed = common::command()
            .arg("-f")
            .arg(&spec)
            .args(["image", "tag", "--reference"])
            .output()
            .expect("platc runs");
        assert!(printed.status.success(), "{cloud}");
        assert_eq!(
            String::from_utf8_lossy(&printed.stdout).trim_end(),
            pushed,
            "{cloud}: `platc image tag --reference`"
        );
    }
}

/// The bundled spec's workflow and a workspace where its render step succeeds.
fn bundled_workspace() -> (Value, tempfile::TempDir) {
    let spec = common::crate_dir().join("platform.yaml");
    let tree = tree_of(&spec);
    let workflow = parse(PATH, tree.get(PATH).expect("workflow"));
    let work = workspace(&spec, "platform.yaml");
    assert!(run_render_step(&workflow, work.path()).is_some());
    (workflow, work)
}

#[test]
fn the_render_step_refuses_hand_edited_output_links_and_a_moved_image() {
    // Values that name another image than platc renders from the spec: refused, whatever the
    // image.
    let (workflow, work) = bundled_workspace();
    let values = work.path().join("source/out/prod/values.yaml");
    let text = std::fs::read_to_string(&values).unwrap();
    let edited = text.replacen("defaultAirflowTag: ", "defaultAirflowTag: x", 1);
    assert_ne!(text, edited);
    std::fs::write(&values, edited).unwrap();
    assert_eq!(
        run_render_step(&workflow, work.path()),
        None,
        "hand-edited values"
    );

    // A spec that is a link (here to a copy outside the checkout): refused before platc reads it.
    let (workflow, work) = bundled_workspace();
    let spec = work.path().join("source/platform.yaml");
    let outside = work.path().join("elsewhere.yaml");
    std::fs::rename(&spec, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &spec).unwrap();
    assert_eq!(run_render_step(&workflow, work.path()), None, "linked spec");

    // As if the pull request's spec named another repository than the sign-in is for.
    let (mut workflow, work) = bundled_workspace();
    workflow["jobs"]["image"]["steps"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["name"] == RENDER_STEP)
        .unwrap()["env"]["REPOSITORY"] =
        Value::String("europe-west1-docker.pkg.dev/other/airflow/airflow".into());
    assert_eq!(run_render_step(&workflow, work.path()), None, "moved image");
}

#[test]
fn output_made_by_an_older_platc_is_refused() {
    let (workflow, work) = bundled_workspace();
    let version = step(
        &workflow,
        "Use the platc release the pull request's output was made with",
    );
    // The same release: nothing to install.
    assert!(run_step(version, work.path()).0);
    let generated = work.path().join("source/out").join(PATH);
    let text = std::fs::read_to_string(&generated).unwrap();
    let older = text.replace(
        &format!("platc=={}", env!("CARGO_PKG_VERSION")),
        "platc==0.0.1",
    );
    assert_ne!(text, older);
    std::fs::write(&generated, older).unwrap();
    assert!(!run_step(version, work.path()).0, "an older release");
}

fn venv_tool(name: &str) -> Option<PathBuf> {
    let venv = std::env::var("PLATC_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| common::crate_dir().join(".venv"));
    let bin = venv.join("bin").join(name);
    bin.is_file().then_some(bin)
}

#[test]
fn the_workflow_passes_actionlint_and_the_workflow_schema_for_each_cloud() {
    let (Some(actionlint), Some(check_jsonschema), Some(shellcheck)) = (
        venv_tool("actionlint"),
        venv_tool("check-jsonschema"),
        venv_tool("shellcheck"),
    ) else {
        println!(
            "skipped: actionlint, shellcheck or check-jsonschema is not in $PLATC_VENV (run .ci/tools.sh venv)"
        );
        return;
    };
    let path = format!(
        "{}:{}",
        shellcheck.parent().expect("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (cloud, spec) in SPECS {
        let tree = tree_of(&common::crate_dir().join(spec));
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("platc-image.yml");
        std::fs::write(&file, tree.get(PATH).expect("workflow")).expect("write");
        for cmd in [
            Command::new(&actionlint).arg(&file).env("PATH", &path),
            Command::new(&check_jsonschema)
                .args(["--builtin-schema", "vendor.github-workflows"])
                .arg(&file),
        ] {
            let out = cmd.output().expect("tool runs");
            assert!(
                out.status.success(),
                "{cloud}: {:?} found problems:\n{}{}",
                cmd.get_program(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn snapshot_the_workflow_per_cloud() {
    for (cloud, spec) in &SPECS[1..] {
        let tree = tree_of(&common::crate_dir().join(spec));
        insta::assert_snapshot!(format!("{cloud}-image-workflow"), tree.get(PATH).unwrap());
    }
}

/// Hostile text in every field of each cloud's `image.publish`: refused at the field's line.
#[test]
fn hostile_publish_fields_are_refused_at_their_line() {
    let payloads = [
        "x;id",
        "$(id)",
        "`id`",
        "a\nb",
        "${{ secrets.TOKEN }}",
        "it's",
        "a b",
        "a#b",
        "{{ x }}",
        "%(x)s",
    ];
    let fields: [(&str, &str); 6] = [
        ("platform.yaml", "      workloadIdentityProvider: "),
        ("platform.yaml", "      serviceAccount: image-publisher"),
        ("tests/specs/aws-celery-s3.yaml", "      roleArn: "),
        ("tests/specs/azure-wasb.yaml", "      clientId: "),
        ("tests/specs/azure-wasb.yaml", "      tenantId: "),
        ("tests/specs/azure-wasb.yaml", "      subscriptionId: "),
    ];
    for (spec, prefix) in fields {
        let text = std::fs::read_to_string(common::crate_dir().join(spec)).expect("spec");
        let start = text
            .find(prefix)
            .unwrap_or_else(|| panic!("{prefix} in {spec}"));
        let line_end = start + text[start..].find('\n').expect("line end");
        let key_end = start + prefix.find(": ").expect("key") + 2;
        let line = text[..start].matches('\n').count() + 1;
        for payload in payloads {
            let quoted = serde_json::Value::String(payload.to_owned()).to_string();
            let edited = format!("{}{quoted}{}", &text[..key_end], &text[line_end..]);
            let doc = platc::load::load_str(spec, edited).expect("loads");
            let failure = platc::pipeline::front_end_doc(doc)
                .err()
                .unwrap_or_else(|| panic!("{spec} {prefix}{payload:?} was accepted"));
            assert!(
                failure
                    .diagnostics
                    .iter()
                    .any(|d| d.code == "image-publish-field"
                        && d.place.as_ref().map(|p| p.line) == Some(line)
                        // The snippet shows the value (masked if it holds a key); the message
                        // never repeats it.
                        && !d.message.contains(payload)),
                "{spec} {prefix}{payload:?}: no image-publish-field on line {line}: {:?}",
                failure.diagnostics
            );
        }
    }
}

#[test]
fn without_publish_there_is_no_workflow_but_a_warning_and_the_commands() {
    let text = common::bundled();
    let start = text.find("  publish:\n").expect("publish");
    let end = start + text[start..].find("\n\nlogging:").expect("next section");
    let dir = common::project(format!("{}{}", &text[..start], &text[end..]));
    let spec = dir.path().join("platform.yaml");
    let front = platc::pipeline::front_end(&spec).expect("valid");
    assert!(
        front.warnings.iter().any(|d| d.code == "image-unpublished"),
        "{:?}",
        front.warnings
    );
    let tree = platc::pipeline::compile(&front, &spec).expect("renders");
    assert!(tree.get(PATH).is_none());
    let reference = platc::pipeline::image(&front, &spec)
        .expect("image")
        .reference
        .reference();
    let page = tree.get("PREREQUISITES.md").expect("page");
    assert!(page.contains(&format!("docker push {reference}")), "{page}");
}

/// The `sh` block of the image section of `PREREQUISITES.md`.
fn setup_block(page: &str) -> &str {
    let section = &page[page.find("## The image").expect("image section")..];
    let start = section.find("One-time setup").expect("setup");
    let block = &section[start..];
    let open = block.find("```sh\n").expect("sh block") + "```sh\n".len();
    let close = open + block[open..].find("```").expect("end of block");
    &block[open..close]
}

/// The setup commands, run by bash with `gcloud`, `aws` and `az` replaced by functions that
/// print their arguments: each command's words as bash reads them.
fn words_of(block: &str) -> Vec<Vec<String>> {
    let script = format!(
        "for tool in gcloud aws az gh; do eval \"$tool() {{ printf '%s\\\\0' \\\"\\$FUNCNAME\\\" \\\"\\$@\\\"; printf '\\\\n'; }}\"; done\n{block}"
    );
    let out = Command::new("bash")
        .args(["-euc", &script])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.trim_end_matches('\0')
                .split('\0')
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

fn value_after<'a>(words: &'a [String], flag: &str) -> &'a str {
    let at = words
        .iter()
        .position(|w| w == flag)
        .unwrap_or_else(|| panic!("{flag} in {words:?}"));
    &words[at + 1]
}

#[test]
fn the_setup_commands_read_back_as_the_spec_says() {
    let shellcheck = venv_tool("shellcheck");
    if shellcheck.is_none() {
        println!("skipped: shellcheck is not in $PLATC_VENV; bash still reads the commands back");
    }
    for (cloud, spec) in SPECS {
        let tree = tree_of(&common::crate_dir().join(spec));
        let block = setup_block(tree.get("PREREQUISITES.md").expect("page"));
        if let Some(shellcheck) = &shellcheck {
            let dir = tempfile::tempdir().expect("temp dir");
            let file = dir.path().join("setup.sh");
            std::fs::write(&file, format!("#!/usr/bin/env bash\n{block}")).expect("write");
            let out = Command::new(shellcheck)
                .arg(&file)
                .output()
                .expect("shellcheck");
            assert!(
                out.status.success(),
                "{cloud}: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        let commands = words_of(block);
        let repo = match cloud {
            "gcp" => "carshare/platform-gitops",
            "aws" => "rides/platform-gitops",
            _ => "grid/platform-gitops",
        };
        let workflow_ref = format!("{repo}/.github/workflows/platc-image.yml@refs/heads/main");
        let subjects = [
            format!("repo:{repo}:pull_request:job_workflow_ref:{workflow_ref}"),
            format!("repo:{repo}:ref:refs/heads/main:job_workflow_ref:{workflow_ref}"),
        ];
        if cloud != "gcp" {
            // AWS and Azure match `sub` only: the repository's subject template names the workflow.
            let template = commands
                .iter()
                .find(|c| c.first().is_some_and(|w| w == "gh"))
                .unwrap_or_else(|| panic!("{cloud}: no subject template command"));
            for claim in ["repo", "context", "job_workflow_ref"] {
                assert!(
                    template.contains(&format!("include_claim_keys[]={claim}")),
                    "{cloud}: {template:?}"
                );
            }
        }
        match cloud {
            "gcp" => {
                let provider = commands
                    .iter()
                    .find(|c| c.get(3).is_some_and(|w| w == "providers"))
                    .expect("create-oidc");
                assert_eq!(
                    value_after(provider, "--attribute-condition"),
                    format!(
                        "assertion.repository=='{repo}' && assertion.job_workflow_ref=='{workflow_ref}'"
                    )
                );
                assert!(commands.iter().any(|c| {
                    c.iter().any(|w| {
                        w.ends_with(&format!("/attribute.job_workflow_ref/{workflow_ref}"))
                    })
                }));
            }
            "aws" => {
                let role = commands
                    .iter()
                    .find(|c| c.get(2).is_some_and(|w| w == "create-role"))
                    .expect("create-role");
                let trust: Value =
                    serde_json::from_str(value_after(role, "--assume-role-policy-document"))
                        .expect("JSON");
                let condition = &trust["Statement"][0]["Condition"]["StringEquals"];
                assert_eq!(
                    condition["token.actions.githubusercontent.com:sub"],
                    serde_json::json!(subjects)
                );
                assert_eq!(
                    condition["token.actions.githubusercontent.com:aud"],
                    "sts.amazonaws.com"
                );
            }
            _ => {
                let found: Vec<String> = commands
                    .iter()
                    .filter(|c| c.get(3).is_some_and(|w| w == "federated-credential"))
                    .map(|c| {
                        let p: Value =
                            serde_json::from_str(value_after(c, "--parameters")).expect("JSON");
                        p["subject"].as_str().expect("subject").to_owned()
                    })
                    .collect();
                assert_eq!(found, subjects);
            }
        }
    }
}

#[test]
fn check_fails_while_the_installed_copy_differs() {
    let dir = common::project(common::bundled());
    let compile = common::platc(dir.path(), &["compile"]);
    assert_eq!(compile.status, 0, "{}", compile.stderr);
    let check = common::platc(dir.path(), &["check"]);
    assert_eq!(check.status, 0, "no copy yet: {}", check.stderr);
    let installed = dir.path().join(PATH);
    std::fs::create_dir_all(installed.parent().unwrap()).unwrap();
    std::fs::write(&installed, "name: an older image workflow\n").unwrap();
    let check = common::platc(dir.path(), &["check", "--format", "json"]);
    assert_eq!(check.status, 1, "{}", check.stdout);
    let report = common::json_stdout(&check, "check");
    assert!(
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "image-workflow-stale"),
        "{report}"
    );
    std::fs::copy(dir.path().join("out").join(PATH), &installed).unwrap();
    let check = common::platc(dir.path(), &["check"]);
    assert_eq!(check.status, 0, "{}", check.stderr);
}
