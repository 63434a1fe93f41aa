//! Schedule forms: what a DAG's `schedule` argument is, and the `--schedule` of `platc dag new`.

use crate::dag::python::{Expr, ExprKind, Module};
use crate::spec::ScheduleForm;

/// The presets Airflow knows, plus `@once` and `@continuous`.
pub const PRESETS: [&str; 8] = [
    "@once",
    "@continuous",
    "@hourly",
    "@daily",
    "@weekly",
    "@monthly",
    "@quarterly",
    "@yearly",
];

/// What a schedule expression is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    /// One of the forms.
    Form(ScheduleForm),
    /// Written as a string but neither preset nor cron expression: why.
    Invalid(String),
    /// Computed or imported: platc cannot tell.
    Unknown,
}

/// Classifies a `schedule=` value, following a module-level name once.
pub fn classify(module: &Module, expr: &Expr) -> Classified {
    let expr = module.resolve(expr);
    match &expr.kind {
        ExprKind::None => Classified::Form(ScheduleForm::None),
        ExprKind::Str(s) => classify_text(s),
        ExprKind::Call(call) => {
            let callee = call
                .callee
                .as_deref()
                .map(|c| module.qualify(c))
                .unwrap_or_default();
            let last = callee.rsplit('.').next().unwrap_or("");
            match last {
                "timedelta" | "relativedelta" | "duration" => {
                    Classified::Form(ScheduleForm::Timedelta)
                }
                _ if is_asset_name(last) => Classified::Form(ScheduleForm::Asset),
                _ if last.ends_with("Timetable") => Classified::Form(ScheduleForm::Timetable),
                _ => Classified::Unknown,
            }
        }
        ExprKind::Seq(items) if !items.is_empty() => {
            if items
                .iter()
                .all(|i| classify(module, i) == Classified::Form(ScheduleForm::Asset))
            {
                Classified::Form(ScheduleForm::Asset)
            } else {
                Classified::Unknown
            }
        }
        ExprKind::Combine(a, b) => {
            let asset = Classified::Form(ScheduleForm::Asset);
            if classify(module, a) == asset && classify(module, b) == asset {
                asset
            } else {
                Classified::Unknown
            }
        }
        _ => Classified::Unknown,
    }
}

fn is_asset_name(name: &str) -> bool {
    matches!(
        name,
        "Asset"
            | "AssetAll"
            | "AssetAny"
            | "AssetAlias"
            | "Dataset"
            | "DatasetAll"
            | "DatasetAny"
            | "DatasetAlias"
            | "Model"
    )
}

/// A schedule written as text: a preset, or a cron expression.
pub fn classify_text(text: &str) -> Classified {
    let text = text.trim();
    if text.starts_with('@') {
        return if PRESETS.contains(&text) {
            Classified::Form(ScheduleForm::Preset)
        } else {
            Classified::Invalid(format!(
                "`{text}` is not a preset; Airflow knows {}",
                PRESETS.join(", ")
            ))
        };
    }
    match parse_cron(text) {
        Ok(()) => Classified::Form(ScheduleForm::Cron),
        Err(why) => Classified::Invalid(format!(
            "`{text}` is neither a preset nor a valid cron expression of five fields: {why}"
        )),
    }
}

/// Parses a five-field cron expression as Airflow's croniter reads it: minute, hour, day of
/// month, month, day of week; names (`MON`, `JAN`), ranges, steps (also `0/15`) and lists; day
/// of month and day of week combine with OR. Values out of range (`99 25 * * *`) are errors.
fn parse_cron(text: &str) -> Result<(), String> {
    use croner::parser::{CronParser, Seconds, Year};
    // The parser upper-cases and copies the text: keep hostile input short.
    const LONGEST: usize = 512;
    if text.len() > LONGEST {
        return Err(format!("longer than {LONGEST} characters"));
    }
    let fields = text.split_whitespace().count();
    if fields != 5 {
        return Err(format!("it has {fields} fields"));
    }
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .sloppy_ranges(true)
        .build()
        .parse(text)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A `--schedule` for `platc dag new`, as Python source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scaffolded {
    /// The Python expression: `None`, `"@daily"`, `"0 6 * * *"` or `timedelta(hours=6)`.
    pub python: String,
    /// Its form.
    pub form: ScheduleForm,
}

/// Reads `none`, a preset, a cron expression, or an interval such as `30m`, `6h`, `1d`.
pub fn from_cli(text: &str) -> Result<Scaffolded, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") {
        return Ok(Scaffolded {
            python: "None".into(),
            form: ScheduleForm::None,
        });
    }
    if let Some((number, unit)) = text.split_at_checked(text.len().saturating_sub(1))
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && let Some(unit) = match unit {
            "s" => Some("seconds"),
            "m" => Some("minutes"),
            "h" => Some("hours"),
            "d" => Some("days"),
            _ => None,
        }
    {
        let n: u64 = number
            .parse()
            .map_err(|_| format!("`{text}` is too long an interval"))?;
        return Ok(Scaffolded {
            python: format!("timedelta({unit}={n})"),
            form: ScheduleForm::Timedelta,
        });
    }
    match classify_text(text) {
        Classified::Form(form) => Ok(Scaffolded {
            python: format!("\"{text}\""),
            form,
        }),
        Classified::Invalid(why) => Err(format!(
            "{why}; use `none`, a preset such as `@daily`, a cron expression such as `0 6 * * *`, or an interval such as `30m`, `6h`, `1d`"
        )),
        Classified::Unknown => Err(format!("cannot read the schedule `{text}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dag::python;

    fn form_of(src: &str) -> Classified {
        let m = python::parse(src).unwrap();
        let call = &m.dags[0].call;
        classify(&m, &call.kwarg("schedule").unwrap().value)
    }

    #[test]
    fn classifies_each_form() {
        let head = "from airflow.sdk import DAG, Asset\nimport datetime as dt\nfrom datetime import timedelta\nS = '@daily'\n";
        for (arg, form) in [
            ("'0 6 * * 1-5'", ScheduleForm::Cron),
            ("'@daily'", ScheduleForm::Preset),
            ("S", ScheduleForm::Preset),
            ("timedelta(hours=1)", ScheduleForm::Timedelta),
            ("dt.timedelta(days=1)", ScheduleForm::Timedelta),
            ("None", ScheduleForm::None),
            ("[Asset('s3://a')]", ScheduleForm::Asset),
            ("Asset('a') | Asset('b')", ScheduleForm::Asset),
            (
                "CronTriggerTimetable('0 6 * * *', timezone='UTC')",
                ScheduleForm::Timetable,
            ),
        ] {
            assert_eq!(
                form_of(&format!("{head}DAG('x', schedule={arg})\n")),
                Classified::Form(form),
                "{arg}"
            );
        }
        assert!(matches!(
            form_of("from airflow import DAG\nDAG('x', schedule='@dayly')\n"),
            Classified::Invalid(_)
        ));
        assert!(matches!(
            form_of("from airflow import DAG\nDAG('x', schedule='0 6 * *')\n"),
            Classified::Invalid(_)
        ));
        assert_eq!(
            form_of("from airflow import DAG\nDAG('x', schedule=make())\n"),
            Classified::Unknown
        );
    }

    #[test]
    fn cron_values_out_of_range_are_rejected() {
        for bad in [
            "99 25 * * *",
            "0 24 * * *",
            "0 0 32 * *",
            "0 0 * 13 *",
            "0 0 * * 8",
            "5-1x * * * *",
            "0 6 * * * *",
            "* * * *",
        ] {
            assert!(
                matches!(classify_text(bad), Classified::Invalid(_)),
                "{bad} was accepted"
            );
        }
        for good in ["0 0 * * 0", "0 0 * * 7", "0/10 * * * *", "59 23 31 12 SUN"] {
            assert_eq!(
                classify_text(good),
                Classified::Form(ScheduleForm::Cron),
                "{good}"
            );
        }
        let long = "1,".repeat(100_000) + "1 * * * *";
        assert!(matches!(classify_text(&long), Classified::Invalid(_)));
    }

    #[test]
    fn reads_the_command_line_forms() {
        assert_eq!(from_cli("none").unwrap().python, "None");
        assert_eq!(from_cli("@hourly").unwrap().form, ScheduleForm::Preset);
        assert_eq!(from_cli("0 6 * * *").unwrap().python, "\"0 6 * * *\"");
        assert_eq!(from_cli("6h").unwrap().python, "timedelta(hours=6)");
        assert!(from_cli("sometimes").is_err());
        assert!(from_cli("0 6 * * MON-FRI").is_ok());
        assert!(from_cli("*/15 0-6 1,15 JAN *").is_ok());
        assert!(from_cli("h").is_err());
    }
}
