//! Injection: each spec field that lands in another language gets payloads for that language
//! (`;`, `$()`, backticks, a line break, `%`, `{{`, `${{`, quotes, `#`). Each must be rejected
//! by validate with an error on the edited line, or compile to output that its consumer reads
//! back inert: actionlint (with shellcheck) on the workflows, hadolint on the Dockerfile, and
//! `helm template` with the official chart followed by Python's configparser for Airflow config.
//! Whatever validate accepts, compile renders.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const PAYLOADS: [&str; 14] = [
    "x;id",
    "$(id)",
    "`id`",
    "a\nFROM alpine",
    "100%",
    "%(asctime)s",
    "{{ ti.dag_id }}",
    "${{ secrets.REGISTRY_PASSWORD }}",
    "it's",
    "say \"hi\"",
    "a#b",
    "curl; rm -rf / #",
    "a b",
    "../../../etc",
];

/// A field of the bundled spec: the line to replace and the line with `{}` for the payload
/// (written as a YAML double-quoted scalar).
struct Field {
    name: &'static str,
    line: &'static str,
    with: &'static str,
}

const FIELDS: [Field; 17] = [
    Field {
        name: "image.repository",
        line: "  repository: europe-west1-docker.pkg.dev/carshare-data-prod/airflow/airflow",
        with: "  repository: {}",
    },
    Field {
        name: "image.systemPackages",
        line: "  python: \"3.12\"",
        with: "  python: \"3.12\"\n  systemPackages: [{}]",
    },
    Field {
        name: "gitops.repo",
        line: "  repo: https://github.com/carshare/platform-gitops.git",
        with: "  repo: {}",
    },
    Field {
        name: "gitops.branch",
        line: "  branch: main\n  path: out",
        with: "  branch: {}\n  path: out",
    },
    Field {
        name: "gitops.path",
        line: "  branch: main\n  path: out",
        with: "  branch: main\n  path: {}",
    },
    Field {
        name: "environments.prod.branch",
        line: "    branch: main\n",
        with: "    branch: {}\n",
    },
    Field {
        name: "dags.repo",
        line: "  repo: git@github.com:carshare/dags.git",
        with: "  repo: {}",
    },
    Field {
        name: "dags.subPath",
        line: "  subPath: dags",
        with: "  subPath: {}",
    },
    Field {
        name: "dags.conventions.layout",
        line: "    layout: dags/{domain}/{name}.py",
        with: "    layout: {}",
    },
    Field {
        name: "airflow.config",
        line: "    core:\n      default_task_weight_rule",
        with: "    logging:\n      log_format: {}\n    core:\n      default_task_weight_rule",
    },
    Field {
        name: "logging.remote",
        line: "  remote: gs://carshare-data-prod-airflow-logs/logs",
        with: "  remote: {}",
    },
    Field {
        name: "argocd.namespace",
        line: "  namespace: argocd",
        with: "  namespace: {}",
    },
    Field {
        name: "preview.branches",
        line: "      branches: feature/*",
        with: "      branches: {}",
    },
    Field {
        name: "preview.path",
        line: "      path: /{branch}",
        with: "      path: {}",
    },
    Field {
        name: "image.publish.gcp.workloadIdentityProvider",
        line: "      workloadIdentityProvider: projects/412345678901/locations/global/workloadIdentityPools/github/providers/platform-gitops",
        with: "      workloadIdentityProvider: {}",
    },
    Field {
        name: "image.publish.gcp.serviceAccount",
        line: "      serviceAccount: image-publisher@carshare-data-prod.iam.gserviceaccount.com",
        with: "      serviceAccount: {}",
    },
    Field {
        name: "ingress annotation",
        line: "        cert-manager.io/cluster-issuer: letsencrypt",
        with: "        cert-manager.io/cluster-issuer: letsencrypt\n        nginx.ingress.kubernetes.io/proxy-body-size: {}",
    },
];

fn yaml_scalar(payload: &str) -> String {
    serde_json::Value::String(payload.to_owned()).to_string()
}

/// The bundled spec with `field` set to `payload`, and the 1-based line of the edit.
fn edited(field: &Field, payload: &str) -> (String, usize) {
    let text = common::bundled();
    let at = text
        .find(field.line)
        .unwrap_or_else(|| panic!("{}: line not in the bundled spec", field.name));
    let replacement = field.with.replace("{}", &yaml_scalar(payload));
    let new = format!(
        "{}{}{}",
        &text[..at],
        replacement,
        &text[at + field.line.len()..]
    );
    let edit_line = text[..at].matches('\n').count()
        + 1
        + field
            .with
            .split("{}")
            .next()
            .unwrap_or("")
            .matches('\n')
            .count();
    (new, edit_line)
}

fn tool(env: &str, venv_bin: &str) -> Option<PathBuf> {
    if let Ok(path) = std::env::var(env) {
        return Some(PathBuf::from(path));
    }
    let venv = std::env::var("PLATC_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| common::crate_dir().join(".venv"));
    let bin = venv.join("bin").join(venv_bin);
    bin.is_file().then_some(bin)
}

struct Oracles {
    actionlint: Option<PathBuf>,
    shellcheck_dir: Option<PathBuf>,
    hadolint: Option<PathBuf>,
    helm: Option<PathBuf>,
    chart: PathBuf,
}

impl Oracles {
    fn find() -> Oracles {
        let actionlint = tool("PLATC_ACTIONLINT", "actionlint");
        let shellcheck_dir =
            tool("PLATC_SHELLCHECK", "shellcheck").and_then(|p| p.parent().map(Path::to_path_buf));
        let hadolint = tool("PLATC_HADOLINT", "hadolint");
        let chart = common::chart_src("1.22.0");
        let helm = chart.as_ref().and_then(|_| common::helm());
        let chart = chart.unwrap_or_default();
        for (name, found) in [
            ("actionlint", actionlint.is_some()),
            ("hadolint", hadolint.is_some()),
        ] {
            if !found {
                println!("skipped: {name} is not available; its read-back checks do not run");
            }
        }
        Oracles {
            actionlint,
            shellcheck_dir,
            hadolint,
            helm,
            chart,
        }
    }
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Renders the chart's airflow.cfg from `values` and reads `[section] key` back with
/// configparser, as Airflow does.
fn chart_config_value(o: &Oracles, helm: &Path, values: &Path, section: &str, key: &str) -> String {
    let out = Command::new(helm)
        .args(["template", "airflow"])
        .arg(&o.chart)
        .arg("-f")
        .arg(values)
        .args(["--show-only", "templates/configmaps/configmap.yaml"])
        .output()
        .expect("helm runs");
    assert!(
        out.status.success(),
        "helm template: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let program = "import configparser, json, sys, re\n\
        text = sys.stdin.read()\n\
        m = re.search(r'airflow.cfg: \\|-?\\n((?:    .*\\n|\\n)*)', text)\n\
        cfg = '\\n'.join(l[4:] for l in m.group(1).split('\\n'))\n\
        p = configparser.ConfigParser()\n\
        p.read_string(cfg)\n\
        print(json.dumps(p.get(sys.argv[1], sys.argv[2])))\n";
    let mut child = Command::new("python3")
        .args(["-c", program, section, key])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&out.stdout)
        .expect("write");
    let read = child.wait_with_output().expect("python3");
    assert!(
        read.status.success(),
        "configparser: {}",
        String::from_utf8_lossy(&read.stderr)
    );
    serde_json::from_slice(&read.stdout).expect("JSON")
}

#[test]
fn every_payload_in_every_field_is_refused_at_its_line_or_rendered_inert() {
    let oracles = Oracles::find();
    let mut refused = 0;
    let mut rendered = 0;
    for field in &FIELDS {
        for payload in PAYLOADS {
            let (text, line) = edited(field, payload);
            let what = format!("{} = {payload:?}", field.name);
            let doc = match platc::load::load_str("platform.yaml", text) {
                Ok(doc) => doc,
                Err(d) => panic!("{what}: the edited spec does not load: {d:?}"),
            };
            let front = match platc::pipeline::front_end_doc(doc) {
                Ok(front) => front,
                Err(failure) => {
                    let errors: Vec<_> = failure
                        .diagnostics
                        .0
                        .iter()
                        .filter(|d| d.is_error())
                        .collect();
                    assert!(
                        errors
                            .iter()
                            .any(|d| d.place.as_ref().map(|p| p.line) == Some(line)),
                        "{what}: refused, but no error on line {line}: {errors:#?}"
                    );
                    refused += 1;
                    continue;
                }
            };
            let tree =
                platc::pipeline::compile(&front, Path::new("platform.yaml")).unwrap_or_else(|f| {
                    panic!(
                        "{what}: validate accepted it, compile failed: {:?}",
                        f.diagnostics
                    )
                });
            rendered += 1;
            let dir = tempfile::tempdir().expect("temp dir");
            for (path, content) in tree.files() {
                let file = dir.path().join(path);
                std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
                std::fs::write(&file, content).expect("write");
            }
            if let Some(actionlint) = &oracles.actionlint {
                let mut cmd = Command::new(actionlint);
                cmd.arg(dir.path().join("dag-repo/.github/workflows/dags.yml"));
                cmd.arg(dir.path().join(platc::render::image_ci::PATH));
                if let Some(sc) = &oracles.shellcheck_dir {
                    let path = std::env::var("PATH").unwrap_or_default();
                    cmd.env("PATH", format!("{}:{path}", sc.display()));
                }
                run(&mut cmd, &format!("{what}: actionlint"));
            }
            if let Some(hadolint) = &oracles.hadolint {
                run(
                    Command::new(hadolint)
                        .args(["--failure-threshold", "style"])
                        .arg(dir.path().join("image/Dockerfile")),
                    &format!("{what}: hadolint"),
                );
            }
            if field.name == "airflow.config"
                && let Some(helm) = &oracles.helm
                && oracles.chart.is_dir()
            {
                let back = chart_config_value(
                    &oracles,
                    helm,
                    &dir.path().join("prod/values.yaml"),
                    "logging",
                    "log_format",
                );
                assert_eq!(back, payload, "{what}: Airflow would read another value");
            }
        }
    }
    println!("{refused} payloads refused at their line, {rendered} rendered and read back inert");
    assert!(refused > 0 && rendered > 0);
}

/// Whatever validate accepts, compile renders: every corpus and lint spec, the bundled spec.
#[test]
fn every_spec_that_validates_compiles() {
    let root = common::crate_dir();
    let mut specs = vec![root.join("platform.yaml")];
    for dir in ["tests/corpus", "tests/lint"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .expect("spec folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        found.sort();
        specs.extend(found);
    }
    let mut compiled = 0;
    for spec in &specs {
        let Ok(front) = platc::pipeline::front_end(spec) else {
            continue;
        };
        if let Err(f) = platc::pipeline::compile(&front, spec) {
            panic!(
                "{} validates but does not compile: {:?}",
                spec.display(),
                f.diagnostics
            );
        }
        compiled += 1;
    }
    assert!(compiled >= 2, "only {compiled} specs validate");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Generated values from the characters that matter to some language, in every field above:
    /// validate exit 0 implies compile exit 0.
    #[test]
    fn generated_values_that_validate_compile(
        field in 0..FIELDS.len(),
        value in "[a-z0-9./:@%{}$#;`'\" \\n*?=+-]{0,24}",
    ) {
        let (text, _) = edited(&FIELDS[field], &value);
        let Ok(doc) = platc::load::load_str("platform.yaml", text) else {
            return Ok(());
        };
        if let Ok(front) = platc::pipeline::front_end_doc(doc) {
            let compiled = platc::pipeline::compile(&front, Path::new("platform.yaml"));
            proptest::prop_assert!(
                compiled.is_ok(),
                "{} = {:?} validates but does not compile: {:?}",
                FIELDS[field].name,
                value,
                compiled.err().map(|f| f.diagnostics)
            );
        }
    }
}
