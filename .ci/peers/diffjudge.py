#!/usr/bin/python3
# diffjudge.py -- expectations and verdicts for .ci/differential.sh (which runs
# the programs; this file only decides what each result should be and reports).
# Python 3 standard library only; the body models are in genmsg.py.
#
#   diffjudge.py prepare T SHARD NSHARDS
#       After the shard's messages are signed: writes the tampered and bare-LF
#       copies and the lists of files each verifier gets (T/res/SHARD/*.list).
#   diffjudge.py judge T
#       Reads T/plan.tsv and every result under T/res, prints failures, the
#       summary tables and "N passed, M failed, K skipped"; writes the failing
#       message files' names to T/failing.txt.  Exit 1 iff a check failed.
#       Environment: DIFF_SEED, DIFF_BIN (dkimctl), DIFF_PEERS (installed
#       peers), DKIMCTL_REQUIRE_PEERS.
#
# Layout under T (all names relative to T, which is the cwd of every command):
#   msg/mNNNN.eml                   generated messages (genmsg.py), plan.tsv
#   a/CELL/mNNNN.eml[.tampered]     (a) dkimctl-signed, CELL = c= x algorithm
#   b/PEER.CC/mNNNN.eml[.lf|.tampered]  (b) signed by PEER with c= CC
#   res/SHARD/bsign.PEER.CC.tsv     peer sign records (EXIT FILE STDOUT STDERR)
#   res/SHARD/verify.PEER.tsv       peer verify records
#   res/SHARD/dkimctl.{pass,fail}.N.{list,out,rc}  dkimctl verify, in chunks of
#                                   files expected to pass / to fail
#
# What is expected (see differential.sh for the why):
#   (a) dkimctl signs: every peer verifies (pass) -- but for the named header
#       deviations (header_quirk) --, dkimctl verifies, the signed output is
#       the input plus the DKIM-Signature field plus the final line break if
#       the input's last body line had none, its bh= is the RFC 6376 body hash
#       (genmsg.py's model: an oracle independent of dkimctl); tampered copies
#       fail everywhere.
#   (b) a peer signs: its bh= is its model's body hash; dkimctl passes it, or
#       -- where the model says the peer hashed the body unlike RFC 6376 --
#       answers "fail ... [body-final-line]"; another peer passes it iff its
#       model computes the same canonical body (and no header deviation
#       applies); tampered copies fail everywhere.
#   Batch forms: a few cells are re-run alone and must answer the same; each
#   multi-file dkimctl verify must exit 0 (all pass) or 1 (all fail).
#   Named "cannot" cells (the peer refuses: exit 4 "unsupported") are skipped;
#   an exit 4 nobody predicted is a failure.
import base64
import collections
import functools
import hashlib
import os
import random
import re
import subprocess
import sys

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genmsg  # noqa: E402

PEERS = genmsg.PEERS
CANONS = genmsg.CANONS
ALGOS = ("rsa-sha256", "ed25519-sha256")
CELLS = [(c, a) for c in CANONS for a in ALGOS]          # plan A-CHOICES order
SEL = {"rsa-sha256": ("rsa", "rsa.pem"), "ed25519-sha256": ("ed", "ed.pem")}
D = "example.com"
PEERS_DIR = os.path.dirname(os.path.abspath(__file__))
CHUNK = 150                                              # files per dkimctl verify


def cc(c):
    return c.replace("simple", "s").replace("relaxed", "r").replace("/", "")


def cell_name(c, a):
    return "%s-%s" % (cc(c), "rsa" if a == "rsa-sha256" else "ed")


# ---- the plan ------------------------------------------------------------------
class Msg:
    def __init__(self, line):
        f = line.rstrip("\n").split("\t")
        self.idx, self.file, self.tags = int(f[0]), "msg/" + f[1], set(f[2].split(",")) - {""}
        self.name = f[1][:-4]                      # mNNNN
        self.a_tamper = dict(zip(CELLS, f[3].split(",")))
        bch = f[4].split(",")
        self.b = {}                                # (peer, c) -> (algo, tamper kind)
        k = 0
        for p in PEERS:
            for c in CANONS:
                algo, kind = bch[k].split("/")
                self.b[(p, c)] = (algo, kind)
                k += 1
        self.model = {}
        for item in f[5].split(","):
            key, tok = item.split("=", 1)
            p, bc = key.split("/")
            self.model[(p, bc)] = tok

    def a_file(self, c, a):
        return "a/%s/%s.eml" % (cell_name(c, a), self.name)

    def b_file(self, p, c):
        return "b/%s.%s/%s.eml" % (p, cc(c), self.name)

    def token(self, impl, bc):
        return "rfc" if impl == "dkimctl" else self.model[(impl, bc)]


def read_plan(t):
    with open(os.path.join(t, "plan.tsv")) as f:
        return [Msg(line) for line in f if line.strip()]


def shard_of(m, njobs):
    return m.idx % njobs


# ---- message shape (as .ci/peers/lib.sh msg_shape sees it) ------------------------
WSP_COLON = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)([ \t]+):", re.M)


def split_msg(msg):
    msg = re.sub(rb"\r?\n", b"\r\n", msg)
    m = re.match(rb"(.*?\r\n)\r\n(.*)\Z", msg, re.S)
    return (m.group(1), m.group(2), True) if m else (msg, b"", False)


def shape(msg):
    head, body, sep = split_msg(msg)
    sigs = []
    for f in re.findall(rb"(?im)^DKIM-Signature[ \t]*:(.*?\r\n(?:[ \t].*?\r\n)*)", head):
        f = re.sub(rb"\r\n", b"", f).decode("latin1")
        tags = {}
        for part in f.split(";"):
            if "=" in part:
                k, v = part.split("=", 1)
                tags[k.strip().lower()] = re.sub(r"\s+", "", v)
        c = tags.get("c", "simple/simple").lower()
        if "/" not in c:
            c += "/simple"
        sigs.append({"c": c, "a": tags.get("a", "").lower(), "bh": tags.get("bh", ""),
                     "h": [h.lower() for h in tags.get("h", "").split(":") if h]})
    # fields written "Name<WSP>:" -> (name as written, the WSP)
    wspcolon = WSP_COLON.findall(head)
    # dkimpy's rfc822_parse drops a line that starts "From " (case matters: an
    # mbox From_ line) and raises MessageFormatError on any other of them
    mbox_from = [n == b"From" and w.startswith(b" ") for n, w in wspcolon]
    return {"sep": sep, "body": body, "noeol": genmsg.unterminated(body), "sigs": sigs,
            "wspcolon": wspcolon,
            "dkimpy_parse_error": not all(mbox_from),
            "from_space_colon": any(mbox_from),
            # libopendkim dkim_header(): no control character before the colon
            "tabcolon": {n.lower().decode("latin1") for n, w in wspcolon if b"\t" in w}}


def read(t, path):
    with open(os.path.join(t, path), "rb") as f:
        return f.read()


@functools.lru_cache(maxsize=None)
def shape_of(t, path):
    return shape(read(t, path))


# ---- "cannot" predictions: (peer refuses, exit 4) -----------------------------------
def cannot_sign(peer, s, c, a):
    """S: shape() of the message"""
    if peer == "maildkim" and a != "rsa-sha256":
        return "Mail::DKIM has no ed25519"
    if peer == "dkimpy" and s["dkimpy_parse_error"]:
        return "dkimpy cannot parse a header field with WSP before the colon"
    if peer == "dkimpy" and s["from_space_colon"]:
        return "dkimpy takes a 'From :' field for an mbox From_ line (no From field)"
    if peer == "opendkim":
        if not s["sep"] and c.startswith("simple/"):
            return "libopendkim c=simple/* signature of a header-only message is wrong"
        if s["tabcolon"]:
            return "libopendkim cannot sign a header field with a TAB before the colon"
        if a == "ed25519-sha256" and c.startswith("simple/"):
            return "libopendkim ed25519 with c=simple/* is broken"
    return None


def cannot_verify(peer, s):
    """S: shape() of the message"""
    if peer == "maildkim" and any(g["a"].startswith("ed25519") for g in s["sigs"]):
        return "Mail::DKIM has no ed25519"
    if peer == "dkimpy" and s["dkimpy_parse_error"]:
        return "dkimpy cannot parse a header field with WSP before the colon"
    if peer == "opendkim" and not s["sep"] and any(g["c"].startswith("simple/") for g in s["sigs"]):
        return "libopendkim c=simple/* verification of a header-only message is wrong"
    return None


# Header fields written "Name<WSP>: value" (RFC 5322 4.5.8 obs-optional, which
# receivers must accept; RFC 6376 3.4.2 deletes WSP before the colon) that the
# signature covers.  Mail::DKIM and dkimctl take them for field "name".
#   libopendkim: a TAB before the colon is a syntax error in dkim_header(); in
#     verify mode the field is then not there, so the signature fails (spaces
#     alone are trimmed from the name: fine).
#   dkimpy: "From : v" starts with "From ", which rfc822_parse takes for an
#     mbox From_ line and drops: no From field, the signature fails.  (Any
#     other such field: dkimpy cannot parse the message -- a "cannot".)
OPENDKIM_TAB_COLON = "opendkim-tab-before-colon"
DKIMPY_FROM_COLON = "dkimpy-from-space-colon"


def header_quirk(verifier, s):
    """The named deviation that makes VERIFIER fail the first signature of the
    message with shape S, or None."""
    if not s["sigs"]:
        return None
    signed = set(s["sigs"][0]["h"])
    if verifier == "opendkim" and s["tabcolon"] & signed:
        return OPENDKIM_TAB_COLON
    if verifier == "dkimpy" and s["from_space_colon"] and not s["dkimpy_parse_error"]:
        return DKIMPY_FROM_COLON
    return None


# ---- prepare --------------------------------------------------------------------------
def cmd_prepare(t, shard, njobs):
    msgs = [m for m in read_plan(t) if shard_of(m, njobs) == shard]
    res = os.path.join(t, "res", str(shard))
    lists = collections.defaultdict(list)
    tamper = []
    for m in msgs:
        for (c, a) in CELLS:
            f = m.a_file(c, a)
            if not os.path.exists(os.path.join(t, f)):
                continue
            tamper.append((m.a_tamper[(c, a)], f, f + ".tampered"))
            for v in PEERS:
                lists["verify." + v].extend([f, f + ".tampered"])
            lists["dkimctl.pass"].append(f)
            lists["dkimctl.fail"].append(f + ".tampered")
        for (p, c), (algo, kind) in m.b.items():
            f = m.b_file(p, c)
            if not os.path.exists(os.path.join(t, f)):
                continue
            tamper.append((kind, f, f + ".tampered"))
            with open(os.path.join(t, f + ".lf"), "wb") as out:
                out.write(read(t, f).replace(b"\r\n", b"\n"))
            for v in PEERS:
                if v != p:
                    lists["verify." + v].extend([f, f + ".tampered"])
            ok = m.token(p, c.split("/")[1]) == "rfc"
            lists["dkimctl.pass" if ok else "dkimctl.fail"].extend([f, f + ".lf"])
            lists["dkimctl.fail"].append(f + ".tampered")
    for kind, src, dst in tamper:
        msg = read(t, src)
        out = genmsg.tamper(msg, kind)
        assert out != msg, src
        with open(os.path.join(t, dst), "wb") as f:
            f.write(out)
    for name, files in lists.items():
        if name.startswith("dkimctl."):     # chunks: one dkimctl verify each
            for k in range(0, len(files), CHUNK):
                with open(os.path.join(res, "%s.%d.list" % (name, k // CHUNK)), "w") as f:
                    f.write("".join(x + "\n" for x in files[k:k + CHUNK]))
        else:
            with open(os.path.join(res, name + ".list"), "w") as f:
                f.write("".join(x + "\n" for x in files))


# ---- collect results ------------------------------------------------------------------
def read_records(path):
    """EXIT FILE STDOUT STDERR records -> {FILE: (exit, stdout, stderr)}"""
    out = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 2:
                    parts += [""] * (4 - len(parts))
                    out[parts[1]] = (int(parts[0]), parts[2], parts[3])
    return out


def read_dkimctl(res):
    """dkimctl verify chunks -> ({FILE: [lines]}, [(chunk, kind, rc, files)])"""
    lines, chunks = {}, []
    for fn in sorted(os.listdir(res)):
        m = re.match(r"dkimctl\.(pass|fail)\.(\d+)\.list$", fn)
        if not m:
            continue
        base = os.path.join(res, fn[:-5])
        with open(os.path.join(res, fn)) as f:
            files = f.read().split()
        rc = None
        if os.path.exists(base + ".rc"):
            with open(base + ".rc") as f:
                rc = int(f.read().strip() or -1)
        out = ""
        if os.path.exists(base + ".out"):
            with open(base + ".out", encoding="utf-8", errors="replace") as f:
                out = f.read()
        known = set(files)
        for line in out.splitlines():
            name, _, rest = line.partition(": ")
            if name in known:
                lines.setdefault(name, []).append(rest)
            else:
                for x in files:                      # e.g. "error: FILE: ..."
                    if x in line:
                        lines.setdefault(x, []).append(line)
                        break
        chunks.append((base, m.group(1), rc, files, out))
    return lines, chunks


# ---- judging -----------------------------------------------------------------------------
class Judge:
    def __init__(self, t):
        self.t = t
        self.bin = os.environ.get("DIFF_BIN", "dkimctl")
        self.seed = os.environ.get("DIFF_SEED", "?")
        self.have = set(os.environ.get("DIFF_PEERS", " ".join(PEERS)).split())
        self.require = os.environ.get("DKIMCTL_REQUIRE_PEERS") == "1"
        self.npass = self.nfail = self.nskip = 0
        self.failures = []                 # (msg, id, what, cmd, detail)
        self.skips = collections.Counter()
        self.table = collections.defaultdict(collections.Counter)   # (dir, signer, verifier) -> counts
        self.quirks = collections.Counter()                          # (quirk, verifier) -> cells
        self.votes = collections.Counter()
        self.failing_msgs = set()

    # one check's outcome
    def ok(self, key):
        self.npass += 1
        self.table[key]["pass"] += 1

    def expected_fail(self, key, quirk, verifier):
        self.npass += 1
        self.table[key]["fail as expected"] += 1
        if quirk:
            self.quirks[(quirk, verifier)] += 1

    def skip(self, key, why):
        self.nskip += 1
        self.table[key]["skipped"] += 1
        self.skips[why] += 1

    def bad(self, key, m, cid, what, cmd, detail=""):
        self.nfail += 1
        self.table[key]["FAILED"] += 1
        self.failures.append((m, cid, what, cmd, detail))
        self.failing_msgs.add(m.name)

    # verdict helpers: "pass" | "fail" | "cannot" | "error"
    @staticmethod
    def peer_verdict(rec):
        rc, out, _ = rec
        if rc == 4:
            return "cannot"
        if rc == 0 and out.startswith("pass ") and " | " not in out:
            return "pass"
        if rc == 1 and not re.search(r"(^| \| )pass ", out):
            return "fail"
        return "error"

    @staticmethod
    def dkimctl_verdict(lines):
        """From its lines in a multi-file run (the exit code is the chunk's,
        see check_chunks): "pass", "fail:REASON" or "error"."""
        joined = " | ".join(lines or [])
        npass = sum(1 for ln in lines or [] if ln.startswith("pass "))
        nfail = sum(1 for ln in lines or [] if re.match(r"(fail|permerror|temperror|neutral|none)\b", ln))
        if npass == 1 and nfail == 0:
            return "pass", joined
        if npass == 0 and nfail >= 1:
            m = re.search(r"\[([a-z0-9-]+)\]", joined)
            return "fail:" + (m.group(1) if m else "?"), joined
        return "error", joined

    def check_peer(self, key, m, cid, v, f, want, quirk=None):
        """Peer V verifies file F; WANT pass|fail.  Returns the verdict."""
        if v not in self.have:
            if not self.require:
                self.skip(key, "%s: peer not installed" % v)
            return "skip"
        why = cannot_verify(v, shape_of(self.t, f))
        rec = self.precs[v].get(f)
        cmd = "%s/verify %s zone < %s" % (PEERS_DIR, v, f)
        if rec is None:
            self.bad(key, m, cid, "no result from %s verify" % v, cmd)
            return "error"
        got = self.peer_verdict(rec)
        if why:
            if got == "cannot":
                self.skip(key, "%s verify: %s" % (v, why))
            else:
                self.bad(key, m, cid, "%s verify: want exit 4 (%s), got %s" % (v, why, got), cmd, fmt_rec(rec))
            return "skip"
        if got == want:
            if want == "pass":
                self.ok(key)
            else:
                self.expected_fail(key, quirk, v)
        else:
            self.bad(key, m, cid, "%s verify: want %s%s, got %s" % (v, want, " (%s)" % quirk if quirk else "", got),
                     cmd, fmt_rec(rec))
        return got

    def check_dkimctl(self, key, m, cid, f, want, quirk=None):
        """dkimctl verifies F; WANT pass | fail | fail:REASON."""
        lines = self.dlines.get(f)
        kind = "pass" if want == "pass" else "fail"
        got, out = self.dkimctl_verdict(lines)
        cmd = "%s verify --zone zone %s" % (self.bin, f)
        match = got == want or (want == "fail" and got.startswith("fail:"))
        if match:
            if kind == "pass":
                self.ok(key)
            else:
                self.expected_fail(key, quirk, "dkimctl")
        else:
            self.bad(key, m, cid, "dkimctl verify: want %s, got %s" % (want, got), cmd, out)
        return got.split(":")[0]

    def run(self):
        t = self.t
        self.msgs = read_plan(t)
        self.precs = {v: {} for v in PEERS}
        bsign = {}
        self.dlines, self.chunk_rc = {}, {}
        self.chunks = []
        for shard in sorted(os.listdir(os.path.join(t, "res"))):
            res = os.path.join(t, "res", shard)
            if not os.path.isdir(res):
                continue
            for v in PEERS:
                self.precs[v].update(read_records(os.path.join(res, "verify.%s.tsv" % v)))
            for p in PEERS:
                for c in CANONS:
                    recs = read_records(os.path.join(res, "bsign.%s.%s.tsv" % (p, cc(c))))
                    bsign.update({(p, c, f): r for f, r in recs.items()})
            lines, chunks = read_dkimctl(res)
            self.dlines.update(lines)
            for base, kind, rc, files, out in chunks:
                self.chunks.append((base, kind, rc, files, out))
                for x in files:
                    self.chunk_rc[x] = rc
        self.bsign = bsign
        for m in self.msgs:
            self.judge_a(m)
            self.judge_b(m)
        setup = os.path.join(t, "setup-failures.txt")
        if os.path.exists(setup):
            with open(setup) as f:
                for line in f:
                    if line.strip():
                        self.nfail += 1
                        self.failures.append((None, "setup", line.strip(), "-", ""))

    def judge_a(self, m):
        orig = read(self.t, m.file)
        for (c, a) in CELLS:
            f = m.a_file(c, a)
            cid = "a %s %s" % (m.name, cell_name(c, a))
            sel, key = SEL[a]
            cmd = "%s sign %s --domain %s --selector %s --key %s -c %s" % (self.bin, m.file, D, sel, key, c)
            k_sign = ("a", "dkimctl", "sign")
            if not os.path.exists(os.path.join(self.t, f)):
                self.bad(k_sign, m, cid + " sign", "dkimctl sign failed", cmd)
                continue
            signed = read(self.t, f)
            why = check_signed_output(orig, signed)
            if why:
                self.bad(k_sign, m, cid + " output", "dkimctl sign output: " + why, cmd)
            else:
                self.ok(k_sign)
            self.check_bh(("a", "dkimctl", "bh= = RFC 6376 model"), m, cid + " bh", "dkimctl", f, cmd)
            verdicts, asserted = {}, []
            for v in PEERS:
                quirk = header_quirk(v, shape_of(self.t, f))
                verdicts[v] = self.check_peer(("a", "dkimctl", v), m, cid + " " + v, v, f,
                                              "fail" if quirk else "pass", quirk)
                if quirk:
                    asserted.append(v)
            verdicts["dkimctl"] = self.check_dkimctl(("a", "dkimctl", "dkimctl"), m, cid + " dkimctl", f, "pass")
            self.vote("a", "dkimctl", verdicts, asserted)
            ft = f + ".tampered"
            for v in PEERS:
                self.check_peer(("a", "dkimctl", v + " (tampered)"), m, cid + " tampered " + v, v, ft, "fail")
            self.check_dkimctl(("a", "dkimctl", "dkimctl (tampered)"), m, cid + " tampered dkimctl", ft, "fail")

    def judge_b(self, m):
        for (p, c), (algo, kind) in m.b.items():
            bc = c.split("/")[1]
            f = m.b_file(p, c)
            cid = "b %s %s:%s-%s" % (m.name, p, cc(c), "rsa" if algo == "rsa-sha256" else "ed")
            sel, key = SEL[algo]
            cmd = "%s/sign %s %s %s %s %s %s < %s" % (PEERS_DIR, p, key, D, sel, c, algo, m.file)
            k_sign = ("b", p, "sign")
            if p not in self.have:
                if not self.require:
                    self.skip(k_sign, "%s: peer not installed" % p)
                continue
            why = cannot_sign(p, shape_of(self.t, m.file), c, algo)
            rec = self.bsign.get((p, c, m.file))
            got = "?" if rec is None else ("ok" if rec[0] == 0 else "cannot" if rec[0] == 4 else "error")
            if why:
                if got == "cannot":
                    self.skip(k_sign, "%s sign: %s" % (p, why))
                else:
                    self.bad(k_sign, m, cid + " sign", "%s sign: want exit 4 (%s), got %s" % (p, why, got),
                             cmd, fmt_rec(rec) if rec else "")
                continue
            if got != "ok" or not os.path.exists(os.path.join(self.t, f)):
                self.bad(k_sign, m, cid + " sign", "%s sign failed (%s)" % (p, got), cmd, fmt_rec(rec) if rec else "")
                continue
            self.ok(k_sign)
            self.check_bh(("b", p, "bh= = model of " + p), m, cid + " bh", p, f, cmd)
            tok = m.token(p, bc)
            quirk = None if tok == "rfc" else tok.split("@")[0]
            want = "pass" if quirk is None else "fail:body-final-line"
            verdicts = {"dkimctl": self.check_dkimctl(("b", p, "dkimctl"), m, cid + " dkimctl", f, want, quirk)}
            asserted = ["dkimctl"] if quirk else []
            self.check_dkimctl(("b", p, "dkimctl (bare LF copy)"), m, cid + " lf dkimctl", f + ".lf", want, quirk)
            for v in PEERS:
                if v == p:
                    continue
                vtok = m.token(v, bc)
                vq = quirk or (None if vtok == "rfc" else vtok.split("@")[0])
                same = tok == vtok
                hq = header_quirk(v, shape_of(self.t, f))
                if hq:
                    same, vq = False, hq
                verdicts[v] = self.check_peer(("b", p, v), m, cid + " " + v, v, f,
                                              "pass" if same else "fail", None if same else vq)
                if not same:
                    asserted.append(v)
            self.vote("b", p, verdicts, asserted)
            ft = f + ".tampered"
            self.check_dkimctl(("b", p, "dkimctl (tampered)"), m, cid + " tampered dkimctl", ft, "fail")
            for v in PEERS:
                if v != p:
                    self.check_peer(("b", p, v + " (tampered)"), m, cid + " tampered " + v, v, ft, "fail")

    def check_bh(self, key, m, cid, impl, f, cmd):
        """The signature's bh= must be the hash of the canonical body that
        genmsg.py's model of IMPL (RFC 6376 for dkimctl) computes: checks the
        models (and dkimctl's signing) against an independent oracle."""
        s = shape_of(self.t, f)
        bc = s["sigs"][0]["c"].split("/")[1] if s["sigs"] else "?"
        fn = genmsg.rfc_simple if bc == "simple" else genmsg.rfc_relaxed
        if (impl, bc) in genmsg.QUIRKS:
            fn = genmsg.QUIRKS[(impl, bc)][1]
        want = base64.b64encode(hashlib.sha256(fn(s["body"])).digest()).decode()
        got = s["sigs"][0]["bh"] if s["sigs"] else None
        if got == want:
            self.ok(key)
        else:
            self.bad(key, m, cid, "bh= of %s's signature is not the model's (%s c=*/%s) body hash: got %s, want %s"
                     % (impl, "RFC 6376" if impl == "dkimctl" else "genmsg.py " + impl, bc, got, want), cmd)

    def vote(self, direction, signer, verdicts, asserted=()):
        """Tally who agreed (pass/fail) on one signed message; in (b) the
        signer counts as a pass.  ASSERTED: verifiers whose fail is a named
        expectation (the tally says so)."""
        vs = {k: v for k, v in verdicts.items() if v in ("pass", "fail")}
        if direction == "b":
            vs[signer + " (signer)"] = "pass"
        if len(set(vs.values())) <= 1:
            self.votes[(direction, "all %d agree" % len(vs))] += 1
            return
        failing = {k for k, v in vs.items() if v == "fail"}
        note = " (asserted peer deviation)" if failing <= set(asserted) else " (UNEXPECTED)"
        cnt = collections.Counter(vs.values())
        odd = sorted(k for k, v in vs.items() if cnt[v] == 1)
        if len(odd) == 1 and len(vs) >= 3:
            what = "%s says %s alone against the other %d" % (odd[0], vs[odd[0]], len(vs) - 1)
        else:
            what = "split: " + ", ".join("%s=%s" % kv for kv in sorted(vs.items()))
        self.votes[(direction, what + note)] += 1

    # ---- batch vs single consistency: re-run a few cells alone --------------------------
    def spot_check(self, n_dkimctl=12, n_peer=2):
        r = random.Random("spot:" + self.seed)
        cells = sorted(self.dlines)
        for f in r.sample(cells, min(n_dkimctl, len(cells))):
            rc, out = run_single([self.bin, "verify", "--zone", "zone", f], self.t)
            lines = [ln for ln in out.splitlines() if ln]
            want = self.dlines[f]
            kind = "pass" if all(ln.startswith("pass ") for ln in want) and want else "fail"
            if lines != want or rc != (0 if kind == "pass" else 1):
                m = self.msg_of(f)
                self.bad(("batch", "dkimctl", "single"), m, "batch-vs-single " + f,
                         "dkimctl verify of one file differs from the multi-file run",
                         "%s verify --zone zone %s" % (self.bin, f),
                         "alone: exit %d: %s\nin the batch: %s" % (rc, " | ".join(lines), " | ".join(want)))
            else:
                self.ok(("batch", "dkimctl", "single"))
        for v in PEERS:
            if v not in self.have:
                continue
            files = sorted(self.precs[v])
            for f in r.sample(files, min(n_peer, len(files))):
                rc, out = run_single(["%s/verify" % PEERS_DIR, v, "zone"], self.t, stdin=f)
                brc, bout, _ = self.precs[v][f]
                lines = " | ".join(ln for ln in out.splitlines() if re.match(r"(pass|fail|permerror|temperror) ", ln))
                if rc != brc or lines != bout:
                    self.bad(("batch", v, "single"), self.msg_of(f), "batch-vs-single " + f,
                             "%s verify of one file differs from --batch" % v,
                             "%s/verify %s zone < %s" % (PEERS_DIR, v, f),
                             "alone: exit %d: %s\nbatch: exit %d: %s" % (rc, lines, brc, bout))
                else:
                    self.ok(("batch", v, "single"))

    def msg_of(self, f):
        name = re.search(r"(m\d{4})\.eml", f).group(1)
        return next(m for m in self.msgs if m.name == name)

    def check_chunks(self):
        """The exit code of each multi-file dkimctl verify: 0 when all its
        files pass, 1 when all fail.  A wrong one is a failure of its own unless
        one of its files already failed (which explains it)."""
        for base, kind, rc, files, out in self.chunks:
            want = 0 if kind == "pass" else 1
            if rc != want and (rc not in (0, 1) or not any(x in self.failing_files() for x in files)):
                self.nfail += 1
                self.failures.append((None, "chunk " + os.path.relpath(base, self.t),
                                      "dkimctl verify of %d files expected to %s: exit %s, want %d"
                                      % (len(files), kind, rc, want),
                                      "%s verify --zone zone $(cat %s.list)" % (self.bin, os.path.relpath(base, self.t)),
                                      out[-2000:]))
            else:
                self.ok(("batch", "dkimctl", "exit code, multi-file"))

    def failing_files(self):
        if not hasattr(self, "_ff"):
            self._ff = {x for (_, cid, _, cmd, _) in self.failures for x in cmd.split() if x.startswith(("a/", "b/"))}
        return self._ff

    # ---- report --------------------------------------------------------------------------
    def report(self):
        t = self.t
        shown = 0
        if self.failures:
            kinds = collections.Counter()
            for m, cid, what, cmd, detail in self.failures:
                signer = cid.split()[2].split(":")[0] if cid.startswith("b ") else "dkimctl"
                kinds["(%s) signer %s: %s%s" % (cid[:1], signer, "tampered copy, " if " tampered " in cid else "", re.sub(r"got \S+, want \S+$|: first difference.*", "", what))] += 1
            print("\nfailure kinds (seed %s; count: direction, signer, what):" % self.seed)
            for k, n in sorted(kinds.items()):
                print("  %5d: %s" % (n, k))
            print("\nfailures (seed %s):" % self.seed)
        for m, cid, what, cmd, detail in self.failures:
            shown += 1
            if shown > 40:
                print("  ... and %d more (all in %s/failures.log)" % (len(self.failures) - 40, "the kept directory"))
                break
            print("FAIL seed %s message %s: %s" % (self.seed, m.idx if m else "-", cid))
            print("    %s" % what)
            print("    command: (cd KEPT && %s)" % cmd)
            if shown <= 15:   # re-run it alone: what it says now
                argv, stdin = split_cmd(cmd)
                rc, out = run_single(argv, t, stdin)
                print("    now, alone: exit %d" % rc)
                for ln in out.splitlines()[:12]:
                    print("      " + ln[:300])
            elif detail:
                for ln in detail.splitlines()[:6]:
                    print("      " + ln[:300])
            if m is not None:
                print("    message: %s  tags: %s" % (m.file, ",".join(sorted(m.tags))))
                hint = bh_hint(t, cmd)
                if hint:
                    print("    " + hint)
        with open(os.path.join(t, "failures.log"), "w") as f:
            for m, cid, what, cmd, detail in self.failures:
                f.write("FAIL seed %s message %s: %s\n    %s\n    command: %s\n" % (self.seed, m.idx if m else "-", cid, what, cmd))
                for ln in detail.splitlines():
                    f.write("      %s\n" % ln)
        with open(os.path.join(t, "failing.txt"), "w") as f:
            f.write("".join(n + "\n" for n in sorted(self.failing_msgs)))

        print("\nsummary: messages exchanged (cells) per direction, signer and verifier")
        print("  %-3s %-9s %-26s %6s %6s %9s %8s %7s" % ("dir", "signer", "checked by", "cells", "pass", "fail-as-", "skipped", "FAILED"))
        print("  %-3s %-9s %-26s %6s %6s %9s %8s %7s" % ("", "", "", "", "", "expected", "", ""))
        for key in sorted(self.table, key=lambda k: (k[0] == "batch", k[0], k[1] != "dkimctl", k[1], k[2])):
            c = self.table[key]
            print("  %-3s %-9s %-26s %6d %6d %9d %8d %7d" % (key[0][:5], key[1], key[2], sum(c.values()), c["pass"],
                                                          c["fail as expected"], c["skipped"], c["FAILED"]))
        print("\nagreement (each signed message: the verdicts of every verifier that could check it)")
        for (d, what), n in sorted(self.votes.items()):
            print("  (%s) %6d  %s" % (d, n, what))
        print("\nasserted peer-bug expectations (cells where the named deviation was asserted and held)")
        if not self.quirks:
            print("  (none)")
        for name, desc in QUIRK_DOC:
            cells = {v: n for (q, v), n in self.quirks.items() if q == name}
            if cells:
                print("  %-28s %s" % (name, ", ".join("%s %d" % kv for kv in sorted(cells.items()))))
                print("  %-28s (%s)" % ("", desc))
        if self.skips:
            print("\nskipped (count: reason):")
            for why, n in sorted(self.skips.items(), key=lambda kv: kv[0]):
                print("  %5d: %s" % (n, why))
        print()
        print("%d passed, %d failed, %d skipped" % (self.npass, self.nfail, self.nskip))
        return 1 if self.nfail else 0


QUIRK_DOC = [
    ("maildkim-simple-final-crlf", "Mail::DKIM c=*/simple: no CRLF added to an unterminated last body line, RFC 6376 3.4.3"),
    ("dkimpy-relaxed-final-wsp", "dkimpy c=*/relaxed: unterminated last line keeps its trailing WSP / a WSP-only one stays"),
    ("opendkim-relaxed-final-line", "libopendkim c=*/relaxed: unterminated last line ending in WSP loses WSP and CRLF; "
                                   "one without WSP loses the empty lines before it"),
    (OPENDKIM_TAB_COLON, "libopendkim: a signed field written 'Name<TAB>: value' is dropped (dkim_header syntax error)"),
    (DKIMPY_FROM_COLON, "dkimpy: 'From : value' is taken for an mbox From_ line and dropped"),
]


def check_signed_output(orig, signed):
    """dkimctl sign output = DKIM-Signature field(s) + input (+ the missing final
    line break).  Returns what is wrong, or None."""
    nl = b"\r\n" if b"\r\n" in orig else b"\n"
    m = re.match(rb"(DKIM-Signature:.*?" + re.escape(nl) + rb"(?:[ \t][^\n]*?" + re.escape(nl) + rb")*)", signed, re.S | re.I)
    if not m:
        return "does not start with a DKIM-Signature field in the input's line-ending style"
    rest = signed[m.end():]
    head, body, sep = split_msg(orig)
    want = orig + (nl if genmsg.unterminated(body) else b"")
    if rest != want:
        i = next((k for k in range(min(len(rest), len(want))) if rest[k] != want[k]), min(len(rest), len(want)))
        return ("after the signature field it is not the input%s: first difference at byte %d: got %r, want %r"
                % (" plus the final line break" if genmsg.unterminated(body) else "", i,
                   rest[max(0, i - 20):i + 20], want[max(0, i - 20):i + 20]))
    if (nl == b"\n") and b"\r" in m.group(1):
        return "the signature field has CR in a bare-LF message"
    return None


def fmt_rec(rec):
    rc, out, err = rec
    return "exit %d\nstdout: %s\nstderr: %s" % (rc, out, err[:600])


def split_cmd(cmd):
    stdin = None
    if " < " in cmd:
        cmd, stdin = cmd.split(" < ", 1)
    return cmd.split(), stdin


def run_single(argv, cwd, stdin=None):
    try:
        with open(os.path.join(cwd, stdin), "rb") if stdin else open(os.devnull, "rb") as inp:
            r = subprocess.run(argv, cwd=cwd, stdin=inp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        return r.returncode, r.stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError) as e:
        return -1, str(e)


def bh_hint(t, cmd):
    """For a signed file in CMD: which body model its bh= matches."""
    files = [x for x in cmd.split() if x.startswith(("a/", "b/")) and os.path.exists(os.path.join(t, x))]
    if not files:
        return None
    s = shape(read(t, files[0]))
    if not s["sigs"]:
        return None
    bc = s["sigs"][0]["c"].split("/")[1]
    body = s["body"]
    cands = {"rfc": genmsg.rfc_simple(body) if bc == "simple" else genmsg.rfc_relaxed(body)}
    for (p, qbc), (name, fn) in genmsg.QUIRKS.items():
        if qbc == bc:
            cands[name] = fn(body)
    bh = s["sigs"][0]["bh"]
    hit = [n for n, v in cands.items() if base64.b64encode(hashlib.sha256(v).digest()).decode() == bh]
    return "bh= of %s (c=%s) matches the body model(s): %s; last body bytes %r" % (
        files[0], s["sigs"][0]["c"], ", ".join(hit) or "none", body[-40:])


def main(argv):
    if len(argv) == 5 and argv[1] == "prepare":
        cmd_prepare(argv[2], int(argv[3]), int(argv[4]))
        return 0
    if len(argv) == 3 and argv[1] == "judge":
        j = Judge(argv[2])
        j.run()
        j.spot_check()
        j.check_chunks()
        return j.report()
    print("usage: diffjudge.py prepare T SHARD NJOBS | judge T", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
