//! `dkimctl completions SHELL`: shell completions generated from the clap
//! definition; `--dir` writes them for every shell, with the man pages
//! (one per command, from the same definition). The same files are
//! committed under `completions/`, and a test fails when they drift from
//! what the binary generates; regenerate them with
//! `dkimctl completions --dir completions`.

use crate::cli::{Cli, Exit, fsio};
use anyhow::{Context, anyhow, bail};
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use dkimctl::input::os_words;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Flags of `dkimctl completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate for; omit it with --dir to write all five.
    #[arg(value_enum, required_unless_present = "dir")]
    shell: Option<Shell>,
    /// Write the files for every shell (bash, zsh, fish, elvish, PowerShell) and the man pages (dkimctl.1, dkimctl-sign.1, ...) into DIR.
    #[arg(long, value_name = "DIR", conflicts_with = "shell")]
    dir: Option<PathBuf>,
}

/// Every shell clap_complete supports, in the order they are written.
const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

impl CompletionsArgs {
    /// Runs the command.
    pub fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        if let Some(shell) = self.shell {
            out.write_all(&generate(shell))?;
            return Ok(Exit::Ok);
        }
        let dir = self.dir.context("give a SHELL or --dir DIR")?;
        if dir.exists() && !dir.is_dir() {
            bail!("--dir {}: not a directory", dir.display());
        }
        // The folders this run creates, innermost first, removed again
        // (with what was written into them) when a write fails.
        let created: Vec<&Path> = dir
            .ancestors()
            .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
            .collect();
        std::fs::create_dir_all(&dir)
            .map_err(|e| anyhow!("creating {}: {}", dir.display(), os_words(&e)))?;
        let mut written = Vec::new();
        for (name, bytes) in generated_files()? {
            let path = dir.join(name);
            let replace = fsio::Replace::default();
            if let Err(err) = fsio::write_file(&path, replace, |w| Ok(w.write_all(&bytes)?)) {
                if !created.is_empty() {
                    written.iter().for_each(|p| drop(std::fs::remove_file(p)));
                    created.iter().for_each(|d| drop(std::fs::remove_dir(d)));
                }
                return Err(err);
            }
            written.push(path);
        }
        Ok(Exit::Ok)
    }
}

/// Every file `--dir` writes, by name: the completion scripts, then the
/// man pages.
fn generated_files() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let scripts = SHELLS.map(|shell| (file_name(shell).to_string(), generate(shell)));
    let mut files = Vec::from(scripts);
    files.extend(man_pages()?);
    Ok(files)
}

/// A man page for `dkimctl` and for each of its visible commands
/// (`dkimctl-sign.1`, `dkimctl-key-check.1`), named as `man` looks them up.
pub fn man_pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    fn add(command: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        let man = clap_mangen::Man::new(command.clone());
        let mut bytes = Vec::new();
        man.render(&mut bytes)?;
        pages.push((man.get_filename(), bytes));
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            add(sub.clone(), pages)?;
        }
        Ok(())
    }
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut pages = Vec::new();
    add(command, &mut pages).context("rendering the man pages")?;
    Ok(pages)
}

/// The completion script for `shell`.
pub fn generate(shell: Shell) -> Vec<u8> {
    let mut bytes = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dkimctl", &mut bytes);
    bytes
}

/// The conventional file name of each shell's completion script.
pub fn file_name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "dkimctl.bash",
        Shell::Zsh => "_dkimctl",
        Shell::Fish => "dkimctl.fish",
        Shell::Elvish => "dkimctl.elv",
        Shell::PowerShell => "_dkimctl.ps1",
        _ => "dkimctl.completion",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed files must be what the binary generates: regenerate
    /// with `cargo run -- completions --dir completions`.
    #[test]
    fn committed_completions_and_man_pages_match_the_binary() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
        let files = generated_files().unwrap();
        for (name, bytes) in &files {
            let path = dir.join(name);
            let committed = std::fs::read(&path).unwrap_or_default();
            assert!(
                &committed == bytes,
                "{} differs from what the binary generates; run `cargo run -- completions --dir completions`",
                path.display()
            );
        }
        let mut committed: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        committed.sort();
        let mut expected: Vec<String> = files.into_iter().map(|(name, _)| name).collect();
        expected.sort();
        assert_eq!(
            committed, expected,
            "completions/ holds a file the binary no longer generates"
        );
    }

    #[test]
    fn every_visible_command_has_a_man_page() {
        let names: Vec<String> = man_pages().unwrap().into_iter().map(|(n, _)| n).collect();
        for page in [
            "dkimctl.1",
            "dkimctl-sign.1",
            "dkimctl-key-check.1",
            "dkimctl-diagnose.1",
        ] {
            assert!(
                names.iter().any(|n| n == page),
                "{page} missing from {names:?}"
            );
        }
    }
}
