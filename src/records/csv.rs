//! The record-set CSV read back: what `dkimctl records --csv` writes, as
//! `lint --expect` and `diagnose --records` read it. One reader, so both
//! commands take and refuse the same files with the same error line.
//!
//! ```text
//! file   = *blank header *( row / blank )      ; RFC 4180 quoting; LF or CRLF
//! header = "Type,Name,Value"                   ; any case
//! row    = type "," name "," value             ; fields trimmed
//! type   = "CNAME" / "TXT"                     ; any case
//! name   = fully qualified, trailing dot optional, any case
//! ```
//!
//! Why relative names are refused: `records --relative` writes names for a
//! web form that appends the domain (`s1._domainkey`, `_amazonses`, `@`),
//! and the file does not say which domain that is. Reading them relative to
//! whatever domain a command happens to know would make one file mean one
//! thing to `diagnose` and another (or nothing) to `lint`, so both refuse
//! them and name the command that writes the file they need.

use crate::records::RecordType;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// One row of a record-set CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// CNAME or TXT.
    pub record_type: RecordType,
    /// The owner, lowercase, without the trailing dot.
    pub name: String,
    /// The CNAME target (lowercase, no trailing dot) or the TXT text,
    /// trimmed.
    pub value: String,
    /// The 1-based line the row starts on.
    pub line: u32,
}

/// What is wrong with a row (or the file's first row).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RowProblem {
    /// The row is not UTF-8 text.
    #[error("not UTF-8 text: a record set is text")]
    NotText,
    /// The CSV syntax itself is broken.
    #[error("not CSV: {0}")]
    NotCsv(String),
    /// The first row is no `Type,Name,Value` header.
    #[error("expected the header `Type,Name,Value` (the CSV `dkimctl records --csv` writes)")]
    Header,
    /// A row without exactly three fields.
    #[error("expected 3 fields (Type,Name,Value), found {0}")]
    Fields(usize),
    /// A type other than CNAME or TXT.
    #[error("type `{0}`: a DKIM record set has only CNAME and TXT rows")]
    Type(String),
    /// A relative name (as `records --relative` writes), or none.
    #[error(
        "name `{0}` is not a fully qualified name (write the CSV with `dkimctl records DOMAIN --csv`, without --relative)"
    )]
    Relative(String),
}

/// Why a record-set CSV cannot be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CsvError {
    /// The file could not be read, or is larger than
    /// [`input::RECORDS_CSV`](crate::input::RECORDS_CSV).
    #[error("{0}")]
    Read(crate::input::ReadError),
    /// A row cannot be read.
    #[error("{}:{line}: {problem}", path.display())]
    Row {
        /// The file.
        path: PathBuf,
        /// The line of the row.
        line: u32,
        /// What is wrong.
        problem: RowProblem,
    },
}

/// Reads a record-set CSV file, up to [`input::RECORDS_CSV`](crate::input::RECORDS_CSV).
pub fn read_csv(path: &Path) -> Result<Vec<CsvRecord>, CsvError> {
    parse_csv(&read_text(path)?, path)
}

/// The bytes of a record-set CSV file, at most [`crate::input::RECORDS_CSV`].
pub fn read_text(path: &Path) -> Result<Vec<u8>, CsvError> {
    crate::input::read_file(path, crate::input::RECORDS_CSV).map_err(CsvError::Read)
}

/// Parses record-set CSV text read from `path` (which names it in errors).
/// One pass: line numbers are counted on from the previous row.
pub fn parse_csv(text: &[u8], path: &Path) -> Result<Vec<CsvRecord>, CsvError> {
    let error = |line: u32, problem| CsvError::Row {
        path: path.to_path_buf(),
        line,
        problem,
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let mut lines = LineCounter::default();
    let mut records = Vec::new();
    let mut header_seen = false;
    for row in reader.records() {
        let row = row.map_err(|e| {
            let at = e
                .position()
                .map_or(text.len() as u64, ::csv::Position::byte);
            let problem = match e.kind() {
                ::csv::ErrorKind::Utf8 { .. } => RowProblem::NotText,
                _ => RowProblem::NotCsv(e.to_string()),
            };
            error(lines.line_at(text, at), problem)
        })?;
        let line = lines.line_at(text, row.position().map_or(0, ::csv::Position::byte));
        let fields: Vec<&str> = row.iter().map(str::trim).collect();
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        if !header_seen {
            header_seen = true;
            let header: Vec<String> = fields.iter().map(|f| f.to_ascii_lowercase()).collect();
            if header == ["type", "name", "value"] {
                continue;
            }
            return Err(error(line, RowProblem::Header));
        }
        let [kind, name, value] = fields[..] else {
            return Err(error(line, RowProblem::Fields(fields.len())));
        };
        let record_type = match kind.to_ascii_uppercase().as_str() {
            "CNAME" => RecordType::Cname,
            "TXT" => RecordType::Txt,
            other => return Err(error(line, RowProblem::Type(other.to_string()))),
        };
        if is_relative(name) {
            return Err(error(line, RowProblem::Relative(name.to_string())));
        }
        let value = match record_type {
            RecordType::Cname => absolute(value),
            RecordType::Txt => value.to_string(),
        };
        records.push(CsvRecord {
            record_type,
            name: absolute(name),
            value,
            line,
        });
    }
    if !header_seen {
        return Err(error(1, RowProblem::Header));
    }
    Ok(records)
}

/// Whether a name is one `records --relative` writes, or none at all: `@`,
/// a single label, or a last label with an underscore (`s1._domainkey`,
/// `_amazonses`), which no top-level domain has.
fn is_relative(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    match name.rsplit_once('.') {
        Some((_, last)) => last.is_empty() || last.starts_with('_'),
        None => true,
    }
}

/// A name as compared: lowercase, without the trailing dot.
fn absolute(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// Counts lines up to a byte offset, on from where it last stopped, so a
/// file is scanned once however many rows it has.
#[derive(Default)]
struct LineCounter {
    at: usize,
    line: u32,
}

impl LineCounter {
    /// The 1-based line of the row that starts at byte `at` (the csv crate
    /// may place the start on the line break before it). Offsets must not
    /// go backwards.
    fn line_at(&mut self, text: &[u8], at: u64) -> u32 {
        let mut at = usize::try_from(at).unwrap_or(usize::MAX).min(text.len());
        while text.get(at).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            at += 1;
        }
        let at = at.max(self.at);
        let breaks = text[self.at..at].iter().filter(|&&b| b == b'\n').count();
        self.line += u32::try_from(breaks).unwrap_or(u32::MAX);
        self.at = at;
        self.line + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_lines_and_names() {
        let path = Path::new("set.csv");
        for text in [
            &b"Type,Name,Value\nCNAME,A._domainkey.Example.com.,a.dkim.amazonses.com.\n\n\"TXT\" , _amazonses.example.com,\"tok\"\n"[..],
            b"\r\nType,Name,Value\r\nCNAME,A._domainkey.Example.com.,a.dkim.amazonses.com.\r\n\r\nTXT,_amazonses.example.com,tok\r\n",
        ] {
            let rows = parse_csv(text, path).unwrap();
            let seen: Vec<(RecordType, &str, &str)> = rows
                .iter()
                .map(|r| (r.record_type, r.name.as_str(), r.value.as_str()))
                .collect();
            assert_eq!(
                seen,
                [
                    (
                        RecordType::Cname,
                        "a._domainkey.example.com",
                        "a.dkim.amazonses.com"
                    ),
                    (RecordType::Txt, "_amazonses.example.com", "tok"),
                ]
            );
            let first = text.starts_with(b"\r\n") as u32;
            let lines: Vec<u32> = rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2 + first, 4 + first]);
        }
    }

    #[test]
    fn errors_name_the_line() {
        let path = Path::new("set.csv");
        for (text, expected) in [
            (&b"Name,Value\n"[..], "set.csv:1: expected the header"),
            (b"", "set.csv:1: expected the header"),
            (
                b"Type,Name,Value\n\nMX,example.com,mx\n",
                "set.csv:3: type `MX`",
            ),
            (
                b"Type,Name,Value\nTXT,a.b\n",
                "set.csv:2: expected 3 fields",
            ),
            (
                b"Type,Name,Value\r\nTXT,a.b,1\r\nTXT,c.d,\xff\r\n",
                "set.csv:3: not UTF-8 text: a record set is text",
            ),
        ] {
            let e = parse_csv(text, path).unwrap_err().to_string();
            assert!(e.starts_with(expected), "{e}");
        }
        for name in [
            "_amazonses",
            "s1._domainkey",
            "@",
            "example",
            "a._domainkey.",
        ] {
            let text = format!("Type,Name,Value\nTXT,{name},x\n");
            let e = parse_csv(text.as_bytes(), path).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!(
                    "set.csv:2: name `{name}` is not a fully qualified name"
                )),
                "{e}"
            );
        }
    }

    #[test]
    fn lines_are_counted_once() {
        let row = b"TXT,s1._domainkey.example.com,v=DKIM1; p=AB\n";
        let mut text = b"Type,Name,Value\n".to_vec();
        for _ in 0..20_000 {
            text.extend_from_slice(row);
        }
        let rows = parse_csv(&text, Path::new("big.csv")).unwrap();
        assert_eq!(rows.last().map(|r| r.line), Some(20_001));
    }
}
