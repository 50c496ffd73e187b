//! `dkimctl lint` on the zones of fixtures/lint/:
//!
//! - `clean/`: realistic zones (the big providers' DKIM set-ups, split TXT
//!   strings, `_dmarc`, SPF, wildcards, `$INCLUDE`, a DNSSEC-signed zone)
//!   that must give no finding at all;
//! - `mistakes/`: zones whose lines carry `; expect: CODE@COLUMN ...`
//!   annotations, compared with the JSON findings as a multiset of (file,
//!   line, column, code);
//! - `expect/`: `--expect` record sets against zones holding them, or not;
//! - `format/`: one small zone printed in every format (golden files for
//!   human and GitHub output, JSON and SARIF checked field by field);
//! - bad input (binary, unterminated quote, unbalanced parentheses,
//!   `$INCLUDE` loops, missing files): one positioned `error:` line, exit 2,
//!   nothing on standard output;
//! - every fixture that should be valid DNS is loaded by `named-checkzone`
//!   with the same records, and the `*.invalid-dns.zone` ones are refused.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util::{Run, TestDir, assert_golden, assert_text, fixture, required};

/// One finding as the tests compare them: file name, line, column, code.
type Found = (String, u32, u32, String);

/// Runs `dkimctl lint ARGS` in `dir`, so file names in the output are as
/// given (relative), with the harness's scrubbed environment.
fn lint_in(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_dkimctl"))
        .arg("lint")
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("dkimctl runs");
    let run = Run(output);
    assert!(
        !run.stderr().contains("panicked"),
        "dkimctl panicked on {args:?}:\n{}",
        run.stderr()
    );
    run
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
        .to_string()
}

fn number(value: &Value) -> u32 {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or_else(|| panic!("not a line or column: {value}"))
}

/// Every finding of a JSON document, sorted.
fn found(doc: &Value) -> Vec<Found> {
    let mut all: Vec<Found> = doc["findings"]
        .as_array()
        .expect("a findings array")
        .iter()
        .map(|f| {
            (
                file_name(f["file"].as_str().expect("file")),
                number(&f["line"]),
                number(&f["column"]),
                f["code"].as_str().expect("code").to_string(),
            )
        })
        .collect();
    all.sort();
    all
}

/// The `; expect: CODE@COLUMN ...` annotations of `text` (read from
/// `file`), sorted.
fn annotations_in(file: &str, text: &str) -> Vec<Found> {
    let mut all = Vec::new();
    for (i, line) in text.lines().enumerate() {
        // Comment lines describe the syntax; annotations end record lines.
        if line.trim_start().starts_with(';') {
            continue;
        }
        let Some((_, marks)) = line.split_once("; expect:") else {
            continue;
        };
        for mark in marks.split_whitespace() {
            let (code, column) = mark
                .split_once('@')
                .unwrap_or_else(|| panic!("{file}:{}: bad annotation `{mark}`", i + 1));
            let column = column
                .parse()
                .unwrap_or_else(|_| panic!("{file}:{}: bad column in `{mark}`", i + 1));
            let line = u32::try_from(i + 1).expect("line fits");
            all.push((file.to_string(), line, column, code.to_string()));
        }
    }
    all.sort();
    all
}

fn annotations(dir: &Path, files: &[&str]) -> Vec<Found> {
    let mut all = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(dir.join(file))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()));
        all.extend(annotations_in(file, &text));
    }
    all.sort();
    all
}

/// Asserts two sorted multisets of findings are equal, listing what is
/// missing and what is extra.
fn assert_findings(what: &str, got: &[Found], expected: &[Found]) {
    if got == expected {
        return;
    }
    let show = |list: Vec<&Found>| -> String {
        list.iter()
            .map(|(f, l, c, code)| format!("  {f}:{l}:{c} {code}\n"))
            .collect()
    };
    let mut missing: Vec<&Found> = Vec::new();
    let mut extra: Vec<&Found> = got.iter().collect();
    for e in expected {
        match extra.iter().position(|g| *g == e) {
            Some(i) => {
                extra.remove(i);
            }
            None => missing.push(e),
        }
    }
    panic!(
        "{what}: findings differ from the annotations\nexpected, not reported:\n{}reported, not expected:\n{}",
        show(missing),
        show(extra)
    );
}

/// The severity the fixtures' findings have: warnings.zone holds only
/// warnings; elsewhere, the catalogue's severity of the code.
fn severity_of(zone: &str, code: &str) -> &'static str {
    match code {
        _ if zone == "warnings.zone" => "warning",
        "key-weak" | "key-testing" => "warning",
        _ => "error",
    }
}

/// Lints `zone` in fixtures/lint/mistakes and compares the findings with
/// the annotations of `zone` and of the files it includes; also checks
/// each finding's severity, and the exit code (1 with an error, else 0).
fn assert_annotated(zone: &str, included: &[&str]) {
    let dir = fixture("lint/mistakes");
    let run = lint_in(&dir, &["--format", "json", zone]);
    let doc = run.json();
    let mut files = vec![zone];
    files.extend(included);
    let expected = annotations(&dir, &files);
    assert!(!expected.is_empty(), "{zone}: no annotations");
    assert_findings(zone, &found(&doc), &expected);
    for f in doc["findings"].as_array().expect("findings") {
        let code = f["code"].as_str().expect("code");
        assert_eq!(f["severity"], severity_of(zone, code), "{zone}: {f}");
    }
    let errors = expected
        .iter()
        .any(|(_, _, _, c)| severity_of(zone, c) == "error");
    run.assert_exit(if errors { 1 } else { 0 });
    assert_eq!(run.stderr(), "", "{zone}: stderr");
}

// ---------------------------------------------------------------------
// Clean zones: no finding, exit 0.

/// Lints `file` in fixtures/lint/clean and expects exactly "no findings",
/// with the origin note and the record count in the heading line.
fn assert_clean(file: &str, origin: &str, records: usize) {
    let run = lint_in(&fixture("lint/clean"), &[file]);
    run.assert_exit(0);
    run.assert_stdout(&format!(
        "{file} ({origin}, {records} records): no findings\n\n0 errors, 0 warnings in 1 file ({records} records)\n"
    ));
    assert_eq!(run.stderr(), "");
}

/// Google Workspace, Microsoft 365, Amazon SES (from an `$INCLUDE`),
/// SendGrid, Mailchimp, Ed25519, ADSP, `_dmarc`, SPF, MTA-STS, TLS-RPT,
/// CAA, SRV, a wildcard A, escapes in strings.
#[test]
fn clean_providers_zone_has_no_findings() {
    assert_clean(
        "example.com.zone",
        "origin example.com. from the file name",
        39,
    );
}

/// The `db.DOMAIN` file name form, a parked domain: null MX, SPF -all,
/// wildcard A, and the wildcard empty key `*._domainkey` that revokes every
/// selector on purpose.
#[test]
fn clean_parked_domain_has_no_findings() {
    assert_clean(
        "db.example.org",
        "origin example.org. from the file name",
        10,
    );
}

/// `$ORIGIN` moved to a subdomain mid-file and back.
#[test]
fn clean_subdomain_origin_has_no_findings() {
    assert_clean(
        "example.net.zone",
        "origin example.net. from the file name",
        16,
    );
}

/// Absolute names only, no origin anywhere.
#[test]
fn clean_absolute_names_without_origin_have_no_findings() {
    assert_clean("absolute-names.zone", "no origin: absolute names only", 7);
}

/// `_domainkey` (DomainKeys policy), `_adsp._domainkey` and
/// `_report._domainkey` (RFC 6651) are not keys.
#[test]
fn clean_policy_records_under_domainkey_have_no_findings() {
    assert_clean(
        "policies.example.zone",
        "origin policies.example. from the file name",
        7,
    );
}

/// Keys under subdomains: one in the zone whose label is also a TLD (`eu`,
/// `us`), one delegated by NS records (its data is elsewhere).
#[test]
fn clean_keys_under_subdomains_have_no_findings() {
    assert_clean(
        "regions.example.zone",
        "origin regions.example. from the file name",
        12,
    );
}

/// A zone as `dnssec-signzone` writes it: RRSIG and NSEC beside CNAMEs.
#[test]
fn clean_dnssec_signed_zone_has_no_findings() {
    assert_clean(
        "signed.example.zone",
        "origin signed.example. from the file name",
        38,
    );
}

// ---------------------------------------------------------------------
// Mistakes: the annotated findings, exactly.

#[test]
fn names_mistakes_are_found_where_annotated() {
    assert_annotated("names.zone", &[]);
}

#[test]
fn cname_mistakes_are_found_where_annotated() {
    assert_annotated("cnames.zone", &[]);
}

#[test]
fn key_mistakes_are_found_where_annotated() {
    assert_annotated("keys.zone", &[]);
}

#[test]
fn warnings_are_found_where_annotated() {
    assert_annotated("warnings.zone", &[]);
}

#[test]
fn long_strings_are_found_where_annotated() {
    assert_annotated("strings.invalid-dns.zone", &[]);
}

#[test]
fn cname_beside_other_data_is_found_where_annotated() {
    assert_annotated("cname-data.invalid-dns.zone", &[]);
}

/// A finding in an `$INCLUDE`d file names that file, with a tab-separated
/// line's column counted in characters.
#[test]
fn mistakes_in_an_included_file_are_found_there() {
    assert_annotated("include.zone", &["include-dkim.inc"]);
}

/// The duplicated suffix under a subdomain's `$ORIGIN`.
#[test]
fn duplicated_suffix_under_a_subdomain_origin_is_found() {
    assert_annotated("subdomain-origin.zone", &[]);
}

/// `_domainkey` twice, in a delegated `_domainkey.example.com` zone.
#[test]
fn domainkey_twice_in_a_domainkey_zone_is_found() {
    assert_annotated("_domainkey.example.com.zone", &[]);
}

/// CRLF line endings change no position.
#[test]
fn crlf_line_endings_keep_positions() {
    let text = std::fs::read_to_string(fixture("lint/mistakes/names.zone")).expect("names.zone");
    let crlf = text.replace('\n', "\r\n");
    let dir = TestDir::new();
    dir.write("names.zone", &crlf);
    let run = lint_in(dir.path(), &["--format", "json", "names.zone"]);
    run.assert_exit(1);
    assert_findings(
        "names.zone with CRLF",
        &found(&run.json()),
        &annotations_in("names.zone", &crlf),
    );
    // The quoted line has no stray carriage return.
    let human = lint_in(dir.path(), &["names.zone"]);
    assert!(!human.stdout().contains('\r'), "{}", human.stdout());
}

/// Every fixture in fixtures/lint/ is used by a test above.
#[test]
fn every_lint_fixture_is_tested() {
    let known: BTreeSet<&str> = [
        "clean/absolute-names.zone",
        "clean/db.example.org",
        "clean/example.com-ses.inc",
        "clean/example.com.zone",
        "clean/example.net.zone",
        "clean/policies.example.zone",
        "clean/regions.example.zone",
        "clean/signed.example.zone",
        "mistakes/_domainkey.example.com.zone",
        "mistakes/cname-data.invalid-dns.zone",
        "mistakes/cnames.zone",
        "mistakes/include-dkim.inc",
        "mistakes/include.zone",
        "mistakes/keys.zone",
        "mistakes/names.zone",
        "mistakes/strings.invalid-dns.zone",
        "mistakes/subdomain-origin.zone",
        "mistakes/warnings.zone",
        "expect/byodkim.csv",
        "expect/example.com.zone",
        "expect/hosted.csv",
        "expect/malformed.csv",
        "expect/missing-cname.zone",
        "expect/other-key.zone",
        "expect/other-target.zone",
        "expect/other-token.zone",
        "expect/wrong-token.zone",
        "format/example.com.zone",
        "format/example.com.human.out",
        "format/example.com.github.out",
    ]
    .into_iter()
    .collect();
    let mut present = BTreeSet::new();
    for folder in ["clean", "mistakes", "expect", "format"] {
        for entry in std::fs::read_dir(fixture(&format!("lint/{folder}"))).expect("folder") {
            let name = entry.expect("entry").file_name();
            present.insert(format!("{folder}/{}", name.to_string_lossy()));
        }
    }
    let present: BTreeSet<&str> = present.iter().map(String::as_str).collect();
    assert_eq!(present, known, "fixtures/lint/ and this list differ");
}

// ---------------------------------------------------------------------
// --expect

/// Runs `lint --format json --expect CSV ZONE` in fixtures/lint/expect.
fn expect_json(csv: &str, zone: &str) -> (Run, Value) {
    let run = lint_in(
        &fixture("lint/expect"),
        &["--format", "json", "--expect", csv, zone],
    );
    let doc = run.json();
    (run, doc)
}

fn one(file: &str, line: u32, column: u32, code: &str) -> Vec<Found> {
    vec![(file.to_string(), line, column, code.to_string())]
}

#[test]
fn expect_holds_when_the_zone_has_every_record() {
    for csv in ["hosted.csv", "byodkim.csv"] {
        let (run, doc) = expect_json(csv, "example.com.zone");
        run.assert_exit(0);
        assert_findings(csv, &found(&doc), &[]);
    }
}

/// The CSV as `dkimctl records --csv` writes it (CRLF line ends): the
/// missing second CNAME is reported at its row, line 3.
#[test]
fn expect_missing_cname_is_reported_at_its_csv_row() {
    let (run, doc) = expect_json("hosted.csv", "missing-cname.zone");
    run.assert_exit(1);
    assert_findings(
        "missing-cname.zone",
        &found(&doc),
        &one("hosted.csv", 3, 1, "record-missing"),
    );
    let f = &doc["findings"][0];
    assert_eq!(
        f["subject"],
        "lbbk3spasyz2vglapff7cvwvozljcjim._domainkey.example.com"
    );
    assert_eq!(
        f["fix"],
        "lbbk3spasyz2vglapff7cvwvozljcjim._domainkey.example.com. 3600 IN CNAME lbbk3spasyz2vglapff7cvwvozljcjim.dkim.amazonses.com."
    );
}

/// The same CSV with LF line ends.
#[test]
fn expect_missing_cname_with_lf_csv_is_reported_at_its_row() {
    let dir = TestDir::new();
    let csv = std::fs::read_to_string(fixture("lint/expect/hosted.csv")).expect("hosted.csv");
    dir.write("hosted.csv", csv.replace("\r\n", "\n"));
    let zone = fixture("lint/expect/missing-cname.zone");
    let zone = zone.to_str().expect("utf-8 path");
    let run = lint_in(
        dir.path(),
        &["--format", "json", "--expect", "hosted.csv", zone],
    );
    run.assert_exit(1);
    assert_findings(
        "missing-cname.zone",
        &found(&run.json()),
        &one("hosted.csv", 3, 1, "record-missing"),
    );
}

/// A CNAME into another region's key host: the token is right, so only
/// the record set tells it is wrong.
#[test]
fn expect_other_target_is_reported_at_the_target() {
    let (run, doc) = expect_json("hosted.csv", "other-target.zone");
    run.assert_exit(1);
    assert_findings(
        "other-target.zone",
        &found(&doc),
        &one("other-target.zone", 12, 54, "cname-target-mismatch"),
    );
    let message = doc["findings"][0]["message"].as_str().expect("message");
    assert!(
        message.contains("cogrsajbqxdep54eedmx37gtlkekcop6.dkim.eu-west-1.amazonses.com"),
        "{message}"
    );
}

/// A CNAME to another token's target is one mistake: one finding, though
/// both the zone check and the record set see it.
#[test]
fn expect_other_token_is_reported_once() {
    let (run, doc) = expect_json("hosted.csv", "other-token.zone");
    run.assert_exit(1);
    assert_findings(
        "other-token.zone",
        &found(&doc),
        &one("other-token.zone", 10, 54, "cname-target-mismatch"),
    );
}

#[test]
fn expect_wrong_verification_token_is_reported_at_the_txt() {
    for csv in ["hosted.csv", "byodkim.csv"] {
        let (run, doc) = expect_json(csv, "wrong-token.zone");
        run.assert_exit(1);
        assert_findings(
            csv,
            &found(&doc),
            &one("wrong-token.zone", 13, 19, "verification-missing"),
        );
    }
}

#[test]
fn expect_other_key_is_a_key_mismatch_at_the_txt() {
    let (run, doc) = expect_json("byodkim.csv", "other-key.zone");
    run.assert_exit(1);
    assert_findings(
        "other-key.zone",
        &found(&doc),
        &one("other-key.zone", 14, 26, "key-mismatch"),
    );
    // hosted.csv names no key: the other key is no business of it.
    let (run, doc) = expect_json("hosted.csv", "other-key.zone");
    run.assert_exit(0);
    assert_findings("other-key.zone", &found(&doc), &[]);
}

#[test]
fn malformed_or_missing_expect_file_is_exit_2() {
    let dir = fixture("lint/expect");
    let run = lint_in(&dir, &["--expect", "malformed.csv", "example.com.zone"]);
    run.assert_exit(2).assert_stdout("").assert_stderr(
        "error: malformed.csv:3: type `MX`: a DKIM record set has only CNAME and TXT rows\n",
    );
    let run = lint_in(&dir, &["--expect", "nowhere.csv", "example.com.zone"]);
    run.assert_exit(2)
        .assert_stdout("")
        .assert_stderr("error: reading nowhere.csv: no such file or directory\n");
    // A zone file given as the record set: no `Type,Name,Value` header.
    let run = lint_in(&dir, &["--expect", "example.com.zone", "example.com.zone"]);
    run.assert_exit(2).assert_stdout("");
    let stderr = run.stderr();
    assert!(
        stderr.starts_with("error: example.com.zone:1: ") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

/// Inputs read from FIFOs (a pull request's zone piped in by CI, a
/// process substitution) are read once: the report, with its quoted lines
/// (a zone's, an `--expect` row's), is the one regular files give, and
/// `lint` does not wait on a FIFO for a second read.
#[test]
fn fifo_inputs_are_read_once_and_quoted_alike() {
    let cases: [&[&str]; 2] = [
        &[
            "hosted.csv",
            "other-target.zone",
            "_domainkey.example.com.zone",
        ],
        &["hosted.csv", "missing-cname.zone"],
    ];
    for files in cases {
        let regular = TestDir::new();
        let piped = TestDir::new();
        let mut args = vec!["--expect"];
        for &name in files {
            args.push(name);
            let from = ["lint/expect", "lint/mistakes"]
                .map(|dir| fixture(dir).join(name))
                .into_iter()
                .find(|path| path.exists())
                .expect("fixture");
            let bytes = std::fs::read(from).expect("fixture");
            regular.write(name, &bytes);
            let fifo = piped.join(name);
            let made = Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .expect("mkfifo runs");
            assert!(made.success(), "mkfifo {}", fifo.display());
            // Written once, by a writer that opens it when lint does.
            std::thread::spawn(move || {
                if let Ok(mut writer) = std::fs::OpenOptions::new().write(true).open(&fifo) {
                    let _ = std::io::Write::write_all(&mut writer, &bytes);
                }
            });
        }
        let want = lint_in(regular.path(), &args);
        assert!(
            want.stdout().contains(" | "),
            "quotes lines:\n{}",
            want.stdout()
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_dkimctl"))
            .arg("lint")
            .args(&args)
            .current_dir(piped.path())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dkimctl starts");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while child.try_wait().expect("wait").is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("lint {args:?} still waits on a FIFO after 30 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let got = crate::util::Run(child.wait_with_output().expect("output"));
        assert_eq!(got.code(), want.code(), "{args:?}");
        assert_text(&got.stdout(), &want.stdout());
        assert_eq!(got.stderr(), want.stderr());
    }
}

// ---------------------------------------------------------------------
// Output formats, on fixtures/lint/format/example.com.zone.

const FORMAT_ZONE: &str = "example.com.zone";

fn format_run(args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.push(FORMAT_ZONE);
    let run = lint_in(&fixture("lint/format"), &all);
    run.assert_exit(1);
    assert_eq!(run.stderr(), "");
    run
}

#[test]
fn human_output_matches_the_golden_file() {
    let run = format_run(&[]);
    assert_golden("lint/format/example.com.human.out", &run.0.stdout);
    // --format human is the default.
    assert_eq!(format_run(&["--format", "human"]).stdout(), run.stdout());
}

#[test]
fn json_output_has_every_field() {
    let doc = format_run(&["--format", "json"]).json();
    assert_eq!(
        doc["files"],
        serde_json::json!([{
            "file": "example.com.zone",
            "origin": "example.com.",
            "origin_source": "file_name",
            "records": 6,
        }])
    );
    assert_eq!(
        doc["summary"],
        serde_json::json!({"errors": 2, "warnings": 1, "infos": 0, "files": 1, "records": 6})
    );
    let findings = doc["findings"].as_array().expect("findings");
    let got: Vec<(&str, &str, &str, u64, u64)> = findings
        .iter()
        .map(|f| {
            let keys: BTreeSet<&str> = f
                .as_object()
                .expect("object")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(
                keys,
                [
                    "code", "column", "file", "fix", "line", "message", "severity", "subject"
                ]
                .into_iter()
                .collect(),
                "{f}"
            );
            assert_eq!(f["file"], FORMAT_ZONE);
            assert!(!f["message"].as_str().expect("message").is_empty());
            (
                f["code"].as_str().expect("code"),
                f["severity"].as_str().expect("severity"),
                f["subject"].as_str().expect("subject"),
                f["line"].as_u64().expect("line"),
                f["column"].as_u64().expect("column"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "duplicated-suffix",
                "error",
                "ivfc3i6bv4744fack4oobw5csau3bv4v._domainkey.example.com",
                10,
                54
            ),
            ("key-weak", "warning", "weak._domainkey.example.com", 12, 24),
            (
                "missing-underscore",
                "error",
                "s1.domainkey.example.com",
                14,
                1
            ),
        ]
    );
    assert_eq!(
        findings[0]["fix"],
        "ivfc3i6bv4744fack4oobw5csau3bv4v._domainkey.example.com. 3600 IN CNAME ivfc3i6bv4744fack4oobw5csau3bv4v.dkim.amazonses.com."
    );
    assert_eq!(
        findings[2]["fix"],
        "delete the record at s1.domainkey.example.com. and publish: s1._domainkey.example.com. 3600 IN TXT \"v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvEeBURV28GXum3RB8EZ4cOK+nmY=\""
    );
}

#[test]
fn github_output_matches_the_golden_file() {
    let run = format_run(&["--format", "github"]);
    assert_golden("lint/format/example.com.github.out", &run.0.stdout);
    let stdout = run.stdout();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "one line per finding:\n{stdout}");
    for line in &lines {
        assert!(
            line.starts_with("::error file=example.com.zone,line=")
                || line.starts_with("::warning file=example.com.zone,line="),
            "{line}"
        );
        // The fix is on the annotation's second line: an escaped newline.
        assert!(line.contains("%0Afix: "), "{line}");
    }
}

/// `,` and `:` in the file name are escaped in `file=` (GitHub's
/// escapeProperty) and in the SARIF URI; the rest is unchanged.
#[test]
fn file_names_are_escaped_in_github_and_sarif_output() {
    let dir = TestDir::new();
    let text = std::fs::read(fixture("lint/format/example.com.zone")).expect("zone");
    dir.write("a,b:c.zone", text);
    let run = lint_in(
        dir.path(),
        &[
            "--origin",
            "example.com",
            "--format",
            "github",
            "a,b:c.zone",
        ],
    );
    run.assert_exit(1);
    let golden = std::fs::read_to_string(fixture("lint/format/example.com.github.out"))
        .expect("golden github output");
    assert_text(
        &run.stdout(),
        &golden.replace("file=example.com.zone,", "file=a%2Cb%3Ac.zone,"),
    );
    let run = lint_in(
        dir.path(),
        &["--origin", "example.com", "--format", "sarif", "a,b:c.zone"],
    );
    let doc = run.json();
    for result in doc["runs"][0]["results"].as_array().expect("results") {
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "a%2Cb%3Ac.zone"
        );
    }
}

#[test]
fn sarif_output_is_sarif_2_1_0() {
    let json_doc = format_run(&["--format", "json"]).json();
    let doc = format_run(&["--format", "sarif"]).json();
    assert_eq!(doc["version"], "2.1.0");
    let schema = doc["$schema"].as_str().expect("$schema");
    assert!(
        schema.starts_with("https://") && schema.contains("sarif") && schema.contains("2.1.0"),
        "{schema}"
    );
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "dkimctl");
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "rule ids repeat: {ids:?}");
    assert_eq!(
        unique,
        ["duplicated-suffix", "key-weak", "missing-underscore"]
            .into_iter()
            .collect()
    );
    let results = runs[0]["results"].as_array().expect("results");
    let findings = json_doc["findings"].as_array().expect("findings");
    assert_eq!(results.len(), findings.len());
    for (result, finding) in results.iter().zip(findings) {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "{result}");
        assert_eq!(result["ruleId"], finding["code"]);
        let level = match finding["severity"].as_str() {
            Some("error") => "error",
            Some("warning") => "warning",
            _ => "note",
        };
        assert_eq!(result["level"], level, "{result}");
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], FORMAT_ZONE);
        assert_eq!(location["region"]["startLine"], finding["line"]);
        assert_eq!(location["region"]["startColumn"], finding["column"]);
        let text = result["message"]["text"].as_str().expect("message");
        assert!(
            text.contains(finding["message"].as_str().expect("message")),
            "{text}"
        );
    }
    validate_sarif_schema(&doc);
}

/// An absolute path becomes a `file://` URI.
#[test]
fn sarif_uri_of_an_absolute_path_is_a_file_uri() {
    let path = fixture("lint/format/example.com.zone");
    let path = path.to_str().expect("utf-8 path");
    let run = lint_in(&fixture("lint"), &["--format", "sarif", path]);
    run.assert_exit(1);
    let doc = run.json();
    let uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .expect("uri")
        .to_string();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/fixtures/lint/format/example.com.zone"),
        "{uri}"
    );
}

/// Validates against the SARIF 2.1.0 JSON schema when a copy is at hand
/// (`DKIMCTL_SARIF_SCHEMA=path/to/sarif-schema-2.1.0.json`) and python3
/// has `jsonschema`; nothing is downloaded.
fn validate_sarif_schema(doc: &Value) {
    let Some(schema) = std::env::var_os("DKIMCTL_SARIF_SCHEMA") else {
        eprintln!(
            "notice: DKIMCTL_SARIF_SCHEMA not set; SARIF schema validation skipped (structure checked)"
        );
        return;
    };
    let dir = TestDir::new();
    let file = dir.write("out.sarif", doc.to_string());
    let script = "import json,sys,jsonschema\n\
                  schema=json.load(open(sys.argv[1]))\n\
                  jsonschema.validate(json.load(open(sys.argv[2])), schema)\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "SARIF schema validation failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------
// Exit codes and origins.

#[test]
fn warnings_alone_exit_0_and_1_with_strict() {
    let dir = fixture("lint/mistakes");
    lint_in(&dir, &["warnings.zone"]).assert_exit(0);
    lint_in(&dir, &["--strict", "warnings.zone"]).assert_exit(1);
    // --strict changes nothing on a clean zone.
    lint_in(&fixture("lint/clean"), &["--strict", "example.com.zone"]).assert_exit(0);
}

#[test]
fn several_files_are_reported_together() {
    let run = lint_in(
        &fixture("lint"),
        &["clean/example.com.zone", "mistakes/warnings.zone"],
    );
    run.assert_exit(0);
    let stdout = run.stdout();
    assert!(
        stdout.starts_with(
            "clean/example.com.zone (origin example.com. from the file name, 39 records): no findings\n\nmistakes/warnings.zone (origin example.com. from $ORIGIN, 11 records)\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("\n0 errors, 5 warnings in 2 files (50 records)\n"),
        "{stdout}"
    );
}

/// Where the origin came from, in the human heading and in JSON.
#[test]
fn origin_sources_are_reported() {
    let lint = fixture("lint");
    for (args, heading, origin, source) in [
        (
            &["--origin", "example.org", "clean/db.example.org"][..],
            "clean/db.example.org (origin example.org. from --origin, 10 records)",
            Value::from("example.org."),
            "option",
        ),
        (
            &["--origin", "example.org.", "clean/db.example.org"][..],
            "clean/db.example.org (origin example.org. from --origin, 10 records)",
            Value::from("example.org."),
            "option",
        ),
        (
            &["mistakes/names.zone"][..],
            "mistakes/names.zone (origin example.com. from $ORIGIN, 23 records)",
            Value::from("example.com."),
            "directive",
        ),
        (
            &["clean/db.example.org"][..],
            "clean/db.example.org (origin example.org. from the file name, 10 records)",
            Value::from("example.org."),
            "file_name",
        ),
        (
            &["clean/absolute-names.zone"][..],
            "clean/absolute-names.zone (no origin: absolute names only, 7 records)",
            Value::Null,
            "none",
        ),
    ] {
        let human = lint_in(&lint, args);
        let first = human
            .stdout()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(first.starts_with(heading), "{args:?}: {first}");
        let mut with_json = vec!["--format", "json"];
        with_json.extend(args);
        let doc = lint_in(&lint, &with_json).json();
        assert_eq!(doc["files"][0]["origin"], origin, "{args:?}");
        assert_eq!(doc["files"][0]["origin_source"], source, "{args:?}");
    }
}

// ---------------------------------------------------------------------
// Bad input: exit 2, one positioned error line, nothing on stdout.

/// Lints `file` in `dir` in every format: exit 2, `error` on stderr (one
/// line), nothing on stdout except GitHub's annotation of it.
fn assert_unreadable(dir: &Path, file: &str, error: &str) {
    for format in ["human", "json", "sarif"] {
        let run = lint_in(dir, &["--format", format, file]);
        run.assert_exit(2)
            .assert_stdout("")
            .assert_stderr(&format!("{error}\n"));
    }
    let run = lint_in(dir, &["--format", "github", file]);
    run.assert_exit(2).assert_stderr(&format!("{error}\n"));
    let stdout = run.stdout();
    assert!(
        stdout.starts_with("::error ") && stdout.lines().count() == 1,
        "{file}: {stdout}"
    );
}

#[test]
fn bad_zone_files_are_positioned_errors() {
    let dir = fixture("zone");
    for (file, error) in [
        (
            "binary.zone",
            "error: binary.zone:2:8: binary content: NUL byte",
        ),
        (
            "unterminated.zone",
            "error: unterminated.zone:4:4: unterminated quoted string",
        ),
        (
            "unbalanced.zone",
            "error: unbalanced.zone:3:19: unbalanced parentheses: `(` is never closed",
        ),
        (
            "loop.example.zone",
            "error: loop.inc:2:10: $INCLUDE loop: loop.example.zone is already being read",
        ),
        (
            "missing-include.zone",
            "error: missing-include.zone:3:10: $INCLUDE not-there.inc: no such file or directory",
        ),
    ] {
        assert_unreadable(&dir, file, error);
    }
}

#[test]
fn missing_file_and_directory_are_errors() {
    let dir = fixture("lint");
    assert_unreadable(
        &dir,
        "nowhere.zone",
        "error: reading nowhere.zone: no such file or directory",
    );
    assert_unreadable(&dir, "clean", "error: reading clean: is a directory");
}

/// More broken files, written here: a DKIM key whose quote or
/// parenthesis is never closed, a stray `)`, nested parentheses, a file
/// that includes itself, and a UTF-16 export.
#[test]
fn broken_key_records_are_positioned_errors() {
    let dir = TestDir::new();
    let head = "$ORIGIN example.com.\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n  NS ns1\n";
    for (file, body, error) in [
        (
            "quote.zone",
            "s1._domainkey TXT \"v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvEeBURV28GXum3RB8EZ4cOK+nmY=\n",
            "error: quote.zone:4:19: unterminated quoted string",
        ),
        (
            "paren.zone",
            "s1._domainkey TXT ( \"v=DKIM1; k=rsa; \"\n  \"p=MIIB\"\nwww A 192.0.2.1\n",
            "error: paren.zone:4:19: unbalanced parentheses: `(` is never closed",
        ),
        (
            "close.zone",
            "s1._domainkey TXT \"v=DKIM1; p=\" )\n",
            "error: close.zone:4:33: unbalanced parentheses: `)` without `(`",
        ),
        (
            "nested.zone",
            "s1._domainkey TXT ( \"v=DKIM1; \" ( \"p=\" ) )\n",
            "error: nested.zone:4:33: nested parentheses",
        ),
        (
            "self.zone",
            "$INCLUDE self.zone\n",
            "error: self.zone:4:10: $INCLUDE loop: self.zone is already being read",
        ),
    ] {
        dir.write(file, format!("{head}{body}"));
        assert_unreadable(dir.path(), file, error);
    }
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(head.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    dir.write("utf16.zone", utf16);
    let run = lint_in(dir.path(), &["utf16.zone"]);
    run.assert_exit(2).assert_stdout("");
    let stderr = run.stderr();
    assert!(
        stderr.starts_with("error: utf16.zone:1:")
            && stderr.contains("binary content")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
}

/// A backslash at the end of a line is a bad escape; the error stays one
/// line (the line break is not quoted raw into the message).
#[test]
fn bad_escape_at_end_of_line_is_a_one_line_error() {
    let dir = TestDir::new();
    dir.write(
        "escape.zone",
        "$ORIGIN example.com.\ns1._domainkey TXT v=DKIM1\\0\nwww A 192.0.2.1\n",
    );
    let run = lint_in(dir.path(), &["escape.zone"]);
    run.assert_exit(2).assert_stdout("");
    let stderr = run.stderr();
    assert!(
        stderr.starts_with("error: escape.zone:2:26: bad escape") && stderr.lines().count() == 1,
        "{stderr:?}"
    );
}

/// One unreadable file among good ones: exit 2, and nothing is written
/// for the others either.
#[test]
fn one_bad_file_in_a_batch_is_exit_2() {
    let run = lint_in(
        &fixture("lint"),
        &["clean/example.com.zone", "../zone/unbalanced.zone"],
    );
    run.assert_exit(2).assert_stdout("").assert_stderr(
        "error: ../zone/unbalanced.zone:3:19: unbalanced parentheses: `(` is never closed\n",
    );
}

// ---------------------------------------------------------------------
// named-checkzone: the linter and a real server agree on the files.

fn named_checkzone() -> Option<PathBuf> {
    for dir in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"] {
        let path = Path::new(dir).join("named-checkzone");
        if path.exists() {
            return Some(path);
        }
    }
    if required() {
        panic!("named-checkzone is missing and DKIMCTL_REQUIRE_PEERS=1 (install bind9-utils)");
    }
    eprintln!("notice: named-checkzone not found (bind9-utils); lint fixture check skipped");
    None
}

/// Every valid fixture zone: (folder, origin, file).
const VALID_DNS: &[(&str, &str, &str)] = &[
    ("clean", "example.com", "example.com.zone"),
    ("clean", "example.org", "db.example.org"),
    ("clean", "example.net", "example.net.zone"),
    ("clean", "example.edu", "absolute-names.zone"),
    ("clean", "policies.example", "policies.example.zone"),
    ("clean", "regions.example", "regions.example.zone"),
    ("clean", "signed.example", "signed.example.zone"),
    ("mistakes", "example.com", "names.zone"),
    ("mistakes", "example.com", "cnames.zone"),
    ("mistakes", "example.com", "keys.zone"),
    ("mistakes", "example.com", "warnings.zone"),
    ("mistakes", "example.com", "include.zone"),
    ("mistakes", "example.com", "subdomain-origin.zone"),
    (
        "mistakes",
        "_domainkey.example.com",
        "_domainkey.example.com.zone",
    ),
    ("expect", "example.com", "example.com.zone"),
    ("expect", "example.com", "missing-cname.zone"),
    ("expect", "example.com", "other-target.zone"),
    ("expect", "example.com", "other-token.zone"),
    ("expect", "example.com", "wrong-token.zone"),
    ("expect", "example.com", "other-key.zone"),
    ("format", "example.com", "example.com.zone"),
];

/// Records as BIND counts them: identical records are one.
fn distinct_records(zone: &dkimctl::zone::Zone) -> usize {
    let mut seen = BTreeSet::new();
    for record in &zone.records {
        let mut data = serde_json::to_value(&record.rdata).expect("rdata serializes");
        canonical(&mut data);
        seen.insert(format!(
            "{} {} {data}",
            record.owner.resolved.to_ascii_lowercase(),
            record.record_type
        ));
    }
    seen.len()
}

/// Drops what BIND does not keep (positions, how a name or string was
/// written) and lowercases names.
fn canonical(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in ["span", "written", "relative", "quoted"] {
                map.remove(key);
            }
            if let Some(Value::String(name)) = map.get_mut("resolved") {
                *name = name.to_ascii_lowercase();
            }
            map.values_mut().for_each(canonical);
        }
        Value::Array(items) => items.iter_mut().for_each(canonical),
        _ => {}
    }
}

/// BIND loads every valid fixture, with as many records as the reader
/// (identical ones merged). It runs in the fixture's folder: BIND
/// resolves `$INCLUDE` against its working directory.
#[test]
fn valid_fixtures_pass_named_checkzone() {
    let Some(checker) = named_checkzone() else {
        return;
    };
    for (folder, origin, file) in VALID_DNS {
        let dir = fixture(&format!("lint/{folder}"));
        let out = Command::new(&checker)
            .args(["-i", "none", "-D", "-o", "-", origin, file])
            .current_dir(&dir)
            .output()
            .expect("named-checkzone runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{folder}/{file}: named-checkzone refused it:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let zone =
            dkimctl::zone::read_zone(&dir.join(file), &dkimctl::zone::ZoneOptions::default())
                .unwrap_or_else(|e| panic!("{folder}/{file}: {e}"));
        let bind = stdout
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with(';'))
            .count();
        assert_eq!(
            distinct_records(&zone),
            bind,
            "{folder}/{file}: BIND holds another number of records:\n{stdout}"
        );
    }
}

/// The `*.invalid-dns.zone` fixtures are refused, for the reason they hold.
#[test]
fn invalid_dns_fixtures_fail_named_checkzone() {
    let Some(checker) = named_checkzone() else {
        return;
    };
    let dir = fixture("lint/mistakes");
    for (file, reasons) in [
        (
            "strings.invalid-dns.zone",
            &[
                "strings.invalid-dns.zone:19: syntax error",
                "strings.invalid-dns.zone:24: syntax error",
            ][..],
        ),
        (
            "cname-data.invalid-dns.zone",
            &["CNAME and other data", "multiple RRs of singleton type"][..],
        ),
    ] {
        let out = Command::new(&checker)
            .args(["-i", "none", "example.com", file])
            .current_dir(&dir)
            .output()
            .expect("named-checkzone runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "{file}: BIND loaded it:\n{text}");
        for reason in reasons {
            assert!(text.contains(reason), "{file}: no `{reason}` in:\n{text}");
        }
    }
    // Every invalid-dns fixture is in the list above.
    let listed: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("mistakes folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".invalid-dns.zone"))
        .collect();
    assert_eq!(
        listed,
        ["cname-data.invalid-dns.zone", "strings.invalid-dns.zone"]
            .into_iter()
            .map(String::from)
            .collect()
    );
}

#[test]
fn control_characters_in_a_zone_reach_the_terminal_only_as_text() {
    let dir = crate::util::TestDir::new();
    // \027 is ESC in zone-file syntax; a key record that does not parse is
    // echoed in its finding.
    dir.write(
        "example.com.zone",
        "$ORIGIN example.com.\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n  IN NS ns1\nns1 IN A 192.0.2.1\ns1._domainkey IN TXT \"v=DKIM1; k=rsa; p=\\027[2J\\007AAAA\"\n",
    );
    let run = dir.cmd(&["lint", "example.com.zone"]).run();
    let out = run.stdout();
    assert!(!out.is_empty());
    assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
    let github = dir
        .cmd(&["lint", "--format", "github", "example.com.zone"])
        .run()
        .stdout();
    assert!(
        !github.chars().any(|c| c.is_control() && c != '\n'),
        "{github:?}"
    );
}
