//! `platc dag new`: the text of a new DAG file, formatted the way Black formats it.
//!
//! The file follows the conventions: its path and dag_id come from the layout and dag_id rules,
//! `default_args` carries the team's defaults, and the imports are those of the targeted Airflow
//! (the task SDK on Airflow 3, `airflow` and `airflow.decorators` on Airflow 2).

use minijinja::{Environment, context};

use crate::dag::check::Rules;
use crate::dag::pattern::is_lower_snake;
use crate::dag::schedule;
use crate::diagnostic::Diagnostic;
use crate::spec::ScheduleForm;

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The domain, lower snake case.
    pub domain: String,
    /// The name, lower snake case.
    pub name: String,
    /// Owner instead of the team's.
    pub owner: Option<String>,
    /// Schedule as given on the command line.
    pub schedule: Option<String>,
    /// Tags besides the team's and the domain.
    pub tags: Vec<String>,
}

/// A rendered DAG file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scaffold {
    /// Path in the repository.
    pub rel: String,
    /// Its dag_id.
    pub dag_id: String,
    /// The file's text.
    pub text: String,
}

/// Black's default line length.
const LINE_LENGTH: usize = 88;

const TEMPLATE: &str = r#""""{{ dag_id }}: what this DAG does, from which inputs, for whom."""

from __future__ import annotations
{% if timedelta %}
from datetime import timedelta
{% endif %}
import pendulum
{% for line in airflow_imports %}{{ line }}
{% endfor %}{% if callback %}
from {{ callback.module }} import {{ callback.name }}
{% endif %}
default_args = {
{%- for entry in default_args %}
    {{ entry }},
{%- endfor %}
}

with DAG(
    dag_id={{ dag_id | pystr }},
    schedule={{ schedule }},
    start_date=pendulum.datetime({{ year }}, {{ month }}, {{ day }}, tz="UTC"),
    catchup=False,
    default_args=default_args,
{{ tags }}
):

    @task
    def extract() -> list[dict]:
        """Read the input."""
        return []

    @task
    def load(rows: list[dict]) -> None:
        """Write the output."""
        print(f"loaded {len(rows)} rows")

    load(extract())
"#;

/// Renders the file for a request; `today` is the start date as (year, month, day).
pub fn render(
    rules: &Rules,
    request: &Request,
    today: (i64, u32, u32),
) -> Result<Scaffold, Diagnostic> {
    for (what, value) in [("domain", &request.domain), ("name", &request.name)] {
        if !is_lower_snake(value) {
            return Err(Diagnostic::error("dag-name", format!("the {what} `{value}` is not lower snake case"))
                .help("use lower-case letters and digits, words joined by single underscores, such as `daily_orders`"));
        }
    }
    let rel = rules.layout.fill(&request.domain, &request.name);
    let dag_id = rules.dag_id.fill(&request.domain, &request.name);
    let schedule = pick_schedule(rules, request.schedule.as_deref())?;
    let defaults = &rules.conventions.defaults;
    let owner = request
        .owner
        .clone()
        .unwrap_or_else(|| defaults.owner.clone());
    let mut default_args = vec![
        format!("\"owner\": {}", pystr(&owner)),
        format!("\"retries\": {}", defaults.retries),
    ];
    let callback = defaults.on_failure_callback.as_deref().map(|path| {
        let (module, name) = path.rsplit_once('.').unwrap_or(("plugins", path));
        default_args.push(format!("\"on_failure_callback\": {name}"));
        context! { module, name }
    });
    let mut tags: Vec<String> = Vec::new();
    for tag in defaults
        .tags
        .iter()
        .chain([&request.domain])
        .chain(&request.tags)
    {
        if !tag.is_empty() && !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    let airflow_imports: Vec<&str> = if rules.airflow.major >= 3 {
        vec!["from airflow.sdk import DAG, task"]
    } else {
        vec![
            "from airflow import DAG",
            "from airflow.decorators import task",
        ]
    };
    let mut env = Environment::new();
    env.add_filter("pystr", |s: String| pystr(&s));
    let internal = |e: minijinja::Error| {
        Diagnostic::error("E099", format!("internal error in the DAG template: {e}"))
    };
    env.add_template("dag.py", TEMPLATE).map_err(internal)?;
    let text = env
        .get_template("dag.py")
        .and_then(|t| {
            t.render(context! {
                dag_id => &dag_id,
                timedelta => schedule.form == ScheduleForm::Timedelta,
                airflow_imports,
                callback,
                default_args,
                schedule => &schedule.python,
                year => today.0,
                month => today.1,
                day => today.2,
                tags => tags_argument(&tags),
            })
        })
        .map_err(internal)?;
    Ok(Scaffold {
        rel,
        dag_id,
        text: text + "\n",
    })
}

fn pick_schedule(rules: &Rules, given: Option<&str>) -> Result<schedule::Scaffolded, Diagnostic> {
    let allowed = &rules.conventions.schedules;
    let list = || {
        allowed
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = match given {
        Some(text) => {
            schedule::from_cli(text).map_err(|why| Diagnostic::error("dag-schedule-form", why))?
        }
        None => {
            let fallback = [
                (ScheduleForm::None, "none"),
                (ScheduleForm::Preset, "@daily"),
                (ScheduleForm::Cron, "0 6 * * *"),
                (ScheduleForm::Timedelta, "1d"),
            ]
            .into_iter()
            .find(|(f, _)| allowed.contains(f))
            .map(|(_, text)| text)
            .ok_or_else(|| {
                Diagnostic::error(
                    "dag-schedule-form",
                    "no default schedule in the allowed forms",
                )
                .help("pass --schedule")
            })?;
            schedule::from_cli(fallback).map_err(|why| Diagnostic::error("E099", why))?
        }
    };
    if !allowed.contains(&chosen.form) {
        return Err(Diagnostic::error(
            "dag-schedule-form",
            format!(
                "a {} schedule is not allowed by the conventions",
                chosen.form.as_str()
            ),
        )
        .help(format!("allowed forms: {}", list())));
    }
    Ok(chosen)
}

/// `tags=[...],` on one line when it fits, else one tag a line, as Black splits it.
fn tags_argument(tags: &[String]) -> String {
    let items: Vec<String> = tags.iter().map(|t| pystr(t)).collect();
    let one_line = format!("    tags=[{}],", items.join(", "));
    if one_line.len() <= LINE_LENGTH {
        return one_line;
    }
    let mut text = String::from("    tags=[\n");
    for item in items {
        text.push_str(&format!("        {item},\n"));
    }
    text.push_str("    ],");
    text
}

/// A Python string literal as Black writes it: double quotes unless that needs more escapes.
pub fn pystr(s: &str) -> String {
    let body: String = s
        .chars()
        .map(|c| match c {
            '\\' => "\\\\".to_owned(),
            '\n' => "\\n".to_owned(),
            '\t' => "\\t".to_owned(),
            c if c.is_control() => format!("\\x{:02x}", c as u32),
            c => c.to_string(),
        })
        .collect();
    if body.contains('"') && !body.contains('\'') {
        format!("'{body}'")
    } else {
        format!("\"{}\"", body.replace('"', "\\\""))
    }
}

/// Today's date in UTC as (year, month, day).
pub fn today() -> (i64, u32, u32) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_from_days((secs / 86_400) as i64)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn strings_are_quoted_as_black_quotes_them() {
        assert_eq!(pystr("data-platform"), "\"data-platform\"");
        assert_eq!(pystr("say \"hi\""), "'say \"hi\"'");
        assert_eq!(pystr("it's \"x\""), "\"it's \\\"x\\\"\"");
    }

    #[test]
    fn long_tag_lists_are_split() {
        assert_eq!(tags_argument(&["a".into()]), "    tags=[\"a\"],");
        let many: Vec<String> = (0..20).map(|i| format!("tag{i}")).collect();
        assert!(tags_argument(&many).starts_with("    tags=[\n        \"tag0\",\n"));
    }
}
