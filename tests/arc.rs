//! `dkimctl arc verify` and `arc seal` (RFC 8617) through the built binary:
//! a two-hop chain built with the test keys (hop 1 signs and seals, a list
//! adds a subject tag and a footer and seals as hop 2), then changed and
//! broken in the ways the RFC names, each with its one line and exit code.

use crate::util::{TestDir, fixture};

/// The time every test verifies at: after both seals.
const NOW: &str = "1700000300";

fn keys() -> (String, String, String) {
    let dir = fixture("keys");
    let path = |name: &str| dir.join(name).display().to_string();
    (path("rsa2048.pem"), path("ed25519.pem"), path("keys.zone"))
}

/// Hop 1 (mx.example.org, RSA) and hop 2 (lists.example.org, Ed25519),
/// the list having recorded arc=pass on arrival and then changed the
/// message. Returns the file name of the two-hop message.
fn two_hops(dir: &TestDir) -> String {
    let (rsa, ed, zone) = keys();
    let plain = std::fs::read(fixture("messages/plain.eml")).unwrap();
    dir.write("m0.eml", &plain);
    let signed = dir
        .cmd(&[
            "sign",
            "m0.eml",
            "-d",
            "example.com",
            "-s",
            "rsa2048",
            "-k",
            &rsa,
            "--now",
            "1700000000",
        ])
        .run();
    signed.assert_exit(0);
    dir.write("m1.eml", signed.stdout());
    dir.cmd(&[
        "arc",
        "seal",
        "m1.eml",
        "-d",
        "example.com",
        "-s",
        "rsa2048",
        "-k",
        &rsa,
        "--authserv-id",
        "mx.example.org",
        "--zone",
        &zone,
        "--now",
        "1700000100",
        "-o",
        "hop1.eml",
    ])
    .run()
    .assert_exit(0);
    let hop1 = String::from_utf8(dir.read("hop1.eml")).unwrap();
    let listed = format!(
        "Authentication-Results: lists.example.org; arc=pass;\r\n dkim=pass header.d=example.com\r\n{}--\r\nlist footer\r\n",
        hop1.replace("Subject: Is dinner", "Subject: [list] Is dinner")
    );
    dir.write("listed.eml", listed);
    dir.cmd(&[
        "arc",
        "seal",
        "listed.eml",
        "-d",
        "example.com",
        "-s",
        "ed25519",
        "-k",
        &ed,
        "--authserv-id",
        "lists.example.org",
        "--zone",
        &zone,
        "--now",
        "1700000200",
        "-o",
        "hop2.eml",
    ])
    .run()
    .assert_exit(0);
    "hop2.eml".to_string()
}

fn arc_verify(dir: &TestDir, extra: &[&str]) -> crate::util::Run {
    let (_, _, zone) = keys();
    let mut args = vec!["arc", "verify", "--zone", &zone, "--now", NOW];
    args.extend_from_slice(extra);
    dir.cmd(&args).run()
}

/// `hop2.eml` with `from` replaced by `to` (once), as `name`.
fn edited(dir: &TestDir, name: &str, from: &str, to: &str) -> String {
    let text = String::from_utf8(dir.read("hop2.eml")).unwrap();
    assert!(text.contains(from), "{from:?} not in the chain");
    dir.write(name, text.replacen(from, to, 1));
    name.to_string()
}

#[test]
fn a_chain_through_a_list_passes_and_says_where_it_changed() {
    let dir = TestDir::new();
    let two = two_hops(&dir);
    arc_verify(&dir, &[&two])
        .assert_exit(0)
        .assert_stdout("cv=pass: 2 ARC sets, newest sealed by d=example.com s=ed25519\n");
    arc_verify(&dir, &["--oldest-pass", &two])
        .assert_exit(0)
        .assert_stdout(
            "cv=pass: 2 ARC sets, newest sealed by d=example.com s=ed25519; oldest pass i=2\n",
        );
    arc_verify(&dir, &["hop1.eml", "m1.eml", &two])
        .assert_exit(1)
        .assert_stdout(
            "hop1.eml: cv=pass: 1 ARC set, newest sealed by d=example.com s=rsa2048\n\
             m1.eml: cv=none: no ARC set\n\
             hop2.eml: cv=pass: 2 ARC sets, newest sealed by d=example.com s=ed25519\n",
        );

    let run = arc_verify(&dir, &["--json", "--oldest-pass", &two]);
    let doc = run.assert_exit(0).json();
    assert_eq!(doc["cv"], "pass");
    assert_eq!(doc["oldest_pass"], 2);
    assert_eq!(doc["sets"][0]["authserv_id"], "mx.example.org");
    assert_eq!(doc["sets"][0]["seal"]["result"], "pass");
    assert_eq!(doc["sets"][0]["message_signature"]["result"], "fail");
    assert_eq!(
        doc["sets"][0]["message_signature"]["body_hash_matches"],
        false
    );
    assert_eq!(
        doc["sets"][0]["message_signature"]["reason"]["code"],
        "body-hash-mismatch"
    );
    assert_eq!(doc["sets"][1]["message_signature"]["result"], "pass");
    assert_eq!(doc["sets"][1]["seal"]["cv"], "pass");

    // verify says the chain's status in passing; DKIM decides the exit.
    let (_, _, zone) = keys();
    let run = dir
        .cmd(&["verify", "--zone", &zone, "--now", NOW, &two])
        .run();
    run.assert_exit(1).assert_stdout(
        "fail d=example.com s=rsa2048 a=rsa-sha256 [body-hash-mismatch] the body was changed after signing (body hash mismatch)\n\
         arc: cv=pass: 2 ARC sets, newest sealed by d=example.com s=ed25519\n",
    );

    // inspect tells the path.
    let run = dir
        .cmd(&["inspect", "--zone", &zone, "--now", NOW, &two])
        .run();
    let out = run.assert_exit(1).stdout();
    for line in [
        "ARC chain: cv=pass: 2 ARC sets, newest sealed by d=example.com s=ed25519; oldest pass i=2",
        "  i=1 mx.example.org: seal pass (cv=none, d=example.com s=rsa2048); message signature fail (d=example.com s=rsa2048, body changed since)",
        "  i=2 lists.example.org: seal pass (cv=pass, d=example.com s=ed25519); message signature pass (d=example.com s=ed25519, body as signed)",
        "  - mx.example.org (hop 1) recorded dkim=pass header.d=example.com header.s=rsa2048 header.b=GkXGl00n",
        "  - lists.example.org (hop 2) changed the message after mx.example.org (hop 1) signed it: text was appended to the body after signing (a mailing-list footer?): the first 54 canonical bytes match bh=, then comes: \"--\\nlist footer\"",
        "  - the chain is intact (cv=pass), so a receiver that trusts lists.example.org (hop 2) can use the results of mx.example.org (hop 1)",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line:?} in\n{out}");
    }
    assert!(out.contains("arc-changed-in-transit"), "{out}");
    let run = dir
        .cmd(&["inspect", "--json", "--zone", &zone, "--now", NOW, &two])
        .run();
    let doc = run.json();
    assert_eq!(doc["arc"]["cv"], "pass");
    assert_eq!(
        doc["arc"]["hops"][0]["body_change"]["kind"],
        "footer-appended"
    );
}

/// The README's examples run on `fixtures/arc/`: the chain `two_hops`
/// builds, and that chain with text appended after the last seal.
#[test]
fn the_readme_fixtures_are_current() {
    let dir = TestDir::new();
    let two = two_hops(&dir);
    let chain = dir.read(&two);
    crate::util::assert_golden("arc/listed.eml", &chain);
    let mut changed = chain.clone();
    changed.extend_from_slice(b"unsubscribe: https://lists.example.org/\r\n");
    crate::util::assert_golden("arc/changed-after.eml", &changed);
}

#[test]
fn changes_after_the_last_seal_fail_where_the_rfc_says() {
    let dir = TestDir::new();
    let two = two_hops(&dir);
    let text = String::from_utf8(dir.read(&two)).unwrap();
    dir.write("footer.eml", format!("{text}another footer\r\n"));
    arc_verify(&dir, &["footer.eml"]).assert_exit(1).assert_stdout(
        "cv=fail at i=2 [body-hash-mismatch] the ARC-Message-Signature of i=2 does not validate: the body was changed after signing (body hash mismatch)\n",
    );
    let subject = edited(&dir, "subject.eml", "Subject: [list]", "Subject: [other]");
    arc_verify(&dir, &[&subject]).assert_exit(1).assert_stdout(
        "cv=fail at i=2 [signature-mismatch] the ARC-Message-Signature of i=2 does not validate: the signature does not match the signed header fields and key\n",
    );
    // Refolding a sealed field changes nothing under relaxed
    // canonicalization; changing its text does.
    let seal = edited(&dir, "seal.eml", "cv=none; d=", "cv=none;\r\n\t d=");
    arc_verify(&dir, &[&seal]).assert_exit(0);
    let aar = edited(
        &dir,
        "aar.eml",
        "i=1; mx.example.org; arc=none;",
        "i=1; mx.example.org; arc=pass;",
    );
    arc_verify(&dir, &[&aar]).assert_exit(1).assert_stdout(
        "cv=fail at i=2 [signature-mismatch] the ARC-Seal of i=2 does not validate: the signature does not match the signed header fields and key\n",
    );
}

#[test]
fn broken_chains_get_a_verdict_with_a_reason() {
    let dir = TestDir::new();
    let two = two_hops(&dir);
    let text = String::from_utf8(dir.read(&two)).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "gap",
            text.replacen("ARC-Authentication-Results: i=2;", "X-Was-AAR: i=2;", 1),
            "cv=fail at i=2 [arc-structure] ARC set i=2 has no ARC-Authentication-Results field",
        ),
        (
            "duplicate",
            format!("ARC-Authentication-Results: i=1; evil.example; dkim=pass\r\n{text}"),
            "cv=fail at i=1 [arc-structure] ARC set i=1 has 2 ARC-Authentication-Results fields; it must have one",
        ),
        (
            "cv-none-at-2",
            text.replacen("cv=pass", "cv=none", 1),
            "cv=fail at i=2 [arc-structure] the ARC-Seal of i=2 says cv=none, where every later set must say cv=pass",
        ),
        (
            "cv-fail",
            text.replacen("cv=pass", "cv=fail", 1),
            "cv=fail at i=2 [arc-sealed-fail] the newest ARC-Seal (i=2) says cv=fail: the chain was broken before it",
        ),
        (
            "instance-zero",
            format!("ARC-Seal: i=0; a=rsa-sha256; cv=none; d=x.example; s=s; b=AA==\r\n{text}"),
            "cv=fail [arc-structure] the ARC-Seal field on header line 1 has no usable instance: i= must be the ARC instance, a number from 1 to 50: \"0\"",
        ),
        (
            "malformed-seal",
            text.replacen(
                "ARC-Seal: a=rsa-sha256;",
                "ARC-Seal: a=rsa-sha256; a=rsa-sha256;",
                1,
            ),
            "cv=fail at i=1 [signature-syntax] the ARC-Seal of i=1 does not validate: malformed tag list: tag a= appears more than once",
        ),
        (
            "seal-with-h",
            text.replacen(
                "ARC-Seal: a=rsa-sha256;",
                "ARC-Seal: h=from; a=rsa-sha256;",
                1,
            ),
            "cv=fail at i=1 [signature-syntax] the ARC-Seal of i=1 does not validate: an ARC-Seal must not have h= (RFC 8617 §4.1.3)",
        ),
    ];
    for (name, message, expected) in cases {
        let file = format!("{name}.eml");
        dir.write(&file, message);
        arc_verify(&dir, &[&file])
            .assert_exit(1)
            .assert_stdout(&format!("{expected}\n"));
    }

    // 51 sets: more than a chain may have.
    let mut many = String::new();
    for i in (1..=51).rev() {
        many.push_str(&format!(
            "ARC-Seal: i={i}; a=rsa-sha256; cv=pass; d=x.example; s=s; b=AA==\r\n\
             ARC-Message-Signature: i={i}; a=rsa-sha256; d=x.example; s=s; h=from; bh=AA==; b=AA==\r\n\
             ARC-Authentication-Results: i={i}; x.example; none\r\n"
        ));
    }
    dir.write(
        "many.eml",
        format!("{many}From: a@x.example\r\n\r\nbody\r\n"),
    );
    let fifty_one = many.replacen("i=51;", "i=1;", 3);
    dir.write(
        "fifty-one.eml",
        format!("{fifty_one}From: a@x.example\r\n\r\nbody\r\n"),
    );
    arc_verify(&dir, &["fifty-one.eml"])
        .assert_exit(1)
        .assert_stdout(
            "cv=fail [arc-structure] 153 ARC fields; a chain has at most 50 sets of three\n",
        );
    arc_verify(&dir, &["many.eml"]).assert_exit(1).assert_stdout(
        "cv=fail [arc-structure] the ARC-Seal field on header line 1 has no usable instance: i= must be the ARC instance, a number from 1 to 50: \"51\"\n",
    );
}

#[test]
fn sealing_writes_only_what_it_should() {
    let dir = TestDir::new();
    let two = two_hops(&dir);
    let (rsa, _, zone) = keys();
    let seal = |input: &str, extra: &[&str]| {
        let mut args = vec![
            "arc",
            "seal",
            input,
            "-d",
            "example.com",
            "-s",
            "rsa2048",
            "-k",
            rsa.as_str(),
            "--authserv-id",
            "mx3.example.net",
            "--zone",
            zone.as_str(),
            "--now",
            "1700000250",
        ];
        args.extend_from_slice(extra);
        dir.cmd(&args).run()
    };
    // A third hop validates the chain itself and records what it found.
    let run = seal(&two, &[]);
    let third = run.assert_exit(0).stdout();
    assert!(
        third.contains("ARC-Authentication-Results: i=3; mx3.example.net; arc=pass;\r\n dkim=fail header.d=example.com header.s=rsa2048 header.b=GkXGl00n\r\n"),
        "{third}"
    );
    dir.write("three.eml", &third);
    arc_verify(&dir, &["--oldest-pass", "three.eml"])
        .assert_exit(0)
        .assert_stdout(
            "cv=pass: 3 ARC sets, newest sealed by d=example.com s=rsa2048; oldest pass i=2\n",
        );

    // --in-place replaces the file; -o writes a new one.
    std::fs::copy(dir.join(&two), dir.join("inplace.eml")).unwrap();
    seal("inplace.eml", &["--in-place"])
        .assert_exit(0)
        .assert_stdout("");
    assert_eq!(dir.read("inplace.eml"), third.as_bytes());

    // A failed chain is not extended: nothing written, exit 1.
    let broken = format!("{}more\r\n", String::from_utf8(dir.read(&two)).unwrap());
    dir.write("broken.eml", &broken);
    let sealed = seal("broken.eml", &[]);
    sealed.assert_exit(0);
    dir.write("failed.eml", sealed.stdout());
    assert!(sealed.stdout().contains("cv=fail; d=example.com; i=3"));
    seal("failed.eml", &["-o", "out.eml"])
        .assert_exit(1)
        .assert_stdout("")
        .assert_stderr("notice: failed.eml: nothing sealed: the newest ARC-Seal (i=3) already says cv=fail; a failed chain is not extended (RFC 8617 §5.1)\n");
    assert!(!dir.join("out.eml").exists());

    // Bad input: one line, exit 2, nothing written.
    seal(&two, &["--headers", "From:ARC-Seal", "-o", "out.eml"])
        .assert_exit(2)
        .assert_stderr("error: hop2.eml: an ARC-Message-Signature must not sign ARC-Seal fields (RFC 8617 §4.1.2)\n");
    assert!(!dir.join("out.eml").exists());
    dir.cmd(&[
        "arc", "seal", &two, "-d", "example.com", "-s", "x", "-k", &rsa,
        "--authserv-id", "a;b", "-o", "out.eml",
    ])
    .run()
    .assert_exit(2)
    .assert_stderr("error: invalid value 'a;b' for '--authserv-id <ID>': \"a;b\" is not an authserv-id (a host name or token without spaces, semicolons, quotes or parentheses)\n");
    dir.write("garbage.pem", "not a key");
    dir.cmd(&[
        "arc",
        "seal",
        &two,
        "-d",
        "example.com",
        "-s",
        "x",
        "-k",
        "garbage.pem",
        "--authserv-id",
        "mx",
        "-o",
        "out.eml",
    ])
    .run()
    .assert_exit(2);
    assert!(!dir.join("out.eml").exists());
}

#[test]
fn dns_trouble_is_exit_3() {
    let dir = TestDir::new();
    let two = two_hops(&dir);
    // Nothing answers on the loopback discard port: the look-up times out.
    dir.cmd(&[
        "arc", "verify", "--nameserver", "127.0.0.1:9", "--timeout", "0.5", "--retries", "0",
        "--now", NOW, &two,
    ])
    .run()
    .assert_exit(3)
    .assert_stdout(
        "cv=fail at i=2 [dns-temporary] the ARC-Message-Signature of i=2 does not validate: DNS query for ed25519._domainkey.example.com timed out\n",
    );
    // Sealing would make the failure final: nothing is sealed, exit 3.
    let (rsa, _, _) = keys();
    dir.cmd(&[
        "arc", "seal", &two, "-d", "example.com", "-s", "rsa2048", "-k", &rsa,
        "--authserv-id", "mx3.example.net", "--nameserver", "127.0.0.1:9", "--timeout", "0.5",
        "--retries", "0", "-o", "out.eml",
    ])
    .run()
    .assert_exit(3)
    .assert_stdout("")
    .assert_stderr("notice: hop2.eml: nothing sealed: the incoming chain could not be validated (the ARC-Message-Signature of i=2 does not validate: DNS query for ed25519._domainkey.example.com timed out); try again later\n");
    assert!(!dir.join("out.eml").exists());
}

#[test]
fn a_subject_tag_is_named_for_dkim_and_along_the_chain() {
    let dir = TestDir::new();
    two_hops(&dir);
    let (_, ed, zone) = keys();
    let hop1 = String::from_utf8(dir.read("hop1.eml")).unwrap();
    dir.write(
        "tagged.eml",
        format!(
            "Authentication-Results: lists.example.org; arc=pass\r\n{}",
            hop1.replace("Subject: Is dinner", "Subject: [list] Is dinner")
        ),
    );
    let sealed = dir
        .cmd(&[
            "arc",
            "seal",
            "tagged.eml",
            "-d",
            "example.com",
            "-s",
            "ed25519",
            "-k",
            &ed,
            "--authserv-id",
            "lists.example.org",
            "--now",
            "1700000200",
            "--zone",
            &zone,
        ])
        .run();
    dir.write("tagged-sealed.eml", sealed.assert_exit(0).stdout());
    let out = dir
        .cmd(&[
            "inspect",
            "--zone",
            &zone,
            "--now",
            NOW,
            "tagged-sealed.eml",
        ])
        .run()
        .stdout();
    for line in [
        "Header: the Subject gained the tag \"[list]\" after signing (a mailing list's subject prefix); without it the signature verifies",
        "  - lists.example.org (hop 2) changed the message after mx.example.org (hop 1) signed it: the Subject gained the tag \"[list]\" after signing (a mailing list's subject prefix); without it the signature verifies",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line:?} in\n{out}");
    }
}

#[test]
fn each_hop_that_changed_the_body_is_named() {
    let dir = TestDir::new();
    let two = two_hops(&dir);
    let (rsa, _, zone) = keys();
    let chain = String::from_utf8(dir.read(&two)).unwrap();
    dir.write(
        "relayed.eml",
        format!("Authentication-Results: relay.example.net; arc=pass\r\n{chain}second footer\r\n"),
    );
    let sealed = dir
        .cmd(&[
            "arc",
            "seal",
            "relayed.eml",
            "-d",
            "example.com",
            "-s",
            "rsa2048",
            "-k",
            &rsa,
            "--authserv-id",
            "relay.example.net",
            "--now",
            "1700000250",
            "--zone",
            &zone,
        ])
        .run();
    dir.write("three.eml", sealed.assert_exit(0).stdout());
    let out = dir
        .cmd(&["inspect", "--zone", &zone, "--now", NOW, "three.eml"])
        .run()
        .stdout();
    for line in [
        "ARC chain: cv=pass: 3 ARC sets, newest sealed by d=example.com s=rsa2048; oldest pass i=3",
        "  - lists.example.org (hop 2) changed the body after mx.example.org (hop 1) passed it on (their bh= differ)",
        "  - relay.example.net (hop 3) changed the message after lists.example.org (hop 2) signed it: text was appended to the body after signing (a mailing-list footer?): the first 71 canonical bytes match bh=, then comes: \"second footer\"",
        "  - the chain is intact (cv=pass), so a receiver that trusts relay.example.net (hop 3) can use the results of lists.example.org (hop 2)",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line:?} in\n{out}");
    }
}
