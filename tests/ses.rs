//! `--ses-identity`: the AWS CLI's SES output (fixtures/ses/) as input to
//! `records` (the record set of the real tokens) and `diagnose` (those
//! records checked, SES's status explained). Offline through `--zone`
//! (fixtures/ses/example.net.zone publishes the three good CNAMEs), and
//! once against the in-process DNS server with the document on stdin.

use crate::dns_server::DnsServer;
use crate::util::{Run, TestDir, fx};

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const D: &str = "dddddddddddddddddddddddddddddddd";
const E: &str = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
const F: &str = "ffffffffffffffffffffffffffffffff";

fn ses(name: &str) -> String {
    fx(&format!("ses/{name}"))
}

/// `diagnose example.net --zone ... --json` with `args`: the exit code and
/// one line per finding, `severity code subject: message`, then a line
/// per selector verdict.
fn diagnose(args: &[&str]) -> (i32, Vec<String>) {
    let dir = TestDir::new();
    let (zone, provider) = (ses("example.net.zone"), fx("diagnose/provider.zone"));
    let mut all = vec![
        "diagnose",
        "example.net",
        "--zone",
        &zone,
        "--zone",
        &provider,
        "--no-ns-check",
        "--json",
    ];
    all.extend(args);
    let run = dir.cmd(&all).run();
    (run.code(), lines(&run))
}

fn lines(run: &Run) -> Vec<String> {
    let doc = run.json();
    let mut out: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f["severity"].as_str().unwrap(),
                f["code"].as_str().unwrap(),
                f["subject"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    out.extend(
        doc["selectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["verdict"].as_str().unwrap().to_string()),
    );
    out
}

fn strings(expected: &[&str]) -> Vec<String> {
    expected.iter().map(|s| s.to_string()).collect()
}

fn ok3() -> Vec<String> {
    [A, D, F]
        .iter()
        .map(|t| format!("{t}: ok (RSA-2048)"))
        .collect()
}

/// The three verdicts after `findings`.
fn with_ok3(findings: &[&str]) -> Vec<String> {
    let mut all = strings(findings);
    all.extend(ok3());
    all
}

// ---- records

#[test]
fn records_writes_the_set_of_the_sesv2_tokens_and_the_v1_verification_token() {
    let dir = TestDir::new();
    let (doc, verification) = (
        ses("sesv2-success.json"),
        ses("v1-verification-attributes.json"),
    );
    dir.cmd(&[
        "records",
        "example.net",
        "--ses-identity",
        &doc,
        "--ses-identity",
        &verification,
        "--zone",
    ])
    .run()
    .assert_exit(0)
    .assert_stdout(&format!(
        "{A}._domainkey.example.net. 1800 IN CNAME {A}.dkim.amazonses.com.
{D}._domainkey.example.net. 1800 IN CNAME {D}.dkim.amazonses.com.
{F}._domainkey.example.net. 1800 IN CNAME {F}.dkim.amazonses.com.
_amazonses.example.net.                                  1800 IN TXT   \"pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8lGhcfwefcHU=\"
"
    ));
}

#[test]
fn records_reads_v1_shapes_and_standard_input_without_making_up_a_verification_token() {
    let dir = TestDir::new();
    let want = format!(
        "Type,Name,Value
CNAME,{A}._domainkey.example.net,{A}.dkim.amazonses.com
CNAME,{D}._domainkey.example.net,{D}.dkim.amazonses.com
CNAME,{F}._domainkey.example.net,{F}.dkim.amazonses.com
"
    )
    .replace('\n', "\r\n");
    let stdin = std::fs::read(ses("v1-verify-domain-dkim.json")).unwrap();
    dir.cmd(&["records", "example.net", "--ses-identity", "-", "--csv"])
        .stdin(stdin)
        .run()
        .assert_exit(0)
        .assert_stdout(&want);
    // get-identity-dkim-attributes names the domain and an address in it:
    // the address needs no records of its own.
    let doc = ses("v1-dkim-attributes.json");
    dir.cmd(&["records", "example.net", "--ses-identity", &doc, "--csv"])
        .run()
        .assert_exit(0)
        .assert_stdout(&want);
}

#[test]
fn records_for_byodkim_takes_the_selector_from_ses_and_needs_the_key() {
    let dir = TestDir::new();
    let doc = ses("sesv2-byodkim.json");
    dir.cmd(&["records", "example.net", "--ses-identity", &doc])
        .run()
        .assert_exit(2)
        .assert_stdout("")
        .assert_stderr("error: the SES identity uses BYODKIM (selector byo): its TXT key record needs the key; give --key FILE (the private key given to SES) or --public-key FILE\n");
    let key = fx("keys/ed25519.pem");
    let run = dir
        .cmd(&[
            "records",
            "example.net",
            "--ses-identity",
            &doc,
            "--key",
            &key,
            "--zone",
        ])
        .run();
    run.assert_exit(0);
    let out = run.stdout();
    assert!(
        out.starts_with("byo._domainkey.example.net. 1800 IN TXT   \"v=DKIM1; k=ed25519; p="),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn records_refuses_documents_of_two_set_ups_or_of_another_domain() {
    let dir = TestDir::new();
    let (one, other) = (ses("sesv2-success.json"), ses("v1-dkim-other-region.json"));
    dir.cmd(&[
        "records",
        "example.net",
        "--ses-identity",
        &one,
        "--ses-identity",
        &other,
    ])
    .run()
    .assert_exit(2)
    .assert_stdout("")
    .assert_stderr(&format!(
        "error: {other} (example.net): its DKIM set-up ({E}, {A}, {D}) differs from that of {one} ({A}, {D}, {F}); a record set holds one: run records once per document (diagnose checks them all at once)\n"
    ));
    let v1 = ses("v1-dkim-attributes.json");
    dir.cmd(&["records", "example.com", "--ses-identity", &v1])
        .run()
        .assert_exit(2)
        .assert_stderr(&format!(
            "error: {v1}: the document is about bob@example.net, example.net, not example.com or an address in it\n"
        ));
}

#[test]
fn another_shape_or_not_json_is_one_error_line_naming_the_shapes() {
    let dir = TestDir::new();
    let garbage = dir.write("garbage.json", "not json at all");
    let batch = ses("not-ses.json");
    for file in [batch.as_str(), garbage.to_str().unwrap()] {
        let want = format!(
            "error: {file}: not an SES identity document: expected the JSON output of aws sesv2 get-email-identity, aws ses get-identity-dkim-attributes, aws ses verify-domain-dkim or aws ses get-identity-verification-attributes\n"
        );
        dir.cmd(&["records", "example.net", "--ses-identity", file])
            .run()
            .assert_exit(2)
            .assert_stdout("")
            .assert_stderr(&want);
        dir.cmd(&["diagnose", "example.net", "--ses-identity", file])
            .run()
            .assert_exit(2)
            .assert_stdout("")
            .assert_stderr(&want);
    }
    let bad_status = dir.write(
        "status.json",
        r#"{"DkimAttributes":{"Status":"MAYBE","Tokens":[]}}"#,
    );
    dir.cmd(&["diagnose", "example.net", "--ses-identity", "status.json"])
        .run()
        .assert_exit(2)
        .assert_stderr("error: status.json: DkimAttributes.Status 'MAYBE' is not PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE or NOT_STARTED\n");
    drop(bad_status);
}

#[test]
fn standard_input_is_read_once() {
    let dir = TestDir::new();
    dir.cmd(&[
        "diagnose",
        "example.net",
        "--ses-identity",
        "-",
        "--ses-identity",
        "-",
    ])
    .stdin(std::fs::read(ses("sesv2-success.json")).unwrap())
    .run()
    .assert_exit(2)
    .assert_stdout("")
    .assert_stderr("error: standard input can be read only once; give `-` for one input and files for the others\n");
}

// ---- diagnose: each status

#[test]
fn success_with_the_records_in_place_is_clean() {
    let doc = ses("sesv2-success.json");
    assert_eq!(diagnose(&["--ses-identity", &doc]), (0, ok3()));
}

#[test]
fn pending_with_the_records_in_place_says_wait() {
    let doc = ses("sesv2-pending.json");
    assert_eq!(
        diagnose(&["--ses-identity", &doc]),
        (
            0,
            with_ok3(&[&format!(
                "info ses-pending example.net: SES ({doc}) reports PENDING, and the CNAMEs are published and correct as seen from here: SES has not looked since, or sees other name servers"
            )])
        )
    );
}

#[test]
fn pending_ties_to_the_record_findings() {
    let doc = ses("v1-dkim-other-region.json");
    let (code, got) = diagnose(&["--ses-identity", &doc]);
    assert_eq!(code, 1);
    assert_eq!(
        got,
        strings(&[
            &format!(
                "error record-missing {E}._domainkey.example.net: nothing is published at {E}._domainkey.example.net (NXDOMAIN)"
            ),
            &format!(
                "error ses-pending example.net: SES ({doc} (example.net)) reports PENDING: 1 of its 3 records is missing or wrong here too, so SES cannot see it: {E}._domainkey.example.net (record-missing)"
            ),
            &format!("{E}: record-missing"),
            &format!("{A}: ok (RSA-2048)"),
            &format!("{D}: ok (RSA-2048)"),
        ])
    );
}

#[test]
fn failed_says_ses_stopped_looking() {
    let doc = ses("sesv2-failed.json");
    assert_eq!(
        diagnose(&["--ses-identity", &doc]),
        (
            1,
            with_ok3(&[&format!(
                "error ses-failed example.net: SES ({doc}) reports FAILED: it could not find the records and stopped looking; they are in place now"
            )])
        )
    );
}

#[test]
fn temporary_failure_with_good_records_points_at_dns() {
    let doc = ses("sesv2-temporary-failure.json");
    assert_eq!(
        diagnose(&["--ses-identity", &doc]),
        (
            0,
            with_ok3(&[&format!(
                "warning ses-temporary-failure example.net: SES ({doc}) reports TEMPORARY_FAILURE, but the records look right from here: SES may have met a DNS failure (a name server that failed or timed out)"
            )])
        )
    );
}

#[test]
fn not_started_says_so() {
    let doc = ses("sesv2-not-started.json");
    assert_eq!(
        diagnose(&["--ses-identity", &doc]),
        (
            0,
            with_ok3(&[&format!(
                "warning ses-not-started example.net: SES ({doc}) reports NOT_STARTED: DKIM verification was never started for example.net"
            )])
        )
    );
}

#[test]
fn success_but_a_record_gone_warns_of_the_coming_failure() {
    let doc = ses("sesv2-success-changed.json");
    let g = "gggggggggggggggggggggggggggggggg";
    let (code, got) = diagnose(&["--ses-identity", &doc]);
    assert_eq!(code, 1);
    assert_eq!(
        got,
        strings(&[
            &format!(
                "error record-missing {g}._domainkey.example.net: nothing is published at {g}._domainkey.example.net (NXDOMAIN)"
            ),
            &format!(
                "error ses-records-changed example.net: SES ({doc}) reported SUCCESS, but 1 of its 3 records is now missing or changed: {g}._domainkey.example.net (record-missing); when SES next looks it moves to TEMPORARY_FAILURE, then FAILED, and stops signing"
            ),
            &format!("{A}: ok (RSA-2048)"),
            &format!("{D}: ok (RSA-2048)"),
            &format!("{g}: record-missing"),
        ])
    );
}

#[test]
fn signing_off_is_an_error_with_the_command_that_turns_it_on() {
    let dir = TestDir::new();
    let doc = ses("sesv2-signing-off.json");
    let (zone, provider) = (ses("example.net.zone"), fx("diagnose/provider.zone"));
    let run = dir
        .cmd(&[
            "diagnose",
            "example.net",
            "--zone",
            &zone,
            "--zone",
            &provider,
            "--no-ns-check",
            "--ses-identity",
            &doc,
        ])
        .run();
    run.assert_exit(1);
    let out = run.stdout();
    assert!(
        out.contains(
            "\n[1] aws sesv2 put-email-identity-dkim-attributes --email-identity example.net --signing-enabled\n"
        ),
        "{out}"
    );
    let (code, got) = diagnose(&["--ses-identity", &doc]);
    assert_eq!(code, 1);
    assert_eq!(
        got,
        with_ok3(&[&format!(
            "error ses-signing-disabled example.net: SES ({doc}): the records are in place, but DKIM signing is off for example.net, so SES does not sign its mail with d=example.net"
        )])
    );
}

#[test]
fn byodkim_compares_the_key_length_ses_signs_with() {
    let doc = ses("sesv2-byodkim.json");
    assert_eq!(
        diagnose(&["--ses-identity", &doc]),
        (
            1,
            strings(&[
                &format!(
                    "error ses-key-length byo._domainkey.example.net: SES ({doc}) signs with a 1024-bit key (CurrentSigningKeyLength), but the key published at byo._domainkey.example.net is 2048-bit"
                ),
                "byo: ok (RSA-2048)",
            ])
        )
    );
}

// ---- diagnose: several documents

#[test]
fn a_region_without_the_set_up_is_named() {
    let (one, other) = (ses("sesv2-success.json"), ses("v1-dkim-not-started.json"));
    assert_eq!(
        diagnose(&["--ses-identity", &one, "--ses-identity", &other]),
        (
            0,
            with_ok3(&[
                &format!(
                    "warning ses-not-started example.net: SES ({other} (example.net)) reports NOT_STARTED: DKIM verification was never started for example.net"
                ),
                &format!(
                    "warning ses-regions-differ example.net: SES ({one}) has DKIM set up for example.net, but SES ({other} (example.net)) has not started it (NOT_STARTED): mail sent through the second is not signed with d=example.net"
                ),
            ])
        )
    );
}

#[test]
fn regions_with_their_own_tokens_are_all_checked() {
    let (eu, other) = (
        ses("sesv2-deterministic-eu-west-1.json"),
        ses("v1-dkim-other-region.json"),
    );
    let (code, got) = diagnose(&["--ses-identity", &eu, "--ses-identity", &other]);
    assert_eq!(code, 1);
    assert_eq!(
        got,
        strings(&[
            &format!(
                "error record-missing {E}._domainkey.example.net: nothing is published at {E}._domainkey.example.net (NXDOMAIN)"
            ),
            &format!(
                "error ses-pending example.net: SES ({other} (example.net)) reports PENDING: 1 of its 3 records is missing or wrong here too, so SES cannot see it: {E}._domainkey.example.net (record-missing)"
            ),
            &format!(
                "info ses-regions-differ example.net: SES in eu-west-1 ({eu}) and SES ({other} (example.net)) each hold their own tokens for example.net: all 6 records must stay published, and each set was checked above"
            ),
            &format!("{A}: ok (RSA-2048)"),
            &format!("{D}: ok (RSA-2048)"),
            &format!("{F}: ok (RSA-2048)"),
            &format!("{E}: record-missing"),
        ])
    );
}

#[test]
fn an_address_identity_beside_its_domain_says_which_governs() {
    let want = |code| {
        (
            code,
            with_ok3(&[
                "error identity-override bob@example.net: bob@example.net is governed by the more specific verified identity bob@example.net: DKIM is off for it, so mail from this sender is not signed, whatever is set for example.net",
            ]),
        )
    };
    let v1 = ses("v1-dkim-attributes.json");
    assert_eq!(diagnose(&["--ses-identity", &v1]), want(1));
    let (domain, address) = (
        ses("sesv2-success.json"),
        format!("bob@example.net={}", ses("sesv2-address-signing-off.json")),
    );
    assert_eq!(
        diagnose(&["--ses-identity", &domain, "--ses-identity", &address]),
        want(1)
    );
    // The sesv2 output of an address does not name it.
    let dir = TestDir::new();
    let bare = ses("sesv2-address-signing-off.json");
    dir.cmd(&["diagnose", "example.net", "--ses-identity", &bare])
        .run()
        .assert_exit(2)
        .assert_stdout("")
        .assert_stderr(&format!("error: {bare}: this is the output for an e-mail address identity, which does not name the address: give it as ADDRESS=FILE\n"));
}

#[test]
fn the_verification_token_of_a_v1_document_is_checked() {
    let (tokens, verification) = (
        ses("v1-verify-domain-dkim.json"),
        ses("v1-verification-attributes.json"),
    );
    assert_eq!(
        diagnose(&["--ses-identity", &tokens, "--ses-identity", &verification]),
        (0, ok3())
    );
    // A token example.net does not publish at _amazonses.
    let dir = TestDir::new();
    let other = dir.write(
        "other.json",
        r#"{"VerificationAttributes":{"example.net":{"VerificationStatus":"Pending","VerificationToken":"another-token="}}}"#,
    );
    let other = other.to_str().unwrap();
    let (code, got) = diagnose(&["--ses-identity", &tokens, "--ses-identity", other]);
    assert_eq!(code, 1);
    assert_eq!(
        got,
        with_ok3(&[
            "error verification-missing _amazonses.example.net: _amazonses.example.net holds pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8lGhcfwefcHU=, not the expected token",
            &format!(
                "error ses-pending _amazonses.example.net: SES ({other} (example.net)) reports domain verification PENDING: _amazonses.example.net does not hold its token (verification-missing)"
            ),
        ])
    );
    // FAILED, though the token is published now.
    let failed = dir.write(
        "failed.json",
        r#"{"VerificationAttributes":{"example.net":{"VerificationStatus":"Failed","VerificationToken":"pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8lGhcfwefcHU="}}}"#,
    );
    let failed = failed.to_str().unwrap();
    assert_eq!(
        diagnose(&["--ses-identity", &tokens, "--ses-identity", failed]),
        (
            1,
            with_ok3(&[&format!(
                "error ses-failed _amazonses.example.net: SES ({failed} (example.net)) reports domain verification FAILED: it stopped looking; the token is published now"
            )])
        )
    );
}

#[test]
fn probing_says_which_names_it_tried_and_how_to_give_the_real_ones() {
    let dir = TestDir::new();
    let (zone, provider) = (ses("example.net.zone"), fx("diagnose/provider.zone"));
    let run = dir
        .cmd(&[
            "diagnose",
            "example.net",
            "--zone",
            &zone,
            "--zone",
            &provider,
            "--no-ns-check",
        ])
        .run();
    let out = run.stdout();
    let head: Vec<&str> = out.lines().take(4).collect();
    assert_eq!(
        head,
        [
            "Domain: example.net (zone example.net)",
            "Probed 17 common selectors: google, selector1, selector2, k1, k2, k3, s1, s2, default, dkim, mail, smtp, dkim1, mandrill, mxvault, everlytickey1, sig1",
            "Found: none",
            "These are common names only; Amazon SES Easy DKIM uses random tokens. Give the real selectors with --ses-identity FILE (the output of aws sesv2 get-email-identity), --token, --message FILE or --selector.",
        ]
    );
}

// ---- live DNS, the document on standard input

#[test]
fn diagnose_over_dns_with_the_document_on_standard_input() {
    let text = |name: &str| std::fs::read_to_string(fx(&format!("diagnose/{name}"))).unwrap();
    let dns = DnsServer::builder()
        .zone("example.com.", &text("example.com.zone"))
        .zone("dkim.amazonses.com.", &text("provider.zone"))
        .start();
    let dir = TestDir::new();
    let ns = dns.nameserver();
    let run = dir
        .cmd(&[
            "diagnose",
            "example.com",
            "--nameserver",
            &ns,
            "--no-ns-check",
            "--json",
            "--ses-identity",
            "-",
        ])
        .stdin(std::fs::read(ses("sesv2-example-com-pending.json")).unwrap())
        .run();
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert_eq!(
        lines(&run),
        strings(&[
            &format!(
                "error cname-dangling {E}._domainkey.example.com: the CNAME points to {E}.dkim.amazonses.com, which has no key record (NXDOMAIN)"
            ),
            &format!(
                "error ses-pending example.com: SES in us-east-1 (standard input) reports PENDING: 1 of its 3 records is missing or wrong here too, so SES cannot see it: {E}._domainkey.example.com (cname-dangling)"
            ),
            &format!("{A}: ok (RSA-2048)"),
            &format!("{E}: cname-dangling"),
            &format!("{F}: ok (RSA-2048)"),
        ])
    );
}

#[test]
fn control_characters_in_a_document_are_refused_escaped() {
    let dir = TestDir::new();
    dir.write(
        "ctl.json",
        "{\"DkimAttributes\":{\"bo\\u001b[31mb@example.net\":{\"DkimEnabled\":false,\"DkimTokens\":[]}}}",
    );
    dir.cmd(&["diagnose", "example.net", "--ses-identity", "ctl.json"])
        .run()
        .assert_exit(2)
        .assert_stdout("")
        .assert_stderr("error: ctl.json: identity 'bo\\u{1b}[31mb@example.net' is not an e-mail address (local@domain, visible ASCII)\n");
}
