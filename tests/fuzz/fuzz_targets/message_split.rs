//! message::split: never panics; header bytes + body == input; the fields
//! and the lines that are not fields (defects) tile the header block in
//! order: each gap between fields is whole lines, one defect per line,
//! recorded after the field above it (only the separator line is left);
//! name and value lie inside raw. Each field is also canonicalized
//! (simple and relaxed) and the output checked.
#![no_main]

use dkimctl::dkim::canon::{Canonicalization, canonicalize_header};
use dkimctl::dkim::message::split;
use libfuzzer_sys::fuzz_target;

/// Offset of `inner` within `outer`, asserting it is a subslice.
fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    let o = outer.as_ptr() as usize;
    let i = inner.as_ptr() as usize;
    assert!(
        i >= o && i + inner.len() <= o + outer.len(),
        "not a subslice"
    );
    i - o
}

fuzz_target!(|data: &[u8]| {
    let Ok((header, body)) = split(data) else {
        return;
    };
    let hb = header.as_bytes();
    let mut joined = hb.to_vec();
    joined.extend_from_slice(body);
    assert_eq!(joined, data, "header + body != input");
    // The body is the tail of the input itself.
    assert_eq!(offset_in(data, body), hb.len());

    // Lines of a gap between fields: each must be a defect after `above`.
    let gap_lines = |gap: &[u8]| gap.split_inclusive(|&b| b == b'\n').count();
    let defects_after = |above: Option<usize>| {
        header
            .defects()
            .iter()
            .filter(|d| d.after_field == above)
            .count()
    };
    let mut pos = 0;
    for (i, field) in header.fields().enumerate() {
        let start = offset_in(hb, field.raw);
        assert!(start >= pos, "field {i} overlaps the previous one");
        let gap = &hb[pos..start];
        assert!(
            gap.is_empty() || gap.ends_with(b"\n"),
            "gap before field {i} is not whole lines"
        );
        assert_eq!(
            gap_lines(gap),
            defects_after(i.checked_sub(1)),
            "lines before field {i} that are neither fields nor defects"
        );
        pos = start + field.raw.len();
        // name at the start of raw, value inside raw, value_offset agrees.
        assert_eq!(offset_in(field.raw, field.name), 0);
        assert!(!field.name.is_empty());
        let v = offset_in(field.raw, field.value);
        assert_eq!(v, field.value_offset());
        assert!(field.raw[field.name.len()..v].contains(&b':'));
        assert_eq!(header.field(i), Some(field));

        let mut simple = Vec::new();
        canonicalize_header(Canonicalization::Simple, &field, &mut simple);
        assert!(simple.ends_with(b"\r\n"));
        for (j, &b) in simple.iter().enumerate() {
            if b == b'\n' {
                assert!(j > 0 && simple[j - 1] == b'\r', "bare LF in simple header");
            }
        }
        if field.raw.ends_with(b"\r\n") && !field.raw[..field.raw.len() - 2].contains(&b'\n') {
            assert_eq!(simple, field.raw, "simple header changed a CRLF field");
        }

        let mut relaxed = Vec::new();
        canonicalize_header(Canonicalization::Relaxed, &field, &mut relaxed);
        let lname = field.name.to_ascii_lowercase();
        assert!(relaxed.starts_with(&lname));
        assert_eq!(relaxed[lname.len()], b':');
        assert!(relaxed.ends_with(b"\r\n"));
        let value = &relaxed[lname.len() + 1..relaxed.len() - 2];
        assert!(!value.contains(&b'\t'), "tab in relaxed header value");
        assert!(
            !value.contains(&b'\r') && !value.contains(&b'\n'),
            "line break in relaxed value"
        );
        assert!(
            !value.windows(2).any(|w| w == b"  "),
            "double space in relaxed value"
        );
        assert!(
            !value.starts_with(b" ") && !value.ends_with(b" "),
            "untrimmed relaxed value"
        );
    }
    // What is left after the fields is defect lines, then the separator
    // line or nothing.
    let rest = &hb[pos..];
    let separator = [&b"\r\n"[..], b"\n"]
        .into_iter()
        .find(|s| header.has_separator() && rest.ends_with(s))
        .map_or(0, <[u8]>::len);
    let trailing = &rest[..rest.len() - separator];
    assert_eq!(header.has_separator(), separator > 0);
    assert_eq!(
        gap_lines(trailing),
        defects_after(header.len().checked_sub(1)),
        "lines after the last field that are neither fields nor defects: {rest:?}"
    );
    assert_eq!(header.len(), header.fields().count());
});
