//! An uploaded project package zip: `unpack_package` (zip-slip, symlinks, duplicates, bombs)
//! then `Package::read` (manifest, parcel files, households) on whatever unpacked. Errors
//! are expected; a panic, a hang or a runaway allocation is a finding.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(unpacked) = guagou_registry::packages::unpack_package("fuzz.zip", data) else {
        return;
    };
    let _ = guagou_check::Package::read(unpacked.dir());
});
