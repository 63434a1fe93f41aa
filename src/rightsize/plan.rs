//! Pairs what was measured with the request in force, per environment: one [`Row`] per group and
//! resource, and the [`Proposal`]s worth writing.

use std::collections::BTreeMap;

use serde::Serialize;

use super::quantity;
use super::query::{Measured, Measurements, WORKER_CONTAINER};
use super::recommend::{self, Advice, Confidence, Usage};
use super::settings::Settings;
use crate::airflow::AirflowVersion;
use crate::naming::BranchGlob;
use crate::resolve::ResolvedEnvironment;
use crate::spec::{Executor, Request};

/// CPU or memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Resource {
    Cpu,
    Memory,
}

/// What a row is about: a component (by its key under `airflow.resources`) or a task.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    Component(&'static str),
    Task { dag_id: String, task_id: String },
}

impl Subject {
    /// `scheduler`, or `dag_id.task_id`.
    pub fn label(&self) -> String {
        match self {
            Subject::Component(c) => (*c).to_owned(),
            Subject::Task { dag_id, task_id } => format!("{dag_id}.{task_id}"),
        }
    }
}

/// One group and resource: the request in force, what was used, and the recommendation.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub environment: String,
    pub subject: Subject,
    pub resource: Resource,
    /// The request in force, as the spec writes it, and in millicores or bytes.
    pub current: Option<(String, f64)>,
    /// Where the current request comes from: `scheduler`, `workers` or a task pattern.
    pub source: Option<String>,
    pub usage: Usage,
    /// The recommended amount (millicores or Mi) and how sure.
    pub advice: Advice,
    /// Whether the recommendation differs enough from the current request to propose it.
    pub proposed: bool,
}

impl Row {
    /// The recommendation as the spec would write it.
    pub fn recommended_text(&self) -> Option<String> {
        let amount = self.advice.amount?;
        Some(match self.resource {
            Resource::Cpu => quantity::cpu_text(amount),
            Resource::Memory => quantity::memory_text(amount),
        })
    }

    /// The recommendation in millicores or bytes.
    pub fn recommended_value(&self) -> Option<f64> {
        let amount = self.advice.amount? as f64;
        Some(match self.resource {
            Resource::Cpu => amount,
            Resource::Memory => amount * quantity::BYTES_PER_MI,
        })
    }
}

/// A request to write: `cpu` and `memory` for one subject of one environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub environment: String,
    pub subject: Subject,
    pub cpu: String,
    pub memory: String,
}

/// The components of `env` measured by container name: (spec key, container).
pub fn components(env: &ResolvedEnvironment) -> Vec<(&'static str, &'static str)> {
    let airflow3 = AirflowVersion::parse(&env.airflow.version).is_ok_and(|v| v.major >= 3);
    let mut out = vec![
        ("scheduler", "scheduler"),
        ("ui", if airflow3 { "api-server" } else { "webserver" }),
    ];
    if airflow3 {
        out.push(("dagProcessor", "dag-processor"));
    }
    out.push(("triggerer", "triggerer"));
    match env.airflow.executor {
        Executor::CeleryExecutor => out.push(("workers", "worker")),
        Executor::KubernetesExecutor => out.push(("workers", WORKER_CONTAINER)),
        Executor::LocalExecutor => {}
    }
    out
}

/// The rows of one environment, components first, then tasks by dag_id and task_id.
pub fn rows(env: &ResolvedEnvironment, measured: &Measurements, s: &Settings) -> Vec<Row> {
    let wanted = &env.airflow.resources;
    let mut out = Vec::new();
    for (key, container) in components(env) {
        let Some(m) = measured.components.get(container) else {
            continue;
        };
        let current = component_request(wanted, key);
        out.extend(pair(
            env,
            Subject::Component(key),
            current.map(|r| (r, key.to_owned())),
            m,
            s,
        ));
    }
    if env.airflow.executor == Executor::KubernetesExecutor {
        for ((dag_id, task_id), m) in &measured.tasks {
            let current = task_request(wanted, &format!("{dag_id}.{task_id}"));
            let subject = Subject::Task {
                dag_id: dag_id.clone(),
                task_id: task_id.clone(),
            };
            out.extend(pair(env, subject, current, m, s));
        }
    }
    out
}

fn component_request<'r>(r: &'r crate::spec::Resources, key: &str) -> Option<&'r Request> {
    match key {
        "scheduler" => r.scheduler.as_ref(),
        "ui" => r.ui.as_ref(),
        "dagProcessor" => r.dag_processor.as_ref(),
        "triggerer" => r.triggerer.as_ref(),
        "workers" => r.workers.as_ref(),
        _ => None,
    }
}

/// The request a task's pod gets: its exact key, else the first matching pattern, else `workers`.
pub fn task_request<'r>(r: &'r crate::spec::Resources, key: &str) -> Option<(&'r Request, String)> {
    if let Some(exact) = r.tasks.get(key) {
        return Some((exact, key.to_owned()));
    }
    r.tasks
        .iter()
        .find(|(pattern, _)| BranchGlob(pattern).matches(key))
        .map(|(p, req)| (req, p.clone()))
        .or_else(|| r.workers.as_ref().map(|w| (w, "workers".to_owned())))
}

fn pair(
    env: &ResolvedEnvironment,
    subject: Subject,
    current: Option<(&Request, String)>,
    m: &Measured,
    s: &Settings,
) -> [Row; 2] {
    let cpu_now = current
        .as_ref()
        .and_then(|(r, _)| Some((r.cpu.to_string(), quantity::millicores(&r.cpu)?)));
    let memory_now = current
        .as_ref()
        .and_then(|(r, _)| Some((r.memory.to_string(), quantity::bytes(&r.memory)?)));
    let source = current.map(|(_, from)| from);
    let row = |resource, current: Option<(String, f64)>, usage: &Usage, advice: Advice| {
        let mut row = Row {
            environment: env.name.clone(),
            subject: subject.clone(),
            resource,
            current,
            source: source.clone(),
            usage: usage.clone(),
            advice,
            proposed: false,
        };
        row.proposed = row.recommended_value().is_some_and(|rec| {
            recommend::worth_changing(row.current.as_ref().map(|c| c.1), rec, s)
        });
        row
    };
    [
        row(Resource::Cpu, cpu_now, &m.cpu, recommend::cpu(&m.cpu, s)),
        row(
            Resource::Memory,
            memory_now,
            &m.memory,
            recommend::memory(&m.memory, s),
        ),
    ]
}

/// The requests worth writing: per subject with at least one proposed resource, the new amount
/// of each proposed resource and the current one of the other. A subject whose other resource
/// has no current request and no recommendation cannot be written and is left out.
pub fn proposals(rows: &[Row]) -> Vec<Proposal> {
    let mut by: BTreeMap<(String, Subject), [Option<&Row>; 2]> = BTreeMap::new();
    for row in rows {
        let slot = by
            .entry((row.environment.clone(), row.subject.clone()))
            .or_default();
        slot[row.resource as usize] = Some(row);
    }
    let mut out = Vec::new();
    for ((environment, subject), [cpu, memory]) in by {
        let (Some(cpu), Some(memory)) = (cpu, memory) else {
            continue;
        };
        if !(cpu.proposed || memory.proposed) {
            continue;
        }
        let pick = |r: &Row| {
            if r.proposed {
                r.recommended_text()
            } else {
                r.current
                    .as_ref()
                    .map(|c| c.0.clone())
                    .or_else(|| r.recommended_text())
            }
        };
        if let (Some(cpu), Some(memory)) = (pick(cpu), pick(memory)) {
            out.push(Proposal {
                environment,
                subject,
                cpu,
                memory,
            });
        }
    }
    out
}

/// Requested amounts before and after the proposals, for one environment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Savings {
    pub environment: String,
    /// Components: per pod, summed over the components measured (millicores, bytes).
    pub components_cpu_before: f64,
    pub components_cpu_after: f64,
    pub components_memory_before: f64,
    pub components_memory_after: f64,
    /// Task pods: the request times the minutes each ran in the window, summed
    /// (millicore-minutes, byte-minutes): what the cluster reserved for them.
    pub tasks_cpu_minutes_before: f64,
    pub tasks_cpu_minutes_after: f64,
    pub tasks_memory_minutes_before: f64,
    pub tasks_memory_minutes_after: f64,
    /// Tasks with a proposal, and tasks left alone by reason.
    pub tasks_changed: usize,
    pub tasks_left_alone: BTreeMap<String, usize>,
}

/// The savings of `rows` (one environment's).
pub fn savings(environment: &str, rows: &[Row]) -> Savings {
    let mut s = Savings {
        environment: environment.to_owned(),
        ..Savings::default()
    };
    let mut tasks: BTreeMap<&Subject, (bool, Option<String>)> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.environment == environment) {
        let Some((_, before)) = row.current else {
            continue;
        };
        let after = if row.proposed {
            row.recommended_value().unwrap_or(before)
        } else {
            before
        };
        let (b, a, minutes) = match (&row.subject, row.resource) {
            (Subject::Component(_), Resource::Cpu) => (
                &mut s.components_cpu_before,
                &mut s.components_cpu_after,
                1.0,
            ),
            (Subject::Component(_), Resource::Memory) => (
                &mut s.components_memory_before,
                &mut s.components_memory_after,
                1.0,
            ),
            (Subject::Task { .. }, Resource::Cpu) => (
                &mut s.tasks_cpu_minutes_before,
                &mut s.tasks_cpu_minutes_after,
                row.usage.samples as f64,
            ),
            (Subject::Task { .. }, Resource::Memory) => (
                &mut s.tasks_memory_minutes_before,
                &mut s.tasks_memory_minutes_after,
                row.usage.samples as f64,
            ),
        };
        *b += before * minutes;
        *a += after * minutes;
        if let Subject::Task { .. } = row.subject {
            let entry = tasks.entry(&row.subject).or_default();
            entry.0 |= row.proposed;
            if row.advice.confidence == Confidence::None {
                entry.1 = Some(row.advice.reason.clone());
            }
        }
    }
    for (changed, refused) in tasks.values() {
        if *changed {
            s.tasks_changed += 1;
        } else {
            let why = match refused {
                Some(reason) => reason_kind(reason),
                None => "within minChange of the current request".to_owned(),
            };
            *s.tasks_left_alone.entry(why).or_default() += 1;
        }
    }
    s
}

/// A refusal's reason without its numbers, to count alike ones together.
fn reason_kind(reason: &str) -> String {
    if reason.starts_with("ran ") {
        "too few runs".into()
    } else {
        "too few samples".into()
    }
}
