//! Reading the files a package names without ever leaving the package.
//!
//! A package is untrusted input: the server unpacks uploads from any county clerk, and a
//! `project.toml` may name any path. Every path is therefore resolved here, not by the OS:
//! no absolute path, no `..`, no symbolic link anywhere below the package folder (every
//! component is looked at with `symlink_metadata`, which does not follow links), and only
//! regular files are opened — a FIFO would block the reader, a device never ends. Each read
//! is capped by counting the bytes actually read (`Read::take`): sizes reported by the file
//! system are not trusted (`/proc` files report 0).
//!
//! Errors name the package entry (the field of `project.toml` and the path as written), never
//! anything read from a file.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::error::{PackageError, PathProblem};

/// Largest `project.toml` (and `.prj`/`.cpg` sidecar) read: these are a few kilobytes.
pub const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;
/// Largest household table read: a whole project's households are well under a megabyte
/// (a few thousand rows of ~100 bytes); the cap leaves room for a county-sized list.
pub const MAX_TABLE_BYTES: u64 = 16 * 1024 * 1024;
/// Largest parcel file (or `.dbf` sidecar) of a package read. A project's parcels are a few
/// megabytes even densely surveyed; half the unpacked budget of an uploaded package
/// (`guagou_registry::packages::MAX_UNPACKED_BYTES`, 512 MiB) and far below the 2 GiB
/// `guagou_geo::formats::MAX_INPUT_BYTES` meant for county-scale layers.
pub const MAX_PARCEL_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Who names a path, for messages: the manifest and its field (`households.file`), or the
/// manifest itself (`field` None).
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    /// Label of the naming file (`…/project.toml`).
    pub file: String,
    pub field: Option<String>,
}

impl Origin {
    fn refuse(&self, written: &Path, problem: PathProblem) -> PackageError {
        PackageError::Path {
            file: self.file.clone(),
            field: self.field.clone(),
            path: written.display().to_string(),
            problem,
        }
    }
}

/// The relative path of `written` inside the package, or `Outside` if it is absolute, names
/// a drive or climbs with `..` (checked on the text, before touching the disk).
fn lexical(origin: &Origin, written: &Path) -> Result<PathBuf, PackageError> {
    let mut relative = PathBuf::new();
    for component in written.components() {
        match component {
            Component::Normal(part) => relative.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(origin.refuse(written, PathProblem::Outside));
            }
        }
    }
    Ok(relative)
}

fn io_error(path: &Path, error: &std::io::Error) -> PackageError {
    PackageError::Io {
        file: path.display().to_string(),
        reason: error.to_string(),
    }
}

/// What a non-regular file is, for messages.
fn kind_of(metadata: &Metadata) -> &'static str {
    let kind = metadata.file_type();
    if kind.is_dir() {
        return "directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "fifo";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "device";
        }
        if kind.is_socket() {
            return "socket";
        }
    }
    "other"
}

/// `written` (relative to `root`) as a path on disk, checked component by component: every
/// folder on the way and the file itself exist and are not symbolic links, and the file is
/// a regular file. The package folder itself may be reached through a link (a user's own
/// choice on the command line); everything below it may not.
pub(crate) fn resolve(
    root: &Path,
    origin: &Origin,
    written: &Path,
) -> Result<(PathBuf, Metadata), PackageError> {
    let relative = lexical(origin, written)?;
    if relative.as_os_str().is_empty() {
        return Err(origin.refuse(written, PathProblem::NotRegular { kind: "directory" }));
    }
    let mut path = root.to_path_buf();
    let mut shown = PathBuf::new();
    let mut last = None;
    for part in relative.components() {
        path.push(part);
        shown.push(part);
        let metadata = std::fs::symlink_metadata(&path).map_err(|e| io_error(&path, &e))?;
        if metadata.file_type().is_symlink() {
            return Err(origin.refuse(
                written,
                PathProblem::Symlink {
                    component: shown.display().to_string(),
                },
            ));
        }
        last = Some(metadata);
    }
    let Some(metadata) = last else {
        return Err(origin.refuse(written, PathProblem::NotRegular { kind: "directory" }));
    };
    if !metadata.is_file() {
        let kind = kind_of(&metadata);
        return Err(origin.refuse(written, PathProblem::NotRegular { kind }));
    }
    Ok((path, metadata))
}

/// Reads the package file `written` (relative to `root`), at most `cap` bytes.
pub(crate) fn read_capped(
    root: &Path,
    origin: &Origin,
    written: &Path,
    cap: u64,
) -> Result<(PathBuf, Vec<u8>), PackageError> {
    let (path, checked) = resolve(root, origin, written)?;
    if checked.len() > cap {
        return Err(origin.refuse(written, PathProblem::TooLarge { cap }));
    }
    let file = File::open(&path).map_err(|e| io_error(&path, &e))?;
    // The file opened must be the one checked: a component swapped for a link in between
    // would be followed by `open`.
    let opened = file.metadata().map_err(|e| io_error(&path, &e))?;
    if !opened.is_file() || !same_file(&checked, &opened) {
        return Err(origin.refuse(written, PathProblem::Changed));
    }
    match read_bounded(file, cap) {
        Ok(Some(bytes)) => Ok((path, bytes)),
        Ok(None) => Err(origin.refuse(written, PathProblem::TooLarge { cap })),
        Err(e) => Err(io_error(&path, &e)),
    }
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &Metadata, _: &Metadata) -> bool {
    true
}

/// All of `reader` if it holds at most `cap` bytes, else `None` after reading `cap + 1`.
fn read_bounded(reader: impl Read, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            file: "project.toml".into(),
            field: Some("households.file".into()),
        }
    }

    fn code(result: Result<PathBuf, PackageError>) -> &'static str {
        match result {
            Ok(_) => "(accepted)",
            Err(e) => e.code().as_str(),
        }
    }

    #[test]
    fn paths_are_checked_on_their_text_first() {
        for bad in [
            "/etc/passwd",
            "../x.csv",
            "a/../../x.csv",
            "a/..",
            "/dev/zero",
        ] {
            assert_eq!(
                code(lexical(&origin(), Path::new(bad))),
                "path_outside_package",
                "{bad}"
            );
        }
        assert_eq!(
            lexical(&origin(), Path::new("./a//b.csv")).ok(),
            Some(Path::new("a").join("b.csv"))
        );
    }

    /// The read stops one byte past the cap whatever the file claims: `/dev/zero` never ends.
    #[cfg(unix)]
    #[test]
    fn reads_stop_at_the_cap() -> std::io::Result<()> {
        assert_eq!(read_bounded(File::open("/dev/zero")?, 1024)?, None);
        assert_eq!(read_bounded(&b"abc"[..], 3)?.as_deref(), Some(&b"abc"[..]));
        assert_eq!(read_bounded(&b"abcd"[..], 3)?, None);
        Ok(())
    }
}
