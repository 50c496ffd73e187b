//! Canonicalization (RFC 6376 §3.4): simple and relaxed, for header fields
//! and for the body, and the streaming body hash with the `l=` limit.
//!
//! Input lines may end in CRLF or bare LF; both are canonicalized as CRLF,
//! so a message stored with Unix line endings hashes as it did on the wire.

use crate::dkim::message::HeaderField;
use serde::Serialize;

/// A canonicalization algorithm (the halves of c=).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Canonicalization {
    /// `simple`: bytes as they are, trailing empty lines removed.
    Simple,
    /// `relaxed`: whitespace runs collapsed, header names lowercased.
    #[default]
    Relaxed,
}

impl Canonicalization {
    /// The name used in c=.
    pub fn as_str(self) -> &'static str {
        match self {
            Canonicalization::Simple => "simple",
            Canonicalization::Relaxed => "relaxed",
        }
    }

    /// Parses one half of c=.
    pub fn parse(s: &str) -> Option<Canonicalization> {
        match s {
            "simple" => Some(Canonicalization::Simple),
            "relaxed" => Some(Canonicalization::Relaxed),
            _ => None,
        }
    }
}

/// Appends the canonical form of `field` to `out`, ending in CRLF.
pub fn canonicalize_header(canon: Canonicalization, field: &HeaderField<'_>, out: &mut Vec<u8>) {
    match canon {
        Canonicalization::Simple => {
            let raw = field.raw;
            let body = &raw[..raw.len() - crate::dkim::message::trailing_line_ending(raw).len()];
            push_crlf_lines(body, out);
            out.extend_from_slice(b"\r\n");
        }
        Canonicalization::Relaxed => {
            out.extend(field.name.iter().map(u8::to_ascii_lowercase));
            out.push(b':');
            relaxed_header_value(field.value, out);
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Copies `bytes`, turning every bare LF into CRLF.
fn push_crlf_lines(bytes: &[u8], out: &mut Vec<u8>) {
    let mut prev = 0u8;
    for &b in bytes {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
}

/// Unfolds, collapses whitespace runs to one SP and trims both ends.
fn relaxed_header_value(value: &[u8], out: &mut Vec<u8>) {
    let mut pending_space = false;
    let mut started = false;
    for &b in value {
        match b {
            b'\r' | b'\n' => {}
            b' ' | b'\t' => pending_space = true,
            _ => {
                if pending_space && started {
                    out.push(b' ');
                }
                pending_space = false;
                started = true;
                out.push(b);
            }
        }
    }
}

/// Where canonical body bytes go: a hash, or a buffer for display.
pub trait BodySink {
    /// Accepts the next canonical bytes.
    fn write(&mut self, bytes: &[u8]);
}

impl BodySink for Vec<u8> {
    fn write(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl BodySink for sha2::Sha256 {
    fn write(&mut self, bytes: &[u8]) {
        sha2::Digest::update(self, bytes);
    }
}

impl BodySink for sha1::Sha1 {
    fn write(&mut self, bytes: &[u8]) {
        sha1::Digest::update(self, bytes);
    }
}

/// How many canonical bytes are gathered before one write to the sink:
/// hashing a few large slices is much faster than many small ones.
const SINK_CHUNK: usize = 32 * 1024;

/// Two spaces: under relaxed, where a whitespace run needs collapsing.
static DOUBLE_SPACE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"  "));

/// Streams a body through canonicalization into a [`BodySink`], honouring
/// an `l=` limit, in chunks of any size and split anywhere.
///
/// Empty lines are held back until a later line has content, which is how
/// trailing empty lines disappear without buffering the body.
#[derive(Debug, Clone)]
pub struct BodyCanonicalizer<S> {
    canon: Canonicalization,
    sink: S,
    limit: Option<u64>,
    /// Canonical bytes produced so far (all of them, not just hashed ones).
    produced: u64,
    /// Canonical bytes waiting to go to the sink in one large write.
    buffer: Vec<u8>,
    pending_empty_lines: u64,
    pending_wsp: bool,
    pending_cr: bool,
    line_has_content: bool,
    /// Where in `buffer` the empty lines released by the current line
    /// start, and how many: kept (without `l=`, until the buffer is
    /// flushed) so libopendkim's reading can leave them out.
    blank_lines_released: Option<(usize, u64)>,
}

impl<S: BodySink> BodyCanonicalizer<S> {
    /// A canonicalizer that feeds `sink`, hashing at most `limit` bytes.
    pub fn new(canon: Canonicalization, sink: S, limit: Option<u64>) -> Self {
        BodyCanonicalizer {
            canon,
            sink,
            limit,
            produced: 0,
            buffer: Vec::with_capacity(SINK_CHUNK),
            pending_empty_lines: 0,
            pending_wsp: false,
            pending_cr: false,
            line_has_content: false,
            blank_lines_released: None,
        }
    }

    /// Feeds the next piece of the raw body.
    ///
    /// Most bytes need no attention, so the loop jumps (with memchr's SIMD
    /// search) from one byte that does to the next and hands whole stretches
    /// to `content`: under simple only CR and LF matter; under
    /// relaxed also tabs and runs of spaces, while a single space between
    /// words is already canonical and stays inside the stretch.
    pub fn update(&mut self, chunk: &[u8]) {
        let relaxed = self.canon == Canonicalization::Relaxed;
        let mut i = 0;
        let n = chunk.len();
        // Where the next tab and the next double space are (relaxed): found
        // once and reused line after line until passed, so a clean line
        // costs one search for its end.
        let (mut next_tab, mut next_double_space) = (None::<usize>, None::<usize>);
        while i < n {
            let b = chunk[i];
            if self.pending_cr && b != b'\n' {
                // A CR not followed by LF is an ordinary byte.
                self.pending_cr = false;
                self.content(b"\r");
            }
            match b {
                b'\r' => self.pending_cr = true,
                b'\n' => self.end_line(),
                b' ' | b'\t' if relaxed => self.pending_wsp = true,
                _ if relaxed => {
                    let tab = next_at(&mut next_tab, chunk, i, |rest| memchr::memchr(b'\t', rest));
                    let double_space = next_at(&mut next_double_space, chunk, i, |rest| {
                        DOUBLE_SPACE.find(rest)
                    });
                    // Whole lines already in relaxed form go in one write.
                    if self.at_line_start() {
                        let end = relaxed_lines_end(chunk, i, tab.min(double_space));
                        if end > i {
                            self.emit(&chunk[i..end]);
                            i = end;
                            continue;
                        }
                    }
                    let line_end = memchr::memchr2(b'\r', b'\n', &chunk[i..]).map_or(n, |p| i + p);
                    let stretch = &chunk[i..line_end.min(tab).min(double_space)];
                    // Trailing spaces are left to the loop: they may end the line.
                    let kept =
                        stretch.len() - stretch.iter().rev().take_while(|&&c| c == b' ').count();
                    self.content(&chunk[i..i + kept]);
                    i += kept;
                    continue;
                }
                _ => {
                    let end = memchr::memchr2(b'\r', b'\n', &chunk[i..]).map_or(n, |p| i + p);
                    self.content(&chunk[i..end]);
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
    }

    /// Whether the next byte starts a line and nothing is held back: no
    /// empty lines, whitespace or CR waiting for what follows.
    fn at_line_start(&self) -> bool {
        !self.line_has_content
            && !self.pending_cr
            && !self.pending_wsp
            && self.pending_empty_lines == 0
    }

    /// Emits content bytes of the current line, releasing held-back empty
    /// lines and (relaxed) a collapsed whitespace run first.
    fn content(&mut self, bytes: &[u8]) {
        if !self.line_has_content {
            self.line_has_content = true;
            self.blank_lines_released = (self.pending_empty_lines > 0 && self.limit.is_none())
                .then_some((self.buffer.len(), self.pending_empty_lines));
            while self.pending_empty_lines > 0 {
                self.pending_empty_lines -= 1;
                self.emit(b"\r\n");
            }
        }
        if self.pending_wsp {
            self.pending_wsp = false;
            self.emit(b" ");
        }
        self.emit(bytes);
    }

    fn end_line(&mut self) {
        self.pending_cr = false;
        self.pending_wsp = false;
        if self.line_has_content {
            self.line_has_content = false;
            self.emit(b"\r\n");
        } else {
            self.pending_empty_lines += 1;
        }
    }

    fn emit(&mut self, bytes: &[u8]) {
        let take = match self.limit {
            Some(limit) => {
                let room = limit.saturating_sub(self.produced);
                bytes.len().min(usize::try_from(room).unwrap_or(usize::MAX))
            }
            None => bytes.len(),
        };
        if take > 0 {
            self.buffer.extend_from_slice(&bytes[..take]);
            if self.buffer.len() >= SINK_CHUNK {
                self.sink.write(&self.buffer);
                self.buffer.clear();
                self.blank_lines_released = None;
            }
        }
        self.produced += bytes.len() as u64;
    }

    /// Ends the body: a last line without a line ending gets one, and an
    /// empty body is one CRLF under simple and nothing under relaxed.
    /// Returns the sink and the full canonical length (ignoring `l=`).
    pub fn finish(mut self) -> (S, u64) {
        if self.pending_cr {
            self.pending_cr = false;
            self.content(b"\r");
        }
        // Trailing whitespace of an unterminated last line goes (relaxed);
        // the line, if it had content, gets its CRLF.
        self.pending_wsp = false;
        if self.line_has_content {
            self.end_line();
        }
        if self.canon == Canonicalization::Simple && self.produced == 0 {
            self.emit(b"\r\n");
        }
        self.sink.write(&self.buffer);
        (self.sink, self.produced)
    }
}

impl<S: BodySink + Clone> BodyCanonicalizer<S> {
    /// Ends the body as RFC 6376 reads it ([`Self::finish`]) and, when the
    /// body ends in a line without a line break that implementations in
    /// the wild read otherwise, under each of those readings (see
    /// [`FinalLineReading`]).
    pub fn finish_both(self) -> ((S, u64), Vec<(FinalLineReading, S)>) {
        let others = [
            FinalLineReading::TrailingWhitespaceKept,
            FinalLineReading::NoLineBreakAdded,
            FinalLineReading::BlankLinesDropped,
        ]
        .into_iter()
        .filter_map(|reading| Some((reading, self.finish_as(reading)?)))
        .collect();
        (self.finish(), others)
    }

    /// The body as a signer hashes it that reads an unterminated last line
    /// the `reading` way; `None` when the body does not end in a line that
    /// reading treats differently from RFC 6376.
    fn finish_as(&self, reading: FinalLineReading) -> Option<S> {
        use Canonicalization::{Relaxed, Simple};
        use FinalLineReading::{BlankLinesDropped, NoLineBreakAdded, TrailingWhitespaceKept};
        let ends_in_wsp = self.pending_wsp && !self.pending_cr;
        // The empty lines just before a last line that holds no space.
        let blank_run = self.blank_lines_released.filter(|&(at, n)| {
            let line = &self.buffer[at + 2 * n as usize..];
            self.line_has_content && !self.pending_wsp && !self.pending_cr && !line.contains(&b' ')
        });
        let mut alt = match (self.canon, reading) {
            (Simple, NoLineBreakAdded) if self.line_has_content || self.pending_cr => self.clone(),
            (Relaxed, TrailingWhitespaceKept) if ends_in_wsp => self.clone(),
            (Relaxed, NoLineBreakAdded) if ends_in_wsp && self.line_has_content => self.clone(),
            (Relaxed, BlankLinesDropped) if blank_run.is_some() => self.clone(),
            _ => return None,
        };
        match reading {
            BlankLinesDropped => {
                if let Some((at, n)) = blank_run {
                    alt.buffer.drain(at..at + 2 * n as usize);
                    alt.produced -= 2 * n;
                }
                alt.end_line();
            }
            NoLineBreakAdded => {
                if alt.pending_cr {
                    alt.pending_cr = false;
                    alt.content(b"\r");
                }
            }
            TrailingWhitespaceKept => {
                alt.content(b"");
                alt.end_line();
            }
        }
        alt.sink.write(&alt.buffer);
        Some(alt.sink)
    }
}

/// How a signer canonicalized a body whose last line has no line break,
/// when that is not how RFC 6376 reads it (§3.4.3 and §3.4.4: trailing
/// whitespace removed under relaxed, then a CRLF added).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FinalLineReading {
    /// Relaxed, with the trailing whitespace of the last line kept as one
    /// space before the CRLF (as dkimpy does).
    TrailingWhitespaceKept,
    /// No CRLF added to the last line: Mail::DKIM under simple, and
    /// libopendkim under relaxed when the line ends in whitespace.
    NoLineBreakAdded,
    /// Relaxed, with the empty lines just before the last line dropped, as
    /// libopendkim does when that line holds no whitespace.
    BlankLinesDropped,
}

/// Where the lines from `start` that relaxed body canonicalization leaves
/// as they are end (`start` if the first is not one), looking no further
/// than `limit` (the next tab or double space): each has content, then
/// CRLF, and its last content byte is neither whitespace nor CR.
fn relaxed_lines_end(chunk: &[u8], start: usize, limit: usize) -> usize {
    let mut end = start;
    for lf in memchr::memchr_iter(b'\n', &chunk[start..limit]).map(|p| start + p) {
        if lf < end + 2 || chunk[lf - 1] != b'\r' || matches!(chunk[lf - 2], b' ' | b'\t' | b'\r') {
            break;
        }
        end = lf + 1;
    }
    end
}

/// The next position at or after `i` where `find` matches (the chunk's
/// length if nowhere), reusing `cached` while it still lies ahead.
fn next_at(
    cached: &mut Option<usize>,
    chunk: &[u8],
    i: usize,
    find: impl Fn(&[u8]) -> Option<usize>,
) -> usize {
    match *cached {
        Some(p) if p >= i => p,
        _ => {
            let p = find(&chunk[i..]).map_or(chunk.len(), |p| i + p);
            *cached = Some(p);
            p
        }
    }
}

/// Appends the canonical forms of the fields named in h=, in h= order
/// (see [`signed_field_indices`] for which instance each name takes).
pub fn canonicalize_signed_fields(
    canon: Canonicalization,
    header: &crate::dkim::message::Header,
    names: &[String],
    out: &mut Vec<u8>,
) {
    for field in signed_field_indices(header, names)
        .into_iter()
        .filter_map(|i| header.field(i))
    {
        canonicalize_header(canon, &field, out);
    }
}

/// The fields h= selects, as header indices in h= order: each name takes
/// the bottom-most instance not yet used (RFC 6376 §5.4.2); a name with no
/// instance left selects nothing.
pub fn signed_field_indices(header: &crate::dkim::message::Header, names: &[String]) -> Vec<usize> {
    // Per lowercase name, the indices of its instances, bottom-most last,
    // so each h= entry pops the next one up: linear in the field count.
    let mut instances: std::collections::HashMap<Vec<u8>, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, field) in header.fields().enumerate() {
        instances
            .entry(field.name.to_ascii_lowercase())
            .or_default()
            .push(i);
    }
    names
        .iter()
        .filter_map(|name| {
            instances
                .get_mut(name.to_ascii_lowercase().as_bytes())
                .and_then(Vec::pop)
        })
        .collect()
}

/// Appends the canonical form of a DKIM-Signature field whose b= value is
/// already empty, without the final CRLF: the last input of the header hash.
pub fn canonicalize_signature_field(
    canon: Canonicalization,
    field_without_eol: &[u8],
    out: &mut Vec<u8>,
) {
    let colon = field_without_eol
        .iter()
        .position(|&b| b == b':')
        .unwrap_or(0);
    let name_end = field_without_eol[..colon]
        .iter()
        .rposition(|&b| !matches!(b, b' ' | b'\t'))
        .map_or(0, |i| i + 1);
    let field = HeaderField {
        raw: field_without_eol,
        name: &field_without_eol[..name_end],
        value: &field_without_eol[(colon + 1).min(field_without_eol.len())..],
    };
    canonicalize_header(canon, &field, out);
    out.truncate(out.len() - 2);
}

/// A body hash in progress for one (canonicalization, hash, l=) triple.
#[derive(Debug)]
pub enum BodyHasher {
    /// SHA-256, for rsa-sha256 and ed25519-sha256.
    Sha256(BodyCanonicalizer<sha2::Sha256>),
    /// SHA-1, for legacy rsa-sha1.
    Sha1(BodyCanonicalizer<sha1::Sha1>),
}

impl BodyHasher {
    /// Starts a body hash.
    pub fn new(
        canon: Canonicalization,
        hash: crate::dkim::algorithm::HashAlgorithm,
        limit: Option<u64>,
    ) -> Self {
        use sha2::Digest;
        match hash {
            crate::dkim::algorithm::HashAlgorithm::Sha256 => {
                BodyHasher::Sha256(BodyCanonicalizer::new(canon, sha2::Sha256::new(), limit))
            }
            crate::dkim::algorithm::HashAlgorithm::Sha1 => {
                BodyHasher::Sha1(BodyCanonicalizer::new(canon, sha1::Sha1::new(), limit))
            }
        }
    }

    /// Feeds the next piece of the raw body.
    pub fn update(&mut self, chunk: &[u8]) {
        match self {
            BodyHasher::Sha256(c) => c.update(chunk),
            BodyHasher::Sha1(c) => c.update(chunk),
        }
    }

    /// The digest and the full canonical body length.
    pub fn finish(self) -> (Vec<u8>, u64) {
        let digest = self.finish_both();
        (digest.hash, digest.length)
    }

    /// The digest, the full canonical body length and, where the last line
    /// has no line break, the digests under the other readings of it.
    pub fn finish_both(self) -> BodyDigest {
        use sha2::Digest;
        fn digest<D: Digest>(
            ((hash, length), others): ((D, u64), Vec<(FinalLineReading, D)>),
        ) -> BodyDigest {
            BodyDigest {
                hash: hash.finalize().to_vec(),
                length,
                other_readings: others
                    .into_iter()
                    .map(|(reading, h)| (reading, h.finalize().to_vec()))
                    .collect(),
            }
        }
        match self {
            BodyHasher::Sha256(c) => digest(c.finish_both()),
            BodyHasher::Sha1(c) => digest(c.finish_both()),
        }
    }
}

/// A finished body hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyDigest {
    /// The digest of the canonical body as RFC 6376 reads it.
    pub hash: Vec<u8>,
    /// The full canonical body length (ignoring `l=`).
    pub length: u64,
    /// The digests under the [`FinalLineReading`]s that differ from RFC
    /// 6376's for this body (none unless it ends in a line without a line
    /// break).
    pub other_readings: Vec<(FinalLineReading, Vec<u8>)>,
}

/// Canonicalizes a whole body in memory: for display and for tests.
pub fn canonicalize_body(canon: Canonicalization, body: &[u8]) -> Vec<u8> {
    let mut c = BodyCanonicalizer::new(canon, Vec::new(), None);
    c.update(body);
    c.finish().0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dkim::message::split;
    use Canonicalization::*;

    #[test]
    fn body_table() {
        for (canon, input, expected) in [
            (Simple, &b""[..], &b"\r\n"[..]),
            (Relaxed, b"", b""),
            (Simple, b"\r\n\r\n", b"\r\n"),
            (Relaxed, b"\r\n\r\n", b""),
            (Simple, b"a  b \r\n\r\n\r\n", b"a  b \r\n"),
            (Relaxed, b"a  \t b \r\n \r\n\t\r\n", b"a b\r\n"),
            (Relaxed, b" a\r\n\r\nb", b" a\r\n\r\nb\r\n"),
            (Simple, b"a\nb\n\n", b"a\r\nb\r\n"),
            (Simple, b"x", b"x\r\n"),
            (Simple, b"a\rb\r\n", b"a\rb\r\n"),
            (Relaxed, b"a\r", b"a\r\r\n"),
            (Relaxed, b"   ", b""),
            (Simple, b"   ", b"   \r\n"),
        ] {
            assert_eq!(
                canonicalize_body(canon, input),
                expected,
                "{canon:?} {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn the_other_readings_of_an_unterminated_last_line() {
        use FinalLineReading::*;
        let others = |canon, body: &[u8]| {
            let mut c = BodyCanonicalizer::new(canon, Vec::new(), None);
            c.update(body);
            c.finish_both().1
        };
        for (canon, input, expected) in [
            // dkimpy relaxed keeps the whitespace; libopendkim relaxed drops
            // it and adds no CRLF.
            (
                Relaxed,
                &b"text  "[..],
                &[
                    (TrailingWhitespaceKept, &b"text \r\n"[..]),
                    (NoLineBreakAdded, b"text"),
                ][..],
            ),
            (
                Relaxed,
                b"a\r\n\r\n \t ",
                &[(TrailingWhitespaceKept, b"a\r\n\r\n \r\n")],
            ),
            (Relaxed, b"text", &[]),
            // libopendkim relaxed drops the empty lines before such a line.
            (
                Relaxed,
                b"a\r\n\r\n \r\nx",
                &[(BlankLinesDropped, b"a\r\nx\r\n")],
            ),
            (Relaxed, b"\r\n\r\nx", &[(BlankLinesDropped, b"x\r\n")]),
            (Relaxed, b"a\r\n\r\nx y", &[]),
            (Relaxed, b"text  \r\n", &[]),
            (Relaxed, b"", &[]),
            // Mail::DKIM simple: no CRLF added.
            (Simple, b"a\r\nlast", &[(NoLineBreakAdded, b"a\r\nlast")]),
            (Simple, b"   ", &[(NoLineBreakAdded, b"   ")]),
            (Simple, b"x\r", &[(NoLineBreakAdded, b"x\r")]),
            (Simple, b"a\r\n", &[]),
            (Simple, b"", &[]),
        ] {
            let expected: Vec<(FinalLineReading, Vec<u8>)> =
                expected.iter().map(|(r, b)| (*r, b.to_vec())).collect();
            assert_eq!(
                others(canon, input),
                expected,
                "{canon:?} {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn chunking_does_not_change_the_result() {
        let body = b"Hi \t there  \r\n\r\n  \r\nline\rx\r\n\r\n\r\nend  \n\n";
        for canon in [Simple, Relaxed] {
            let whole = canonicalize_body(canon, body);
            for size in 1..body.len() {
                let mut c = BodyCanonicalizer::new(canon, Vec::new(), None);
                body.chunks(size).for_each(|ch| c.update(ch));
                assert_eq!(c.finish().0, whole, "{canon:?} chunk {size}");
            }
        }
    }

    #[test]
    fn limit_truncates_the_hashed_bytes_only() {
        let mut c = BodyCanonicalizer::new(Simple, Vec::new(), Some(3));
        c.update(b"abcdef\r\n");
        let (bytes, len) = c.finish();
        assert_eq!(bytes, b"abc");
        assert_eq!(len, 8);
    }

    #[test]
    fn header_table() {
        let (h, _) = split(b"SUBJect \t: Hello \r\n  World\t \r\nX:y\n z\n\n").unwrap();
        let mut out = Vec::new();
        canonicalize_header(Relaxed, &h.field(0).unwrap(), &mut out);
        canonicalize_header(Relaxed, &h.field(1).unwrap(), &mut out);
        assert_eq!(out, b"subject:Hello World\r\nx:y z\r\n");
        out.clear();
        canonicalize_header(Simple, &h.field(1).unwrap(), &mut out);
        assert_eq!(out, b"X:y\r\n z\r\n");
    }
}
