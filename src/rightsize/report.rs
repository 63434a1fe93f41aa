//! What `platc rightsize` prints: a table (human), a pull-request comment (markdown), or one JSON
//! document (`docs/json.md`).

use serde::Serialize;

use super::plan::{Resource, Row, Savings, Subject};
use super::quantity;
use super::recommend::Confidence;

/// One recommendation as JSON.
#[derive(Debug, Serialize)]
pub struct JsonRow {
    pub environment: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dag_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    pub resource: Resource,
    /// The request in force, as the spec writes it.
    pub current: Option<String>,
    /// Where it comes from: the component, `workers`, or the task key or pattern.
    pub source: Option<String>,
    pub recommended: Option<String>,
    /// Cores for CPU, bytes for memory.
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
    pub samples: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<u64>,
    pub oom_kills: u64,
    pub confidence: Confidence,
    pub reason: String,
    /// Whether the change is proposed (and written with `--write`).
    pub proposed: bool,
}

impl From<&Row> for JsonRow {
    fn from(r: &Row) -> Self {
        let (component, dag_id, task_id) = match &r.subject {
            Subject::Component(c) => (Some((*c).to_owned()), None, None),
            Subject::Task { dag_id, task_id } => {
                (None, Some(dag_id.clone()), Some(task_id.clone()))
            }
        };
        JsonRow {
            environment: r.environment.clone(),
            component,
            dag_id,
            task_id,
            resource: r.resource,
            current: r.current.as_ref().map(|c| c.0.clone()),
            source: r.source.clone(),
            recommended: r.recommended_text(),
            p50: r.usage.p50,
            p95: r.usage.p95,
            max: r.usage.max,
            samples: r.usage.samples,
            runs: r.usage.runs,
            oom_kills: r.usage.oom_kills,
            confidence: r.advice.confidence,
            reason: r.advice.reason.clone(),
            proposed: r.proposed,
        }
    }
}

/// The cells of one row, for people.
fn cells(r: &Row) -> [String; 10] {
    let used = |v: f64| match r.resource {
        Resource::Cpu => quantity::cores_text(v),
        Resource::Memory => quantity::bytes_text(v),
    };
    let change = match (r.current.as_ref(), r.recommended_value()) {
        (_, None) => "-".to_owned(),
        (_, Some(_)) if !r.proposed => "kept".to_owned(),
        (Some((_, now)), Some(rec)) if *now > 0.0 => {
            format!("{:+.0}%", (rec - now) / now * 100.0)
        }
        _ => "new".to_owned(),
    };
    [
        r.environment.clone(),
        r.subject.label(),
        match r.resource {
            Resource::Cpu => "cpu".into(),
            Resource::Memory => "memory".into(),
        },
        r.current.as_ref().map_or("-".into(), |c| c.0.clone()),
        used(r.usage.p50),
        used(r.usage.p95),
        used(r.usage.max),
        r.recommended_text().unwrap_or_else(|| "-".into()),
        change,
        format!(
            "{} ({})",
            match r.advice.confidence {
                Confidence::None => "none",
                Confidence::Low => "low",
                Confidence::High => "high",
            },
            r.advice.reason
        ),
    ]
}

const HEADER: [&str; 10] = [
    "environment",
    "what",
    "resource",
    "current",
    "used p50",
    "p95",
    "max",
    "recommended",
    "change",
    "confidence",
];

/// An aligned text table.
pub fn table(rows: &[Row]) -> String {
    let all: Vec<[String; 10]> = std::iter::once(HEADER.map(str::to_owned))
        .chain(rows.iter().map(cells))
        .collect();
    let mut widths = [0usize; 10];
    for row in &all {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in &all {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 9 {
                    c.clone()
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// A markdown table.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = format!("| {} |\n|{}\n", HEADER.join(" | "), " --- |".repeat(10));
    for r in rows {
        let c = cells(r).map(|c| c.replace('|', "\\|"));
        out.push_str(&format!("| {} |\n", c.join(" | ")));
    }
    out
}

/// The savings, one paragraph per environment.
pub fn savings(all: &[Savings]) -> String {
    let mut out = String::new();
    for s in all {
        let cores = |m: f64| m / 1000.0;
        let gib = |b: f64| b / (1024.0 * quantity::BYTES_PER_MI);
        out.push_str(&format!(
            "{}: components request {:.2} -> {:.2} cores and {:.2} -> {:.2} GiB (per replica, summed)",
            s.environment,
            cores(s.components_cpu_before),
            cores(s.components_cpu_after),
            gib(s.components_memory_before),
            gib(s.components_memory_after),
        ));
        if s.tasks_changed > 0 || !s.tasks_left_alone.is_empty() {
            out.push_str(&format!(
                "; task pods reserved {:.1} -> {:.1} core-hours and {:.1} -> {:.1} GiB-hours over the window; {} task{} changed",
                cores(s.tasks_cpu_minutes_before) / 60.0,
                cores(s.tasks_cpu_minutes_after) / 60.0,
                gib(s.tasks_memory_minutes_before) / 60.0,
                gib(s.tasks_memory_minutes_after) / 60.0,
                s.tasks_changed,
                if s.tasks_changed == 1 { "" } else { "s" },
            ));
            for (why, n) in &s.tasks_left_alone {
                out.push_str(&format!(", {n} left alone ({why})"));
            }
        }
        out.push('\n');
    }
    out
}
