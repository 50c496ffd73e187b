//! Terminal decisions live here and only here: is stderr a terminal, the
//! progress bar for batches, and how a table is laid out.

use std::io::{IsTerminal, Write};

/// A progress bar on a terminal, nothing otherwise.
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() || std::env::var_os("NO_PROGRESS").is_some() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {msg} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// Whether to colour output: only on a terminal, and never with NO_COLOR.
pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A table sized for the terminal, or 100 columns when writing elsewhere so
/// the output is the same on every machine. Write it with [`write_table`].
pub fn table() -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    if !std::io::stdout().is_terminal() {
        table.set_width(100);
    }
    table
}

/// Words longer than this (a key, a signature) leave the table: the cell
/// holds `[#N]` and the word is written whole beneath. A DNS label is at
/// most 63 characters, so names and tokens stay in their cells.
const LONGEST_WORD_IN_TABLE: usize = 64;

/// Writes a table made by [`table`]. On a terminal it fits the screen.
/// Elsewhere (a pipe, a file: where text is copied or searched) no word is
/// ever cut: lines wrap between words only, every column at least as wide
/// as its longest word (the table may then pass 100 columns), and a word
/// longer than [`LONGEST_WORD_IN_TABLE`] is written whole beneath the
/// table. (The table's own layout cuts a word that does not fit the width
/// it picks.)
pub fn write_table(out: &mut dyn Write, table: &comfy_table::Table) -> std::io::Result<()> {
    if std::io::stdout().is_terminal() {
        return writeln!(out, "{table}");
    }
    let mut beneath = Vec::new();
    let mut rows: Vec<Vec<(String, comfy_table::Cell)>> = Vec::new();
    for row in table.header().into_iter().chain(table.row_iter()) {
        let cells = row.cell_iter().map(|cell| {
            let text = cell.content();
            if words(&text).all(|w| width(w) <= LONGEST_WORD_IN_TABLE) {
                (text, cell.clone())
            } else {
                let text = move_long_words(&text, &mut beneath);
                (text.clone(), comfy_table::Cell::new(text))
            }
        });
        rows.push(cells.collect());
    }
    let texts: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(|(t, _)| t.as_str()).collect())
        .collect();
    let widths = column_widths(&texts, usize::from(table.width().unwrap_or(100)));
    let mut laid = self::table();
    laid.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    let mut wrapped = rows.into_iter().map(|row| {
        let cells = row.into_iter().zip(&widths).map(|((text, cell), &w)| {
            if text.split('\n').all(|line| width(line) <= w) {
                cell
            } else {
                comfy_table::Cell::new(wrap(&text, w))
            }
        });
        cells.collect::<Vec<_>>()
    });
    if table.header().is_some()
        && let Some(header) = wrapped.next()
    {
        laid.set_header(header);
    }
    for row in wrapped {
        laid.add_row(row);
    }
    // After the rows: constraints apply to the columns they made.
    laid.set_constraints(widths.iter().map(|&w| {
        // The constraint's width counts the space either side.
        let w = u16::try_from(w + 2).unwrap_or(u16::MAX);
        comfy_table::ColumnConstraint::Absolute(comfy_table::Width::Fixed(w))
    }));
    writeln!(out, "{laid}")?;
    for (i, word) in beneath.iter().enumerate() {
        writeln!(out, "[#{}] {word}", i + 1)?;
    }
    Ok(())
}

/// The content width of each column for a table `total` columns wide:
/// each as wide as its widest line when that fits, else its longest word
/// plus a share of what is left, in proportion to what it would still take.
fn column_widths(rows: &[Vec<&str>], total: usize) -> Vec<usize> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut natural = vec![0; columns];
    let mut least = vec![0; columns];
    for row in rows {
        for (i, text) in row.iter().enumerate() {
            let widest_line = text.split('\n').map(width).max().unwrap_or(0);
            natural[i] = natural[i].max(widest_line);
            least[i] = least[i].max(words(text).map(width).max().unwrap_or(0));
        }
    }
    // A border before each column and after the last, a space either side.
    let space = total.saturating_sub(3 * columns + 1);
    if natural.iter().sum::<usize>() <= space {
        return natural;
    }
    let spare = space.saturating_sub(least.iter().sum());
    let wanted: usize = natural.iter().zip(&least).map(|(n, l)| n - l).sum();
    let mut widths: Vec<usize> = natural
        .iter()
        .zip(&least)
        .map(|(n, l)| l + (n - l) * spare / wanted.max(1))
        .collect();
    // What rounding down left over goes one column each, left to right.
    let mut left = spare.saturating_sub(widths.iter().zip(&least).map(|(w, l)| w - l).sum());
    for (w, n) in widths.iter_mut().zip(&natural) {
        if left > 0 && *w < *n {
            *w += 1;
            left -= 1;
        }
    }
    widths
}

/// The text wrapped between words to lines of at most `limit` columns
/// (a word longer than that keeps a line of its own, whole).
fn wrap(text: &str, limit: usize) -> String {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            if !line.is_empty() && width(&line) + 1 + width(word) > limit {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines.join("\n")
}

/// The words of a cell, as the table wraps it: between spaces and lines.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split([' ', '\n'])
}

/// The columns a word takes (escaped output is ASCII; other text counts
/// one column a character).
fn width(word: &str) -> usize {
    word.chars().count()
}

/// The cell's text with each long word replaced by `[#N]`, N counting
/// on from the words already moved beneath.
fn move_long_words(text: &str, beneath: &mut Vec<String>) -> String {
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            let words: Vec<String> = line
                .split(' ')
                .map(|word| {
                    if width(word) <= LONGEST_WORD_IN_TABLE {
                        return word.to_string();
                    }
                    beneath.push(word.to_string());
                    format!("[#{}]", beneath.len())
                })
                .collect();
            words.join(" ")
        })
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(table: &comfy_table::Table) -> String {
        let mut out = Vec::new();
        write_table(&mut out, table).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn no_word_is_cut_and_long_words_go_beneath() {
        let name = "s1._domainkey.sub.example.com.example.com";
        let key =
            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4MDEHrruwtlNbbk6h54ZB3k9RVWR1fbomHf1";
        let mut table = table();
        table.set_header(vec!["domain", "findings"]);
        let long_text = format!(
            "error duplicated-suffix ({name}) and more words {}",
            "x ".repeat(60)
        );
        table.add_row(vec![format!("{name}.and-more"), long_text]);
        table.add_row(vec!["b".to_string(), format!("p={key}")]);
        let text = written(&table);
        // Every line is a table line or a moved word, and each word is whole on one line.
        assert!(
            text.lines().any(|l| l.contains(&format!("({name})"))),
            "{text}"
        );
        assert!(text.contains("[#1]"), "{text}");
        assert!(text.ends_with(&format!("\n[#1] p={key}\n")), "{text}");
        assert!(
            !text.lines().any(|l| l.contains("MIIB") && l.contains('│')),
            "{text}"
        );
    }

    #[test]
    fn a_table_without_long_words_is_laid_out_as_before() {
        let mut table = table();
        table.set_header(vec!["a", "b"]);
        table.add_row(vec!["one", "two"]);
        assert_eq!(written(&table), format!("{table}\n"));
    }
}
