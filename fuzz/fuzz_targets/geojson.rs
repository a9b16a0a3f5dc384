//! `formats::geojson::read` on arbitrary bytes: must return, never panic or hang.
//!
//! Property: what was read is written back in its own CRS without error, and that output reads
//! back to the same parcel names, attributes and ring structure, with coordinates within
//! 1e-9 (relative) — serde_json's default float parsing may land one ulp off on 17-digit
//! numbers, so bit equality is not asserted.

#![no_main]

use guagou_geo::ParcelFile;
use guagou_geo::formats::geojson::{read, write};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(first) = read("fuzz.geojson", data) else {
        return;
    };
    let text = match write(&first, Some(first.crs)) {
        Ok(text) => text,
        Err(e) => panic!("writing what was read failed: {e}"),
    };
    let second = match read("again.geojson", text.as_bytes()) {
        Ok(file) => file,
        Err(e) => panic!("reading our own output failed: {e}\n{text}"),
    };
    same(&first, &second);
});

fn same(a: &ParcelFile, b: &ParcelFile) {
    assert_eq!(a.crs, b.crs);
    assert_eq!(a.metadata, b.metadata);
    assert_eq!(a.parcels.len(), b.parcels.len());
    for (pa, pb) in a.parcels.iter().zip(&b.parcels) {
        assert_eq!(pa.name, pb.name);
        assert_eq!(pa.attributes, pb.attributes);
        assert_eq!(pa.geometry.0.len(), pb.geometry.0.len());
        for (qa, qb) in pa.geometry.0.iter().zip(&pb.geometry.0) {
            assert_eq!(qa.interiors().len(), qb.interiors().len());
            let ra = std::iter::once(qa.exterior()).chain(qa.interiors());
            let rb = std::iter::once(qb.exterior()).chain(qb.interiors());
            for (la, lb) in ra.zip(rb) {
                assert_eq!(la.0.len(), lb.0.len());
                for (ca, cb) in la.0.iter().zip(&lb.0) {
                    for (u, v) in [(ca.x, cb.x), (ca.y, cb.y)] {
                        assert!((u - v).abs() <= 1e-9 * u.abs().max(1.0), "{u} vs {v}");
                    }
                }
            }
        }
    }
}
