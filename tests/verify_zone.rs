//! `--zone` reads zone files with the reader `lint` uses (src/zone): names
//! with `_` inside a label, `$INCLUDE` relative to the including file, the
//! origin from the file name, Route 53 JSON, and lint's one-line error for
//! a file it refuses. Fixtures: fixtures/verify-zone/ (see its make.sh).

use crate::util::{NOW, Run, TestDir, fx};

/// `dkimctl verify MESSAGE --zone ZONE` at the signing time, run in `dir`.
fn verify(dir: &TestDir, message: &str, zone: &str) -> Run {
    dir.cmd(&["verify", message, "--zone", zone, "--now", NOW])
        .run()
}

/// What verify prints for a selector with an underscore, after the verdict.
const UNDERSCORE_NOTE: &str = "  note: the selector contains an underscore: DNS allows it, but it is outside the grammar of RFC 6376 §3.1: dot-separated labels of 1-63 letters, digits and hyphens, not starting or ending with a hyphen, and some DNS web forms and verifiers refuse it; verified all the same\n";

#[test]
fn an_owner_with_an_underscore_inside_a_label_is_read() {
    let dir = TestDir::new();
    let message = fx("verify-zone/ses_sha1.eml");
    let zone = fx("verify-zone/underscore.zone");
    verify(&dir, &message, &zone)
        .assert_exit(0)
        .assert_stdout(&format!(
            "pass d=example.com s=ses_sha1 a=rsa-sha256\n{UNDERSCORE_NOTE}"
        ))
        .assert_stderr("");
    // inspect takes --zone through the same flags.
    dir.cmd(&["inspect", &message, "--zone", &zone, "--now", NOW])
        .run()
        .assert_exit(0)
        .assert_stderr("");
}

#[test]
fn a_relative_include_is_found_beside_the_including_file() {
    let dir = TestDir::new();
    let message = fx("verify-zone/rsa2048.eml");
    // The working directory (the scratch directory) holds no keys.inc.
    verify(&dir, &message, &fx("verify-zone/include/main.zone"))
        .assert_exit(0)
        .assert_stdout("pass d=example.com s=rsa2048 a=rsa-sha256\n");
    // The zone given by a relative path, from the folder above it.
    std::fs::create_dir(dir.join("zones")).unwrap();
    for name in ["main.zone", "keys.inc"] {
        let bytes = std::fs::read(fx(&format!("verify-zone/include/{name}"))).unwrap();
        dir.write(&format!("zones/{name}"), bytes);
    }
    verify(&dir, &message, "zones/main.zone")
        .assert_exit(0)
        .assert_stdout("pass d=example.com s=rsa2048 a=rsa-sha256\n");
}

#[test]
fn the_origin_comes_from_the_file_name() {
    let dir = TestDir::new();
    // Relative owners, no $ORIGIN, no TTL anywhere.
    verify(
        &dir,
        &fx("verify-zone/rsa2048.eml"),
        &fx("verify-zone/example.com.zone"),
    )
    .assert_exit(0)
    .assert_stdout("pass d=example.com s=rsa2048 a=rsa-sha256\n");
}

#[test]
fn route53_json_is_read_as_lint_reads_it() {
    let dir = TestDir::new();
    let zone = fx("verify-zone/route53.json");
    // A TXT value split into quoted strings, as Route 53 stores it.
    verify(&dir, &fx("verify-zone/rsa2048.eml"), &zone)
        .assert_exit(0)
        .assert_stdout("pass d=example.com s=rsa2048 a=rsa-sha256\n");
    // A CNAME to that TXT record, followed.
    verify(&dir, &fx("verify-zone/ses_sha1.eml"), &zone)
        .assert_exit(0)
        .assert_stdout(&format!(
            "pass d=example.com s=ses_sha1 a=rsa-sha256\n{UNDERSCORE_NOTE}"
        ));
}

/// Every command that takes `--zone` refuses `zone` with the one line
/// lint gives for it, `expected`, and exit 2, printing nothing else.
fn refused_as_lint_refuses(zone: &str, expected: &str) {
    let dir = TestDir::new();
    dir.cmd(&["lint", zone])
        .run()
        .assert_exit(2)
        .assert_stdout("")
        .assert_stderr(expected);
    let message = fx("verify-zone/rsa2048.eml");
    let key = fx("keys/rsa2048.pem");
    for args in [
        vec!["verify", &message, "--zone", zone],
        vec!["inspect", &message, "--zone", zone],
        vec![
            "key",
            "check",
            &key,
            "--against",
            "dns",
            "--domain",
            "example.com",
            "--selector",
            "rsa2048",
            "--zone",
            zone,
        ],
    ] {
        dir.cmd(&args)
            .run()
            .assert_exit(2)
            .assert_stdout("")
            .assert_stderr(expected);
    }
}

#[test]
fn a_malformed_zone_is_one_error_line_and_exit_2() {
    let zone = fx("verify-zone/malformed.zone");
    refused_as_lint_refuses(
        &zone,
        &format!("error: {zone}:3:27: unterminated quoted string\n"),
    );
}

#[test]
fn a_device_or_a_missing_file_is_refused_as_lint_refuses_it() {
    refused_as_lint_refuses(
        "/dev/zero",
        "error: reading /dev/zero: a device or socket, not a file\n",
    );
    refused_as_lint_refuses(
        "nothere.zone",
        "error: reading nothere.zone: no such file or directory\n",
    );
}
