use super::*;

fn kinds(text: &str) -> Vec<(&'static str, &str)> {
    scan(text)
        .into_iter()
        .map(|f| (f.form.code(), &text[f.range]))
        .collect()
}

#[test]
fn known_token_formats_anywhere_in_a_string() {
    for (text, secret) in [
        (
            "Bearer ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
        ),
        (
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
        ),
        (
            "token=glpat-abcdefghij0123456789",
            "glpat-abcdefghij0123456789",
        ),
        (
            "xoxb-123456789012-abcdefABCDEF",
            "xoxb-123456789012-abcdefABCDEF",
        ),
        ("xapp-1-A0123456789-abcdef", "xapp-1-A0123456789-abcdef"),
        (
            "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX",
            "hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX",
        ),
        ("key ASIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE"),
        ("AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        (
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        ("sk_live_0123456789abcdefXYZ", "sk_live_0123456789abcdefXYZ"),
        (
            "AIzaSyA-0123456789abcdefghijklmnopqrstu",
            "AIzaSyA-0123456789abcdefghijklmnopqrstu",
        ),
        (
            "OPENAI=sk-proj-0123456789abcdefghijABCDEFGHIJklmnop",
            "sk-proj-0123456789abcdefghijABCDEFGHIJklmnop",
        ),
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ),
        (
            "fernet 81HqDtbqAywKSOumSha3BhWNOdQ26slT6K0YaZeZyPs=",
            "81HqDtbqAywKSOumSha3BhWNOdQ26slT6K0YaZeZyPs=",
        ),
    ] {
        let found = scan(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        assert_eq!(found[0].form, Form::Token, "{text}");
        assert!(
            secret.contains(&text[found[0].range.clone()])
                || text[found[0].range.clone()].contains(secret),
            "{text}: {found:?}"
        );
    }
}

#[test]
fn private_keys_and_service_account_files() {
    let pem = "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\ny";
    let f = scan(pem);
    assert_eq!(
        &pem[f[0].range.clone()],
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"
    );
    let json = r#"{"type": "service_account", "project_id": "p", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----\n"}"#;
    let found = kinds(json);
    assert_eq!(found[0], ("secret-token", "\"service_account\""));
    assert!(
        found
            .iter()
            .any(|(_, s)| s.starts_with("-----BEGIN PRIVATE KEY")),
        "{found:?}"
    );
    assert!(scan("-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----").is_empty());
}

#[test]
fn every_url_in_a_value_and_encoded_userinfo() {
    assert_eq!(
        kinds("postgresql://airflow:hunter2@db:5432/airflow"),
        [("secret-url-password", "hunter2")]
    );
    assert_eq!(
        kinds("postgresql://u%3Apw@db/x"),
        [("secret-url-password", "u%3Apw")]
    );
    assert_eq!(
        kinds("primary https://example.com/x fallback mysql://root:toor@db/x"),
        [("secret-url-password", "toor")]
    );
    assert_eq!(
        kinds("https://ghp-less-token@github.com/o/r.git"),
        [("secret-url-password", "ghp-less-token")]
    );
    assert_eq!(
        kinds("x https://a:b:c@h/p?q=@"),
        [("secret-url-password", "b:c")]
    );
    for clean in [
        "https://github.com/org/repo.git",
        "git@github.com:org/repo.git",
        "ssh://git@github.com/org/repo.git",
        "postgresql://airflow@db/airflow",
        "https://user:@host/",
        "postgresql://{user}:{password}@proxy:5432/{database}",
        "postgresql://USER:PASSWORD@proxy/db",
        "gs://bucket/logs",
    ] {
        assert!(scan(clean).is_empty(), "{clean}");
    }
}

#[test]
fn credential_names_in_dsns_json_and_query_strings() {
    assert_eq!(
        kinds("host=db user=airflow password=hunter2 dbname=x"),
        [("secret-literal", "hunter2")]
    );
    assert_eq!(
        kinds("host=db password='two words'"),
        [("secret-literal", "two words")]
    );
    assert_eq!(
        kinds(
            r#"{"conn_type": "postgres", "login": "a", "password": "pw1", "extra": {"api_token": "t0k"}}"#
        ),
        [("secret-literal", "pw1"), ("secret-literal", "t0k")]
    );
    assert_eq!(
        kinds(r#"{"db:password": "pw3"}"#),
        [("secret-literal", "pw3")],
        "a namespaced key is named by its last part"
    );
    assert_eq!(
        kinds(r#"V: "{\"password\": \"pw2\", \"x\": 1}""#),
        [("secret-literal", "pw2")],
        "escaped JSON, as a YAML source shows it"
    );
    assert_eq!(
        kinds("https://api.example.com/v1?apikey=abc123&x=1"),
        [("secret-literal", "abc123")]
    );
    assert_eq!(
        kinds("jdbc:sqlserver://db;user=a;password=p4ss"),
        [("secret-literal", "p4ss")]
    );
    for clean in [
        "secretstorage==3.3.3",
        "keyring>=24",
        "password=$DB_PASSWORD",
        r#"{"password": null}"#,
        r#"{"token_url": "https://x"}"#,
        r#"{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}"#,
        "token=",
        "dags/{domain}/{name}.py",
        "    key = dag_id + \".\" + task_id",
        "password = get_password()",
        "key=value",
    ] {
        assert!(scan(clean).is_empty(), "{clean}: {:?}", scan(clean));
    }
}

#[test]
fn credential_shaped_names() {
    for name in [
        "DB_PASS",
        "db_password",
        "OPENAI_APIKEY",
        "x-api-key",
        "SLACK_TOKEN",
        "client_secret",
        "FERNET_KEY",
        "aws_secret_access_key",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "sql_alchemy_conn",
        "passwd",
        "Password",
    ] {
        assert!(credential_name(name), "{name}");
    }
    for name in [
        "HOST",
        "TOKEN_URL",
        "PASSWORD_FILE",
        "secret_name",
        "key_id",
        "monkey",
        "KEYS",
        "password_cmd",
    ] {
        assert!(!credential_name(name), "{name}");
    }
}

#[test]
fn ordinary_values_are_clean() {
    for clean in [
        "europe-west1-docker.pkg.dev/carshare-data-prod/airflow/airflow",
        "airflow@carshare-data-prod.iam.gserviceaccount.com",
        "carshare-data-prod:europe-west1:airflow-metadata",
        "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "risk-assessment-0123456789abcdefghijklmnopqrstuvwxyz",
        "myghp_0123456789abcdefghijABCDEFGHIJ012345",
        "feature/*",
        "%(asctime)s %(levelname)s %(message)s",
    ] {
        assert!(scan(clean).is_empty(), "{clean}: {:?}", scan(clean));
    }
}

#[test]
fn masks_tokens_and_pem_blocks() {
    let text = "+token: ghp_abcdefghijklmnopqrstuvwxyz0123\n key: AKIAABCDEFGHIJKLMNOP\n+-----BEGIN PRIVATE KEY-----\n+MIIEvQIBADANBg\n+-----END PRIVATE KEY-----\n name: keep\n";
    assert_eq!(
        mask_secrets(text),
        "+token: ghp_[masked by platc]\n key: AKIA[masked by platc]\n+-----BEGIN[masked by platc]\n+[masked by platc]\n+-----END PRIVATE KEY-----\n name: keep\n"
    );
}

#[test]
fn leaves_ordinary_text_alone() {
    let text = "image: airflow\nTAKIAXXXXXXXXXXXXXXXXXX\nsecretName: ghp_short\n-----BEGIN CERTIFICATE-----\n";
    assert_eq!(mask_secrets(text), text);
    assert_eq!(star_secrets(text), text);
}

#[test]
fn stars_keep_byte_length_and_lines() {
    let text = "a: Bearer ghp_0123456789abcdefghijABCDEFGHIJ012345 # é\nk: |\n  -----BEGIN PRIVATE KEY-----\n  MIIE\n  -----END PRIVATE KEY-----\nz: 1\n";
    let starred = star_secrets(text);
    assert_eq!(starred.len(), text.len());
    assert_eq!(starred.lines().count(), text.lines().count());
    assert!(!starred.contains("ghp_") && !starred.contains("MIIE"));
    assert!(starred.starts_with("a: Bearer ****"));
    assert!(
        starred.ends_with(
            " # é\nk: |\n  ********** ******* ********\n  ****\n  ******** ******* ********\nz: 1\n"
        ),
        "{starred}"
    );
}

#[test]
fn prose_keeps_no_credential() {
    let text = "repo `https://bot:s3cret@github.com/x.git` and ghp_0123456789abcdefghijABCDEFGHIJ012345 here\nnext: https://a:b@h, dsn password=pw9";
    assert_eq!(
        redact_prose(text),
        "repo `https://bot:***@github.com/x.git` and ghp_[masked by platc] here\nnext: https://a:***@h, dsn password=***"
    );
    assert_eq!(
        redact_prose("see https://example.com/x"),
        "see https://example.com/x"
    );
}

#[test]
fn scanning_is_linear_on_hostile_text() {
    for text in [
        "a://".repeat(100_000),
        "\"p\":".repeat(100_000),
        "password=".repeat(100_000),
        "x".repeat(400_000) + "=",
        "eyJ".repeat(100_000),
        "github_pat_".repeat(50_000),
        "xoxb-".repeat(100_000),
        "-----BEGIN".repeat(50_000),
        "password='".repeat(50_000),
        "\"token\": \"".repeat(50_000),
    ] {
        // Not a speed target (benches/ has those): a quadratic scan would not finish here.
        assert!(scan(&text).len() < text.len(), "{}", &text[..8]);
    }
}
