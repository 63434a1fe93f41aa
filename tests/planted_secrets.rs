//! Planted secrets: each literal credential of issue 12's list, in every field of the spec that
//! can carry text, must stop compile, and no output format may print it (human snippets, JSON,
//! GitHub annotations, Markdown). The library runs the field × secret grid; the binary runs each
//! secret once end to end, checking that `out/` is never written.

mod common;

use common::{bundled, platc, project};
use platc::report::{Format, render};

/// A credential as planted, and the parts of it that must never be printed.
struct Planted {
    text: String,
    cores: Vec<&'static str>,
}

fn planted(text: impl Into<String>, cores: &[&'static str]) -> Planted {
    Planted {
        text: text.into(),
        cores: cores.to_vec(),
    }
}

const GH: &str = "ghp_Zq8xZq8xZq8xZq8xZq8xZq8xZq8xZq8xZq8x";
const PEM_BODY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";

/// At least 30 credentials, one per form the detector knows.
fn secrets() -> Vec<Planted> {
    vec![
        planted(GH, &["Zq8xZq8xZq8x"]),
        planted(
            "github_pat_11ABCDEFG0Qx81hGs8_kdT9aBcDeFgHiJkLmNoP",
            &["kdT9aBcDeFgHiJkLmNoP"],
        ),
        planted(
            "gho_Yv3kYv3kYv3kYv3kYv3kYv3kYv3kYv3kYv3k",
            &["Yv3kYv3kYv3k"],
        ),
        planted("glpat-Hq7wHq7wHq7wHq7wHq7w", &["Hq7wHq7wHq7w"]),
        planted("xoxb-123456789012-Jf5rJf5rJf5r", &["Jf5rJf5rJf5r"]),
        planted("xoxp-123456789012-Kd9sKd9sKd9s", &["Kd9sKd9sKd9s"]),
        planted(
            "https://hooks.slack.com/services/T0AAAA1/B0BBBB2/Wq3eWq3eWq3eWq3eWq3e",
            &["Wq3eWq3eWq3e"],
        ),
        planted("AKIAQX4Y7ZRN2MPLW8VE", &["QX4Y7ZRN2MPLW8VE"]),
        planted(
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYz8Qv1Lm4Np",
            &["wJalrXUtnFEMI"],
        ),
        planted("AIzaSyB-Tt4uTt4uTt4uTt4uTt4uTt4uTt4uTt4", &["Tt4uTt4uTt4u"]),
        planted("sk_live_Pp2oPp2oPp2oPp2oPp2o", &["Pp2oPp2oPp2o"]),
        planted(
            "sk-proj-Mm6nMm6nMm6nMm6nMm6nMm6nMm6nMm6nMm6n",
            &["Mm6nMm6nMm6n"],
        ),
        planted(
            "pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoLWlqa2wtbW5vcC1xcnN0LXV2",
            &["CJGFiY2RlZmdoLWlqa2w"],
        ),
        planted(
            "npm_Rr8tRr8tRr8tRr8tRr8tRr8tRr8tRr8tRr8t",
            &["Rr8tRr8tRr8t"],
        ),
        planted(
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhaXJmbG93In0.Ab3dAb3dAb3dAb3dAb3dAb3dAb3dAb3d",
            &["Ab3dAb3dAb3d", "eyJzdWIiOiJhaXJmbG93In0"],
        ),
        planted(
            "81HqDtbqAywKSOumSha3BhWNOdQ26slT6K0YaZeZyPs=",
            &["81HqDtbqAywKSOumSha3"],
        ),
        planted(
            format!("-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n"),
            &[PEM_BODY],
        ),
        planted(
            format!(
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU{PEM_BODY}\n-----END OPENSSH PRIVATE KEY-----"
            ),
            &[PEM_BODY],
        ),
        planted(
            format!(
                r#"{{"type": "service_account", "project_id": "p", "private_key": "-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n"}}"#
            ),
            &[PEM_BODY],
        ),
        planted(
            "postgresql://airflow:Hunter2Pw@db:5432/airflow",
            &["Hunter2Pw"],
        ),
        planted("postgresql://u%3AEnc0dedPw@db/airflow", &["Enc0dedPw"]),
        planted(
            "see https://example.com/docs then mysql://root:T00rSecret@db/x",
            &["T00rSecret"],
        ),
        planted(
            "https://Tk9Lq2Wm5Zr8@github.com/carshare/dags.git",
            &["Tk9Lq2Wm5Zr8"],
        ),
        planted("redis://:R3disPassw0rd@cache:6379/0", &["R3disPassw0rd"]),
        planted("amqp://guest:Rabb1tPw@mq:5672/", &["Rabb1tPw"]),
        planted(
            "private-pkg @ git+https://bot:G1tT0kenPw@github.com/carshare/private.git@v1",
            &["G1tT0kenPw"],
        ),
        planted(
            "host=db user=airflow password=LibpqPw77 dbname=airflow",
            &["LibpqPw77"],
        ),
        planted(
            "jdbc:sqlserver://db;user=a;password=JdbcPw88",
            &["JdbcPw88"],
        ),
        planted(
            "https://api.example.com/v1?access_token=QueryTok99&x=1",
            &["QueryTok99"],
        ),
        planted(
            r#"{"conn_type": "postgres", "host": "db", "password": "JsonPw123"}"#,
            &["JsonPw123"],
        ),
        planted(
            r#"{"conn_type": "http", "extra": {"api_token": "ExtraTok456"}}"#,
            &["ExtraTok456"],
        ),
        planted(r#"{"x-api-key": "HeaderKey789"}"#, &["HeaderKey789"]),
        planted(
            "aws_secret_access_key=AwsSecretLiteral42",
            &["AwsSecretLiteral42"],
        ),
    ]
}

/// A line of the bundled spec and what it becomes with `{}` for the planted YAML scalar: every
/// field that carries text, in shared sections and environments, values and mapping keys.
const FIELDS: &[(&str, &str)] = &[
    ("  name: carshare-data\n", "  name: {}\n"),
    ("  domain: data.carshare.example\n", "  domain: {}\n"),
    (
        "  executor: KubernetesExecutor\n",
        "  executor: KubernetesExecutor\n  env:\n    PLANTED: {}\n",
    ),
    (
        "  executor: KubernetesExecutor\n",
        "  executor: KubernetesExecutor\n  env:\n    {}: x\n",
    ),
    (
        "      default_task_weight_rule: absolute",
        "      default_task_weight_rule: {}",
    ),
    ("    core:\n", "    core:\n      {}: x\n"),
    ("  repo: git@github.com:carshare/dags.git\n", "  repo: {}\n"),
    ("  subPath: dags\n", "  subPath: {}\n"),
    ("      owner: data-platform\n", "      owner: {}\n"),
    ("      tags: [data-platform]\n", "      tags: [{}]\n"),
    (
        "  repository: europe-west1-docker.pkg.dev/carshare-data-prod/airflow/airflow\n",
        "  repository: {}\n",
    ),
    ("    - beautifulsoup4==4.9.3\n", "    - {}\n"),
    (
        "  python: \"3.12\"\n",
        "  python: \"3.12\"\n  systemPackages: [{}]\n",
    ),
    (
        "  remote: gs://carshare-data-prod-airflow-logs/logs\n",
        "  remote: {}\n",
    ),
    ("  connection: google_cloud_default\n", "  connection: {}\n"),
    ("  fernetKey: airflow-fernet-key\n", "  fernetKey: {}\n"),
    (
        "  repo: https://github.com/carshare/platform-gitops.git\n",
        "  repo: {}\n",
    ),
    (
        "  branch: main\n  path: out\n",
        "  branch: {}\n  path: out\n",
    ),
    (
        "  branch: main\n  path: out\n",
        "  branch: main\n  path: {}\n",
    ),
    ("scmTokenSecret: argocd-github-token", "scmTokenSecret: {}"),
    ("  slack: data-platform-deploys\n", "  slack: {}\n"),
    ("  className: nginx", "  className: {}"),
    ("    namespace: airflow\n", "    namespace: {}\n"),
    ("    cluster: https://34.76.10.1\n", "    cluster: {}\n"),
    (
        "    cloudProject: carshare-data-prod\n",
        "    cloudProject: {}\n",
    ),
    (
        "    serviceAccount: airflow@carshare-data-prod.iam.gserviceaccount.com\n",
        "    serviceAccount: {}\n",
    ),
    (
        "    host: airflow.data.carshare.example\n",
        "    host: {}\n",
    ),
    (
        "    branch: main\n    ingress:",
        "    branch: {}\n    ingress:",
    ),
    ("      tlsSecret: airflow-tls\n", "      tlsSecret: {}\n"),
    (
        "cert-manager.io/cluster-issuer: letsencrypt",
        "cert-manager.io/cluster-issuer: {}",
    ),
    (
        "cert-manager.io/cluster-issuer: letsencrypt",
        "{}: letsencrypt",
    ),
    (
        "        secret: airflow-metadata-db\n",
        "        secret: {}\n",
    ),
    (
        "          instance: carshare-data-prod:europe-west1:airflow-metadata\n",
        "          instance: {}\n",
    ),
    ("      branches: feature/*\n", "      branches: {}\n"),
    ("      path: /{branch}\n", "      path: {}\n"),
    (
        "      remote: gs://carshare-data-dev-airflow-logs/logs\n",
        "      remote: {}\n",
    ),
    (
        "      externalSecrets: gcp-secret-manager",
        "      externalSecrets: {}",
    ),
    (
        "    notifications: null\n",
        "    notifications: null\n    airflow:\n      env:\n        PLANTED: {}\n",
    ),
];

/// The bundled spec with `secret` planted as field `i` (a JSON string is a YAML scalar).
fn spec_with(i: usize, secret: &str) -> String {
    let (old, new) = FIELDS[i];
    let scalar = serde_json::to_string(secret).unwrap();
    let spec = bundled();
    assert!(
        spec.contains(old),
        "field {i}: `{old}` is not in the bundled spec"
    );
    spec.replacen(old, &new.replace("{}", &scalar), 1)
}

fn leaks<'a>(text: &str, secret: &'a Planted) -> Option<&'a str> {
    secret
        .cores
        .iter()
        .copied()
        .find(|core| text.contains(core))
}

#[test]
fn at_least_thirty_secrets_in_every_text_field() {
    let secrets = secrets();
    assert!(secrets.len() >= 30, "{} secrets", secrets.len());
    let mut failures = Vec::new();
    let mut by_secret_rule = 0;
    for secret in &secrets {
        for i in 0..FIELDS.len() {
            let spec = spec_with(i, &secret.text);
            let doc = match platc::load::load_str("platform.yaml", spec.clone()) {
                Ok(doc) => doc,
                Err(d) => {
                    let shown = render(&d.into(), Some(&spec), Format::Human, false);
                    if let Some(core) = leaks(&shown, secret) {
                        failures.push(format!("field {i}: load error printed `{core}`"));
                    }
                    continue;
                }
            };
            let failure = match platc::pipeline::front_end_doc(doc) {
                Ok(_) => {
                    failures.push(format!("field {i}: `{}` validated", secret.text));
                    continue;
                }
                Err(f) => f,
            };
            let codes: Vec<&str> = failure
                .diagnostics
                .iter()
                .map(|d| d.code.as_str())
                .collect();
            if codes.iter().any(|c| c.starts_with("secret-")) {
                by_secret_rule += 1;
            } else if !codes.iter().any(|c| c.starts_with('E')) {
                failures.push(format!(
                    "field {i}: `{}` refused only by {codes:?}",
                    secret.text
                ));
            }
            for format in [
                Format::Human,
                Format::Json,
                Format::Github,
                Format::Markdown,
            ] {
                let shown = render(
                    &failure.diagnostics,
                    failure.source.as_deref(),
                    format,
                    false,
                );
                if let Some(core) = leaks(&shown, secret) {
                    failures.push(format!(
                        "field {i} ({format:?}): printed `{core}`:\n{shown}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Most fields take any string, so the secret rules (not a schema error) must do the refusing.
    assert!(
        by_secret_rule * 2 > secrets.len() * FIELDS.len(),
        "{by_secret_rule}"
    );
}

#[test]
fn compile_refuses_every_secret_and_writes_nothing() {
    let env_field = 2;
    for (n, secret) in secrets().iter().enumerate() {
        let dir = project(spec_with(env_field, &secret.text));
        let format = ["human", "json", "github", "markdown"][n % 4];
        for args in [&["compile", "--format", format][..], &["diff"], &["check"]] {
            let out = platc(dir.path(), args);
            assert_eq!(
                out.status, 1,
                "{args:?} with `{}`: {}",
                secret.text, out.stderr
            );
            for text in [&out.stdout, &out.stderr] {
                assert!(
                    leaks(text, secret).is_none(),
                    "{args:?} printed it:\n{text}"
                );
            }
        }
        assert!(
            !dir.path().join("out").exists(),
            "`{}` wrote out/",
            secret.text
        );
    }
}

#[test]
fn credential_names_with_literal_values_are_refused_and_starred() {
    for (name, value) in [
        ("DB_PASS", "Hunter2Lit"),
        ("OPENAI_APIKEY", "OpenAiLit1"),
        ("slack_token", "SlackLit22"),
        ("STRIPE_KEY", "StripeLit3"),
        ("client_secret", "ClientLit4"),
        ("db_password", "12345678"),
    ] {
        let spec = bundled().replacen(
            "  executor: KubernetesExecutor\n",
            &format!("  executor: KubernetesExecutor\n  env:\n    {name}: {value}\n"),
            1,
        );
        let dir = project(&spec);
        for format in ["human", "json", "github", "markdown"] {
            let out = platc(dir.path(), &["compile", "--format", format]);
            assert_eq!(out.status, 1, "{name}");
            let all = format!("{}{}", out.stdout, out.stderr);
            assert!(all.contains("secret-literal"), "{name} {format}:\n{all}");
            assert!(
                !all.contains(value),
                "{name} {format} printed the value:\n{all}"
            );
        }
    }
}
