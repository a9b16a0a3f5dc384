//! Same arguments → byte-identical files; another seed → other files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{generate_into, options};

fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    out
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two, other) = (
        tmp.path().join("one"),
        tmp.path().join("two"),
        tmp.path().join("other"),
    );
    let first = generate_into(&one, &options(3_001, 11, Some(40)));
    generate_into(&two, &options(3_001, 11, Some(40)));
    generate_into(&other, &options(3_001, 12, Some(40)));
    let (a, b, c) = (contents(&one), contents(&two), contents(&other));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(
            bytes == &b[path],
            "{} differs between two runs",
            path.display()
        );
    }
    // Every file listed in the summary, with its size.
    assert_eq!(first.files.len(), a.len());
    for (path, size) in &first.files {
        assert_eq!(a[path].len() as u64, *size, "{}", path.display());
    }
    for name in [
        "landuse.shp",
        "landuse.dbf",
        "townships.geojson",
        "answers.json",
    ] {
        let path = PathBuf::from(name);
        assert!(
            a[&path] != c[&path],
            "{name} is the same for seeds 11 and 12"
        );
    }
    // The rectangle depends on the county, not the seed.
    assert_eq!(
        a[&PathBuf::from("landuse.prj")],
        c[&PathBuf::from("landuse.prj")]
    );
}
