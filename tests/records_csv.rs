//! One record-set CSV reader: `lint --expect` and `diagnose --records` read
//! what `records --csv` writes, take the same hand edits (trailing dots,
//! any case, blank lines, LF or CRLF, quoting), and refuse the same bad
//! files with the same `error:` line and exit 2.

use crate::util::{Run, TestDir, fx};

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// The three tokens of a provider-hosted set.
const TOKENS: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,cccccccccccccccccccccccccccccccc";

/// `lint --expect FILE` on the diagnose fixture zone.
fn lint(dir: &TestDir, csv: &str) -> Run {
    let zone = fx("diagnose/example.com.zone");
    dir.cmd(&["lint", "--expect", csv, &zone]).run()
}

/// `diagnose example.com --records FILE`, offline from the same zone.
fn diagnose(dir: &TestDir, csv: &str) -> Run {
    let (example, provider) = (
        fx("diagnose/example.com.zone"),
        fx("diagnose/provider.zone"),
    );
    dir.cmd(&[
        "diagnose",
        "example.com",
        "--records",
        csv,
        "--zone",
        &example,
        "--zone",
        &provider,
    ])
    .run()
}

#[test]
fn both_commands_refuse_a_bad_file_in_the_same_words() {
    let dir = TestDir::new();
    let relative = dir
        .cmd(&[
            "records",
            "example.com",
            "--tokens",
            TOKENS,
            "--csv",
            "--relative",
        ])
        .run();
    relative.assert_exit(0);
    dir.write("relative.csv", &relative.0.stdout);
    dir.write(
        "mx.csv",
        "Type,Name,Value\r\n\r\nMX,example.com,10 mx.example.com\r\n",
    );
    dir.write(
        "no-header.csv",
        format!("CNAME,{A}._domainkey.example.com,{A}.dkim.amazonses.com\n"),
    );
    dir.write(
        "two-fields.csv",
        "Type,Name,Value\nTXT,_amazonses.example.com\n",
    );
    dir.write(
        "binary.csv",
        b"Type,Name,Value\nTXT,_amazonses.example.com,\xff\xfe\n",
    );
    dir.write(
        "huge.csv",
        format!(
            "Type,Name,Value\n{}",
            "TXT,_amazonses.example.com,x\n".repeat(40_000)
        ),
    );
    for (file, error) in [
        (
            "relative.csv",
            format!("error: relative.csv:2: name `{A}._domainkey` is not a fully qualified name (write the CSV with `dkimctl records DOMAIN --csv`, without --relative)\n"),
        ),
        (
            "mx.csv",
            "error: mx.csv:3: type `MX`: a DKIM record set has only CNAME and TXT rows\n".into(),
        ),
        (
            "no-header.csv",
            "error: no-header.csv:1: expected the header `Type,Name,Value` (the CSV `dkimctl records --csv` writes)\n".into(),
        ),
        (
            "two-fields.csv",
            "error: two-fields.csv:2: expected 3 fields (Type,Name,Value), found 2\n".into(),
        ),
        (
            "huge.csv",
            "error: huge.csv is larger than 1048576 bytes, the limit for a record-set CSV\n".into(),
        ),
        (
            "absent.csv",
            "error: reading absent.csv: no such file or directory\n".into(),
        ),
    ] {
        lint(&dir, file).assert_exit(2).assert_stdout("").assert_stderr(&error);
        diagnose(&dir, file).assert_exit(2).assert_stdout("").assert_stderr(&error);
    }
    // Bad UTF-8: in words, not the csv crate's positions, the same from both.
    let (l, d) = (lint(&dir, "binary.csv"), diagnose(&dir, "binary.csv"));
    l.assert_exit(2)
        .assert_stderr("error: binary.csv:2: not UTF-8 text: a record set is text\n");
    d.assert_exit(2).assert_stderr(&l.stderr());
}

#[test]
fn both_commands_read_what_records_writes_and_hand_edits() {
    let dir = TestDir::new();
    let written = dir
        .cmd(&[
            "records",
            "example.com",
            "--tokens",
            TOKENS,
            "--verification-token",
            "tok=",
            "--csv",
        ])
        .run();
    written.assert_exit(0);
    let text = String::from_utf8(written.0.stdout.clone()).unwrap();
    assert!(text.starts_with("Type,Name,Value\r\n"), "{text}");
    // A user's edits: LF, the header in capitals, a blank line, trailing
    // dots, names in capitals, a quoted field.
    let edited = text
        .replace("\r\n", "\n\n")
        .replace("Type,Name,Value", "TYPE,NAME,VALUE")
        .replace("._domainkey.example.com,", "._domainkey.Example.COM.,")
        .replace(
            "TXT,_amazonses.example.com,tok=",
            "TXT,\"_amazonses.example.com.\",\"tok=\"",
        );
    dir.write("written.csv", &text);
    dir.write("edited.csv", &edited);
    for file in ["written.csv", "edited.csv"] {
        // Both read the file and report on the zone: no error line.
        let run = lint(&dir, file);
        assert_ne!(run.code(), 2, "lint {file}: {}", run.stderr());
        assert!(!run.stderr().contains("error:"), "{}", run.stderr());
        let run = diagnose(&dir, file);
        assert_ne!(run.code(), 2, "diagnose {file}: {}", run.stderr());
        assert!(!run.stderr().contains("error:"), "{}", run.stderr());
    }
    // The same findings from the file as written and as edited.
    let findings = |file: &str| {
        let zone = fx("diagnose/example.com.zone");
        let run = dir
            .cmd(&["lint", "--expect", file, &zone, "--format", "json"])
            .run();
        let doc = run.json();
        let codes: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["code"], f["message"]))
            .collect();
        codes
    };
    let (w, e) = (findings("written.csv"), findings("edited.csv"));
    assert!(!w.is_empty());
    // Row numbers differ (the blank lines); the rest does not.
    let strip = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .map(|s| s.split(" (row").next().unwrap().to_string())
            .collect()
    };
    assert_eq!(strip(w), strip(e));
}
