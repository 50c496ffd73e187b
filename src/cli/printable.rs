//! Human output is printable: a message, a zone file or a header value can
//! hold control characters (an ESC sequence in From that retitles the
//! terminal, a NUL, a CR that overwrites the line), and they reach the
//! terminal only as text (`\x1b`). [`Printable`] wraps every human
//! report's writer; JSON (whose strings serde escapes itself) and byte
//! outputs (a signed message, canonical forms) are written unwrapped.
//!
//! Colour is the one exception: with colour on (a terminal, no `NO_COLOR`)
//! the SGR sequences our tables use (`ESC [ digits ; ... m`) pass; any other
//! escape sequence, and every ESC when colour is off, is escaped.

use std::io::{self, Write};

/// Where the escaper is inside a possible sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    /// After ESC.
    Escape,
    /// After `ESC [`, holding parameter bytes.
    Sgr,
    /// After the UTF-8 lead byte 0xC2 (U+0080..U+00BF follow it; U+0080 to
    /// U+009F are the C1 controls).
    C2,
}

/// A writer that escapes control characters (keeping `\n` and `\t`).
pub struct Printable<W: Write> {
    inner: W,
    colour: bool,
    state: State,
    /// The parameter bytes of an SGR sequence being read.
    held: Vec<u8>,
}

impl<W: Write> Printable<W> {
    /// Wraps `inner`; `colour` lets SGR colour sequences through.
    pub fn new(inner: W, colour: bool) -> Printable<W> {
        Printable {
            inner,
            colour,
            state: State::Text,
            held: Vec::new(),
        }
    }

    fn text(&mut self, byte: u8, out: &mut Vec<u8>) {
        match byte {
            0x1b if self.colour => self.state = State::Escape,
            0xc2 => self.state = State::C2,
            b'\n' | b'\t' => out.push(byte),
            0x00..=0x1f | 0x7f => out.extend_from_slice(format!("\\x{byte:02x}").as_bytes()),
            _ => out.push(byte),
        }
    }

    fn step(&mut self, byte: u8, out: &mut Vec<u8>) {
        match self.state {
            State::Text => self.text(byte, out),
            State::Escape if byte == b'[' => {
                self.state = State::Sgr;
                self.held.clear();
            }
            State::Escape => {
                out.extend_from_slice(b"\\x1b");
                self.state = State::Text;
                self.text(byte, out);
            }
            State::Sgr if byte.is_ascii_digit() || byte == b';' => {
                if self.held.len() < 32 {
                    self.held.push(byte);
                } else {
                    self.abandon(out);
                    self.text(byte, out);
                }
            }
            State::Sgr if byte == b'm' => {
                out.extend_from_slice(b"\x1b[");
                out.append(&mut self.held);
                out.push(b'm');
                self.state = State::Text;
            }
            State::Sgr => {
                self.abandon(out);
                self.text(byte, out);
            }
            State::C2 => {
                self.state = State::Text;
                if (0x80..=0x9f).contains(&byte) {
                    out.extend_from_slice(format!("\\u{{{:x}}}", u32::from(byte)).as_bytes());
                } else {
                    out.push(0xc2);
                    self.text(byte, out);
                }
            }
        }
    }

    /// A held `ESC [ ...` that is not a colour: written as text.
    fn abandon(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\\x1b[");
        out.append(&mut self.held);
        self.state = State::Text;
    }
}

impl<W: Write> Write for Printable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len());
        for &byte in buf {
            self.step(byte, &mut out);
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // A sequence cut short at the end is text.
        let mut out = Vec::new();
        match self.state {
            State::Escape => out.extend_from_slice(b"\\x1b"),
            State::Sgr => self.abandon(&mut out),
            State::C2 => out.push(0xc2),
            State::Text => {}
        }
        self.state = State::Text;
        self.inner.write_all(&out)?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Printable<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(input: &[u8], colour: bool) -> String {
        let mut out = Vec::new();
        {
            let mut p = Printable::new(&mut out, colour);
            // Byte by byte, so sequences split across writes are handled.
            for byte in input {
                p.write_all(&[*byte]).unwrap();
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn control_characters_become_text() {
        assert_eq!(
            shown(b"a\x1b]0;pwned\x07b\r\0\n\tc\x7f", false),
            "a\\x1b]0;pwned\\x07b\\x0d\\x00\n\tc\\x7f"
        );
        assert_eq!(shown("é\u{85}x".as_bytes(), false), "é\\u{85}x");
        assert_eq!(shown(b"\x1b[31mred\x1b[0m", false), "\\x1b[31mred\\x1b[0m");
    }

    #[test]
    fn colour_passes_only_when_on_and_only_colour() {
        assert_eq!(
            shown(b"\x1b[38;5;9mred\x1b[39m", true),
            "\x1b[38;5;9mred\x1b[39m"
        );
        assert_eq!(
            shown(b"\x1b[2J\x1b]0;t\x07", true),
            "\\x1b[2J\\x1b]0;t\\x07"
        );
        assert_eq!(shown(b"cut\x1b[3", true), "cut\\x1b[3");
    }
}
