//! zone::route53::parse_route53 then lint: never panics on any bytes; every
//! error and every record has a position inside the input.
#![no_main]

use std::path::Path;

use dkimctl::diagnosis::lint::lint;
use dkimctl::zone::ZoneOptions;
use dkimctl::zone::route53::parse_route53;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = u32::try_from(data.iter().filter(|&&b| b == b'\n').count() + 1).unwrap();
    let path = Path::new("fuzz.json");
    match parse_route53(data, path, &ZoneOptions::default()) {
        Ok(zone) => {
            for record in &zone.records {
                assert!(record.span.line >= 1 && record.span.line <= lines);
                assert!(record.owner.resolved.ends_with('.'));
            }
            let report = lint(&[(path, &zone)], None);
            for f in &report.findings {
                assert!(f.span.line >= 1 && f.span.line <= lines, "{f:?}");
            }
        }
        Err(e) => {
            let span = e.span().expect("in-memory errors are positioned");
            assert!(span.line >= 1 && span.line <= lines && span.column >= 1);
        }
    }
});
