//! Logical lines → [`ZoneRecord`]s: directives, owners, TTL and class,
//! types and their rdata.
//!
//! ```text
//! RFC 1035 §5.1:
//!   $ORIGIN <domain-name> [<comment>]
//!   $INCLUDE <file-name> [<domain-name>] [<comment>]
//!   <domain-name><rr> [<comment>]
//!   <blank><rr> [<comment>]
//!   <rr> contents take one of the following forms:
//!   [<TTL>] [<class>] <type> <RDATA>
//!   [<class>] [<TTL>] <type> <RDATA>
//!   If the owner is blank, the RR's owner is the last stated owner.
//!   Domain names that do not end in a dot are relative to the origin;
//!   a free-standing @ denotes the current origin.
//! RFC 2308 §4:
//!   $TTL <TTL> [comment]
//! ```
//!
//! An omitted TTL is `$TTL`, else the previous record's TTL, else (on an SOA)
//! the SOA minimum, as BIND does. TTLs accept BIND units (`1h30m`, `2w`).

use crate::input::{self, ReadError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::lex::{Lexer, Line, Token, unescape};
use super::{
    CharString, Class, ErrorKind, Name, OriginSource, RData, RecordType, Soa, Span, Zone,
    ZoneError, ZoneOptions, ZoneRecord, absolute_origin, origin_from_file_name,
};

/// Parses zone text held in memory, `$INCLUDE` disabled; `file_name` names
/// the text in spans and may give the origin when `origin` is `None`.
pub fn parse_str(text: &str, origin: Option<&str>, file_name: &Path) -> Result<Zone, ZoneError> {
    let options = ZoneOptions {
        origin: origin.map(str::to_string),
        max_include_depth: 0,
    };
    parse_bytes(text.as_bytes(), file_name, &options)
}

/// Parses zone bytes read from `file` (which names them in spans, may give
/// the origin, and anchors relative `$INCLUDE` paths).
pub fn parse_bytes(input: &[u8], file: &Path, options: &ZoneOptions) -> Result<Zone, ZoneError> {
    let mut records = Vec::new();
    let (origin, origin_source) =
        parse_bytes_each(input, file, options, &mut |_, record| records.push(record))?;
    Ok(Zone {
        origin,
        origin_source,
        records,
    })
}

/// Parses zone bytes like [`parse_bytes`], handing each record to `each`
/// in file order, with the zone's origin, instead of keeping them: a
/// caller that needs a few records of a large zone holds only those.
/// Returns the zone's origin and where it came from.
pub fn parse_bytes_each(
    input: &[u8],
    file: &Path,
    options: &ZoneOptions,
    each: &mut dyn FnMut(Option<&str>, ZoneRecord),
) -> Result<(Option<String>, OriginSource), ZoneError> {
    let (origin, origin_source) = match &options.origin {
        Some(origin) => (Some(absolute_origin(origin)), OriginSource::Option),
        None => match origin_from_file_name(file) {
            Some(origin) => (Some(origin), OriginSource::FileName),
            None => (None, OriginSource::None),
        },
    };
    let mut parser = Parser {
        options,
        each,
        records: 0,
        origin: origin.clone(),
        origin_source,
        default_ttl: None,
        last_ttl: None,
        last_class: Class::In,
        stack: Vec::new(),
    };
    let key = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    parser.stack.push(key);
    let mut state = FileState {
        file: Arc::from(file),
        origin,
        last_owner: None,
    };
    parser.parse_file(input, &mut state)?;
    Ok((parser.origin, parser.origin_source))
}

/// Reads a zone file: a regular file or a pipe, at most [`input::ZONE`];
/// a device (`/dev/zero`) or socket is refused before reading.
pub fn read_source(path: &Path) -> Result<Vec<u8>, ReadError> {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_char_device() || kind.is_block_device() || kind.is_socket() {
            return Err(ReadError::NotAFile {
                name: path.display().to_string(),
            });
        }
    }
    input::read_file(path, input::ZONE)
}

struct Parser<'o> {
    options: &'o ZoneOptions,
    /// Where each record goes.
    each: &'o mut dyn FnMut(Option<&str>, ZoneRecord),
    /// How many records so far.
    records: usize,
    /// The zone's origin, and where it came from.
    origin: Option<String>,
    origin_source: OriginSource,
    default_ttl: Option<u32>,
    last_ttl: Option<u32>,
    last_class: Class,
    /// Canonical paths of the files being read, outermost first.
    stack: Vec<PathBuf>,
}

struct FileState {
    file: Arc<Path>,
    origin: Option<String>,
    last_owner: Option<Name>,
}

impl FileState {
    fn span(&self, token: &Token<'_>) -> Span {
        Span {
            file: self.file.clone(),
            line: token.line,
            column: token.column,
        }
    }

    fn error(&self, token: &Token<'_>, kind: ErrorKind) -> ZoneError {
        ZoneError::Syntax {
            span: self.span(token),
            kind,
        }
    }

    /// Resolves a name token against the current origin.
    fn name(&self, token: &Token<'_>) -> Result<Name, ZoneError> {
        if token.quoted {
            return Err(self.error(token, ErrorKind::UnexpectedQuote));
        }
        let written = token.text().into_owned();
        let span = self.span(token);
        if written == "@" {
            let origin = self
                .origin
                .clone()
                .ok_or_else(|| self.error(token, ErrorKind::NoOrigin(written.clone())))?;
            return Ok(Name {
                written,
                resolved: origin,
                relative: true,
                span,
            });
        }
        if let Some(reason) = name_problem(&written) {
            return Err(self.error(
                token,
                ErrorKind::BadName {
                    name: written,
                    reason,
                },
            ));
        }
        if ends_with_unescaped_dot(&written) {
            return Ok(Name {
                resolved: written.clone(),
                written,
                relative: false,
                span,
            });
        }
        let Some(origin) = &self.origin else {
            return Err(self.error(token, ErrorKind::NoOrigin(written)));
        };
        let resolved = if origin == "." {
            format!("{written}.")
        } else {
            format!("{written}.{origin}")
        };
        if decoded_len(&resolved) > 255 {
            return Err(self.error(
                token,
                ErrorKind::BadName {
                    name: written,
                    reason: "longer than 255 bytes with the origin".into(),
                },
            ));
        }
        Ok(Name {
            written,
            resolved,
            relative: true,
            span,
        })
    }
}

/// Whether a name's last character is a dot that is not escaped.
pub(crate) fn ends_with_unescaped_dot(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.last() != Some(&b'.') {
        return false;
    }
    let backslashes = bytes[..bytes.len() - 1]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count();
    backslashes % 2 == 0
}

/// Wire length of a presentation-form name (labels plus length octets).
fn decoded_len(name: &str) -> usize {
    unescape(name.as_bytes()).len() + 1
}

/// Why a written name is malformed: an empty label or a label over 63 bytes.
fn name_problem(name: &str) -> Option<String> {
    if name == "." {
        return None;
    }
    let bytes = name.as_bytes();
    let (mut label, mut total, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'.' => {
                if label == 0 {
                    return Some("empty label".into());
                }
                total += label + 1;
                label = 0;
                i += 1;
                continue;
            }
            b'\\' => {
                let digits = bytes.get(i + 1..i + 4);
                i += if digits.is_some_and(|d| d.iter().all(u8::is_ascii_digit)) {
                    4
                } else {
                    2
                };
            }
            _ => i += 1,
        }
        label += 1;
        if label > 63 {
            return Some("label longer than 63 bytes".into());
        }
    }
    total += label + usize::from(label > 0);
    (total > 255).then(|| "longer than 255 bytes".into())
}

/// Parses a TTL: seconds, or BIND units (`1w2d3h4m5s`, case-insensitive).
pub fn parse_ttl(text: &str) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    let (mut total, mut number, mut digits) = (0u64, 0u64, 0usize);
    let mut units = false;
    for b in text.bytes() {
        if b.is_ascii_digit() {
            number = number.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
            digits += 1;
            continue;
        }
        let factor = match b.to_ascii_lowercase() {
            b's' => 1,
            b'm' => 60,
            b'h' => 3600,
            b'd' => 86_400,
            b'w' => 604_800,
            _ => return None,
        };
        if digits == 0 {
            return None;
        }
        total = total.checked_add(number.checked_mul(factor)?)?;
        (number, digits, units) = (0, 0, true);
    }
    if digits > 0 {
        total = total.checked_add(number)?;
    } else if !units {
        return None;
    }
    u32::try_from(total).ok()
}

impl Parser<'_> {
    fn parse_file(&mut self, input: &[u8], state: &mut FileState) -> Result<(), ZoneError> {
        let mut lexer = Lexer::new(input);
        let mut line = Line::default();
        loop {
            match lexer.next_line(&mut line) {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err((kind, line, column)) => {
                    return Err(ZoneError::Syntax {
                        span: Span {
                            file: state.file.clone(),
                            line,
                            column,
                        },
                        kind,
                    });
                }
            }
            let first = line.tokens[0];
            if !line.leading_blank && !first.quoted && first.raw.first() == Some(&b'$') {
                self.directive(&line.tokens, state)?;
            } else {
                self.record(&line, state)?;
            }
        }
    }

    fn directive(&mut self, tokens: &[Token<'_>], state: &mut FileState) -> Result<(), ZoneError> {
        let directive = tokens[0].text().to_ascii_uppercase();
        let args = &tokens[1..];
        let bad = |message: &str| state.error(&tokens[0], ErrorKind::BadDirective(message.into()));
        match directive.as_str() {
            "$ORIGIN" => {
                let [name] = args else {
                    return Err(bad("$ORIGIN takes one domain name"));
                };
                let name = state.name(name)?;
                if self.records == 0
                    && self.stack.len() == 1
                    && self.origin_source != OriginSource::Option
                    && self.origin_source != OriginSource::Directive
                {
                    self.origin = Some(name.resolved.clone());
                    self.origin_source = OriginSource::Directive;
                }
                state.origin = Some(name.resolved);
            }
            "$TTL" => {
                let [ttl] = args else {
                    return Err(bad("$TTL takes one TTL"));
                };
                let text = ttl.text();
                let value = parse_ttl(&text)
                    .filter(|_| !ttl.quoted)
                    .ok_or_else(|| state.error(ttl, ErrorKind::BadTtl(text.into_owned())))?;
                self.default_ttl = Some(value);
            }
            "$INCLUDE" => {
                let (file, origin) = match args {
                    [file] => (file, None),
                    [file, origin] => (file, Some(origin)),
                    _ => return Err(bad("$INCLUDE takes a file name and an optional origin")),
                };
                if self.options.max_include_depth == 0 {
                    return Err(bad("$INCLUDE is not allowed here"));
                }
                if self.stack.len() > self.options.max_include_depth {
                    return Err(state.error(
                        &tokens[0],
                        ErrorKind::IncludeDepth(self.options.max_include_depth),
                    ));
                }
                let origin = match origin {
                    Some(origin) => Some(state.name(origin)?.resolved),
                    None => state.origin.clone(),
                };
                let written =
                    PathBuf::from(String::from_utf8_lossy(&unescape(file.raw)).into_owned());
                let path = match state.file.parent() {
                    Some(dir) if written.is_relative() => dir.join(&written),
                    _ => written,
                };
                let unreadable = |reason: String| {
                    state.error(
                        file,
                        ErrorKind::IncludeUnreadable {
                            path: path.clone(),
                            reason,
                        },
                    )
                };
                let key =
                    std::fs::canonicalize(&path).map_err(|e| unreadable(input::os_words(&e)))?;
                if self.stack.contains(&key) {
                    return Err(state.error(file, ErrorKind::IncludeLoop(path.clone())));
                }
                let bytes = read_source(&path).map_err(|e| unreadable(e.reason()))?;
                self.stack.push(key);
                let mut inner = FileState {
                    file: Arc::from(path.as_path()),
                    origin,
                    last_owner: state.last_owner.clone(),
                };
                self.parse_file(&bytes, &mut inner)?;
                self.stack.pop();
            }
            _ => return Err(state.error(&tokens[0], ErrorKind::UnknownDirective(directive))),
        }
        Ok(())
    }

    fn record(&mut self, line: &Line<'_>, state: &mut FileState) -> Result<(), ZoneError> {
        let tokens = &line.tokens;
        let start = tokens[0];
        let (owner, inherited, mut i) = if line.leading_blank {
            let owner = state
                .last_owner
                .clone()
                .ok_or_else(|| state.error(&start, ErrorKind::NoOwner))?;
            (owner, true, 0)
        } else {
            (state.name(&start)?, false, 1)
        };
        let (mut ttl, mut class) = (None, None);
        let record_type = loop {
            let Some(token) = tokens.get(i) else {
                return Err(state.error(&start, ErrorKind::NoType));
            };
            if token.quoted {
                return Err(state.error(token, ErrorKind::UnexpectedQuote));
            }
            let text = token.text();
            i += 1;
            if ttl.is_none() && token.raw[0].is_ascii_digit() {
                let value = parse_ttl(&text).ok_or_else(|| {
                    let text = text.clone().into_owned();
                    // `www 192.0.2.1` (type forgotten) is no TTL typo.
                    let kind = if text.bytes().all(|b| b.is_ascii_alphanumeric()) {
                        ErrorKind::BadTtl(text)
                    } else {
                        ErrorKind::BadType(text)
                    };
                    state.error(token, kind)
                })?;
                ttl = Some(value);
            } else if let Some(c) = Class::parse(&text).filter(|_| class.is_none()) {
                class = Some(c);
            } else {
                break RecordType::parse(&text)
                    .ok_or_else(|| state.error(token, ErrorKind::BadType(text.into_owned())))?;
            }
        };
        let rdata_tokens = &tokens[i..];
        let type_token = &tokens[i - 1];
        let rdata = self.rdata(&record_type, type_token, rdata_tokens, state)?;
        let ttl_written = ttl.is_some();
        let ttl = ttl.or(self.default_ttl).or(self.last_ttl).or(match &rdata {
            RData::Soa(soa) => Some(soa.minimum),
            _ => None,
        });
        if ttl.is_some() {
            self.last_ttl = ttl;
        }
        let class = class.unwrap_or(self.last_class);
        self.last_class = class;
        if !inherited {
            state.last_owner = Some(owner.clone());
        }
        self.records += 1;
        (self.each)(
            self.origin.as_deref(),
            ZoneRecord {
                span: state.span(&start),
                owner,
                owner_inherited: inherited,
                ttl,
                ttl_written,
                class,
                record_type,
                rdata,
                rdata_spans: rdata_tokens.iter().map(|t| state.span(t)).collect(),
            },
        );
        Ok(())
    }

    fn rdata(
        &self,
        rtype: &RecordType,
        type_token: &Token<'_>,
        tokens: &[Token<'_>],
        state: &FileState,
    ) -> Result<RData, ZoneError> {
        let bad_at = |token: &Token<'_>, reason: String| {
            state.error(
                token,
                ErrorKind::BadRdata {
                    rtype: rtype.to_string(),
                    reason,
                },
            )
        };
        let fields = |names: &[&str]| -> Result<(), ZoneError> {
            if tokens.len() < names.len() {
                return Err(bad_at(
                    tokens.last().unwrap_or(type_token),
                    format!("missing {}", names[tokens.len()]),
                ));
            }
            if let Some(extra) = tokens.get(names.len()) {
                return Err(bad_at(extra, format!("unexpected `{}`", extra.text())));
            }
            Ok(())
        };
        let word = |token: &Token<'_>| -> Result<String, ZoneError> {
            if token.quoted {
                return Err(state.error(token, ErrorKind::UnexpectedQuote));
            }
            Ok(token.text().into_owned())
        };
        let number = |token: &Token<'_>, what: &str, max: u32| -> Result<u32, ZoneError> {
            let text = word(token)?;
            text.parse::<u32>()
                .ok()
                .filter(|n| *n <= max && text.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| bad_at(token, format!("bad {what} `{text}`")))
        };
        let u16_of = |token: &Token<'_>, what: &str| {
            number(token, what, u32::from(u16::MAX)).map(|n| n as u16)
        };
        let ttl_of = |token: &Token<'_>, what: &str| -> Result<u32, ZoneError> {
            let text = word(token)?;
            parse_ttl(&text).ok_or_else(|| bad_at(token, format!("bad {what} `{text}`")))
        };
        let char_string = |token: &Token<'_>| CharString {
            bytes: unescape(token.raw).into_owned(),
            quoted: token.quoted,
            span: state.span(token),
        };
        Ok(match rtype {
            RecordType::A => {
                fields(&["address"])?;
                let text = word(&tokens[0])?;
                RData::A {
                    address: text
                        .parse()
                        .map_err(|_| bad_at(&tokens[0], format!("bad IPv4 address `{text}`")))?,
                }
            }
            RecordType::Aaaa => {
                fields(&["address"])?;
                let text = word(&tokens[0])?;
                RData::Aaaa {
                    address: text
                        .parse()
                        .map_err(|_| bad_at(&tokens[0], format!("bad IPv6 address `{text}`")))?,
                }
            }
            RecordType::Cname => {
                fields(&["target"])?;
                RData::Cname {
                    target: state.name(&tokens[0])?,
                }
            }
            RecordType::Ns => {
                fields(&["name server"])?;
                RData::Ns {
                    target: state.name(&tokens[0])?,
                }
            }
            RecordType::Ptr => {
                fields(&["target"])?;
                RData::Ptr {
                    target: state.name(&tokens[0])?,
                }
            }
            RecordType::Mx => {
                fields(&["preference", "exchange"])?;
                RData::Mx {
                    preference: u16_of(&tokens[0], "preference")?,
                    exchange: state.name(&tokens[1])?,
                }
            }
            RecordType::Srv => {
                fields(&["priority", "weight", "port", "target"])?;
                RData::Srv {
                    priority: u16_of(&tokens[0], "priority")?,
                    weight: u16_of(&tokens[1], "weight")?,
                    port: u16_of(&tokens[2], "port")?,
                    target: state.name(&tokens[3])?,
                }
            }
            RecordType::Txt => {
                if tokens.is_empty() {
                    return Err(bad_at(type_token, "no strings".into()));
                }
                RData::Txt {
                    strings: tokens.iter().map(char_string).collect(),
                }
            }
            RecordType::Caa => {
                fields(&["flags", "tag", "value"])?;
                let tag = word(&tokens[1])?;
                if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(bad_at(&tokens[1], format!("bad tag `{tag}`")));
                }
                RData::Caa {
                    flags: number(&tokens[0], "flags", 255)? as u8,
                    tag,
                    value: char_string(&tokens[2]),
                }
            }
            RecordType::Soa => {
                fields(&[
                    "primary name server",
                    "mailbox",
                    "serial",
                    "refresh",
                    "retry",
                    "expire",
                    "minimum",
                ])?;
                RData::Soa(Box::new(Soa {
                    mname: state.name(&tokens[0])?,
                    rname: state.name(&tokens[1])?,
                    serial: number(&tokens[2], "serial", u32::MAX)?,
                    refresh: ttl_of(&tokens[3], "refresh")?,
                    retry: ttl_of(&tokens[4], "retry")?,
                    expire: ttl_of(&tokens[5], "expire")?,
                    minimum: ttl_of(&tokens[6], "minimum")?,
                }))
            }
            RecordType::Other(_) | RecordType::Numeric(_) => {
                let mut text = String::new();
                for (n, token) in tokens.iter().enumerate() {
                    if n > 0 {
                        text.push(' ');
                    }
                    if token.quoted {
                        text.push('"');
                        text.push_str(&token.text());
                        text.push('"');
                    } else {
                        text.push_str(&token.text());
                    }
                }
                RData::Generic { text }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Zone, ZoneError> {
        parse_str(text, Some("example.com"), Path::new("t.zone"))
    }

    /// `(line, column)` of a span.
    fn at(span: &Span) -> (u32, u32) {
        (span.line, span.column)
    }

    fn err(text: &str) -> (ErrorKind, u32, u32) {
        match parse(text) {
            Err(ZoneError::Syntax { span, kind }) => {
                assert_eq!(&*span.file, Path::new("t.zone"));
                (kind, span.line, span.column)
            }
            other => panic!("{text:?}: expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn owners_ttls_classes_and_types() {
        // (text, owner written, owner resolved, relative, inherited, ttl, class, type, line, col)
        #[allow(clippy::type_complexity)]
        let cases: Vec<(
            &str,
            &str,
            &str,
            bool,
            bool,
            Option<u32>,
            &str,
            &str,
            (u32, u32),
        )> = vec![
            (
                "www A 1.2.3.4",
                "www",
                "www.example.com.",
                true,
                false,
                None,
                "IN",
                "A",
                (1, 1),
            ),
            (
                "@ 300 IN A 1.2.3.4",
                "@",
                "example.com.",
                true,
                false,
                Some(300),
                "IN",
                "A",
                (1, 1),
            ),
            (
                "a.b. IN 300 A 1.2.3.4",
                "a.b.",
                "a.b.",
                false,
                false,
                Some(300),
                "IN",
                "A",
                (1, 1),
            ),
            (
                "x 1h30m CH TXT y",
                "x",
                "x.example.com.",
                true,
                false,
                Some(5400),
                "CH",
                "TXT",
                (1, 1),
            ),
            (
                "x in txt y",
                "x",
                "x.example.com.",
                true,
                false,
                None,
                "IN",
                "TXT",
                (1, 1),
            ),
            (
                "* MX 10 mx",
                "*",
                "*.example.com.",
                true,
                false,
                None,
                "IN",
                "MX",
                (1, 1),
            ),
            (
                "a\\.b TXT y",
                "a\\.b",
                "a\\.b.example.com.",
                true,
                false,
                None,
                "IN",
                "TXT",
                (1, 1),
            ),
            (
                "a\\. TXT y",
                "a\\.",
                "a\\..example.com.",
                true,
                false,
                None,
                "IN",
                "TXT",
                (1, 1),
            ),
            (
                "a A 1.2.3.4\n  300 TXT z",
                "a",
                "a.example.com.",
                true,
                true,
                Some(300),
                "IN",
                "TXT",
                (2, 3),
            ),
            (
                "$TTL 1d\nx TXT y",
                "x",
                "x.example.com.",
                true,
                false,
                Some(86400),
                "IN",
                "TXT",
                (2, 1),
            ),
            (
                "x 60 A 1.2.3.4\ny TXT z",
                "y",
                "y.example.com.",
                true,
                false,
                Some(60),
                "IN",
                "TXT",
                (2, 1),
            ),
            (
                "$ORIGIN sub\nx TXT y",
                "x",
                "x.sub.example.com.",
                true,
                false,
                None,
                "IN",
                "TXT",
                (2, 1),
            ),
            (
                "$ORIGIN other.org.\n@ TXT y",
                "@",
                "other.org.",
                true,
                false,
                None,
                "IN",
                "TXT",
                (2, 1),
            ),
            (
                "x TYPE99 \\# 0",
                "x",
                "x.example.com.",
                true,
                false,
                None,
                "IN",
                "TYPE99",
                (1, 1),
            ),
            (
                "x TLSA 3 1 1 ab",
                "x",
                "x.example.com.",
                true,
                false,
                None,
                "IN",
                "TLSA",
                (1, 1),
            ),
        ];
        for (text, written, resolved, relative, inherited, ttl, class, rtype, pos) in cases {
            let zone = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            let r = zone.records.last().expect("a record");
            assert_eq!(r.owner.written, written, "{text:?}");
            assert_eq!(r.owner.resolved, resolved, "{text:?}");
            assert_eq!(r.owner.relative, relative, "{text:?}");
            assert_eq!(r.owner_inherited, inherited, "{text:?}");
            assert_eq!(r.ttl, ttl, "{text:?}");
            assert_eq!(r.class.to_string(), class, "{text:?}");
            assert_eq!(r.record_type.to_string(), rtype, "{text:?}");
            assert_eq!(at(&r.span), pos, "{text:?}");
        }
    }

    #[test]
    fn rdata_by_type() {
        let cases: Vec<(&str, &str)> = vec![
            ("x A 192.0.2.1", r#"{"type":"a","address":"192.0.2.1"}"#),
            (
                "x AAAA 2001:db8::1",
                r#"{"type":"aaaa","address":"2001:db8::1"}"#,
            ),
            (
                "x MX 10 mx.example.net.",
                r#"{"type":"mx","preference":10,"exchange":{"written":"mx.example.net.","resolved":"mx.example.net.","relative":false,"span":{"file":"t.zone","line":1,"column":9}}}"#,
            ),
            (
                "x SRV 1 2 443 @",
                r#"{"type":"srv","priority":1,"weight":2,"port":443,"target":{"written":"@","resolved":"example.com.","relative":true,"span":{"file":"t.zone","line":1,"column":15}}}"#,
            ),
            (
                "x CAA 0 issue \"ca.example\"",
                r#"{"type":"caa","flags":0,"tag":"issue","value":{"bytes":[99,97,46,101,120,97,109,112,108,101],"quoted":true,"span":{"file":"t.zone","line":1,"column":15}}}"#,
            ),
            (
                "x NAPTR 1 \"a b\" x",
                r#"{"type":"generic","text":"1 \"a b\" x"}"#,
            ),
        ];
        for (text, json) in cases {
            let zone = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            let got = serde_json::to_string(&zone.records[0].rdata).expect("serializes");
            assert_eq!(got, json, "{text:?}");
        }
    }

    #[test]
    fn soa_over_lines_and_its_minimum_as_ttl() {
        let text = "@ IN SOA ns1 hostmaster (\n  2024010101 ; serial\n  1h 15m 1w\n  300 )\n";
        let zone = parse(text).expect("parses");
        let r = &zone.records[0];
        let RData::Soa(soa) = &r.rdata else {
            panic!("not SOA: {:?}", r.rdata);
        };
        assert_eq!(soa.mname.resolved, "ns1.example.com.");
        assert_eq!(soa.rname.resolved, "hostmaster.example.com.");
        assert_eq!(
            (soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum),
            (2024010101, 3600, 900, 604800, 300)
        );
        assert_eq!(r.ttl, Some(300));
        assert!(!r.ttl_written);
        let spans: Vec<_> = r.rdata_spans.iter().map(at).collect();
        assert_eq!(
            spans,
            vec![(1, 10), (1, 14), (2, 3), (3, 3), (3, 6), (3, 10), (4, 3)]
        );
    }

    #[test]
    fn txt_strings_keep_bytes_lengths_and_positions() {
        let long = "A".repeat(300);
        let text = format!(
            "s1._domainkey TXT ( \"v=DKIM1; k=rsa; \"\n   \"p={long}\" )\nq TXT \"a\\\"b\\\\c\\065\" bare \"\"\n"
        );
        let zone = parse(&text).expect("parses");
        let RData::Txt { strings } = &zone.records[0].rdata else {
            panic!("not TXT");
        };
        assert_eq!(strings.len(), 2);
        assert_eq!(strings[0].to_text(), "v=DKIM1; k=rsa; ");
        assert_eq!(strings[1].len(), 302);
        assert_eq!(
            (at(&strings[0].span), at(&strings[1].span)),
            ((1, 21), (2, 4))
        );
        let RData::Txt { strings } = &zone.records[1].rdata else {
            panic!("not TXT");
        };
        let got: Vec<_> = strings
            .iter()
            .map(|s| (s.bytes.clone(), s.quoted, at(&s.span)))
            .collect();
        assert_eq!(
            got,
            vec![
                (b"a\"b\\cA".to_vec(), true, (3, 7)),
                (b"bare".to_vec(), false, (3, 21)),
                (Vec::new(), true, (3, 26)),
            ]
        );
    }

    #[test]
    fn cname_targets_as_written_and_resolved() {
        let text = "tok._domainkey CNAME tok.dkim.amazonses.com\ntok2._domainkey CNAME tok2.dkim.amazonses.com.\n";
        let zone = parse(text).expect("parses");
        let targets: Vec<_> = zone
            .records
            .iter()
            .map(|r| match &r.rdata {
                RData::Cname { target } => (
                    target.written.as_str(),
                    target.resolved.as_str(),
                    target.relative,
                    at(&target.span),
                ),
                other => panic!("not CNAME: {other:?}"),
            })
            .collect();
        assert_eq!(
            targets,
            vec![
                (
                    "tok.dkim.amazonses.com",
                    "tok.dkim.amazonses.com.example.com.",
                    true,
                    (1, 22)
                ),
                (
                    "tok2.dkim.amazonses.com.",
                    "tok2.dkim.amazonses.com.",
                    false,
                    (2, 23)
                ),
            ]
        );
    }

    #[test]
    fn duplicates_and_cname_beside_data_are_kept() {
        let text = "a TXT \"x\"\na TXT \"x\"\na CNAME b\n";
        let zone = parse(text).expect("parses");
        assert_eq!(zone.records.len(), 3);
        assert_eq!(
            zone.records[0].rdata,
            zone.records[1].rdata.clone().with_span_line(1)
        );
    }

    impl RData {
        /// The same data with every span moved to `line` (for comparisons).
        fn with_span_line(mut self, line: u32) -> RData {
            if let RData::Txt { strings } = &mut self {
                for s in strings {
                    s.span.line = line;
                }
            }
            self
        }
    }

    #[test]
    fn origin_sources() {
        let none = Path::new("zonefile");
        for (text, options_origin, file, origin, source) in [
            (
                "x. A 1.2.3.4",
                Some("Example.COM"),
                none,
                Some("Example.COM."),
                OriginSource::Option,
            ),
            (
                "$ORIGIN a.org.\nx A 1.2.3.4",
                Some("b.org."),
                none,
                Some("b.org."),
                OriginSource::Option,
            ),
            (
                "$ORIGIN a.org.\nx A 1.2.3.4",
                None,
                Path::new("db.c.org"),
                Some("a.org."),
                OriginSource::Directive,
            ),
            (
                "x A 1.2.3.4\n$ORIGIN a.org.\n",
                None,
                Path::new("db.c.org"),
                Some("c.org."),
                OriginSource::FileName,
            ),
            ("x. A 1.2.3.4", None, none, None, OriginSource::None),
        ] {
            let options = ZoneOptions {
                origin: options_origin.map(str::to_string),
                max_include_depth: 0,
            };
            let zone = parse_bytes(text.as_bytes(), file, &options).expect("parses");
            assert_eq!(
                (zone.origin.as_deref(), zone.origin_source),
                (origin, source),
                "{text:?}"
            );
        }
    }

    #[test]
    fn errors_with_positions() {
        let cases: Vec<(&str, ErrorKind, u32, u32)> = vec![
            ("x TXT \"abc\n", ErrorKind::UnterminatedQuote, 1, 7),
            ("x TXT ( \"a\"\n\n", ErrorKind::UnclosedParen, 1, 7),
            ("x TXT a )", ErrorKind::UnexpectedCloseParen, 1, 9),
            ("x TXT \\300", ErrorKind::BadEscape("\\300".into()), 1, 7),
            ("$FOO bar", ErrorKind::UnknownDirective("$FOO".into()), 1, 1),
            (
                "$ORIGIN",
                ErrorKind::BadDirective("$ORIGIN takes one domain name".into()),
                1,
                1,
            ),
            ("$TTL 1x", ErrorKind::BadTtl("1x".into()), 1, 6),
            (
                "$INCLUDE other.zone",
                ErrorKind::BadDirective("$INCLUDE is not allowed here".into()),
                1,
                1,
            ),
            ("  A 1.2.3.4", ErrorKind::NoOwner, 1, 3),
            ("www", ErrorKind::NoType, 1, 1),
            ("www 300 IN", ErrorKind::NoType, 1, 1),
            ("\nwww 1.2.3.4", ErrorKind::BadType("1.2.3.4".into()), 2, 5),
            (
                "www 300 300 A 1.2.3.4",
                ErrorKind::BadType("300".into()),
                1,
                9,
            ),
            (
                "www 4294967296 A 1.2.3.4",
                ErrorKind::BadTtl("4294967296".into()),
                1,
                5,
            ),
            ("www \"A\" 1.2.3.4", ErrorKind::UnexpectedQuote, 1, 5),
            (
                "www A 1.2.3",
                ErrorKind::BadRdata {
                    rtype: "A".into(),
                    reason: "bad IPv4 address `1.2.3`".into(),
                },
                1,
                7,
            ),
            (
                "www A",
                ErrorKind::BadRdata {
                    rtype: "A".into(),
                    reason: "missing address".into(),
                },
                1,
                5,
            ),
            (
                "www A 1.2.3.4 5",
                ErrorKind::BadRdata {
                    rtype: "A".into(),
                    reason: "unexpected `5`".into(),
                },
                1,
                15,
            ),
            (
                "www MX 70000 mx",
                ErrorKind::BadRdata {
                    rtype: "MX".into(),
                    reason: "bad preference `70000`".into(),
                },
                1,
                8,
            ),
            (
                "www TXT",
                ErrorKind::BadRdata {
                    rtype: "TXT".into(),
                    reason: "no strings".into(),
                },
                1,
                5,
            ),
            ("www CNAME \"x\"", ErrorKind::UnexpectedQuote, 1, 11),
            (
                "a..b A 1.2.3.4",
                ErrorKind::BadName {
                    name: "a..b".into(),
                    reason: "empty label".into(),
                },
                1,
                1,
            ),
            (
                "x CNAME a..",
                ErrorKind::BadName {
                    name: "a..".into(),
                    reason: "empty label".into(),
                },
                1,
                9,
            ),
        ];
        for (text, kind, line, column) in cases {
            assert_eq!(err(text), (kind, line, column), "{text:?}");
        }
        let long_label = format!("{} A 1.2.3.4", "a".repeat(64));
        assert_eq!(
            err(&long_label).0,
            ErrorKind::BadName {
                name: "a".repeat(64),
                reason: "label longer than 63 bytes".into()
            }
        );
        let no_origin = parse_str("x A 1.2.3.4", None, Path::new("zonefile")).unwrap_err();
        assert_eq!(
            no_origin.to_string(),
            "zonefile:1:1: relative name `x` but no origin (use $ORIGIN or --origin)"
        );
    }

    #[test]
    fn ttl_syntax() {
        for (text, ttl) in [
            ("0", Some(0)),
            ("3600", Some(3600)),
            ("1h", Some(3600)),
            ("1H30M", Some(5400)),
            ("1w1d1h1m1s", Some(694_861)),
            ("1h30", Some(3630)),
            ("4294967295", Some(u32::MAX)),
            ("4294967296", None),
            ("h", None),
            ("1x", None),
            ("", None),
            ("99999999999999999999999", None),
        ] {
            assert_eq!(parse_ttl(text), ttl, "{text:?}");
        }
    }

    #[test]
    fn includes_relative_loops_depth_and_missing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("dir");
            }
            std::fs::write(&path, text).expect("write");
            path
        };
        let main = write(
            "example.com.zone",
            "$TTL 300\n@ A 192.0.2.1\n$INCLUDE sub/keys.inc _domainkey\nafter TXT \"x\"\n",
        );
        write(
            "sub/keys.inc",
            "s1 TXT \"v=DKIM1; p=\"\n$INCLUDE more.inc\n",
        );
        write("sub/more.inc", "s2 CNAME s2.esp.net.\n");
        let zone = super::super::read_zone(&main, &ZoneOptions::default()).expect("reads");
        let got: Vec<_> = zone
            .records
            .iter()
            .map(|r| {
                let file = r
                    .span
                    .file
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (r.owner.resolved.clone(), file, at(&r.span))
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("example.com.".into(), "example.com.zone".into(), (2, 1)),
                (
                    "s1._domainkey.example.com.".into(),
                    "keys.inc".into(),
                    (1, 1)
                ),
                (
                    "s2._domainkey.example.com.".into(),
                    "more.inc".into(),
                    (1, 1)
                ),
                (
                    "after.example.com.".into(),
                    "example.com.zone".into(),
                    (4, 1)
                ),
            ]
        );

        let looping = write("loop.example.zone", "a A 192.0.2.1\n$INCLUDE loop2.inc\n");
        write("loop2.inc", "\n  $INCLUDE \"loop.example.zone\"\n");
        let e = super::super::read_zone(&looping, &ZoneOptions::default()).unwrap_err();
        // A directive must start in column 1: indented, it is a record with a
        // bad type; unindented, it is the loop.
        assert_eq!(e.kind(), Some(&ErrorKind::BadType("$INCLUDE".into())));
        write("loop2.inc", "\n$INCLUDE \"loop.example.zone\"\n");
        let e = super::super::read_zone(&looping, &ZoneOptions::default()).unwrap_err();
        let span = e.span().expect("positioned");
        assert!(matches!(e.kind(), Some(ErrorKind::IncludeLoop(_))), "{e}");
        assert_eq!(
            (
                span.file.file_name().unwrap().to_str(),
                span.line,
                span.column
            ),
            (Some("loop2.inc"), 2, 10)
        );

        let missing = write("missing.example.zone", "\n$INCLUDE nowhere.inc\n");
        let e = super::super::read_zone(&missing, &ZoneOptions::default()).unwrap_err();
        assert!(
            matches!(e.kind(), Some(ErrorKind::IncludeUnreadable { .. })),
            "{e}"
        );
        assert_eq!(e.span().map(at), Some((2, 10)));

        let deep = write("deep.example.zone", "$INCLUDE d1.inc\n");
        write("d1.inc", "$INCLUDE d2.inc\n");
        write("d2.inc", "$INCLUDE d3.inc\n");
        write("d3.inc", "x A 192.0.2.1\n");
        let two = ZoneOptions {
            origin: None,
            max_include_depth: 2,
        };
        let e = super::super::read_zone(&deep, &two).unwrap_err();
        assert_eq!(e.kind(), Some(&ErrorKind::IncludeDepth(2)));
        assert_eq!(
            e.span().map(|s| (
                s.file.file_name().unwrap().to_str().map(String::from),
                s.line,
                s.column
            )),
            Some((Some("d2.inc".into()), 1, 1))
        );
        let three = ZoneOptions {
            origin: None,
            max_include_depth: 3,
        };
        assert_eq!(
            super::super::read_zone(&deep, &three)
                .expect("reads")
                .records
                .len(),
            1
        );
    }

    #[test]
    fn binary_input_is_an_error_not_a_panic() {
        for input in [
            &b"\x7fELF\x02\x01\x01\0\0\0"[..],
            b"\xff\xfe",
            b"x TXT \"\0\"",
        ] {
            let e = parse_bytes(input, Path::new("bin.zone"), &ZoneOptions::default()).unwrap_err();
            assert!(
                matches!(e.kind(), Some(ErrorKind::NulByte | ErrorKind::InvalidUtf8)),
                "{e}"
            );
            assert!(e.to_string().starts_with("bin.zone:1:"), "{e}");
        }
    }
}
