//! key::load_private_key: never panics on any file contents.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = dkimctl::key::load_private_key(data);
});
