//! The front end shared by every command: load, validate, resolve, and the semantic rules.

use std::path::Path;

use crate::diagnostic::Diagnostics;
use crate::load::{self, Document};
use crate::resolve::{self, Model};
use crate::spec::Spec;
use crate::validate;

/// A spec that passed every check, with the warnings it raised.
#[derive(Debug)]
pub struct FrontEnd {
    /// The loaded document, for places.
    pub doc: Document,
    /// The typed spec.
    pub spec: Spec,
    /// Every environment resolved.
    pub model: Model,
    /// Warnings (no errors).
    pub warnings: Diagnostics,
    /// Inline allows that silenced findings.
    pub allows: Vec<validate::allow::Allow>,
    /// The text of `image.requirementsFile`, when the spec names one.
    pub requirements_file: Option<String>,
}

/// Why the front end stopped.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong.
    pub diagnostics: Diagnostics,
    /// The source the diagnostics point into, when it was read.
    pub source: Option<String>,
    /// An I/O problem (exit 2) rather than an invalid spec (exit 1).
    pub io: bool,
}

impl Failure {
    /// A failure to read or write files.
    pub fn io(d: crate::diagnostic::Diagnostic) -> Self {
        Failure {
            diagnostics: d.into(),
            source: None,
            io: true,
        }
    }
}

/// Loads, validates and resolves the spec at `path`, and reads and checks the requirements
/// file it names.
pub fn front_end(path: &Path) -> Result<FrontEnd, Failure> {
    let mut front = front_end_spec(path)?;
    let Some(rel) = front.model.image.requirements_file.clone() else {
        return Ok(front);
    };
    let file = path.parent().unwrap_or(Path::new("")).join(&rel);
    let text = read_requirements_file(path, &file).map_err(|(d, io)| Failure {
        diagnostics: d
            .at(front.doc.value_place("/image/requirementsFile"))
            .into(),
        source: Some(front.doc.text.clone()),
        io,
    })?;
    let shown = file.display().to_string();
    let mut found = validate::requirements::check_file(&front.model, &shown, &text);
    found.extend(validate::secrets::check_file(&shown, &text));
    if found.has_errors() {
        let mut diagnostics = front.warnings.clone();
        diagnostics.extend(found);
        diagnostics.sort();
        return Err(Failure {
            diagnostics,
            source: Some(front.doc.text.clone()),
            io: false,
        });
    }
    front.warnings.extend(found);
    front.requirements_file = Some(text);
    Ok(front)
}

/// Reads the requirements file through [`crate::input_file`]; a refusal is a spec error, an OS
/// error an I/O failure (`true`).
fn read_requirements_file(
    spec: &Path,
    file: &Path,
) -> Result<String, (crate::diagnostic::Diagnostic, bool)> {
    use crate::diagnostic::Diagnostic;
    use crate::input_file::{self, Refusal};
    let io = |e: std::io::Error| {
        Diagnostic::error(
            "E004",
            format!("cannot read requirements file {}: {e}", file.display()),
        )
        .help("the path is relative to the spec's folder")
    };
    let root = input_file::root_of(spec).map_err(|e| (io(e), true))?;
    match input_file::read_inside(&root, file) {
        Ok(text) => Ok(text),
        Err(Refusal::Io(e)) => Err((io(e), true)),
        Err(refusal @ Refusal::TooLarge { .. }) => Err((
            Diagnostic::error(
                "requirements-file-size",
                format!("requirements file {} {refusal}", file.display()),
            )
            .help("split it, or move large pins into the image build itself"),
            false,
        )),
        Err(refusal) => Err((
            Diagnostic::error(
                "requirements-file-path",
                format!("requirements file {} {refusal}", file.display()),
            )
            .help("name a regular file inside the repository; platc never follows links out of it"),
            false,
        )),
    }
}

fn front_end_spec(path: &Path) -> Result<FrontEnd, Failure> {
    let doc = match load::load_file(path) {
        Ok(doc) => doc,
        Err(d) if d.code == "E001" => return Err(Failure::io(d)),
        Err(d) => {
            let source = std::fs::read(path)
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            return Err(Failure {
                diagnostics: d.into(),
                source,
                io: false,
            });
        }
    };
    front_end_doc(doc)
}

/// Validates and resolves an already loaded document.
pub fn front_end_doc(doc: Document) -> Result<FrontEnd, Failure> {
    let fail = |diagnostics: Diagnostics, doc: &Document| Failure {
        diagnostics,
        source: Some(doc.text.clone()),
        io: false,
    };
    let (spec, mut diagnostics) = match validate::validate(&doc) {
        Ok(ok) => ok,
        Err(d) => return Err(fail(d, &doc)),
    };
    let model = match resolve::resolve(&spec, &doc) {
        Ok(m) => m,
        Err(d) => return Err(fail(d, &doc)),
    };
    diagnostics.extend(validate::rules(&model, &doc));
    let (mut diagnostics, allows) = validate::allow::apply(&doc, diagnostics);
    diagnostics.sort();
    if diagnostics.has_errors() {
        return Err(fail(diagnostics, &doc));
    }
    Ok(FrontEnd {
        doc,
        spec,
        model,
        warnings: diagnostics,
        allows,
        requirements_file: None,
    })
}

/// Renders the whole output tree for a validated spec. `spec_path` locates `image.requirementsFile`.
pub fn compile(front: &FrontEnd, spec_path: &Path) -> Result<crate::render::OutputTree, Failure> {
    let tree = crate::render::render(&front.model, &context(front, spec_path))
        .map_err(|d| render_failure(front, d))?;
    // The last wall: validation should have refused any credential the detector finds here.
    let leaks = validate::secrets::check_output(&tree);
    if leaks.has_errors() {
        return Err(render_failure(front, leaks));
    }
    Ok(tree)
}

/// The image build inputs alone, and the reference every values file names
/// (`platc image tag`, `platc image context`).
pub fn image(
    front: &FrontEnd,
    spec_path: &Path,
) -> Result<crate::render::image::ImageBuild, Failure> {
    crate::render::image::render(&front.model, &context(front, spec_path))
        .map_err(|d| render_failure(front, d))
}

fn context(front: &FrontEnd, spec_path: &Path) -> crate::render::Context {
    let requirements_file = front.requirements_file.clone();
    let spec_name = spec_path.file_name().map_or_else(
        || spec_path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let spec_in_repo = match work_tree(spec_path) {
        Some((_, inside)) => inside,
        None => spec_name.clone(),
    };
    crate::render::Context {
        spec_name,
        spec_in_repo,
        requirements_file,
    }
}

fn render_failure(front: &FrontEnd, diagnostics: Diagnostics) -> Failure {
    Failure {
        diagnostics,
        source: Some(front.doc.text.clone()),
        io: false,
    }
}

/// The output folder: `--out` when given, else `gitops.path` at the root of the git work tree
/// that holds the spec (Argo CD reads `gitops.path` from the repository root), or next to the
/// spec outside a work tree. The path stays relative when the spec's path is.
pub fn out_dir(front: &FrontEnd, spec_path: &Path, explicit: Option<&Path>) -> std::path::PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    let mut base = spec_path.parent().unwrap_or(Path::new("")).to_path_buf();
    let up = work_tree(spec_path).map_or(0, |(up, _)| up);
    for _ in 0..up {
        base.push("..");
    }
    base.join(&front.model.gitops.path)
}

/// Checks that the spec file still holds the text `front` was built from (E059 otherwise), so
/// a compile that raced an editor's save never reports success for a spec it did not render.
pub fn unchanged(front: &FrontEnd, spec_path: &Path) -> Result<(), crate::diagnostic::Diagnostic> {
    match std::fs::read(spec_path) {
        Ok(bytes) if bytes == front.doc.text.as_bytes() => Ok(()),
        _ => Err(crate::diagnostic::Diagnostic::error(
            "E059",
            format!(
                "`{}` changed while platc was compiling it",
                spec_path.display()
            ),
        )
        .help("run platc again once the spec is saved")),
    }
}

/// Refuses a `gitops.path` (not an explicit `--out`) with a component that is a symlink leading
/// out of the spec's work tree: compile would write wherever the link points.
pub fn check_out_dir(front: &FrontEnd, spec_path: &Path) -> Result<(), Failure> {
    let Ok(root) = crate::input_file::root_of(spec_path) else {
        return Ok(());
    };
    let rel = Path::new(&front.model.gitops.path);
    let Some((link, target)) = crate::input_file::link_leaving(&root, rel) else {
        return Ok(());
    };
    let d = crate::diagnostic::Diagnostic::error(
        "gitops-path",
        format!(
            "`{}` is a symlink to `{}`, outside the work tree `{}`",
            link.display(),
            target.display(),
            root.display()
        ),
    )
    .at(front.doc.value_place("/gitops/path"))
    .help("replace the link with a real folder, or pass --out to write elsewhere on purpose")
    .note("nothing was written");
    Err(Failure {
        diagnostics: d.into(),
        source: Some(front.doc.text.clone()),
        io: false,
    })
}

/// Where the spec sits in its git work tree: how many folders up from the spec's folder the
/// root is, and the spec's `/`-separated path from that root. `None` outside a work tree.
fn work_tree(spec_path: &Path) -> Option<(usize, String)> {
    // Canonical, so that `..` and symlinked folders count as the file system resolves them.
    let spec = std::fs::canonicalize(spec_path).ok()?;
    let spec_dir = spec.parent()?;
    let (up, root) = spec_dir
        .ancestors()
        .enumerate()
        .find(|(_, dir)| dir.join(".git").exists())?;
    let inside = spec.strip_prefix(root).ok()?;
    let names: Vec<String> = inside
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some((up, names.join("/")))
}

/// The schema file the spec's `yaml-language-server` line points at, relative to the spec.
pub fn schema_reference(doc: &Document, spec_path: &Path) -> Option<std::path::PathBuf> {
    let line = doc
        .text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find(|l| l.contains("$schema="))?;
    let target = line.split("$schema=").nth(1)?.trim();
    if target.contains("://") {
        return None;
    }
    Some(spec_path.parent().unwrap_or(Path::new("")).join(target))
}
