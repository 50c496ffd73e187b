//! `dkimctl completions SHELL`: shell completions generated from the clap
//! definition. The same files are committed under `completions/`, and a
//! test fails when they drift from what the binary generates; regenerate
//! them with `dkimctl completions --dir completions`.

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
    /// Write the files for every shell (bash, zsh, fish, elvish, PowerShell) into DIR.
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
        for shell in SHELLS {
            let path = dir.join(file_name(shell));
            let bytes = generate(shell);
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
    fn committed_completions_match_the_binary() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
        for shell in SHELLS {
            let path = dir.join(file_name(shell));
            let committed = std::fs::read(&path).unwrap_or_default();
            assert!(
                committed == generate(shell),
                "{} differs from `dkimctl completions {shell}`; run `cargo run -- completions --dir completions`",
                path.display()
            );
        }
    }
}
