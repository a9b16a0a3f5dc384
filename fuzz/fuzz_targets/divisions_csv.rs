//! `parse_divisions_csv` (the divisions import) on arbitrary text: an error naming the line
//! and field, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = guagou_registry::divisions::parse_divisions_csv("fuzz.csv", &text);
});
