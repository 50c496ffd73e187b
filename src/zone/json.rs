//! A JSON scanner that keeps positions, for reading Route 53 documents.
//!
//! serde_json checks a document and places its errors, but keeps no
//! positions; this scanner reads the checked text into a tree of [`Node`]s
//! that know the line and column (in characters) of every key and value,
//! so a record read from JSON is placed like one read from a master file.
//! It judges nothing about Route 53: [`super::route53`] gives the tree its
//! meaning.

use std::borrow::Cow;

/// Nesting deeper than this is refused (serde_json already stops at 128).
const MAX_DEPTH: usize = 256;

/// A serde_json error at its line and column (converted from bytes to
/// characters), its message without serde_json's own position suffix.
pub(super) fn json_error(text: &str, e: &serde_json::Error) -> (Pos, String) {
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = message
        .strip_suffix(&suffix)
        .unwrap_or(&message)
        .to_string();
    let line = e.line().max(1);
    let line_text = text.split('\n').nth(line - 1).unwrap_or_default();
    let bytes = line_text.as_bytes();
    let column = bytes
        .get(..e.column().min(bytes.len()))
        .unwrap_or_default()
        .iter()
        .filter(|&&b| !is_continuation(b))
        .count()
        .max(1);
    let at = Pos {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    };
    (at, message)
}

/// The line and column (in characters) of byte `index`.
pub(super) fn position_of(bytes: &[u8], index: usize) -> Pos {
    let before = bytes.get(..index).unwrap_or(bytes);
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let column = before
        .get(line_start..)
        .unwrap_or_default()
        .iter()
        .filter(|&&b| !is_continuation(b))
        .count()
        + 1;
    Pos {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

pub(super) fn is_json_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Whether a byte continues a UTF-8 character (so starts no column).
fn is_continuation(b: u8) -> bool {
    (b as i8) < -0x40
}

/// A 1-based line and column (in characters) in the JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pos {
    pub(super) line: u32,
    pub(super) column: u32,
}

/// A JSON value and where it starts.
#[derive(Debug)]
pub(super) struct Node<'a> {
    pub(super) at: Pos,
    pub(super) value: Value<'a>,
}

/// A JSON value; strings and scalars borrow their text.
#[derive(Debug)]
pub(super) enum Value<'a> {
    /// A number, `true`, `false` or `null`, as written.
    Scalar(&'a str),
    /// A string as written between its quotes (escapes not decoded).
    Str(&'a str),
    Array(Vec<Node<'a>>),
    Object(Vec<Member<'a>>),
}

/// An object member: the key decoded, and where the key's quote is.
#[derive(Debug)]
pub(super) struct Member<'a> {
    pub(super) key: Cow<'a, str>,
    pub(super) at: Pos,
    pub(super) value: Node<'a>,
}

impl<'a> Node<'a> {
    /// The first member named `key`, for an object.
    pub(super) fn get(&self, key: &str) -> Option<&Member<'a>> {
        match &self.value {
            Value::Object(members) => members.iter().find(|m| m.key == key),
            _ => None,
        }
    }

    /// The elements, for an array.
    pub(super) fn array(&self) -> Option<&[Node<'a>]> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The decoded text, for a string.
    pub(super) fn string(&self) -> Option<Cow<'a, str>> {
        match self.value {
            Value::Str(raw) => Some(json_unescape(raw)),
            _ => None,
        }
    }
}

/// Reads JSON text (already checked by serde_json) into [`Node`]s, keeping
/// line and column as it goes: every byte is counted once.
pub(super) struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
    column: u32,
}

pub(super) type ScanError = (Pos, String);

impl<'a> Scanner<'a> {
    pub(super) fn new(text: &'a str) -> Scanner<'a> {
        Scanner {
            text,
            pos: 0,
            line: 1,
            column: 1,
        }
    }

    fn here(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    fn fail(&self, message: &str) -> ScanError {
        (self.here(), message.to_string())
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn advance_to(&mut self, end: usize) {
        let bytes = self.text.as_bytes();
        let end = end.min(bytes.len());
        for &b in bytes.get(self.pos..end).unwrap_or_default() {
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
                self.column = 1;
            } else if !is_continuation(b) {
                self.column = self.column.saturating_add(1);
            }
        }
        self.pos = end.max(self.pos);
    }

    fn bump(&mut self) {
        self.advance_to(self.pos + 1);
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(is_json_space) {
            self.bump();
        }
    }

    fn expect(&mut self, byte: u8, message: &str) -> Result<(), ScanError> {
        self.skip_space();
        if self.peek() != Some(byte) {
            return Err(self.fail(message));
        }
        self.bump();
        Ok(())
    }

    pub(super) fn document(mut self) -> Result<Node<'a>, ScanError> {
        self.skip_space();
        let node = self.value(0)?;
        self.skip_space();
        if self.pos < self.text.len() {
            return Err(self.fail("trailing characters"));
        }
        Ok(node)
    }

    fn value(&mut self, depth: usize) -> Result<Node<'a>, ScanError> {
        if depth > MAX_DEPTH {
            return Err(self.fail("nested too deeply"));
        }
        self.skip_space();
        let at = self.here();
        let value = match self.peek() {
            Some(b'{') => {
                self.bump();
                let mut members = Vec::new();
                self.skip_space();
                if self.peek() == Some(b'}') {
                    self.bump();
                } else {
                    loop {
                        self.skip_space();
                        let key_at = self.here();
                        if self.peek() != Some(b'"') {
                            return Err(self.fail("expected a key"));
                        }
                        let key = json_unescape(self.string()?);
                        self.expect(b':', "expected `:`")?;
                        let value = self.value(depth + 1)?;
                        members.push(Member {
                            key,
                            at: key_at,
                            value,
                        });
                        self.skip_space();
                        match self.peek() {
                            Some(b',') => self.bump(),
                            Some(b'}') => {
                                self.bump();
                                break;
                            }
                            _ => return Err(self.fail("expected `,` or `}`")),
                        }
                    }
                }
                Value::Object(members)
            }
            Some(b'[') => {
                self.bump();
                let mut items = Vec::new();
                self.skip_space();
                if self.peek() == Some(b']') {
                    self.bump();
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.skip_space();
                        match self.peek() {
                            Some(b',') => self.bump(),
                            Some(b']') => {
                                self.bump();
                                break;
                            }
                            _ => return Err(self.fail("expected `,` or `]`")),
                        }
                    }
                }
                Value::Array(items)
            }
            Some(b'"') => Value::Str(self.string()?),
            Some(_) => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
                {
                    self.bump();
                }
                if self.pos == start {
                    return Err(self.fail("expected a value"));
                }
                Value::Scalar(self.text.get(start..self.pos).unwrap_or_default())
            }
            None => return Err(self.fail("unexpected end of input")),
        };
        Ok(Node { at, value })
    }

    /// A string at its opening quote: its raw text between the quotes.
    fn string(&mut self) -> Result<&'a str, ScanError> {
        let open = self.here();
        let bytes = self.text.as_bytes();
        let start = self.pos + 1;
        let mut i = start;
        let end = loop {
            let Some(found) = bytes
                .get(i..)
                .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
            else {
                return Err((open, "unterminated string".into()));
            };
            i += found;
            if bytes.get(i) == Some(&b'"') {
                break i;
            }
            i += 2;
        };
        let raw = self
            .text
            .get(start..end)
            .ok_or_else(|| (open, "bad string".to_string()))?;
        self.advance_to(end + 1);
        Ok(raw)
    }
}

/// Decodes a JSON string's escapes; a malformed `\u` (or a lone surrogate)
/// becomes U+FFFD rather than an error.
fn json_unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let decoded = match chars.next() {
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('u') => match hex4(&mut chars) {
                Some(high @ 0xd800..=0xdbff) => {
                    let mut ahead = chars.clone();
                    let low = (ahead.next() == Some('\\') && ahead.next() == Some('u'))
                        .then(|| hex4(&mut ahead))
                        .flatten()
                        .filter(|low| (0xdc00..=0xdfff).contains(low));
                    match low {
                        Some(low) => {
                            chars = ahead;
                            char::from_u32(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00))
                                .unwrap_or('\u{fffd}')
                        }
                        None => '\u{fffd}',
                    }
                }
                Some(code) => char::from_u32(code).unwrap_or('\u{fffd}'),
                None => '\u{fffd}',
            },
            Some(other) => other,
            None => break,
        };
        out.push(decoded);
    }
    Cow::Owned(out)
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut value = 0;
    for _ in 0..4 {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn scanner_places_every_key_and_value() {
        // Columns count characters: "é" is one, however many bytes.
        let text = "{\"a\": [1, \"é\", true],\n \"b\\u00e9\": {\"k\": null}, \"é\": \"x\"}";
        let root = Scanner::new(text).document().unwrap();
        assert_eq!(root.at, at(1, 1));
        let a = root.get("a").unwrap();
        assert_eq!(a.at, at(1, 2));
        let items = a.value.array().unwrap();
        let places: Vec<Pos> = items.iter().map(|n| n.at).collect();
        assert_eq!(places, [at(1, 8), at(1, 11), at(1, 16)]);
        assert!(matches!(items[0].value, Value::Scalar("1")));
        assert_eq!(items[1].string().as_deref(), Some("é"));
        assert!(items[2].string().is_none() && items[2].array().is_none());
        // Keys are decoded; the first member of a name wins.
        let b = root.get("bé").unwrap();
        assert_eq!((b.at, b.value.at), (at(2, 2), at(2, 13)));
        assert!(matches!(
            b.value.get("k").unwrap().value.value,
            Value::Scalar("null")
        ));
        let e = root.get("é").unwrap();
        assert_eq!((e.at, e.value.string().as_deref()), (at(2, 26), Some("x")));
        assert!(root.get("missing").is_none() && a.value.get("a").is_none());
    }

    #[test]
    fn scanner_errors_are_placed() {
        for (text, place, message) in [
            ("", at(1, 1), "unexpected end of input"),
            ("{\"a\" 1}", at(1, 6), "expected `:`"),
            ("{\"a\": 1 \"b\"}", at(1, 9), "expected `,` or `}`"),
            ("[1 2]", at(1, 4), "expected `,` or `]`"),
            ("{1: 2}", at(1, 2), "expected a key"),
            ("[\"ab", at(1, 2), "unterminated string"),
            ("[]\n x", at(2, 2), "trailing characters"),
            ("[,]", at(1, 2), "expected a value"),
        ] {
            let err = Scanner::new(text).document().unwrap_err();
            assert_eq!(err, (place, message.to_string()), "{text:?}");
        }
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        assert_eq!(
            Scanner::new(&deep).document().unwrap_err().1,
            "nested too deeply"
        );
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(Scanner::new(&ok).document().is_ok());
    }

    #[test]
    fn byte_offsets_and_serde_errors_become_characters() {
        let text = "ab\néé x";
        assert_eq!(position_of(text.as_bytes(), 0), at(1, 1));
        assert_eq!(position_of(text.as_bytes(), 3), at(2, 1));
        // Byte 7 is the space after "éé" (two bytes each).
        assert_eq!(position_of(text.as_bytes(), 7), at(2, 3));
        assert_eq!(position_of(text.as_bytes(), 99), at(2, 5));
        let text = "{\"é\": tru}";
        let e = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        let (place, message) = json_error(text, &e);
        // serde_json counts bytes; "é" is two of them and one column.
        let byte_column = u32::try_from(e.column()).unwrap();
        assert_eq!(place, at(1, byte_column - 1), "{e}");
        assert!(!message.contains(" at line "), "{message}");
        assert!(is_json_space(b'\n') && !is_json_space(b'x'));
    }

    #[test]
    fn json_strings_decode() {
        for (raw, text) in [
            ("plain", "plain"),
            ("a\\\"b\\\\c\\/d", "a\"b\\c/d"),
            ("\\n\\t\\r\\b\\f", "\n\t\r\u{8}\u{c}"),
            ("\\u00e9\\u2014", "é—"),
            ("\\ud83d\\ude00", "😀"),
            ("\\ud83d", "\u{fffd}"),
            ("\\ud83dx", "\u{fffd}x"),
            ("\\ude00", "\u{fffd}"),
            ("\\u12", "\u{fffd}"),
            ("\\", ""),
        ] {
            assert_eq!(json_unescape(raw), text, "{raw:?}");
        }
    }
}
