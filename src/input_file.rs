//! Reading a file the spec names (`image.requirementsFile`): the spec is untrusted, so the file
//! must be a regular file inside the spec's work tree once every link is resolved, at most
//! [`MAX_BYTES`], and it is opened so that a swapped-in symlink, a FIFO or a device can neither
//! redirect, hang nor flood the read.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest file platc reads on the spec's behalf.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// Why a named file was not read.
#[derive(Debug)]
pub enum Refusal {
    /// After resolving links, the file lies outside `root`.
    Outside { resolved: PathBuf, root: PathBuf },
    /// Not a regular file (a folder, FIFO, socket or device).
    NotRegular { kind: &'static str },
    /// Larger than [`MAX_BYTES`].
    TooLarge { bytes: u64 },
    /// Not UTF-8 text.
    NotText,
    /// The operating system refused (missing file, permissions).
    Io(std::io::Error),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Outside { resolved, root } => write!(
                f,
                "resolves to `{}`, outside `{}`",
                resolved.display(),
                root.display()
            ),
            Refusal::NotRegular { kind } => write!(f, "is a {kind}, not a regular file"),
            Refusal::TooLarge { bytes } => {
                write!(f, "is {bytes} bytes; platc reads at most {MAX_BYTES}")
            }
            Refusal::NotText => write!(f, "is not UTF-8 text"),
            Refusal::Io(e) => write!(f, "cannot be read: {e}"),
        }
    }
}

/// The folder a spec's files must stay in: the top of the git work tree holding the spec, or
/// the spec's own folder outside a work tree. Canonical.
pub fn root_of(spec_path: &Path) -> std::io::Result<PathBuf> {
    let spec = std::fs::canonicalize(spec_path)?;
    let dir = spec.parent().unwrap_or(Path::new("/"));
    Ok(dir
        .ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(dir)
        .to_path_buf())
}

/// Reads `path` as text if, with every link resolved, it is a regular file inside `root`
/// (canonical) of at most [`MAX_BYTES`].
pub fn read_inside(root: &Path, path: &Path) -> Result<String, Refusal> {
    let resolved = std::fs::canonicalize(path).map_err(Refusal::Io)?;
    if !resolved.starts_with(root) {
        return Err(Refusal::Outside {
            resolved,
            root: root.to_path_buf(),
        });
    }
    // `resolved` has no links left; refusing one at the last step catches a swap since.
    let file = open_no_follow(&resolved).map_err(|e| match e.raw_os_error() {
        Some(code) if code == ELOOP => Refusal::NotRegular { kind: "symlink" },
        _ => Refusal::Io(e),
    })?;
    let meta = file.metadata().map_err(Refusal::Io)?;
    if !meta.is_file() {
        return Err(Refusal::NotRegular {
            kind: kind_of(&meta.file_type()),
        });
    }
    if meta.len() > MAX_BYTES {
        return Err(Refusal::TooLarge { bytes: meta.len() });
    }
    // The size may change after fstat: read one byte past the limit to notice.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(Refusal::Io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(Refusal::TooLarge {
            bytes: bytes.len() as u64,
        });
    }
    String::from_utf8(bytes).map_err(|_| Refusal::NotText)
}

/// Checks that no existing component of `root/rel` is a symlink leading out of `root`
/// (canonical): a folder the spec names for writing stays in the work tree.
pub fn link_leaving(root: &Path, rel: &Path) -> Option<(PathBuf, PathBuf)> {
    let mut at = root.to_path_buf();
    for name in rel.components() {
        at.push(name);
        let Ok(meta) = std::fs::symlink_metadata(&at) else {
            return None;
        };
        if meta.file_type().is_symlink() {
            match std::fs::canonicalize(&at) {
                Ok(target) if target.starts_with(root) => {}
                Ok(target) => return Some((at, target)),
                Err(_) => return Some((at.clone(), at)),
            }
        }
    }
    None
}

#[cfg(target_os = "linux")]
const ELOOP: i32 = rustix::io::Errno::LOOP.raw_os_error();
#[cfg(not(target_os = "linux"))]
const ELOOP: i32 = 40;

/// Opens for reading without following a final symlink and without blocking on a FIFO.
#[cfg(target_os = "linux")]
fn open_no_follow(path: &Path) -> std::io::Result<File> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = rustix::fs::open(path, flags, Mode::empty())?;
    Ok(File::from(fd))
}

/// Elsewhere: a link check just before opening (a small race, no FIFO guard).
#[cfg(not(target_os = "linux"))]
fn open_no_follow(path: &Path) -> std::io::Result<File> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() || !meta.is_file() {
        return Err(std::io::Error::from_raw_os_error(ELOOP));
    }
    File::open(path)
}

fn kind_of(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "device";
        }
        if kind.is_socket() {
            return "socket";
        }
    }
    if kind.is_dir() {
        "folder"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        (tmp, root)
    }

    #[test]
    fn a_regular_file_inside_is_read() {
        let (_tmp, root) = root();
        std::fs::write(root.join("r.txt"), "pandas==2.2.3\n").unwrap();
        assert_eq!(
            read_inside(&root, &root.join("r.txt")).unwrap(),
            "pandas==2.2.3\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_root_are_refused_unread() {
        let (_tmp, root) = root();
        for (name, target) in [
            ("env", "/proc/self/environ"),
            ("zero", "/dev/zero"),
            ("passwd", "/etc/passwd"),
        ] {
            let link = root.join(name);
            std::os::unix::fs::symlink(target, &link).unwrap();
            let refusal = read_inside(&root, &link).unwrap_err();
            assert!(
                matches!(refusal, Refusal::Outside { .. }),
                "{target}: {refusal}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_inside_the_root_is_followed_to_a_regular_file() {
        let (_tmp, root) = root();
        std::fs::create_dir(root.join("deps")).unwrap();
        std::fs::write(root.join("deps/real.txt"), "x==1\n").unwrap();
        std::os::unix::fs::symlink("deps/real.txt", root.join("r.txt")).unwrap();
        assert_eq!(read_inside(&root, &root.join("r.txt")).unwrap(), "x==1\n");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_fifo_inside_the_root_is_refused_without_hanging() {
        let (_tmp, root) = root();
        let fifo = root.join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
            0,
        )
        .unwrap();
        let refusal = read_inside(&root, &fifo).unwrap_err();
        assert!(
            matches!(refusal, Refusal::NotRegular { kind: "FIFO" }),
            "{refusal}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_link_out_of_the_root_is_found() {
        let (_tmp, root) = root();
        let (_other, outside) = self::root();
        std::os::unix::fs::symlink(&outside, root.join("out")).unwrap();
        std::fs::create_dir(root.join("inner")).unwrap();
        std::os::unix::fs::symlink("inner", root.join("alias")).unwrap();
        assert!(link_leaving(&root, Path::new("out/prod")).is_some());
        assert!(link_leaving(&root, Path::new("alias/prod")).is_none());
        assert!(link_leaving(&root, Path::new("missing/prod")).is_none());
    }

    #[test]
    fn a_folder_and_an_oversized_file_are_refused() {
        let (_tmp, root) = root();
        std::fs::create_dir(root.join("d")).unwrap();
        assert!(matches!(
            read_inside(&root, &root.join("d")).unwrap_err(),
            Refusal::NotRegular { kind: "folder" }
        ));
        let big = root.join("big.txt");
        std::fs::write(&big, vec![b'#'; MAX_BYTES as usize + 1]).unwrap();
        assert!(matches!(
            read_inside(&root, &big).unwrap_err(),
            Refusal::TooLarge { .. }
        ));
        std::fs::write(&big, vec![b'#'; MAX_BYTES as usize]).unwrap();
        assert!(read_inside(&root, &big).is_ok(), "exactly 1 MiB is allowed");
    }
}
