//! `-` reads standard input wherever a file is read: the same run with a
//! file and with `-` fed that file gives the same output and exit code;
//! a second `-` in one run is refused.

use crate::util::{NOW, TestDir, fx};

/// One reader: the command line with `@` where the file goes, and the file.
struct Reader {
    args: &'static [&'static str],
    file: &'static str,
}

/// The fixture, or a file the test writes, that stands for `@`.
fn file_for(dir: &TestDir, name: &str) -> String {
    match name {
        "signed" => {
            let run = dir
                .cmd(&[
                    "sign",
                    &fx("messages/plain.eml"),
                    "-d",
                    "example.com",
                    "-s",
                    "rsa2048",
                    "-k",
                    &fx("keys/rsa2048.pem"),
                    "--now",
                    NOW,
                ])
                .run();
            run.assert_exit(0);
            dir.write("signed.eml", run.stdout()).display().to_string()
        }
        "domains" => dir
            .write("domains.txt", "example.com\nsub.example.com\n")
            .display()
            .to_string(),
        "identities" => dir
            .write(
                "ids.csv",
                "identity,dkim\nexample.com,on\nalice@example.com,off\n",
            )
            .display()
            .to_string(),
        fixture => fx(fixture),
    }
}

/// `@` replaced by `file`, and the inputs not under test (`%signed`, the
/// signed message; `%zone`, `%keys`, `%plain`, `%ed25519`, fixtures).
fn line(dir: &TestDir, args: &[&str], file: &str) -> Vec<String> {
    args.iter()
        .map(|a| match *a {
            "@" => file.to_string(),
            "%signed" => file_for(dir, "signed"),
            "%zone" => fx("diagnose/example.com.zone"),
            "%keys" => fx("keys/keys.zone"),
            "%plain" => fx("messages/plain.eml"),
            "%ed25519" => fx("keys/ed25519.pem"),
            "%ses-zone" => fx("ses/example.net.zone"),
            "%listed" => fx("arc/listed.eml"),
            other => other.to_string(),
        })
        .collect()
}

#[test]
fn dash_reads_standard_input_wherever_a_file_is_read() {
    let readers = [
        Reader {
            args: &["lint", "@"],
            file: "diagnose/example.com.zone",
        },
        Reader {
            args: &["lint", "%zone", "--expect", "@"],
            file: "records/hosted.csv",
        },
        Reader {
            args: &[
                "sign",
                "%plain",
                "-d",
                "example.com",
                "-s",
                "s1",
                "-k",
                "@",
                "--now",
                NOW,
            ],
            file: "keys/rsa2048.pem",
        },
        Reader {
            args: &[
                "sign",
                "@",
                "-d",
                "example.com",
                "-s",
                "s1",
                "-k",
                "%ed25519",
                "--now",
                NOW,
            ],
            file: "messages/plain.eml",
        },
        Reader {
            args: &["records", "example.com", "-s", "s1", "--key", "@"],
            file: "keys/rsa2048.pem",
        },
        Reader {
            args: &["records", "example.com", "-s", "s1", "--public-key", "@"],
            file: "keys/rsa2048.pub.pem",
        },
        Reader {
            args: &["key", "check", "@"],
            file: "keys/rsa1024.pem",
        },
        Reader {
            args: &["verify", "%signed", "--zone", "@"],
            file: "keys/keys.zone",
        },
        Reader {
            args: &["verify", "@", "--zone", "%keys"],
            file: "signed",
        },
        Reader {
            args: &["inspect", "@", "--zone", "%keys"],
            file: "signed",
        },
        Reader {
            args: &["arc", "verify", "@", "--zone", "%keys"],
            file: "arc/listed.eml",
        },
        Reader {
            args: &["arc", "verify", "%listed", "--zone", "@"],
            file: "keys/keys.zone",
        },
        Reader {
            args: &[
                "arc",
                "seal",
                "@",
                "-d",
                "example.com",
                "-s",
                "ed25519",
                "-k",
                "%ed25519",
                "--authserv-id",
                "mx.example.net",
                "--zone",
                "%keys",
                "--now",
                NOW,
            ],
            file: "arc/listed.eml",
        },
        Reader {
            args: &[
                "arc",
                "seal",
                "%listed",
                "-d",
                "example.com",
                "-s",
                "ed25519",
                "-k",
                "@",
                "--authserv-id",
                "mx.example.net",
                "--zone",
                "%keys",
                "--now",
                NOW,
            ],
            file: "keys/ed25519.pem",
        },
        Reader {
            args: &[
                "diagnose",
                "example.com",
                "--zone",
                "%zone",
                "--message",
                "@",
            ],
            file: "signed",
        },
        Reader {
            args: &[
                "diagnose",
                "example.com",
                "--zone",
                "%zone",
                "--records",
                "@",
            ],
            file: "records/hosted.csv",
        },
        Reader {
            args: &[
                "diagnose",
                "--batch",
                "@",
                "-s",
                "s1",
                "--zone",
                "%zone",
                "--no-ns-check",
            ],
            file: "domains",
        },
        Reader {
            args: &[
                "diagnose",
                "example.com",
                "-s",
                "s1",
                "--zone",
                "%zone",
                "--identities",
                "@",
                "--from",
                "alice@example.com",
            ],
            file: "identities",
        },
        Reader {
            args: &[
                "diagnose",
                "example.com",
                "-s",
                "s1",
                "--zone",
                "@",
                "--no-ns-check",
            ],
            file: "diagnose/example.com.zone",
        },
        Reader {
            args: &["records", "example.net", "--ses-identity", "@"],
            file: "ses/sesv2-success.json",
        },
        Reader {
            args: &[
                "diagnose",
                "example.net",
                "--zone",
                "%ses-zone",
                "--ses-identity",
                "@",
            ],
            file: "ses/sesv2-pending.json",
        },
    ];
    for reader in readers {
        let dir = TestDir::new();
        let file = file_for(&dir, reader.file);
        let with_file = line(&dir, reader.args, &file);
        let with_dash = line(&dir, reader.args, "-");
        let by_file = dir.cmd(&as_strs(&with_file)).run();
        let bytes = std::fs::read(&file).unwrap();
        let by_dash = dir.cmd(&as_strs(&with_dash)).stdin(bytes).run();
        // Named by its path in one run, `-` or "standard input" in the
        // other; a table may then wrap its words elsewhere.
        let (path_text, stdin_text) = (
            by_file.stdout().replace(&file, "-"),
            by_dash.stdout().replace("standard input", "-"),
        );
        let (by_path, by_stdin) = (words(&path_text), words(&stdin_text));
        // Cells wrapped elsewhere interleave their columns' words otherwise.
        let (mut by_path, mut by_stdin) = (by_path, by_stdin);
        by_path.sort_unstable();
        by_stdin.sort_unstable();
        assert_eq!(
            by_dash.code(),
            by_file.code(),
            "{with_dash:?}\n{}",
            by_dash.stderr()
        );
        assert!(by_file.code() != 2, "{with_file:?}: {}", by_file.stderr());
        assert_eq!(by_stdin, by_path, "{with_dash:?}");
    }
}

/// The words of an output, without a table's rules and borders.
fn words(text: &str) -> Vec<&str> {
    let rule = |w: &&str| w.chars().all(|c| "─┌┬┐╞═╪╡└┴┘│┆".contains(c));
    text.split(|c: char| c.is_whitespace() || c == '│' || c == '┆')
        .filter(|w| !w.is_empty())
        .filter(|w| !rule(w))
        .collect()
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn a_second_dash_is_refused() {
    let dir = TestDir::new();
    let zone = std::fs::read(fx("diagnose/example.com.zone")).unwrap();
    let key = std::fs::read(fx("keys/rsa2048.pem")).unwrap();
    // The first `-` reads standard input; the second is refused.
    for (args, stdin) in [
        (vec!["lint", "-", "-"], zone),
        (
            vec!["sign", "-", "-d", "example.com", "-s", "s1", "-k", "-"],
            key,
        ),
    ] {
        let run = dir.cmd(&args).stdin(stdin).run();
        run.assert_exit(2);
        assert_eq!(
            run.stderr(),
            "error: standard input can be read only once; give `-` for one input and files for the others\n",
            "{args:?}"
        );
        assert_eq!(run.stdout(), "", "{args:?}");
    }
}
