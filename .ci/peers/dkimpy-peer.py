#!/usr/bin/python3
# dkimpy-peer.py -- dkimpy (python3-dkim) backend for .ci/peers/{sign,verify}.
# Must run under Debian's /usr/bin/python3 (a pyenv/venv python won't see python3-dkim).
#
#   dkimpy-peer.py sign KEYFILE DOMAIN SELECTOR CANON ALGO < msg > signed_msg
#   dkimpy-peer.py verify ZONEFILE < msg      (prints "RESULT d=.. s=.." per signature)
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
import re
import sys

import dkim
from dkim.util import parse_tag_value

EXIT_UNSUPPORTED = 4


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


def sign(keyfile, domain, selector, canon, algo):
    msg = crlf(sys.stdin.buffer.read())
    with open(keyfile, "rb") as f:
        key = f.read()
    if algo == "ed25519-sha256":
        key = ed25519_seed_b64(key)
    hc, _, bc = canon.partition("/")
    sig = dkim.sign(msg, selector.encode(), domain.encode(), key,
                    canonicalize=(hc.encode(), (bc or "simple").encode()),
                    signature_algorithm=algo.encode())
    sys.stdout.buffer.write(sig + msg)
    return 0


def verify(zonefile):
    zone = read_zone(zonefile)

    def dnsfunc(name, timeout=5):
        if isinstance(name, str):
            name = name.encode()
        return zone.get(name.rstrip(b".").lower())  # None => no key

    msg = crlf(sys.stdin.buffer.read())
    d = dkim.DKIM(msg, minkey=1024)
    sigs = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
    if not sigs:
        print("dkimpy-peer: no DKIM-Signature", file=sys.stderr)
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
            print(f"dkimpy-peer: sig {idx}: {why}", file=sys.stderr)
        print(f"{res} d={dom} s={sel}")
        npass += res == "pass"
    return 0 if npass == len(sigs) else 1


def main(argv):
    if len(argv) == 7 and argv[1] == "sign":
        return sign(*argv[2:])
    if len(argv) == 3 and argv[1] == "verify":
        return verify(argv[2])
    print(__doc__ or "usage: dkimpy-peer.py sign|verify ...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
