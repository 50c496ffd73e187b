//! Issue 10's verdict fixes, each on a byte-exact fixture under
//! fixtures/verify/ (made by fixtures/verify/make.py): b= folded or not
//! last, a last line without a line break as other signers hash it,
//! several key records at one name, and messages that break RFC 5322.

use crate::util::{NOW, TestDir, fx};

/// A time after every fixture's t= (the peers' signatures carry the time
/// they were made).
const LATER: &str = "1900000000";

fn verify(dir: &TestDir, fixture: &str, zone: &str) -> crate::util::Run {
    let (message, zone) = (fx(fixture), fx(zone));
    dir.cmd(&["verify", &message, "--zone", &zone, "--now", LATER])
        .run()
}

#[test]
fn b_value_goes_with_its_surrounding_whitespace() {
    let dir = TestDir::new();
    // Folded right after b=, as Mail::DKIM folds, under c=simple/simple.
    verify(&dir, "verify/b-folded-simple.eml", "keys/keys.zone")
        .assert_exit(0)
        .assert_stdout("pass d=example.com s=rsa2048 a=rsa-sha256\n");
    // b= folded and followed by h= and bh=, under c=relaxed/relaxed.
    verify(&dir, "verify/b-not-last-relaxed.eml", "keys/keys.zone")
        .assert_exit(0)
        .assert_stdout("pass d=example.com s=rsa2048 a=rsa-sha256\n");
}

#[test]
fn a_last_line_hashed_another_way_is_named_not_called_a_change() {
    let dir = TestDir::new();
    verify(&dir, "verify/final-line-dkimpy-relaxed.eml", "keys/keys.zone")
        .assert_exit(1)
        .assert_stdout(
            "fail d=example.com s=rsa2048 a=rsa-sha256 [body-final-line] the message was not changed, \
             but the signer hashed its last line, which has no line break, with its trailing whitespace \
             kept (as dkimpy does); RFC 6376 §3.4.4 removes it\n",
        );
    verify(
        &dir,
        "verify/final-line-maildkim-simple.eml",
        "keys/keys.zone",
    )
    .assert_exit(1)
    .assert_stdout(
        "fail d=example.com s=rsa2048 a=rsa-sha256 [body-final-line] the message was not changed, \
             but the signer hashed its last line, which has no line break, without adding the CRLF \
             that RFC 6376 §3.4.3 and §3.4.4 add (as Mail::DKIM does under simple, and libopendkim \
             under relaxed when the line ends in whitespace)\n",
    );
}

#[test]
fn inspect_explains_the_final_line_with_the_fix() {
    let dir = TestDir::new();
    let (message, zone) = (
        fx("verify/final-line-dkimpy-relaxed.eml"),
        fx("keys/keys.zone"),
    );
    let run = dir
        .cmd(&[
            "inspect", &message, "--zone", &zone, "--json", "--now", LATER,
        ])
        .run();
    run.assert_exit(1);
    let doc = run.json();
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "body-final-line")
        .expect("a body-final-line finding");
    assert_eq!(finding["severity"], "error");
    let fix = finding["fix"].as_str().unwrap();
    assert!(
        fix.contains("end the message with a line break before signing"),
        "{fix}"
    );
}

#[test]
fn a_body_hash_that_fails_both_ways_is_still_a_change() {
    let dir = TestDir::new();
    let changed = std::fs::read(fx("verify/final-line-dkimpy-relaxed.eml"))
        .unwrap()
        .iter()
        .map(|&b| if b == b'B' { b'R' } else { b })
        .collect::<Vec<u8>>();
    dir.write("changed.eml", changed);
    let zone = fx("keys/keys.zone");
    dir.cmd(&["verify", "changed.eml", "--zone", &zone, "--now", LATER])
        .run()
        .assert_exit(1)
        .assert_stdout(
            "fail d=example.com s=rsa2048 a=rsa-sha256 [body-hash-mismatch] the body was changed after signing (body hash mismatch)\n",
        );
}

#[test]
fn sign_adds_the_missing_final_line_break() {
    let dir = TestDir::new();
    for (input, eol) in [
        (&b"From: a@example.com\r\n\r\nlast line  "[..], &b"\r\n"[..]),
        (b"From: a@example.com\n\nfirst\n \t", b"\n"),
    ] {
        dir.write("in.eml", input);
        let key = fx("keys/rsa2048.pem");
        let run = dir
            .cmd(&[
                "sign",
                "in.eml",
                "--domain",
                "example.com",
                "--selector",
                "rsa2048",
                "--key",
                &key,
                "--now",
                NOW,
                "-o",
                "out.eml",
            ])
            .run();
        run.assert_exit(0);
        let out = dir.read("out.eml");
        let mut expected = input.to_vec();
        expected.extend_from_slice(eol);
        assert!(
            out.ends_with(&expected),
            "{:?}",
            String::from_utf8_lossy(&out)
        );
        let zone = fx("keys/keys.zone");
        dir.cmd(&["verify", "out.eml", "--zone", &zone, "--now", NOW])
            .run()
            .assert_exit(0);
        // Standard input takes the same path.
        let run = dir
            .cmd(&[
                "sign",
                "-",
                "--domain",
                "example.com",
                "--selector",
                "rsa2048",
                "--key",
                &key,
                "--now",
                NOW,
            ])
            .stdin(input)
            .run();
        run.assert_exit(0);
        assert_eq!(run.0.stdout, out);
    }
}

#[test]
fn every_key_record_at_the_selector_is_tried() {
    let dir = TestDir::new();
    dir.write("signed.eml", crate::verify::signed(&dir, &[]));
    let zone = fx("verify/two-keys.zone");
    dir.cmd(&["verify", "signed.eml", "--zone", &zone, "--now", NOW])
        .run()
        .assert_exit(0)
        .assert_stdout(
            "pass d=example.com s=rsa2048 a=rsa-sha256\n  note: key record 2 of the 2 at the selector verified\n",
        );
    let run = dir
        .cmd(&[
            "verify",
            "signed.eml",
            "--zone",
            &zone,
            "--now",
            NOW,
            "--json",
        ])
        .run();
    let doc = run.json();
    assert_eq!(
        doc["messages"][0]["signatures"][0]["warnings"],
        serde_json::json!([{"code": "key-multiple-records", "message": "key record 2 of the 2 at the selector verified"}])
    );
}

#[test]
fn a_header_line_that_is_not_a_field_gets_a_verdict() {
    let dir = TestDir::new();
    // Below a signed field: what was signed cannot be determined.
    verify(&dir, "verify/not-a-field-signed.eml", "keys/keys.zone")
        .assert_exit(1)
        .assert_stdout(
            "permerror d=example.com s=rsa2048 a=rsa-sha256 [message-syntax] header line 12 is not a field \
             (no colon), right after the signed Subject field: what was signed cannot be determined\n",
        );
    // A line holding a bare CR, likewise.
    verify(&dir, "verify/bare-cr.eml", "keys/keys.zone")
        .assert_exit(1)
        .assert_stdout(
            "permerror d=example.com s=rsa2048 a=rsa-sha256 [message-syntax] header line 12 is not a field \
             (no colon), right after the signed Subject field: what was signed cannot be determined\n",
        );
    // Below a field the signature does not cover: it verifies.
    verify(&dir, "verify/not-a-field-unsigned.eml", "keys/keys.zone")
        .assert_exit(0)
        .assert_stdout("pass d=example.com s=rsa2048 a=rsa-sha256\n");
}

#[test]
fn inspect_reports_the_broken_line_once_and_signing_refuses_it() {
    let dir = TestDir::new();
    let (message, zone) = (fx("verify/not-a-field-unsigned.eml"), fx("keys/keys.zone"));
    let run = dir
        .cmd(&[
            "inspect", &message, "--zone", &zone, "--json", "--now", LATER,
        ])
        .run();
    run.assert_exit(0);
    let doc = run.json();
    let syntax: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "message-syntax")
        .collect();
    assert_eq!(syntax.len(), 1, "{syntax:?}");
    assert_eq!(syntax[0]["severity"], "warning");
    let key = fx("keys/rsa2048.pem");
    dir.cmd(&[
        "sign",
        &message,
        "--domain",
        "example.com",
        "--selector",
        "rsa2048",
        "--key",
        &key,
        "-o",
        "out.eml",
    ])
    .run()
    .assert_exit(2)
    .assert_stderr(&format!(
        "error: {message}: not an RFC 5322 message: header line 17 is not a field (no colon)\n"
    ));
    assert!(!dir.join("out.eml").exists());
}
