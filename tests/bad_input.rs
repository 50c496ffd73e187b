//! Bad input: one clear `error:` line, exit 2, nothing written. And big
//! input: large bodies stream in bounded memory, many fields are fine.

use crate::util::{NOW, TestDir, fx, sign_args};
use std::io::Write;

#[test]
fn garbage_and_empty_messages() {
    let dir = TestDir::new();
    dir.write(
        "garbage.bin",
        b"\x00\x01\x02\xff binary junk without a colon\n\x13\x37",
    );
    dir.write("empty.eml", b"");
    dir.write("continuation.eml", b"  starts with a continuation\r\n");
    let key = fx("keys/rsa2048.pem");
    for (file, reason) in [
        ("garbage.bin", "header line 1 is not a field (no colon)"),
        ("empty.eml", "the input is empty"),
        (
            "continuation.eml",
            "line 1 starts with whitespace, a continuation of no field",
        ),
    ] {
        let expected = format!("error: {file}: not an RFC 5322 message: {reason}\n");
        dir.cmd(&sign_args(&key, &[file, "-o", "out.eml"]))
            .run()
            .assert_exit(2)
            .assert_stdout("")
            .assert_stderr(&expected);
        assert!(!dir.join("out.eml").exists(), "{file}: output was written");
        dir.cmd(&["verify", file, "--zone", &fx("keys/keys.zone")])
            .run()
            .assert_exit(2)
            .assert_stdout("")
            .assert_stderr(&expected);
    }
}

#[test]
fn a_message_without_from_cannot_be_signed() {
    let dir = TestDir::new();
    dir.write(
        "nofrom.eml",
        "To: a@example.com\r\nSubject: x\r\n\r\nbody\r\n",
    );
    dir.cmd(&sign_args(&fx("keys/rsa2048.pem"), &["nofrom.eml"]))
        .run()
        .assert_exit(2)
        .assert_stdout("")
        .assert_stderr("error: nofrom.eml: the message has no From field, and DKIM requires From to be signed\n");
}

#[test]
fn wrong_key_files() {
    let dir = TestDir::new();
    dir.write(
        "garbage.pem",
        "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n",
    );
    dir.write("random.key", [7u8; 300]);
    let message = fx("messages/plain.eml");
    let cases = [
        (
            fx("keys/rsa2048.pub.pem"),
            "this is a public key; signing needs the private key",
        ),
        (
            fx("keys/rsa2048-encrypted.pem"),
            "the private key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN)",
        ),
        (
            fx("keys/rsa512.pem"),
            "the RSA key has 512 bits; RFC 8301 requires at least 1024",
        ),
        (
            dir.join("random.key").display().to_string(),
            "not a key: no PEM armour, not DER, not base64",
        ),
        (
            fx("keys/keys.zone"),
            "not a key: no PEM armour, not DER, not base64",
        ),
    ];
    for (key, reason) in cases {
        let run = dir
            .cmd(&sign_args(&key, &[&message, "-o", "out.eml"]))
            .run();
        run.assert_exit(2)
            .assert_stdout("")
            .assert_stderr(&format!("error: key {key}: {reason}\n"));
        assert!(!dir.join("out.eml").exists());
    }
    let run = dir.cmd(&sign_args("garbage.pem", &[&message])).run();
    run.assert_exit(2);
    assert!(
        run.stderr().starts_with(
            "error: key garbage.pem: a PEM PRIVATE KEY block, but its body is not valid base64"
        ),
        "{}",
        run.stderr()
    );
    let run = dir.cmd(&sign_args("missing.pem", &[&message])).run();
    run.assert_exit(2)
        .assert_stderr("error: reading missing.pem: no such file or directory\n");
}

#[test]
fn bad_flags_are_usage_errors() {
    let dir = TestDir::new();
    let (m, key) = (fx("messages/plain.eml"), fx("keys/rsa2048.pem"));
    for (extra, needle) in [
        (vec!["--expire", "7x"], "'7x' is not a duration"),
        (
            vec!["-c", "fancy/simple"],
            "'fancy/simple' is not a canonicalization",
        ),
        (
            vec!["--selector", "s2"],
            "give one --selector per --key (2 selectors for 1 keys)",
        ),
        (
            vec!["--headers", "To:Subject"],
            "the signed fields must include From",
        ),
        (
            vec!["--identity", "joe@example.org"],
            "identity joe@example.org is not in the signing domain example.com",
        ),
    ] {
        let mut args = sign_args(&key, &[&m]);
        args.extend(extra.iter().copied());
        let run = dir.cmd(&args).run();
        run.assert_exit(2).assert_stdout("");
        assert!(run.stderr().contains(needle), "{extra:?}: {}", run.stderr());
    }
    let run = dir
        .cmd(&[
            "sign",
            &m,
            "--domain",
            "exa mple.com",
            "--selector",
            "s1",
            "--key",
            &key,
        ])
        .run();
    run.assert_exit(2)
        .assert_stderr("error: invalid value 'exa mple.com' for '--domain <DOMAIN>': 'exa mple.com' is not a valid domain: label 'exa mple' contains ' '; only letters, digits and hyphens\n");
}

#[test]
fn a_missing_command_is_a_usage_error_that_says_so() {
    // Not the help alone on stderr: an exit 2 always says `error:` first.
    let dir = TestDir::new();
    let run = dir.cmd(&[]).run();
    run.assert_exit(2).assert_stdout("");
    assert!(
        run.stderr()
            .starts_with("error: 'dkimctl' requires a subcommand but one was not provided\n"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("records, sign, verify"),
        "{}",
        run.stderr()
    );
    let run = dir.cmd(&["key"]).run();
    run.assert_exit(2).assert_stdout("");
    assert!(
        run.stderr()
            .starts_with("error: 'dkimctl key' requires a subcommand but one was not provided\n"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("[subcommands: check"),
        "{}",
        run.stderr()
    );
    // Asking for help is still exit 0, on standard output.
    let run = dir.cmd(&["key", "--help"]).run();
    run.assert_exit(0).assert_stderr("");
    assert!(run.stdout().contains("check"), "{}", run.stdout());
}

#[test]
fn malformed_signatures_are_permerrors_not_crashes() {
    let dir = TestDir::new();
    let plain = std::fs::read_to_string(fx("messages/plain.eml")).unwrap();
    for (field, word) in [
        ("DKIM-Signature: garbage", "signature-syntax"),
        (
            "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; h=from; bh=AAAA; b=AAAA; b=BBBB",
            "signature-syntax",
        ),
        (
            "DKIM-Signature: v=1; a=rsa-sha512; d=example.com; s=s1; h=from; bh=AAAA; b=AAAA",
            "signature-syntax",
        ),
        (
            "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; h=to; bh=AAAA; b=AAAA",
            "from-not-signed",
        ),
        (
            "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; h=from; bh=AAAA; b=%%%",
            "signature-syntax",
        ),
        ("DKIM-Signature: \u{1}\u{2}\u{3}", "signature-syntax"),
    ] {
        dir.write("msg.eml", format!("{field}\r\n{plain}"));
        let run = dir
            .cmd(&["verify", "msg.eml", "--zone", &fx("keys/keys.zone")])
            .run();
        run.assert_exit(1);
        assert!(
            run.stdout().starts_with("permerror "),
            "{field}: {}",
            run.stdout()
        );
        assert!(
            run.stdout().contains(&format!("[{word}]")),
            "{field}: {}",
            run.stdout()
        );
    }
}

#[test]
fn ten_thousand_header_fields() {
    let dir = TestDir::new();
    let mut message = String::from("From: joe@example.com\r\nSubject: many fields\r\n");
    for i in 0..10_000 {
        message.push_str(&format!(
            "X-Filler-{i}: value {i}\r\nTo: user{i}@example.net\r\n"
        ));
    }
    message.push_str("\r\nbody\r\n");
    dir.write("big-header.eml", &message);
    let key = fx("keys/rsa2048.pem");
    // Every To instance would be signed: more than a verifier accepts.
    dir.cmd(&sign_args(&key, &["big-header.eml", "-o", "signed.eml"]))
        .run()
        .assert_exit(2)
        .assert_stderr(
            "error: big-header.eml: 10003 fields to sign; a verifier accepts at most 1000\n",
        );
    assert!(!dir.join("signed.eml").exists());
    let started = std::time::Instant::now();
    let run = dir
        .cmd(&sign_args(
            &key,
            &[
                "big-header.eml",
                "--headers",
                "From:Subject",
                "-o",
                "signed.eml",
            ],
        ))
        .run();
    run.assert_exit(0);
    let record = dkim_record_for_rsa2048();
    dir.cmd(&[
        "verify",
        "signed.eml",
        "--key-record",
        &record,
        "--now",
        NOW,
    ])
    .run()
    .assert_exit(0)
    .assert_stdout("pass d=example.com s=s1 a=rsa-sha256\n");
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
}

/// The TXT record of fixtures/keys/rsa2048.pem, from the test zone.
fn dkim_record_for_rsa2048() -> String {
    let zone = std::fs::read_to_string(fx("keys/keys.zone")).unwrap();
    let line = zone
        .lines()
        .find(|l| l.starts_with("rsa2048._domainkey"))
        .unwrap();
    line.split('"').skip(1).step_by(2).collect()
}

/// Runs the binary and samples its peak resident set (VmHWM) until it exits.
fn peak_rss_kib(dir: &TestDir, args: &[&str]) -> (i32, u64) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dkimctl"))
        .args(args)
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path)
            && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kib: u64 = line
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code().unwrap_or(-1), peak);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[test]
fn a_50_mb_body_streams_in_bounded_memory() {
    let dir = TestDir::new();
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(dir.join("big.eml")).unwrap());
        file.write_all(b"From: joe@example.com\r\nSubject: big\r\n\r\n")
            .unwrap();
        let line = b"The quick brown fox  jumps over the lazy dog, again and again. \r\n";
        for _ in 0..(50 * 1024 * 1024 / line.len()) {
            file.write_all(line).unwrap();
        }
    }
    let key = fx("keys/rsa2048.pem");
    let (code, sign_peak) = peak_rss_kib(&dir, &sign_args(&key, &["big.eml", "-o", "signed.eml"]));
    assert_eq!(code, 0);
    let record = dkim_record_for_rsa2048();
    let (code, verify_peak) = peak_rss_kib(
        &dir,
        &[
            "verify",
            "signed.eml",
            "--key-record",
            &record,
            "--now",
            NOW,
        ],
    );
    assert_eq!(code, 0);
    // The body is 50 MiB; streaming keeps both far below that.
    assert!(sign_peak < 32 * 1024, "sign peaked at {sign_peak} KiB");
    assert!(
        verify_peak < 32 * 1024,
        "verify peaked at {verify_peak} KiB"
    );
    eprintln!("50 MiB body: sign peak RSS {sign_peak} KiB, verify peak RSS {verify_peak} KiB");
}

/// The DNS flags are one group: the same bad value gives the same error
/// line and exit 2 on every command that takes them, before any input is
/// read or any query is sent.
#[test]
fn dns_flags_are_checked_alike_by_every_command() {
    let dir = TestDir::new();
    let commands: [&[&str]; 4] = [
        &["verify", "absent.eml"],
        &["inspect", "absent.eml"],
        &["key", "check", "absent.pem"],
        &["diagnose", "example.com"],
    ];
    let seconds = "is not a number of seconds more than 0 and at most 3600";
    for (flag, value, expected) in [
        (
            "--timeout",
            "0",
            format!("error: invalid value '0' for '--timeout <SECONDS>': '0' {seconds}"),
        ),
        (
            "--timeout",
            "1e20",
            format!("error: invalid value '1e20' for '--timeout <SECONDS>': '1e20' {seconds}"),
        ),
        (
            "--retries",
            "99",
            "error: invalid value '99' for '--retries <N>': 99 is not in 0..=10".to_string(),
        ),
        (
            "--nameserver",
            "example.com",
            "error: invalid value 'example.com' for '--nameserver <IP[:PORT]>': \
             'example.com' is not an IP address or IP:PORT"
                .to_string(),
        ),
    ] {
        for command in commands {
            let mut args = command.to_vec();
            args.extend([flag, value]);
            let run = dir.cmd(&args).run();
            run.assert_exit(2).assert_stdout("");
            assert_eq!(
                run.stderr().lines().next(),
                Some(expected.as_str()),
                "{args:?}"
            );
        }
    }
}

#[test]
fn what_cannot_be_signed_or_verified_is_refused() {
    let dir = TestDir::new();
    let key = fx("keys/rsa2048.pem");
    dir.write("msg.eml", std::fs::read(fx("messages/plain.eml")).unwrap());
    let many: Vec<String> = (0..1_001).map(|i| format!("X-{i}")).collect();
    let many = format!("From:{}", many.join(":"));
    for (extra, error) in [
        (
            &["--expire", "99999999999999d"][..],
            "the expiry is too far ahead: x= would be 8640000001699913600, beyond the 12 digits RFC 6376 allows (year 33658)",
        ),
        (
            &["--headers", "From:DKIM-Signature"][..],
            "DKIM-Signature cannot be among the signed fields: a signature does not sign itself, and verifiers disagree on which instance h= then means",
        ),
        (
            &["--oversign", "dkim-signature"][..],
            "DKIM-Signature cannot be among the signed fields: a signature does not sign itself, and verifiers disagree on which instance h= then means",
        ),
        (
            &["--headers", many.as_str()][..],
            "1003 fields to sign; a verifier accepts at most 1000",
        ),
    ] {
        let mut args = sign_args(&key, extra);
        args.extend(["msg.eml", "-o", "out.eml"]);
        dir.cmd(&args)
            .run()
            .assert_exit(2)
            .assert_stdout("")
            .assert_stderr(&format!("error: msg.eml: {error}\n"));
        assert!(!dir.join("out.eml").exists(), "{extra:?} wrote out.eml");
    }
    // A verifier refuses the same: x= of 13 digits, h= of 1,001 names.
    let plain = std::fs::read_to_string(fx("messages/plain.eml")).unwrap();
    for (tags, message) in [
        (
            "h=from; x=1000000000000",
            "x= is not a timestamp of 1 to 12 decimal digits",
        ),
        (
            &format!("h=from{}", ":to".repeat(1_000))[..],
            "h= lists 1001 fields; at most 1000 are verified",
        ),
    ] {
        dir.write(
            "sig.eml",
            format!("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; {tags}; bh=AAAA; b=AAAA\r\n{plain}"),
        );
        let run = dir
            .cmd(&["verify", "sig.eml", "--zone", &fx("keys/keys.zone")])
            .run();
        run.assert_exit(1);
        assert_eq!(
            run.stdout(),
            format!("permerror d=example.com s=s1 a=? [signature-syntax] {message}\n")
        );
    }
}

#[test]
fn diagnose_checks_its_arguments_before_any_query() {
    let dir = TestDir::new();
    let long = "a".repeat(300);
    for (args, first_line) in [
        (
            vec!["-s", "bad sel"],
            "error: invalid value 'bad sel' for '--selector <SELECTOR>': selector 'bad sel' is not valid: label 'bad sel' contains ' '; the rule is RFC 6376 §3.1: dot-separated labels of 1-63 letters, digits and hyphens, not starting or ending with a hyphen".to_string(),
        ),
        (
            vec!["-s", long.as_str()],
            format!("error: invalid value '{long}' for '--selector <SELECTOR>': selector '{long}' is not valid: label '{long}' has 300 characters; at most 63; the rule is RFC 6376 §3.1: dot-separated labels of 1-63 letters, digits and hyphens, not starting or ending with a hyphen"),
        ),
        (
            vec!["--token", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"],
            "error: invalid value 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567' for '--token <TOKEN>': token 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567' has capital letters; DKIM tokens are lowercase: 'abcdefghijklmnopqrstuvwxyz234567'".to_string(),
        ),
        (
            vec!["--token", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234561"],
            "error: invalid value 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234561' for '--token <TOKEN>': token 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234561' is not a DKIM token: it contains '1' (the alphabet has no 0, 1, 8 or 9); a token is 32 characters of a-z and 2-7".to_string(),
        ),
        (
            vec!["--token", "abc"],
            "error: invalid value 'abc' for '--token <TOKEN>': token 'abc' is not a DKIM token: it has 3 characters; a token is 32 characters of a-z and 2-7".to_string(),
        ),
        (
            vec!["--target-host", "bad host"],
            "error: invalid value 'bad host' for '--target-host <HOST>': target host 'bad host' is not a valid host name: label 'bad host' contains ' '; only letters, digits and hyphens".to_string(),
        ),
    ] {
        // No server is given: a query would go to the system resolver and
        // could not end in exit 2.
        let mut full = vec!["diagnose", "example.com"];
        full.extend(&args);
        let run = dir.cmd(&full).run();
        run.assert_exit(2).assert_stdout("");
        assert_eq!(run.stderr().lines().next(), Some(first_line.as_str()), "{args:?}");
    }
}

/// Inputs without an end (a device, a pipe) are read only up to their
/// limit, checked while reading: one error line, exit 2, nothing written.
#[test]
fn endless_inputs_stop_at_their_limit() {
    let dir = TestDir::new();
    let record = dkim_record_for_rsa2048();
    let plain = fx("messages/plain.eml");
    let zone = fx("keys/keys.zone");
    for (args, error) in [
        (
            vec!["key", "check", "/dev/zero"],
            "error: /dev/zero is larger than 65536 bytes, the limit for a key file",
        ),
        (
            vec!["records", "example.com", "--key", "/dev/zero", "-s", "s1"],
            "error: /dev/zero is larger than 65536 bytes, the limit for a key file",
        ),
        (
            vec![
                "sign",
                "-d",
                "example.com",
                "-s",
                "s1",
                "-k",
                "/dev/zero",
                &plain,
                "-o",
                "out.eml",
            ],
            "error: /dev/zero is larger than 65536 bytes, the limit for a key file",
        ),
        (
            vec!["verify", "/dev/zero", "--key-record", &record],
            "error: /dev/zero: not an RFC 5322 message: the header block is larger than 67108864 bytes",
        ),
        (
            vec!["diagnose", "--batch", "/dev/zero", "--zone", &zone],
            "error: /dev/zero is larger than 16777216 bytes, the limit for a list",
        ),
    ] {
        let run = dir.cmd(&args).run();
        run.assert_exit(2).assert_stdout("");
        assert_eq!(run.stderr().lines().next(), Some(error), "{args:?}");
        assert!(!dir.join("out.eml").exists());
    }
}

#[test]
fn at_most_fifty_signatures_of_a_message_are_verified() {
    let dir = TestDir::new();
    let key = fx("keys/rsa2048.pem");
    dir.write("msg.eml", std::fs::read(fx("messages/plain.eml")).unwrap());
    let mut args = sign_args(&key, &[]);
    args[4] = "rsa2048";
    args.extend(["msg.eml", "-o", "signed.eml"]);
    dir.cmd(&args).run().assert_exit(0);
    // The good signature on top, then 59 that name no published key.
    let signed = String::from_utf8(dir.read("signed.eml")).unwrap();
    let (signature, rest) = signed.split_once("\r\nFrom:").expect("signed");
    let junk: String = (1..60)
        .map(|i| format!("DKIM-Signature: v=1; a=rsa-sha256; d=spam{i}.example; s=s; h=from; bh=AAAA; b=AAAA\r\n"))
        .collect();
    dir.write("many.eml", format!("{signature}\r\n{junk}From:{rest}"));
    let run = dir
        .cmd(&[
            "verify",
            "many.eml",
            "--zone",
            &fx("keys/keys.zone"),
            "--now",
            NOW,
        ])
        .run();
    run.assert_exit(1);
    let stdout = run.stdout();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 60, "{stdout}");
    assert!(
        lines[0].starts_with("pass d=example.com s=rsa2048 "),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[49],
        "permerror d=spam49.example s=s a=rsa-sha256 [record-missing] no DKIM key record at s._domainkey.spam49.example"
    );
    for (n, line) in lines.iter().enumerate().skip(50) {
        assert_eq!(
            *line,
            format!(
                "permerror d=spam{n}.example s=s a=? [signature-limit] not verified: the message has more than 50 \
                 DKIM-Signature fields, and only the first 50 are verified"
            )
        );
    }
}
