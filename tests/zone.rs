//! The zone-file reader (`dkimctl::zone`) on the fixtures of
//! fixtures/zone/: a realistic zone read exactly, DKIM mistakes kept with
//! their positions, bad input as positioned errors, and every fixture that
//! is valid DNS accepted by `named-checkzone`.

use std::path::{Path, PathBuf};
use std::process::Command;

use dkimctl::zone::{ErrorKind, OriginSource, RData, ZoneOptions, read_zone};

use crate::util::{TestDir, fixture, required};

fn read(name: &str) -> dkimctl::zone::Zone {
    read_zone(&fixture(&format!("zone/{name}")), &ZoneOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

#[test]
fn realistic_zone_is_read_exactly() {
    let zone = read("example.com.zone");
    assert_eq!(zone.origin.as_deref(), Some("example.com."));
    assert_eq!(zone.origin_source, OriginSource::FileName);
    let got: Vec<(String, String, String, u32, u32)> = zone
        .records
        .iter()
        .map(|r| {
            (
                file_name(&r.span.file).to_string(),
                r.owner.resolved.clone(),
                r.record_type.to_string(),
                r.span.line,
                r.span.column,
            )
        })
        .collect();
    let zone_file = "example.com.zone";
    let inc = "example.com-easydkim.inc";
    let expected: Vec<(&str, &str, &str, u32, u32)> = vec![
        (zone_file, "example.com.", "SOA", 4, 1),
        (zone_file, "example.com.", "NS", 10, 9),
        (zone_file, "example.com.", "NS", 11, 9),
        (zone_file, "example.com.", "MX", 12, 9),
        (zone_file, "example.com.", "MX", 13, 9),
        (zone_file, "example.com.", "A", 14, 9),
        (zone_file, "example.com.", "AAAA", 15, 9),
        (zone_file, "example.com.", "TXT", 16, 9),
        (zone_file, "example.com.", "CAA", 17, 9),
        (zone_file, "ns1.example.com.", "A", 18, 1),
        (zone_file, "mx1.example.com.", "A", 19, 1),
        (zone_file, "www.example.com.", "CNAME", 20, 1),
        (zone_file, "*.dev.example.com.", "A", 21, 1),
        (zone_file, "_dmarc.example.com.", "TXT", 22, 1),
        (zone_file, "_sip._tcp.example.com.", "SRV", 23, 1),
        (zone_file, "s2048._domainkey.example.com.", "TXT", 25, 1),
        (
            inc,
            "4ckq6dyc7ocz3nxlgarjeqpyisvwuxce._domainkey.example.com.",
            "CNAME",
            3,
            1,
        ),
        (
            inc,
            "vhz2b6lmg2mm3hy4frpkjrnqcxgfsfaf._domainkey.example.com.",
            "CNAME",
            4,
            1,
        ),
        (
            inc,
            "m5trqhodvtfzpccrsyqcqqlcrfmzx7cw._domainkey.example.com.",
            "CNAME",
            5,
            1,
        ),
        (zone_file, "_amazonses.example.com.", "TXT", 30, 1),
    ];
    let expected: Vec<(String, String, String, u32, u32)> = expected
        .into_iter()
        .map(|(f, o, t, l, c)| (f.into(), o.into(), t.into(), l, c))
        .collect();
    assert_eq!(got, expected);

    // TTLs: $TTL, an explicit one, and the SOA's.
    assert_eq!(zone.records[0].ttl, Some(3600));
    assert_eq!(
        (zone.records[10].ttl, zone.records[10].ttl_written),
        (Some(300), true)
    );
    assert_eq!(zone.records[11].ttl, Some(3600));

    // The split DKIM key: two strings, 255 bytes and the rest, each placed.
    let RData::Txt { strings } = &zone.records[15].rdata else {
        panic!("not TXT: {:?}", zone.records[15].rdata);
    };
    let placed: Vec<_> = strings
        .iter()
        .map(|s| (s.len(), s.span.line, s.span.column))
        .collect();
    assert_eq!(placed, vec![(255, 25, 27), (155, 26, 9)]);
    let joined: Vec<u8> = strings.iter().flat_map(|s| s.bytes.clone()).collect();
    assert!(joined.starts_with(b"v=DKIM1; k=rsa; p=MIIBIjAN"));

    // The Easy DKIM targets are absolute.
    for record in &zone.records[16..19] {
        let RData::Cname { target } = &record.rdata else {
            panic!("not CNAME");
        };
        assert!(!target.relative, "{}", target.written);
        assert!(target.resolved.ends_with(".dkim.amazonses.com."));
        assert_eq!(
            (target.span.line, target.span.column),
            (record.span.line, 43)
        );
    }
}

#[test]
fn mistakes_are_kept_with_positions() {
    let zone = read("mistakes.example.zone");
    assert_eq!(zone.origin.as_deref(), Some("mistakes.example."));
    assert_eq!(zone.origin_source, OriginSource::Directive);
    let cname = &zone.records[3];
    let RData::Cname { target } = &cname.rdata else {
        panic!("not CNAME: {cname:?}");
    };
    assert_eq!(target.written, "tok1.dkim.amazonses.com");
    assert_eq!(target.resolved, "tok1.dkim.amazonses.com.mistakes.example.");
    assert!(target.relative);
    assert_eq!(
        (cname.span.line, target.span.line, target.span.column),
        (9, 9, 23)
    );
    // Duplicates are not merged.
    assert_eq!(zone.records[4].rdata_spans[0].line, 11);
    assert_eq!(zone.records[5].rdata_spans[0].line, 12);
    assert_eq!(
        zone.records[4].owner.resolved,
        zone.records[5].owner.resolved
    );
    assert_eq!(
        zone.records[6].owner.resolved,
        "s2.domainkey.mistakes.example."
    );
}

#[test]
fn bad_input_is_a_positioned_error() {
    for (name, kind, at, message) in [
        (
            "binary.zone",
            "nul",
            ("binary.zone", 2, 8),
            "binary content: NUL byte",
        ),
        (
            "unterminated.zone",
            "quote",
            ("unterminated.zone", 4, 4),
            "unterminated quoted string",
        ),
        (
            "unbalanced.zone",
            "paren",
            ("unbalanced.zone", 3, 19),
            "unbalanced parentheses: `(` is never closed",
        ),
        (
            "loop.example.zone",
            "loop",
            ("loop.inc", 2, 10),
            "$INCLUDE loop: ",
        ),
        (
            "missing-include.zone",
            "missing",
            ("missing-include.zone", 3, 10),
            "$INCLUDE ",
        ),
    ] {
        let path = fixture(&format!("zone/{name}"));
        let err = read_zone(&path, &ZoneOptions::default()).expect_err(name);
        let span = err.span().unwrap_or_else(|| panic!("{name}: no position"));
        assert_eq!(
            (file_name(&span.file), span.line, span.column),
            at,
            "{name}: {err}"
        );
        let ok = matches!(
            (kind, err.kind()),
            ("nul", Some(ErrorKind::NulByte))
                | ("quote", Some(ErrorKind::UnterminatedQuote))
                | ("paren", Some(ErrorKind::UnclosedParen))
                | ("loop", Some(ErrorKind::IncludeLoop(_)))
                | ("missing", Some(ErrorKind::IncludeUnreadable { .. }))
        );
        assert!(ok, "{name}: {err:?}");
        let text = err.to_string();
        let prefix = format!("{}:{}:{}: {message}", span.file.display(), at.1, at.2);
        assert!(text.starts_with(&prefix), "{name}: {text}");
    }
    let err = read_zone(&fixture("zone/nowhere.zone"), &ZoneOptions::default()).unwrap_err();
    assert!(err.span().is_none());
    assert!(err.to_string().contains("nowhere.zone: "), "{err}");
}

#[test]
fn origin_option_overrides_the_file_name() {
    let options = ZoneOptions {
        origin: Some("example.org".into()),
        ..ZoneOptions::default()
    };
    let zone = read_zone(&fixture("zone/example.com.zone"), &options).expect("reads");
    assert_eq!(zone.origin.as_deref(), Some("example.org."));
    assert_eq!(zone.origin_source, OriginSource::Option);
    assert_eq!(zone.records[9].owner.resolved, "ns1.example.org.");
}

fn named_checkzone() -> Option<PathBuf> {
    let path = Path::new("/usr/bin/named-checkzone");
    if path.exists() {
        return Some(path.to_path_buf());
    }
    if required() {
        panic!("named-checkzone is missing and DKIMCTL_REQUIRE_PEERS=1 (install bind9-utils)");
    }
    eprintln!("notice: named-checkzone not found (bind9-utils); zone fixture check skipped");
    None
}

/// The valid fixtures mean the same to BIND: it loads them, with the same
/// number of records. `$INCLUDE` is relative to BIND's working directory, so
/// it runs in fixtures/zone/.
#[test]
fn valid_fixtures_pass_named_checkzone() {
    let Some(checker) = named_checkzone() else {
        return;
    };
    for (origin, file) in [
        ("example.com", "example.com.zone"),
        ("mistakes.example", "mistakes.example.zone"),
    ] {
        let out = Command::new(&checker)
            .args(["-D", "-o", "-", origin, file])
            .current_dir(fixture("zone"))
            .output()
            .expect("named-checkzone runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{file}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // BIND merges identical duplicates; we keep them.
        let ours = read(file);
        let mut distinct: Vec<String> = ours
            .records
            .iter()
            .map(|r| {
                format!(
                    "{} {} {:?}",
                    r.owner.resolved.to_lowercase(),
                    r.record_type,
                    strip_spans(&r.rdata)
                )
            })
            .collect();
        distinct.sort();
        distinct.dedup();
        let bind = stdout.lines().filter(|l| !l.trim().is_empty()).count();
        assert_eq!(distinct.len(), bind, "{file}: {stdout}");
    }
}

fn strip_spans(rdata: &RData) -> String {
    match rdata {
        RData::Txt { strings } => {
            format!("{:?}", strings.iter().map(|s| &s.bytes).collect::<Vec<_>>())
        }
        other => serde_json::to_value(other)
            .map(|mut v| {
                strip(&mut v);
                v.to_string()
            })
            .unwrap_or_default(),
    }
}

fn strip(value: &mut serde_json::Value) {
    if let Some(map) = value.as_object_mut() {
        map.remove("span");
        map.values_mut().for_each(strip);
    }
}

/// The TXT records of a zone text, each as its strings, read by the reader
/// `lint` uses.
fn txt_strings(text: &str) -> Vec<Vec<Vec<u8>>> {
    let zone = dkimctl::zone::parse_str(text, Some("example.com."), Path::new("t.zone"))
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    zone.records
        .iter()
        .filter_map(|r| match &r.rdata {
            RData::Txt { strings } => Some(strings.iter().map(|s| s.bytes.clone()).collect()),
            _ => None,
        })
        .collect()
}

#[test]
fn fix_lines_read_back_to_the_same_value() {
    // One string over 255 bytes holding a quote, a backslash, control
    // characters and non-ASCII text: lint's fix splits and quotes it, and
    // the fix line, read back by the zone reader, holds the same bytes in
    // strings of at most 255.
    let value = format!(
        "v=spf1 \\\"quoted\\\" back\\\\slash tab\\009 crlf\\013\\010 esc\\027[0m caf\\195\\169 {}",
        "x".repeat(250)
    );
    let zone = format!("$ORIGIN example.com.\nlong 3600 IN TXT \"{value}\"\n");
    let dir = TestDir::new();
    dir.write("example.com.zone", &zone);
    let run = dir
        .cmd(&["lint", "--format", "json", "example.com.zone"])
        .run();
    run.assert_exit(1);
    let doc = run.json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc:#}");
    assert_eq!(findings[0]["code"], "txt-string-too-long");
    let fix = findings[0]["fix"].as_str().unwrap();
    assert!(fix.starts_with("long.example.com. 3600 IN TXT \""), "{fix}");
    assert!(
        !fix.chars().any(|c| c.is_control() || !c.is_ascii()),
        "{fix:?}"
    );

    let original: Vec<u8> = txt_strings(&zone).concat().concat();
    assert!(original.contains(&b'\x1b') && original.contains(&b'"'));
    let fixed = txt_strings(&format!("{fix}\n"));
    assert_eq!(fixed.len(), 1, "{fix}");
    assert!(
        fixed[0].len() > 1 && fixed[0].iter().all(|s| s.len() <= 255),
        "{fix}"
    );
    assert_eq!(fixed[0].concat(), original, "{fix}");

    // And lint is content with the fix.
    dir.write("fixed.example.com.zone", format!("{fix}\n"));
    dir.cmd(&["lint", "--origin", "example.com.", "fixed.example.com.zone"])
        .run()
        .assert_exit(0);
}
