#!/usr/bin/env python3
"""diagnose.py -- `dkimctl diagnose --batch` against a local NSD.

    benches/diagnose.py --bin target/release/dkimctl [--domains N] [--rounds R]

Serves N zones (default 10,000: dNNNNN.example., each with an SOA, an NS
whose address is 127.0.0.1, and an RSA-2048 key record at s1._domainkey;
every tenth domain's key is missing, so the batch has findings to report)
from NSD on 127.0.0.1 (`server-count: 2`, one process per core, so the
server is not what is measured), then times the command a user types:

    dkimctl diagnose --batch domains.txt -s s1 --nameserver 127.0.0.1:PORT

with and without the NS check (which asks each zone's servers directly),
at --concurrency 16 (the default) and 64. Each figure is
`NAME VALUE domains/s (info)` with the client's CPU per domain (user +
system of the dkimctl process, not NSD's), then `#   NAME rounds: ...`
with min-max over rounds. NSD is the Debian package `nsd`; the zones,
config and logs live in a temp dir removed at the end.
"""

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cli import measured  # benches/cli.py: one process, timed

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_KEY = ROOT / "fixtures/keys/rsa2048.pub.pem"  # the project's test key


def key_record():
    """The TXT strings of a key record for the test key, split at 255 bytes."""
    lines = PUBLIC_KEY.read_text().splitlines()
    der64 = "".join(l for l in lines if not l.startswith("-----"))
    record = f"v=DKIM1; k=rsa; p={der64}"
    return " ".join(f'"{record[i:i + 255]}"' for i in range(0, len(record), 255))


def write_zones(tmp, count):
    """Writes the zones, their NSD config and the batch list; returns the list's path."""
    record = key_record()
    names = [f"d{i:05}.example" for i in range(count)]
    zones = tmp / "zones"
    zones.mkdir()
    for i, name in enumerate(names):
        text = [
            f"$ORIGIN {name}.",
            f"@ 3600 IN SOA ns1.{name}. hostmaster.{name}. ( 1 3600 600 86400 60 )",
            f"@ 3600 IN NS ns1.{name}.",
            "ns1 3600 IN A 127.0.0.1",
        ]
        if i % 10:
            text.append(f"s1._domainkey 3600 IN TXT {record}")
        (zones / f"{name}.zone").write_text("\n".join(text) + "\n")
    batch = tmp / "domains.txt"
    batch.write_text("".join(f"{n}\n" for n in names))
    return names, batch


def nsd_config(tmp, names, port):
    conf = [
        "server:",
        "    ip-address: 127.0.0.1",
        f"    port: {port}",
        "    server-count: 2",
        '    username: ""',
        '    chroot: ""',
        '    database: ""',
        f'    zonesdir: "{tmp}/zones"',
        f'    zonelistfile: "{tmp}/zone.list"',
        f'    xfrdfile: "{tmp}/xfrd.state"',
        f'    xfrdir: "{tmp}"',
        f'    pidfile: "{tmp}/nsd.pid"',
        f'    logfile: "{tmp}/nsd.log"',
        "    verbosity: 0",
        "remote-control:",
        "    control-enable: no",
    ]
    for name in names:
        conf += ["zone:", f'    name: "{name}."', f'    zonefile: "{name}.zone"']
    path = tmp / "nsd.conf"
    path.write_text("\n".join(conf) + "\n")
    return path


def free_port():
    for _ in range(200):
        port = random.randint(20000, 60000)
        try:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                with socket.socket(socket.AF_INET, kind) as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return port
    sys.exit("bench: no free port on 127.0.0.1")


def wait_until_served(bin_, name, port):
    """Waits until NSD answers for the last zone it loads."""
    argv = [bin_, "diagnose", name, "-s", "s1", "--nameserver", f"127.0.0.1:{port}",
            "--no-ns-check", "--timeout", "0.3", "--retries", "0"]
    for _ in range(600):
        if subprocess.run(argv, capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    sys.exit(f"bench: NSD did not serve {name} within 60 s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--domains", type=int, default=int(os.environ.get("DIAGNOSE_DOMAINS", 10000)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("DIAGNOSE_ROUNDS", 3)))
    args = parser.parse_args()
    bin_ = str(Path(args.bin).resolve())
    nsd = next((p for p in ("/usr/sbin/nsd", "/usr/bin/nsd") if os.access(p, os.X_OK)), None)
    if not nsd:
        print("# diagnose bench skipped: nsd not installed (apt-get install nsd)")
        return
    with tempfile.TemporaryDirectory(prefix="dkimctl-diagnose-bench.") as tmp:
        tmp = Path(tmp)
        names, batch = write_zones(tmp, args.domains)
        port = free_port()
        server = subprocess.Popen([nsd, "-d", "-c", str(nsd_config(tmp, names, port))],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            started = time.perf_counter()
            wait_until_served(bin_, names[-1], port)
            print(f"# NSD serving {len(names)} zones on 127.0.0.1:{port} "
                  f"after {time.perf_counter() - started:.1f} s")
            for ns_check in (False, True):
                for concurrency in (16, 64):
                    run_figure(bin_, batch, port, len(names), ns_check, concurrency, args.rounds)
        finally:
            server.terminate()
            server.wait()


def run_figure(bin_, batch, port, count, ns_check, concurrency, rounds):
    argv = [bin_, "diagnose", "--batch", str(batch), "-s", "s1",
            "--nameserver", f"127.0.0.1:{port}", "--concurrency", str(concurrency)]
    if not ns_check:
        argv.append("--no-ns-check")
    name = f"diagnose_batch_{'ns' if ns_check else 'no_ns'}_c{concurrency}"
    rates, cpus = [], []
    for _ in range(rounds):
        wall, usage, code = measured(argv)
        cpu = usage.ru_utime + usage.ru_stime
        if code != 1:
            sys.exit(f"bench: {name}: exit {code}; the missing keys should give exit 1")
        rates.append(count / wall)
        cpus.append(cpu / count * 1e6)
    rates.sort()
    cpus.sort()
    median = rates[len(rates) // 2]
    print(f"{name} {median:.0f} domains/s, client CPU {cpus[len(cpus) // 2]:.0f} us/domain (info)")
    print(f"#   {name} rounds: {min(rates):.0f}-{max(rates):.0f} domains/s, "
          f"{min(cpus):.0f}-{max(cpus):.0f} us/domain")


if __name__ == "__main__":
    main()
