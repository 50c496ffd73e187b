//! lint over any zone the reader accepts: never panics, and every finding
//! points inside the input (a line that exists, a column from 1).
#![no_main]

use std::path::Path;

use dkimctl::diagnosis::lint::lint;
use dkimctl::zone::{ZoneOptions, parse_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ZoneOptions {
        origin: Some("example.com".into()),
        max_include_depth: 0,
    };
    let lines = u32::try_from(data.iter().filter(|&&b| b == b'\n').count() + 1).unwrap();
    let path = Path::new("fuzz.zone");
    if let Ok(zone) = parse_bytes(data, path, &options) {
        let report = lint(&[(path, &zone)], None);
        for f in &report.findings {
            assert!(f.span.line >= 1 && f.span.line <= lines, "{f:?}");
            assert!(f.span.column >= 1 && f.width >= 1);
            assert!(!f.finding.message.is_empty());
        }
    }
});
