//! The command line: clap definitions, dispatch, and the one place errors
//! are printed. Subcommands live in `cmd/`, one file each.

mod args;
mod cmd;
mod exit;
mod fsio;
mod printable;
mod render;
mod ses;
mod term;

use clap::{Parser, Subcommand};
pub use exit::Exit;

/// Set up and troubleshoot DKIM: sign, verify, explain.
// (Not a doc comment, which clap would show as the long help:) a missing
// command is clap's `error: ... requires a subcommand`, exit 2, not the
// help alone on stderr (derive's default for a required subcommand), so
// every exit 2 says `error:`. `--help` still shows the help.
#[derive(Debug, Parser)]
#[command(
    name = "dkimctl",
    version,
    about,
    max_term_width = 100,
    arg_required_else_help = false
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate the DNS records that set up DKIM for a domain (CNAME tokens or a TXT key).
    Records(cmd::records::RecordsArgs),
    /// Sign raw messages (RFC 5322, CRLF or LF) with rsa-sha256 or ed25519-sha256.
    ///
    /// A body whose last line has no line break is written with one added (in
    /// the message's own line-ending style) and signed that way: SMTP adds it
    /// on the wire anyway, and with it every DKIM implementation computes the
    /// same body hash.
    Sign(cmd::sign::SignArgs),
    /// Verify every DKIM-Signature of a message.
    Verify(cmd::verify::VerifyArgs),
    /// Explain every DKIM-Signature of a message, and why it fails.
    Inspect(cmd::inspect::InspectArgs),
    /// Generate an RSA or Ed25519 key: private key file (0600) and the record to publish.
    Keygen(cmd::keygen::KeygenArgs),
    /// Find the DNS mistake behind a broken DKIM set-up, live (selectors, CNAMEs, keys, names).
    Diagnose(cmd::diagnose::DiagnoseArgs),
    /// Check zone files for DKIM mistakes before they are published (master files, Route 53 JSON).
    Lint(cmd::lint::LintArgs),
    /// Check a key: `dkimctl key check FILE` (BYODKIM upload, size, encoding, selector, match).
    #[command(subcommand, arg_required_else_help = false)]
    Key(cmd::key_check::KeyCommand),
    /// ARC (RFC 8617): validate a message's Authenticated Received Chain, or seal it as the next hop.
    #[command(subcommand, arg_required_else_help = false)]
    Arc(cmd::arc::ArcCommand),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions(cmd::completions::CompletionsArgs),
}

/// Runs the command line and turns the outcome into an exit code.
pub fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return refused(&err),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Records(args) => args.run(&mut out),
        Command::Sign(args) => args.run(&mut out),
        Command::Verify(args) => args.run(&mut out),
        Command::Inspect(args) => args.run(&mut out),
        Command::Keygen(args) => args.run(&mut out),
        Command::Diagnose(args) => args.run(&mut out),
        Command::Lint(args) => args.run(&mut out),
        Command::Key(cmd) => cmd.run(&mut out),
        Command::Arc(cmd) => cmd.run(&mut out),
        Command::Completions(args) => args.run(&mut out),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(err) if is_broken_pipe(&err) => Exit::Ok.into(),
        Err(err) => {
            print_error(format_args!("{err:#}"));
            Exit::Usage.into()
        }
    }
}

/// A command line clap refused. A bad value is one `error:` line, exit 2,
/// like every other bad input; the rest (help, version, an unknown flag
/// with its tip and usage) is clap's own.
fn refused(err: &clap::Error) -> std::process::ExitCode {
    if let Some(line) = value_error(err) {
        print_error(line);
        return Exit::Usage.into();
    }
    let _ = err.print();
    match err.use_stderr() {
        true => Exit::Usage.into(),
        false => Exit::Ok.into(),
    }
}

/// The line (after `error: `) for a value clap refused; None for any
/// other refusal. Built from the error's parts, not clap's rendering,
/// which strips what looks like a terminal sequence from the value
/// instead of showing it escaped (print_error escapes it).
fn value_error(err: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        err.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return None;
    }
    let context = |kind| match err.get(kind) {
        Some(ContextValue::String(text)) => text.clone(),
        Some(ContextValue::Strings(list)) => list.join(", "),
        _ => String::new(),
    };
    let (arg, value) = (
        context(ContextKind::InvalidArg),
        context(ContextKind::InvalidValue),
    );
    let why = match (
        std::error::Error::source(err),
        context(ContextKind::ValidValue),
    ) {
        (Some(source), _) => source.to_string(),
        (None, valid) if !valid.is_empty() => format!("possible values: {valid}"),
        (None, _) => "not accepted".to_string(),
    };
    Some(format!("invalid value '{value}' for '{arg}': {why}"))
}

/// Prints one `notice: ...` line on standard error: something left as it
/// is on purpose, which does not change the exit code.
pub fn print_notice(message: impl std::fmt::Display) {
    use std::io::Write;
    let mut err = printable::Printable::new(std::io::stderr().lock(), false);
    let _ = writeln!(err, "notice: {message}");
}

/// Prints one `error: ...` line on standard error: the one form of every
/// error a user sees, fatal (from [`main`], with the cause chain) or not
/// (a bad file or line of a batch, which goes on and ends with exit 2).
pub fn print_error(message: impl std::fmt::Display) {
    use std::io::Write;
    // The message may quote the input (a token of a zone file, a header).
    let mut err = printable::Printable::new(std::io::stderr().lock(), false);
    let _ = writeln!(err, "error: {message}");
}

/// A closed pipe (`dkimctl verify ... | head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The current Unix time, or the hidden `--now` override used by tests.
fn now(override_now: Option<u64>) -> u64 {
    override_now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    })
}

#[cfg(test)]
mod tests {
    use super::value_error;
    use clap::Parser;

    /// The value stays whole, escape sequence and all (print_error
    /// escapes it); clap's rendering would have stripped `\x1b[31m`.
    #[test]
    fn a_refused_value_keeps_its_bytes_for_the_escaper() {
        let refused = |args: &[&str]| {
            let err = super::Cli::try_parse_from(args).expect_err("refused");
            value_error(&err)
        };
        let bad = "a\x1b[31mb";
        let line = refused(&["dkimctl", "completions", bad]).expect("a value error");
        assert!(
            line.starts_with(&format!("invalid value '{bad}' for '[SHELL]': ")),
            "{line}"
        );
        assert!(line.contains("possible values: "), "{line}");
        // Not a value error: clap's own rendering.
        assert_eq!(refused(&["dkimctl", "--no-such-flag"]), None);
    }
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
