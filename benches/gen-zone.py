#!/usr/bin/env python3
"""gen-zone.py -- a large, clean, realistic master file for benches/lint.sh.

    benches/gen-zone.py [--records N] [--seed S] [--origin NAME] [-o FILE]

Writes an RFC 1035 master file for `bench.example.` (by default) holding
exactly N resource records (default 1,000,000, the apex SOA/NS and their name
servers included): $ORIGIN and $TTL, then a realistic mix of

    A ~40%, AAAA ~5%, MX ~10%, plain TXT ~15% (SPF, DMARC, verification
    tokens), CNAME ~15% (relative targets inside the zone and absolute ones
    outside it), DKIM key TXT ~10% at <selector>._domainkey.<host> (a real
    2048-bit RSA key split into two quoted strings of at most 255 bytes, on
    one line or over several lines in parentheses), and Easy DKIM CNAMEs ~5%
    (<token>._domainkey.<host> CNAME <token>.dkim.amazonses.com.).

The zone is clean: every owner is unique where it must be (a CNAME owner has
no other data, a DKIM owner holds one key), MX and NS targets are in-zone
hosts with addresses, no record is duplicated, and named-checkzone accepts it
without a warning. Output depends only on --records, --seed and --origin.
A summary by kind goes to standard error. Python 3 standard library only.
"""

import argparse
import random
import sys

# fixtures/keys/rsa2048.pub.pem (a test key, never used for real mail).
RSA2048_SPKI = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4MDEHrruwtlNbbk6h54ZB3k9RVWR1fbom"
    "Hf1+2CGu8wmINmqbmIfwBS04B383jTTdDdnUpWOQY/LRt41NFiIIYPPjwMOh19iWDJ/j2aDgLt2e"
    "IaPx1PpimbD7xruueaXS4VmBPycY/V5S/6BwMNqk/uZfhUaI/AbD4l2A0FJnyAT8Di+bzHwTt4jM"
    "pLDZc2mfwxeDwvlvfQj9QO6oCYt0Wnm4yrTQvLxI3TSY5rZOzZwh58pGJ+ox/qbyj2yo0SmtnBvi"
    "a5pejt3VPqHqR5T386W8nsJap96AJH0wUCyremjuGrqEK6dYOQ0MdxzkTdslWVF79clgZ5wzXI5F"
    "9SOfQIDAQAB"
)

# Record kinds and their share of the body, in percent.
WEIGHTS = [
    ("a", 40),
    ("aaaa", 5),
    ("mx", 10),
    ("txt", 15),
    ("cname", 15),
    ("dkim", 10),
    ("easydkim", 5),
]
# Records one pick of a kind writes (Easy DKIM: three CNAMEs).
GROUP = {"easydkim": 3}

HOST_WORDS = ["web", "app", "api", "db", "vpn", "node", "srv", "edge", "git",
              "ci", "smtp", "relay", "lb", "cache", "files", "auth", "mon"]
ALIAS_WORDS = ["www", "cdn", "blog", "shop", "docs", "status", "static",
               "assets", "portal", "help", "media", "login"]
DOMAIN_WORDS = ["corp", "dept", "team", "brand", "news", "mkt", "billing",
                "support", "sales", "ops"]
SELECTORS = ["s1", "s2", "google", "selector1", "selector2", "k1", "mail",
             "dkim", "s2048", "default"]
EXTERNAL = ["{}.cloudfront.net.", "{}.azurewebsites.net.", "{}.herokudns.com.",
            "{}.github.io.", "{}.netlify.app."]
B32 = "abcdefghijklmnopqrstuvwxyz234567"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
URLSAFE = B64[:62] + "-_"


def dkim_strings(rng):
    """The key record's two character-strings, each at most 255 bytes."""
    head = rng.choice(["v=DKIM1; k=rsa; p=", "v=DKIM1; k=rsa; p=",
                       "v=DKIM1; h=sha256; k=rsa; p="])
    value = head + RSA2048_SPKI
    style = rng.random()
    if style < 0.5:
        cut = 255                      # what most DNS UIs do
    elif style < 0.8:
        cut = len(head) + 200          # split inside the key, shorter first
    else:
        cut = len(head)                # tags in one string, the key in the other
        if len(value) - cut > 255:
            cut = len(value) - 255
    first, second = value[:cut], value[cut:]
    assert 0 < len(first) <= 255 and 0 < len(second) <= 255
    return '"{}"'.format(first), '"{}"'.format(second)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000,
                    help="resource records in the file, apex included (default 1000000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--origin", default="bench.example.",
                    help="zone origin (default bench.example.)")
    ap.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    args = ap.parse_args()
    origin = args.origin if args.origin.endswith(".") else args.origin + "."
    if args.records < 16:
        ap.error("--records must be at least 16")

    rng = random.Random(args.seed)
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="ascii")
    buf = []
    counts = {k: 0 for k, _ in WEIGHTS}
    counts["apex"] = 0

    def emit(text, kind, n=1):
        buf.append(text)
        counts[kind] += n
        if len(buf) >= 4096:
            out.write("".join(buf))
            buf.clear()

    buf.append("; benchmark zone: benches/gen-zone.py --records {} --seed {} --origin {}\n"
               "; valid DNS and free of DKIM mistakes: `dkimctl lint` must exit 0.\n"
               "$ORIGIN {}\n$TTL 3600\n".format(args.records, args.seed, origin, origin))
    emit("@\tIN SOA\tns1 hostmaster (\n\t\t2026010101 ; serial\n\t\t7200 3600 1209600\n"
         "\t\t300 )\t; negative TTL\n", "apex")
    emit("\tIN NS\tns1\n", "apex")
    emit("\tIN NS\tns2\n", "apex")
    emit("ns1\tIN A\t192.0.2.1\n", "apex")
    emit("ns2\tIN A\t192.0.2.2\n", "apex")
    remaining = args.records - counts["apex"]

    kinds = [k for k, _ in WEIGHTS]
    cum = []
    total = 0
    for k, w in WEIGHTS:
        total += w / GROUP.get(k, 1)
        cum.append(total)

    uid = 0                     # suffix making every new owner unique
    hosts = ["ns1", "ns2"]      # owners with addresses: MX and CNAME targets
    v4 = 0                      # A counter: 10.0.0.0/8, every address unique
    v6 = 0
    prev = None                 # (owner, kind, addresses, ttl) of the last record
    dom = None                  # the current mail domain and what it holds

    def new_owner(words):
        nonlocal uid
        uid += 1
        return "{}-{}".format(rng.choice(words), uid)

    def new_ttl():
        """A TTL for a new owner: one TTL per RRset, as BIND wants."""
        r = rng.random()
        return 300 if r < 0.08 else 86400 if r < 0.12 else None   # None: $TTL

    def ttl_class(ttl=None):
        """TTL and class as written: either order, either omitted."""
        r = rng.random()
        if ttl is None:
            return "" if r < 0.2 else "IN"
        return "{}\tIN".format(ttl) if r < 0.6 else "IN {}".format(ttl) if r < 0.9 else str(ttl)

    def token(alphabet, n):
        return "".join(rng.choice(alphabet) for _ in range(n))

    def new_domain():
        nonlocal dom
        dom = {"name": new_owner(DOMAIN_WORDS), "ttl": new_ttl(), "mx": 0, "spf": False,
               "dmarc": False, "ses": False, "gsv": False, "sel": 0,
               "easy": False}
        return dom

    while remaining > 0:
        x = rng.random() * total
        kind = kinds[next(i for i, c in enumerate(cum) if x < c)]

        if kind == "a":
            v4 += 1
            ip = "10.{}.{}.{}".format((v4 >> 16) & 255, (v4 >> 8) & 255, v4 & 255)
            if prev and prev[1] == "a" and prev[2] < 3 and rng.random() < 0.15:
                # a second address: blank owner, same TTL
                emit("\t{} A\t{}\n".format(ttl_class(prev[3]), ip), "a")
                prev = (prev[0], "a", prev[2] + 1, prev[3])
            else:
                owner, ttl = new_owner(HOST_WORDS), new_ttl()
                hosts.append(owner)
                emit("{}\t{} A\t{}\n".format(owner, ttl_class(ttl), ip), "a")
                prev = (owner, "a", 1, ttl)
            remaining -= 1

        elif kind == "aaaa":
            v6 += 1
            ip = "2001:db8:{:x}:{:x}::{:x}".format(v6 >> 16, v6 & 0xFFFF, rng.randrange(1, 0xFFFF))
            if prev and prev[1] == "a" and rng.random() < 0.7:
                emit("\t{} AAAA\t{}\n".format(ttl_class(prev[3]), ip), "aaaa")
                prev = (prev[0], "aaaa", 0, prev[3])
            else:
                owner, ttl = new_owner(HOST_WORDS), new_ttl()
                hosts.append(owner)
                emit("{}\t{} AAAA\t{}\n".format(owner, ttl_class(ttl), ip), "aaaa")
                prev = (owner, "aaaa", 0, ttl)
            remaining -= 1

        elif kind == "mx":
            if dom is None or dom["mx"] >= 3 or rng.random() < 0.5:
                new_domain()
            dom["mx"] += 1
            # preferences 10, 20, 30: never a duplicated record
            target = hosts[-1 - rng.randrange(min(len(hosts), 5000))]
            line = "{} MX\t{} {}\n".format(ttl_class(dom["ttl"]), dom["mx"] * 10, target)
            emit(("\t" if prev and prev[0] == dom["name"] else dom["name"] + "\t") + line, "mx")
            prev = (dom["name"], "mx", 0, dom["ttl"])
            remaining -= 1

        elif kind == "txt":
            d = dom
            if d is not None and not d["spf"]:
                d["spf"] = True
                text = '"v=spf1 mx ip4:10.{}.{}.0/24 include:amazonses.com ~all"'.format(
                    rng.randrange(256), rng.randrange(256))
                line = "{} TXT\t{}\n".format(ttl_class(d["ttl"]), text)
                emit(("\t" if prev and prev[0] == d["name"] else d["name"] + "\t") + line, "txt")
                prev = (d["name"], "txt", 0, d["ttl"])
            elif d is not None and not d["dmarc"]:
                d["dmarc"] = True
                owner = "_dmarc." + d["name"]
                emit('{}\t{} TXT\t"v=DMARC1; p=quarantine; rua=mailto:dmarc@{}.{}; adkim=r; aspf=r"\n'
                     .format(owner, ttl_class(new_ttl()), d["name"], origin.rstrip(".")), "txt")
                prev = (owner, "txt", 0, None)
            elif d is not None and not d["ses"]:
                d["ses"] = True
                owner = "_amazonses." + d["name"]
                emit('{}\t{} TXT\t"{}="\n'.format(owner, ttl_class(new_ttl()), token(B64, 43)), "txt")
                prev = (owner, "txt", 0, None)
            elif d is not None and not d["gsv"]:
                # a second string in the domain's TXT set (the SPF one's TTL)
                d["gsv"] = True
                emit('{}\t{} TXT\t"google-site-verification={}"\n'.format(
                    d["name"], ttl_class(d["ttl"]), token(URLSAFE, 43)), "txt")
                prev = (d["name"], "txt", 0, d["ttl"])
            else:
                owner = "_acme-challenge." + new_owner(HOST_WORDS)
                emit('{}\t{} TXT\t"{}"\n'.format(owner, ttl_class(new_ttl()), token(URLSAFE, 43)), "txt")
                prev = (owner, "txt", 0, None)
            remaining -= 1

        elif kind == "cname":
            owner = new_owner(ALIAS_WORDS)
            r = rng.random()
            if r < 0.55:    # relative, to a host in the zone
                target = hosts[-1 - rng.randrange(min(len(hosts), 20000))]
            elif r < 0.6:   # absolute, in the zone
                target = "{}.{}".format(rng.choice(hosts[-1000:]), origin)
            else:           # absolute, outside the zone
                target = rng.choice(EXTERNAL).format(token(B32[:26] + "0123456789", 12))
            emit("{}\t{} CNAME\t{}\n".format(owner, ttl_class(new_ttl()), target), "cname")
            prev = (owner, "cname", 0, None)
            remaining -= 1

        elif kind == "dkim":
            if dom is None or dom["sel"] >= len(SELECTORS):
                new_domain()
            owner = "{}._domainkey.{}".format(SELECTORS[dom["sel"]], dom["name"])
            dom["sel"] += 1
            first, second = dkim_strings(rng)
            tc = ttl_class(new_ttl())
            style = rng.random()
            if style < 0.4:         # one line, two strings
                emit("{}\t{} TXT\t{} {}\n".format(owner, tc, first, second), "dkim")
            elif style < 0.75:      # two lines in parentheses
                emit("{}\t{} TXT\t( {}\n\t\t{} )\n".format(owner, tc, first, second), "dkim")
            else:                   # four lines, a comment after the parenthesis
                emit("{}\t{} TXT\t( ; 2048-bit key\n\t\t{}\n\t\t{}\n\t\t)\n".format(
                    owner, tc, first, second), "dkim")
            prev = (owner, "dkim", 0, None)
            remaining -= 1

        elif kind == "easydkim":    # SES publishes three tokens per identity
            if dom is None or dom["easy"]:
                new_domain()
            dom["easy"] = True
            n = min(3, remaining)
            for _ in range(n):
                tok = token(B32, 32)
                emit("{}._domainkey.{}\t{} CNAME\t{}.dkim.amazonses.com.\n".format(
                    tok, dom["name"], ttl_class(new_ttl()), tok), "easydkim")
            prev = (None, "easydkim", 0, None)
            remaining -= n

    out.write("".join(buf))
    if out is not sys.stdout:
        out.close()
    else:
        out.flush()
    total_records = sum(counts.values())
    body = total_records - counts["apex"]
    summary = ", ".join("{} {} ({:.1f}%)".format(k, counts[k], 100.0 * counts[k] / max(body, 1))
                        for k, _ in WEIGHTS)
    print("gen-zone: {} records ({} apex; body: {})".format(total_records, counts["apex"], summary),
          file=sys.stderr)


if __name__ == "__main__":
    main()
