//! Raw message handling on bytes: the header block split into fields exactly
//! as they arrived (order, duplicates, folding and odd bytes kept), the
//! offset of the body, and the line-ending style of the input.
//!
//! mail-parser normalises field names and drops fields that are not UTF-8,
//! which DKIM cannot afford: a signature covers the exact bytes. So the
//! header block is split here, by hand.
//!
//! ```text
//! message  = fields [ CRLF body ]      ; RFC 5322 §2.1, LF accepted for CRLF
//! field    = name ":" value CRLF *( WSP continuation CRLF )
//! ```

use std::io::BufRead;
use thiserror::Error;

/// The line-ending style of a message: kept so output matches input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineEnding {
    /// CR LF, as RFC 5322 has it.
    Crlf,
    /// Bare LF, as Unix mail stores often have it.
    Lf,
}

impl LineEnding {
    /// The bytes that end a line in this style.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Crlf => b"\r\n",
            LineEnding::Lf => b"\n",
        }
    }
}

/// Why a header block is not usable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The input is empty.
    #[error("the input is empty")]
    Empty,
    /// A header line has no colon, so it is not a field.
    #[error("header line {line} is not a field (no colon)")]
    NoColon {
        /// 1-based line number.
        line: usize,
    },
    /// A header line has a colon but no field name before it.
    #[error("header line {line} has an empty field name")]
    EmptyName {
        /// 1-based line number.
        line: usize,
    },
    /// The message starts with a continuation line.
    #[error("line 1 starts with whitespace, a continuation of no field")]
    LeadingContinuation,
    /// The header block exceeds the size limit.
    #[error("the header block is larger than {limit} bytes")]
    HeaderTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

/// One header field: its exact bytes and where its name and value are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderField<'a> {
    /// The field as it arrived: name, colon, value, folding, line ending.
    pub raw: &'a [u8],
    /// The field name, without whitespace before the colon.
    pub name: &'a [u8],
    /// The value after the colon, up to (not including) the last line ending.
    pub value: &'a [u8],
}

impl HeaderField<'_> {
    /// Whether the field name is `name`, compared case-insensitively.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name.as_bytes())
    }

    /// Offset of the value within `raw`.
    pub fn value_offset(&self) -> usize {
        self.raw.len() - self.value.len() - trailing_line_ending(self.raw).len()
    }
}

/// Where one field lies in the header block.
#[derive(Debug, Clone, Copy)]
struct FieldSpan {
    start: usize,
    name_end: usize,
    value_start: usize,
    end: usize,
}

/// A header line that is not a field, kept instead of refused: real mail
/// breaks RFC 5322 (an mbox `From ` line, a line without a colon, a stray
/// CR), and a verifier has to judge the signatures around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defect {
    /// What is wrong with the line; the error names its line number.
    pub error: MessageError,
    /// The field just above the line (its index), which the line may have
    /// been meant to continue.
    pub after_field: Option<usize>,
}

/// A parsed header block; the body is handled apart so it can be streamed.
#[derive(Debug, Clone)]
pub struct Header {
    raw: Vec<u8>,
    spans: Vec<FieldSpan>,
    defects: Vec<Defect>,
    line_ending: LineEnding,
    has_separator: bool,
}

/// Largest header block accepted: far beyond any real message, small
/// enough that hostile input cannot exhaust memory.
pub const MAX_HEADER_BYTES: usize = 64 * 1024 * 1024;

impl Header {
    /// Parses a header block: the fields and, if present, the empty line
    /// that separates them from the body. Lines that are not fields are
    /// kept as [`Defect`]s; a block with no field at all is not a message
    /// and is refused with the first defect.
    pub fn parse(raw: Vec<u8>) -> Result<Header, MessageError> {
        Header::parse_block(raw)
    }

    /// The header of a message with no header fields: only the empty
    /// line before the body.
    pub fn empty() -> Header {
        Header::parse_block(b"\r\n".to_vec()).expect("an empty line is a header block")
    }

    fn parse_block(raw: Vec<u8>) -> Result<Header, MessageError> {
        if raw.is_empty() {
            return Err(MessageError::Empty);
        }
        let line_ending = match raw.iter().position(|&b| b == b'\n') {
            Some(i) if i > 0 && raw[i - 1] == b'\r' => LineEnding::Crlf,
            Some(_) => LineEnding::Lf,
            None => LineEnding::Crlf,
        };
        let mut spans: Vec<FieldSpan> = Vec::new();
        let mut defects: Vec<Defect> = Vec::new();
        let mut has_separator = false;
        let mut pos = 0;
        let mut line_no = 0;
        while pos < raw.len() {
            line_no += 1;
            let end = line_end(&raw, pos);
            let line = &raw[pos..end];
            let content = strip_line_ending(line);
            if content.is_empty() && line.len() != content.len() {
                has_separator = true;
                pos = end;
                break;
            }
            if content.is_empty() {
                // A final line with nothing at all: the input ended.
                pos = end;
                break;
            }
            let continues_field = spans.last().is_some_and(|s| s.end == pos);
            if matches!(content[0], b' ' | b'\t') && continues_field {
                if let Some(span) = spans.last_mut() {
                    span.end = end;
                }
            } else {
                match field_start(content, line_no) {
                    Ok(colon) => {
                        let name_end = pos
                            + content[..colon]
                                .iter()
                                .rposition(|&b| !matches!(b, b' ' | b'\t'))
                                .map_or(0, |i| i + 1);
                        spans.push(FieldSpan {
                            start: pos,
                            name_end,
                            value_start: pos + colon + 1,
                            end,
                        });
                    }
                    Err(error) => defects.push(Defect {
                        error,
                        after_field: spans.len().checked_sub(1),
                    }),
                }
            }
            pos = end;
        }
        if spans.is_empty()
            && let Some(first) = defects.first()
        {
            return Err(first.error.clone());
        }
        let mut raw = raw;
        raw.truncate(pos);
        Ok(Header {
            raw,
            spans,
            defects,
            line_ending,
            has_separator,
        })
    }

    /// The lines that are not fields, in order.
    pub fn defects(&self) -> &[Defect] {
        &self.defects
    }

    /// Reads a header block from `reader`, leaving it positioned at the
    /// first byte of the body.
    pub fn read_from(reader: &mut impl BufRead) -> Result<Header, crate::Error> {
        let mut raw = Vec::with_capacity(4096);
        loop {
            let start = raw.len();
            // At most one byte past the limit, even on a line without an
            // end (`/dev/zero`): the limit is checked while reading.
            let budget = (MAX_HEADER_BYTES + 1 - start) as u64;
            let n = std::io::Read::take(&mut *reader, budget).read_until(b'\n', &mut raw)?;
            if n == 0 {
                break;
            }
            if raw.len() > MAX_HEADER_BYTES {
                return Err(MessageError::HeaderTooLarge {
                    limit: MAX_HEADER_BYTES,
                }
                .into());
            }
            if matches!(&raw[start..], b"\n" | b"\r\n") {
                break;
            }
        }
        Ok(Header::parse(raw)?)
    }

    /// The fields in the order they appear.
    pub fn fields(
        &self,
    ) -> impl ExactSizeIterator<Item = HeaderField<'_>> + DoubleEndedIterator + '_ {
        self.spans.iter().map(|s| self.field_at(s))
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The field at `index` in header order.
    pub fn field(&self, index: usize) -> Option<HeaderField<'_>> {
        self.spans.get(index).map(|s| self.field_at(s))
    }

    fn field_at(&self, s: &FieldSpan) -> HeaderField<'_> {
        let raw = &self.raw[s.start..s.end];
        let value_end = s.end - trailing_line_ending(raw).len();
        HeaderField {
            raw,
            name: &self.raw[s.start..s.name_end],
            value: &self.raw[s.value_start..value_end],
        }
    }

    /// The header block as read, separator line included.
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// The line-ending style of the input (from its first line).
    pub fn line_ending(&self) -> LineEnding {
        self.line_ending
    }

    /// Whether an empty line separated the header from a body.
    pub fn has_separator(&self) -> bool {
        self.has_separator
    }
}

/// Where the colon of a header line (without its line ending) is, when the
/// line starts a field: a name, then a colon. A continuation line that
/// continues nothing counts as no field.
fn field_start(content: &[u8], line: usize) -> Result<usize, MessageError> {
    if matches!(content[0], b' ' | b'\t') {
        return Err(if line == 1 {
            MessageError::LeadingContinuation
        } else {
            MessageError::NoColon { line }
        });
    }
    let colon = content
        .iter()
        .position(|&b| b == b':')
        .ok_or(MessageError::NoColon { line })?;
    if content[..colon].iter().all(|&b| matches!(b, b' ' | b'\t')) {
        return Err(MessageError::EmptyName { line });
    }
    Ok(colon)
}

/// Splits an in-memory message into its header block and body.
pub fn split(raw: &[u8]) -> Result<(Header, &[u8]), MessageError> {
    let mut cursor = raw;
    let header = Header::read_from(&mut cursor).map_err(|e| match e {
        crate::Error::Message(m) => m,
        // Reading from a slice cannot fail; the size limit is a MessageError.
        _ => MessageError::HeaderTooLarge {
            limit: MAX_HEADER_BYTES,
        },
    })?;
    Ok((header, cursor))
}

/// The index one past the end of the line starting at `pos` (its LF
/// included), or the end of `buf`.
fn line_end(buf: &[u8], pos: usize) -> usize {
    buf[pos..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(buf.len(), |i| pos + i + 1)
}

/// `line` without its final CRLF or LF.
fn strip_line_ending(line: &[u8]) -> &[u8] {
    &line[..line.len() - trailing_line_ending(line).len()]
}

/// The CRLF or LF that ends `bytes`, or nothing.
pub(crate) fn trailing_line_ending(bytes: &[u8]) -> &[u8] {
    if bytes.ends_with(b"\r\n") {
        &bytes[bytes.len() - 2..]
    } else if bytes.ends_with(b"\n") {
        &bytes[bytes.len() - 1..]
    } else {
        &[]
    }
}

/// Feeds a body from `reader` to `f` in large chunks: how sign and verify
/// read what follows the header, once, without holding it.
pub(crate) fn stream_body(
    reader: &mut dyn std::io::Read,
    mut f: impl FnMut(&[u8]),
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => f(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_fields_with_folding_and_duplicates() {
        let raw = b"From: a@example.com\r\nSubject: one\r\n two\r\nX: 1\r\nx : 2\r\n\r\nbody\r\n";
        let (h, body) = split(raw).unwrap();
        let names: Vec<_> = h.fields().map(|f| f.name.to_vec()).collect();
        assert_eq!(names, [&b"From"[..], b"Subject", b"X", b"x"]);
        assert_eq!(h.field(1).unwrap().raw, b"Subject: one\r\n two\r\n");
        assert_eq!(h.field(1).unwrap().value, b" one\r\n two");
        assert_eq!(h.field(3).unwrap().value, b" 2");
        assert_eq!(body, b"body\r\n");
        assert_eq!(h.line_ending(), LineEnding::Crlf);
        assert!(h.has_separator());
    }

    #[test]
    fn handles_lf_no_separator_and_non_utf8() {
        let (h, body) = split(b"A: \xff\xfe\nB: x\n").unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h.line_ending(), LineEnding::Lf);
        assert!(!h.has_separator());
        assert!(body.is_empty());
        let (h, body) = split(b"A: 1").unwrap();
        assert_eq!(h.field(0).unwrap().value, b" 1");
        assert!(body.is_empty());
    }

    #[test]
    fn keeps_lines_that_are_not_fields_as_defects() {
        let (h, body) =
            split(b"From: a\r\nnot a field\r\n more\r\nX: 1\r\n\r\r\n\r\nbody\r\n").unwrap();
        let names: Vec<_> = h.fields().map(|f| f.name.to_vec()).collect();
        assert_eq!(names, [&b"From"[..], b"X"]);
        assert_eq!(h.field(0).unwrap().raw, b"From: a\r\n");
        let defects: Vec<_> = h
            .defects()
            .iter()
            .map(|d| (d.error.clone(), d.after_field))
            .collect();
        assert_eq!(
            defects,
            [
                (MessageError::NoColon { line: 2 }, Some(0)),
                (MessageError::NoColon { line: 3 }, Some(0)),
                (MessageError::NoColon { line: 5 }, Some(1)),
            ]
        );
        assert_eq!(body, b"body\r\n");
    }

    #[test]
    fn rejects_garbage() {
        for (input, err) in [
            (&b""[..], MessageError::Empty),
            (b"hello world\r\n", MessageError::NoColon { line: 1 }),
            (b" x: y\r\n", MessageError::LeadingContinuation),
            (b": y\r\n", MessageError::EmptyName { line: 1 }),
        ] {
            assert_eq!(split(input).unwrap_err(), err);
        }
    }
}
