//! `formats::coordtxt::read` on arbitrary bytes: must return, never panic or hang.
//! Whatever it reads must also be writable as GeoJSON in its own CRS (no panic there either).

#![no_main]

use guagou_geo::formats::{coordtxt, geojson};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = coordtxt::read("fuzz.txt", data) {
        let _ = geojson::write(&file, Some(file.crs));
    }
});
