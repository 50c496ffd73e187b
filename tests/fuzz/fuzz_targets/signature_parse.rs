//! Signature::parse: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = dkimctl::dkim::signature::Signature::parse(data) {
        let _ = sig.key_name();
        assert!(!sig.signed_headers.is_empty());
    }
    let _ = dkimctl::dkim::signature::b_value_range(data);
});
