//! `dkimctl sign`: exact output, line endings, destinations, batches, and
//! the tags it writes. Every signed message is checked by `verify`.

use crate::util::{NOW, TestDir, assert_golden, fx};

/// Signs `message` (a fixture path) with the given extra flags; returns stdout.
fn sign(dir: &TestDir, message: &str, extra: &[&str]) -> Vec<u8> {
    let default_key = fx("keys/rsa2048.pem");
    let mut args = vec!["sign", message, "--domain", "example.com", "--now", NOW];
    if !extra.contains(&"--key") {
        args.extend(["--selector", "rsa2048", "--key", &default_key]);
    }
    args.extend(extra);
    let run = dir.cmd(&args).run();
    run.assert_exit(0);
    assert_eq!(run.stderr(), "");
    run.0.stdout
}

/// Verifies `bytes` offline against the test keys; returns (exit, stdout).
fn verify(dir: &TestDir, bytes: &[u8]) -> (i32, String) {
    let path = dir.write("to-verify.eml", bytes);
    let zone = fx("keys/keys.zone");
    let run = dir
        .cmd(&[
            "verify",
            path.to_str().unwrap(),
            "--zone",
            &zone,
            "--now",
            NOW,
        ])
        .run();
    (run.code(), run.stdout())
}

#[test]
fn signs_exactly_as_recorded() {
    let dir = TestDir::new();
    let signed = sign(&dir, &fx("messages/plain.eml"), &[]);
    assert_golden("sign/plain.rsa2048.eml", &signed);
    assert_eq!(
        verify(&dir, &signed),
        (0, "pass d=example.com s=rsa2048 a=rsa-sha256\n".into())
    );
}

#[test]
fn defaults_relaxed_recommended_fields_from_oversigned_timestamp() {
    let dir = TestDir::new();
    let signed = String::from_utf8(sign(&dir, &fx("messages/plain.eml"), &[])).unwrap();
    let field: String = signed
        .split("\r\nFrom:")
        .next()
        .unwrap()
        .replace("\r\n ", " ");
    assert!(field.starts_with("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=rsa2048; t=1700000000; "), "{field}");
    assert!(
        field.contains("h=from:subject:date:to:message-id:mime-version:content-type:from;"),
        "{field}"
    );
    assert!(
        !field.contains(" l=") && !field.contains(" x=") && !field.contains(" i="),
        "{field}"
    );
}

#[test]
fn optional_tags_on_request() {
    let dir = TestDir::new();
    let signed = sign(
        &dir,
        &fx("messages/plain.eml"),
        &[
            "--expire",
            "7d",
            "--body-length",
            "--identity",
            "joe@example.com",
            "--headers",
            "From:To:Subject:Reply-To",
            "--oversign",
            "Subject",
            "-c",
            "simple/simple",
        ],
    );
    let text = String::from_utf8(signed.clone()).unwrap();
    let field = text
        .split("\r\nFrom:")
        .next()
        .unwrap()
        .replace("\r\n ", " ");
    for tag in [
        "c=simple/simple;",
        "t=1700000000;",
        "x=1700604800;",
        "i=joe@example.com;",
        "l=55;",
        "h=from:to:subject:reply-to:from:subject;",
    ] {
        assert!(field.contains(tag), "{tag} missing in {field}");
    }
    let (code, out) = verify(&dir, &signed);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "note: l=55: only the first 55 bytes of the 55-byte canonical body are signed"
        ),
        "{out}"
    );
}

#[test]
fn no_oversign_and_no_timestamp() {
    let dir = TestDir::new();
    let signed = sign(
        &dir,
        &fx("messages/plain.eml"),
        &["--no-oversign", "--no-timestamp"],
    );
    let text = String::from_utf8(signed.clone()).unwrap();
    let field = text
        .split("\r\nFrom:")
        .next()
        .unwrap()
        .replace("\r\n ", " ");
    assert!(
        field.contains("h=from:subject:date:to:message-id:mime-version:content-type;"),
        "{field}"
    );
    assert!(!field.contains("t="), "{field}");
    assert_eq!(verify(&dir, &signed).0, 0);
}

#[test]
fn header_is_folded_within_78_columns() {
    let dir = TestDir::new();
    let signed = sign(
        &dir,
        &fx("messages/plain.eml"),
        &["--identity", "a-rather-long-local-part@mail.example.com"],
    );
    let text = String::from_utf8(signed).unwrap();
    let field = text.split("\r\nFrom:").next().unwrap();
    assert!(field.lines().count() > 3);
    for line in field.split("\r\n") {
        assert!(line.len() <= 78, "{} columns: {line:?}", line.len());
    }
}

#[test]
fn every_canonicalization_and_algorithm_verifies() {
    let dir = TestDir::new();
    let (rsa, ed) = (fx("keys/rsa2048.pem"), fx("keys/ed25519.pem"));
    for message in [
        "plain.eml",
        "plain-lf.eml",
        "empty-body.eml",
        "no-separator.eml",
        "8bit.eml",
    ] {
        for c in [
            "simple/simple",
            "simple/relaxed",
            "relaxed/simple",
            "relaxed/relaxed",
        ] {
            let signed = sign(
                &dir,
                &fx(&format!("messages/{message}")),
                &[
                    "-c",
                    c,
                    "--selector",
                    "rsa2048",
                    "--key",
                    &rsa,
                    "--selector",
                    "ed25519",
                    "--key",
                    &ed,
                ],
            );
            let (code, out) = verify(&dir, &signed);
            assert_eq!(
                (code, out.as_str()),
                (
                    0,
                    "pass d=example.com s=rsa2048 a=rsa-sha256\npass d=example.com s=ed25519 a=ed25519-sha256\n"
                ),
                "{message} c={c}"
            );
        }
    }
}

#[test]
fn lf_input_gives_lf_output() {
    let dir = TestDir::new();
    let signed = sign(&dir, &fx("messages/plain-lf.eml"), &[]);
    assert!(
        !signed.contains(&b'\r'),
        "a CR was written into an LF message"
    );
    let original = std::fs::read(fx("messages/plain-lf.eml")).unwrap();
    assert!(signed.ends_with(&original));
    // Same signature as the CRLF copy: LF is canonicalized as CRLF.
    let crlf = sign(&dir, &fx("messages/plain.eml"), &[]);
    let field = |m: &[u8]| {
        String::from_utf8_lossy(m)
            .split("From:")
            .next()
            .unwrap()
            .replace('\r', "")
    };
    assert_eq!(field(&signed), field(&crlf));
}

#[test]
fn pkcs1_pkcs8_pem_and_der_keys_sign_alike() {
    let dir = TestDir::new();
    let reference = sign(&dir, &fx("messages/plain.eml"), &[]);
    for key in ["keys/rsa2048-pkcs1.pem", "keys/rsa2048.der"] {
        let signed = sign(
            &dir,
            &fx("messages/plain.eml"),
            &["--selector", "rsa2048", "--key", &fx(key)],
        );
        assert_eq!(signed, reference, "{key}");
    }
}

#[test]
fn a_1024_bit_key_still_signs() {
    let dir = TestDir::new();
    let signed = sign(
        &dir,
        &fx("messages/plain.eml"),
        &["--selector", "rsa1024", "--key", &fx("keys/rsa1024.pem")],
    );
    assert_eq!(
        verify(&dir, &signed),
        (0, "pass d=example.com s=rsa1024 a=rsa-sha256\n".into())
    );
}

#[test]
fn stdin_and_output_file() {
    let dir = TestDir::new();
    let message = std::fs::read(fx("messages/plain.eml")).unwrap();
    let key = fx("keys/rsa2048.pem");
    let base = [
        "sign",
        "--domain",
        "example.com",
        "--selector",
        "rsa2048",
        "--key",
        &key,
        "--now",
        NOW,
    ];
    let from_stdin = dir
        .cmd(&[&base[..], &["-"]].concat())
        .stdin(message.clone())
        .run();
    from_stdin.assert_exit(0);
    let to_file = dir
        .cmd(&[&base[..], &["-", "-o", "out.eml"]].concat())
        .stdin(message)
        .run();
    to_file.assert_exit(0).assert_stdout("");
    assert_eq!(dir.read("out.eml"), from_stdin.0.stdout);
    assert_golden("sign/plain.rsa2048.eml", &from_stdin.0.stdout);
}

#[test]
fn in_place_replaces_atomically_and_keeps_the_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TestDir::new();
    let path = dir.write("msg.eml", std::fs::read(fx("messages/plain.eml")).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let key = fx("keys/rsa2048.pem");
    dir.cmd(&[
        "sign",
        "msg.eml",
        "--in-place",
        "--domain",
        "example.com",
        "--selector",
        "rsa2048",
        "--key",
        &key,
        "--now",
        NOW,
    ])
    .run()
    .assert_exit(0)
    .assert_stdout("");
    assert_golden("sign/plain.rsa2048.eml", &dir.read("msg.eml"));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "temporary files left behind: {leftovers:?}"
    );
}

#[test]
fn a_directory_signs_in_parallel_into_out_dir() {
    let dir = TestDir::new();
    std::fs::create_dir(dir.join("in")).unwrap();
    std::fs::create_dir(dir.join("out")).unwrap();
    let message = std::fs::read(fx("messages/plain.eml")).unwrap();
    for i in 0..40 {
        dir.write(&format!("in/{i:02}.eml"), &message);
    }
    let key = fx("keys/rsa2048.pem");
    dir.cmd(&[
        "sign",
        "in",
        "--out-dir",
        "out",
        "--domain",
        "example.com",
        "--selector",
        "rsa2048",
        "--key",
        &key,
        "--now",
        NOW,
    ])
    .run()
    .assert_exit(0)
    .assert_stdout("")
    .assert_stderr("");
    for i in 0..40 {
        assert_golden(
            "sign/plain.rsa2048.eml",
            &dir.read(&format!("out/{i:02}.eml")),
        );
    }
}

/// Bad input changes nothing: a batch holding a file that is not a message
/// names every such file and signs none, with --out-dir and --in-place.
#[test]
fn a_batch_with_bad_files_names_them_and_signs_nothing() {
    let dir = TestDir::new();
    std::fs::create_dir(dir.join("out")).unwrap();
    let good = std::fs::read(fx("messages/plain.eml")).unwrap();
    dir.write("good.eml", &good);
    dir.write("bad.eml", "this is not a message\n");
    dir.write("empty.eml", "");
    let key = fx("keys/rsa2048.pem");
    let sign = [
        "--domain",
        "example.com",
        "--selector",
        "rsa2048",
        "--key",
        &key,
    ];
    // Bytes of every value: line 1 has no colon, as sign finds when signing.
    dir.write(
        "garbage",
        (0..=255u8).cycle().take(3000).collect::<Vec<u8>>(),
    );
    dir.write("nofrom.eml", "Subject: no From\n\nbody\n");
    let inputs = ["good.eml", "bad.eml", "empty.eml", "garbage", "nofrom.eml"];
    for destination in [&["--out-dir", "out"][..], &["--in-place"][..]] {
        let args = [&["sign"][..], &inputs, destination, &sign].concat();
        let run = dir.cmd(&args).run();
        run.assert_exit(2).assert_stderr(
            "error: bad.eml: not an RFC 5322 message: header line 1 is not a field (no colon)\n\
             error: empty.eml: not an RFC 5322 message: the input is empty\n\
             error: garbage: not an RFC 5322 message: header line 1 is not a field (no colon)\n\
             error: nofrom.eml: the message has no From field, and DKIM requires From to be signed\n",
        );
        assert_eq!(std::fs::read_dir(dir.join("out")).unwrap().count(), 0);
        assert_eq!(dir.read("good.eml"), good, "{destination:?}");
    }
    // Without the bad files, the batch signs.
    let args = [&["sign", "good.eml", "--out-dir", "out"][..], &sign].concat();
    dir.cmd(&args).run().assert_exit(0);
    assert!(dir.join("out/good.eml").exists());
}

#[test]
fn several_messages_need_a_destination() {
    let dir = TestDir::new();
    let (m, key) = (fx("messages/plain.eml"), fx("keys/rsa2048.pem"));
    dir.cmd(&[
        "sign",
        &m,
        &m,
        "--domain",
        "example.com",
        "--selector",
        "rsa2048",
        "--key",
        &key,
    ])
    .run()
    .assert_exit(2)
    .assert_stderr("error: 2 messages given: sign several with --out-dir DIR or --in-place\n");
}

#[test]
fn a_new_output_file_is_0644_and_a_replaced_one_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TestDir::new();
    let key = fx("keys/rsa2048.pem");
    let message = fx("messages/plain.eml");
    let args = [
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
    ];
    dir.cmd(&args).run().assert_exit(0);
    let mode = |p| std::fs::metadata(dir.join(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("out.eml"), 0o644);
    std::fs::set_permissions(dir.join("out.eml"), std::fs::Permissions::from_mode(0o600)).unwrap();
    dir.cmd(&args).run().assert_exit(0);
    assert_eq!(mode("out.eml"), 0o600);
}

#[test]
fn directory_scans_leave_out_dot_files_and_leftover_temp_files() {
    let dir = TestDir::new();
    std::fs::create_dir(dir.join("in")).unwrap();
    let message = std::fs::read(fx("messages/plain.eml")).unwrap();
    dir.write("in/a.eml", &message);
    // What an interrupted --in-place run leaves, and a hidden file.
    dir.write("in/.a.eml.Xy12Zq.tmp", b"half a message");
    dir.write("in/.hidden.eml", &message);
    let key = fx("keys/rsa2048.pem");
    dir.cmd(&[
        "sign",
        "in",
        "--in-place",
        "--domain",
        "example.com",
        "--selector",
        "rsa2048",
        "--key",
        &key,
        "--now",
        NOW,
    ])
    .run()
    .assert_exit(0)
    .assert_stderr("");
    assert_golden("sign/plain.rsa2048.eml", &dir.read("in/a.eml"));
    assert_eq!(dir.read("in/.a.eml.Xy12Zq.tmp"), b"half a message");
    assert_eq!(dir.read("in/.hidden.eml"), message);
}

#[test]
fn a_message_signed_by_the_same_d_and_s_is_not_signed_again() {
    let dir = TestDir::new();
    let key = fx("keys/rsa2048.pem");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "sign",
            "--domain",
            "example.com",
            "--selector",
            "rsa2048",
            "--key",
            &key,
            "--now",
            NOW,
        ];
        args.extend_from_slice(extra);
        dir.cmd(&args).run()
    };
    dir.write("msg.eml", std::fs::read(fx("messages/plain.eml")).unwrap());
    run(&["msg.eml", "--in-place"])
        .assert_exit(0)
        .assert_stderr("");
    let once = dir.read("msg.eml");
    // A rerun leaves it as it is, and says so.
    run(&["msg.eml", "--in-place"])
        .assert_exit(0)
        .assert_stderr("notice: msg.eml already carries a signature by d=example.com s=rsa2048; not signed again (--force signs it)\n");
    assert_eq!(dir.read("msg.eml"), once);
    // To standard output the message passes through unchanged.
    let passed = run(&["msg.eml"]);
    passed.assert_exit(0);
    assert_eq!(passed.stdout().as_bytes(), once.as_slice());
    // --force adds a second signature.
    run(&["msg.eml", "--in-place", "--force"])
        .assert_exit(0)
        .assert_stderr("");
    let twice = String::from_utf8(dir.read("msg.eml")).unwrap();
    assert_eq!(twice.matches("DKIM-Signature:").count(), 2);
}
