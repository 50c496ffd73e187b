//! Test harness: runs the built `dkimctl` binary in a scratch directory
//! with a scrubbed environment and checks what a user would see.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};

/// A scratch directory and a way to run dkimctl in it.
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::tempdir().expect("a temp dir can be created"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        std::fs::write(&path, contents).expect("test file can be written");
        path
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.join(name)).expect("test file can be read")
    }

    /// A command for the built binary, run in this directory.
    pub fn cmd(&self, args: &[&str]) -> Cmd {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dkimctl"));
        command
            .args(args)
            .current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1");
        Cmd {
            command,
            stdin: None,
        }
    }
}

pub struct Cmd {
    command: Command,
    stdin: Option<Vec<u8>>,
}

impl Cmd {
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Cmd {
        self.stdin = Some(bytes.into());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Cmd {
        self.command.env(key, value);
        self
    }

    /// Runs with at most `n` open files (RLIMIT_NOFILE, soft and hard).
    #[cfg(unix)]
    pub fn open_files_limit(mut self, n: u64) -> Cmd {
        use std::os::unix::process::CommandExt;
        let limit = libc::rlimit {
            rlim_cur: n as libc::rlim_t,
            rlim_max: n as libc::rlim_t,
        };
        // SAFETY: setrlimit is async-signal-safe, and the closure touches
        // nothing but its own copy of `limit`.
        unsafe {
            self.command.pre_exec(move || {
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        self
    }

    pub fn run(mut self) -> Run {
        use std::io::Write;
        self.command
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.command.spawn().expect("dkimctl starts");
        if let Some(input) = self.stdin.take() {
            let mut stdin = child.stdin.take().expect("stdin is piped");
            // The binary may stop reading early on bad input.
            let _ = stdin.write_all(&input);
        }
        Run(child.wait_with_output().expect("dkimctl runs"))
    }
}

/// A finished run.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    /// Standard output read as one JSON document; both streams are shown
    /// when it is not one.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout()).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}):
{}
--- stderr
{}",
                self.stdout(),
                self.stderr()
            )
        })
    }

    /// Asserts the exit code, showing both streams when it differs.
    pub fn assert_exit(&self, code: i32) -> &Run {
        assert_eq!(
            self.code(),
            code,
            "exit code {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.code(),
            self.stdout(),
            self.stderr()
        );
        self
    }

    /// Asserts stdout exactly, with a line diff on failure.
    pub fn assert_stdout(&self, expected: &str) -> &Run {
        assert_text(&self.stdout(), expected);
        self
    }

    /// Asserts stderr exactly, with a line diff on failure.
    pub fn assert_stderr(&self, expected: &str) -> &Run {
        assert_text(&self.stderr(), expected);
        self
    }
}

/// Compares two texts and panics with a -/+ line diff.
pub fn assert_text(got: &str, expected: &str) {
    if got == expected {
        return;
    }
    let mut diff = String::new();
    let got_lines: Vec<_> = got.lines().collect();
    let exp_lines: Vec<_> = expected.lines().collect();
    for i in 0..got_lines.len().max(exp_lines.len()) {
        match (exp_lines.get(i), got_lines.get(i)) {
            (Some(e), Some(g)) if e == g => diff.push_str(&format!("  {e}\n")),
            (e, g) => {
                if let Some(e) = e {
                    diff.push_str(&format!("- {e}\n"));
                }
                if let Some(g) = g {
                    diff.push_str(&format!("+ {g}\n"));
                }
            }
        }
    }
    panic!("output differs (- expected, + got):\n{diff}");
}

/// Path of a file under fixtures/.
pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

/// Whether a missing peer or corpus must fail the test instead of skipping.
pub fn required() -> bool {
    std::env::var_os("DKIMCTL_REQUIRE_PEERS").is_some_and(|v| v == "1")
}

/// Compares `got` with the golden file `fixtures/<path>`; with
/// `DKIMCTL_BLESS=1` the file is rewritten instead.
pub fn assert_golden(path: &str, got: &[u8]) {
    let file = fixture(path);
    if std::env::var_os("DKIMCTL_BLESS").is_some_and(|v| v == "1") {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).expect("fixture folder can be created");
        }
        std::fs::write(&file, got).expect("golden file can be written");
        return;
    }
    let expected = std::fs::read(&file).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with DKIMCTL_BLESS=1 to create it)",
            file.display()
        )
    });
    if expected != got {
        assert_text(
            &String::from_utf8_lossy(got),
            &String::from_utf8_lossy(&expected),
        );
        panic!("{}: bytes differ (line endings?)", file.display());
    }
}

/// Path of a fixture as a string, for command lines.
pub fn fx(path: &str) -> String {
    fixture(path).to_string_lossy().into_owned()
}

/// A fixed signing time, so signatures are reproducible.
pub const NOW: &str = "1700000000";

/// Held while a test loads the machine (`cli_surface`: hundreds of runs,
/// every core busy) or needs it quiet (`linear`'s time ratios), so the two
/// kinds never overlap.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// `sign --domain example.com --selector s1 --key KEY --now NOW EXTRA...`.
pub fn sign_args<'a>(key: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "sign",
        "--domain",
        "example.com",
        "--selector",
        "s1",
        "--key",
        key,
        "--now",
        NOW,
    ];
    args.extend(extra);
    args
}

/// Runs `diagnose DOMAIN --nameserver ... --json ARGS` and returns the
/// exit code and the document.
pub fn diagnose_json(
    dns: &crate::dns_server::DnsServer,
    domain: &str,
    args: &[&str],
) -> (i32, serde_json::Value) {
    let dir = TestDir::new();
    let ns = dns.nameserver();
    let mut all = vec!["diagnose", domain, "--nameserver", &ns, "--json"];
    all.extend(args);
    let run = dir.cmd(&all).run();
    (run.code(), run.json())
}

/// `(code, subject)` of every finding of a `diagnose --json` document, in
/// order.
pub fn findings(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Expected `(code, subject)` pairs, owned, for comparing with [`findings`].
pub fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(c, s)| (c.to_string(), s.to_string()))
        .collect()
}

/// Every selector's verdict of a `diagnose --json` document, in order.
pub fn verdicts(doc: &serde_json::Value) -> Vec<String> {
    doc["selectors"]
        .as_array()
        .expect("selectors array")
        .iter()
        .map(|s| s["verdict"].as_str().unwrap().to_string())
        .collect()
}
