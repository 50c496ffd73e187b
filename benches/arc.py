#!/usr/bin/env python3
"""arc.py -- ARC verification (RFC 8617) of a 3-hop RSA-2048 chain: dkimctl as
users run it beside dkimpy and Mail::DKIM in process.

    benches/arc.py --bin target/release/dkimctl --out DIR [--engine FILE]

The chain: benches/cli.py's 10 KB message sealed three times by `dkimctl arc
seal` (d=bench.example, s=rsa2048, the project's RSA-2048 test key; each hop
first writes its Authentication-Results with arc=<cv>, as an MTA would), and
checked once by all three verifiers (cv=pass) before anything is timed.
Figures (cli.py's format: `NAME VALUE UNIT (info)`, then the rounds):

- arc_verify_oneshot: `dkimctl arc verify --zone Z chain.eml`, one process,
  median wall time (hyperfine when installed), beside the per-message time
  of the in-process peers;
- arc_verify_files: `dkimctl arc verify --zone Z FILE...` over ARC_FILES
  copies of the chain in one process, msg/s, whole process timed;
- dkimpy_arc_verify, maildkim_arc_verify: dkim.arc_verify() and
  Mail::DKIM::ARC::Verifier (Strict) in a loop of ARC_PEER_SECS seconds in
  one process, key records served from memory, msg/s;
  ratios: dkimctl's files rate over each peer's;
- with --engine (benches/run.sh passes the engine's output): the engine's
  in-process arc_verify_3hop rate (one thread) beside the files rate.

Environment: ARC_ROUNDS (default 5), ARC_FILES (2000), ARC_ONESHOT (50 runs
per figure), ARC_PEER_SECS (2).  Every check runs 3 RSA-2048 verifications
of seals, plus the newest AMS (body hash and signature).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli import (DOMAIN, RSA_KEY, SELECTOR, env_int, figure, measured, message,  # noqa: E402
                 oneshot_ms, read_figures, zone_for)

ROOT = Path(__file__).resolve().parent.parent
PY = "/usr/bin/python3"     # Debian's python: the one that sees python3-dkim

DKIMPY_LOOP = r"""
import sys, time, importlib.util
spec = importlib.util.spec_from_file_location("peer", sys.argv[1])
peer = importlib.util.module_from_spec(spec); spec.loader.exec_module(peer)
import dkim
dnsfunc = peer.zone_dnsfunc(peer.read_zone(sys.argv[2]))
msg = open(sys.argv[3], "rb").read()
secs = float(sys.argv[4])
assert dkim.arc_verify(msg, dnsfunc=dnsfunc)[0] == dkim.CV_Pass
n, t0 = 0, time.perf_counter()
while True:
    cv = dkim.arc_verify(msg, dnsfunc=dnsfunc)[0]
    assert cv == dkim.CV_Pass, cv
    n += 1
    t = time.perf_counter() - t0
    if t >= secs:
        break
print(n / t)
"""

# the record served from memory for every TXT query (one key, one name)
MAILDKIM_LOOP = r"""
use strict; use warnings; use Time::HiRes qw(time);
use Mail::DKIM::ARC::Verifier; use Mail::DKIM::DNS; use Net::DNS;
my ($record, $file, $secs) = @ARGV;
{ no warnings 'redefine';
  *Mail::DKIM::DNS::query = sub {
      my ($name, $type) = @_;
      $@ = 'NOERROR';
      return Net::DNS::RR->new(name => $name, type => 'TXT', txtdata => [ $record =~ /(.{1,255})/gs ]);
  }; }
open my $fh, '<', $file or die; binmode $fh; local $/; my $msg = <$fh>;
sub once { my $v = Mail::DKIM::ARC::Verifier->new(Strict => 1); $v->PRINT($msg); $v->CLOSE;
           $v->result eq 'pass' or die "not pass: " . $v->result_detail . "\n"; }
once();
my ($n, $t0, $t) = (0, time);
while (1) { once(); $n++; $t = time - $t0; last if $t >= $secs; }
print $n / $t, "\n";
"""


def build_chain(bin_, out, zone):
    """The 3-hop chain, written to out/chain.eml."""
    cur = out / "hop0.eml"
    cur.write_bytes(message(0))
    for hop in (1, 2, 3):
        cv = "none" if hop == 1 else "pass"
        inp = out / f"hop{hop}.in"
        inp.write_bytes(f"Authentication-Results: mx{hop}.{DOMAIN}; arc={cv}\r\n".encode() + cur.read_bytes())
        nxt = out / f"hop{hop}.eml"
        subprocess.run([bin_, "arc", "seal", inp, "-d", DOMAIN, "-s", SELECTOR, "-k", RSA_KEY,
                        "--authserv-id", f"mx{hop}.{DOMAIN}", "--zone", zone, "-o", nxt],
                       check=True, capture_output=True)
        cur = nxt
    chain = out / "chain.eml"
    shutil.copy(cur, chain)
    return chain


def peer_rate(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        print(f"# {argv[0]}: {p.stderr.strip()[:300]}")
        return None
    return float(p.stdout.strip())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--engine")
    args = parser.parse_args()
    bin_ = os.path.abspath(args.bin)
    out = Path(args.out) / "arc"
    out.mkdir(parents=True, exist_ok=True)
    rounds = env_int("ARC_ROUNDS", 5)
    nfiles = env_int("ARC_FILES", 2000)
    secs = float(os.environ.get("ARC_PEER_SECS", "2"))

    zone = zone_for(bin_, out)
    chain = build_chain(bin_, out, zone)
    record = subprocess.run([bin_, "records", DOMAIN, "--key", RSA_KEY, "-s", SELECTOR, "--zone"],
                            check=True, capture_output=True, text=True).stdout
    record = "".join(part for part in record.split('"')[1::2])   # the TXT data, strings joined
    # every verifier says cv=pass before anything is timed
    peers = ROOT / ".ci/peers"
    for argv in ([bin_, "arc", "verify", "--zone", zone, chain],
                 [PY, peers / "dkimpy-peer.py", "arc-verify", chain, "--zone", zone],
                 ["perl", peers / "maildkim-peer.pl", "arc-verify", chain, "--zone", zone]):
        p = subprocess.run(argv, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"bench: {argv[0]} says {p.stdout.strip()} {p.stderr.strip()}")
    print(f"# arc: 3-hop chain, RSA-2048 seals and AMS, {chain.stat().st_size} bytes: {chain}")

    files = out / "files"
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir()
    data = chain.read_bytes()
    for i in range(nfiles):
        (files / f"c{i:05d}.eml").write_bytes(data)
    names = sorted(str(p) for p in files.iterdir())

    oneshot = [oneshot_ms([bin_, "arc", "verify", "--zone", zone, chain], env_int("ARC_ONESHOT", 50))
               for _ in range(rounds)]
    rates = []
    for _ in range(rounds):
        wall, _usage, code = measured([bin_, "arc", "verify", "--zone", str(zone)] + names)
        if code != 0:
            sys.exit("bench: arc verify of the copies did not pass")
        rates.append(nfiles / wall)
    py = [peer_rate([PY, "-c", DKIMPY_LOOP, peers / "dkimpy-peer.py", zone, chain, str(secs)])
          for _ in range(3)]
    pl = [peer_rate(["perl", "-e", MAILDKIM_LOOP, record, chain, str(secs)]) for _ in range(3)]
    py = [r for r in py if r] or None
    pl = [r for r in pl if r] or None

    import statistics
    py_mid = statistics.median(py) if py else None
    pl_mid = statistics.median(pl) if pl else None
    per = lambda rate: f"{1e3 / rate:.3g} ms" if rate else "n/a"  # noqa: E731
    one = figure("arc_verify_oneshot", oneshot, "ms", better="low",
                 note=f"; per message in process: dkimpy {per(py_mid)}, Mail::DKIM {per(pl_mid)}")
    engine = read_figures(args.engine).get("arc_verify_3hop")
    mid = figure("arc_verify_files", rates, "msg/s",
                 note=f" ({nfiles} files, one process)"
                      + (f"; in process (engine, 1 thread) {engine:.4g}" if engine else "")
                      + (f"; dkimpy {py_mid:.4g} ({mid_ratio(rates, py_mid)})" if py_mid else "; dkimpy n/a")
                      + (f"; Mail::DKIM {pl_mid:.4g} ({mid_ratio(rates, pl_mid)})" if pl_mid else "; Mail::DKIM n/a"))
    if py:
        figure("dkimpy_arc_verify", py, "msg/s", note=" (in process, dnsfunc from memory)")
    if pl:
        figure("maildkim_arc_verify", pl, "msg/s", note=" (in process, Strict, DNS from memory)")
    del one, mid


def mid_ratio(rates, theirs):
    import statistics
    return f"{statistics.median(rates) / theirs:.1f}x"


if __name__ == "__main__":
    main()
