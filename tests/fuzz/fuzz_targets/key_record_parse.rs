//! KeyRecord::parse: never panics on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(record) = dkimctl::dkim::record::KeyRecord::parse(&text) {
        let _ = record.is_testing();
        let _ = record.is_strict_identity();
    }
});
