#!/usr/bin/python3
# dkimpy-peer.py -- dkimpy (python3-dkim) backend for .ci/peers/{sign,verify}.
# Must run under Debian's /usr/bin/python3 (a pyenv/venv python won't see python3-dkim).
#
#   dkimpy-peer.py sign KEYFILE DOMAIN SELECTOR CANON ALGO < msg > signed_msg
#   dkimpy-peer.py verify ZONEFILE < msg      (prints "RESULT d=.. s=.." per signature)
#   dkimpy-peer.py sign-batch KEYFILE DOMAIN SELECTOR CANON ALGO OUTDIR FILE...
#   dkimpy-peer.py verify-batch ZONEFILE FILE...
#       The same for many messages in one process (.ci/differential.sh):
#       sign-batch writes OUTDIR/<basename of FILE>; both print one record per
#       FILE, "EXIT<TAB>FILE<TAB>STDOUT<TAB>STDERR", what the single form gives
#       for that message (lines joined by " | "); exit 0 unless usage error.
#
# Exit 4 + "unsupported" on stderr: a header field with WSP before its colon
# ("Subject : x", RFC 5322 obs-optional, which RFC 6376 3.4.2 relaxed header
# canonicalization provides for): dkimpy's rfc822_parse (field name regex
# "[\x21-\x7e]+?:") raises MessageFormatError on it, so it can neither sign
# nor verify such a message.  Except "From : x": a line starting "From " is
# taken for an mbox From_ line and silently dropped, so dkimpy sees no From
# field -- signing then fails (unsupported too) and verifying fails, which
# .ci/differential.sh asserts as a named dkimpy bug (Mail::DKIM, libopendkim
# and dkimctl take it for the From field).
#
# Line endings: input is normalised to CRLF first and output is CRLF.  (dkimpy
# itself accepts bare-LF messages -- rfc822_parse splits on \r?\n and the
# canonicalisers emit CRLF -- but dkim.sign() returns a CRLF-folded header,
# so prepending it to an LF message would give mixed line endings.)
# Signed headers: dkimpy default = RFC 6376 "SHOULD" list present in the message,
# with From oversigned (h= lists "from" twice).
# ed25519: dkim.sign() wants the base64 32-byte seed, not PEM; we extract it
# from the PKCS#8 PEM (last 32 bytes of the 48-byte DER).
import base64
import io
import os
import re
import sys
import traceback

import dkim
from dkim.util import parse_tag_value

EXIT_UNSUPPORTED = 4
# a header field line (not a continuation) whose name is followed by WSP, then ":"
WSP_BEFORE_COLON = re.compile(rb"^[\x21-\x39\x3b-\x7e]+[ \t]+:", re.M)


class Unsupported(Exception):
    pass


def check_parse_error(msg, e):
    """Turn dkimpy's failures on a WSP-before-colon field into Unsupported."""
    head = re.split(rb"\r\n\r\n", msg, maxsplit=1)[0]
    if isinstance(e, dkim.MessageFormatError) and WSP_BEFORE_COLON.search(head):
        raise Unsupported("dkimpy cannot parse a header field with WSP before the colon "
                          "(RFC 5322 obs-optional): %s" % e) from e
    if isinstance(e, dkim.ParameterError) and re.search(rb"(?m)^From [ \t]*:", head):
        raise Unsupported("dkimpy takes a 'From :' field for an mbox 'From ' line and "
                          "finds no From field: %s" % e) from e


def crlf(msg):
    return re.sub(rb"\r?\n", b"\r\n", msg)


def read_zone(path):
    """Return {lowercased name without trailing dot: TXT data (strings joined)}."""
    zone = {}
    with open(path, "rb") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(b";"):
                continue
            m = re.match(rb"(\S+)\s.*?\bTXT\b(.*)$", line, re.I)
            if not m:
                continue
            parts = re.findall(rb'"((?:[^"\\]|\\.)*)"', m.group(2))
            data = b"".join(re.sub(rb"\\(.)", rb"\1", p) for p in parts)
            zone[m.group(1).rstrip(b".").lower()] = data
    return zone


def ed25519_seed_b64(pem):
    der = base64.b64decode(b"".join(l for l in pem.splitlines() if not l.startswith(b"-----")))
    if len(der) != 48 or der[-34:-32] != b"\x04\x20":
        raise SystemExit("dkimpy-peer: not an Ed25519 PKCS#8 private key")
    return base64.b64encode(der[-32:])


def sign(msg, keyfile, domain, selector, canon, algo):
    """Return the signed message (CRLF)."""
    msg = crlf(msg)
    with open(keyfile, "rb") as f:
        key = f.read()
    if algo == "ed25519-sha256":
        key = ed25519_seed_b64(key)
    hc, _, bc = canon.partition("/")
    try:
        sig = dkim.sign(msg, selector.encode(), domain.encode(), key,
                        canonicalize=(hc.encode(), (bc or "simple").encode()),
                        signature_algorithm=algo.encode())
    except (dkim.MessageFormatError, dkim.ParameterError) as e:
        check_parse_error(msg, e)
        raise
    return sig + msg


def verify(msg, zone, out, err):
    """Verify every signature of MSG, print results to OUT; return the exit code."""

    def dnsfunc(name, timeout=5):
        if isinstance(name, str):
            name = name.encode()
        return zone.get(name.rstrip(b".").lower())  # None => no key

    msg = crlf(msg)
    try:
        d = dkim.DKIM(msg, minkey=1024)
    except dkim.MessageFormatError as e:
        check_parse_error(msg, e)
        raise
    sigs = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
    if not sigs:
        print("dkimpy-peer: no DKIM-Signature", file=err)
        return 1
    npass = 0
    for idx, raw in enumerate(sigs):
        why = None
        try:
            tags = parse_tag_value(raw)
        except Exception:
            tags = {}
        dom = tags.get(b"d", b"").decode(errors="replace")
        sel = tags.get(b"s", b"").decode(errors="replace")
        try:
            # d.verify() logs and returns False on key problems; look the key
            # up first so a missing/bad key is reported as permerror, not fail.
            dkim.load_pk_from_dns(tags.get(b"s", b"") + b"._domainkey." + tags.get(b"d", b""),
                                  dnsfunc)
            res = "pass" if d.verify(idx=idx, dnsfunc=dnsfunc) else "fail"
        except dkim.DnsTimeoutError as e:
            res, why = "temperror", e
        except dkim.ValidationError as e:  # body hash mismatch is a plain fail
            res = "fail" if "body hash mismatch" in str(e) else "permerror"
            why = e
        except dkim.DKIMException as e:  # bad/missing key, bad tags, ...
            res, why = "permerror", e
        except Exception as e:  # unexpected: report, treat as temporary
            res, why = "temperror", repr(e)
        if res != "pass" and why:
            print(f"dkimpy-peer: sig {idx}: {why}", file=err)
        print(f"{res} d={dom} s={sel}", file=out)
        npass += res == "pass"
    return 0 if npass == len(sigs) else 1


def record_field(text):
    return text.rstrip("\n").replace("\t", " ").replace("\r", " ").replace("\n", " | ")


def batch(files, run):
    """run(msg, out, err) -> exit code, per file; print one record each."""
    for fn in files:
        out, err = io.StringIO(), io.StringIO()
        try:
            with open(fn, "rb") as f:
                msg = f.read()
            rc = run(fn, msg, out, err)
        except Unsupported as e:
            rc = EXIT_UNSUPPORTED
            print("unsupported: %s" % e, file=err)
        except Exception:           # what an uncaught exception does alone: exit 1
            rc = 1
            err.write(traceback.format_exc().strip().splitlines()[-1])
        print("%d\t%s\t%s\t%s" % (rc, fn, record_field(out.getvalue()), record_field(err.getvalue())))
    return 0


def main(argv):
    try:
        if len(argv) == 7 and argv[1] == "sign":
            sys.stdout.buffer.write(sign(sys.stdin.buffer.read(), *argv[2:]))
            return 0
        if len(argv) == 3 and argv[1] == "verify":
            return verify(sys.stdin.buffer.read(), read_zone(argv[2]), sys.stdout, sys.stderr)
    except Unsupported as e:
        print("unsupported: %s" % e, file=sys.stderr)
        return EXIT_UNSUPPORTED
    if len(argv) >= 8 and argv[1] == "sign-batch":
        args, outdir = argv[2:7], argv[7]

        def run_sign(fn, msg, out, err):
            signed = sign(msg, *args)
            with open(os.path.join(outdir, os.path.basename(fn)), "wb") as f:
                f.write(signed)
            return 0
        return batch(argv[8:], run_sign)
    if len(argv) >= 3 and argv[1] == "verify-batch":
        zone = read_zone(argv[2])
        return batch(argv[3:], lambda fn, msg, out, err: verify(msg, zone, out, err))
    print("usage: dkimpy-peer.py sign KEYFILE DOMAIN SELECTOR CANON ALGO | verify ZONEFILE"
          " | sign-batch KEYFILE DOMAIN SELECTOR CANON ALGO OUTDIR FILE... | verify-batch ZONEFILE FILE...",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
