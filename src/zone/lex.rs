//! The master-file lexer: bytes → logical lines of tokens with positions.
//!
//! ```text
//! RFC 1035 §5.1:
//!   Blank lines, with or without comments, are allowed anywhere in the file.
//!   <blank>[<comment>]
//!   <domain-name><rr> [<comment>]
//!   <blank><rr> [<comment>]
//!   ; Semicolon is used to start a comment; the remainder of the line is
//!     ignored.
//!   ( ) Parentheses are used to group data that crosses a line boundary.
//!     In effect, line terminations are not recognized within parentheses.
//!   \X  where X is any character other than a digit (0-9), is used to quote
//!       that character so that its special meaning does not apply.
//!   \DDD where each D is a digit is the octet corresponding to the decimal
//!       number described by DDD.
//!   "   Quoting with double quotes allows the special characters to be used
//!       inside a string.
//! ```
//!
//! The lexer checks escapes and encoding but does not decode: a [`Token`]
//! borrows its bytes from the input and [`unescape`] decodes on demand.
//! A quoted string must close on its own line (as in BIND); a NUL byte
//! anywhere, or invalid UTF-8 outside quoted strings and comments, is an
//! error.

use std::borrow::Cow;
use std::cell::Cell;

use super::ErrorKind;

/// A token: a word or a quoted string, escapes not yet decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The bytes as written (without the quotes of a quoted string).
    pub raw: &'a [u8],
    /// Whether it was a quoted string.
    pub quoted: bool,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1 (the opening quote for a quoted string).
    pub column: u32,
}

impl<'a> Token<'a> {
    /// The raw text (words are always UTF-8; a quoted string may not be, and
    /// is then converted lossily).
    pub fn text(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.raw)
    }
}

/// A logical line: tokens up to an end of line outside parentheses.
#[derive(Debug, Default)]
pub struct Line<'a> {
    /// Whether the line starts with a blank (so the owner is inherited).
    pub leading_blank: bool,
    /// The tokens.
    pub tokens: Vec<Token<'a>>,
}

/// A lexing error: what, and the 1-based line and column.
pub type LexError = (ErrorKind, u32, u32);

/// Cuts master-file bytes into logical lines.
pub struct Lexer<'a> {
    input: &'a [u8],
    pos: usize,
    line: u32,
    line_start: usize,
    /// The last column counted on this line: (byte position, characters
    /// before it). Tokens are asked for in order, so each column is counted
    /// on from the last one and a line is scanned once, however many
    /// tokens it holds.
    counted: Cell<(usize, usize)>,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `input`.
    pub fn new(input: &'a [u8]) -> Lexer<'a> {
        Lexer {
            input,
            pos: 0,
            line: 1,
            line_start: 0,
            counted: Cell::new((0, 0)),
        }
    }

    /// The 1-based character column of byte `pos` on the current line.
    fn column_at(&self, pos: usize) -> u32 {
        let (mut from, mut chars) = self.counted.get();
        if from < self.line_start || from > pos {
            (from, chars) = (self.line_start, 0);
        }
        chars += self.input[from..pos]
            .iter()
            .filter(|&&b| (b as i8) >= -0x40)
            .count();
        self.counted.set((pos, chars));
        u32::try_from(chars + 1).unwrap_or(u32::MAX)
    }

    fn error(&self, kind: ErrorKind, pos: usize) -> LexError {
        (kind, self.line, self.column_at(pos))
    }

    fn newline(&mut self) {
        self.pos += 1;
        self.line = self.line.saturating_add(1);
        self.line_start = self.pos;
    }

    /// Reads the next logical line that holds at least one token into `out`;
    /// `Ok(false)` at the end of input.
    pub fn next_line(&mut self, out: &mut Line<'a>) -> Result<bool, LexError> {
        out.tokens.clear();
        out.leading_blank = false;
        let mut paren: Option<(u32, u32)> = None;
        loop {
            let Some(&b) = self.input.get(self.pos) else {
                if let Some((line, column)) = paren {
                    return Err((ErrorKind::UnclosedParen, line, column));
                }
                return Ok(!out.tokens.is_empty());
            };
            match b {
                b' ' | b'\t' | b'\r' => {
                    if out.tokens.is_empty() && paren.is_none() && self.pos == self.line_start {
                        out.leading_blank = b != b'\r';
                    }
                    self.pos += 1;
                }
                b'\n' => {
                    self.newline();
                    if paren.is_none() {
                        if !out.tokens.is_empty() {
                            return Ok(true);
                        }
                        out.leading_blank = false;
                    }
                }
                b';' => {
                    let rest = &self.input[self.pos..];
                    let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                    if let Some(nul) = memchr::memchr(0, &rest[..len]) {
                        return Err(self.error(ErrorKind::NulByte, self.pos + nul));
                    }
                    self.pos += len;
                }
                b'(' => {
                    if paren.is_some() {
                        return Err(self.error(ErrorKind::NestedParen, self.pos));
                    }
                    paren = Some((self.line, self.column_at(self.pos)));
                    self.pos += 1;
                }
                b')' => {
                    if paren.is_none() {
                        return Err(self.error(ErrorKind::UnexpectedCloseParen, self.pos));
                    }
                    paren = None;
                    self.pos += 1;
                }
                b'"' => {
                    let token = self.quoted()?;
                    out.tokens.push(token);
                }
                0 => return Err(self.error(ErrorKind::NulByte, self.pos)),
                _ => {
                    let token = self.word()?;
                    out.tokens.push(token);
                }
            }
        }
    }

    /// Checks an escape at `self.pos` (the backslash) and returns its length.
    fn escape(&self, quoted: bool) -> Result<usize, LexError> {
        let rest = &self.input[self.pos..];
        let bad = |len: usize| {
            // The escape as written, up to the end of its line: the
            // message stays one line.
            let end = len.min(rest.len());
            let end = rest[..end]
                .iter()
                .position(|b| matches!(b, b'\n' | b'\r'))
                .unwrap_or(end);
            self.error(
                ErrorKind::BadEscape(String::from_utf8_lossy(&rest[..end]).into_owned()),
                self.pos,
            )
        };
        match rest.get(1) {
            None => Err(bad(1)),
            Some(b'\n') if quoted => Err(bad(1)),
            Some(0) => Err(self.error(ErrorKind::NulByte, self.pos + 1)),
            Some(d) if d.is_ascii_digit() => {
                let digits = rest.get(1..4).filter(|d| d.iter().all(u8::is_ascii_digit));
                match digits {
                    Some(d) => {
                        let value = d
                            .iter()
                            .fold(0u32, |acc, &x| acc * 10 + u32::from(x - b'0'));
                        if value > 255 { Err(bad(4)) } else { Ok(4) }
                    }
                    None => {
                        let len = 1 + rest[1..]
                            .iter()
                            .take(3)
                            .take_while(|b| b.is_ascii_digit())
                            .count();
                        Err(bad(len + 1))
                    }
                }
            }
            Some(b) if !quoted && *b >= 0x80 => {
                // The escaped character is a multi-byte UTF-8 sequence.
                let len = utf8_len(&rest[1..])
                    .ok_or_else(|| self.error(ErrorKind::InvalidUtf8, self.pos + 1))?;
                Ok(1 + len)
            }
            Some(_) => Ok(2),
        }
    }

    fn quoted(&mut self) -> Result<Token<'a>, LexError> {
        let (line, column) = (self.line, self.column_at(self.pos));
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        loop {
            let rest = &self.input[self.pos..];
            let Some(i) = memchr::memchr3(b'"', b'\\', b'\n', rest) else {
                if let Some(nul) = memchr::memchr(0, rest) {
                    return Err(self.error(ErrorKind::NulByte, self.pos + nul));
                }
                return Err(self.error(ErrorKind::UnterminatedQuote, open));
            };
            if let Some(nul) = memchr::memchr(0, &rest[..i]) {
                return Err(self.error(ErrorKind::NulByte, self.pos + nul));
            }
            self.pos += i;
            match rest[i] {
                b'"' => {
                    let raw = &self.input[start..self.pos];
                    self.pos += 1;
                    return Ok(Token {
                        raw,
                        quoted: true,
                        line,
                        column,
                    });
                }
                b'\\' => self.pos += self.escape(true)?,
                _ => return Err(self.error(ErrorKind::UnterminatedQuote, open)),
            }
        }
    }

    fn word(&mut self) -> Result<Token<'a>, LexError> {
        let (line, column) = (self.line, self.column_at(self.pos));
        let start = self.pos;
        while let Some(&b) = self.input.get(self.pos) {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' | b'"' => break,
                0 => return Err(self.error(ErrorKind::NulByte, self.pos)),
                b'\\' => self.pos += self.escape(false)?,
                b if b < 0x80 => self.pos += 1,
                _ => {
                    let len = utf8_len(&self.input[self.pos..])
                        .ok_or_else(|| self.error(ErrorKind::InvalidUtf8, self.pos))?;
                    self.pos += len;
                }
            }
        }
        Ok(Token {
            raw: &self.input[start..self.pos],
            quoted: false,
            line,
            column,
        })
    }
}

/// Length of the valid UTF-8 character at the start of `bytes`.
fn utf8_len(bytes: &[u8]) -> Option<usize> {
    let want = match bytes.first()? {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let chunk = bytes.get(..want)?;
    std::str::from_utf8(chunk).ok().map(|_| want)
}

/// Decodes `\X` and `\DDD` escapes (already checked by the lexer; anything
/// malformed is kept literally).
pub fn unescape(raw: &[u8]) -> Cow<'_, [u8]> {
    if memchr::memchr(b'\\', raw).is_none() {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() {
            let digits = raw.get(i + 1..i + 4);
            if let Some(d) = digits.filter(|d| d.iter().all(u8::is_ascii_digit)) {
                let value = d
                    .iter()
                    .fold(0u32, |acc, &x| acc * 10 + u32::from(x - b'0'));
                if let Ok(byte) = u8::try_from(value) {
                    out.push(byte);
                    i += 4;
                    continue;
                }
            }
            out.push(raw[i + 1]);
            i += 2;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, line, column, quoted) of every token, one Vec per logical line.
    type Lines = Vec<(bool, Vec<(String, u32, u32, bool)>)>;

    fn lex(input: &[u8]) -> Result<Lines, LexError> {
        let mut lexer = Lexer::new(input);
        let mut line = Line::default();
        let mut lines = Vec::new();
        while lexer.next_line(&mut line)? {
            let tokens = line
                .tokens
                .iter()
                .map(|t| (t.text().into_owned(), t.line, t.column, t.quoted))
                .collect();
            lines.push((line.leading_blank, tokens));
        }
        Ok(lines)
    }

    fn t(text: &str, line: u32, column: u32) -> (String, u32, u32, bool) {
        (text.to_string(), line, column, false)
    }

    fn q(text: &str, line: u32, column: u32) -> (String, u32, u32, bool) {
        (text.to_string(), line, column, true)
    }

    #[test]
    fn lines_and_positions() {
        let cases: Vec<(&str, Lines)> = vec![
            ("", vec![]),
            ("\n\n; only a comment\n   \n", vec![]),
            (
                "a A 1.2.3.4\n",
                vec![(false, vec![t("a", 1, 1), t("A", 1, 3), t("1.2.3.4", 1, 5)])],
            ),
            (
                "a A 1.2.3.4",
                vec![(false, vec![t("a", 1, 1), t("A", 1, 3), t("1.2.3.4", 1, 5)])],
            ),
            (
                "\tA 1.2.3.4 ; c\n",
                vec![(true, vec![t("A", 1, 2), t("1.2.3.4", 1, 4)])],
            ),
            (
                "a\r\n b\r\n",
                vec![(false, vec![t("a", 1, 1)]), (true, vec![t("b", 2, 2)])],
            ),
            (
                "x TXT ( \"one\" ; c\n  \"two\" )\ny A 1\n",
                vec![
                    (
                        false,
                        vec![t("x", 1, 1), t("TXT", 1, 3), q("one", 1, 9), q("two", 2, 3)],
                    ),
                    (false, vec![t("y", 3, 1), t("A", 3, 3), t("1", 3, 5)]),
                ],
            ),
            (
                "x TXT \"a\\\"b;(c)\"",
                vec![(
                    false,
                    vec![t("x", 1, 1), t("TXT", 1, 3), q("a\\\"b;(c)", 1, 7)],
                )],
            ),
            (
                "é\\ x \"ü\" y",
                vec![(false, vec![t("é\\ x", 1, 1), q("ü", 1, 6), t("y", 1, 10)])],
            ),
            ("a\\;b;c", vec![(false, vec![t("a\\;b", 1, 1)])]),
            ("a\\065\\\\", vec![(false, vec![t("a\\065\\\\", 1, 1)])]),
            ("\"\"", vec![(false, vec![q("", 1, 1)])]),
            ("a\"b\"", vec![(false, vec![t("a", 1, 1), q("b", 1, 2)])]),
        ];
        for (input, expected) in cases {
            assert_eq!(lex(input.as_bytes()), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn errors_with_positions() {
        let cases: Vec<(&[u8], ErrorKind, u32, u32)> = vec![
            (b"a TXT \"abc\n", ErrorKind::UnterminatedQuote, 1, 7),
            (b"a TXT \"abc", ErrorKind::UnterminatedQuote, 1, 7),
            (b"a\nb TXT ( \"x\"\n\n", ErrorKind::UnclosedParen, 2, 7),
            (b"a TXT x )", ErrorKind::UnexpectedCloseParen, 1, 9),
            (b"a ( ( x ) )", ErrorKind::NestedParen, 1, 5),
            (b"a \\256", ErrorKind::BadEscape("\\256".into()), 1, 3),
            (b"a \\12x", ErrorKind::BadEscape("\\12x".into()), 1, 3),
            (b"a \"\\1\"", ErrorKind::BadEscape("\\1\"".into()), 1, 4),
            (b"a \\", ErrorKind::BadEscape("\\".into()), 1, 3),
            (b"a \\0\n", ErrorKind::BadEscape("\\0".into()), 1, 3),
            (b"a \"x\\\ny\"", ErrorKind::BadEscape("\\".into()), 1, 5),
            (b"ab\0", ErrorKind::NulByte, 1, 3),
            (b"a \"b\0\"", ErrorKind::NulByte, 1, 5),
            (b"a ; c\0", ErrorKind::NulByte, 1, 6),
            (b"\nab\xff", ErrorKind::InvalidUtf8, 2, 3),
            (b"a\\\xc3(", ErrorKind::InvalidUtf8, 1, 3),
        ];
        for (input, kind, line, column) in cases {
            assert_eq!(lex(input), Err((kind, line, column)), "{input:?}");
        }
    }

    #[test]
    fn latin1_in_comments_and_quotes_is_kept() {
        let input = b"; caf\xe9\na TXT \"caf\xe9\"\n";
        let mut lexer = Lexer::new(input);
        let mut line = Line::default();
        assert_eq!(lexer.next_line(&mut line), Ok(true));
        assert_eq!(line.tokens[2].raw, b"caf\xe9");
        assert_eq!(lexer.next_line(&mut line), Ok(false));
    }

    #[test]
    fn unescape_decodes() {
        for (raw, decoded) in [
            (&b"plain"[..], &b"plain"[..]),
            (b"a\\\"b", b"a\"b"),
            (b"\\\\", b"\\"),
            (b"\\065\\066", b"AB"),
            (b"\\000", b"\0"),
            (b"x\\.y", b"x.y"),
        ] {
            assert_eq!(&*unescape(raw), decoded, "{raw:?}");
        }
    }
}
