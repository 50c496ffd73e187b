//! One command line: the same flag means the same thing on every command
//! (`-d`/`-s`, `-o/--output`, `--json`), a domain may end with a dot,
//! `verify` and `inspect` take files and directories like `sign`, and
//! `--out-dir` is made when missing.

use crate::util::{NOW, TestDir, fx};

const TOKENS: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,cccccccccccccccccccccccccccccccc";

fn stdout_of(dir: &TestDir, args: &[&str]) -> String {
    let run = dir.cmd(args).run();
    assert!(run.code() != 2, "{args:?}: {}", run.stderr());
    run.stdout()
}

#[test]
fn a_domain_is_the_same_with_a_trailing_dot_and_as_dash_d() {
    let dir = TestDir::new();
    let key = fx("keys/rsa2048.pem");
    let msg = fx("messages/plain.eml");
    let sign = |domain: &str| {
        let args = [
            "sign", &msg, "-d", domain, "-s", "s1", "-k", &key, "--now", NOW,
        ];
        stdout_of(&dir, &args)
    };
    assert_eq!(sign("example.com."), sign("example.com"));
    assert!(sign("Example.COM.").contains("d=example.com;"));
    let records = |args: &[&str]| {
        let base = ["records", "--tokens", TOKENS, "--no-verification"];
        stdout_of(&dir, &[&base[..], args].concat())
    };
    let plain = records(&["example.com"]);
    assert_eq!(records(&["example.com."]), plain);
    assert_eq!(records(&["-d", "example.com."]), plain);
    assert_eq!(records(&["--domain", "example.com"]), plain);
    let zone = fx("diagnose/example.com.zone");
    let diagnose = |args: &[&str]| {
        let base = ["diagnose", "-s", "s1", "--zone", &zone, "--no-ns-check"];
        stdout_of(&dir, &[&base[..], args].concat())
    };
    let plain = diagnose(&["example.com"]);
    assert_eq!(diagnose(&["example.com."]), plain);
    assert_eq!(diagnose(&["-d", "example.com."]), plain);
    let pub_key = fx("keys/rsa2048.pub.pem");
    let check = |domain: &str| {
        let args = [
            "key",
            "check",
            &pub_key,
            "--against",
            "dns",
            "-s",
            "s1",
            "-d",
            domain,
        ];
        stdout_of(&dir, &[&args[..], &["--zone", &zone]].concat())
    };
    assert_eq!(check("example.com."), check("example.com"));
}

#[test]
fn domain_flag_and_positional_are_one_argument() {
    let dir = TestDir::new();
    let run = dir
        .cmd(&["records", "example.com", "-d", "example.org"])
        .run();
    run.assert_exit(2);
    assert!(run.stderr().starts_with("error: "), "{}", run.stderr());
    let run = dir.cmd(&["diagnose", "-s", "s1"]).run();
    run.assert_exit(2);
    assert!(run.stderr().starts_with("error: "), "{}", run.stderr());
}

#[test]
fn keygen_writes_with_dash_o_output_and_the_old_out() {
    let dir = TestDir::new();
    for (i, flag) in ["-o", "--output", "--out"].iter().enumerate() {
        let name = format!("k{i}.pem");
        let path = dir.join(&name);
        let run = dir
            .cmd(&["keygen", "-t", "ed25519", flag, path.to_str().unwrap()])
            .run();
        run.assert_exit(0);
        assert!(
            dir.read(&name).starts_with(b"-----BEGIN PRIVATE KEY-----"),
            "{flag}"
        );
    }
}

#[test]
fn lint_json_is_format_json() {
    let dir = TestDir::new();
    let zone = fx("diagnose/example.com.zone");
    let json = dir.cmd(&["lint", "--json", &zone]).run();
    let format = dir.cmd(&["lint", "--format", "json", &zone]).run();
    assert_eq!(json.code(), format.code());
    assert_eq!(json.stdout(), format.stdout());
    assert!(json.stdout().starts_with("{\n"));
    dir.cmd(&["lint", "--json", "--format", "sarif", &zone])
        .run()
        .assert_exit(2);
}

/// Two signed messages in a folder of their own.
fn signed_folder(dir: &TestDir) -> std::path::PathBuf {
    let out = dir.join("signed");
    let key = fx("keys/rsa2048.pem");
    let run = dir
        .cmd(&[
            "sign",
            &fx("messages/plain.eml"),
            &fx("messages/plain-lf.eml"),
            "-d",
            "example.com",
            "-s",
            "rsa2048",
            "-k",
            &key,
            "--now",
            NOW,
            "--out-dir",
            out.to_str().unwrap(),
        ])
        .run();
    run.assert_exit(0);
    out
}

#[test]
fn verify_and_inspect_take_folders_and_several_files() {
    let dir = TestDir::new();
    let folder = signed_folder(&dir);
    let folder = folder.to_str().unwrap();
    let keys = fx("keys/keys.zone");
    let run = dir
        .cmd(&["verify", folder, "--zone", &keys, "--now", NOW])
        .run();
    run.assert_exit(0);
    run.assert_stdout(&format!(
        "{folder}/plain-lf.eml: pass d=example.com s=rsa2048 a=rsa-sha256\n\
         {folder}/plain.eml: pass d=example.com s=rsa2048 a=rsa-sha256\n"
    ));
    let run = dir
        .cmd(&["inspect", folder, "--zone", &keys, "--now", NOW])
        .run();
    run.assert_exit(0);
    let heads: Vec<String> = run
        .stdout()
        .lines()
        .filter(|l| l.starts_with("== ") || l.starts_with("DKIM-Signature"))
        .map(str::to_string)
        .collect();
    assert_eq!(
        heads,
        [
            format!("== {folder}/plain-lf.eml"),
            "DKIM-Signature #1: pass".to_string(),
            format!("== {folder}/plain.eml"),
            "DKIM-Signature #1: pass".to_string(),
        ]
    );
    // JSON: one document per file under "messages"; a missing file is
    // reported there and on stderr, and the run exits 2.
    let one = format!("{folder}/plain.eml");
    let run = dir
        .cmd(&[
            "inspect",
            &one,
            "missing.eml",
            "--zone",
            &keys,
            "--now",
            NOW,
            "--json",
        ])
        .run();
    run.assert_exit(2);
    let doc = run.json();
    assert_eq!(doc["messages"][0]["file"], one.as_str());
    assert_eq!(doc["messages"][0]["summary"], "all_pass");
    assert_eq!(
        doc["messages"][1],
        serde_json::json!({"file": "missing.eml", "error": "reading missing.eml: no such file or directory"})
    );
    assert_eq!(
        run.stderr(),
        "error: reading missing.eml: no such file or directory\n"
    );
    // One file alone keeps the one-document form.
    let run = dir
        .cmd(&["inspect", &one, "--zone", &keys, "--now", NOW, "--json"])
        .run();
    let doc = run.json();
    assert_eq!(doc["file"], one.as_str());
}

#[test]
fn out_dir_is_made_when_missing_and_not_left_when_nothing_is_signed() {
    let dir = TestDir::new();
    let folder = signed_folder(&dir);
    assert!(folder.join("plain.eml").is_file());
    let target = dir.join("new/deeper");
    let empty = dir.write("empty.eml", "");
    let run = dir
        .cmd(&[
            "sign",
            empty.to_str().unwrap(),
            "-d",
            "example.com",
            "-s",
            "s1",
            "-k",
            &fx("keys/rsa2048.pem"),
            "--out-dir",
            target.to_str().unwrap(),
        ])
        .run();
    run.assert_exit(2);
    assert!(!dir.join("new").exists(), "a failed batch left its folder");
}
