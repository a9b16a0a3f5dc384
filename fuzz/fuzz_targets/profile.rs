//! `Profile::from_toml` (a policy profile a city writes) on arbitrary text: an error naming
//! the field, never a panic.

#![no_main]

use guagou_domain::Profile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = Profile::from_toml("fuzz.toml", &text);
});
