//! A GeoPackage file (what `import landuse` and `check --base` read) from arbitrary bytes:
//! `gpkg::read_parcels` must return an error or parcels, never panic, whatever the file
//! holds (a damaged SQLite file, a wrong schema, broken geometry blobs).

#![no_main]

use std::io::Write;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile::Builder::new().suffix(".gpkg").tempfile() else {
        return;
    };
    if file.write_all(data).is_err() {
        return;
    }
    let path = file.path().to_path_buf();
    let _ = runtime().block_on(guagou_base::gpkg::read_parcels(&path, None));
});
