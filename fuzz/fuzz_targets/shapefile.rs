//! `formats::shp::read_parts` and `read_zip` on arbitrary bytes: must return, never panic,
//! hang or allocate beyond the input's size (plus the zip limit).
//!
//! Input layout (so that one input can carry all the parts and mutations stay meaningful):
//! a flags byte, then length-prefixed parts. Flags bit 0 set: the rest is a zip for
//! `read_zip_with_limits` (16 MiB limit, so that a bomb costs milliseconds; the default-limit
//! path is the same code). Otherwise four parts follow, each a u32 little-endian length
//! (clamped to what is left) and its bytes: .shp, .dbf, .prj, .cpg; flags bits 1, 2, 3 drop
//! the .dbf, .prj, .cpg respectively. `fuzz/make_seeds.py` writes seeds in this layout.
//!
//! Property: a shapefile that reads is written back (or refused only as `too_large`, for a
//! 255-byte dBase value), and our output reads back to the same names and geometry.

#![no_main]

use guagou_geo::ParcelFile;
use guagou_geo::formats::shp::{ZipLimits, read_parts, read_zip_with_limits, write_parts};
use libfuzzer_sys::fuzz_target;

fn take<'a>(data: &mut &'a [u8]) -> &'a [u8] {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return std::mem::take(data);
    };
    let n = (u32::from_le_bytes(*len) as usize).min(rest.len());
    let (part, tail) = rest.split_at(n);
    *data = tail;
    part
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    if flags & 1 == 1 {
        let limits = ZipLimits {
            max_entries: 64,
            max_uncompressed_bytes: 16 << 20,
        };
        let _ = read_zip_with_limits("fuzz.zip", rest, limits);
        return;
    }
    let shp = take(&mut rest);
    let dbf = take(&mut rest);
    let prj = String::from_utf8_lossy(take(&mut rest)).into_owned();
    let cpg = String::from_utf8_lossy(take(&mut rest)).into_owned();
    let dbf = (flags & 2 == 0).then_some(dbf);
    let prj = (flags & 4 == 0).then_some(prj.as_str());
    let cpg = (flags & 8 == 0).then_some(cpg.as_str());
    if let Ok(file) = read_parts("fuzz.shp", shp, dbf, prj, cpg) {
        round_trip(&file);
    }
});

fn round_trip(first: &ParcelFile) {
    let parts = match write_parts(first, None) {
        Ok(parts) => parts,
        Err(e) if e.code() == "too_large" => return,
        Err(e) => panic!("writing what was read failed: {e}"),
    };
    let second = match read_parts(
        "again.shp",
        &parts.shp,
        Some(&parts.dbf),
        Some(&parts.prj),
        Some(&parts.cpg),
    ) {
        Ok(file) => file,
        Err(e) => panic!("reading our own output failed: {e}"),
    };
    assert_eq!(first.crs, second.crs);
    assert_eq!(first.parcels.len(), second.parcels.len());
    for (a, b) in first.parcels.iter().zip(&second.parcels) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.geometry, b.geometry);
    }
}
