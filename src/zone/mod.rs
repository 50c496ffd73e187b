//! RFC 1035 master files, read line by line for the linter.
//!
//! Unlike a DNS server's loader, this reader keeps what a linter needs and a
//! server throws away: the file, line and column of every record and of each
//! rdata item, the owner and names as written beside their resolved form,
//! duplicates (never merged), CNAMEs beside other data, and TXT strings longer
//! than 255 bytes. It judges nothing; `lint` turns the [`Zone`] into findings.
//!
//! [`lex`] cuts the bytes into logical lines of tokens (comments, quotes,
//! escapes, parentheses); [`parse`] turns them into [`ZoneRecord`]s and
//! follows `$ORIGIN`, `$TTL` and `$INCLUDE`. [`text`] is the writer: the
//! record lines and TXT quoting every command prints, read back here.
//!
//! Where BIND differs: `$INCLUDE` paths are resolved relative to the
//! including file (BIND resolves them relative to its working directory),
//! and `TYPEnnn` is kept as a generic type even when `nnn` is a known one.

pub mod json;
pub mod lex;
pub mod parse;
pub mod route53;
pub mod text;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Serialize, Serializer};
use thiserror::Error;

pub use parse::{parse_bytes, parse_bytes_each, parse_str};

/// Default limit on nested `$INCLUDE`s.
pub const DEFAULT_INCLUDE_DEPTH: usize = 8;

/// How to read a zone file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneOptions {
    /// Origin to use instead of a leading `$ORIGIN` or the file name
    /// (`--origin`); a trailing dot is added when missing.
    pub origin: Option<String>,
    /// How deep `$INCLUDE`s may nest; 0 rejects every `$INCLUDE`.
    pub max_include_depth: usize,
}

impl Default for ZoneOptions {
    fn default() -> ZoneOptions {
        ZoneOptions {
            origin: None,
            max_include_depth: DEFAULT_INCLUDE_DEPTH,
        }
    }
}

/// Where the zone's origin came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginSource {
    /// The `--origin` option.
    Option,
    /// A `$ORIGIN` directive before the first record.
    Directive,
    /// The file name (`example.com.zone`, `db.example.com`, `example.com`).
    FileName,
    /// The SOA record set in a Route 53 document.
    Soa,
    /// Nowhere: the file uses absolute names only (or fails on a relative one).
    None,
}

/// A parsed master file with everything it includes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Zone {
    /// Origin of the zone (absolute, with trailing dot), if known.
    pub origin: Option<String>,
    /// Where [`Zone::origin`] came from.
    pub origin_source: OriginSource,
    /// Every record in file order, duplicates kept.
    pub records: Vec<ZoneRecord>,
}

/// A position in a zone file: 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    /// The file the position is in.
    #[serde(serialize_with = "serialize_path")]
    pub file: Arc<Path>,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1, counted in characters (a tab counts as one).
    pub column: u32,
}

fn serialize_path<S: Serializer>(path: &Arc<Path>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A domain name as written and as resolved against the origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Name {
    /// The name exactly as written (`@`, `s1._domainkey`, `example.com.`).
    pub written: String,
    /// The absolute name, with trailing dot.
    pub resolved: String,
    /// Whether it was written relative (no trailing dot, or `@`) and so had
    /// the origin appended.
    pub relative: bool,
    /// Where it was written.
    pub span: Span,
}

/// One character-string (RFC 1035 §3.3), escapes decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CharString {
    /// The decoded bytes; may exceed 255 (which the linter reports).
    pub bytes: Vec<u8>,
    /// Whether it was written in double quotes.
    pub quoted: bool,
    /// Where it starts (the opening quote when quoted).
    pub span: Span,
}

impl CharString {
    /// Length in bytes after decoding escapes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The bytes as text, invalid UTF-8 replaced.
    pub fn to_text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// A record type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordType {
    /// IPv4 address.
    A,
    /// IPv6 address.
    Aaaa,
    /// Canonical name (alias).
    Cname,
    /// Text strings.
    Txt,
    /// Mail exchanger.
    Mx,
    /// Name server.
    Ns,
    /// Start of authority.
    Soa,
    /// Certification authority authorization.
    Caa,
    /// Service location.
    Srv,
    /// Domain name pointer.
    Ptr,
    /// Any other mnemonic, upper-cased (`DNAME`, `SPF`, `TLSA`, ...).
    Other(String),
    /// `TYPEnnn` (RFC 3597).
    Numeric(u16),
}

impl RecordType {
    /// Recognises a type mnemonic or `TYPEnnn`; `None` if it cannot be a type.
    pub fn parse(text: &str) -> Option<RecordType> {
        let bytes = text.as_bytes();
        if !bytes.first().is_some_and(u8::is_ascii_alphabetic)
            || !bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        {
            return None;
        }
        let known = [
            ("A", RecordType::A),
            ("AAAA", RecordType::Aaaa),
            ("CNAME", RecordType::Cname),
            ("TXT", RecordType::Txt),
            ("MX", RecordType::Mx),
            ("NS", RecordType::Ns),
            ("SOA", RecordType::Soa),
            ("CAA", RecordType::Caa),
            ("SRV", RecordType::Srv),
            ("PTR", RecordType::Ptr),
        ];
        for (name, ty) in known {
            if text.eq_ignore_ascii_case(name) {
                return Some(ty);
            }
        }
        if bytes.len() > 4 && text[..4].eq_ignore_ascii_case("TYPE") {
            let digits = &text[4..];
            if digits.bytes().all(|b| b.is_ascii_digit()) {
                return digits.parse().ok().map(RecordType::Numeric);
            }
        }
        Some(RecordType::Other(text.to_ascii_uppercase()))
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Cname => "CNAME",
            RecordType::Txt => "TXT",
            RecordType::Mx => "MX",
            RecordType::Ns => "NS",
            RecordType::Soa => "SOA",
            RecordType::Caa => "CAA",
            RecordType::Srv => "SRV",
            RecordType::Ptr => "PTR",
            RecordType::Other(name) => name,
            RecordType::Numeric(n) => return write!(f, "TYPE{n}"),
        };
        f.write_str(name)
    }
}

impl Serialize for RecordType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Record data, by type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum RData {
    /// `A`.
    A {
        /// The address.
        address: std::net::Ipv4Addr,
    },
    /// `AAAA`.
    Aaaa {
        /// The address.
        address: std::net::Ipv6Addr,
    },
    /// `CNAME`.
    Cname {
        /// Canonical name the owner aliases.
        target: Name,
    },
    /// `NS`.
    Ns {
        /// Name server host.
        target: Name,
    },
    /// `PTR`.
    Ptr {
        /// Name pointed to.
        target: Name,
    },
    /// `MX`.
    Mx {
        /// Preference (lower wins).
        preference: u16,
        /// Mail exchanger host.
        exchange: Name,
    },
    /// `SRV`.
    Srv {
        /// Priority.
        priority: u16,
        /// Weight.
        weight: u16,
        /// Port.
        port: u16,
        /// Target host.
        target: Name,
    },
    /// `TXT`: the character-strings in order, not joined.
    Txt {
        /// The strings, each with its own length and position.
        strings: Vec<CharString>,
    },
    /// `CAA`.
    Caa {
        /// Flags (128 = critical).
        flags: u8,
        /// Property tag (`issue`, `issuewild`, `iodef`).
        tag: String,
        /// Property value.
        value: CharString,
    },
    /// `SOA` (boxed: the largest variant).
    Soa(Box<Soa>),
    /// Any other type: the rdata tokens as written, joined by one space.
    Generic {
        /// The rdata text (quoted strings keep their quotes).
        text: String,
    },
}

/// `SOA` data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Soa {
    /// Primary name server.
    pub mname: Name,
    /// Responsible mailbox.
    pub rname: Name,
    /// Serial number.
    pub serial: u32,
    /// Refresh interval, seconds.
    pub refresh: u32,
    /// Retry interval, seconds.
    pub retry: u32,
    /// Expire limit, seconds.
    pub expire: u32,
    /// Negative-caching TTL, seconds.
    pub minimum: u32,
}

/// A record class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Class {
    /// Internet.
    #[serde(rename = "IN")]
    In,
    /// Chaos.
    #[serde(rename = "CH")]
    Ch,
    /// CSNET (obsolete).
    #[serde(rename = "CS")]
    Cs,
    /// Hesiod.
    #[serde(rename = "HS")]
    Hs,
}

impl Class {
    /// Recognises a class mnemonic, case-insensitively.
    pub fn parse(text: &str) -> Option<Class> {
        [
            ("IN", Class::In),
            ("CH", Class::Ch),
            ("CS", Class::Cs),
            ("HS", Class::Hs),
        ]
        .into_iter()
        .find(|(name, _)| text.eq_ignore_ascii_case(name))
        .map(|(_, class)| class)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::In => "IN",
            Class::Ch => "CH",
            Class::Cs => "CS",
            Class::Hs => "HS",
        })
    }
}

/// One resource record as written in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneRecord {
    /// Where the record starts (its first token).
    pub span: Span,
    /// The owner; for a blank owner, the previous record's owner.
    pub owner: Name,
    /// Whether the owner field was left blank (inherited).
    pub owner_inherited: bool,
    /// TTL in seconds: as written, else `$TTL`, else the previous record's.
    pub ttl: Option<u32>,
    /// Whether the TTL was written on this record.
    pub ttl_written: bool,
    /// Class (`IN` unless written otherwise; an omitted class is the
    /// previous record's).
    pub class: Class,
    /// The type.
    pub record_type: RecordType,
    /// The data.
    pub rdata: RData,
    /// Position of each rdata token, in order.
    pub rdata_spans: Vec<Span>,
}

/// Why a zone file could not be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ZoneError {
    /// The named file could not be read.
    #[error("{0}")]
    Read(crate::input::ReadError),
    /// The file is malformed at a position.
    #[error("{span}: {kind}")]
    Syntax {
        /// Where.
        span: Span,
        /// What.
        kind: ErrorKind,
    },
}

impl ZoneError {
    /// Where the error is, if it has a position.
    pub fn span(&self) -> Option<&Span> {
        match self {
            ZoneError::Read(_) => None,
            ZoneError::Syntax { span, .. } => Some(span),
        }
    }

    /// What is wrong, for a positioned error.
    pub fn kind(&self) -> Option<&ErrorKind> {
        match self {
            ZoneError::Read(_) => None,
            ZoneError::Syntax { kind, .. } => Some(kind),
        }
    }
}

/// What is wrong at a position.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A NUL byte: the file is binary, not a zone file.
    #[error("binary content: NUL byte")]
    NulByte,
    /// Bytes outside quoted strings that are not UTF-8.
    #[error("binary content: invalid UTF-8 outside a quoted string")]
    InvalidUtf8,
    /// A `"` that is never closed on its line.
    #[error("unterminated quoted string")]
    UnterminatedQuote,
    /// A `(` that is never closed.
    #[error("unbalanced parentheses: `(` is never closed")]
    UnclosedParen,
    /// A `)` without a `(`.
    #[error("unbalanced parentheses: `)` without `(`")]
    UnexpectedCloseParen,
    /// A `(` inside parentheses.
    #[error("nested parentheses")]
    NestedParen,
    /// A backslash escape that is not `\X` or `\DDD` (0-255).
    #[error("bad escape `{0}`")]
    BadEscape(String),
    /// A `$` directive other than `$ORIGIN`, `$TTL`, `$INCLUDE`.
    #[error("unknown directive `{0}`")]
    UnknownDirective(String),
    /// A directive with missing or extra arguments.
    #[error("{0}")]
    BadDirective(String),
    /// An `$INCLUDE` of a file already being read.
    #[error("$INCLUDE loop: {} is already being read", .0.display())]
    IncludeLoop(PathBuf),
    /// `$INCLUDE`s nested deeper than the limit.
    #[error("$INCLUDE nested deeper than {0}")]
    IncludeDepth(usize),
    /// An `$INCLUDE`d file that cannot be read.
    #[error("$INCLUDE {}: {reason}", path.display())]
    IncludeUnreadable {
        /// The file as resolved.
        path: PathBuf,
        /// The I/O error, as text.
        reason: String,
    },
    /// A record with a blank owner and no previous owner.
    #[error("record has no owner name (blank owner on the first record)")]
    NoOwner,
    /// A record line without a type.
    #[error("record has no type")]
    NoType,
    /// A token where the type should be that cannot be one.
    #[error("expected a record type, found `{0}`")]
    BadType(String),
    /// A domain name with an empty label or a label or name too long.
    #[error("bad name `{name}`: {reason}")]
    BadName {
        /// The name as written.
        name: String,
        /// Why.
        reason: String,
    },
    /// A relative name while no origin is known.
    #[error("relative name `{0}` but no origin (use $ORIGIN or --origin)")]
    NoOrigin(String),
    /// A quoted string where a name, number or type is expected.
    #[error("unexpected quoted string")]
    UnexpectedQuote,
    /// A TTL that is not a number of seconds or units (`1h30m`) or overflows.
    #[error("bad TTL `{0}`")]
    BadTtl(String),
    /// Record data that does not fit its type.
    #[error("bad {rtype} data: {reason}")]
    BadRdata {
        /// The type.
        rtype: String,
        /// Why.
        reason: String,
    },
    /// Malformed JSON (a Route 53 document), as serde_json describes it.
    #[error("malformed JSON: {0}")]
    Json(String),
    /// JSON that is not a Route 53 document of the expected shape, or a
    /// record set in it that cannot be read.
    #[error("{0}")]
    Route53(String),
}

/// Reads a zone file and everything it `$INCLUDE`s.
pub fn read_zone(path: &Path, options: &ZoneOptions) -> Result<Zone, ZoneError> {
    parse_bytes(&read_file(path)?, path, options)
}

/// Parses zone data read from `file` as `lint` tells the two kinds apart: a
/// Route 53 JSON document when [`route53::is_route53_json`] says so, else a
/// master file. Each record goes to `each` in order, with the zone's origin;
/// returns the origin and where it came from.
pub fn parse_each(
    input: &[u8],
    file: &Path,
    options: &ZoneOptions,
    each: &mut dyn FnMut(Option<&str>, ZoneRecord),
) -> Result<(Option<String>, OriginSource), ZoneError> {
    if !route53::is_route53_json(input) {
        return parse_bytes_each(input, file, options, each);
    }
    let zone = route53::parse_route53(input, file, options)?;
    for record in zone.records {
        each(zone.origin.as_deref(), record);
    }
    Ok((zone.origin, zone.origin_source))
}

/// The bytes of a zone file (see [`parse::read_source`] for what is
/// refused), or why they cannot be read.
pub fn read_file(path: &Path) -> Result<Vec<u8>, ZoneError> {
    parse::read_source(path).map_err(ZoneError::Read)
}

/// Guesses the origin from a file name: `example.com.zone`, `db.example.com`,
/// `example.com.db`, or a bare `example.com`; `None` if the name does not
/// look like a domain.
pub fn origin_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let mut stem = name;
    for suffix in [".zone", ".db", ".hosts", ".txt"] {
        if stem.len() > suffix.len()
            && stem[stem.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        {
            stem = &stem[..stem.len() - suffix.len()];
            break;
        }
    }
    let db_prefix = stem.len() > 3 && stem[..3].eq_ignore_ascii_case("db.");
    if db_prefix {
        stem = &stem[3..];
    }
    let stem = stem.strip_suffix('.').unwrap_or(stem);
    let looks_like_domain = (db_prefix || stem.contains('.'))
        && stem.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    looks_like_domain.then(|| format!("{stem}."))
}

/// Makes an origin absolute: adds the trailing dot when missing.
pub fn absolute_origin(origin: &str) -> String {
    if origin.is_empty() || origin == "." {
        ".".to_string()
    } else if parse::ends_with_unescaped_dot(origin) {
        origin.to_string()
    } else {
        format!("{origin}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_from_file_names() {
        for (file, origin) in [
            ("example.com.zone", Some("example.com.")),
            ("zones/example.com.zone", Some("example.com.")),
            ("db.example.com", Some("example.com.")),
            ("example.com", Some("example.com.")),
            ("example.com.db", Some("example.com.")),
            ("sub.example.co.uk.ZONE", Some("sub.example.co.uk.")),
            ("zonefile", None),
            ("db.local", Some("local.")),
            ("my zone.zone", None),
            ("db.", None),
        ] {
            assert_eq!(
                origin_from_file_name(Path::new(file)).as_deref(),
                origin,
                "{file}"
            );
        }
    }

    #[test]
    fn record_types() {
        for (text, ty) in [
            ("a", Some(RecordType::A)),
            ("Txt", Some(RecordType::Txt)),
            ("TYPE257", Some(RecordType::Numeric(257))),
            ("TYPE99999", None),
            ("tlsa", Some(RecordType::Other("TLSA".into()))),
            ("1.2.3.4", None),
            ("-x", None),
        ] {
            assert_eq!(RecordType::parse(text), ty, "{text}");
        }
        assert_eq!(RecordType::Numeric(65).to_string(), "TYPE65");
    }
}
