//! `platc image tag` prints exactly the tag every values file runs, and `platc image context`
//! the folder holding the Dockerfile it is built from.

mod common;

use common::{bundled, platc, project};

#[test]
fn image_tag_is_the_tag_every_values_file_names() {
    let dir = project(bundled());
    assert_eq!(platc(dir.path(), &["compile", "--out", "out"]).status, 0);
    let tag = platc(dir.path(), &["image", "tag"]);
    assert_eq!(tag.status, 0, "{}", tag.stderr);
    let tag = tag.stdout.trim().to_owned();
    let reference = platc(dir.path(), &["image", "tag", "--reference"]).stdout;
    let (repository, tag_of_reference) = reference.trim().rsplit_once(':').unwrap();
    assert_eq!(tag_of_reference, tag);
    let mut seen = 0;
    for entry in std::fs::read_dir(dir.path().join("out")).unwrap() {
        let values = entry.unwrap().path().join("values.yaml");
        let Ok(text) = std::fs::read_to_string(&values) else {
            continue;
        };
        let v = platc::load::load_str("values.yaml", text).unwrap().value;
        assert_eq!(
            v["images"]["airflow"]["tag"],
            tag.as_str(),
            "{}",
            values.display()
        );
        assert_eq!(v["defaultAirflowTag"], tag.as_str());
        assert_eq!(v["images"]["airflow"]["repository"], repository);
        seen += 1;
    }
    assert!(seen >= 2, "every environment's values file was read");
    // The tag changes with the build inputs, so a new image is a new tag.
    let changed = bundled().replacen(
        "  requirements:\n",
        "  requirements:\n    - requests==2.32.3\n",
        1,
    );
    std::fs::write(dir.path().join("platform.yaml"), changed).unwrap();
    let other = platc(dir.path(), &["image", "tag"]);
    assert_eq!(other.status, 0, "{}", other.stderr);
    assert_ne!(other.stdout.trim(), tag);
}

#[test]
fn image_context_is_the_folder_with_the_dockerfile() {
    let dir = project(bundled());
    assert_eq!(platc(dir.path(), &["compile", "--out", "out"]).status, 0);
    let context = platc(dir.path(), &["image", "context", "--out", "out"]);
    assert_eq!(context.status, 0, "{}", context.stderr);
    let folder = dir.path().join(context.stdout.trim());
    assert!(folder.join("Dockerfile").is_file(), "{}", folder.display());
    assert!(folder.join("requirements.txt").is_file());
}
