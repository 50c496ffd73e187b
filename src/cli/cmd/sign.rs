//! `dkimctl sign`: one message to stdout, `-o` or `--in-place`; many
//! messages (or a directory) in parallel into `--out-dir`.

use crate::cli::{Exit, fsio, term};
use anyhow::{Context, bail};
use clap::Args;
use dkimctl::dkim::canon::Canonicalization;
use dkimctl::dkim::message::Header;
use dkimctl::dkim::sign::{SignOptions, Signer};
use dkimctl::input::os_words;
use rayon::prelude::*;

use std::io::{BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Flags of `dkimctl sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Messages to sign: files, a directory (its files), or `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    inputs: Vec<PathBuf>,
    /// Signing domain (d=).
    #[arg(short, long, value_parser = crate::cli::args::parse_domain)]
    domain: String,
    /// Selector (s=); give one per --key, in the same order.
    #[arg(short, long, required = true, value_parser = crate::cli::args::parse_selector)]
    selector: Vec<String>,
    /// Private key (PKCS#1 or PKCS#8, PEM or DER, RSA or Ed25519); repeat to sign several times in one pass.
    #[arg(short, long, required = true, value_name = "FILE")]
    key: Vec<PathBuf>,
    /// Canonicalization, header/body (c=).
    #[arg(short, long, value_name = "HEADER/BODY", default_value = "relaxed/relaxed", value_parser = parse_canonicalization)]
    canonicalization: (Canonicalization, Canonicalization),
    /// Fields to sign (h=), colon-separated; default: the RFC 6376 §5.4.1 fields present.
    #[arg(long, value_name = "FIELD:FIELD...", value_delimiter = ':')]
    headers: Option<Vec<String>>,
    /// Also oversign this field (From always is, unless --no-oversign).
    #[arg(long, value_name = "FIELD")]
    oversign: Vec<String>,
    /// Do not oversign From.
    #[arg(long)]
    no_oversign: bool,
    /// Agent or user identifier (i=), e.g. @mail.example.com.
    #[arg(short, long)]
    identity: Option<String>,
    /// Expire the signature after this long (x=): 3600, 90s, 15m, 12h, 7d, 2w.
    #[arg(long, value_name = "DURATION", value_parser = crate::cli::args::parse_duration)]
    expire: Option<u64>,
    /// Do not write t=.
    #[arg(long)]
    no_timestamp: bool,
    /// Sign a message that already carries a signature by the same d= and s= (by default it is left as it is, with a notice).
    #[arg(long)]
    force: bool,
    /// Write l= (the body length). Unsafe: text can then be appended.
    #[arg(long)]
    body_length: bool,
    /// Write the signed message here instead of standard output.
    #[arg(short, long, value_name = "FILE", conflicts_with_all = ["in_place", "out_dir"])]
    output: Option<PathBuf>,
    /// Replace each input file with its signed version (atomic; keeps the mode, owner and group).
    ///
    /// Each signed file is written beside the original, flushed to disk,
    /// then renamed over it: a reader, or the disk after a crash, holds the
    /// original or the signed file, never part of one.
    #[arg(long, conflicts_with = "out_dir")]
    in_place: bool,
    /// Write each signed message into this directory (created if missing), under its own name.
    ///
    /// Each file appears whole (written beside it, then renamed). No file
    /// is flushed on its own: the file system is flushed in the background
    /// as the batch goes and once more when it ends, so exit 0 means every
    /// file is on disk; a crash before then can leave some missing or
    /// empty, so run again.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Sign as of this Unix time (for reproducible output).
    #[arg(long, hide = true)]
    now: Option<u64>,
}

fn parse_canonicalization(s: &str) -> Result<(Canonicalization, Canonicalization), String> {
    let (h, b) = s.split_once('/').unwrap_or((s, "simple"));
    match (Canonicalization::parse(h), Canonicalization::parse(b)) {
        (Some(h), Some(b)) => Ok((h, b)),
        _ => Err(format!(
            "'{s}' is not a canonicalization (simple/simple, simple/relaxed, relaxed/simple, relaxed/relaxed)"
        )),
    }
}

/// Where one message comes from and goes to.
enum Destination<'a> {
    Stdout(&'a mut dyn Write),
    /// A file made durable on its own.
    File(PathBuf),
}

impl SignArgs {
    /// Runs the command.
    pub fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        let now = crate::cli::now(self.now);
        let options = self.options()?;
        let inputs = fsio::expand_inputs(&self.inputs)?.files;
        if let Some(dir) = &self.out_dir {
            // Checked before the folder is made, so a refused batch creates nothing.
            check_batch_targets(&inputs, dir)?;
            // The folders this run makes, innermost first: removed again
            // when no message could be signed into them.
            let created: Vec<&Path> = dir
                .ancestors()
                .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
                .collect();
            if !created.is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow::anyhow!("creating --out-dir {}: {}", dir.display(), os_words(&e))
                })?;
            }
            if !dir.is_dir() {
                bail!("--out-dir {}: not a directory", dir.display());
            }
            let exit = sign_batch(&inputs, Some(dir), &options, now, self.force);
            // remove_dir leaves a folder that holds anything.
            created.iter().for_each(|d| drop(std::fs::remove_dir(d)));
            return Ok(exit);
        }
        if self.in_place {
            if inputs.iter().any(|p| p.as_os_str() == "-") {
                bail!("--in-place needs files, not standard input");
            }
            return Ok(sign_batch(&inputs, None, &options, now, self.force));
        }
        let [input] = inputs.as_slice() else {
            bail!(
                "{} messages given: sign several with --out-dir DIR or --in-place",
                inputs.len()
            );
        };
        let destination = match &self.output {
            Some(path) => Destination::File(path.clone()),
            None => Destination::Stdout(out),
        };
        sign_file(input, &options, now, destination, self.force)?;
        Ok(Exit::Ok)
    }

    /// The flags as library options; loads the keys.
    fn options(&self) -> anyhow::Result<SignOptions> {
        if self.selector.len() != self.key.len() {
            bail!(
                "give one --selector per --key ({} selectors for {} keys)",
                self.selector.len(),
                self.key.len()
            );
        }
        let mut signers = Vec::new();
        for (selector, path) in self.selector.iter().zip(&self.key) {
            let bytes = fsio::read_file(path, fsio::KEY)?;
            let key = dkimctl::key::load_private_key(&bytes)
                .with_context(|| format!("key {}", path.display()))?;
            signers.push(Signer {
                domain: self.domain.clone(),
                selector: selector.clone(),
                key: Arc::new(key),
            });
        }
        let mut options = SignOptions::new(signers);
        (options.header_canon, options.body_canon) = self.canonicalization;
        options.headers = self.headers.clone();
        if self.no_oversign {
            options.oversign.clear();
        }
        options.oversign.extend(self.oversign.iter().cloned());
        options.identity = self.identity.clone();
        options.expire_after = self.expire;
        options.timestamp = !self.no_timestamp;
        options.body_length = self.body_length;
        Ok(options)
    }
}

/// Signs one message. The header is read and the body streamed through the
/// hash; then the output is written: signatures, the header as read, and
/// the body copied again from the file (standard input is first spooled to
/// an anonymous temporary file, as it cannot be read twice).
fn sign_file(
    input: &Path,
    options: &SignOptions,
    now: u64,
    destination: Destination<'_>,
    force: bool,
) -> anyhow::Result<()> {
    let name = dkimctl::input::display_name(input);
    let file = fsio::open_rewindable(input)?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let header = Header::read_from(&mut reader).map_err(|e| fsio::message_failed(&name, e))?;
    if !force && let Some(notice) = signed_before(&header, options, &name) {
        crate::cli::print_notice(notice);
        if matches!(&destination, Destination::File(path) if path.as_path() == input) {
            // In place: the file stays as it is.
            return Ok(());
        }
        let mut file = reader.into_inner();
        return write_out(destination, |w| {
            file.seek(SeekFrom::Start(0))?;
            std::io::copy(&mut file, w).with_context(|| format!("copying {name}"))?;
            Ok(())
        });
    }
    let signed = dkimctl::dkim::sign::sign(&header, &mut reader, options, now)
        .with_context(|| name.clone())?;
    write_out(destination, |w| {
        write_signed(w, &signed, &header, &mut reader.into_inner(), &name)
    })
}

/// Writes a signed (or sealed) message: the new fields, the header as
/// read, the body copied again from `file`, and the line ending the body
/// lacked at its end. One layout for `sign` and `arc seal`.
pub(crate) fn write_signed(
    w: &mut dyn Write,
    signed: &dkimctl::dkim::sign::Signed,
    header: &Header,
    file: &mut std::fs::File,
    name: &str,
) -> anyhow::Result<()> {
    signed.fields.iter().try_for_each(|f| w.write_all(f))?;
    w.write_all(header.as_bytes())?;
    file.seek(SeekFrom::Start(header.as_bytes().len() as u64))?;
    std::io::copy(file, w).with_context(|| format!("copying the body of {name}"))?;
    w.write_all(signed.body_end)?;
    Ok(())
}

/// The notice to print when the message already carries a signature by
/// one of the signers, so it is not signed again. A header that cannot be
/// signed is refused by signing itself, signed or not.
fn signed_before(header: &Header, options: &SignOptions, name: &str) -> Option<String> {
    if !header.defects().is_empty() {
        return None;
    }
    let (d, s) = dkimctl::dkim::sign::already_signed(header, options)?;
    Some(format!(
        "{name} already carries a signature by d={d} s={s}; not signed again (--force signs it)"
    ))
}

/// Writes one message to its destination; a file through fsio, which
/// replaces a regular file atomically (keeping its mode, owner and group)
/// and writes a device or FIFO as it is.
fn write_out(
    destination: Destination<'_>,
    fill: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match destination {
        Destination::Stdout(out) => {
            fill(out)?;
            out.flush()?;
            Ok(())
        }
        Destination::File(path) => fsio::write_file(&path, fsio::Replace::default(), fill),
    }
}

/// Refuses a batch that would overwrite an input or write two inputs to
/// the same output name.
fn check_batch_targets(inputs: &[PathBuf], out_dir: &Path) -> anyhow::Result<()> {
    // A folder not made yet holds no input.
    let out_dir = out_dir.canonicalize().ok();
    let mut names = std::collections::HashSet::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            bail!("standard input cannot be part of a batch; sign it alone");
        }
        let name = input
            .file_name()
            .with_context(|| format!("{}: not a file name", input.display()))?;
        if !names.insert(name.to_owned()) {
            bail!(
                "two inputs are named {}; their signed copies would overwrite each other",
                name.to_string_lossy()
            );
        }
        let parent = input
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if out_dir.is_some() && parent.canonicalize().ok() == out_dir {
            bail!(
                "{} is already in --out-dir; use --in-place to replace files",
                input.display()
            );
        }
    }
    Ok(())
}

/// What became of one input of a batch.
enum Outcome {
    /// Signed (or, already signed, copied or left as it is), waiting for
    /// the batch's rename; with the notice to print.
    Ready(Option<fsio::Pending>, Option<String>),
    /// Not a signable message or unreadable: the batch writes nothing.
    Refused(anyhow::Error),
    /// Failed while writing (a hard-linked file, a full disk): reported,
    /// and the others go on.
    Failed(anyhow::Error),
}

/// Signs many files on all cores, into `out_dir` or (None) in place.
/// Each input is opened and its header read once: a header that cannot
/// be signed refuses the batch; otherwise the message is signed into a
/// temporary file beside its destination, closed, and kept by name.
/// Only when every input proved good are they all renamed into place;
/// else every bad input is named, the temporary files are removed and
/// nothing has changed (exit 2). A write that fails is reported and the
/// rest go on (exit 2). In place, each file is synced before its rename;
/// into `out_dir`, the batch is made durable at the end, with one flush
/// (written back along the way by a [`fsio::Flusher`], so that flush is short).
fn sign_batch(
    inputs: &[PathBuf],
    out_dir: Option<&Path>,
    options: &SignOptions,
    now: u64,
    force: bool,
) -> Exit {
    use std::sync::atomic::{AtomicBool, Ordering};
    let refused = AtomicBool::new(false);
    let bar = term::progress(inputs.len() as u64, "signing");
    let flusher = out_dir.map(fsio::Flusher::start);
    let outcomes: Vec<Outcome> = inputs
        .par_iter()
        .map(|input| {
            let outcome = sign_one(input, out_dir, options, now, force, &refused);
            match &outcome {
                Outcome::Refused(_) => refused.store(true, Ordering::Relaxed),
                Outcome::Ready(Some(_), _) => flusher.iter().for_each(fsio::Flusher::written),
                _ => {}
            }
            bar.inc(1);
            outcome
        })
        .collect();
    bar.finish_and_clear();
    if refused.load(Ordering::Relaxed) {
        for outcome in &outcomes {
            if let Outcome::Refused(err) = outcome {
                crate::cli::print_error(format_args!("{err:#}"));
            }
        }
        // Dropping the pending outputs removes their temporary files.
        drop(outcomes);
        return Exit::Usage;
    }
    // Renamed on all cores too: one thread renaming 2,000 files left the
    // other core idle for a tenth of the run.
    let results: Vec<(Option<String>, anyhow::Result<()>)> = outcomes
        .into_par_iter()
        .map(|outcome| match outcome {
            Outcome::Ready(pending, notice) => {
                (notice, pending.map_or(Ok(()), fsio::Pending::commit))
            }
            Outcome::Refused(err) | Outcome::Failed(err) => (None, Err(err)),
        })
        .collect();
    let mut exit = Exit::Ok;
    for (notice, result) in results {
        if let Some(notice) = notice {
            crate::cli::print_notice(notice);
        }
        if let Err(err) = result {
            crate::cli::print_error(format_args!("{err:#}"));
            exit = Exit::Usage;
        }
    }
    drop(flusher);
    if let Some(dir) = out_dir
        && let Err(err) = fsio::sync_batch(dir)
    {
        crate::cli::print_error(format_args!("{err:#}"));
        exit = Exit::Usage;
    }
    exit
}

/// One input of [`sign_batch`]: checked, then (unless the batch is
/// already refused) signed into its pending output.
fn sign_one(
    input: &Path,
    out_dir: Option<&Path>,
    options: &SignOptions,
    now: u64,
    force: bool,
    refused: &std::sync::atomic::AtomicBool,
) -> Outcome {
    let name = input.display().to_string();
    let read = fsio::open(input).and_then(|file| {
        let mut reader = BufReader::with_capacity(64 * 1024, file);
        let header = Header::read_from(&mut reader).map_err(|e| fsio::message_failed(&name, e))?;
        dkimctl::dkim::sign::check_signable(&header).with_context(|| name.clone())?;
        Ok((reader, header))
    });
    let (mut reader, header) = match read {
        Ok(read) => read,
        Err(err) => return Outcome::Refused(err),
    };
    if refused.load(std::sync::atomic::Ordering::Relaxed) {
        // Checked only: the batch will write nothing.
        return Outcome::Ready(None, None);
    }
    let destination = match (out_dir, input.file_name()) {
        (Some(dir), Some(file_name)) => dir.join(file_name),
        (None, _) => input.to_path_buf(),
        (Some(_), None) => {
            return Outcome::Refused(anyhow::anyhow!("{}: not a file name", input.display()));
        }
    };
    let replace = fsio::Replace {
        batch: out_dir.is_some(),
        ..fsio::Replace::default()
    };
    let notice = if force {
        None
    } else {
        signed_before(&header, options, &name)
    };
    let signed = match &notice {
        Some(_) if out_dir.is_none() => return Outcome::Ready(None, notice),
        Some(_) => None,
        None => match dkimctl::dkim::sign::sign(&header, &mut reader, options, now) {
            Ok(signed) => Some(signed),
            Err(err) => return Outcome::Refused(fsio::message_failed(&name, err)),
        },
    };
    let written = fsio::Output::create(&destination, replace).and_then(|mut output| {
        output.fill(|w| {
            let mut file = reader.into_inner();
            let Some(signed) = &signed else {
                // Already signed: copied as it is.
                file.seek(SeekFrom::Start(0))?;
                std::io::copy(&mut file, w).with_context(|| format!("copying {name}"))?;
                return Ok(());
            };
            write_signed(w, signed, &header, &mut file, &name)
        })?;
        output.finish()
    });
    match written {
        Ok(pending) => Outcome::Ready(Some(pending), notice),
        Err(err) => Outcome::Failed(err),
    }
}
