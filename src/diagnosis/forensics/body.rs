//! Body-hash forensics: a body-hash mismatch is explained by trying
//! transformations of the current body that undo common changes in transit
//! (whitespace, line endings, a mailing-list footer, transfer re-encoding,
//! re-wrapping) and reporting the first whose hash equals bh=. Nothing is
//! guessed: every body explanation is one that reproduces the signer's hash.

use super::{BodyChange, LineEndingChange, ReencodeDirection, RewrapStyle};
use crate::dkim::canon::{BodyHasher, Canonicalization, canonicalize_body};
use crate::dkim::message::Header;
use crate::dkim::signature::{HashAlgorithm, Signature};

/// Lines at least this long, followed by more text, may have been broken
/// by a relay that re-wraps long lines.
const REWRAP_MIN_LINE: usize = 60;

/// How many characters of an appended footer are shown.
const FOOTER_SHOWN: usize = 500;

/// Explains a body-hash mismatch: the first transformation of the current
/// body that reproduces bh= under the signature's body canonicalization,
/// hash and l=. Called when bh= does not match; never fails.
pub fn explain_body_mismatch(header: &Header, body: &[u8], sig: &Signature) -> BodyChange {
    let target = Target {
        canon: sig.body_canon,
        hash: sig.algorithm.hash(),
        limit: sig.body_length,
        expected: &sig.body_hash,
    };
    if target.matches(body) {
        return BodyChange::Unchanged;
    }
    let other = match sig.body_canon {
        Canonicalization::Simple => Canonicalization::Relaxed,
        Canonicalization::Relaxed => Canonicalization::Simple,
    };
    if target.matches_as(other, body) {
        return BodyChange::OtherCanonicalization {
            declared: sig.body_canon,
            matched: other,
        };
    }
    let canonical = canonicalize_body(sig.body_canon, body);
    if let Some(change) = line_endings(&target, body, &canonical) {
        return change;
    }
    if let Some((stripped, lines)) = strip_trailing_whitespace(body)
        && target.matches(&stripped)
    {
        return BodyChange::TrailingWhitespace { lines };
    }
    if let Some((stripped, lines)) = strip_trailing_blank_lines(body)
        && target.matches(&stripped)
    {
        return BodyChange::TrailingBlankLines { lines };
    }
    if let Some(signed) = signed_prefix(&target, &canonical) {
        return BodyChange::FooterAppended {
            signed_bytes: signed as u64,
            footer: footer_text(&canonical[signed..]),
        };
    }
    if let Some(change) = reencoding(&target, header, body) {
        return change;
    }
    for style in [
        RewrapStyle::Concatenated,
        RewrapStyle::Space,
        RewrapStyle::Flowed,
    ] {
        if let Some((joined_body, joined)) = rewrap(body, style)
            && target.matches(&joined_body)
        {
            return BodyChange::Rewrapped { style, joined };
        }
    }
    if let Some(length) = sig.body_length
        && length > canonical.len() as u64
    {
        return BodyChange::Truncated {
            length,
            body: canonical.len() as u64,
        };
    }
    BodyChange::Unknown
}

/// The hash a candidate body must reproduce.
struct Target<'a> {
    canon: Canonicalization,
    hash: HashAlgorithm,
    limit: Option<u64>,
    expected: &'a [u8],
}

impl Target<'_> {
    /// Whether raw `body` hashes to bh= under c=.
    fn matches(&self, body: &[u8]) -> bool {
        self.matches_as(self.canon, body)
    }

    /// Whether raw `body` hashes to bh= under `canon`.
    fn matches_as(&self, canon: Canonicalization, body: &[u8]) -> bool {
        let mut hasher = BodyHasher::new(canon, self.hash, self.limit);
        hasher.update(body);
        hasher.finish().0 == self.expected
    }

    /// Whether bytes taken as already canonical hash to bh=.
    fn matches_canonical(&self, canonical: &[u8]) -> bool {
        let mut hasher = PrefixHasher::new(self.hash);
        hasher.update(&canonical[..self.cap(canonical.len())]);
        hasher.finish() == self.expected
    }

    /// How many of `len` canonical bytes l= lets the hash cover.
    fn cap(&self, len: usize) -> usize {
        self.limit
            .map_or(len, |l| usize::try_from(l).unwrap_or(usize::MAX).min(len))
    }
}

/// An incremental hash of canonical bytes that can be finished at any
/// point and go on (by finishing a clone).
#[derive(Clone)]
enum PrefixHasher {
    Sha256(sha2::Sha256),
    Sha1(sha1::Sha1),
}

impl PrefixHasher {
    fn new(hash: HashAlgorithm) -> Self {
        use sha2::Digest;
        match hash {
            HashAlgorithm::Sha256 => PrefixHasher::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Sha1 => PrefixHasher::Sha1(sha1::Sha1::new()),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        use sha2::Digest;
        match self {
            PrefixHasher::Sha256(h) => h.update(bytes),
            PrefixHasher::Sha1(h) => h.update(bytes),
        }
    }

    fn finish(self) -> Vec<u8> {
        use sha2::Digest;
        match self {
            PrefixHasher::Sha256(h) => h.finalize().to_vec(),
            PrefixHasher::Sha1(h) => h.finalize().to_vec(),
        }
    }
}

/// One line of a raw body: its content and its line ending (CRLF, LF, or
/// nothing for an unterminated last line); the CR of CRLF is not content.
fn lines(body: &[u8]) -> impl DoubleEndedIterator<Item = (&[u8], &[u8])> {
    body.split_inclusive(|&b| b == b'\n').map(|line| {
        let ending = crate::dkim::message::trailing_line_ending(line).len();
        line.split_at(line.len() - ending)
    })
}

/// Candidate 2: CRs added in transit, or a signer that hashed bare LF.
fn line_endings(target: &Target<'_>, body: &[u8], canonical: &[u8]) -> Option<BodyChange> {
    // CR CR LF (or more CRs) back to CR LF.
    let mut fixed = Vec::with_capacity(body.len());
    let mut doubled = 0;
    for (content, ending) in lines(body) {
        let kept = content
            .iter()
            .rposition(|&b| b != b'\r')
            .map_or(0, |i| i + 1);
        if ending == b"\r\n" && kept < content.len() {
            doubled += 1;
            fixed.extend_from_slice(&content[..kept]);
        } else {
            fixed.extend_from_slice(content);
        }
        fixed.extend_from_slice(ending);
    }
    if doubled > 0 && target.matches(&fixed) {
        return Some(BodyChange::LineEndings {
            change: LineEndingChange::DoubledCr,
            lines: doubled,
        });
    }
    // Every CR not followed by LF removed.
    let mut fixed = Vec::with_capacity(body.len());
    let mut lone = 0;
    for (i, &b) in body.iter().enumerate() {
        if b == b'\r' && body.get(i + 1) != Some(&b'\n') {
            lone += 1;
        } else {
            fixed.push(b);
        }
    }
    if lone > 0 && target.matches(&fixed) {
        return Some(BodyChange::LineEndings {
            change: LineEndingChange::LoneCr,
            lines: lone,
        });
    }
    // The canonical body with bare LF line endings, as a buggy signer has it.
    let mut bare = Vec::with_capacity(canonical.len());
    let mut i = 0;
    while i < canonical.len() {
        if canonical[i..].starts_with(b"\r\n") {
            bare.push(b'\n');
            i += 2;
        } else {
            bare.push(canonical[i]);
            i += 1;
        }
    }
    if bare.len() < canonical.len() && target.matches_canonical(&bare) {
        return Some(BodyChange::LineEndings {
            change: LineEndingChange::SignedBareLf,
            lines: 0,
        });
    }
    None
}

/// Whether a line's content is spaces and tabs only (or empty).
fn is_blank(content: &[u8]) -> bool {
    content.iter().all(|&b| matches!(b, b' ' | b'\t'))
}

/// How many lines at the end of the body are blank: those are left to
/// candidate 4, so that 3 and 4 report different changes.
fn trailing_blank_count(body: &[u8]) -> usize {
    lines(body)
        .rev()
        .take_while(|(content, _)| is_blank(content))
        .count()
}

/// Candidate 3: the body with trailing spaces and tabs removed from every
/// line before the final blank block, and how many lines changed.
fn strip_trailing_whitespace(body: &[u8]) -> Option<(Vec<u8>, usize)> {
    let total = lines(body).count();
    let keep_from = total - trailing_blank_count(body);
    let mut out = Vec::with_capacity(body.len());
    let mut changed = 0;
    for (i, (content, ending)) in lines(body).enumerate() {
        let end = if i < keep_from {
            content
                .iter()
                .rposition(|&b| !matches!(b, b' ' | b'\t'))
                .map_or(0, |j| j + 1)
        } else {
            content.len()
        };
        if end < content.len() {
            changed += 1;
        }
        out.extend_from_slice(&content[..end]);
        out.extend_from_slice(ending);
    }
    (changed > 0).then_some((out, changed))
}

/// Candidate 4: the body without its final blank lines, and how many of
/// them held whitespace (empty ones change no hash).
fn strip_trailing_blank_lines(body: &[u8]) -> Option<(Vec<u8>, usize)> {
    let total = lines(body).count();
    let keep = total - trailing_blank_count(body);
    let whitespace = lines(body)
        .skip(keep)
        .filter(|(content, _)| !content.is_empty())
        .count();
    if whitespace == 0 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    for (content, ending) in lines(body).take(keep) {
        out.extend_from_slice(content);
        out.extend_from_slice(ending);
    }
    Some((out, whitespace))
}

/// Candidate 5: the length of the shortest prefix of the canonical body,
/// ending at a line boundary (or empty), that hashes to bh=. One pass: the
/// hash is carried along and a clone finished at each boundary.
fn signed_prefix(target: &Target<'_>, canonical: &[u8]) -> Option<usize> {
    let cap = target.cap(canonical.len());
    let mut hasher = PrefixHasher::new(target.hash);
    let mut fed = 0;
    let boundaries = std::iter::once(0).chain(
        canonical
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .map(|(i, _)| i + 1),
    );
    for boundary in boundaries {
        if boundary >= canonical.len() {
            // The whole body: already known not to match.
            break;
        }
        let upto = boundary.min(cap);
        if upto > fed {
            hasher.update(&canonical[fed..upto]);
            fed = upto;
        }
        if hasher.clone().finish() == target.expected {
            return Some(boundary);
        }
        if boundary >= cap {
            // Every longer prefix hashes the same l= bytes.
            break;
        }
    }
    None
}

/// The appended text for display: lossy UTF-8, trimmed, shortened.
fn footer_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    let text = text.trim();
    match text.char_indices().nth(FOOTER_SHOWN) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_string(),
    }
}

/// Candidate 6: quoted-printable or base64 re-encoding in transit, judged
/// from the top-level Content-Transfer-Encoding of a single-part message.
fn reencoding(target: &Target<'_>, header: &Header, body: &[u8]) -> Option<BodyChange> {
    let value = |name: &str| {
        header
            .fields()
            .find(|f| f.is(name))
            .map(|f| String::from_utf8_lossy(f.value).trim().to_ascii_lowercase())
    };
    if value("Content-Type").is_some_and(|t| t.starts_with("multipart/")) {
        return None;
    }
    let cte = value("Content-Transfer-Encoding").unwrap_or_default();
    let found = |encoding: &str, direction| {
        Some(BodyChange::Reencoded {
            encoding: encoding.to_string(),
            direction,
        })
    };
    match cte.as_str() {
        "quoted-printable" => {
            let decoded = mail_parser::decoders::quoted_printable::quoted_printable_decode(body)?;
            if target.matches(&decoded) {
                return found("quoted-printable", ReencodeDirection::Encoded);
            }
        }
        "base64" => {
            let decoded = mail_parser::decoders::base64::base64_decode(body)?;
            if target.matches(&decoded) {
                return found("base64", ReencodeDirection::Encoded);
            }
        }
        _ => {
            // The reverse: the signer's body was encoded and a relay
            // decoded it. Encoders differ, so this finds only the common
            // forms (76-column lines).
            if target.matches(&encode_quoted_printable(body)) {
                return found("quoted-printable", ReencodeDirection::Decoded);
            }
            if target.matches(&encode_base64(body)) {
                return found("base64", ReencodeDirection::Decoded);
            }
        }
    }
    None
}

/// Quoted-printable as RFC 2045 §6.7 has it: lines of at most 76
/// characters, CRLF hard breaks, trailing whitespace escaped.
fn encode_quoted_printable(body: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(body.len() + body.len() / 8);
    for (content, ending) in lines(body) {
        let mut column = 0;
        for (i, &b) in content.iter().enumerate() {
            let last = i + 1 == content.len();
            let literal =
                (matches!(b, b'!'..=b'~') && b != b'=') || (matches!(b, b' ' | b'\t') && !last);
            let width = if literal { 1 } else { 3 };
            let room = if last { 76 } else { 75 };
            if column + width > room {
                out.extend_from_slice(b"=\r\n");
                column = 0;
            }
            if literal {
                out.push(b);
            } else {
                out.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
            column += width;
        }
        if !ending.is_empty() {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Base64 in 76-column lines ending in CRLF (RFC 2045 §6.8).
fn encode_base64(body: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(body);
    let mut out = Vec::with_capacity(text.len() + text.len() / 38 + 2);
    for chunk in text.as_bytes().chunks(76) {
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Candidate 7: the body with line breaks joined back, and how many.
fn rewrap(body: &[u8], style: RewrapStyle) -> Option<(Vec<u8>, usize)> {
    let mut all = lines(body).peekable();
    let mut out = Vec::with_capacity(body.len());
    let mut joined = 0;
    while let Some((content, ending)) = all.next() {
        out.extend_from_slice(content);
        let next_has_text = all.peek().is_some_and(|(next, _)| !next.is_empty());
        let join = next_has_text
            && match style {
                RewrapStyle::Concatenated | RewrapStyle::Space => content.len() >= REWRAP_MIN_LINE,
                // "-- " is the signature separator, not a soft break.
                RewrapStyle::Flowed => content.ends_with(b" ") && content != b"-- ",
            };
        if join {
            joined += 1;
            if style == RewrapStyle::Space {
                out.push(b' ');
            }
        } else {
            out.extend_from_slice(ending);
        }
    }
    (joined > 0).then_some((out, joined))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::forensics::tests::{first_signature, fixture};
    use Canonicalization::{Relaxed, Simple};

    #[test]
    fn body_fixtures() {
        let footer = "_______________________________________________\nDinner mailing list\n\
                      dinner@lists.example.net\nhttps://lists.example.net/mailman/listinfo/dinner";
        for (name, reason, expected) in [
            (
                "body-other-canon",
                "body-hash-mismatch",
                BodyChange::OtherCanonicalization {
                    declared: Simple,
                    matched: Relaxed,
                },
            ),
            (
                "body-cr-doubled",
                "body-hash-mismatch",
                BodyChange::LineEndings {
                    change: LineEndingChange::DoubledCr,
                    lines: 5,
                },
            ),
            (
                "body-trailing-whitespace",
                "body-hash-mismatch",
                BodyChange::TrailingWhitespace { lines: 2 },
            ),
            (
                "body-trailing-blank-lines",
                "body-hash-mismatch",
                BodyChange::TrailingBlankLines { lines: 2 },
            ),
            (
                "body-footer",
                "body-hash-mismatch",
                BodyChange::FooterAppended {
                    signed_bytes: 54,
                    footer: footer.into(),
                },
            ),
            (
                "body-quoted-printable",
                "body-hash-mismatch",
                BodyChange::Reencoded {
                    encoding: "quoted-printable".into(),
                    direction: ReencodeDirection::Encoded,
                },
            ),
            (
                "body-base64-decoded",
                "body-hash-mismatch",
                BodyChange::Reencoded {
                    encoding: "base64".into(),
                    direction: ReencodeDirection::Decoded,
                },
            ),
            (
                "body-rewrapped",
                "body-hash-mismatch",
                BodyChange::Rewrapped {
                    style: RewrapStyle::Space,
                    joined: 4,
                },
            ),
            (
                // The verifier stops at l= before hashing.
                "body-truncated",
                "length-limit",
                BodyChange::Truncated {
                    length: 54,
                    body: 46,
                },
            ),
            ("body-edited", "body-hash-mismatch", BodyChange::Unknown),
        ] {
            let raw = fixture(name);
            let (sig, _, verdict) = first_signature(&raw);
            assert_eq!(verdict.map(|r| r.code().as_str()), Some(reason), "{name}");
            let (header, body) = crate::dkim::message::split(&raw).unwrap();
            let change = explain_body_mismatch(&header, body, &sig);
            assert_eq!(change, expected, "{name}: {}", change.sentence());
        }
    }

    /// A signature over `signed` with the given body parameters.
    fn signature_over(
        signed: &[u8],
        canon: Canonicalization,
        hash: HashAlgorithm,
        limit: Option<u64>,
    ) -> Signature {
        let mut hasher = BodyHasher::new(canon, hash, limit);
        hasher.update(signed);
        Signature {
            algorithm: match hash {
                HashAlgorithm::Sha256 => crate::dkim::signature::Algorithm::RsaSha256,
                HashAlgorithm::Sha1 => crate::dkim::signature::Algorithm::RsaSha1,
            },
            signature: Vec::new(),
            body_hash: hasher.finish().0,
            header_canon: Relaxed,
            body_canon: canon,
            domain: "example.com".into(),
            selector: "s".into(),
            signed_headers: vec!["from".into()],
            identity: None,
            body_length: limit,
            timestamp: None,
            expiration: None,
        }
    }

    /// Signed body, current body, c=, hash, l=, expected change.
    type BodyCase<'a> = (
        &'a [u8],
        &'a [u8],
        Canonicalization,
        HashAlgorithm,
        Option<u64>,
        BodyChange,
    );

    #[test]
    fn body_candidates() {
        use HashAlgorithm::{Sha1, Sha256};
        let text = b"Hello there,\r\n\r\nthis was signed.\r\n";
        let long = "x".repeat(70);
        let wrapped_from = format!("{long} tail\r\nnext\r\n");
        let wrapped_to = format!("{long}\r\ntail\r\nnext\r\n");
        let flowed_from = "soft line break here and\r\nnext\r\n";
        let flowed_to = "soft line break \r\nhere and\r\nnext\r\n";
        let cases: Vec<BodyCase<'_>> = vec![
            (text, text, Relaxed, Sha256, None, BodyChange::Unchanged),
            (
                text,
                b"Hello there,\r\n\r\nthis was\r signed.\r\n",
                Relaxed,
                Sha1,
                None,
                BodyChange::LineEndings {
                    change: LineEndingChange::LoneCr,
                    lines: 1,
                },
            ),
            (
                text,
                b"Hello there,\r\r\n\r\nthis was signed.\r\n",
                Simple,
                Sha256,
                Some(20),
                BodyChange::LineEndings {
                    change: LineEndingChange::DoubledCr,
                    lines: 1,
                },
            ),
            (
                text,
                b"Hello there, \r\n\r\nthis was signed.\r\n",
                Simple,
                Sha256,
                None,
                BodyChange::OtherCanonicalization {
                    declared: Simple,
                    matched: Relaxed,
                },
            ),
            (
                b"",
                b"Footer\r\n",
                Relaxed,
                Sha256,
                None,
                BodyChange::FooterAppended {
                    signed_bytes: 0,
                    footer: "Footer".into(),
                },
            ),
            (
                text,
                b"Hello there,\r\n\r\nthis was signed.\r\n--\r\nlist\r\n",
                Simple,
                Sha1,
                None,
                BodyChange::FooterAppended {
                    signed_bytes: 34,
                    footer: "--\nlist".into(),
                },
            ),
            (
                wrapped_from.as_bytes(),
                wrapped_to.as_bytes(),
                Simple,
                Sha256,
                None,
                BodyChange::Rewrapped {
                    style: RewrapStyle::Space,
                    joined: 1,
                },
            ),
            (
                flowed_from.as_bytes(),
                flowed_to.as_bytes(),
                Simple,
                Sha256,
                None,
                BodyChange::Rewrapped {
                    style: RewrapStyle::Flowed,
                    joined: 1,
                },
            ),
            (
                text,
                b"Hello there,\r\n",
                Relaxed,
                Sha256,
                Some(34),
                BodyChange::Truncated {
                    length: 34,
                    body: 14,
                },
            ),
            (text, b"", Simple, Sha256, None, BodyChange::Unknown),
            // l=0 signs nothing, so nothing can break it.
            (
                b"",
                b"\xff\r\r\r\n \t",
                Simple,
                Sha1,
                Some(0),
                BodyChange::Unchanged,
            ),
            (
                b"x",
                b"\xff\r\r\r\n \t",
                Simple,
                Sha1,
                None,
                BodyChange::Unknown,
            ),
        ];
        let (header, _) = crate::dkim::message::split(b"From: a@example.com\r\n\r\n").unwrap();
        for (signed, now, canon, hash, limit, expected) in cases {
            let sig = signature_over(signed, canon, hash, limit);
            let change = explain_body_mismatch(&header, now, &sig);
            assert_eq!(
                change,
                expected,
                "{:?} -> {:?}",
                String::from_utf8_lossy(signed),
                String::from_utf8_lossy(now)
            );
            assert!(!change.sentence().is_empty());
        }
    }

    #[test]
    fn signer_bugs() {
        // Declared relaxed, hashed simple.
        let mut sig = signature_over(b"a  b\r\n", Simple, HashAlgorithm::Sha256, None);
        sig.body_canon = Relaxed;
        let (header, _) = crate::dkim::message::split(b"From: a@example.com\r\n\r\n").unwrap();
        assert_eq!(
            explain_body_mismatch(&header, b"a  b\r\n", &sig),
            BodyChange::OtherCanonicalization {
                declared: Relaxed,
                matched: Simple
            }
        );
        // Canonical lines ending in bare LF.
        use sha2::Digest;
        sig.body_hash = sha2::Sha256::digest(b"a b\nc\n").to_vec();
        assert_eq!(
            explain_body_mismatch(&header, b"a  b\r\nc\r\n", &sig),
            BodyChange::LineEndings {
                change: LineEndingChange::SignedBareLf,
                lines: 0
            }
        );
    }

    #[test]
    fn footer_is_shortened() {
        let long = "é".repeat(600);
        let shown = footer_text(long.as_bytes());
        assert_eq!(shown.chars().count(), FOOTER_SHOWN + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(footer_text(b"  a\r\nb \r\n"), "a\nb");
    }
}
