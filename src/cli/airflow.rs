//! `platc airflow options|explain` (what each Airflow version's config options are) and
//! `platc upgrade --to VERSION` (move the spec to another Airflow version).

use std::path::Path;

use clap::Subcommand;
use serde::Serialize;
use serde_json::Value;

use crate::airflow::{self, AirflowVersion, Catalog, OptionInfo, catalog_for};
use crate::cli::{Cli, Output};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::{self, Document, escape_pointer};
use crate::pipeline::{self, Failure};
use crate::report::Format;
use crate::upgrade::{self, describe, follow, history};

/// The `platc airflow` subcommands.
#[derive(Debug, Subcommand)]
pub enum AirflowCommand {
    /// List the config options of the spec's Airflow version: type, default, allowed values,
    /// version added, sensitive.
    Options {
        /// Only this section, such as `dag_processor`.
        section: Option<String>,
        /// Airflow version to list instead of the spec's `airflow.version`.
        #[arg(long, value_name = "VERSION")]
        version: Option<String>,
    },
    /// Explain one option: type, default, allowed values, history, and the value each
    /// environment sets.
    Explain {
        /// `SECTION.OPTION` (such as `dag_processor.parsing_processes`) or `AIRFLOW__SECTION__KEY`.
        option: String,
        /// Airflow version to explain instead of the spec's `airflow.version`.
        #[arg(long, value_name = "VERSION")]
        version: Option<String>,
    },
}

/// Runs `platc airflow …`.
pub fn run(cli: &Cli, out: &Output, command: &AirflowCommand) -> i32 {
    match command {
        AirflowCommand::Options { section, version } => {
            options(cli, out, section.as_deref(), version.as_deref())
        }
        AirflowCommand::Explain { option, version } => {
            explain(cli, out, option, version.as_deref())
        }
    }
}

fn usage(out: &Output, d: Diagnostic) -> i32 {
    out.diagnostics(&d.into(), None);
    2
}

/// The spec as far as it could be read: validated when possible, else the raw document.
struct SpecView {
    doc: Document,
    /// The shared `airflow.version`.
    version: Option<String>,
    /// Each environment's resolved `airflow` section (version, config, env), in spec order.
    envs: Vec<(String, Value)>,
}

fn read_spec(path: &Path) -> Result<SpecView, Failure> {
    match pipeline::front_end(path) {
        Ok(front) => {
            let envs = front
                .model
                .environments
                .iter()
                .map(|e| {
                    let v = serde_json::to_value(&e.airflow).unwrap_or(Value::Null);
                    (e.name.clone(), v)
                })
                .collect();
            Ok(SpecView {
                version: Some(front.spec.airflow.version.clone()),
                doc: front.doc,
                envs,
            })
        }
        Err(failure) if failure.io => Err(failure),
        Err(failure) => {
            // Invalid specs are the ones that need explaining: fall back to the raw document.
            let Ok(doc) = load::load_file(path) else {
                return Err(failure);
            };
            let shared = doc.value.pointer("/airflow").cloned();
            let version = doc
                .value
                .pointer("/airflow/version")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let mut envs = Vec::new();
            if let Some(Value::Object(map)) = doc.value.pointer("/environments") {
                for (name, env) in map {
                    let mut airflow = shared.clone().unwrap_or(Value::Null);
                    if let Some(over) = env.get("airflow") {
                        crate::resolve::merge(&mut airflow, over);
                    }
                    envs.push((name.clone(), airflow));
                }
            }
            Ok(SpecView { doc, version, envs })
        }
    }
}

/// The catalog for `--version`, else for the spec's version; the spec when it could be read.
fn catalog(
    cli: &Cli,
    out: &Output,
    version: Option<&str>,
) -> Result<(&'static Catalog, Option<SpecView>), i32> {
    let spec = read_spec(&cli.file);
    let text = match (version, &spec) {
        (Some(v), _) => v.to_owned(),
        (
            None,
            Ok(SpecView {
                version: Some(v), ..
            }),
        ) => v.clone(),
        (None, Ok(_)) => {
            return Err(usage(
                out,
                Diagnostic::error("E045", "the spec has no `airflow.version`")
                    .help("pass --version VERSION"),
            ));
        }
        (None, Err(failure)) => return Err(out.failure(failure)),
    };
    let parsed = AirflowVersion::parse(&text)
        .map_err(|e| usage(out, Diagnostic::error("airflow-version", e)))?;
    let (cat, note) = catalog_for(&parsed).map_err(|e| {
        let list: Vec<String> = airflow::supported_versions()
            .iter()
            .map(ToString::to_string)
            .collect();
        usage(
            out,
            Diagnostic::error("airflow-version", e)
                .help(format!("pass --version with one of {}", list.join(", "))),
        )
    })?;
    if let Some(note) = note
        && out.format == Format::Human
    {
        out.info(&format!("note: {note}\n"));
    }
    Ok((cat, spec.ok()))
}

#[derive(Serialize)]
struct OptionRow<'a> {
    section: &'a str,
    option: &'a str,
    #[serde(rename = "type")]
    value_type: String,
    default: Option<&'a str>,
    allowed: &'a [String],
    added: Option<&'a str>,
    sensitive: bool,
    deprecated: bool,
    env: String,
}

fn row<'a>(section: &'a str, option: &'a str, info: &'a OptionInfo) -> OptionRow<'a> {
    OptionRow {
        section,
        option,
        value_type: info.value_type.to_string(),
        default: info.default.as_deref(),
        allowed: &info.allowed,
        added: info.added.as_deref(),
        sensitive: info.sensitive,
        deprecated: info.deprecated,
        env: airflow::env_var(section, option),
    }
}

/// `platc airflow options [SECTION]`.
fn options(cli: &Cli, out: &Output, section: Option<&str>, version: Option<&str>) -> i32 {
    let cat = match catalog(cli, out, version) {
        Ok((cat, _)) => cat,
        Err(code) => return code,
    };
    let sections: Vec<&str> = match section {
        Some(s) if cat.has_section(s) => vec![s],
        Some(s) => {
            let mut d = Diagnostic::error(
                "airflow-unknown-section",
                format!("Airflow {} has no `[{s}]` section", cat.version()),
            );
            d = match crate::suggest::did_you_mean(s, cat.sections()) {
                Some(g) => d.help(format!("did you mean `{g}`?")),
                None => d.help("`platc airflow options` lists every section"),
            };
            return usage(out, d);
        }
        None => cat.sections().collect(),
    };
    let rows: Vec<OptionRow<'_>> = sections
        .iter()
        .flat_map(|s| cat.options_in(s).map(move |(k, info)| row(s, k, info)))
        .collect();
    if out.format == Format::Json {
        let result = serde_json::json!({
            "version": cat.version().to_string(),
            "options": rows,
        });
        return out.json_result(result, &Diagnostics::default());
    }
    let mut text = String::new();
    for s in &sections {
        let mine: Vec<&OptionRow<'_>> = rows.iter().filter(|r| r.section == *s).collect();
        let provider = cat
            .provider_of(s)
            .map(|p| format!(", from {} {}", p.dist, p.version))
            .unwrap_or_default();
        text.push_str(&format!(
            "[{s}]  (Airflow {}, {} options{provider})\n",
            cat.version(),
            mine.len()
        ));
        let width = mine.iter().map(|r| r.option.len()).max().unwrap_or(0);
        for r in mine {
            let mut line = format!(
                "  {:<width$}  {:<7}  default {}",
                r.option,
                r.value_type,
                shown_default(r.default)
            );
            if !r.allowed.is_empty() {
                line.push_str(&format!("  one of {}", r.allowed.join("|")));
            }
            if let Some(a) = r.added {
                line.push_str(&format!("  added {a}"));
            }
            if r.sensitive {
                line.push_str("  sensitive");
            }
            if r.deprecated {
                line.push_str("  deprecated");
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
    }
    out.stdout(&text)
}

fn shown_default(default: Option<&str>) -> String {
    match default {
        None => "(none)".to_owned(),
        Some("") => "\"\"".to_owned(),
        Some(d) => {
            let flat = if d.contains('\n') {
                d.split_whitespace().collect::<Vec<_>>().join(" ")
            } else {
                d.to_owned()
            };
            if flat.chars().count() > 40 {
                let cut: String = flat.chars().take(37).collect();
                format!("{cut}...")
            } else {
                flat
            }
        }
    }
}

/// `section.option`, `[section] option` or `AIRFLOW__SECTION__KEY`, taken apart.
fn parse_name(text: &str, cat: &Catalog) -> Option<(String, String)> {
    let text = text.trim();
    if text.starts_with("AIRFLOW__") {
        let env = airflow::parse_env_name(text)?.resolve(cat);
        return Some((env.section, env.key));
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (s, k) = rest.split_once(']')?;
        let (s, k) = (s.trim(), k.trim());
        return (!s.is_empty() && !k.is_empty()).then(|| (s.to_owned(), k.to_lowercase()));
    }
    let (s, k) = text.rsplit_once('.')?;
    (!s.is_empty() && !k.is_empty()).then(|| (s.to_owned(), k.to_lowercase()))
}

#[derive(Serialize)]
struct OldName {
    section: String,
    option: String,
    how: String,
    read: bool,
}

#[derive(Serialize)]
struct EnvValue {
    environment: String,
    airflow: String,
    value: Option<Value>,
    set_as: Option<String>,
    read: bool,
    line: Option<usize>,
}

#[derive(Serialize)]
struct Explanation<'a> {
    version: String,
    asked: String,
    #[serde(skip)]
    asked_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    asked_status: Option<String>,
    #[serde(flatten)]
    option: Option<OptionRow<'a>>,
    requires: Option<String>,
    moved_from: Vec<OldName>,
    later: Option<String>,
    history: Vec<(String, String)>,
    environments: Vec<EnvValue>,
}

/// `platc airflow explain SECTION.OPTION`.
fn explain(cli: &Cli, out: &Output, asked: &str, version: Option<&str>) -> i32 {
    let (cat, spec) = match catalog(cli, out, version) {
        Ok(ok) => ok,
        Err(code) => return code,
    };
    let v = cat.version();
    let Some((s, k)) = parse_name(asked, cat) else {
        return usage(
            out,
            Diagnostic::error("E046", format!("`{asked}` is not an option name"))
                .help("write SECTION.OPTION, such as `dag_processor.parsing_processes`, or AIRFLOW__SECTION__KEY"),
        );
    };
    // Where the asked name leads on this version.
    let (target, asked_status) = if cat.option(&s, &k).is_some() {
        (Some((s.clone(), k.clone())), None)
    } else if let Some((ns, nk, steps)) = follow(cat, &s, &k) {
        let read = steps.len() == 1 && steps[0].read;
        let status = format!(
            "`[{s}] {k}` is an old name: it {}; Airflow {v} {} the old name",
            describe(&steps),
            if read { "still reads" } else { "does not read" }
        );
        (Some((ns, nk)), Some(status))
    } else {
        let findings = airflow::check_option(cat, &s, &k, &Value::Null);
        let known = history()
            .iter()
            .any(|c| c.option(&s, &k).is_some() || follow(c, &s, &k).is_some());
        let message = findings
            .iter()
            .map(|f| match &f.help {
                Some(h) => format!("{} ({h})", f.message),
                None => f.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ");
        if !known {
            let f = findings.into_iter().next();
            let d = Diagnostic::error(
                "airflow-unknown-option",
                f.as_ref().map_or_else(
                    || format!("Airflow {v} has no option `[{s}] {k}`"),
                    |f| f.message.clone(),
                ),
            );
            let d = match f.and_then(|f| f.help) {
                Some(h) => d.help(h),
                None => d.help("`platc airflow options SECTION` lists a section's options"),
            };
            return usage(out, d);
        }
        (None, Some(message))
    };
    let info = target.as_ref().and_then(|(ts, tk)| cat.option(ts, tk));
    let (ts, tk) = target.clone().unwrap_or((s.clone(), k.clone()));

    // Old names that lead to the option on this version.
    let mut moved_from = Vec::new();
    if info.is_some() {
        for (os, ok, _) in cat.moves() {
            if let Some((fs, fk, steps)) = follow(cat, os, ok)
                && (fs.as_str(), fk.as_str()) == (ts.as_str(), tk.as_str())
            {
                moved_from.push(OldName {
                    section: os.to_owned(),
                    option: ok.to_owned(),
                    how: describe(&steps),
                    read: steps.len() == 1 && steps[0].read,
                });
            }
        }
    }
    // What later versions do with it.
    let later = info.and_then(|_| {
        history()
            .into_iter()
            .filter(|c| c.version() > v)
            .find_map(|c| {
                if c.option(&ts, &tk).is_some() {
                    return None;
                }
                Some(match follow(c, &ts, &tk) {
                    Some((_, _, steps)) => format!(
                        "on Airflow {}: {}; {} the old name",
                        c.version(),
                        describe(&steps),
                        if steps.len() == 1 && steps[0].read {
                            "it still reads"
                        } else {
                            "it does not read"
                        }
                    ),
                    None => format!("gone in Airflow {}", c.version()),
                })
            })
    });
    let olds: Vec<(String, String)> = moved_from
        .iter()
        .map(|m| (m.section.clone(), m.option.clone()))
        .collect();
    let history: Vec<(String, String)> = history()
        .into_iter()
        .map(|c| (c.version().to_string(), status_in(c, &s, &k, &olds)))
        .collect();
    let requires = info.and_then(|i| i.requires.as_ref()).map(|r| {
        let extra = r
            .extra
            .as_ref()
            .map(|e| format!(" (needs `{e}`)"))
            .unwrap_or_default();
        format!("[{}] {} = {}{extra}", r.section, r.key, r.value)
    });
    let mut names: Vec<(String, String)> = vec![(ts.clone(), tk.clone())];
    if (s.clone(), k.clone()) != (ts.clone(), tk.clone()) {
        names.push((s.clone(), k.clone()));
    }
    names.extend(
        moved_from
            .iter()
            .map(|m| (m.section.clone(), m.option.clone())),
    );
    let environments = spec
        .as_ref()
        .map(|spec| env_values(spec, &names, cat))
        .unwrap_or_default();
    let ex = Explanation {
        version: v.to_string(),
        asked: asked.to_owned(),
        asked_name: format!("[{s}] {k}"),
        asked_status,
        option: info.map(|i| row(&ts, &tk, i)),
        requires,
        moved_from,
        later,
        history,
        environments,
    };
    if out.format == Format::Json {
        let result = serde_json::to_value(&ex).unwrap_or_default();
        return out.json_result(result, &Diagnostics::default());
    }
    out.stdout(&human_explanation(&ex, info))
}

/// One line on `[s] k` in one catalog; `olds` are names that carried it before.
fn status_in(c: &'static Catalog, s: &str, k: &str, olds: &[(String, String)]) -> String {
    if let Some(i) = c.option(s, k) {
        let d = shown_default(i.default.as_deref());
        return format!("option, {}, default {d}", i.value_type);
    }
    match follow(c, s, k) {
        Some((ns, nk, steps)) => {
            let read = steps.len() == 1 && steps[0].read;
            format!(
                "old name of [{ns}] {nk}, {}",
                if read {
                    "still read as a fallback"
                } else {
                    "not read"
                }
            )
        }
        None => match olds.iter().find(|(os, ok)| c.option(os, ok).is_some()) {
            Some((os, ok)) => format!("not an option; [{os}] {ok} carried it"),
            None => "not an option".to_owned(),
        },
    }
}

/// What each environment sets for the option under any of `names` (new name first).
fn env_values(spec: &SpecView, names: &[(String, String)], cat: &Catalog) -> Vec<EnvValue> {
    let mut out = Vec::new();
    for (env, airflow) in &spec.envs {
        let version = airflow
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut found = None;
        for (i, (s, k)) in names.iter().enumerate() {
            let value = airflow
                .get("config")
                .and_then(|c| c.get(s))
                .and_then(Value::as_object)
                .and_then(|m| m.iter().find(|(key, _)| key.to_lowercase() == *k));
            if let Some((key, value)) = value {
                let rel = format!(
                    "/airflow/config/{}/{}",
                    escape_pointer(s),
                    escape_pointer(key)
                );
                let set_as = (i > 0).then(|| format!("[{s}] {key}"));
                found = Some((value.clone(), set_as, rel, i == 0 || reads(cat, s, k)));
                break;
            }
            let var = airflow.get("env").and_then(Value::as_object).and_then(|m| {
                m.iter().find(|(name, _)| {
                    airflow::parse_env_name(name)
                        .map(|e| e.resolve(cat))
                        .is_some_and(|e| e.section == *s && e.key == *k && e.team.is_none())
                })
            });
            if let Some((name, value)) = var {
                let rel = format!("/airflow/env/{}", escape_pointer(name));
                found = Some((
                    value.clone(),
                    Some(name.clone()),
                    rel,
                    i == 0 || reads(cat, s, k),
                ));
                break;
            }
        }
        let own = format!("/environments/{}", escape_pointer(env));
        out.push(match found {
            Some((value, set_as, rel, read)) => {
                let own_ptr = format!("{own}{rel}");
                let ptr = if spec.doc.source_of(&own_ptr).is_some() {
                    own_ptr
                } else {
                    rel
                };
                EnvValue {
                    environment: env.clone(),
                    airflow: version,
                    value: Some(value),
                    set_as,
                    read,
                    line: spec.doc.key_place(&ptr).map(|p| p.line),
                }
            }
            None => EnvValue {
                environment: env.clone(),
                airflow: version,
                value: None,
                set_as: None,
                read: true,
                line: None,
            },
        });
    }
    out
}

/// Whether `cat`'s Airflow reads the old name `[s] k` (one rename step, marked read).
fn reads(cat: &Catalog, s: &str, k: &str) -> bool {
    if cat.option(s, k).is_some() {
        return true;
    }
    cat.moved_from(s, k)
        .is_some_and(|m| m.read && cat.option(&m.section, &m.key).is_some())
}

fn human_explanation(ex: &Explanation<'_>, info: Option<&OptionInfo>) -> String {
    let mut t = String::new();
    if let Some(status) = &ex.asked_status {
        t.push_str(&format!("{status}\n\n"));
    }
    if let (Some(r), Some(info)) = (&ex.option, info) {
        t.push_str(&format!(
            "[{}] {}  (Airflow {})\n",
            r.section, r.option, ex.version
        ));
        let field = |t: &mut String, name: &str, value: &str| {
            t.push_str(&format!("  {name:<12}{value}\n"));
        };
        let ty = match info.declared_type {
            Some(d) => format!("{} (declared {d})", info.value_type),
            None => info.value_type.to_string(),
        };
        field(&mut t, "type:", &ty);
        field(&mut t, "default:", &shown_default(r.default));
        let allowed = if r.allowed.is_empty() {
            "any value".to_owned()
        } else {
            r.allowed.join(", ")
        };
        field(&mut t, "allowed:", &allowed);
        let all = history();
        let first = all
            .iter()
            .position(|c| c.option(r.section, r.option).is_some());
        let added = match (r.added, first) {
            (Some(a), _) => a.to_owned(),
            (None, Some(0)) => format!(
                "not recorded (present in {}, the oldest version platc knows)",
                all[0].version()
            ),
            (None, Some(i)) => format!(
                "not recorded (new in {}; {} lacks it)",
                all[i].version(),
                all[i - 1].version()
            ),
            (None, None) => "not recorded".to_owned(),
        };
        field(&mut t, "added:", &added);
        field(
            &mut t,
            "sensitive:",
            if r.sensitive {
                "yes (also read from _CMD/_SECRET)"
            } else {
                "no"
            },
        );
        if r.deprecated {
            let since = info
                .deprecated_since
                .as_deref()
                .map(|s| format!(" since {s}"))
                .unwrap_or_default();
            field(&mut t, "deprecated:", &format!("yes{since}"));
        }
        field(&mut t, "env var:", &r.env);
        if let Some(req) = &ex.requires {
            field(&mut t, "needs:", req);
        }
        if ex.moved_from.is_empty() {
            field(&mut t, "moved from:", "-");
        }
        for m in &ex.moved_from {
            let read = if m.read {
                "old name still read"
            } else {
                "old name not read"
            };
            field(
                &mut t,
                "moved from:",
                &format!("[{}] {} ({}; {read})", m.section, m.option, m.how),
            );
        }
        field(
            &mut t,
            "moved to:",
            ex.later
                .as_deref()
                .unwrap_or("- (same name in every later version platc knows)"),
        );
    }
    t.push_str(&format!("  versions of {}:\n", ex.asked_name));
    for (version, status) in &ex.history {
        t.push_str(&format!("    {version:<8}{status}\n"));
    }
    if !ex.environments.is_empty() {
        t.push_str("  in the spec:\n");
        let width = ex
            .environments
            .iter()
            .map(|e| e.environment.len())
            .max()
            .unwrap_or(0)
            + 1;
        for e in &ex.environments {
            let name = format!("{}:", e.environment);
            let mut line = match &e.value {
                Some(value) => {
                    let mut l = shown_value(value);
                    if let Some(line) = e.line {
                        l.push_str(&format!("  (line {line}"));
                        if let Some(as_) = &e.set_as {
                            l.push_str(&format!(", as {as_}"));
                        }
                        l.push(')');
                    }
                    if !e.read {
                        l.push_str(&format!("  -- Airflow {} ignores this name", ex.version));
                    }
                    l
                }
                None => match &ex.option {
                    Some(r) => format!("not set (default {})", shown_default(r.default)),
                    None => "not set".to_owned(),
                },
            };
            if !e.airflow.is_empty() && e.airflow != ex.version {
                line.push_str(&format!("  [environment runs Airflow {}]", e.airflow));
            }
            t.push_str(&format!("    {name:<width$} {line}\n"));
        }
    }
    t
}

fn shown_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(m) => match (m.get("secret"), m.get("key")) {
            (Some(Value::String(s)), Some(Value::String(k))) => {
                format!("from Secret {s}, key {k}")
            }
            _ => value.to_string(),
        },
        other => other.to_string(),
    }
}

#[derive(Serialize)]
struct UpgradeReport<'a> {
    from: &'a str,
    to: String,
    changed: bool,
    written: bool,
    valid: bool,
    diff: String,
    notes: &'a [upgrade::Note],
    /// What validating the upgraded spec found.
    diagnostics: Vec<Diagnostic>,
}

/// `platc upgrade --to VERSION [--write]`.
pub fn upgrade(cli: &Cli, out: &Output, to: &str, write: bool) -> i32 {
    let doc = match load::load_file(&cli.file) {
        Ok(doc) => doc,
        Err(d) => {
            let io = d.code == "E001";
            let source = std::fs::read(&cli.file)
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            return out.failure(&Failure {
                diagnostics: d.into(),
                source,
                io,
            });
        }
    };
    let plan = match upgrade::plan(&doc, to) {
        Ok(p) => p,
        Err(d) => {
            out.diagnostics(&d.into(), Some(&doc.text));
            return 2;
        }
    };
    let name = cli.file.file_name().map_or_else(
        || "platform.yaml".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let diff = plan.diff(&name);
    // Check the result the way `platc validate` would.
    let problems: Diagnostics = match load::load_str(&doc.path, plan.text.clone()) {
        Ok(new) => match pipeline::front_end_doc(new) {
            Ok(front) => front.warnings,
            Err(failure) => failure.diagnostics,
        },
        Err(d) => d.into(),
    };
    // The catalog note is already among the upgrade's notes.
    let problems = Diagnostics(
        problems
            .into_iter()
            .filter(|d| d.code != "airflow-version-nearest")
            .collect(),
    );
    let valid = !problems.has_errors();
    let mut written = false;
    if write && plan.changed() {
        if let Err(e) = upgrade::write_atomically(&cli.file, &plan.text) {
            return out.failure(&Failure::io(Diagnostic::error(
                "E055",
                format!("cannot write {}: {e}", cli.file.display()),
            )));
        }
        written = true;
    }
    match out.format {
        Format::Json => {
            let report = UpgradeReport {
                from: &plan.from,
                to: plan.to.to_string(),
                changed: plan.changed(),
                written,
                valid,
                diff,
                notes: &plan.notes,
                diagnostics: problems.0.clone(),
            };
            let text = serde_json::to_string_pretty(&report).unwrap_or_default();
            let code = out.stdout(&(text + "\n"));
            if code != 0 {
                return code;
            }
        }
        format => {
            let code = out.stdout(&diff);
            if code != 0 {
                return code;
            }
            let mut t = format!(
                "platc upgrade: Airflow {} -> {}\n",
                if plan.from.is_empty() {
                    "?"
                } else {
                    &plan.from
                },
                plan.to
            );
            for n in &plan.notes {
                if format == Format::Github {
                    t.push_str(&format!(
                        "::notice file={},line={}::{}\n",
                        cli.file.display(),
                        n.line,
                        n.message
                    ));
                } else {
                    t.push_str(&format!("{}:{n}\n", cli.file.display()));
                }
            }
            out.stderr(&t);
            if !problems.is_empty() {
                out.stderr(if valid {
                    "the upgraded spec has warnings:\n"
                } else {
                    "the upgraded spec has problems:\n"
                });
                let _ = out.diagnostics(&problems, Some(&plan.text));
            }
            let last = match (plan.changed(), written, valid) {
                (false, _, _) => format!(
                    "{name} already fits Airflow {}: nothing to change\n",
                    plan.to
                ),
                (true, true, true) => format!("wrote {}; it validates\n", cli.file.display()),
                (true, true, false) => {
                    format!("wrote {}; fix the problems above\n", cli.file.display())
                }
                (true, false, true) => {
                    "the upgraded spec validates; run again with --write to apply\n".to_owned()
                }
                (true, false, false) => {
                    "run again with --write to apply, then fix the problems above\n".to_owned()
                }
            };
            out.info(&last);
        }
    }
    i32::from(!valid)
}
