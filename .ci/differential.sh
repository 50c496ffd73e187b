#!/usr/bin/env bash
# differential.sh -- seeded random differential test: dkimctl against dkimpy,
# OpenDKIM (libopendkim) and Mail::DKIM on generated messages, both ways.
#
#   .ci/differential.sh [--seed N] [PATH/TO/dkimctl]    (default: target/release/dkimctl)
#
#   DIFF_SEED=N    rerun one seed (same as --seed N); default: a fresh random
#                  seed, printed first ("differential: seed N")
#   DIFF_COUNT=N   number of messages (default 300)
#   DIFF_JOBS=N    parallel shards (default: number of CPUs)
#   DIFF_KEEP=1    keep the whole work dir (its path is printed; /dev/shm if
#                  TMPDIR is unset)
#   DKIMCTL_REQUIRE_PEERS=1  a peer that is not installed is a failure
#                  (otherwise its cells are skipped with a notice)
#
# Needs .ci/peers/install.sh to have run.  Offline: keys come from a zone file,
# never DNS; no network at all.
#
# Messages: .ci/peers/genmsg.py, deterministic from the seed (message N depends
# only on seed and N).  Shapes: CRLF / bare LF; last body line with and without
# line break, with trailing WSP, whitespace only; empty bodies, no body at all,
# bodies of blank lines; folded fields, "Name : v" / "Name:v" spacing, odd-case
# names, UTF-8, lines over 998 bytes, many and duplicated fields (genmsg.py).
#
# Every message goes both ways:
# (a) dkimctl signs it with each c= (4) x {rsa-sha256, ed25519-sha256}; each
#     result must be verified by dkimpy, opendkim, maildkim and dkimctl, must be
#     the input plus the DKIM-Signature field (plus the final line break when
#     the input's last body line has none), and a tampered copy (one body byte
#     or one byte of From changed, chosen per cell) must fail everywhere.
# (b) each peer signs it with each c= (4) (algorithm chosen per cell: see
#     genmsg.py plan_line), with its own default h= list and folding; dkimctl
#     must verify the result (exit 0, a pass line) and a bare-LF copy of it,
#     the other two peers verify it too (a 3-way vote on every disagreement),
#     and a tampered copy must fail in dkimctl and in the other peers.
#
# Asserted peer deviations (not skips: the verdict is checked).  genmsg.py has
# the body models, checked against every peer signature's bh= (the "bh= =
# model" rows); each names the peers and the RFC text that agree against it:
#   - Mail::DKIM c=*/simple: no CRLF added to an unterminated last body line
#     (RFC 6376 3.4.3 adds one; dkimpy, libopendkim and dkimctl do).
#   - dkimpy c=*/relaxed: an unterminated last line keeps its trailing WSP, a
#     whitespace-only one stays as " " (RFC 6376 3.4.4 strips WSP at the end of
#     every line; Mail::DKIM and dkimctl do).
#   - libopendkim c=*/relaxed: an unterminated last line that ends in WSP loses
#     the WSP *and* the CRLF; one without any WSP loses the empty lines before
#     it (dkimpy, Mail::DKIM and dkimctl agree with RFC 6376 3.4.4 on both).
#   In those cells dkimctl verify must answer "fail ... [body-final-line]" (the
#   signer canonicalized the unterminated last line unlike RFC 6376), and a
#   peer verifier must pass iff its own model gives the same canonical body.
#   Header fields written "Name<WSP>: value" (RFC 5322 4.5.8 obs-optional;
#   RFC 6376 3.4.2 deletes WSP before the colon), signed -- Mail::DKIM and
#   dkimctl take them for field "name":
#   - libopendkim verify: with a TAB in that WSP the field is dropped (a syntax
#     error in dkim_header) -> fail.
#   - dkimpy verify: "From : v" is read as an mbox From_ line and dropped ->
#     fail.
# Named "cannot" cells (exit 4 from a wrapper, counted as skipped, reason
# printed): Mail::DKIM has no ed25519; libopendkim's ed25519 with c=simple/*
# header canon is broken (never chosen in (b)); libopendkim c=simple/* of a
# header-only message (dkimpy, Mail::DKIM and dkimctl reject its signature);
# dkimpy cannot parse any other "Name : value" field, nor sign "From : v";
# libopendkim cannot sign "Name<TAB>: value".  An exit 4 the harness did not
# predict is a failure.
#
# Speed: the peers run through the --batch forms of .ci/peers/{sign,verify}
# (one process per peer and shard) and dkimctl verifies up to 150 files per
# run (lines "FILE: verdict"; the run's exit code must be 0 for files all
# expected to pass, 1 for files all expected to fail); a few cells are re-run
# alone to prove the batch forms answer like the single ones.  A failure
# prints the seed, the message index, the single-message command and what it
# says, and the failing messages (with keys, zone and every derived file) are
# copied to a kept directory whose path is printed; the commands run there.
# Last line: "N passed, M failed, K skipped"; exit 1 if M > 0.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS_DIR=$ROOT/.ci/peers
PY=/usr/bin/python3
seed=${DIFF_SEED:-}
args=()
while [ $# -gt 0 ]; do
    case $1 in
        --seed)   seed=${2:?--seed needs a number}; shift 2 ;;
        --seed=*) seed=${1#--seed=}; shift ;;
        *)        args+=("$1"); shift ;;
    esac
done
BIN=${args[0]:-$ROOT/target/release/dkimctl}
[ -x "$BIN" ] || { echo "differential.sh: dkimctl binary '$BIN' not found or not executable (cargo build --release --locked?)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
case $seed in ''|*[!0-9]*) echo "differential.sh: the seed must be a number, not '$seed'" >&2; exit 2 ;; esac
COUNT=${DIFF_COUNT:-300}
JOBS=${DIFF_JOBS:-$(nproc 2>/dev/null || echo 2)}
PEERS=(dkimpy opendkim maildkim)
CANONS=(simple/simple simple/relaxed relaxed/simple relaxed/relaxed)
ALGOS=(rsa-sha256 ed25519-sha256)
D=example.com
echo "differential: seed $seed"
echo "differential: $COUNT messages, $JOBS shards, $BIN (rerun: DIFF_SEED=$seed DIFF_COUNT=$COUNT .ci/differential.sh)"

# Work dir: ~15,000 small files (~70 MB) per 300 messages, so tmpfs (/dev/shm)
# when TMPDIR is not set and /dev/shm has room (1 MB per message, at least
# 512 MB: a container's default 64 MB is not enough); failing cases are
# copied to ${TMPDIR:-/tmp} anyway.
WORKBASE=${TMPDIR:-/tmp}
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    shm_free_kb=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
    need_kb=$(( ${DIFF_COUNT:-300} * 1024 )); [ $need_kb -ge 524288 ] || need_kb=524288
    [ "${shm_free_kb:-0}" -ge $need_kb ] && WORKBASE=/dev/shm
fi
T=$(mktemp -d "$WORKBASE/dkimctl-differential.XXXXXX")
if [ -n "${DIFF_KEEP:-}" ]; then
    trap 'echo "differential.sh: kept $T" >&2' EXIT
else
    trap 'rm -rf "$T"' EXIT
fi
cd "$T"
T0=$SECONDS

# ---- peers present? -------------------------------------------------------------
have=()
peer_installed() {
    case $1 in
    dkimpy)   "$PY" -c 'import dkim' 2>/dev/null ;;
    maildkim) perl -MMail::DKIM -e 1 2>/dev/null ;;
    opendkim) bash -c 'source "$1/lib.sh"; opendkim_peer_bin' _ "$PEERS_DIR" >/dev/null 2>&1 ;;
    esac
}
for p in "${PEERS[@]}"; do
    if peer_installed "$p"; then have+=("$p"); continue; fi
    if [ "${DKIMCTL_REQUIRE_PEERS:-}" = 1 ]; then
        echo "differential.sh: ERROR: peer $p is not installed (DKIMCTL_REQUIRE_PEERS=1); run .ci/peers/install.sh"
    else
        echo "differential.sh: notice: peer $p is not installed; its cells are skipped (run .ci/peers/install.sh)"
    fi
done
has_peer() { case " ${have[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

# ---- keys and zone (as interop.sh) ------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
openssl genpkey -algorithm ed25519 -out ed.pem
zone_txt() { # SELECTOR RECORD: zone line, record split into quoted strings of <= 255 bytes
    local rec=$2 out="$1._domainkey.$D. 3600 IN TXT"
    while [ -n "$rec" ]; do out+=" \"${rec:0:255}\""; rec=${rec:255}; done
    printf '%s\n' "$out"
}
{
    echo "; dkimctl differential zone"
    zone_txt rsa "v=DKIM1; k=rsa; p=$(openssl pkey -in rsa.pem -pubout -outform DER | base64 -w0)"
    zone_txt ed  "v=DKIM1; k=ed25519; p=$(openssl pkey -in ed.pem -pubout -outform DER | tail -c 32 | base64 -w0)"
} > zone

# ---- messages -----------------------------------------------------------------------
"$PY" "$PEERS_DIR/genmsg.py" gen "$seed" "$COUNT" msg > plan.tsv
echo "differential: $(wc -l < plan.tsv) messages generated in $((SECONDS - T0))s"

short() { local s=${1//simple/s}; s=${s//relaxed/r}; printf '%s' "${s/\//}"; }
alg_short() { [ "$1" = rsa-sha256 ] && echo rsa || echo ed; }
sel_of() { [ "$1" = rsa-sha256 ] && echo rsa || echo ed; }

# ---- one shard: every message whose index % JOBS == K, both directions ------------------
# Writes under res/K/ (see .ci/peers/diffjudge.py for the layout); "done" last.
shard() {
    local k=$1 res=res/$1 c a p cell files=() sel f rc list n vfiles=() t0=$SECONDS times=""
    lap() { times+=" $1 $((SECONDS - t0))s"; t0=$SECONDS; }
    mkdir -p "$res"
    while IFS=$'\t' read -r idx file _; do
        [ $((idx % JOBS)) -eq "$k" ] && files+=("msg/$file")
    done < plan.tsv
    [ ${#files[@]} -gt 0 ] || { echo finished > "$res/done"; return 0; }

    # (a) dkimctl signs: one run per cell over the shard's messages; if that run
    # fails, every message alone (so each gets its output or its own failure)
    for c in "${CANONS[@]}"; do for a in "${ALGOS[@]}"; do
        cell=$(short "$c")-$(alg_short "$a") sel=$(sel_of "$a")
        mkdir -p "a/$cell"
        rc=0; "$BIN" sign "${files[@]}" --domain "$D" --selector "$sel" --key "$sel.pem" -c "$c" \
              --out-dir "a/$cell" > "$res/asign.$cell.out" 2>&1 || rc=$?
        if [ $rc -ne 0 ]; then
            for f in "${files[@]}"; do
                "$BIN" sign "$f" --domain "$D" --selector "$sel" --key "$sel.pem" -c "$c" \
                    --out-dir "a/$cell" >> "$res/asign.$cell.out" 2>&1 || rm -f "a/$cell/${f##*/}"
            done
        fi
    done; done
    lap "dkimctl-sign"

    # (b) each peer signs with each c=; the algorithm per message and c= is in
    # the plan (B-CHOICES, PEERS x CANONS order)
    local pi=0 ci bch choice algo
    for p in "${PEERS[@]}"; do
        ci=0
        for c in "${CANONS[@]}"; do
            if has_peer "$p"; then
                mkdir -p "b/$p.$(short "$c")"
                for algo in "${ALGOS[@]}"; do
                    local group=()
                    while IFS=$'\t' read -r idx file _ _ bch _; do
                        [ $((idx % JOBS)) -eq "$k" ] || continue
                        IFS=, read -r -a choice <<< "$bch"
                        [ "${choice[$((pi * 4 + ci))]%/*}" = "$algo" ] && group+=("msg/$file")
                    done < plan.tsv
                    [ ${#group[@]} -gt 0 ] || continue
                    sel=$(sel_of "$algo")
                    "$PEERS_DIR/sign" --batch "$p" "$sel.pem" "$D" "$sel" "$c" "$algo" "b/$p.$(short "$c")" \
                        "${group[@]}" >> "$res/bsign.$p.$(short "$c").tsv" 2>> "$res/bsign.err" || true
                done
            fi
            ci=$((ci + 1))
        done
        pi=$((pi + 1))
    done

    lap "peers-sign"
    # tampered and bare-LF copies, and who verifies what
    "$PY" "$PEERS_DIR/diffjudge.py" prepare "$T" "$k" "$JOBS"
    lap "prepare"

    for p in "${have[@]}"; do
        list=$res/verify.$p.list
        [ -s "$list" ] || continue
        xargs -d '\n' "$PEERS_DIR/verify" --batch "$p" zone < "$list" > "$res/verify.$p.tsv" 2>> "$res/verify.err" || true
        lap "$p-verify"
    done
    for list in "$res"/dkimctl.*.list; do
        [ -e "$list" ] || continue
        n=${list%.list}
        mapfile -t vfiles < "$list"      # at most 150 (diffjudge.py CHUNK)
        rc=0; "$BIN" verify --zone zone "${vfiles[@]}" > "$n.out" 2>&1 || rc=$?
        echo "$rc" > "$n.rc"
    done
    lap "dkimctl-verify"
    echo "shard $k (${#files[@]} messages):$times" > "$res/times"
    echo finished > "$res/done"
}

# ---- run the shards ---------------------------------------------------------------------
for ((k = 0; k < JOBS; k++)); do
    shard "$k" > "res.$k.log" 2>&1 &
done
wait
: > setup-failures.txt   # one line per failure outside the cells (diffjudge.py counts them)
for p in "${PEERS[@]}"; do
    has_peer "$p" || [ "${DKIMCTL_REQUIRE_PEERS:-}" != 1 ] ||
        echo "peer $p is not installed and DKIMCTL_REQUIRE_PEERS=1 (run .ci/peers/install.sh)" >> setup-failures.txt
done
for ((k = 0; k < JOBS; k++)); do
    [ -e "res/$k/done" ] ||
        echo "shard $k did not finish: $(tail -n5 "res.$k.log" | tr '\n' ' ')" >> setup-failures.txt
done
echo "differential: signed and verified in $((SECONDS - T0))s; judging"
cat res/*/times 2>/dev/null | sed 's/^/  /'

# ---- judge and report ---------------------------------------------------------------------
rc=0
DIFF_SEED=$seed DIFF_BIN=$BIN DIFF_PEERS="${have[*]}" \
    "$PY" "$PEERS_DIR/diffjudge.py" judge "$T" > judge.out 2>&1 || rc=$?
if [ -s failing.txt ] || [ $rc -ne 0 ]; then
    KEPT=$(mktemp -d "${TMPDIR:-/tmp}/dkimctl-differential-failed.$seed.XXXXXX")
    cp rsa.pem ed.pem zone plan.tsv "$KEPT/"
    cp failures.log setup-failures.txt "$KEPT/" 2>/dev/null || true
    while read -r m; do
        for f in msg/"$m".eml a/*/"$m".eml* b/*/"$m".eml*; do
            [ -e "$f" ] || continue
            mkdir -p "$KEPT/$(dirname "$f")" && cp "$f" "$KEPT/$f"
        done
    done < <(cat failing.txt 2>/dev/null)
    sed -e "s|(cd KEPT && |(cd $KEPT \&\& |" -e '$d' judge.out
    echo
    echo "differential: failing messages (and every file derived from them) kept in $KEPT"
    echo "differential: rerun this seed: DIFF_SEED=$seed DIFF_COUNT=$COUNT .ci/differential.sh $BIN"
    echo "differential: ${SECONDS}s in all"
    tail -n1 judge.out
else
    sed '$d' judge.out
    echo "differential: ${SECONDS}s in all"
    tail -n1 judge.out
fi
[ $rc -eq 0 ]
