//! Hostile packages: every path a package names stays inside it. Absolute paths, `..`,
//! symbolic links (to a file or a folder, for tables, parcel files and shapefile sidecars),
//! devices, FIFOs, folders and oversized tables are refused with their code, promptly, and
//! no message carries the content of the file aimed at.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use guagou_check::confine::MAX_TABLE_BYTES;
use guagou_check::{Package, PackageError};

trait Must<T> {
    fn must(self) -> T;
}
impl<T, E: std::fmt::Debug> Must<T> for Result<T, E> {
    fn must(self) -> T {
        match self {
            Ok(v) => v,
            Err(e) => panic!("{e:?}"),
        }
    }
}

/// What /etc/passwd starts with on every Linux: must never appear in a message.
const PASSWD_CONTENT: &str = "root:";
/// The content of a file planted next to the package, outside it.
const SECRET: &str = "SECRET-OUTSIDE-THE-PACKAGE";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/xuanhan-nanba-pass")
}

/// A copy of the passing example in `parent/pkg`, with a secret file beside it in `parent`.
fn package(parent: &Path) -> PathBuf {
    let dir = parent.join("pkg");
    std::fs::create_dir(&dir).must();
    for entry in std::fs::read_dir(example()).must() {
        let entry = entry.must();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).must();
    }
    std::fs::write(
        parent.join("outside.csv"),
        format!("id,name,consent\n{SECRET},{SECRET},同意\n"),
    )
    .must();
    dir
}

fn edit_manifest(dir: &Path, from: &str, to: &str) {
    let path = dir.join("project.toml");
    let text = std::fs::read_to_string(&path).must();
    assert!(text.contains(from), "{from}");
    std::fs::write(&path, text.replacen(from, to, 1)).must();
}

/// `Package::read` on another thread: a FIFO or a device must not hang or exhaust the test.
fn read_promptly(dir: &Path) -> Result<Package, PackageError> {
    let (send, receive) = mpsc::channel();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        let _ = send.send(Package::read(&dir));
    });
    match receive.recv_timeout(Duration::from_secs(20)) {
        Ok(result) => result,
        Err(_) => panic!("Package::read did not return within 20 s"),
    }
}

/// The refusal of `result`, checked to carry `code` and none of the target's content.
fn refused<T: std::fmt::Debug>(result: Result<T, PackageError>, code: &str) -> PackageError {
    let error = match result {
        Ok(value) => panic!("accepted, expected {code}: {value:?}"),
        Err(e) => e,
    };
    let text = format!("{error} {error:?}");
    assert_eq!(error.code(), code, "{text}");
    for content in [PASSWD_CONTENT, SECRET, "\0"] {
        assert!(!text.contains(content), "{content:?} leaked: {text}");
    }
    error
}

fn households_at(target: &str) -> (tempfile::TempDir, PathBuf) {
    let parent = tempfile::tempdir().must();
    let dir = package(parent.path());
    edit_manifest(
        &dir,
        "file = \"households.csv\"",
        &format!("file = \"{target}\""),
    );
    (parent, dir)
}

#[test]
fn an_absolute_path_is_refused_naming_the_field() {
    for target in ["/etc/passwd", "/proc/self/environ", "/dev/zero"] {
        let (_parent, dir) = households_at(target);
        let error = refused(read_promptly(&dir), "path_outside_package");
        let text = error.to_string();
        assert!(
            text.contains("project.toml") && text.contains("households.file"),
            "{text}"
        );
        assert!(text.contains(target), "the path as written: {text}");
        let PackageError::Path { field, path, .. } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(field.as_deref(), Some("households.file"));
        assert_eq!(path, target);
    }
}

#[test]
fn a_path_climbing_out_is_refused() {
    for target in ["../outside.csv", "./sub/../../outside.csv"] {
        let (_parent, dir) = households_at(target);
        refused(read_promptly(&dir), "path_outside_package");
    }
    let parent = tempfile::tempdir().must();
    let dir = package(parent.path());
    edit_manifest(
        &dir,
        "relocation_file = \"relocation.csv\"",
        "relocation_file = \"../outside.csv\"",
    );
    let error = refused(read_promptly(&dir), "path_outside_package");
    assert!(
        error.to_string().contains("households.relocation_file"),
        "{error}"
    );
    let parent = tempfile::tempdir().must();
    let dir = package(parent.path());
    edit_manifest(
        &dir,
        "file = \"demolition.txt\"",
        "file = \"../outside.csv\"",
    );
    let error = refused(read_promptly(&dir), "path_outside_package");
    assert!(error.to_string().contains("parcels[0].file"), "{error}");
}

#[test]
fn a_symbolic_link_is_refused_wherever_it_is() {
    // The table itself a link to /etc/passwd.
    let parent = tempfile::tempdir().must();
    let dir = package(parent.path());
    std::fs::remove_file(dir.join("households.csv")).must();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("households.csv")).must();
    let error = refused(read_promptly(&dir), "symlink_in_package");
    assert!(error.to_string().contains("households.csv"), "{error}");

    // A folder on the way a link (to /etc), and a link to a file inside the package.
    for (link, target, written) in [
        ("etc", "/etc", "etc/passwd"),
        ("same.csv", "households.csv", "same.csv"),
        ("up", "..", "up/outside.csv"),
    ] {
        let (_parent, dir) = households_at(written);
        std::os::unix::fs::symlink(target, dir.join(link)).must();
        let error = refused(read_promptly(&dir), "symlink_in_package");
        assert!(error.to_string().contains(link), "{error}");
    }

    // project.toml itself.
    let parent = tempfile::tempdir().must();
    let dir = package(parent.path());
    std::fs::rename(dir.join("project.toml"), parent.path().join("real.toml")).must();
    std::os::unix::fs::symlink(parent.path().join("real.toml"), dir.join("project.toml")).must();
    refused(read_promptly(&dir), "symlink_in_package");

    // A parcel file.
    let parent = tempfile::tempdir().must();
    let dir = package(parent.path());
    std::fs::remove_file(dir.join("demolition.txt")).must();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("demolition.txt")).must();
    let error = refused(read_promptly(&dir), "symlink_in_package");
    assert!(error.to_string().contains("parcels[0].file"), "{error}");
}

/// A shapefile's sidecars are found by name beside it: a `.dbf` or `.prj` that is a link is
/// refused too, where `guagou_geo` alone would follow it.
#[test]
fn a_shapefile_sidecar_link_is_refused() {
    let parent = tempfile::tempdir().must();
    let dir = package(parent.path());
    let text = std::fs::read(dir.join("demolition.txt")).must();
    let parcels = guagou_geo::formats::coordtxt::read("demolition.txt", &text).must();
    let parts = guagou_geo::formats::shp::write_parts(&parcels, None).must();
    std::fs::write(dir.join("demolition.shp"), &parts.shp).must();
    std::fs::write(dir.join("demolition.shx"), &parts.shx).must();
    std::fs::write(dir.join("demolition.prj"), &parts.prj).must();
    std::fs::write(dir.join("demolition.dbf"), &parts.dbf).must();
    edit_manifest(
        &dir,
        "file = \"demolition.txt\"",
        "file = \"demolition.shp\"",
    );
    // The real shapefile reads as the coordinate file did.
    let package = read_promptly(&dir).must();
    let read = package.read_parcel_file(0).must();
    assert_eq!(read.parcels.len(), parcels.parcels.len());

    for sidecar in ["demolition.dbf", "demolition.prj"] {
        let saved = dir.join("saved");
        std::fs::rename(dir.join(sidecar), &saved).must();
        std::os::unix::fs::symlink("/etc/passwd", dir.join(sidecar)).must();
        let package = read_promptly(&dir).must();
        let error = refused(package.read_parcel_file(0), "symlink_in_package");
        assert!(error.to_string().contains(sidecar), "{error}");
        std::fs::remove_file(dir.join(sidecar)).must();
        std::fs::rename(&saved, dir.join(sidecar)).must();
    }
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let parent = tempfile::tempdir().must();
    let dir = package(parent.path());
    std::fs::remove_file(dir.join("households.csv")).must();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("households.csv"))
        .status()
        .must();
    assert!(made.success());
    let error = refused(read_promptly(&dir), "not_a_regular_file");
    assert!(error.to_string().contains("fifo"), "{error}");
}

#[test]
fn a_device_inside_the_package_is_refused() {
    // A link to a device is refused as a link; /dev/zero named directly is outside (above).
    let parent = tempfile::tempdir().must();
    let dir = package(parent.path());
    std::fs::remove_file(dir.join("households.csv")).must();
    std::os::unix::fs::symlink("/dev/zero", dir.join("households.csv")).must();
    refused(read_promptly(&dir), "symlink_in_package");
    // The device node itself (/dev/zero's numbers): only where the test may create one (root).
    std::fs::remove_file(dir.join("households.csv")).must();
    let made = std::process::Command::new("mknod")
        .arg(dir.join("households.csv"))
        .args(["c", "1", "5"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let error = refused(read_promptly(&dir), "not_a_regular_file");
        assert!(error.to_string().contains("device"), "{error}");
    }
}

#[test]
fn a_folder_given_as_a_file_is_refused() {
    for target in ["households", ".", "sub/"] {
        let (_parent, dir) = households_at(target);
        std::fs::create_dir_all(dir.join("households")).must();
        std::fs::create_dir_all(dir.join("sub")).must();
        let error = refused(read_promptly(&dir), "not_a_regular_file");
        assert!(error.to_string().contains("directory"), "{target}: {error}");
    }
}

#[test]
fn an_oversized_table_is_refused() {
    let parent = tempfile::tempdir().must();
    let dir = package(parent.path());
    let mut text = std::fs::read_to_string(dir.join("households.csv")).must();
    let row = "H999,某某,511722104201,2,同意,货币安置,否,否\n";
    let rows = (MAX_TABLE_BYTES as usize).div_ceil(row.len()) + 1;
    text.push_str(&row.repeat(rows));
    std::fs::write(dir.join("households.csv"), text).must();
    let error = refused(read_promptly(&dir), "file_too_large");
    let text = error.to_string();
    assert!(
        text.contains("households.csv") && text.contains("16 MB"),
        "{text}"
    );
    // Nothing of the table is quoted either.
    assert!(!text.contains("H999"), "{text}");
}

/// Inside the package, CSV errors may still quote the package's own header names.
#[test]
fn the_packages_own_csv_may_be_quoted() {
    let parent = tempfile::tempdir().must();
    let dir = package(parent.path());
    let text = std::fs::read_to_string(dir.join("households.csv")).must();
    std::fs::write(
        dir.join("households.csv"),
        text.replacen("persons", "headcount", 1),
    )
    .must();
    let Err(error) = read_promptly(&dir) else {
        panic!("an unknown column must be refused");
    };
    assert_eq!(error.code(), "invalid_field");
    assert!(error.to_string().contains("headcount"), "{error}");
}
