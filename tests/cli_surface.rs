//! The whole argument surface through the built binary: random argument
//! vectors made from the real subcommands and flags (read from each
//! command's `-h`: its flags, their value names and possible values, the
//! flags its `Usage:` line requires), with fitting and hostile values,
//! never panic, exit 0 to 3, explain every exit 2 with an `error: ` line,
//! change nothing when they exit 2, and write nothing outside their
//! scratch directory (nor in TMPDIR or HOME, both pointed at an empty one).
//!
//! The seed is fresh each run and printed first; `DKIMCTL_CLI_SEED=N`
//! reruns one, `DKIMCTL_CLI_CASES=N` sets the number of vectors (default
//! 400; `.ci/run` asks for more). A failure prints the seed, the case
//! number and the argument vector.
//!
//! No case can reach real DNS: `--nameserver` only ever gets one of two
//! in-process test servers on 127.0.0.1 (one serving the test keys, one
//! answering SERVFAIL) or a non-address, and a command that could ask DNS
//! (verify, inspect, diagnose, key check) without `--zone`, `--key-record`
//! or a `--nameserver` of its own is pointed at the first server before
//! anything else.
//!
//! Left out on purpose: a FIFO as input (opening it waits for a writer, as
//! `cat` does) and a device, FIFO or symlink as an output path (an open
//! issue of its own).

use crate::dns_server::DnsServer;
use crate::util::{fixture, serial};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Vectors per run unless `DKIMCTL_CLI_CASES` says otherwise.
const DEFAULT_CASES: usize = 400;
/// How long one run may take before it counts as hanging.
const CASE_TIMEOUT: Duration = Duration::from_secs(20);

/// splitmix64: small, seedable, the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One flag as `-h` shows it.
#[derive(Debug, Clone)]
struct Flag {
    /// `--long` and/or `-s`.
    names: Vec<String>,
    /// `<VALUE>` without the brackets, when it takes one.
    value_name: Option<String>,
    /// `[possible values: ...]`.
    possible: Vec<String>,
}

impl Flag {
    fn long(&self) -> &str {
        self.names
            .iter()
            .find(|n| n.starts_with("--"))
            .unwrap_or(&self.names[0])
    }
}

/// One leaf command: its words (`["key", "check"]`), flags and positionals.
#[derive(Debug, Clone)]
struct Leaf {
    words: Vec<String>,
    flags: Vec<Flag>,
    /// Flags the `Usage:` line names outside `[OPTIONS]`: required.
    required: Vec<String>,
    positionals: Vec<String>,
}

fn help(bin: &Path, words: &[String]) -> String {
    let out = Command::new(bin)
        .args(words)
        .arg("-h")
        .env_clear()
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("dkimctl -h runs");
    assert_eq!(out.status.code(), Some(0), "{words:?} -h");
    String::from_utf8(out.stdout).expect("help is UTF-8")
}

/// The lines of one `Heading:` section of a help text.
fn section<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

/// One flag from its block of help lines (the flag line and the wrapped
/// description under it).
fn flag(block: &str) -> Flag {
    let mut flag = Flag {
        names: Vec::new(),
        value_name: None,
        possible: Vec::new(),
    };
    for token in block.split_whitespace() {
        let token = token.trim_end_matches(',');
        if token.starts_with('-') && flag.value_name.is_none() {
            flag.names.push(token.to_string());
        } else if let Some(v) = token.strip_prefix('<') {
            flag.value_name = Some(v.trim_end_matches('>').trim_end_matches("...").into());
        } else {
            break;
        }
    }
    if let Some(at) = block.find("[possible values: ") {
        let list = &block[at + "[possible values: ".len()..];
        flag.possible = list
            .split(']')
            .next()
            .unwrap_or_default()
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
    }
    flag
}

/// Every leaf command, from `dkimctl -h` down.
fn leaves(bin: &Path, words: &mut Vec<String>, out: &mut Vec<Leaf>) {
    let text = help(bin, words);
    let commands: Vec<String> = section(&text, "Commands:")
        .iter()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    if !commands.is_empty() {
        for command in commands {
            words.push(command);
            leaves(bin, words, out);
            words.pop();
        }
        return;
    }
    let positionals = section(&text, "Arguments:")
        .iter()
        .filter_map(|l| l.trim_start().strip_prefix(['<', '[']))
        .filter_map(|l| {
            let (name, rest) = l.split_once(['>', ']'])?;
            let many = rest.starts_with("...");
            Some(if many {
                format!("{name}...")
            } else {
                name.to_string()
            })
        })
        .collect();
    // A flag's block: its line (indented at most 6) and the deeper lines
    // its description wraps onto.
    let mut blocks: Vec<String> = Vec::new();
    for line in section(&text, "Options:") {
        let trimmed = line.trim_start();
        if trimmed.starts_with('-') && line.len() - trimmed.len() <= 6 {
            blocks.push(trimmed.to_string());
        } else if let Some(block) = blocks.last_mut() {
            block.push(' ');
            block.push_str(trimmed);
        }
    }
    let mut flags: Vec<Flag> = blocks.iter().map(|b| flag(b)).collect();
    flags.retain(|f| !f.names.is_empty() && f.names[0] != "-h" && f.names[0] != "-V");
    let usage = text
        .lines()
        .find_map(|l| l.strip_prefix("Usage: "))
        .unwrap_or_default();
    let required = usage
        .split_whitespace()
        .filter(|t| t.starts_with("--"))
        .map(str::to_string)
        .collect();
    out.push(Leaf {
        words: words.clone(),
        flags,
        required,
        positionals,
    });
}

/// The files every case finds in its scratch directory (fresh per case).
fn scratch_files() -> Vec<(&'static str, Vec<u8>)> {
    let read = |p: &str| std::fs::read(fixture(p)).expect("fixture can be read");
    vec![
        ("msg.eml", read("verify/b-folded-simple.eml")),
        ("plain.eml", read("messages/plain.eml")),
        ("key.pem", read("keys/ed25519.pem")),
        ("rsa.pem", read("keys/rsa2048.pem")),
        ("rsa.pub.pem", read("keys/rsa2048.pub.pem")),
        ("keys.zone", read("keys/keys.zone")),
        ("records.csv", read("records/hosted.csv")),
        ("r53.json", read("records/hosted.route53.json")),
        ("ses.json", read("ses/sesv2-success.json")),
        (
            "domains.txt",
            b"example.com\n\x01bad\n# c\nsub.example.com\n".to_vec(),
        ),
        ("empty", Vec::new()),
        ("garbage", (0..=255u8).cycle().take(3000).collect()),
    ]
}

/// Where one case runs: its directory (the cwd is `work/` in it) and the
/// two DNS servers.
struct Ctx<'a> {
    case: &'a Path,
    dns: &'a str,
    servfail: &'a str,
    /// Percent of values that are hostile rather than fitting; some cases
    /// are mostly well-formed, to get past clap and into the command.
    hostility: u64,
}

/// Hostile values and a few good ones, for any flag or positional.
fn hostile(rng: &mut Rng, ctx: &Ctx) -> String {
    let long = "a".repeat(300);
    let labels = ["x"; 130].join(".");
    let values = [
        "",
        "-",
        "--",
        "0",
        "-1",
        "1e20",
        "99999999999999999999",
        "18446744073709551616",
        "NaN",
        "inf",
        "0.0000001",
        "3600.5",
        " ",
        "\t\x01\x1b[31m\x7f",
        "line\nbreak",
        "é_ü.例え",
        "example.com",
        "example.com.",
        "s1._domainkey.example.com",
        "_domainkey",
        "..",
        "a..b",
        "ed25519",
        "user@example.com",
        "relaxed/simple",
        "7d",
        "v=DKIM1; p=",
        "dns",
        &long,
        &labels,
        "msg.eml",
        "key.pem",
        "keys.zone",
        "garbage",
        "empty",
        "missing",
        "missing/dir/file",
        "../sibling",
        ".",
        "dir",
    ];
    match rng.below(14) {
        0 => ctx.case.join("missing").display().to_string(),
        1 => ctx.case.display().to_string(),
        _ => rng.pick(&values).to_string(),
    }
}

/// Values that fit an argument, by its flag (`--out`) and value or
/// positional name (`FILE`), so most runs get past clap into the command.
/// Inputs may be a device (`/dev/null`); outputs never are (a device, FIFO
/// or symlink as -o/--out is a known open issue of its own).
fn fitting(leaf: &Leaf, flag: Option<&str>, name: &str) -> Vec<String> {
    const TOKEN: &str = "abcdefghijklmnopqrstuvwxyz234567";
    const OTHER: &str = "bcdefghijklmnopqrstuvwxyz234567a";
    const THIRD: &str = "cdefghijklmnopqrstuvwxyz234567ab";
    let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
    let command = leaf.words.join(" ");
    match (flag.unwrap_or(""), name) {
        ("--out" | "--output" | "-o", _) => list(&[
            "out.pem",
            "new.eml",
            "dir/out",
            "msg.eml",
            "missing/dir/file",
            "dir",
        ]),
        ("--out-dir" | "--dir", _) => list(&["dir", "outdir", "missing/x", "msg.eml"]),
        ("--key" | "--public-key", _) | ("", "FILE")
            if command == "key check" || flag.is_some() =>
        {
            list(&[
                "key.pem",
                "rsa.pem",
                "rsa.pub.pem",
                "garbage",
                "empty",
                "/dev/null",
                "-",
            ])
        }
        ("--against", _) => list(&[
            "dns",
            "rsa.pub.pem",
            "key.pem",
            "v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvEeBURV28GXum3RB8EZ4cOK+nmY=",
            "v=DKIM1; p=",
            "garbage",
        ]),
        ("--zone", _) | ("", "ZONEFILE") => list(&[
            "keys.zone",
            "r53.json",
            "garbage",
            "empty",
            "/dev/null",
            "dir",
        ]),
        ("--records" | "--expect", _) => list(&["records.csv", "garbage", "empty", "keys.zone"]),
        ("--ses-identity", _) => list(&[
            "ses.json",
            "bob@example.com=ses.json",
            "r53.json",
            "garbage",
            "empty",
            "-",
        ]),
        ("--batch" | "--identities", _) => list(&["domains.txt", "empty", "garbage", "-"]),
        ("--message", _) | ("", "FILE") => list(&[
            "msg.eml",
            "plain.eml",
            "-",
            "dir",
            "garbage",
            "empty",
            "/dev/null",
        ]),
        ("--key-record", _) | (_, "RECORD") => list(&[
            "v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvEeBURV28GXum3RB8EZ4cOK+nmY=",
            "v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK3g3UPze/KfXLIgRSJmheutuUqXg6QH39WcCthLqDYn+sQUanI/jts/BJ06KlywntWIGDsMbLpLRGbtbiXOi/ECAwEAAQ==",
            "v=DKIM1; p=",
            "k=rsa; p=!!!",
            "v=DKIM2",
        ]),
        ("--from", _) | (_, "ADDRESS" | "IDENTITY") => list(&[
            "user@example.com",
            "@example.com",
            "user@sub.example.com",
            "@other.org",
            "no-at",
            "a@",
        ]),
        (_, "DOMAIN" | "HOST") => list(&[
            "example.com",
            "example.com.",
            "sub.example.com",
            "EXAMPLE.COM",
            "other.org",
            "xn--bcher-kva.example",
            "bücher.example",
            "bad-.example",
        ]),
        (_, "SELECTOR" | "S") => list(&[
            "ed25519", "rsa2048", "rsa1024", "rsa512", "revoked", "testing", "s1", "a-b", "a_b",
        ]),
        (_, "SECONDS" | "N" | "BITS" | "PORT" | "DURATION") => list(&[
            "1", "0", "2", "3", "10", "11", "64", "3600", "3601", "-1", "1.5", "7d", "90s", "2w",
            "15m", "12h", "1e3",
        ]),
        (_, "TOKEN") => list(&[TOKEN, "short", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"]),
        (_, "T1,T2,T3") => vec![
            format!("{TOKEN},{OTHER},{THIRD}"),
            format!("{TOKEN},{TOKEN},{TOKEN}"),
            format!("{TOKEN},{TOKEN}"),
            format!("{TOKEN},,{TOKEN}"),
            format!("{TOKEN},{TOKEN},{TOKEN},{TOKEN}"),
        ],
        (_, "HEADER/BODY") => list(&[
            "relaxed/simple",
            "simple",
            "simple/relaxed",
            "relaxed/x",
            "/",
        ]),
        (_, "FIELD:FIELD") => list(&["from:to:subject", "From", ":", "from::to", "x-é"]),
        (_, "FIELD") => list(&["Subject", "From", "to", "bad field"]),
        (_, "SHELL") => list(&["bash", "zsh", "fish", "elvish", "powershell", "ksh"]),
        _ => Vec::new(),
    }
}

/// A value for `--nameserver`: a loopback test server (one that answers,
/// one that answers SERVFAIL) or not an address; never another host, and
/// never a port nobody answers on (that is a wait, not a test).
fn nameserver_value(rng: &mut Rng, ctx: &Ctx) -> String {
    rng.pick(&[
        ctx.dns,
        ctx.dns,
        ctx.servfail,
        "example.com",
        "",
        "999.0.0.1",
        "127.0.0.1:99999",
        "127.0.0.1:x",
    ])
    .to_string()
}

/// A value for an argument: a possible value, a fitting one or a hostile one.
fn value(rng: &mut Rng, leaf: &Leaf, flag: Option<&Flag>, name: &str, ctx: &Ctx) -> String {
    if let Some(flag) = flag {
        if flag.long() == "--nameserver" {
            return nameserver_value(rng, ctx);
        }
        if !flag.possible.is_empty() && rng.chance(70) {
            return rng.pick(&flag.possible).clone();
        }
    }
    let fits = fitting(leaf, flag.map(Flag::long), name);
    if !fits.is_empty() && !rng.chance(ctx.hostility) {
        return rng.pick(&fits).clone();
    }
    hostile(rng, ctx)
}

/// `--flag VALUE`, `--flag=VALUE` or a bare switch.
fn push_flag(rng: &mut Rng, args: &mut Vec<String>, leaf: &Leaf, flag: &Flag, ctx: &Ctx) {
    let name = rng.pick(&flag.names).clone();
    match &flag.value_name {
        None => args.push(name),
        Some(value_name) => {
            let value = value(rng, leaf, Some(flag), value_name, ctx);
            if name.starts_with("--") && rng.chance(30) {
                args.push(format!("{name}={value}"));
            } else {
                args.push(name);
                args.push(value);
            }
        }
    }
}

/// One random argument vector for `leaf`.
fn vector(rng: &mut Rng, leaf: &Leaf, ctx: &Ctx) -> Vec<String> {
    let mut args = Vec::new();
    // The required flags most of the time, so the run gets past clap.
    for required in &leaf.required {
        let flag = leaf.flags.iter().find(|f| f.names.contains(required));
        if let Some(flag) = flag.filter(|_| rng.chance(95)) {
            push_flag(rng, &mut args, leaf, flag, ctx);
        }
    }
    let extra = if ctx.hostility < 10 { 4 } else { 7 };
    for _ in 0..rng.below(extra) {
        match rng.below(25) {
            0 => args.push(
                rng.pick(&["--no-such-flag", "--", "-", "-x", "--json=1"])
                    .to_string(),
            ),
            1 if ctx.hostility > 10 => args.push(hostile(rng, ctx)),
            _ if !leaf.flags.is_empty() => {
                let flag = rng.pick(&leaf.flags).clone();
                // Mostly each flag once: clap refuses most repeats.
                let used = args
                    .iter()
                    .any(|a| flag.names.iter().any(|n| a.starts_with(n.as_str())));
                if !used || rng.chance(10) {
                    push_flag(rng, &mut args, leaf, &flag, ctx);
                }
            }
            _ => {}
        }
    }
    if rng.chance(95) {
        for name in &leaf.positionals {
            let many = name.ends_with("...");
            let name = name.trim_end_matches("...");
            for _ in 0..1 + usize::from(many && rng.chance(25)) {
                args.push(value(rng, leaf, None, name, ctx));
            }
        }
    }
    finish(leaf, args, ctx)
}

/// The command words, then (for a command that could ask DNS, unless the
/// vector is offline or names a server itself) the test server, then `args`.
fn finish(leaf: &Leaf, args: Vec<String>, ctx: &Ctx) -> Vec<String> {
    // Offline or given a server by the vector itself (before any `--`)?
    let flags_part = args.iter().take_while(|a| *a != "--");
    let mut offline = false;
    let mut has_server = false;
    for a in flags_part {
        offline |= a.starts_with("--zone") || a.starts_with("--key-record");
        has_server |= a.starts_with("--nameserver");
    }
    let asks_dns = ["verify", "inspect", "diagnose", "key"].contains(&leaf.words[0].as_str());
    let mut full = leaf.words.clone();
    if asks_dns && !offline && !has_server {
        // Before anything else, so a `--` later cannot turn it into a positional.
        full.extend(["--nameserver".to_string(), ctx.dns.to_string()]);
    }
    full.extend(args);
    full
}

/// The first fitting value of an argument (fitting lists start with a
/// good one).
fn first_value(leaf: &Leaf, flag: Option<&Flag>, name: &str, ctx: &Ctx) -> String {
    if let Some(flag) = flag {
        if flag.long() == "--nameserver" {
            return ctx.dns.to_string();
        }
        if let Some(first) = flag.possible.first() {
            return first.clone();
        }
    }
    let fits = fitting(leaf, flag.map(Flag::long), name);
    fits.into_iter().next().unwrap_or_else(|| "x".into())
}

/// What a flag needs beside it to be accepted (clap's `requires` does not
/// show in `-h`), by command and flag; and whether it replaces the
/// positionals (`diagnose --batch` instead of a DOMAIN).
const COMPANIONS: &[(&str, &str, &[&str], bool)] = &[
    ("records", "--key", &["--selector", "ed25519"], false),
    ("records", "--public-key", &["--selector", "ed25519"], false),
    ("records", "--selector", &["--key", "key.pem"], false),
    ("keygen", "--selector", &["--domain", "example.com"], false),
    ("keygen", "--domain", &["--selector", "s1"], false),
    ("diagnose", "--batch", &[], true),
    (
        "diagnose",
        "--identities",
        &["--from", "user@example.com"],
        false,
    ),
    (
        "diagnose",
        "--from",
        &["--identities", "domains.txt"],
        false,
    ),
    (
        "key check",
        "--against",
        &["--selector", "ed25519", "--domain", "example.com"],
        false,
    ),
    ("completions", "--dir", &[], true),
];

/// The sweep: for every command, its required flags and positionals with
/// good values, alone and with each of its flags in turn, so every flag
/// reaches the command on every run, not only when the dice say so.
fn sweep(leaf: &Leaf, ctx: &Ctx) -> Vec<Vec<String>> {
    let push = |args: &mut Vec<String>, flag: &Flag| {
        args.push(flag.long().to_string());
        if let Some(value_name) = &flag.value_name {
            args.push(first_value(leaf, Some(flag), value_name, ctx));
        }
    };
    let mut base = Vec::new();
    for required in &leaf.required {
        if let Some(flag) = leaf.flags.iter().find(|f| f.names.contains(required)) {
            push(&mut base, flag);
        }
    }
    for name in &leaf.positionals {
        base.push(first_value(leaf, None, name.trim_end_matches("..."), ctx));
    }
    let mut out = vec![finish(leaf, base.clone(), ctx)];
    for flag in &leaf.flags {
        if leaf.required.iter().any(|r| flag.names.contains(r)) {
            continue;
        }
        let command = leaf.words.join(" ");
        let companion = COMPANIONS
            .iter()
            .find(|(c, f, _, _)| *c == command && *f == flag.long());
        let mut args = match companion {
            Some((_, _, _, true)) => base[..base.len() - leaf.positionals.len()].to_vec(),
            _ => base.clone(),
        };
        if let Some((_, _, extra, _)) = companion {
            args.extend(extra.iter().map(|a| a.to_string()));
        }
        push(&mut args, flag);
        out.push(finish(leaf, args, ctx));
    }
    out
}

/// What one run did.
struct Outcome {
    code: Option<i32>,
    stderr: String,
    timed_out: bool,
}

fn run(bin: &Path, args: &[String], cwd: &Path, tmp: &Path) -> Outcome {
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("TMPDIR", tmp)
        .env("HOME", tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dkimctl starts");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("dkimctl can be waited for") {
            break Some(status);
        }
        if start.elapsed() > CASE_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Outcome {
        code: status.and_then(|s| s.code()),
        stderr: reader.join().unwrap_or_default(),
        timed_out: status.is_none(),
    }
}

/// The problem with one run, if any; `changed` says whether the case's
/// directory differs from what it held before the run.
fn judge(outcome: &Outcome, changed: bool) -> Option<String> {
    if outcome.stderr.contains("panicked") {
        return Some("panicked".into());
    }
    if outcome.timed_out {
        return Some(format!("no exit within {CASE_TIMEOUT:?}"));
    }
    match outcome.code {
        Some(0 | 1 | 3) => None,
        Some(2) if !outcome.stderr.lines().any(|l| l.starts_with("error: ")) => {
            Some("exit 2 without an `error: ` line".into())
        }
        Some(2) if changed => Some("exit 2, but files were written or changed".into()),
        Some(2) => None,
        Some(code) => Some(format!("exit {code}")),
        None => Some("killed by a signal".into()),
    }
}

/// Names directly inside `dir`, sorted.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// Every path under `dir` with its bytes (a directory: none).
fn snapshot(dir: &Path, into: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
    for path in listing(dir) {
        let meta = std::fs::symlink_metadata(&path).ok();
        if meta.as_ref().is_some_and(|m| m.is_dir()) {
            into.insert(path.clone(), None);
            snapshot(&path, into);
        } else {
            into.insert(path.clone(), Some(std::fs::read(&path).unwrap_or_default()));
        }
    }
}

fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut map = BTreeMap::new();
    snapshot(dir, &mut map);
    map
}

#[test]
fn random_argument_vectors() {
    let bin = Path::new(env!("CARGO_BIN_EXE_dkimctl"));
    let seed = std::env::var("DKIMCTL_CLI_SEED")
        .ok()
        .map(|s| s.parse::<u64>().expect("DKIMCTL_CLI_SEED is a number"))
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64 ^ u64::from(std::process::id()))
        });
    let cases = std::env::var("DKIMCTL_CLI_CASES")
        .ok()
        .map(|s| s.parse::<usize>().expect("DKIMCTL_CLI_CASES is a number"))
        .unwrap_or(DEFAULT_CASES);
    eprintln!(
        "cli_surface: seed {seed}, {cases} cases (rerun: DKIMCTL_CLI_SEED={seed} DKIMCTL_CLI_CASES={cases} cargo test --locked cli_surface)"
    );
    // Every core busy for a while: not beside the tests that time ratios.
    let _busy = serial();
    let started = Instant::now();

    let mut commands = Vec::new();
    leaves(bin, &mut Vec::new(), &mut commands);
    let names: Vec<_> = commands.iter().map(|l| l.words.join(" ")).collect();
    for expected in ["records", "sign", "verify", "diagnose", "lint", "key check"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    let sign = &commands[names.iter().position(|n| n == "sign").unwrap()];
    assert_eq!(
        sign.required,
        ["--domain", "--selector", "--key"],
        "sign's Usage line"
    );
    assert!(
        commands
            .iter()
            .any(|l| l.flags.iter().any(|f| f.long() == "--nameserver")),
        "--nameserver read from the help"
    );
    let keygen = &commands[names.iter().position(|n| n == "keygen").unwrap()];
    assert!(
        keygen
            .flags
            .iter()
            .any(|f| f.long() == "--bits" && f.possible.len() == 4),
        "--bits and its possible values (wrapped onto the next line) read from the help"
    );

    let zone = std::fs::read_to_string(fixture("keys/keys.zone")).expect("keys.zone");
    let dns = DnsServer::start(&[("example.com.", &zone)]);
    let servfail = DnsServer::builder().servfail_under(".").start();
    let (dns, servfail) = (dns.nameserver(), servfail.nameserver());
    let root = tempfile::tempdir().expect("a temp dir");
    let tmp = root.path().join("tmp");
    std::fs::create_dir(&tmp).expect("tmp");
    let files = scratch_files();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo_before = listing(repo);

    let mut rng = Rng(seed);
    let mut plans: Vec<(usize, Vec<String>)> = (0..cases)
        .map(|i| {
            let leaf = rng.pick(&commands).clone();
            let case = root.path().join(format!("case{i}"));
            let ctx = Ctx {
                case: &case,
                dns: &dns,
                servfail: &servfail,
                hostility: *rng.pick(&[0, 3, 25, 60]),
            };
            (i, vector(&mut rng, &leaf, &ctx))
        })
        .collect();
    // The sweep after the random cases, numbered on from them.
    let ctx = Ctx {
        case: root.path(),
        dns: &dns,
        servfail: &servfail,
        hostility: 0,
    };
    let mut swept: Vec<Vec<String>> = commands.iter().flat_map(|l| sweep(l, &ctx)).collect();
    // And every command that only holds commands, alone (`dkimctl`, `dkimctl key`).
    let mut parents: Vec<Vec<String>> = commands
        .iter()
        .flat_map(|l| (0..l.words.len()).map(|n| l.words[..n].to_vec()))
        .collect();
    parents.sort();
    parents.dedup();
    swept.extend(parents);
    let swept_count = swept.len();
    plans.extend(swept.into_iter().enumerate().map(|(i, v)| (cases + i, v)));
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    let failures = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let tally = std::sync::Mutex::new([0usize; 4]);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((i, args)) = plans.get(at) else {
                        break;
                    };
                    // case<i>/work is the cwd; case<i>/ holds nothing else, so
                    // `../sibling` stays inside the case.
                    let case = root.path().join(format!("case{i}"));
                    let work = case.join("work");
                    std::fs::create_dir_all(work.join("dir")).expect("case dir");
                    for (name, bytes) in &files {
                        std::fs::write(work.join(name), bytes).expect("case file");
                    }
                    let before = tree(&case);
                    let outcome = run(bin, args, &work, &tmp);
                    if let Some(code @ 0..=3) = outcome.code {
                        tally.lock().unwrap()[code as usize] += 1;
                    }
                    let changed = outcome.code == Some(2) && tree(&case) != before;
                    if let Some(problem) = judge(&outcome, changed) {
                        failures.lock().unwrap().push(format!(
                            "case {i}: {problem}\n  args: {args:?}\n  stderr: {}",
                            outcome.stderr.trim_end()
                        ));
                    }
                    let _ = std::fs::remove_dir_all(&case);
                }
            });
        }
    });
    let tally = tally.into_inner().unwrap();
    eprintln!(
        "cli_surface: {cases} random and {swept_count} swept cases: exits 0: {}, 1: {}, 2: {}, 3: {}; {:.1?}",
        tally[0],
        tally[1],
        tally[2],
        tally[3],
        started.elapsed()
    );

    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "seed {seed}: {} of {} cases failed:\n{}",
        failures.len(),
        plans.len(),
        failures.join("\n")
    );
    // Nothing outside the scratch directory: the repository is untouched,
    // TMPDIR and HOME are empty, and the root holds only what the test
    // made there.
    assert_eq!(
        listing(repo),
        repo_before,
        "files appeared in the repository"
    );
    assert_eq!(
        listing(&tmp),
        Vec::<PathBuf>::new(),
        "files left in TMPDIR or HOME"
    );
    let left: Vec<_> = listing(root.path())
        .into_iter()
        .filter(|p| p != &tmp)
        .collect();
    assert!(
        left.is_empty(),
        "files outside a case's directory: {left:?}"
    );
}
