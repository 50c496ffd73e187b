#!/usr/bin/python3
# arcdrive.py -- plan, runs and verdicts of .ci/arc-interop.sh (ARC, RFC 8617:
# dkimctl against dkimpy and Mail::DKIM).  Python 3 standard library only; run
# by .ci/arc-interop.sh, which makes the keys and the zone and says which
# implementations are present:
#
#   arcdrive.py WORKDIR DKIMCTL SEED JOBS IMPLEMENTATIONS REQUIRE
#       IMPLEMENTATIONS  comma-separated subset of dkimctl,dkimpy,maildkim that
#                        is present (the others' cells are skipped, or failed
#                        when REQUIRE is 1)
#       WORKDIR holds rsa.pem, ed.pem and zone (records at
#       rsa._domainkey.hopK.example.net and ed._domainkey.hopK.example.net,
#       K = 1..3); everything else is written under it.
#
# A hop K (K = 1, 2, 3) is what an MTA of ADMD hopK.example.net does with the
# message it received: it writes "Authentication-Results: mx.hopK.example.net;
# arc=<cv of the incoming chain>" on top (none at hop 1; at later hops the cv
# all three verifiers agreed on when the previous hop's result was checked --
# a chain they do not all pass is not forwarded), optionally changes the
# message like a mailing list (a footer appended to the body, "[list] "
# prefixed to the Subject), then seals it (d=hopK.example.net, s=rsa or ed)
# with one of the three sealers.  Every sealed result is verified by all three
# verifiers, which must all say cv=pass; dkimctl's --json --oldest-pass must
# name the newest hop that changed the message as oldest_pass.  Of every
# passing result, three variants are verified too:
#   after   the list change made after the last seal: all must say cv=fail
#   tamper  one byte of one ARC-Seal's b= changed (instance chosen by the
#           seed): all must say cv=fail
#   lf      (dkimctl only) a bare-LF copy: cv=pass, like the CRLF original
#
# The plan (all from the seed):
#   tree    ARC_TREE (3) messages x every sealer sequence of 1, 2 and 3 hops
#           (3 + 9 + 27), RSA-2048; prefixes are shared (the 2-hop chain c,p
#           is the parent of c,p,m)
#   change  on the first tree message: the 9 two-hop sequences with the list
#           change before hop 2 seals, each given a random third hop
#           (oldest_pass 2); on the second: 9 random three-hop sequences with
#           the change before hop 3 (oldest_pass 3)
#   ed      one message x every sequence of dkimctl and dkimpy hops, Ed25519
#           (Mail::DKIM verifies none of them: counted skips, "no ed25519");
#           plus one Mail::DKIM Ed25519 seal (a counted skip, same reason)
#   broken  on the first tree message: the list change after hop 1 sealed,
#           so hop 2 (each sealer after each) finds cv=fail, writes arc=fail
#           and seals cv=fail (RFC 8617 5.1.2); all three must say cv=fail
#   random  ARC_RANDOM (80) chains of 1-3 hops over further messages: random
#           sealers, Ed25519 for ~30% of the dkimctl/dkimpy hops, the list
#           change before a random later hop in half of them
# Messages: .ci/peers/genmsg.py (issue 7's generator) put in wire form --
# CRLF line endings and a final CRLF, as SMTP DATA delivers any message to an
# MTA (so the unterminated-last-line quirks of .ci/differential.sh cannot
# arise).  Messages with a "Name : value" field (WSP before the colon, RFC
# 5322 obs-optional) are set aside and counted: dkimpy cannot parse them at
# all (see dkimpy-peer.py), so no chain with a dkimpy hop could be built.
#
# Disagreements: every check that does not give the expected answer is a
# failure, printed with the chain, the verifier's words and the command to
# replay it in the kept work directory.  EXCEPTIONS below lists the asserted
# deviations (two implementations and the RFC agree the third is wrong): such
# a check must give exactly the deviating answer, and is counted and printed.
# Output: a matrix per plan part, failures, counts; last line
# "N passed, M failed, K skipped".  Exit 1 if M > 0.
import json
import os
import random
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
IMPLS = ["dkimctl", "dkimpy", "maildkim"]
LETTER = {"dkimctl": "c", "dkimpy": "p", "maildkim": "m"}
ALGO_LETTER = {"rsa": "r", "ed": "e"}
FOOTER = (b"_______________________________________________\r\n"
          b"List mailing list -- list@lists.example.org\r\n"
          b"To unsubscribe send an email to list-leave@lists.example.org\r\n")

# Asserted deviations: (name, RFC 8617 section, predicate(node, variant,
# verifier) -> True where it applies, the answer that verifier gives there).
# None so far: every implementation gives the RFC's answer on every check.
EXCEPTIONS = []


def domain(level):
    return "hop%d.example.net" % level


def authserv_id(level):
    return "mx.hop%d.example.net" % level


class Node:
    """One sealed message: its parent's message (or the original) plus one hop."""

    def __init__(self, part, msg, parent, sealer, algo, change, level):
        self.part, self.msg, self.parent = part, msg, parent
        self.sealer, self.algo, self.change, self.level = sealer, algo, change, level
        self.hops = (parent.hops if parent else []) + [self]
        self.seq = "-".join(LETTER[h.sealer] + ALGO_LETTER[h.algo] + ("*" if h.change else "")
                            for h in self.hops)
        self.id = "%s.%s.%s" % (part, os.path.basename(msg).rsplit(".", 1)[0], self.seq.replace("*", "x"))
        self.file = "n/%s.eml" % self.id
        self.input = "n/%s.in" % self.id
        self.state = None       # None: to do; "ok": every verifier passed it; else why not
        self.changed_at = max([h.level for h in self.hops if h.change], default=0)
        self.broken = False     # the incoming chain was broken (cv=fail): this hop seals cv=fail


class Run:
    def __init__(self, work, bin_, seed, jobs, present, require):
        self.work, self.bin, self.seed, self.jobs = work, bin_, seed, jobs
        self.present, self.require = set(present), require
        self.rng = random.Random(seed)
        self.checks = []        # (result, node id or "-", variant, impl, detail)
        self.nodes = []
        self.pool = ThreadPoolExecutor(max_workers=jobs)

    # ---- bookkeeping -----------------------------------------------------------
    def record(self, result, node, variant, impl, detail=""):
        self.checks.append((result, node.id if node else "-", variant, impl, detail))

    def fail(self, node, variant, impl, what, cmd, output):
        detail = "%s\n    replay: %s" % (what, cmd)
        if output.strip():
            detail += "\n" + "\n".join("    | " + l for l in output.strip().splitlines()[:12])
        self.record("fail", node, variant, impl, detail)

    # ---- messages ----------------------------------------------------------------
    def messages(self, count):
        os.makedirs("msg", exist_ok=True)
        out = subprocess.run([PY, os.path.join(HERE, "genmsg.py"), "gen", str(self.seed), str(count), "msg"],
                             check=True, capture_output=True).stdout.decode()
        usable, aside = [], 0
        for line in out.splitlines():
            idx, fname, tags = line.split("\t")[:3]
            if "wsp-before-colon" in tags.split(","):
                aside += 1
                self.record("skip", None, "message msg/%s" % fname, "all",
                            "dkimpy cannot parse a 'Name : value' field (WSP before the colon)")
                continue
            path = "msg/%s" % fname
            with open(path, "rb") as f:
                m = wire(f.read())
            with open(path, "wb") as f:
                f.write(m)
            usable.append(path)
        return usable, aside

    # ---- the plan ------------------------------------------------------------------
    def plan(self, usable):
        ntree = int(os.environ.get("ARC_TREE", "3"))
        nrandom = int(os.environ.get("ARC_RANDOM", "80"))
        need = ntree + 1 + 1
        if len(usable) < need:
            raise SystemExit("arcdrive: only %d usable messages" % len(usable))
        tree_msgs, ed_msg, rest = usable[:ntree], usable[ntree], usable[ntree + 1:]

        def grow(part, msg, sealers, algo, depth, parent=None):
            for s in sealers:
                n = self.add(part, msg, parent, s, algo, False)
                if depth > 1:
                    grow(part, msg, sealers, algo, depth - 1, n)

        for m in tree_msgs:
            grow("tree", m, IMPLS, "rsa", 3)
        # change before hop 2 (first tree message): children of the tree's level-1 nodes
        level1 = {n.sealer: n for n in self.nodes if n.part == "tree" and n.msg == tree_msgs[0] and n.level == 1}
        for a in IMPLS:
            for b in IMPLS:
                n2 = self.add("change", tree_msgs[0], level1[a], b, "rsa", True)
                self.add("change", tree_msgs[0], n2, self.rng.choice(IMPLS), "rsa", False)
        # change before hop 3 (second tree message)
        if ntree > 1:
            level2 = [n for n in self.nodes if n.part == "tree" and n.msg == tree_msgs[1] and n.level == 2]
            for n in level2:
                self.add("change", tree_msgs[1], n, self.rng.choice(IMPLS), "rsa", True)
        grow("ed", ed_msg, ["dkimctl", "dkimpy"], "ed", 3)
        self.add("ed", ed_msg, None, "maildkim", "ed", False)
        # broken: the list change made after hop 1 sealed, so hop 2 finds cv=fail
        # (RFC 8617 5.2 step 3: the newest AMS fails), writes arc=fail and
        # seals cv=fail (5.1.2); every verifier must then say cv=fail
        # (5.2 step 2: a seal with cv=fail ends the chain)
        for a in IMPLS:
            for b in IMPLS:
                n = self.add("broken", tree_msgs[0], level1[a], b, "rsa", False)
                n.broken = True
                n.seq = n.seq.rsplit("-", 1)[0] + "!-" + n.seq.rsplit("-", 1)[1]
                n.id = n.id + ".broken"
                n.file, n.input = "n/%s.eml" % n.id, "n/%s.in" % n.id
        for k in range(nrandom):
            m = rest[k % len(rest)] if rest else usable[k % len(usable)]
            length = self.rng.randint(1, 3)
            change_at = self.rng.randint(2, length) if length > 1 and self.rng.random() < 0.5 else 0
            parent = None
            for level in range(1, length + 1):
                s = self.rng.choice(IMPLS)
                algo = "ed" if s != "maildkim" and self.rng.random() < 0.3 else "rsa"
                parent = self.add("random%02d" % k, m, parent, s, algo, level == change_at)

    def add(self, part, msg, parent, sealer, algo, change):
        n = Node(part, msg, parent, sealer, algo, change, parent.level + 1 if parent else 1)
        self.nodes.append(n)
        return n

    # ---- running ------------------------------------------------------------------------
    def chunks(self, items, per=8):
        k = max(1, min(self.jobs, -(-len(items) // per)))
        return [items[i::k] for i in range(k)] if items else []

    def impl_missing(self, impl):
        return impl not in self.present

    def seal_level(self, level):
        todo = []
        for n in (n for n in self.nodes if n.level == level):
            if n.parent is not None and n.parent.state != "ok":
                n.state = "parent not passed"
                continue
            if self.impl_missing(n.sealer):
                n.state = "sealer missing"
                if self.require:
                    self.record("fail", n, "seal", n.sealer, "%s is not installed (DKIMCTL_REQUIRE_PEERS=1)" % n.sealer)
                else:
                    self.record("skip", n, "seal", n.sealer, "%s: not available (not installed, or left out by ARC_IMPLS)" % n.sealer)
                continue
            src = n.parent.file if n.parent else n.msg
            with open(src, "rb") as f:
                m = f.read()
            cv = "pass" if n.parent else "none"
            if n.broken:
                m, cv = list_change(m), "fail"
            m = b"Authentication-Results: %s; arc=%s\r\n" % (authserv_id(level).encode(), cv.encode()) + m
            if n.change:
                m = list_change(m)
            with open(n.input, "wb") as f:
                f.write(m)
            todo.append(n)
        groups = {}
        for n in todo:
            groups.setdefault((n.sealer, n.algo), []).append(n)
        futures = []
        for (sealer, algo), ns in groups.items():
            opts = ["--domain", domain(level), "--selector", algo, "--key", algo + ".pem",
                    "--authserv-id", authserv_id(level), "--zone", "zone"]
            if sealer == "dkimctl":
                for n in ns:
                    cmd = [self.bin, "arc", "seal", n.input, "-d", domain(level), "-s", algo, "-k", algo + ".pem",
                           "--authserv-id", authserv_id(level), "--zone", "zone", "-o", n.file]
                    futures.append(self.pool.submit(self.seal_one, n, cmd))
            else:
                for ch in self.chunks(ns):
                    futures.append(self.pool.submit(self.seal_batch, sealer, opts, ch))
        for f in futures:
            f.result()

    def seal_one(self, n, cmd):
        p = subprocess.run(cmd, capture_output=True)
        self.sealed(n, p.returncode, p.stderr.decode(errors="replace"), cmd)

    def seal_batch(self, sealer, opts, ns):
        cmd = peer_cmd(sealer, "arc-seal-batch") + opts
        for n in ns:
            cmd += [n.input, n.file]
        p = subprocess.run(cmd, capture_output=True)
        recs = parse_records(p.stdout.decode(errors="replace"))
        for n in ns:
            single = peer_cmd(sealer, "arc-seal") + [n.input, n.file] + opts
            if n.input not in recs:
                self.sealed(n, -1, "no record from the batch run (exit %d): %s" % (p.returncode, p.stderr.decode(errors="replace")), single)
            else:
                rc, _out, err = recs[n.input]
                self.sealed(n, rc, err, single)

    def sealed(self, n, rc, err, cmd):
        if rc == 0 and os.path.exists(n.file):
            n.state = "sealed"
            self.record("pass", n, "seal", n.sealer)
        elif rc == 4:
            n.state = "cannot seal"
            self.record("skip", n, "seal", n.sealer, unsupported(err))
        else:
            n.state = "seal failed"
            self.fail(n, "seal", n.sealer, "%s could not seal (exit %s)" % (n.sealer, rc), shell(cmd), err)

    def verify(self, items):
        """items: [(node, variant, file, want)]; every verifier checks each."""
        futures = []
        for impl in IMPLS:
            mine = [it for it in items if impl == "dkimctl" or it[1] != "lf"]
            if not mine:
                continue
            if self.impl_missing(impl):
                for node, variant, _f, _w in mine:
                    if self.require:
                        self.record("fail", node, variant, impl, "%s is not installed (DKIMCTL_REQUIRE_PEERS=1)" % impl)
                    else:
                        self.record("skip", node, variant, impl, "%s: not available (not installed, or left out by ARC_IMPLS)" % impl)
                continue
            for ch in self.chunks(mine, per=40):
                futures.append(self.pool.submit(self.verify_batch, impl, ch))
        got = {}
        for f in futures:
            got.update(f.result())
        return got

    def verify_batch(self, impl, items):
        """-> {(node id, variant, impl): cv}; records the checks."""
        files = [f for _n, _v, f, _w in items]
        got = {}
        if impl == "dkimctl":
            cmd = [self.bin, "arc", "verify", "--zone", "zone"] + files
            p = subprocess.run(cmd, capture_output=True)
            out = p.stdout.decode(errors="replace")
            err = p.stderr.decode(errors="replace")
            lines = {}
            for line in out.splitlines():
                if len(files) == 1:
                    lines[files[0]] = line
                else:
                    for f in files:
                        if line.startswith(f + ": "):
                            lines[f] = line[len(f) + 2:]
            allpass = all(l.startswith("cv=pass") for l in lines.values()) and len(lines) == len(files)
            want_rc = 0 if allpass else 1
            if p.returncode != want_rc:
                self.fail(None, "batch", "dkimctl", "arc verify over %d files: exit %d, want %d (%s)"
                          % (len(files), p.returncode, want_rc, "every line cv=pass" if allpass else "not all cv=pass"),
                          shell(cmd), out + err)
            for node, variant, f, want in items:
                line = lines.get(f)
                single = shell([self.bin, "arc", "verify", "--zone", "zone", f])
                if line is None:
                    self.fail(node, variant, impl, "no line for %s in the output (exit %d)" % (f, p.returncode), single, out + err)
                    continue
                m = re.match(r"cv=(pass|fail|none)\b", line)
                cv = m.group(1) if m else "?"
                got[(node.id, variant, impl)] = cv
                self.judge(node, variant, impl, want, cv, single, line)
            return got
        cmd = peer_cmd(impl, "arc-verify-batch") + ["--zone", "zone"] + files
        p = subprocess.run(cmd, capture_output=True)
        recs = parse_records(p.stdout.decode(errors="replace"))
        for node, variant, f, want in items:
            single = shell(peer_cmd(impl, "arc-verify") + [f, "--zone", "zone"])
            if f not in recs:
                self.fail(node, variant, impl, "no record from the batch run (exit %d)" % p.returncode, single,
                          p.stderr.decode(errors="replace"))
                continue
            rc, out, err = recs[f]
            if rc == 4:
                self.record("skip", node, variant, impl, unsupported(err))
                got[(node.id, variant, impl)] = "skip"
                continue
            m = re.match(r"cv=(pass|fail|none)$", out)
            cv = m.group(1) if m else "?"
            if m and rc != (0 if cv == "pass" else 1):
                cv = "?"
            got[(node.id, variant, impl)] = cv
            self.judge(node, variant, impl, want, cv, single, (out + " " + err).strip() + " (exit %d)" % rc)
        return got

    def judge(self, node, variant, impl, want, cv, cmd, said):
        for name, section, applies, answer in EXCEPTIONS:
            if applies(node, variant, impl):
                if cv == answer:
                    self.record("asserted", node, variant, impl, "%s (RFC 8617 %s)" % (name, section))
                else:
                    self.fail(node, variant, impl, "asserted deviation '%s' (RFC 8617 %s): want cv=%s, got cv=%s"
                              % (name, section, answer, cv), cmd, said)
                return
        if cv == want:
            self.record("pass", node, variant, impl)
        else:
            self.fail(node, variant, impl, "chain %s (%s, %s): want cv=%s, got cv=%s"
                      % (node.seq, node.msg, variant, want, cv), cmd, said)

    def oldest_pass(self, nodes):
        """dkimctl arc verify --json --oldest-pass: cv as in text, oldest_pass after a change."""
        if self.impl_missing("dkimctl") or not nodes:
            return
        for ch in self.chunks(nodes, per=40):
            files = [n.file for n in ch]
            cmd = [self.bin, "arc", "verify", "--zone", "zone", "--json", "--oldest-pass"] + files
            p = subprocess.run(cmd, capture_output=True)
            out = p.stdout.decode(errors="replace")
            try:
                doc = json.loads(out)
                docs = doc["messages"] if len(files) > 1 else [doc]
                byfile = {d["file"]: d for d in docs}
            except (ValueError, KeyError, TypeError) as e:
                for n in ch:
                    self.fail(n, "json", "dkimctl", "arc verify --json: not the documented document (%s)" % e,
                              shell(cmd), out + p.stderr.decode(errors="replace"))
                continue
            for n in ch:
                single = shell([self.bin, "arc", "verify", "--zone", "zone", "--json", "--oldest-pass", n.file])
                d = byfile.get(n.file)
                if d is None:
                    self.fail(n, "json", "dkimctl", "no object for %s" % n.file, single, out)
                    continue
                if d.get("cv") != "pass" or len(d.get("sets") or []) != n.level:
                    self.fail(n, "json", "dkimctl", "want cv pass and %d sets, got cv %r and %d sets"
                              % (n.level, d.get("cv"), len(d.get("sets") or [])), single, json.dumps(d)[:600])
                    continue
                self.record("pass", n, "json", "dkimctl")
                if n.changed_at:
                    op = d.get("oldest_pass")
                    if op == n.changed_at:
                        self.record("pass", n, "oldest", "dkimctl")
                    else:
                        self.fail(n, "oldest", "dkimctl", "chain %s: the message was changed before hop %d sealed: "
                                  "want oldest_pass %d, got %r" % (n.seq, n.changed_at, n.changed_at, op),
                                  single, "oldest_pass: %r" % (op,))

    def broken_json(self, nodes):
        """dkimctl --json on a chain sealed cv=fail: cv fail at the instance of that seal."""
        if self.impl_missing("dkimctl"):
            return
        for n in nodes:
            cmd = [self.bin, "arc", "verify", "--zone", "zone", "--json", n.file]
            p = subprocess.run(cmd, capture_output=True)
            out = p.stdout.decode(errors="replace")
            try:
                d = json.loads(out)
            except ValueError as e:
                self.fail(n, "json", "dkimctl", "not JSON (%s)" % e, shell(cmd), out)
                continue
            if d.get("cv") == "fail" and p.returncode == 1 and d.get("instance") == n.level:
                self.record("pass", n, "json", "dkimctl")
            else:
                self.fail(n, "json", "dkimctl", "want cv fail (exit 1) at instance %d (the seal that says cv=fail), "
                          "got cv %r (exit %d) at %r" % (n.level, d.get("cv"), p.returncode, d.get("instance")),
                          shell(cmd), out[:600])

    def level(self, level):
        self.seal_level(level)
        sealed = [n for n in self.nodes if n.level == level and n.state == "sealed"]
        got = self.verify([(n, "base", n.file, "fail" if n.broken else "pass") for n in sealed])
        for n in sealed:
            if n.broken:
                n.state = "broken"
                continue
            answers = [got.get((n.id, "base", impl)) for impl in IMPLS]
            n.state = "ok" if all(a in ("pass", "skip", None) for a in answers) and "pass" in answers else "not passed"
        self.oldest_pass([n for n in sealed if n.state == "ok"])
        self.broken_json([n for n in sealed if n.broken])

    def variants(self):
        items = []
        for n in self.nodes:
            if n.state != "ok":
                continue
            with open(n.file, "rb") as f:
                m = f.read()
            after = "v/%s.after.eml" % n.id
            tampered = "v/%s.tamper.eml" % n.id
            lf = "v/%s.lf.eml" % n.id
            write(after, list_change(m))
            write(tampered, tamper_seal(m, self.rng.randint(1, n.level)))
            write(lf, m.replace(b"\r\n", b"\n"))
            items += [(n, "after", after, "fail"), (n, "tamper", tampered, "fail"), (n, "lf", lf, "pass")]
        self.verify(items)

    # ---- report ----------------------------------------------------------------------------
    def report(self):
        by = {}
        for result, nid, variant, impl, _d in self.checks:
            by[(nid, variant, impl)] = result
        glyph = {"pass": ".", "fail": "x", "skip": "-", "asserted": "a"}

        def cell(n):
            if n.state in ("parent not passed",):
                return "(not run)"
            s = glyph.get(by.get((n.id, "seal", n.sealer)), "?")
            s += " " + "".join(glyph.get(by.get((n.id, "base", i)), "?") for i in IMPLS)
            s += " " + "".join(glyph.get(by.get((n.id, "after", i)), "?") for i in IMPLS)
            s += " " + "".join(glyph.get(by.get((n.id, "tamper", i)), "?") for i in IMPLS)
            s += " " + glyph.get(by.get((n.id, "lf", "dkimctl")), "?")
            if n.changed_at:
                s += " " + glyph.get(by.get((n.id, "oldest", "dkimctl")), "?")
            if n.broken:
                s = glyph.get(by.get((n.id, "seal", n.sealer)), "?") + " " + "".join(
                    glyph.get(by.get((n.id, "base", i)), "?") for i in IMPLS) + " " + glyph.get(
                    by.get((n.id, "json", "dkimctl")), "?")
            return s

        print("legend: chain = hops oldest first, each SEALER+ALGO: c dkimctl, p dkimpy, m Mail::DKIM;")
        print("        r RSA-2048, e Ed25519; * = the list change made before that hop sealed")
        print("cell:   seal | cv=pass by dkimctl,dkimpy,maildkim | cv=fail after a later list change (same order)")
        print("        | cv=fail with one ARC-Seal b= byte changed | dkimctl cv=pass on a bare-LF copy")
        print("        [| dkimctl --json oldest_pass = the changed hop]")
        print("broken: ! = the list change made after that hop sealed; the next hop writes arc=fail and seals")
        print("        cv=fail; cell: seal | cv=fail by the three | dkimctl --json: cv fail at that seal's instance")
        print("        . pass   x FAIL   - skipped   a asserted deviation   ? not run")
        parts = []
        for n in self.nodes:
            if n.part not in parts:
                parts.append(n.part)
        rnd = [p for p in parts if p.startswith("random")]
        for part in [p for p in parts if not p.startswith("random")]:
            ns = [n for n in self.nodes if n.part == part]
            msgs = []
            for n in ns:
                if n.msg not in msgs:
                    msgs.append(n.msg)
            print()
            print("%s:" % part + "".join("  %-26s" % m for m in msgs))
            seqs = []
            for n in ns:
                if n.seq not in seqs:
                    seqs.append(n.seq)
            for sq in seqs:
                row = "  %-12s" % sq
                for m in msgs:
                    c = [n for n in ns if n.seq == sq and n.msg == m]
                    row += "  %-26s" % (cell(c[0]) if c else "")
                print(row.rstrip())
        if rnd:
            print()
            print("random chains (seed %d):" % self.seed)
            for part in rnd:
                ns = [n for n in self.nodes if n.part == part]
                print("  %-10s %-26s %s" % (part, os.path.basename(ns[0].msg),
                                             "   ".join("%s %s" % (n.seq, cell(n)) for n in ns)))
        skips, asserted, fails = {}, {}, []
        npass = nfail = nskip = 0
        for result, nid, variant, impl, detail in self.checks:
            if result == "pass":
                npass += 1
            elif result == "asserted":
                npass += 1
                asserted[detail] = asserted.get(detail, 0) + 1
            elif result == "skip":
                nskip += 1
                key = "%s: %s" % (impl, detail) if not detail.startswith(impl) else detail
                skips[key] = skips.get(key, 0) + 1
            else:
                nfail += 1
                fails.append("FAIL %s %s %s: %s" % (nid, variant, impl, detail))
        if asserted:
            print("\nasserted deviations (count: name):")
            for k in sorted(asserted):
                print("  %4d: %s" % (asserted[k], k))
        if skips:
            print("\nskipped (count: reason):")
            for k in sorted(skips):
                print("  %4d: %s" % (skips[k], k))
        if fails:
            print("\nfailures (the work dir is kept: cd %s, then the replay commands;"
                  " the whole run: ARC_SEED=%d .ci/arc-interop.sh):" % (self.work, self.seed))
            for f in fails:
                print("  " + f)
        print()
        print("%d passed, %d failed, %d skipped" % (npass, nfail, nskip))
        return 1 if nfail else 0


# ---- message edits ---------------------------------------------------------------------------
def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def split(m):
    """(header block including its last CRLF, body or None)."""
    i = m.find(b"\r\n\r\n")
    if i < 0:
        return m, None
    return m[:i + 2], m[i + 4:]


def wire(m):
    """CRLF line endings and a final CRLF, as SMTP DATA delivers a message."""
    m = re.sub(rb"\r?\n", b"\r\n", m)
    if not m.endswith(b"\r\n"):
        m += b"\r\n"
    return m


def list_change(m):
    """What a mailing list does: "[list] " before the Subject, a footer after the body."""
    head, body = split(m)
    s = re.search(rb"(?im)^subject[ \t]*:[ \t]*", head)
    if s:
        head = head[:s.end()] + b"[list] " + head[s.end():]
    else:
        head += b"Subject: [list] \r\n"
    return head + b"\r\n" + (body or b"") + FOOTER


def tamper_seal(m, instance):
    """One base64 byte in the first half of the b= of the ARC-Seal of INSTANCE changed."""
    head, body = split(m)
    for f in re.finditer(rb"(?im)^arc-seal[ \t]*:.*\r\n(?:[ \t].*\r\n)*", head):
        field = f.group(0)
        unfolded = re.sub(rb"\r\n", b"", field)
        im = re.search(rb"[:;][ \t]*i[ \t]*=[ \t]*(\d+)", unfolded)
        if not im or int(im.group(1)) != instance:
            continue
        bm = re.search(rb"(?:;|:)\s*b\s*=", field)
        if not bm:
            continue
        pos = [bm.end() + k for k, c in enumerate(field[bm.end():]) if chr(c).isalnum() or c in b"+/"]
        p = pos[len(pos) // 3]
        new = b"B" if field[p:p + 1] == b"A" else b"A"
        field = field[:p] + new + field[p + 1:]
        head = head[:f.start()] + field + head[f.end():]
        return head + (b"\r\n" + body if body is not None else b"")
    raise SystemExit("arcdrive: no ARC-Seal i=%d to tamper with" % instance)


# ---- commands ----------------------------------------------------------------------------------
def peer_cmd(impl, sub):
    if impl == "dkimpy":
        return [PY, os.path.join(HERE, "dkimpy-peer.py"), sub]
    return ["perl", os.path.join(HERE, "maildkim-peer.pl"), sub]


def parse_records(text):
    recs = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0].lstrip("-").isdigit():
            recs[parts[1]] = (int(parts[0]), parts[2], parts[3])
    return recs


def unsupported(err):
    for l in err.split(" | ") + err.splitlines():
        if "unsupported" in l:
            return l.strip()
    return err.strip()


def shell(cmd):
    out = []
    for a in cmd:
        a = a.replace(HERE, ".ci/peers")
        out.append(a if re.match(r"^[\w./:=@,+-]+$", a) else "'" + a.replace("'", "'\\''") + "'")
    return " ".join(out)


def main(argv):
    if len(argv) != 7:
        print("usage: arcdrive.py WORKDIR DKIMCTL SEED JOBS IMPLEMENTATIONS REQUIRE", file=sys.stderr)
        return 2
    work, bin_, seed, jobs, present, require = argv[1:]
    os.chdir(work)
    os.makedirs("n", exist_ok=True)
    os.makedirs("v", exist_ok=True)
    run = Run(work, bin_, int(seed), int(jobs), [p for p in present.split(",") if p], require == "1")
    ntree = int(os.environ.get("ARC_TREE", "3"))
    nrandom = int(os.environ.get("ARC_RANDOM", "80"))
    usable, aside = run.messages(ntree + 2 + nrandom + 6)
    run.plan(usable)
    print("arc-interop: %d messages (%d set aside: 'Name : value' fields), %d sealed results planned"
          % (len(usable), aside, len(run.nodes)), flush=True)
    for level in (1, 2, 3):
        run.level(level)
        print("arc-interop: hop %d done (%d sealed, %d passed by every verifier)"
              % (level, sum(1 for n in run.nodes if n.level == level and n.state in ("ok", "not passed")),
                 sum(1 for n in run.nodes if n.level == level and n.state == "ok")), flush=True)
    run.variants()
    return run.report()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
