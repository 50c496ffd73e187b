//! The command line's parse: any argument vector built from the real clap
//! tree (a subcommand, its flags, hostile values from the fuzz bytes) goes
//! through `Cli::try_parse_from` and every value parser and validator it
//! names (selector, token, target host, timeout, retries, expire, ...)
//! without a panic, and every refusal renders as text that says `error:`.
//!
//! The CLI lives in the binary, not the library, so its module is included
//! by path. Nothing is run: parsing only, no files, no DNS.
//!
//! Input: NUL-separated chunks. The first byte of the first chunk picks
//! the subcommand (and for `key`, its one nested subcommand); then each
//! chunk's first byte picks what it becomes: one of the subcommand's flags
//! (long or short, by the length of the rest) with the rest of the chunk
//! as its value (`--flag VALUE` or `--flag=VALUE`), or the rest as one
//! argument (a positional, or anything). Arguments need not be UTF-8.
#![no_main]

#[allow(dead_code, unused_imports)]
#[path = "../../../src/cli/mod.rs"]
mod cli;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::sync::OnceLock;

use clap::CommandFactory;
use libfuzzer_sys::fuzz_target;

/// One subcommand path and its arguments, read once from the clap tree.
struct Leaf {
    path: Vec<String>,
    /// Each flag: its spellings (`--long`, `-s`) and whether it takes a value.
    flags: Vec<(Vec<String>, bool)>,
}

fn leaves() -> &'static [Leaf] {
    static LEAVES: OnceLock<Vec<Leaf>> = OnceLock::new();
    LEAVES.get_or_init(|| {
        let mut out = Vec::new();
        collect(&cli::Cli::command(), &mut Vec::new(), &mut out);
        out
    })
}

fn collect(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<Leaf>) {
    if cmd.has_subcommands() {
        for sub in cmd.get_subcommands() {
            path.push(sub.get_name().to_string());
            collect(sub, path, out);
            path.pop();
        }
        return;
    }
    let flags = cmd
        .get_arguments()
        .filter(|a| !a.is_positional())
        .map(|a| {
            let mut names: Vec<String> = a.get_long().map(|l| format!("--{l}")).into_iter().collect();
            names.extend(a.get_short().map(|s| format!("-{s}")));
            (names, a.get_action().takes_values())
        })
        .filter(|(names, _)| !names.is_empty())
        .collect();
    out.push(Leaf { path: path.clone(), flags });
}

fuzz_target!(|data: &[u8]| {
    let leaves = leaves();
    let mut chunks = data.split(|&b| b == 0);
    let first = chunks.next().unwrap_or_default();
    let mut args: Vec<OsString> = vec!["dkimctl".into()];
    // A first byte past the leaves leaves the subcommand out (or mangles it).
    let pick = first.first().copied().unwrap_or(0) as usize;
    let leaf = leaves.get(pick % (leaves.len() + 2));
    match leaf {
        Some(leaf) => args.extend(leaf.path.iter().map(OsString::from)),
        None => args.push(OsString::from_vec(first.get(1..).unwrap_or_default().to_vec())),
    }
    for chunk in chunks {
        let (op, rest) = chunk.split_first().map_or((0, &[][..]), |(op, rest)| (*op, rest));
        let value = || OsString::from_vec(rest.to_vec());
        let flags = leaf.map_or(&[][..], |l| &l.flags[..]);
        match (op & 3, flags.get((op >> 2) as usize % flags.len().max(1))) {
            (0 | 1, Some((names, takes_value))) => {
                // The value's length picks the spelling (`--long` or `-s`).
                let name = &names[rest.len() % names.len()];
                if !takes_value {
                    args.push(name.into());
                } else if op & 1 == 0 {
                    args.push(name.into());
                    args.push(value());
                } else {
                    let mut joined = OsString::from(format!("{name}="));
                    joined.push(value());
                    args.push(joined);
                }
            }
            _ => args.push(value()),
        }
    }
    match <cli::Cli as clap::Parser>::try_parse_from(&args) {
        Ok(_) => {}
        Err(err) => {
            let text = err.render().to_string();
            // Only asking for help or the version prints no `error:` (a
            // missing command is an error like any other).
            let help = matches!(
                err.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            );
            assert!(help || text.starts_with("error: "), "{args:?}: {text}");
            assert!(!text.trim().is_empty(), "{args:?}");
        }
    }
});
