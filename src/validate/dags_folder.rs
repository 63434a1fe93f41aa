//! Rule `dags-layout`: the DAG file layout lies inside the folder git-sync mounts as Airflow's
//! `dags_folder` (`dags.subPath`, the repository root when absent).

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::resolve::Model;
use crate::validate::origin::Origin;

/// Checks each environment's conventions against its `subPath`.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    for env in &model.environments {
        let (Some(sub_path), Some(conventions)) = (&env.dags.sub_path, &env.dags.conventions)
        else {
            continue;
        };
        let folder = sub_path.trim_matches('/');
        if folder.is_empty() || inside(&conventions.layout, folder) {
            continue;
        }
        let at = Origin::new(doc, &env.name);
        out.push(
            Diagnostic::error(
                "dags-layout",
                format!(
                    "environment `{}`: DAG files laid out as `{}` are outside `dags.subPath` `{folder}`, the only folder Airflow parses",
                    env.name, conventions.layout
                ),
            )
            .at(at.value("/dags/conventions/layout"))
            .help(format!("start the layout with `{folder}/`, or change `subPath`")),
        );
    }
    out
}

/// Whether `layout` names files below `folder`.
fn inside(layout: &str, folder: &str) -> bool {
    let layout = layout.trim_start_matches("./");
    layout
        .strip_prefix(folder)
        .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::inside;

    #[test]
    fn a_layout_is_inside_its_folder_only_below_a_slash() {
        assert!(inside("dags/{domain}/{name}.py", "dags"));
        assert!(inside("airflow/dags/{name}.py", "airflow/dags"));
        assert!(!inside("dagsx/{name}.py", "dags"));
        assert!(!inside("src/{name}.py", "dags"));
    }
}
