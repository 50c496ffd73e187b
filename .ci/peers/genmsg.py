#!/usr/bin/python3
# genmsg.py -- seeded random RFC 5322 messages for .ci/differential.sh, and what
# each DKIM implementation is known to make of their bodies.  Python 3 standard
# library only.
#
#   genmsg.py gen SEED COUNT OUTDIR [FIRST]
#       Writes OUTDIR/mNNNN.eml for message indexes FIRST..FIRST+COUNT-1 and
#       prints one plan line per message (tab-separated, see plan_line()).
#       Message N depends only on SEED and N (its own random.Random), so the
#       same seed gives the same bytes whatever COUNT is, and one message can
#       be regenerated alone.
#   genmsg.py tamper < LIST
#       LIST lines "KIND<TAB>SRC<TAB>DST", KIND body|header: writes DST, a copy
#       of SRC with one body byte / one byte of the From field changed.
#   genmsg.py model FILE...
#       Prints, per message, the canonical body of every implementation whose
#       behaviour differs from RFC 6376 (for debugging a failing cell).
#   genmsg.py quirks FILE...
#       Prints "FILE PEER BODYCANON QUIRK" for every peer and body canon whose
#       body hash of FILE differs from RFC 6376 (the named deviation), e.g.
#       for .ci/interop.sh.
#
# Shapes (probabilities are per message; several combine):
#   line endings      CRLF 60%, bare LF 40% (never mixed, no bare CR)
#   body              none at all (no empty line after the header) 6%, empty 6%,
#                     blank/whitespace-only lines 8%, text 80%
#   last body line    without a line break ~25%; whitespace only ~15%; text with
#                     trailing spaces/tabs ~15%; trailing empty lines ~15%
#   body lines        trailing/leading WSP, runs of WSP, lines > 998 bytes,
#                     "From ", ".", "--" lines
#   8-bit             UTF-8 in header fields and body: 35% of the messages
#   header fields     From (always, an address @example.com) plus a random set:
#                     Received x0..6, To, Cc (sometimes twice), Subject, Date,
#                     Message-ID, MIME, References, X-* ...; sometimes 30-90
#                     fields; folded with SP, TAB or several WSP; empty values;
#                     lines > 998 bytes.  In half the messages also: names in
#                     odd case, "Name:v" / "Name:   v" / "Name:<TAB>v" spacing,
#                     trailing WSP; and in 10% "Name : v" / "Name\t:v" (WSP
#                     before the colon, RFC 5322 obs-optional) -- in a third of
#                     those on From only.
import hashlib
import os
import random
import re
import sys

CRLF = b"\r\n"
WSP = b" \t"

# ---------------------------------------------------------------------------
# Canonical bodies (RFC 6376 section 3.4), and the peers' known deviations.
# All take the body as the peers see it: CRLF line endings (the wrappers
# convert), b"" for a message without a body.  Established by experiment
# against dkimpy 1.1.4, libopendkim 2.11.0~beta2 (with DKIM_LIBFLAGS_FIXCRLF)
# and Mail::DKIM 1.20230212 (bh= of their signatures on thousands of random
# whitespace-heavy bodies), and checked again on every run: .ci/differential.sh
# compares the bh= of every peer signature with its model.  In every other
# (peer, canon) the peer computes exactly the RFC 6376 body.


def unterminated(body):
    """The body's last line has no CRLF (and the body is not empty)."""
    return body != b"" and not body.endswith(CRLF)


def rfc_simple(body):
    # 3.4.3: ignore empty lines at the end; an empty body is one CRLF; a body
    # whose last line has no CRLF gets one.
    if body == b"":
        return CRLF
    if not body.endswith(CRLF):
        body += CRLF
    while body.endswith(CRLF + CRLF):
        body = body[:-2]
    return body


def rfc_relaxed(body):
    # 3.4.4: WSP runs -> one SP, no WSP at the end of a line, no empty lines at
    # the end; a non-empty body whose last line has no CRLF gets one -- so the
    # unterminated last line loses its trailing WSP like any other line (and a
    # whitespace-only one becomes an empty line, then is dropped).  This is
    # what Mail::DKIM and dkimctl do.
    if body and not body.endswith(CRLF):
        body += CRLF
    lines = [re.sub(rb"[ \t]+", b" ", ln).rstrip(b" ") for ln in body.split(CRLF)[:-1]]
    while lines and lines[-1] == b"":
        lines.pop()
    return b"".join(ln + CRLF for ln in lines)


def dkimpy_relaxed(body):
    # dkimpy (dkim/canonicalization.py Relaxed.canonicalize_body) strips
    # trailing WSP only before a CRLF ("[\t ]+\r\n"), THEN adds the missing
    # final CRLF: the unterminated last line keeps its trailing WSP (as one SP),
    # and a whitespace-only one stays a line of one SP.
    body = re.sub(rb"[\t ]+\r\n", CRLF, body)
    body = re.sub(rb"[\t ]+", b" ", body)
    if not body.endswith(CRLF):
        body += CRLF
    while body.endswith(CRLF + CRLF):
        body = body[:-2]
    return b"" if body == CRLF else body


def opendkim_relaxed(body):
    # libopendkim 2.11 (dkim-canon.c dkim_canon_bodychunk, DKIM_CANON_RELAXED,
    # with DKIM_LIBFLAGS_FIXCRLF, and dkim_canon_closebody), transcribed state
    # for state.  Empty and whitespace-only lines are counted and written only
    # when a later line gets text; trailing WSP is held back until the next
    # text byte; the unterminated last line is text still in canon_buf, to
    # which closebody adds the CRLF.  So an unterminated last line
    #   - that ends in WSP loses the WSP *and* the CRLF (its text was already
    #     written when the WSP came; canon_buf is empty at the end);
    #   - that has no WSP at all loses the empty lines before it (closebody
    #     writes canon_buf without flushing the counted blanks).
    # A whitespace-only one is dropped, as RFC 6376 says.
    out, buf = bytearray(), bytearray()
    state, blankline, blanks = 0, True, 0
    for ch in body:
        c = bytes([ch])
        if state == 0:                      # at the start of a line
            if c in (b" ", b"\t"):
                state = 1
            elif c == b"\r":
                state = 2
            else:
                blankline = False
                buf += c
                state = 3
        elif state == 1:                    # in WSP
            if c in (b" ", b"\t"):
                pass
            elif c == b"\r":
                state = 2
            else:
                out += CRLF * blanks + b" "
                blanks, blankline = 0, False
                buf += c
                state = 3
        elif state == 2:                    # after CR (FIXCRLF: whatever follows ends the line)
            if blankline:
                blanks += 1
                state = 0
            else:
                out += CRLF * blanks + buf + CRLF
                blanks = 0
                buf.clear()
                blankline = True
                if c == b"\n":
                    state = 0
                elif c in (b" ", b"\t"):
                    state = 1
                elif c != b"\r":
                    buf += c
                    state = 3
        else:                               # state 3: in text
            if c in (b" ", b"\t"):
                out += CRLF * blanks + buf
                blanks = 0
                buf.clear()
                state = 1
            elif c == b"\r":
                state = 2
            else:
                buf += c
    if buf:                                 # dkim_canon_closebody
        out += buf + CRLF
    return bytes(out)


def maildkim_simple(body):
    # Mail::DKIM (Canonicalization/simple.pm canonicalize_body) passes the
    # unterminated last line through as is: the CRLF that RFC 6376 3.4.3 adds
    # is missing from the hash.
    canon = rfc_simple(body)
    return canon[:-2] if unterminated(body) else canon


# (peer, body canon) -> (quirk name, model); absent = RFC 6376
QUIRKS = {
    ("dkimpy", "relaxed"): ("dkimpy-relaxed-final-wsp", dkimpy_relaxed),
    ("opendkim", "relaxed"): ("opendkim-relaxed-final-line", opendkim_relaxed),
    ("maildkim", "simple"): ("maildkim-simple-final-crlf", maildkim_simple),
}
PEERS = ("dkimpy", "opendkim", "maildkim")


def body_of(msg):
    """The body of a message (any line endings) with CRLF line endings."""
    msg = re.sub(rb"\r?\n", CRLF, msg)
    m = re.search(rb"\r\n\r\n", msg)
    if msg.startswith(CRLF):
        return msg[2:]
    return msg[m.end():] if m else b""


def model_tokens(body):
    """{(peer, bc): "rfc" or "QUIRK@digest"} -- two implementations compute the
    same body hash iff their tokens are equal."""
    out = {}
    for p in PEERS:
        for bc, rfc in (("simple", rfc_simple), ("relaxed", rfc_relaxed)):
            tok = "rfc"
            if (p, bc) in QUIRKS:
                name, fn = QUIRKS[(p, bc)]
                canon = fn(body)
                if canon != rfc(body):
                    tok = name + "@" + hashlib.sha256(canon).hexdigest()[:12]
            out[(p, bc)] = tok
    return out


# ---------------------------------------------------------------------------
# Message generator.

WORDS = [b"hello", b"DKIM", b"signature", b"message", b"relaxed", b"simple", b"body",
         b"header", b"canonical", b"example", b"test", b"line", b"foo", b"bar", b"a",
         b"I", b"x", b"1234", b"=?utf-8?q?caf=C3=A9?=", b"<html>", b"--", b"re:", b";", b"\"q\""]
UTF8 = ["Gr\u00fc\u00dfe", "na\u00efve", "caf\u00e9", "\u2014", "\u65e5\u672c\u8a9e",
        "\u0417\u0434\u0440\u0430\u0432\u0441\u0442\u0432\u0443\u0439\u0442\u0435",
        "\U0001F600", "\u00a0nbsp", "\u00c5ngstr\u00f6m"]
UTF8 = [u.encode() for u in UTF8]
NAMES = [b"Alice Example", b"Bob", b"\"Doe, Jane\"", b"Zo\xc3\xab \xc3\x85berg", b"", b"=?utf-8?q?J=C3=BCrgen?="]
LOCALS = [b"alice", b"bob", b"j.doe", b"first.last+tag", b"x", b"info", b"noreply"]


class Gen:
    def __init__(self, seed, idx):
        self.r = random.Random("dkimctl-differential:%s:%d" % (seed, idx))
        self.idx = idx
        self.tags = []
        self.utf8 = self.p(0.35)        # 8-bit UTF-8 in this message at all?

    def p(self, prob):
        return self.r.random() < prob

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def wsp(self, lo=1, hi=4):
        return bytes(self.pick(WSP) for _ in range(self.r.randint(lo, hi)))

    def word(self, utf8=0.0):
        if self.utf8 and self.p(utf8):
            return self.pick(UTF8)
        return self.pick(WORDS)

    def text(self, nwords, utf8=0.0, inner_wsp=0.1):
        out = b""
        for i in range(nwords):
            if i:
                out += self.wsp(2, 5) if self.p(inner_wsp) else b" "
            out += self.word(utf8)
        return out

    # -- header fields: list of (name, value) with value = the raw bytes after
    # the colon up to (not including) the final line break, folds as b"\n".
    def address(self, local=None):
        local = local or self.pick(LOCALS)
        dom = self.pick([b"example.com", b"example.org", b"mail.example.net"])
        name = self.name()
        return (name + b" <" if name else b"<") + local + b"@" + dom + b">"

    def name(self):
        name = self.pick(NAMES)
        return name if self.utf8 or name.isascii() else b"Zoe Aberg"

    def from_value(self):
        local = self.pick(LOCALS)
        # the local part ends in an alphanumeric byte: the header tamper changes it
        name = self.name()
        v = local + b"@example.com"
        if name or self.p(0.5):
            v = (name + b" " if name else b"") + b"<" + v + b">"
        return v

    def long_value(self, n):
        out = b""
        while len(out) < n:
            out += self.word(0.1) + b" "
        return out.rstrip()

    def fold(self, value):
        """Insert folds (line break + 1..4 WSP) at some of the spaces."""
        parts = value.split(b" ")
        if len(parts) < 2:
            return value
        out = parts[0]
        style = self.pick([b" ", b"\t", b"  ", b" \t ", b"\t\t", None])
        for w in parts[1:]:
            if self.p(0.3):
                out += b"\n" + (style if style is not None else self.wsp(1, 4)) + w
            else:
                out += b" " + w
        return out

    def fields(self):
        f = []
        many = self.p(0.08)
        if many:
            self.tags.append("many-fields")
        for i in range(self.r.choice([0, 0, 1, 2, 3, 6])):
            f.append((b"Received", b"from mx%d.example.net (mx%d.example.net [192.0.2.%d]) by mx.example.org;\n\tMon, 24 Nov 2025 10:00:%02d +0000" % (i, i, i + 1, i)))
        f.append((b"From", self.from_value()))
        if self.p(0.85):
            to = b", ".join(self.address() for _ in range(self.r.randint(1, 4 if not many else 30)))
            f.append((b"To", to))
        ncc = self.pick([0, 0, 1, 2])
        for _ in range(ncc):
            f.append((b"Cc", self.address()))
        if ncc == 2:
            self.tags.append("two-cc")
        if self.p(0.9):
            subj = self.text(self.r.randint(0, 12), utf8=0.25, inner_wsp=0.2)
            if self.p(0.1):
                subj = self.long_value(self.r.randint(200, 900))
            f.append((b"Subject", subj))
        if self.p(0.85):
            f.append((b"Date", b"Mon, 24 Nov 2025 10:%02d:00 +0000" % self.r.randrange(60)))
        if self.p(0.85):
            f.append((b"Message-ID", b"<diff.%d.%d@example.com>" % (self.idx, self.r.randrange(10**6))))
        if self.p(0.6):
            f.append((b"MIME-Version", b"1.0"))
            f.append((b"Content-Type", self.pick([b"text/plain; charset=utf-8", b"text/plain;\n charset=\"us-ascii\"", b"text/html; charset=UTF-8"])))
            if self.p(0.5):
                f.append((b"Content-Transfer-Encoding", self.pick([b"8bit", b"7bit", b"quoted-printable"])))
        if self.p(0.2):
            f.append((b"Reply-To", self.address()))
        if self.p(0.2):
            refs = b" ".join(b"<ref.%d@example.org>" % k for k in range(self.r.randint(1, 25)))
            f.append((b"In-Reply-To", b"<ref.0@example.org>"))
            f.append((b"References", refs))
        extra = self.r.randint(30, 90) if many else self.pick([0, 0, 1, 2, 4])
        for k in range(extra):
            name = self.pick([b"X-Mailer", b"X-Spam-Score", b"X-Test-%d" % k, b"Keywords", b"Comments", b"List-Id", b"X-Empty", b"X-Utf8"])
            if name == b"X-Empty":
                val = self.pick([b"", b" ", b"\t"])
            elif name == b"X-Utf8":
                val = self.text(self.r.randint(1, 6), utf8=0.7)
            else:
                val = self.text(self.r.randint(1, 8), utf8=0.05)
            f.append((name, val))
        if self.p(0.03):
            f.append((b"X-Long", self.long_value(self.r.randint(1000, 1400))))
            self.tags.append("long-header-line")
        if self.p(0.15):   # move some field to another place (still one From)
            i, j = self.r.randrange(len(f)), self.r.randrange(len(f))
            f.insert(j, f.pop(i))
        return f

    def header_bytes(self, fields):
        out = []
        odd = self.p(0.5)              # half the messages have plain header fields
        # "Name : v": in 1 of 10 messages; in a third of those only "From : v"
        # (dkimpy reads that one as an mbox From_ line, any other it refuses)
        before_colon = self.pick(["from", "any", "any"]) if odd and self.p(0.2) else None
        for name, value in fields:
            r = self.r.random() if odd else 1.0
            if r < 0.18:                    # odd case: lower, UPPER or mIxEd
                if r < 0.08:
                    name = name.lower()
                elif r < 0.13:
                    name = name.upper()
                else:
                    name = bytes(c ^ 0x20 if chr(c).isalpha() and self.p(0.5) else c for c in name)
                self.tags.append("odd-case-name")
            r = self.r.random() if odd else 0.0
            if value == b"":
                sep = self.pick([b":", b": "])
            elif (before_colon == "any" and self.p(0.3)) or (before_colon == "from" and name.lower() == b"from"):
                sep = self.wsp(1, 2) + self.pick([b": ", b":"])          # obs-optional
                self.tags.append("wsp-before-colon")
            elif r < 0.70:
                sep = b": "
            elif r < 0.80:
                sep = b":"
                self.tags.append("no-space-after-colon")
            elif r < 0.88:
                sep = b":" + self.wsp(2, 4)
                self.tags.append("wsp-after-colon")
            else:
                sep = b":\t"
            if b"\n" not in value and len(value) > 60 and self.p(0.5):
                value = self.fold(value)
            if b"\n" in value:
                self.tags.append("folded")
            line = name + sep + value
            if odd and self.p(0.06):
                line += self.wsp(1, 3)
                self.tags.append("header-trailing-wsp")
            out.append(line)
        return b"\n".join(out) + b"\n"

    # -- body: list of lines (without line breaks) + whether the last has one
    def body_line(self):
        r = self.r.random()
        if r < 0.12:
            return b""
        if r < 0.18:
            return self.wsp(1, 4)                                  # whitespace only
        line = self.text(self.r.randint(1, 14), utf8=0.15, inner_wsp=0.15)
        if self.p(0.08):
            line = self.wsp(1, 3) + line                            # leading WSP
        if self.p(0.04):
            line = self.pick([b"From ", b".", b"--", b"-- ", b">From "]) + line
        if self.p(0.15):
            line += self.wsp(1, 4)                                  # trailing WSP
        return line

    def body(self):
        r = self.r.random()
        if r < 0.06:
            self.tags.append("no-body-separator")
            return None, True
        if r < 0.12:
            self.tags.append("empty-body")
            return [], True
        if r < 0.20:
            self.tags.append("blank-lines-body")
            lines = [self.pick([b"", b"", self.wsp(1, 3)]) for _ in range(self.r.randint(1, 6))]
        else:
            lines = [self.body_line() for _ in range(self.r.randint(1, 25))]
            if self.p(0.04):
                lines.insert(self.r.randrange(len(lines) + 1), self.long_value(self.r.randint(999, 3000)))
                self.tags.append("long-body-line")
            if self.p(0.2):
                lines += [self.pick([b"", b"", self.wsp(1, 2)]) for _ in range(self.r.randint(1, 4))]
                self.tags.append("trailing-blank-lines")
        # the last line: whitespace only ~15%, text + trailing WSP ~15% (of all messages)
        r = self.r.random()
        if r < 0.19:
            lines.append(self.wsp(1, 4))
            self.tags.append("last-wsp-only")
        elif r < 0.36:
            lines.append(self.text(self.r.randint(1, 5), utf8=0.2) + self.wsp(1, 4))
            self.tags.append("last-trailing-wsp")
        terminated = not self.p(0.31)
        if not terminated and lines[-1] == b"":
            lines[-1] = self.text(self.r.randint(1, 3))   # an unterminated last line has bytes
        if not terminated:
            self.tags.append("last-unterminated")
        return lines, terminated

    def message(self):
        crlf = self.p(0.6)
        self.tags.append("crlf" if crlf else "lf")
        head = self.header_bytes(self.fields())
        if any(c >= 0x80 for c in head):
            self.tags.append("8bit-header")
        lines, terminated = self.body()
        msg = head
        if lines is not None:
            body = b"\n".join(lines) + (b"\n" if terminated and lines else b"")
            if any(c >= 0x80 for c in body):
                self.tags.append("8bit-body")
            msg += b"\n" + body
        if crlf:
            msg = msg.replace(b"\n", CRLF)
        return msg


def plan_line(idx, fname, msg, g):
    """Tab-separated: INDEX FILE TAGS A-CHOICES B-CHOICES MODEL
    A-CHOICES  for each of the 8 (c=, algorithm) cells dkimctl signs: the
               tamper kind (body|header), comma-separated in CELLS order
    B-CHOICES  per peer and c= (PEERS x CANONS order): ALGO/TAMPER, comma-sep.
               opendkim signs ed25519 only with relaxed header canon (its
               simple-header ed25519 is the named "cannot" of .ci/peers/sign),
               maildkim only rsa (no ed25519 in Mail::DKIM).
    MODEL      PEER/BC=TOKEN for each peer and body canon (see model_tokens)"""
    r = g.r
    a = ",".join(r.choice(["body", "header"]) for _ in range(8))
    b = []
    for p in PEERS:
        for c in CANONS:
            algo = r.choice(["rsa-sha256", "ed25519-sha256"])
            if p == "maildkim" or (p == "opendkim" and c.startswith("simple/")):
                algo = "rsa-sha256"
            b.append("%s/%s" % (algo, r.choice(["body", "header"])))
    toks = model_tokens(body_of(msg))
    model = ",".join("%s/%s=%s" % (p, bc, toks[(p, bc)]) for p in PEERS for bc in ("simple", "relaxed"))
    tags = ",".join(sorted(set(g.tags)))
    return "\t".join([str(idx), fname, tags, a, ",".join(b), model])


CANONS = ("simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed")


def cmd_gen(seed, count, outdir, first=0):
    os.makedirs(outdir, exist_ok=True)
    for idx in range(first, first + count):
        g = Gen(seed, idx)
        msg = g.message()
        fname = "m%04d.eml" % idx
        with open(os.path.join(outdir, fname), "wb") as f:
            f.write(msg)
        print(plan_line(idx, fname, msg, g))


def tamper(msg, kind):
    nl = CRLF if CRLF in msg else b"\n"
    m = re.search(rb"\r?\n\r?\n", msg)
    hdr_end = m.start() + 1 if m else len(msg)
    if msg.startswith(nl):
        hdr_end, m = 0, re.match(rb"\r?\n", msg)
    if kind == "header":
        # the last byte of the From address' local part (alphanumeric, see from_value)
        f = re.search(rb"(?im)^from[ \t]*:[^\n]*?([A-Za-z0-9])@example\.com", msg[:hdr_end])
        if f:
            i = f.start(1)
            return msg[:i] + (b"y" if msg[i:i + 1] == b"x" else b"x") + msg[i + 1:]
        kind = "body"
    if not m:
        return msg + nl + b"X" + nl          # header only: add a body
    start = m.end()
    a = re.compile(rb"[A-Za-z0-9]").search(msg, start)
    if a:
        i = a.start()
        return msg[:i] + (b"y" if msg[i:i + 1] == b"x" else b"x") + msg[i + 1:]
    return msg[:start] + b"X" + msg[start:]


def cmd_tamper():
    for line in sys.stdin.read().splitlines():
        kind, src, dst = line.split("\t")
        with open(src, "rb") as f:
            msg = f.read()
        out = tamper(msg, kind)
        assert out != msg
        with open(dst, "wb") as f:
            f.write(out)


def cmd_model(files):
    for fn in files:
        with open(fn, "rb") as f:
            body = body_of(f.read())
        print("%s: body %r" % (fn, body[-60:]))
        print("  rfc simple   %r" % rfc_simple(body)[-60:])
        print("  rfc relaxed  %r" % rfc_relaxed(body)[-60:])
        for (p, bc), (name, fn_) in QUIRKS.items():
            c = fn_(body)
            same = c == (rfc_simple if bc == "simple" else rfc_relaxed)(body)
            print("  %-8s %-7s %s" % (p, bc, "= rfc" if same else "%s: %r" % (name, c[-60:])))


def cmd_quirks(files):
    for fn in files:
        with open(fn, "rb") as f:
            toks = model_tokens(body_of(f.read()))
        for (p, bc), tok in sorted(toks.items()):
            if tok != "rfc":
                print(fn, p, bc, tok.split("@")[0])


def main(argv):
    if len(argv) in (5, 6) and argv[1] == "gen":
        cmd_gen(argv[2], int(argv[3]), argv[4], int(argv[5]) if len(argv) == 6 else 0)
    elif len(argv) == 2 and argv[1] == "tamper":
        cmd_tamper()
    elif len(argv) >= 3 and argv[1] == "model":
        cmd_model(argv[2:])
    elif len(argv) >= 2 and argv[1] == "quirks":
        cmd_quirks(argv[2:])
    else:
        print("usage: genmsg.py gen SEED COUNT OUTDIR [FIRST] | tamper < LIST | model FILE... | quirks FILE...",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
