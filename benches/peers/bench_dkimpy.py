#!/usr/bin/python3
# bench_dkimpy.py KEYFILE ZONEFILE SIGNED UNSIGNED DOMAIN SELECTOR SECONDS
# In-process dkimpy loops (see bench.sh). Prints "dkimpy sign|verify RATE msg/s".
import re
import sys
import time

import dkim


def crlf(b):
    return re.sub(rb"\r?\n", b"\r\n", b)


def read_zone(path):
    zone = {}
    for line in open(path, "rb"):
        line = line.strip()
        if not line or line.startswith(b";"):
            continue
        m = re.match(rb"(\S+)\s.*?\bTXT\b(.*)$", line, re.I)
        if m:
            parts = re.findall(rb'"((?:[^"\\]|\\.)*)"', m.group(2))
            zone[m.group(1).rstrip(b".").lower()] = b"".join(re.sub(rb"\\(.)", rb"\1", p) for p in parts)
    return zone


def loop(fn, seconds):
    fn()  # warm-up, and fail fast if it doesn't work
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        dt = time.perf_counter() - t0
        if dt >= seconds:
            return n / dt


def main(keyfile, zonefile, signed, unsigned, domain, selector, seconds):
    key = open(keyfile, "rb").read()
    zone = read_zone(zonefile)
    signed = crlf(open(signed, "rb").read())
    unsigned = crlf(open(unsigned, "rb").read())
    seconds = float(seconds)
    dnsfunc = lambda name, timeout=5: zone.get(name.rstrip(b".").lower())

    def sign():
        dkim.sign(unsigned, selector.encode(), domain.encode(), key,
                  canonicalize=(b"relaxed", b"relaxed"))

    def verify():
        if not dkim.verify(signed, dnsfunc=dnsfunc):
            raise SystemExit("bench_dkimpy: SIGNED_MESSAGE does not verify")

    print(f"dkimpy sign {loop(sign, seconds):.1f} msg/s", flush=True)
    print(f"dkimpy verify {loop(verify, seconds):.1f} msg/s", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 8:
        sys.exit("usage: bench_dkimpy.py KEYFILE ZONEFILE SIGNED UNSIGNED DOMAIN SELECTOR SECONDS")
    main(*sys.argv[1:])
