//! The GeoPackage geometry decoders (`wkb::decode_gpkg`, `wkb::decode_wkb`) on arbitrary
//! bytes: must return, never panic. What decodes must encode and decode to the same geometry.

#![no_main]

use guagou_base::wkb::{decode_gpkg, decode_wkb, encode_wkb};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_gpkg(data);
    if let Ok(geometry) = decode_wkb(data) {
        let mut again = Vec::new();
        encode_wkb(&geometry, &mut again);
        let decoded = decode_wkb(&again);
        assert!(
            decoded.as_ref().is_ok_and(|g| g == &geometry),
            "our WKB of a decoded geometry does not decode to it: {decoded:?}"
        );
    }
});
