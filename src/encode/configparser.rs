//! Airflow's config file. Airflow reads `airflow.cfg` with configparser's `%` interpolation, so
//! a literal `%` must be written `%%`; the chart puts `config` values into that file.

/// `text` as a configparser value that reads back as `text`: `%` doubled.
///
/// Line breaks are left alone: configparser reads an indented continuation line as part of the
/// value, and the chart writes each value on one line; validate keeps them out of values.
pub fn value(text: &str) -> String {
    text.replace('%', "%%")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOADS: [&str; 7] = [
        "%(asctime)s %(levelname)s - %(message)s",
        "100%",
        "%%",
        "%(home)s",
        "plain",
        "{{ ti.dag_id }}",
        "$(id);`id`",
    ];

    #[test]
    fn percent_is_doubled() {
        assert_eq!(value("100%"), "100%%");
        assert_eq!(value("%(x)s"), "%%(x)s");
    }

    /// The real consumer: Python's configparser (the interpolation Airflow's parser inherits)
    /// reads each encoded value back as the original text.
    #[test]
    fn configparser_reads_back_the_same_text() {
        let mut cfg = String::from("[logging]\n");
        for (i, payload) in PAYLOADS.iter().enumerate() {
            cfg.push_str(&format!("option_{i} = {}\n", value(payload)));
        }
        let program = "import configparser, json, sys\n\
            p = configparser.ConfigParser()\n\
            p.read_string(sys.stdin.read())\n\
            print(json.dumps([p.get('logging', f'option_{i}') for i in range(int(sys.argv[1]))]))\n";
        let child = std::process::Command::new("python3")
            .args(["-c", program, &PAYLOADS.len().to_string()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn();
        let Ok(mut child) = child else {
            eprintln!("skipped: python3 is not on PATH");
            return;
        };
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(cfg.as_bytes())
            .expect("write");
        let output = child.wait_with_output().expect("python3 runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let back: Vec<String> = serde_json::from_slice(&output.stdout).expect("JSON");
        assert_eq!(back, PAYLOADS);
    }
}
