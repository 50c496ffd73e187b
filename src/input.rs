//! Reading what the user names: a file, a pipe or a device, up to a limit
//! checked while reading (pipes and devices have no size to check first),
//! with errors that name the input and say in words what went wrong.
//!
//! The path `-` is standard input, wherever a path is read. It can be
//! read once per process: a second input given as `-` is refused, as it
//! would find standard input already consumed.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use thiserror::Error;

/// The path that stands for standard input.
pub const STDIN_PATH: &str = "-";

/// How standard input is named in messages.
pub const STDIN_NAME: &str = "standard input";

/// Whether `path` is `-`, standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN_PATH
}

/// How an input is named in messages: its path, or "standard input".
pub fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        return STDIN_NAME.to_string();
    }
    path.display().to_string()
}

/// Set once standard input has been handed out.
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// Standard input, the first time it is asked for; after that an error,
/// as what it held is gone.
pub fn take_stdin() -> Result<std::io::Stdin, ReadError> {
    if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
        return Err(ReadError::StdinTwice);
    }
    Ok(std::io::stdin())
}

/// How much of an input is read, and what to call it when there is more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The input's kind, for the message ("a key file").
    pub what: &'static str,
    /// The most bytes read.
    pub bytes: u64,
}

/// Key files: a 4096-bit PEM key is about 3 KB.
pub const KEY: Limit = Limit {
    what: "a key file",
    bytes: 64 * 1024,
};
/// A message held whole (`inspect`, `diagnose --message`, `sign -`).
pub const MESSAGE: Limit = Limit {
    what: "a message",
    bytes: 256 * 1024 * 1024,
};
/// Lists: `--batch` domains, `--identities`.
pub const LIST: Limit = Limit {
    what: "a list",
    bytes: 16 * 1024 * 1024,
};
/// A record-set CSV (`lint --expect`, `diagnose --records`): a few rows
/// per domain; 1 MiB is thousands of domains.
pub const RECORDS_CSV: Limit = Limit {
    what: "a record-set CSV",
    bytes: 1024 * 1024,
};
/// A zone file: a 1,000,000-record zone is about 80 MB.
pub const ZONE: Limit = Limit {
    what: "a zone file",
    bytes: 1 << 30,
};

/// Why an input could not be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The system refused or failed the read.
    #[error("reading {name}: {}", os_words(.error))]
    Io {
        /// The input, as the user named it.
        name: String,
        /// The cause (in the message, so not also a `source`).
        error: std::io::Error,
    },
    /// A zone file that is a device or socket (`/dev/zero`): refused
    /// before reading.
    #[error("reading {name}: a device or socket, not a file")]
    NotAFile {
        /// The input, as the user named it.
        name: String,
    },
    /// A second input given as `-`.
    #[error(
        "standard input can be read only once; give `-` for one input and files for the others"
    )]
    StdinTwice,
    /// The input holds more than its limit.
    #[error("{name} is larger than {} bytes, the limit for {}", .limit.bytes, .limit.what)]
    TooLarge {
        /// The input, as the user named it.
        name: String,
        /// The limit it passed.
        limit: Limit,
    },
}

impl ReadError {
    /// What went wrong, without the input's name (for a message that
    /// names it already).
    pub fn reason(&self) -> String {
        match self {
            ReadError::Io { error, .. } => os_words(error),
            ReadError::NotAFile { .. } => "a device or socket, not a file".into(),
            ReadError::StdinTwice => "standard input was already read for another input".into(),
            ReadError::TooLarge { limit, .. } => {
                format!(
                    "larger than {} bytes, the limit for {}",
                    limit.bytes, limit.what
                )
            }
        }
    }
}

/// An OS error in words: "no such file or directory", without the
/// "(os error 2)" the system adds.
pub fn os_words(error: &std::io::Error) -> String {
    let text = error.to_string();
    let words = match error.raw_os_error() {
        Some(code) => text
            .strip_suffix(&format!(" (os error {code})"))
            .unwrap_or(&text),
        None => &text,
    };
    let mut chars = words.chars();
    match chars.next() {
        Some(first) if chars.clone().next().is_some_and(char::is_lowercase) => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => words.to_string(),
    }
}

/// All of `reader`, named `name` in errors, or an error once it holds
/// more than `limit`.
pub fn read_from(reader: impl Read, name: &str, limit: Limit) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| ReadError::Io {
            name: name.to_string(),
            error,
        })?;
    if bytes.len() as u64 > limit.bytes {
        return Err(ReadError::TooLarge {
            name: name.to_string(),
            limit,
        });
    }
    Ok(bytes)
}

/// All of `reader` (standard input, say) copied to an anonymous temporary
/// file, rewound: a stream that must be read twice (hashed, then copied
/// out) costs disk, not memory. The file has no name, so nothing is left
/// behind however the process ends.
pub fn spool(reader: impl Read, name: &str, limit: Limit) -> Result<std::fs::File, ReadError> {
    let failed = |error| ReadError::Io {
        name: name.to_string(),
        error,
    };
    let mut file = tempfile::tempfile().map_err(failed)?;
    let copied = std::io::copy(&mut reader.take(limit.bytes + 1), &mut file).map_err(failed)?;
    if copied > limit.bytes {
        return Err(ReadError::TooLarge {
            name: name.to_string(),
            limit,
        });
    }
    std::io::Seek::rewind(&mut file).map_err(failed)?;
    Ok(file)
}

/// The whole of the file at `path` (standard input for `-`), up to `limit`.
pub fn read_file(path: &Path, limit: Limit) -> Result<Vec<u8>, ReadError> {
    let name = display_name(path);
    if is_stdin(path) {
        return read_from(take_stdin()?.lock(), &name, limit);
    }
    match std::fs::File::open(path) {
        Ok(file) => read_from(file, &name, limit),
        Err(error) => Err(ReadError::Io { name, error }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_read_as_words() {
        let missing = std::io::Error::from_raw_os_error(2);
        assert_eq!(os_words(&missing), "no such file or directory");
        let custom = std::io::Error::other("ENOSPC-like Custom text");
        assert_eq!(os_words(&custom), "ENOSPC-like Custom text");
    }

    #[test]
    fn limits_are_checked_while_reading() {
        let limit = Limit {
            what: "a test input",
            bytes: 4,
        };
        assert_eq!(read_from(&b"four"[..], "x", limit).unwrap(), b"four");
        let err = read_from(std::io::repeat(0), "/dev/zero", limit).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/dev/zero is larger than 4 bytes, the limit for a test input"
        );
        let dir = tempfile::tempdir().unwrap();
        let err = read_file(dir.path(), limit).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("reading {}: is a directory", dir.path().display())
        );
    }

    #[test]
    fn a_spooled_stream_reads_back_whole_within_its_limit() {
        let limit = Limit {
            what: "a test input",
            bytes: 4,
        };
        let mut file = spool(&b"four"[..], "stdin", limit).unwrap();
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut back).unwrap();
        assert_eq!(back, b"four");
        let err = spool(std::io::repeat(0), "stdin", limit).unwrap_err();
        assert_eq!(
            err.to_string(),
            "stdin is larger than 4 bytes, the limit for a test input"
        );
    }
}
