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
# ARC (RFC 8617), for .ci/arc-interop.sh -- the wrapper contract shared with
# maildkim-peer.pl:
#   dkimpy-peer.py arc-seal IN OUT --domain D --selector S --key K --authserv-id ID
#                  --zone Z [--now T]
#       Adds one ARC set (AAR, AMS, AS of instance N+1) on top of IN, written to
#       OUT (CRLF).  The seal's cv= is the arc= result of IN's Authentication-
#       Results fields whose authserv-id is ID (dkimpy reads it there: the
#       caller writes that field first, as an MTA would); --zone is accepted
#       for the uniform contract and unused.  The algorithm follows the key:
#       RSA PEM -> rsa-sha256, Ed25519 PKCS#8 PEM -> ed25519-sha256.
#       Exit 0 sealed, 1 dkimpy sealed nothing (no such Authentication-Results,
#       chain terminated; reason on stderr), 2 usage or unreadable input.
#   dkimpy-peer.py arc-verify IN --zone Z
#       Prints "cv=pass", "cv=fail" or "cv=none" (the reason on stderr); exit 0
#       for cv=pass, 1 otherwise, 2 usage or unreadable input, 4 unsupported
#       (see below).  dkim.arc_verify() answers None for "a seal says cv=fail,
#       the chain is terminated": printed as cv=fail (RFC 8617 5.2 step 2).
#   dkimpy-peer.py arc-seal-batch --domain D --selector S --key K --authserv-id ID
#                  --zone Z [--now T] IN OUT [IN OUT ...]
#   dkimpy-peer.py arc-verify-batch --zone Z FILE...
#       The same for many messages in one process (importing dkimpy costs
#       ~0.4 s): one record per message, "EXIT<TAB>IN<TAB>STDOUT<TAB>STDERR".
# The library, not Debian's /usr/bin/arcsign and arcverify: arcverify looks
# keys up in live DNS (no dnsfunc), arcsign takes no --now/zone and prints
# debug logging; both wrap the same dkim.ARC used here.
# dkimpy 1.1.4's dkim.arc_sign() always passes signature_algorithm=rsa-sha256,
# so the wrapper uses dkim.ARC directly; and ARC.sign() parses every key with
# the RSA PEM parser although its signing code (gen_header) has the ed25519
# branch, so for an Ed25519 key the wrapper hands ARC.sign the nacl signing
# key in place of that parse; and dkimpy's ARC verification checks a= against
# its table ARC_HASH_ALGORITHMS, which lists rsa-sha256 only, although the
# verify_sig() it then calls (the one its DKIM verify uses) verifies
# ed25519-sha256: the wrapper adds ed25519-sha256 -> sha256 to that table.
# Nothing else of dkimpy is changed: canonicalization, hashing, signing and
# verifying are dkimpy's own code.  (Both are needed for any Ed25519 ARC hop;
# RFC 8617 4.1.2 and 4.1.3 take a= from DKIM, where RFC 8463 registers
# ed25519-sha256.)
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


def zone_dnsfunc(zone):
    """A dkimpy dnsfunc answering TXT queries from a read_zone() dict."""

    def dnsfunc(name, timeout=5):
        if isinstance(name, str):
            name = name.encode()
        return zone.get(name.rstrip(b".").lower())  # None => no key

    return dnsfunc


def verify(msg, zone, out, err):
    """Verify every signature of MSG, print results to OUT; return the exit code."""
    dnsfunc = zone_dnsfunc(zone)
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

class Declined(Exception):
    """The sealer added nothing (exit 1)."""


def is_ed25519_pem(pem):
    try:
        der = base64.b64decode(b"".join(l for l in pem.splitlines() if not l.startswith(b"-----")))
    except ValueError:
        return False
    return len(der) == 48 and b"\x06\x03\x2b\x65\x70" in der[:16]  # OID 1.3.101.112


def arc_seal(msg, opts):
    """Return MSG (CRLF) with a new ARC set on top."""
    msg = crlf(msg)
    with open(opts.key, "rb") as f:
        key = f.read()
    ed = is_ed25519_pem(key)
    arc = dkim.ARC(msg, signature_algorithm=b"ed25519-sha256" if ed else b"rsa-sha256",
                   linesep=b"\r\n")
    real_parse = dkim.parse_pem_private_key
    if ed:
        import nacl.encoding
        import nacl.signing
        seed = ed25519_seed_b64(key)
        dkim.parse_pem_private_key = lambda _pem: nacl.signing.SigningKey(
            seed, encoder=nacl.encoding.Base64Encoder)
    try:
        fields = arc.sign(opts.selector.encode(), opts.domain.encode(), key,
                          opts.authserv_id.encode(), timestamp=opts.now)
    except (dkim.MessageFormatError, dkim.ParameterError) as e:
        check_parse_error(msg, e)
        raise
    finally:
        dkim.parse_pem_private_key = real_parse
    if not fields:
        raise Declined("dkimpy added no ARC set (no Authentication-Results field of %s, "
                       "or an arc= result that ends the chain)" % opts.authserv_id)
    return b"".join(fields) + msg


def arc_verify(msg, zone, out, err):
    """Validate MSG's ARC chain; print cv=...; return the exit code."""
    msg = crlf(msg)
    dkim.ARC_HASH_ALGORITHMS.setdefault(b"ed25519-sha256", dkim.HASH_ALGORITHMS[b"ed25519-sha256"])
    try:
        dkim.DKIM(msg)  # parses like ARC() does, to name the cases dkimpy cannot parse
    except dkim.MessageFormatError as e:
        check_parse_error(msg, e)
    cv, results, reason = dkim.arc_verify(msg, dnsfunc=zone_dnsfunc(zone), minkey=1024)
    cv = {dkim.CV_Pass: "pass", dkim.CV_None: "none"}.get(cv, "fail")
    print("cv=%s" % cv, file=out)
    if cv != "pass":
        print("dkimpy-peer: %s" % reason, file=err)
    return 0 if cv == "pass" else 1


def parse_arc_seal(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="dkimpy-peer.py arc-seal")
    ap.add_argument("files", nargs="*")
    for opt in ("--domain", "--selector", "--key", "--authserv-id", "--zone"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--now", type=int)
    return ap.parse_args(argv)


def parse_arc_verify(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="dkimpy-peer.py arc-verify")
    ap.add_argument("files", nargs="*")
    ap.add_argument("--zone", required=True)
    return ap.parse_args(argv)


def arc_main(cmd, argv):
    """The arc-* subcommands; returns the exit code."""
    if cmd in ("arc-seal", "arc-seal-batch"):
        opts = parse_arc_seal(argv)
        pairs = list(zip(opts.files[0::2], opts.files[1::2]))
        if len(opts.files) % 2 or not pairs or (cmd == "arc-seal" and len(pairs) != 1):
            print("dkimpy-peer.py %s: want IN OUT%s" % (cmd, " [IN OUT ...]" if cmd != "arc-seal" else ""),
                  file=sys.stderr)
            return 2

        def run_seal(fn, msg, out, err):
            try:
                sealed = arc_seal(msg, opts)
            except Declined as e:
                print("dkimpy-peer: %s" % e, file=err)
                return 1
            with open(dict(pairs)[fn], "wb") as f:
                f.write(sealed)
            return 0
        if cmd == "arc-seal":
            return single(pairs[0][0], run_seal)
        return batch([i for i, _ in pairs], run_seal)
    opts = parse_arc_verify(argv)
    if not opts.files or (cmd == "arc-verify" and len(opts.files) != 1):
        print("dkimpy-peer.py %s: want %s" % (cmd, "IN" if cmd == "arc-verify" else "FILE..."), file=sys.stderr)
        return 2
    zone = read_zone(opts.zone)
    run = lambda fn, msg, out, err: arc_verify(msg, zone, out, err)  # noqa: E731
    if cmd == "arc-verify":
        return single(opts.files[0], run)
    return batch(opts.files, run)


def single(fn, run):
    """run(fn, msg, out, err) for one file, printing to stdout/stderr; the exit code."""
    try:
        with open(fn, "rb") as f:
            msg = f.read()
    except OSError as e:
        print("dkimpy-peer: %s" % e, file=sys.stderr)
        return 2
    try:
        return run(fn, msg, sys.stdout, sys.stderr)
    except Unsupported as e:
        print("unsupported: %s" % e, file=sys.stderr)
        return EXIT_UNSUPPORTED


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
    if len(argv) >= 2 and argv[1] in ("arc-seal", "arc-verify", "arc-seal-batch", "arc-verify-batch"):
        return arc_main(argv[1], argv[2:])
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
          " | sign-batch KEYFILE DOMAIN SELECTOR CANON ALGO OUTDIR FILE... | verify-batch ZONEFILE FILE..."
          " | arc-seal IN OUT --domain D --selector S --key K --authserv-id ID --zone Z [--now T]"
          " | arc-verify IN --zone Z | arc-seal-batch OPTIONS IN OUT... | arc-verify-batch --zone Z FILE...",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
