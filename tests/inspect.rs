//! `dkimctl inspect`: the explanation blocks, alignment, provider
//! signatures, Authentication-Results, `--show-canonical`, JSON, exit codes.
//! The body-hash forensics have their own fixtures (fixtures/forensics/).

use crate::util::{NOW, TestDir, fx};

/// `message` signed by the binary with `extra` sign flags.
fn sign(dir: &TestDir, message: &[u8], extra: &[&str]) -> Vec<u8> {
    dir.write("unsigned.eml", message);
    let key = fx("keys/rsa2048.pem");
    let mut args = vec![
        "sign",
        "unsigned.eml",
        "--domain",
        "example.com",
        "--now",
        NOW,
    ];
    if !extra.contains(&"--key") {
        args.extend(["--selector", "rsa2048", "--key", &key]);
    }
    args.extend(extra);
    let run = dir.cmd(&args).run();
    run.assert_exit(0);
    run.0.stdout
}

fn inspect(dir: &TestDir, message: &[u8], extra: &[&str]) -> crate::util::Run {
    dir.write("msg.eml", message);
    let zone = fx("keys/keys.zone");
    let mut args = vec!["inspect", "msg.eml", "--zone", &zone];
    if !extra.contains(&"--now") {
        args.extend(["--now", NOW]);
    }
    args.extend(extra);
    dir.cmd(&args).run()
}

fn plain() -> Vec<u8> {
    std::fs::read(fx("messages/plain.eml")).unwrap()
}

fn codes(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["severity"].as_str().unwrap(),
                f["code"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_passing_signature_explained() {
    let dir = TestDir::new();
    let signed = sign(&dir, &plain(), &["--expire", "7d"]);
    let run = inspect(&dir, &signed, &[]);
    run.assert_exit(0);
    let out = run.stdout();
    for needle in [
        "From: joe@example.com (domain example.com, organizational domain example.com)",
        "DKIM-Signature #1: pass",
        "RSA signature over a SHA-256 hash",
        "the signature (2048 bits)",
        "signed at 2023-11-14 22:13:20 UTC",
        "expires at 2023-11-21 22:13:20 UTC",
        "Signed fields: from (oversigned), subject, date, to, message-id, mime-version, content-type",
        "Alignment with From: strict (d= is the From domain)",
        "No findings.",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn json_document_shape() {
    let dir = TestDir::new();
    let signed = sign(&dir, &plain(), &[]);
    let run = inspect(&dir, &signed, &["--json"]);
    run.assert_exit(0);
    let doc = run.json();
    assert_eq!(doc["file"], "msg.eml");
    assert_eq!(doc["from"]["domain"], "example.com");
    assert_eq!(doc["summary"], "all_pass");
    let sig = &doc["signatures"][0];
    assert_eq!(sig["verdict"]["result"], "pass");
    assert_eq!(sig["alignment"], "strict");
    assert_eq!(
        sig["tags"][0],
        serde_json::json!({"tag": "v", "value": "1", "meaning": "DKIM-Signature version"})
    );
    assert_eq!(
        sig["tags"][2]["meaning"],
        "header relaxed (whitespace and case tolerant), body relaxed (whitespace and case tolerant)"
    );
    assert_eq!(
        sig["signed_fields"][0],
        serde_json::json!({"name": "from", "listed": 2, "present": 1, "state": "oversigned"})
    );
    assert_eq!(doc["findings"], serde_json::json!([]));
}

#[test]
fn provider_signature_is_named_and_the_aligned_one_matters() {
    let dir = TestDir::new();
    let ed = fx("keys/ed25519.pem");
    let rsa = fx("keys/rsa2048.pem");
    // Our signature plus one "by Amazon SES", whose key we do not have.
    let signed = sign(&dir, &plain(), &["--selector", "rsa2048", "--key", &rsa]);
    dir.write("ours.eml", &signed);
    let run = dir
        .cmd(&[
            "sign",
            "ours.eml",
            "--domain",
            "amazonses.com",
            "--selector",
            "ed25519",
            "--key",
            &ed,
            "--now",
            NOW,
        ])
        .run();
    run.assert_exit(0);
    let both = run.0.stdout;
    let run = inspect(&dir, &both, &["--json"]);
    run.assert_exit(1);
    let doc = run.json();
    assert_eq!(doc["signatures"][0]["provider"]["name"], "Amazon SES");
    assert_eq!(doc["signatures"][0]["alignment"], "none");
    assert_eq!(doc["signatures"][1]["alignment"], "strict");
    assert_eq!(doc["signatures"][1]["verdict"]["result"], "pass");
    assert_eq!(
        codes(&doc),
        ["error:record-missing", "info:provider-signature"]
    );
    let provider = &doc["findings"][1]["message"];
    assert!(
        provider
            .as_str()
            .unwrap()
            .contains("this is Amazon SES's own signature (d=amazonses.com), not yours"),
        "{provider}"
    );
    // Our own aligned signature passes: nothing to set up.
    assert_eq!(
        doc["findings"][1]["fix"],
        "nothing to do: your own aligned signature (DKIM-Signature #2, d=example.com) passes"
    );
    assert_eq!(
        doc["findings"][1]["subject"],
        "DKIM-Signature #1 at line 1 (d=amazonses.com s=ed25519)"
    );
}

#[test]
fn signatures_are_numbered_among_signatures_with_their_line() {
    let dir = TestDir::new();
    let signed = sign(&dir, &plain(), &[]);
    // Three trace fields above the only signature, as a receiver adds.
    let mut received =
        b"Received: from a.example by b.example;\r\n Tue, 14 Nov 2023 22:13:20 +0000\r\n\
Received: from b.example by c.example; Tue, 14 Nov 2023 22:13:21 +0000\r\n\
Return-Path: <joe@example.com>\r\n"
            .to_vec();
    received.extend(
        String::from_utf8(signed)
            .unwrap()
            .replace("hungry", "thirsty")
            .into_bytes(),
    );
    let run = inspect(&dir, &received, &["--json"]);
    run.assert_exit(1);
    let doc = run.json();
    let sig = &doc["signatures"][0];
    assert_eq!(
        (&sig["field_index"], &sig["number"], &sig["line"]),
        (&3.into(), &1.into(), &5.into())
    );
    assert_eq!(
        doc["findings"][0]["subject"],
        "DKIM-Signature #1 at line 5 (d=example.com s=rsa2048)"
    );
    let human = inspect(&dir, &received, &[]).stdout();
    assert!(
        human.contains("DKIM-Signature #1: fail [body-hash-mismatch]"),
        "{human}"
    );
    assert!(!human.contains("DKIM-Signature #4"), "{human}");
}

#[test]
fn unaligned_signature_and_duplicate_from() {
    let dir = TestDir::new();
    let rsa = fx("keys/rsa2048.pem");
    let other = String::from_utf8(plain())
        .unwrap()
        .replace("joe@example.com", "joe@example.org");
    let signed = sign(&dir, other.as_bytes(), &[]);
    // Signatures that pass, but DMARC cannot: an error, exit 1.
    let doc = inspect(&dir, &signed, &["--json"]).assert_exit(1).json();
    assert_eq!(codes(&doc), ["warning:not-aligned", "error:not-aligned"]);
    let twice = String::from_utf8(plain()).unwrap().replacen(
        "From: Joe",
        "From: Eve <eve@example.com>\r\nFrom: Joe",
        1,
    );
    let signed = sign(
        &dir,
        twice.as_bytes(),
        &["--selector", "rsa2048", "--key", &rsa],
    );
    let doc = inspect(&dir, &signed, &["--json"]).assert_exit(1).json();
    assert_eq!(
        doc["from_problem"],
        serde_json::json!({"kind": "duplicate", "count": 2})
    );
    assert_eq!(codes(&doc)[0], "error:duplicate-from");
}

#[test]
fn earlier_verifiers_are_compared() {
    let dir = TestDir::new();
    let signed = sign(&dir, &plain(), &[]);
    let mut with_ar = b"Authentication-Results: mx.example.net; dkim=fail header.d=example.com header.s=rsa2048\r\n".to_vec();
    with_ar.extend_from_slice(&signed);
    let run = inspect(&dir, &with_ar, &[]);
    run.assert_exit(0);
    assert!(
        run.stdout().contains("  mx.example.net (Authentication-Results): dkim=fail d=example.com s=rsa2048; dkimctl: #1 pass  <- disagrees"),
        "{}",
        run.stdout()
    );
    let doc = inspect(&dir, &with_ar, &["--json"]).json();
    assert_eq!(codes(&doc), ["warning:results-disagree"]);
}

#[test]
fn failures_carry_findings_with_fixes() {
    let dir = TestDir::new();
    let signed = sign(&dir, &plain(), &["--expire", "1h", "--body-length"]);
    let doc = inspect(&dir, &signed, &["--json", "--now", "1700009999"])
        .assert_exit(1)
        .json();
    assert_eq!(
        codes(&doc),
        ["error:signature-expired", "error:not-aligned"]
    );
    let doc = inspect(&dir, &signed, &["--json", "--now", "1700000001"])
        .assert_exit(0)
        .json();
    assert_eq!(codes(&doc), ["warning:length-limit"]);
    assert_eq!(doc["findings"][0]["fix"], "sign without l=");
}

#[test]
fn show_canonical_prints_exactly_what_is_hashed() {
    let dir = TestDir::new();
    let signed = sign(&dir, &plain(), &["-c", "relaxed/simple"]);
    let run = inspect(&dir, &signed, &["--show-canonical"]);
    run.assert_exit(0);
    let out = run.stdout();
    assert!(out.starts_with("== DKIM-Signature #1: canonicalized header fields (input of b=)\nfrom:Joe SixPack <joe@example.com>\r\nsubject:Is dinner ready?\r\n"), "{out}");
    assert!(out.contains("dkim-signature:v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=rsa2048; t=1700000000; h=from:subject:date:to:message-id:mime-version:content-type:from; bh="), "{out}");
    assert!(out.contains("; b=\n== DKIM-Signature #1: canonicalized body (input of bh=), 55 bytes\nHi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n== end\n"), "{out}");
}

#[test]
fn no_signature_and_bad_input() {
    let dir = TestDir::new();
    let doc = inspect(&dir, &plain(), &["--json"]).assert_exit(1).json();
    assert_eq!(codes(&doc), ["error:no-signature"]);
    inspect(&dir, b"garbage without colon\n", &[])
        .assert_exit(2)
        .assert_stdout("")
        .assert_stderr(
            "error: msg.eml: not an RFC 5322 message: header line 1 is not a field (no colon)\n",
        );
}

#[test]
fn forensics_fixtures_get_their_exact_verdict() {
    let dir = TestDir::new();
    let zone = fx("keys/keys.zone");
    for (fixture, field, kind, code) in [
        (
            "body-other-canon",
            "body_change",
            "other-canonicalization",
            "body-hash-mismatch",
        ),
        (
            "body-cr-doubled",
            "body_change",
            "line-endings",
            "body-hash-mismatch",
        ),
        (
            "body-trailing-whitespace",
            "body_change",
            "trailing-whitespace",
            "body-hash-mismatch",
        ),
        (
            "body-trailing-blank-lines",
            "body_change",
            "trailing-blank-lines",
            "body-hash-mismatch",
        ),
        (
            "body-footer",
            "body_change",
            "footer-appended",
            "body-hash-mismatch",
        ),
        (
            "body-quoted-printable",
            "body_change",
            "reencoded",
            "body-hash-mismatch",
        ),
        (
            "body-base64-decoded",
            "body_change",
            "reencoded",
            "body-hash-mismatch",
        ),
        (
            "body-rewrapped",
            "body_change",
            "rewrapped",
            "body-hash-mismatch",
        ),
        ("body-truncated", "body_change", "truncated", "length-limit"),
        (
            "body-edited",
            "body_change",
            "unknown",
            "body-hash-mismatch",
        ),
        (
            "header-key-other",
            "header_change",
            "key-mismatch",
            "key-mismatch",
        ),
        (
            "header-key-size",
            "header_change",
            "key-mismatch",
            "key-mismatch",
        ),
        (
            "header-from-added",
            "header_change",
            "field-added",
            "signature-mismatch",
        ),
        (
            "header-subject-added",
            "header_change",
            "field-added",
            "signature-mismatch",
        ),
        (
            "header-to-removed",
            "header_change",
            "fields-changed",
            "signature-mismatch",
        ),
        (
            "header-subject-edited",
            "header_change",
            "content-changed",
            "signature-mismatch",
        ),
        (
            "header-ed25519-from-added",
            "header_change",
            "field-added",
            "signature-mismatch",
        ),
        (
            "header-ed25519-edited",
            "header_change",
            "content-changed",
            "signature-mismatch",
        ),
    ] {
        let path = fx(&format!("forensics/{fixture}.eml"));
        let run = dir
            .cmd(&["inspect", &path, "--zone", &zone, "--now", NOW, "--json"])
            .run();
        run.assert_exit(1);
        let doc = run.json();
        let sig = &doc["signatures"][0];
        assert_eq!(sig[field]["kind"], kind, "{fixture}: {sig:#}");
        let finding = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("{fixture}: no {code} finding in {:#}", doc["findings"]));
        let sentence = finding["fix"].as_str().unwrap_or_default().to_string();
        let text = dir
            .cmd(&["inspect", &path, "--zone", &zone, "--now", NOW])
            .run();
        let label = if field == "body_change" {
            "Body: "
        } else {
            "Header: "
        };
        assert!(
            text.stdout().contains(label),
            "{fixture}: {}",
            text.stdout()
        );
        if code != "key-mismatch" && code != "length-limit" {
            assert!(
                text.stdout().contains(&sentence[..sentence.len().min(30)]),
                "{fixture}: {sentence}"
            );
        }
    }
}

#[test]
fn the_footer_is_shown_in_one_sentence() {
    let dir = TestDir::new();
    let run = dir
        .cmd(&[
            "inspect",
            &fx("forensics/body-footer.eml"),
            "--zone",
            &fx("keys/keys.zone"),
            "--now",
            NOW,
        ])
        .run();
    run.assert_exit(1);
    let body_line = run
        .stdout()
        .lines()
        .find(|l| l.starts_with("Body: "))
        .unwrap_or_default()
        .to_string();
    assert!(
        body_line.starts_with("Body: text was appended"),
        "{body_line}"
    );
}

#[test]
fn control_characters_in_the_message_reach_the_terminal_only_as_text() {
    let dir = TestDir::new();
    let hostile = String::from_utf8(plain())
        .unwrap()
        .replace("From: Joe", "From: \u{1b}]0;pwned\u{7} Joe\u{1b}[2J")
        .replace("Subject:", "X-Note: a\u{0}b\u{85}c\r\nSubject:");
    let mut signed =
        b"Authentication-Results: mx\x1b[2J\x07.example.net; dkim=pass header.d=example.com\r\n"
            .to_vec();
    signed.extend(sign(&dir, hostile.as_bytes(), &[]));
    let human = inspect(&dir, &signed, &[]).stdout();
    assert!(
        !human.chars().any(|c| c.is_control() && c != '\n'),
        "{human:?}"
    );
    assert!(human.contains("mx\\x1b[2J\\x07.example.net"), "{human}");
    // JSON keeps the exact value (serde escapes it as JSON).
    let run = inspect(&dir, &signed, &["--json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let raw = doc.to_string();
    assert!(raw.contains("mx\\u001b[2J\\u0007.example.net"), "{raw}");
}

/// A body longer than forensics examines (32 MiB) is still verified,
/// streamed, and its failure said plainly; read from standard input (spooled,
/// not held) it is judged alike. A small edited body from standard input
/// gets its forensics.
#[test]
fn a_body_beyond_the_forensics_limit_is_verified_and_said_unexamined() {
    let dir = TestDir::new();
    let mut message = plain();
    let line = b"A long body line, repeated until the body is past the limit.\r\n";
    message.extend(line.repeat((33 << 20) / line.len()));
    let mut signed = sign(&dir, &message, &[]);
    signed.extend_from_slice(b"appended\r\n");
    let doc = inspect(&dir, &signed, &["--json"]).assert_exit(1).json();
    let change = &doc["signatures"][0]["body_change"];
    assert_eq!(change["kind"], "not-examined", "{change}");
    let text = inspect(&dir, &signed, &[]).assert_exit(1).stdout();
    assert!(
        text.contains("the body does not hash to bh=; it is longer than the 32 MiB forensics examines, so what changed was not looked for"),
        "{text}"
    );
    let zone = fx("keys/keys.zone");
    let args = ["inspect", "-", "--zone", &zone, "--now", NOW, "--json"];
    let piped = dir.cmd(&args).stdin(signed).run().assert_exit(1).json();
    assert_eq!(piped["signatures"][0]["body_change"], *change);

    let mut small = sign(&dir, &plain(), &[]);
    small.extend_from_slice(b"-- \r\nA footer.\r\n");
    let piped = dir.cmd(&args).stdin(small).run().assert_exit(1).json();
    assert_eq!(
        piped["signatures"][0]["body_change"]["kind"],
        "footer-appended"
    );
}

/// The first run README.md shows is what the binary prints today (the
/// tags table elided there, as the README says).
#[test]
fn readme_first_command_is_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md is readable");
    let args = "inspect fixtures/forensics/body-footer.eml --zone fixtures/keys/keys.zone";
    let command = format!("$ cargo run --release -- {args}\n");
    let start = readme.find(&command).expect("README shows the run") + command.len();
    let end = start
        + readme[start..]
            .find("$ echo $?\n1\n")
            .expect("it ends with exit 1");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dkimctl"))
        .args(args.split(' '))
        .current_dir(root)
        .env_clear()
        .output()
        .expect("dkimctl runs");
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    let (table, rest) = (text.find("┌─────┬").unwrap(), text.find("└─────┴").unwrap());
    let after = rest + text[rest..].find('\n').unwrap() + 1;
    let shown = format!(
        "{}  ... (every tag of the signature, in words)\n{}",
        &text[..table],
        &text[after..]
    );
    crate::util::assert_text(&shown, &readme[start..end]);
}
