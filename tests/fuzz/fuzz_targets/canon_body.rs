//! Body canonicalization, simple and relaxed. The first input byte picks
//! how the rest is chunked (and an l= limit); the rest is the body.
//!
//! Checked for both algorithms:
//! - streaming in chunks == one-shot `canonicalize_body`;
//! - one-shot == a naive line-by-line model of RFC 6376 §3.4.3/§3.4.4
//!   (LF or CRLF end a line; a lone CR is an ordinary byte);
//! - every LF in the output is preceded by CR; no trailing empty lines;
//! - `finish()` reports the full canonical length;
//! - with an l= limit the sink gets exactly the first l bytes;
//! - relaxed output has no tab, no two spaces and no space before CRLF;
//! - the other readings of an unterminated last line (`finish_both`) are
//!   the same chunked and one-shot, exist exactly when the body ends in
//!   such a line (simple) or in one ending in whitespace (relaxed), and
//!   equal a model of them: dkimpy's relaxed keeps one space, libopendkim's
//!   relaxed (a line with text) and Mail::DKIM's simple add no CRLF.
#![no_main]

use dkimctl::dkim::canon::{BodyCanonicalizer, Canonicalization, FinalLineReading, canonicalize_body};
use libfuzzer_sys::fuzz_target;

/// Chunk sizes from the control byte: low 7 bits + 1 is the size; with the
/// high bit set sizes cycle 1, 2, ..., size instead of being fixed.
fn chunks(body: &[u8], ctl: u8) -> Vec<&[u8]> {
    let max = usize::from(ctl & 0x7f) + 1;
    let cycle = ctl & 0x80 != 0;
    let mut out = Vec::new();
    let (mut pos, mut k) = (0, 0);
    while pos < body.len() {
        let size = if cycle { k % max + 1 } else { max };
        k += 1;
        let end = (pos + size).min(body.len());
        out.push(&body[pos..end]);
        pos = end;
    }
    out
}

/// A naive model: split into lines, canonicalize each, drop trailing empty
/// lines, join with CRLF.
fn model(canon: Canonicalization, body: &[u8]) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    // A terminated last line leaves an empty segment behind it; an
    // unterminated one is a line of its own.
    if lines.last() == Some(&&b""[..]) {
        lines.pop();
    }
    let mut canon_lines: Vec<Vec<u8>> = Vec::new();
    let n = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        let terminated = i + 1 < n || body.ends_with(b"\n");
        let line = if terminated && line.ends_with(b"\r") {
            &line[..line.len() - 1]
        } else {
            line
        };
        let out = match canon {
            Canonicalization::Simple => line.to_vec(),
            Canonicalization::Relaxed => {
                let mut v = Vec::new();
                let mut in_wsp = false;
                for &b in line {
                    if b == b' ' || b == b'\t' {
                        in_wsp = true;
                    } else {
                        if in_wsp {
                            v.push(b' ');
                        }
                        in_wsp = false;
                        v.push(b);
                    }
                }
                v
            }
        };
        canon_lines.push(out);
    }
    while canon_lines.last().is_some_and(Vec::is_empty) {
        canon_lines.pop();
    }
    let mut out = Vec::new();
    for line in &canon_lines {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    if out.is_empty() && canon == Canonicalization::Simple {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The other readings of an unterminated last line, modelled on the whole
/// body: the lines before it as RFC 6376 reads them (their empty lines
/// kept, since a line follows), then the last line as dkimpy (relaxed:
/// its trailing whitespace as one space, then CRLF), libopendkim (relaxed,
/// a line with text: whitespace dropped, no CRLF) or Mail::DKIM (simple: as
/// it stands, no CRLF) canonicalize it; and for a relaxed last line with
/// no whitespace, libopendkim's dropping of the empty lines before it.
fn literal_model(canon: Canonicalization, body: &[u8]) -> Vec<(FinalLineReading, Vec<u8>)> {
    let start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let (before, last) = body.split_at(start);
    let relaxed = canon == Canonicalization::Relaxed;
    if relaxed
        && !last.is_empty()
        && !last.ends_with(b"\r")
        && !last.iter().any(|&b| b == b' ' || b == b'\t')
    {
        // libopendkim: the empty lines before such a line are dropped.
        let trimmed = model(canon, before);
        let mut kept = model(canon, &[before, b"x\n"].concat());
        kept.truncate(kept.len() - 3);
        if trimmed == kept {
            return Vec::new();
        }
        return vec![(
            FinalLineReading::BlankLinesDropped,
            [&trimmed[..], last, b"\r\n"].concat(),
        )];
    }
    if last.is_empty() || (relaxed && !matches!(last.last(), Some(b' ' | b'\t'))) {
        return Vec::new();
    }
    // A line ending in "x" after the text keeps what precedes it intact.
    let with_x = |text: &[u8]| {
        let mut m = model(canon, &[text, b"x\n"].concat());
        m.truncate(m.len() - 3);
        m
    };
    let head = with_x(before);
    if !relaxed {
        return vec![(
            FinalLineReading::NoLineBreakAdded,
            [&head[..], last].concat(),
        )];
    }
    let line = with_x(last); // ends in the one space of the whitespace
    let mut out = vec![(
        FinalLineReading::TrailingWhitespaceKept,
        [&head[..], &line, b"\r\n"].concat(),
    )];
    let text = &line[..line.len() - 1];
    if !text.is_empty() {
        out.push((
            FinalLineReading::NoLineBreakAdded,
            [&head[..], text].concat(),
        ));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, body)) = data.split_first() else {
        return;
    };
    for canon in [Canonicalization::Simple, Canonicalization::Relaxed] {
        let whole = canonicalize_body(canon, body);

        let mut c = BodyCanonicalizer::new(canon, Vec::new(), None);
        for chunk in chunks(body, ctl) {
            c.update(chunk);
        }
        let (streamed, produced) = c.finish();
        assert_eq!(streamed, whole, "{canon:?}: chunked != one-shot");
        assert_eq!(produced, whole.len() as u64, "{canon:?}: wrong length");

        assert_eq!(whole, model(canon, body), "{canon:?}: differs from model");

        for (j, &b) in whole.iter().enumerate() {
            if b == b'\n' {
                assert!(j > 0 && whole[j - 1] == b'\r', "{canon:?}: bare LF at {j}");
            }
        }
        assert!(
            !whole.ends_with(b"\r\n\r\n"),
            "{canon:?}: trailing empty line"
        );
        match canon {
            Canonicalization::Simple => assert!(whole.ends_with(b"\r\n")),
            Canonicalization::Relaxed => {
                assert!(whole.is_empty() || whole.ends_with(b"\r\n"));
                assert!(!whole.contains(&b'\t'), "relaxed: tab in output");
                assert!(!whole.windows(2).any(|w| w == b"  "), "relaxed: two spaces");
                assert!(
                    !whole.windows(3).any(|w| w == b" \r\n"),
                    "relaxed: trailing space"
                );
            }
        }

        let literal = |pieces: Vec<&[u8]>| {
            let mut c = BodyCanonicalizer::new(canon, Vec::new(), None);
            pieces.into_iter().for_each(|p| c.update(p));
            c.finish_both().1
        };
        let one_shot = literal(vec![body]);
        assert_eq!(
            literal(chunks(body, ctl)),
            one_shot,
            "{canon:?}: literal chunked != one-shot"
        );
        assert_eq!(
            one_shot,
            literal_model(canon, body),
            "{canon:?}: literal differs from model"
        );

        // l=: the sink gets the first `limit` canonical bytes, the count is
        // still the full length.
        let limit = (u64::from(ctl) * 7) % (whole.len() as u64 + 2);
        let mut c = BodyCanonicalizer::new(canon, Vec::new(), Some(limit));
        for chunk in chunks(body, ctl.rotate_left(3)) {
            c.update(chunk);
        }
        let (limited, produced) = c.finish();
        let take = whole.len().min(limit as usize);
        assert_eq!(limited, &whole[..take], "{canon:?}: l={limit} prefix wrong");
        assert_eq!(produced, whole.len() as u64);
    }
});
