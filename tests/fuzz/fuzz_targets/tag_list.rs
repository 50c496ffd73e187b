//! TagList::parse: never panics; every parsed tag's value_range points at
//! its value in the input, names are unique and values carry no
//! surrounding folding whitespace.
#![no_main]

use dkimctl::dkim::tag_list::TagList;
use libfuzzer_sys::fuzz_target;

fn is_fws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fuzz_target!(|data: &[u8]| {
    let Ok(list) = TagList::parse(data) else {
        return;
    };
    let mut prev_end = 0;
    let mut names: Vec<&str> = Vec::new();
    for tag in list.iter() {
        let range = tag.value_range.clone();
        assert!(range.start <= range.end && range.end <= data.len());
        assert_eq!(
            &data[range.clone()],
            tag.value.as_bytes(),
            "value_range mismatch"
        );
        // Tags come in input order, each value after the previous one.
        assert!(range.start >= prev_end, "tags out of order");
        prev_end = range.end;
        assert!(!tag.name.is_empty());
        assert!(tag.name.as_bytes()[0].is_ascii_alphabetic());
        assert!(
            tag.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        );
        assert!(!names.contains(&tag.name), "duplicate tag {}", tag.name);
        names.push(tag.name);
        let v = tag.value.as_bytes();
        assert!(
            !v.first().is_some_and(|&b| is_fws(b)),
            "leading FWS in value"
        );
        assert!(
            !v.last().is_some_and(|&b| is_fws(b)),
            "trailing FWS in value"
        );
        assert_eq!(list.get(tag.name), Some(tag.value));
    }
});
