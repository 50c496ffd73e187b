//! The key-record damage rules (`dkim::damage`): the input, cut at NUL
//! bytes into one to four TXT records, through `KeyRecord::parse` (which
//! explains a record that does not parse), `pem_armor` and
//! `split_records`: never a panic, and a joined record always parses.
#![no_main]

use dkimctl::dkim::damage::{pem_armor, split_records};
use dkimctl::dkim::record::KeyRecord;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let texts: Vec<String> = data
        .split(|&b| b == 0)
        .take(4)
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .collect();
    for text in &texts {
        if let Err(error) = KeyRecord::parse(text) {
            let _ = error.code();
            let _ = error.repaired();
            let _ = error.to_string();
        }
        let _ = pem_armor(text);
    }
    if let Some(joined) = split_records(&texts) {
        assert!(KeyRecord::parse(&joined).is_ok(), "{joined:?}");
    }
});
