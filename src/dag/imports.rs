//! Imports that the targeted Airflow does not have, with where the thing lives now.
//!
//! A small, factual table (Airflow's release notes and the standard provider; the same moves
//! Ruff's AIR301/AIR302/AIR312 rules know). Two kinds: removed, so the import fails, and moved
//! with a compatibility shim that still imports on Airflow 3 but warns and will go away.

/// What happened to a module or name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// The import fails on the targeted version.
    Missing,
    /// The import still works through a deprecation shim; the replacement is the lasting one.
    Moved,
}

/// One row: a module (or `module.name`) prefix, and what to use instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The old path: a module, a module prefix, or `module.name`.
    pub old: &'static str,
    /// Removed or shimmed.
    pub fate: Fate,
    /// What to import or do instead.
    pub instead: &'static str,
}

/// Changes on Airflow 3 relative to Airflow 2.
const AIRFLOW_3: &[Change] = &[
    Change {
        old: "airflow.contrib",
        fate: Fate::Missing,
        instead: "the provider package of the service, such as airflow.providers.google",
    },
    Change {
        old: "airflow.operators.dummy",
        fate: Fate::Missing,
        instead: "EmptyOperator from airflow.providers.standard.operators.empty",
    },
    Change {
        old: "airflow.operators.dummy_operator",
        fate: Fate::Missing,
        instead: "EmptyOperator from airflow.providers.standard.operators.empty",
    },
    Change {
        old: "airflow.operators.bash_operator",
        fate: Fate::Missing,
        instead: "airflow.providers.standard.operators.bash",
    },
    Change {
        old: "airflow.operators.python_operator",
        fate: Fate::Missing,
        instead: "airflow.providers.standard.operators.python",
    },
    Change {
        old: "airflow.operators.dagrun_operator",
        fate: Fate::Missing,
        instead: "airflow.providers.standard.operators.trigger_dagrun",
    },
    Change {
        old: "airflow.operators.latest_only_operator",
        fate: Fate::Missing,
        instead: "airflow.providers.standard.operators.latest_only",
    },
    Change {
        old: "airflow.operators.subdag",
        fate: Fate::Missing,
        instead: "a TaskGroup (SubDAGs are gone in Airflow 3)",
    },
    Change {
        old: "airflow.sensors.external_task_sensor",
        fate: Fate::Missing,
        instead: "airflow.providers.standard.sensors.external_task",
    },
    Change {
        old: "airflow.utils.dates.days_ago",
        fate: Fate::Missing,
        instead: "a fixed start_date such as pendulum.datetime(2025, 1, 1, tz=\"UTC\")",
    },
    Change {
        old: "airflow.operators.bash",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.operators.bash",
    },
    Change {
        old: "airflow.operators.python",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.operators.python",
    },
    Change {
        old: "airflow.operators.empty",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.operators.empty",
    },
    Change {
        old: "airflow.operators.trigger_dagrun",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.operators.trigger_dagrun",
    },
    Change {
        old: "airflow.operators.latest_only",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.operators.latest_only",
    },
    Change {
        old: "airflow.operators.datetime",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.operators.datetime",
    },
    Change {
        old: "airflow.operators.weekday",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.operators.weekday",
    },
    Change {
        old: "airflow.sensors.external_task",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.sensors.external_task",
    },
    Change {
        old: "airflow.sensors.filesystem",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.sensors.filesystem",
    },
    Change {
        old: "airflow.sensors.date_time",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.sensors.date_time",
    },
    Change {
        old: "airflow.sensors.time_delta",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.sensors.time_delta",
    },
    Change {
        old: "airflow.sensors.time_sensor",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.sensors.time",
    },
    Change {
        old: "airflow.sensors.weekday",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.sensors.weekday",
    },
    Change {
        old: "airflow.hooks.subprocess",
        fate: Fate::Moved,
        instead: "airflow.providers.standard.hooks.subprocess",
    },
];

/// Changes on Airflow 2 relative to Airflow 3: the task SDK does not exist yet.
const AIRFLOW_2: &[Change] = &[Change {
    old: "airflow.sdk",
    fate: Fate::Missing,
    instead: "`from airflow import DAG` and `from airflow.decorators import dag, task` (the task SDK is Airflow 3)",
}];

/// The change that applies to an import of `module` (and `name` from it) on an Airflow major version.
pub fn lookup(major: u32, module: &str, name: Option<&str>) -> Option<&'static Change> {
    let table = match major {
        2 => AIRFLOW_2,
        3 => AIRFLOW_3,
        _ => return None,
    };
    let full = name.map_or_else(|| module.to_owned(), |n| format!("{module}.{n}"));
    table.iter().find(|c| {
        let under = |path: &str| {
            path == c.old || path.strip_prefix(c.old).is_some_and(|r| r.starts_with('.'))
        };
        // `from airflow.utils.dates import days_ago` names the removed function; importing
        // the module alone (`airflow.utils.dates`) is fine.
        under(module) || under(&full)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn airflow_3_knows_the_moves() {
        assert_eq!(
            lookup(3, "airflow.operators.dummy", Some("DummyOperator"))
                .unwrap()
                .fate,
            Fate::Missing
        );
        assert_eq!(
            lookup(3, "airflow.operators.bash", Some("BashOperator"))
                .unwrap()
                .fate,
            Fate::Moved
        );
        assert_eq!(
            lookup(3, "airflow.contrib.operators.x", None).unwrap().fate,
            Fate::Missing
        );
        assert_eq!(
            lookup(3, "airflow.utils.dates", Some("days_ago"))
                .unwrap()
                .fate,
            Fate::Missing
        );
        assert!(lookup(3, "airflow.utils.dates", None).is_none());
        assert!(lookup(3, "airflow.operators.bashful", None).is_none());
        assert!(lookup(3, "airflow.providers.standard.operators.bash", None).is_none());
        assert!(lookup(3, "airflow.operators", Some("python")).is_some());
    }

    #[test]
    fn airflow_2_has_no_task_sdk() {
        assert_eq!(
            lookup(2, "airflow.sdk", Some("DAG")).unwrap().fate,
            Fate::Missing
        );
        assert!(lookup(2, "airflow.operators.bash", None).is_none());
        assert!(lookup(2, "airflow", Some("DAG")).is_none());
        assert!(lookup(2, "airflow", Some("sdk")).is_some());
    }
}
