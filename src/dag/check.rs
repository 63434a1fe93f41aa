//! The conventions check: every rule of `platc dag check`, on parsed DAG files.
//!
//! Codes: `dag-syntax`, `dag-path-rule`, `dag-id-rule`, `dag-id-duplicate`, `dag-missing-default`,
//! `dag-schedule-form`, `dag-import-missing` (error) and `dag-import-moved` (warning).

use std::collections::BTreeMap;

use crate::airflow::AirflowVersion;
use crate::dag::imports::{self, Fate};
use crate::dag::pattern::Pattern;
use crate::dag::python::{Call, DagDef, DagKind, Expr, ExprKind, Module, Span};
use crate::dag::schedule::{self, Classified};
use crate::dag::source::DagFile;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::spec::{DagConventions, ScheduleForm};

/// The conventions, ready to apply to one Airflow version.
#[derive(Debug, Clone)]
pub struct Rules {
    /// The spec's conventions.
    pub conventions: DagConventions,
    /// Where DAG files live.
    pub layout: Pattern,
    /// How dag_ids are made.
    pub dag_id: Pattern,
    /// The targeted Airflow.
    pub airflow: AirflowVersion,
}

/// Which setting of the conventions is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConventionError {
    /// JSON pointer of the setting in the spec.
    pub pointer: &'static str,
    /// What is wrong.
    pub message: String,
}

impl Rules {
    /// Checks the patterns of the conventions.
    pub fn new(
        conventions: &DagConventions,
        airflow: AirflowVersion,
    ) -> Result<Self, ConventionError> {
        let layout = Pattern::parse(&conventions.layout).map_err(|message| ConventionError {
            pointer: "/dags/conventions/layout",
            message,
        })?;
        if !conventions.layout.ends_with(".py") {
            return Err(ConventionError {
                pointer: "/dags/conventions/layout",
                message: format!("`{}` must end in `.py`", conventions.layout),
            });
        }
        let dag_id = Pattern::parse(&conventions.dag_id).map_err(|message| ConventionError {
            pointer: "/dags/conventions/dagId",
            message,
        })?;
        Ok(Rules {
            conventions: conventions.clone(),
            layout,
            dag_id,
            airflow,
        })
    }
}

/// A dag_id as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclaredId {
    /// A literal string (or the decorated function's name) and where it is.
    Literal(String, Span),
    /// Computed: platc cannot read it.
    Dynamic(Span),
}

/// The dag_id of a DAG: `dag_id=`, the first positional argument, or the decorated function's name.
pub fn declared_id(module: &Module, dag: &DagDef) -> DeclaredId {
    let given = dag
        .call
        .kwarg("dag_id")
        .map(|k| &k.value)
        .or(dag.call.args.first());
    match (given.map(|e| module.resolve(e)), &dag.kind) {
        (
            Some(Expr {
                kind: ExprKind::Str(s),
                span,
            }),
            _,
        ) => DeclaredId::Literal(s.clone(), *span),
        (Some(e), _) => DeclaredId::Dynamic(e.span),
        (None, DagKind::Decorator { function }) => {
            DeclaredId::Literal(function.0.clone(), function.1)
        }
        (None, DagKind::Class) => DeclaredId::Dynamic(dag.call.callee_span),
    }
}

/// Every rule that looks at one file alone.
pub fn check_file(rules: &Rules, file: &DagFile) -> Diagnostics {
    let mut out = Diagnostics::default();
    if let Some(span) = file.module.syntax_error {
        out.push(
            Diagnostic::error("dag-syntax", "this file is not valid Python")
                .at(Some(file.place(span)))
                .help("fix the syntax; `python -m py_compile FILE` shows the same error"),
        );
        return out;
    }
    check_imports(rules, file, &mut out);
    for dag in &file.module.dags {
        check_id(rules, file, dag, &mut out);
        check_defaults(rules, file, dag, &mut out);
        check_schedule(rules, file, dag, &mut out);
    }
    // DAGs that share one default_args would report the same gap twice.
    let mut unique = Diagnostics::default();
    for d in out {
        if !unique.iter().any(|u| *u == d) {
            unique.push(d);
        }
    }
    unique
}

fn check_imports(rules: &Rules, file: &DagFile, out: &mut Diagnostics) {
    let major = rules.airflow.major;
    for import in &file.module.imports {
        let Some(change) = imports::lookup(major, &import.module, import.name.as_deref()) else {
            continue;
        };
        let on_module =
            import.module == change.old || import.module.starts_with(&format!("{}.", change.old));
        let span = if on_module {
            import.module_span
        } else {
            import.span
        };
        let what = match &import.name {
            Some(n) if !on_module => format!("{}.{n}", import.module),
            _ => import.module.clone(),
        };
        let d = match change.fate {
            Fate::Missing => Diagnostic::error(
                "dag-import-missing",
                format!("`{what}` does not exist in Airflow {}", rules.airflow),
            )
            .label("not in this Airflow")
            .help(format!("use {}", change.instead)),
            Fate::Moved => Diagnostic::warning(
                "dag-import-moved",
                format!(
                    "`{what}` only imports through a deprecation shim in Airflow {}",
                    rules.airflow
                ),
            )
            .label("moved")
            .help(format!("import it from {}", change.instead)),
        };
        out.push(d.at(Some(file.place(span))));
    }
}

fn check_id(rules: &Rules, file: &DagFile, dag: &DagDef, out: &mut Diagnostics) {
    let Some(parts) = rules.layout.parts(&file.rel) else {
        out.push(
            Diagnostic::error("dag-path-rule", format!("`{}` declares a DAG but is not at a path `{}`", file.rel, rules.conventions.layout))
                .at(Some(file.place(dag.call.callee_span)))
                .help("create DAG files with `platc dag new DOMAIN NAME`; domain and name are lower snake case"),
        );
        return;
    };
    let expected = rules.dag_id.fill(&parts.domain, &parts.name);
    match declared_id(&file.module, dag) {
        DeclaredId::Literal(id, _) if id == expected => {}
        DeclaredId::Literal(id, span) => {
            let mut d = Diagnostic::error(
                "dag-id-rule",
                format!(
                    "dag_id `{id}` does not follow `{}`: in `{}` it is `{expected}`",
                    rules.conventions.dag_id, file.rel
                ),
            )
            .at(Some(file.place(span)))
            .label(format!("expected `{expected}`"));
            d = match rules.dag_id.parts(&id) {
                Some(p) => d.help(format!(
                    "rename the dag_id to `{expected}`, or move the file to `{}`",
                    rules.layout.fill(&p.domain, &p.name)
                )),
                None => d.help(format!("rename the dag_id to `{expected}`")),
            };
            out.push(d);
        }
        DeclaredId::Dynamic(span) => out.push(
            Diagnostic::error(
                "dag-id-rule",
                "the dag_id is not a string literal, so its rule cannot be checked",
            )
            .at(Some(file.place(span)))
            .help(format!("write dag_id=\"{expected}\"")),
        ),
    }
}

/// The keys of `default_args`: `None` when platc cannot see them (computed, imported, `**`).
fn default_arg_keys<'a>(
    module: &'a Module,
    call: &'a Call,
) -> Option<(Vec<&'a str>, Option<Span>)> {
    if call.splat {
        return None;
    }
    let Some(keyword) = call.kwarg("default_args") else {
        return Some((Vec::new(), None));
    };
    let value = module.resolve(&keyword.value);
    match &value.kind {
        ExprKind::Dict(pairs) => {
            if pairs.iter().any(|(k, _)| k.is_none()) {
                return None;
            }
            Some((
                pairs.iter().filter_map(|(k, _)| k.as_deref()).collect(),
                Some(value.span),
            ))
        }
        ExprKind::Call(c)
            if c.callee.as_deref() == Some("dict") && c.args.is_empty() && !c.splat =>
        {
            Some((
                c.kwargs.iter().map(|k| k.name.as_str()).collect(),
                Some(value.span),
            ))
        }
        _ => None,
    }
}

/// Every team default one DAG lacks, as one finding: the missing `default_args` keys and tags
/// are one fix in one place, so they are reported together.
fn check_defaults(rules: &Rules, file: &DagFile, dag: &DagDef, out: &mut Diagnostics) {
    let defaults = &rules.conventions.defaults;
    let here = file.place(dag.call.callee_span);
    let mut lacks = Vec::new();
    let mut fixes = Vec::new();
    let mut place = None;
    if let Some((keys, dict_span)) = default_arg_keys(&file.module, &dag.call) {
        let mut wanted = vec![
            ("owner", format!("\"{}\"", defaults.owner)),
            ("retries", defaults.retries.to_string()),
        ];
        if let Some(callback) = &defaults.on_failure_callback {
            let (module, function) = callback.rsplit_once('.').unwrap_or(("", callback));
            wanted.push((
                "on_failure_callback",
                format!("{function}, imported with `from {module} import {function}`"),
            ));
        }
        let missing: Vec<_> = wanted
            .into_iter()
            .filter(|(k, _)| !keys.contains(k))
            .collect();
        if !missing.is_empty() {
            place = Some(dict_span.map_or_else(|| here.clone(), |s| file.place(s)));
            let names = backticked(missing.iter().map(|(k, _)| *k));
            lacks.push(match dict_span {
                Some(_) => format!("default_args has no {names}"),
                None => format!("it has no default_args, so no {names}"),
            });
            for (key, value) in missing {
                fixes.push(format!("add \"{key}\": {value} to default_args"));
            }
        }
    }
    if !defaults.tags.is_empty() && !dag.call.splat {
        match dag
            .call
            .kwarg("tags")
            .map(|k| file.module.resolve(&k.value))
        {
            None => {
                lacks.push("it has no `tags`".to_string());
                fixes.push(format!("add tags={:?}", defaults.tags));
            }
            Some(Expr {
                kind: ExprKind::Seq(items),
                span,
            }) => {
                let have: Vec<&str> = items
                    .iter()
                    .filter_map(|i| match &i.kind {
                        ExprKind::Str(s) => Some(s.as_str()),
                        _ => None,
                    })
                    .collect();
                let missing: Vec<&str> = defaults
                    .tags
                    .iter()
                    .map(String::as_str)
                    .filter(|t| !have.contains(t))
                    .collect();
                if !missing.is_empty() && have.len() == items.len() {
                    place.get_or_insert_with(|| file.place(*span));
                    let list = backticked(missing.iter().copied());
                    lacks.push(format!("`tags` lacks the team's {list}"));
                    fixes.push(format!("add {list} to tags"));
                }
            }
            Some(_) => {}
        }
    }
    if lacks.is_empty() {
        return;
    }
    out.push(
        Diagnostic::error(
            "dag-missing-default",
            format!("this DAG lacks the team's defaults: {}", lacks.join("; ")),
        )
        .at(Some(place.unwrap_or(here)))
        .label("team defaults missing")
        .help(format!(
            "{} (dags.conventions.defaults in the spec)",
            fixes.join("; ")
        )),
    );
}

fn backticked<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_schedule(rules: &Rules, file: &DagFile, dag: &DagDef, out: &mut Diagnostics) {
    let allowed = &rules.conventions.schedules;
    let allowed_list = || {
        allowed
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let major = rules.airflow.major;
    for old in ["schedule_interval", "timetable"] {
        if major >= 3
            && let Some(k) = dag.call.kwarg(old)
        {
            out.push(
                Diagnostic::error(
                    "dag-schedule-form",
                    format!("`{old}` was removed in Airflow 3"),
                )
                .at(Some(file.place(k.name_span)))
                .help("pass it as `schedule=` instead"),
            );
            return;
        }
    }
    let keyword = dag.call.kwarg("schedule").or_else(|| {
        if major < 3 {
            dag.call.kwarg("schedule_interval")
        } else {
            None
        }
    });
    let Some(keyword) = keyword else {
        if dag.call.splat {
            return;
        }
        // Without a schedule, Airflow 3 never runs the DAG by itself; Airflow 2 runs it daily.
        let (form, meaning) = if major >= 3 {
            (ScheduleForm::None, "None")
        } else {
            (ScheduleForm::Timedelta, "timedelta(days=1)")
        };
        if !allowed.contains(&form) {
            out.push(
                Diagnostic::error("dag-schedule-form", format!("this DAG has no schedule, so Airflow {major} uses {meaning}, a {} schedule", form.as_str()))
                    .at(Some(file.place(dag.call.callee_span)))
                    .help(format!("pass schedule= in an allowed form: {}", allowed_list())),
            );
        }
        return;
    };
    let place = file.place(keyword.value.span);
    match schedule::classify(&file.module, &keyword.value) {
        Classified::Form(form) if allowed.contains(&form) => {}
        Classified::Form(form) => out.push(
            Diagnostic::error(
                "dag-schedule-form",
                format!(
                    "the schedule is a {} schedule, which the conventions do not allow",
                    form.as_str()
                ),
            )
            .at(Some(place))
            .label(form.as_str())
            .help(format!("allowed forms: {}", allowed_list())),
        ),
        Classified::Invalid(why) => out.push(
            Diagnostic::error("dag-schedule-form", why)
                .at(Some(place))
                .help(format!("allowed forms: {}", allowed_list())),
        ),
        Classified::Unknown if allowed.len() < ScheduleForm::all().len() => out.push(
            Diagnostic::warning(
                "dag-schedule-form",
                "platc cannot tell the form of this schedule",
            )
            .at(Some(place))
            .help(format!(
                "write it literally in an allowed form: {}",
                allowed_list()
            )),
        ),
        Classified::Unknown => {}
    }
}

/// `dag-id-duplicate`: the same dag_id in two places; one diagnostic at each, naming the others.
/// Returns the index of the file each diagnostic belongs to.
pub fn duplicates(files: &[DagFile]) -> Vec<(usize, Diagnostic)> {
    let mut seen: BTreeMap<String, Vec<(usize, Span)>> = BTreeMap::new();
    for (i, file) in files.iter().enumerate() {
        for dag in &file.module.dags {
            if let DeclaredId::Literal(id, span) = declared_id(&file.module, dag) {
                seen.entry(id).or_default().push((i, span));
            }
        }
    }
    let mut out = Vec::new();
    for (id, places) in seen.into_iter().filter(|(_, p)| p.len() > 1) {
        for (n, &(i, span)) in places.iter().enumerate() {
            let mut d = Diagnostic::error(
                "dag-id-duplicate",
                format!("dag_id `{id}` is declared {} times", places.len()),
            )
            .at(Some(files[i].place(span)))
            .help("Airflow keeps only one of them; give each DAG its own file and dag_id");
            for &(j, other) in places
                .iter()
                .enumerate()
                .filter(|(m, _)| *m != n)
                .map(|(_, p)| p)
            {
                let p = files[j].place(other);
                d = d.note(format!(
                    "also declared at {}:{}:{}",
                    p.file, p.line, p.column
                ));
            }
            out.push((i, d));
        }
    }
    out
}
