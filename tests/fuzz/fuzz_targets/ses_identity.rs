//! `ses::parse` (the AWS CLI's SES output shapes) and what `records` and
//! `diagnose` do with its documents (`about_domain`, `record_inputs`,
//! labels): never panic on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks whether an identity is given, as IDENTITY=FILE does.
    let (identity, bytes) = match data.split_first() {
        Some((b, rest)) if b % 2 == 0 => (Some("example.com"), rest),
        Some((_, rest)) => (None, rest),
        None => (None, data),
    };
    let Ok(docs) = dkimctl::ses::parse(bytes, "fuzz.json", identity) else {
        return;
    };
    for doc in &docs {
        let _ = (doc.label(), doc.region(), doc.is_byodkim());
    }
    if let Ok(docs) = dkimctl::ses::about_domain(docs, "example.com") {
        let _ = dkimctl::ses::record_inputs(&docs);
    }
});
