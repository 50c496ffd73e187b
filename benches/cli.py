#!/usr/bin/env python3
"""cli.py -- dkimctl as users run it: whole processes, timed from start to exit.

    benches/cli.py --bin target/release/dkimctl --out DIR [--engine FILE] [--peers FILE]

Figures (one line each, `NAME VALUE UNIT (target ...) OK|MISS` or `(info)`,
then `#   NAME rounds: ...` with min-max over rounds):

- oneshot_sign_rsa2048, oneshot_sign_ed25519: `dkimctl sign msg.eml`, one
  process per message, median wall time (by hyperfine when installed);
  beside dkimpy's `dkimsign` CLI (its stdin through `sh -c`);
- cli_sign_dir: `dkimctl sign DIR --out-dir OUT` over FILES messages of
  10 KB, msg/s, beside the in-process 2-thread rate (--engine, the
  `batch_sign_2t` line of benches/engine.rs) and Mail::DKIM in process
  (--peers, benches/peers/bench.sh's output);
- cli_verify_files: `dkimctl verify --zone Z FILE...` over the signed
  files, msg/s, beside Mail::DKIM's in-process verify rate;
- peak_rss_sign_stdin, peak_rss_inspect: peak resident memory of
  `sign -` and `inspect` on a BIG_MB message.

Environment: CLI_ROUNDS (default 5), CLI_FILES (2000), CLI_ONESHOT (50
processes per round), CLI_BIG_MB (200), CLI_SKIP_BIG=1.
The keys are the project's test keys (fixtures/keys/): never for real mail.
"""

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RSA_KEY = ROOT / "fixtures/keys/rsa2048-pkcs1.pem"  # dkimsign reads PKCS#1 only
ED_KEY = ROOT / "fixtures/keys/ed25519.pem"
DOMAIN = "bench.example"
SELECTOR = "rsa2048"


def env_int(name, default):
    return int(os.environ.get(name, default))


def measured(argv, stdin=None, stdout=subprocess.DEVNULL):
    """Runs argv to the end; returns (wall seconds, its rusage, exit code).
    An exit other than 0 or 1 ends the bench with the command's stderr."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"bench: {' '.join(map(str, argv[:4]))} ... exited {code}: {err.strip()[:500]}")
    return wall, usage, code


def run(argv, stdin=None, stdout=subprocess.DEVNULL):
    """Runs argv to the end; returns (wall seconds, peak RSS in KiB)."""
    wall, usage, _ = measured(argv, stdin, stdout)
    return wall, usage.ru_maxrss


def oneshot_ms(argv, runs, stdin=None):
    """The median wall time of one run of argv, in milliseconds."""
    hyperfine = shutil.which("hyperfine")
    if hyperfine:
        report = Path(os.environ.get("TMPDIR", "/tmp")) / f"dkimctl-hyperfine-{os.getpid()}.json"
        command = " ".join(shlex.quote(str(a)) for a in argv)
        if stdin:
            command = f"sh -c {shlex.quote(command + ' < ' + shlex.quote(str(stdin)))}"
        subprocess.run([hyperfine, "-N", "-w", "3", "-r", str(runs), "--export-json", report,
                        "--output", "null", command], check=True, capture_output=True)
        times = json.loads(report.read_text())["results"][0]["times"]
        report.unlink()
        return statistics.median(times) * 1e3
    walls = []
    for _ in range(runs):
        with open(stdin or os.devnull, "rb") as i:
            walls.append(run(argv, stdin=i)[0])
    return statistics.median(walls) * 1e3


def message(i, size=10 * 1024):
    head = (
        f"From: Sender <sender@{DOMAIN}>\r\nTo: rcpt@example.net\r\n"
        f"Subject: bench message {i}\r\nDate: Thu, 03 Dec 2026 07:00:00 +0000\r\n"
        f"Message-ID: <{i}@{DOMAIN}>\r\n\r\n"
    )
    line = f"line of message {i}: the quick brown fox jumps over the lazy dog  \r\n"
    body = (line * (size // len(line) + 1))[: size - len(head) - 2] + "\r\n"
    return (head + body).encode()


def figure(name, samples, unit, target=None, better="high", note=""):
    """Prints the median and the rounds; returns the median."""
    mid = statistics.median(samples)
    verdict = "(info)"
    if target is not None:
        ok = mid >= target if better == "high" else mid <= target
        verdict = f"(target {'>=' if better == 'high' else '<='} {target:g}) {'OK' if ok else 'MISS'}"
    print(f"{name} {mid:.4g} {unit} {verdict}{note}")
    print(f"#   {name} rounds: {' '.join(f'{s:.4g}' for s in samples)}"
          f" (min {min(samples):.4g}, max {max(samples):.4g})")
    return mid


def read_figures(path, field=1):
    """NAME VALUE ... lines of the engine or peers output, as a dict."""
    figures = {}
    if path and Path(path).exists():
        for line in Path(path).read_text().splitlines():
            parts = line.split()
            if len(parts) > field + 1 and not line.startswith("#"):
                try:
                    key = " ".join(parts[: field])
                    figures[key] = float(parts[field])
                except ValueError:
                    pass
    return figures


def ratio(ours, theirs, label, target=None):
    """`; LABEL THEIRS (Nx)`, with the verdict against a target factor."""
    if not theirs:
        return f"; {label} n/a"
    factor = ours / theirs
    verdict = "" if target is None else f", target >= {target:g}x {'OK' if factor >= target else 'MISS'}"
    return f"; {label} {theirs:.4g} ({factor:.1f}x{verdict})"


def zone_for(bin_, out):
    """A zone file holding the test keys' records, written by dkimctl itself."""
    lines = []
    for key, selector in ((RSA_KEY, SELECTOR), (ED_KEY, "ed25519")):
        text = subprocess.run(
            [bin_, "records", DOMAIN, "--key", key, "-s", selector, "--zone"],
            check=True, capture_output=True, text=True).stdout
        lines.append(text)
    zone = out / "bench.zone"
    zone.write_text("".join(lines))
    return zone


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--engine")
    parser.add_argument("--peers")
    args = parser.parse_args()
    bin_ = os.path.abspath(args.bin)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rounds = env_int("CLI_ROUNDS", 5)
    files = env_int("CLI_FILES", 2000)
    oneshot = env_int("CLI_ONESHOT", 50)
    engine = read_figures(args.engine)
    peers = read_figures(args.peers, field=2)

    msg = out / "cli-message.eml"
    msg.write_bytes(message(0))
    print(f"# dkimctl CLI bench: {bin_}, {rounds} rounds, cpus={os.cpu_count()}, "
          f"loadavg {' '.join(open('/proc/loadavg').read().split()[:3])}")

    # One process per message: hyperfine times the process alone (no
    # fork from Python in the figure) when it is installed.
    dkimsign = shutil.which("dkimsign")
    for key, name in ((RSA_KEY, "rsa2048"), (ED_KEY, "ed25519")):
        argv = [bin_, "sign", "-k", key, "-d", DOMAIN, "-s", SELECTOR, msg]
        ms = [oneshot_ms(argv, oneshot) for _ in range(rounds)]
        note = ""
        if name == "rsa2048" and dkimsign:
            argv = [dkimsign, SELECTOR, DOMAIN, RSA_KEY]
            their = oneshot_ms(argv, max(3, oneshot // 10), stdin=msg)
            factor = their / statistics.median(ms)
            note = (f"; dkimpy dkimsign {their:.4g} ms ({factor:.0f}x, target >= 50x "
                    f"{'OK' if factor >= 50 else 'MISS'})")
        target = 3 if name == "rsa2048" else None
        figure(f"oneshot_sign_{name}", ms, "ms", target, better="low", note=note)

    # A directory of messages, signed into another.
    src = out / "cli-in"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir()
    for i in range(files):
        (src / f"m{i:05}.eml").write_bytes(message(i))
    rates = []
    # A fresh folder each round, all removed at the end: files deleted just
    # before make ext4 scan for recently deleted inodes on every create
    # (`recently_deleted` took a third of a round's time in perf), which
    # measures the bench's own churn, not signing.
    for r in range(rounds):
        dst = out / f"cli-out-{r}"
        shutil.rmtree(dst, ignore_errors=True)
        wall, _ = run([bin_, "sign", "-k", RSA_KEY, "-d", DOMAIN, "-s", SELECTOR, "--out-dir", dst, src])
        rates.append(files / wall)
    inproc = engine.get("batch_sign_2t")
    note = ""
    if inproc:
        share = statistics.median(rates) / inproc
        note += (f"; in-process 2 threads {inproc:.4g} ({share:.0%}, target >= 80% "
                 f"{'OK' if share >= 0.8 else 'MISS'})")
    note += ratio(statistics.median(rates), peers.get("maildkim sign"), "Mail::DKIM in process", 3)
    figure("cli_sign_dir", rates, "msg/s", None, note=note)

    # Verify the signed files, keys from a zone file (one look-up per selector).
    zone = zone_for(bin_, out)
    signed = sorted(dst.iterdir())
    rates = []
    for _ in range(rounds):
        wall, _ = run([bin_, "verify", "--zone", zone, *signed])
        rates.append(len(signed) / wall)
    note = ratio(statistics.median(rates), peers.get("maildkim verify"), "Mail::DKIM in process", 10)
    figure("cli_verify_files", rates, "msg/s", 20000, note=note)

    # Memory on a big message.
    if os.environ.get("CLI_SKIP_BIG") != "1":
        big = out / "cli-big.eml"
        size = env_int("CLI_BIG_MB", 200) * 1024 * 1024
        with open(big, "wb") as f:
            block = message(0, 1024 * 1024)
            f.write(block)
            body = block[block.index(b"\r\n\r\n") + 4:]
            while f.tell() < size:
                f.write(body)
        for name, argv, stdin in (
            ("peak_rss_sign_stdin", [bin_, "sign", "-k", RSA_KEY, "-d", DOMAIN, "-s", SELECTOR, "-"], big),
            ("peak_rss_inspect", [bin_, "inspect", "--zone", zone, big], None),
        ):
            mib = []
            for _ in range(max(1, rounds // 2)):
                with open(stdin or os.devnull, "rb") as i:
                    mib.append(run(argv, stdin=i)[1] / 1024)
            figure(name, mib, "MiB", 64, better="low", note=f"; {size // 2**20} MiB message")
        big.unlink()
    shutil.rmtree(src, ignore_errors=True)
    for r in range(rounds):
        shutil.rmtree(out / f"cli-out-{r}", ignore_errors=True)


if __name__ == "__main__":
    main()
