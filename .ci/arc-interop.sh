#!/usr/bin/env bash
# arc-interop.sh -- ARC (RFC 8617) interoperability: dkimctl arc seal / arc
# verify against dkimpy and Mail::DKIM, through the wrappers' arc-* forms in
# .ci/peers/dkimpy-peer.py and .ci/peers/maildkim-peer.pl.
#
#   .ci/arc-interop.sh [PATH/TO/dkimctl]        (default: target/release/dkimctl)
#
#   ARC_SEED=N     replay one seed; default: a fresh random seed, printed first
#   ARC_TREE=N     messages that get every sealer sequence of 1-3 hops (default 3)
#   ARC_RANDOM=N   random chains (default 80)
#   ARC_JOBS=N     parallel runs (default: number of CPUs)
#   ARC_KEEP=1     keep the work dir (it is kept anyway when a check fails)
#   ARC_IMPLS=a,b  only these of dkimctl,dkimpy,maildkim (the others' cells
#                  are skipped), e.g. dkimpy,maildkim for a dkimctl without ARC
#   DKIMCTL_REQUIRE_PEERS=1  an implementation that is missing is a failure
#
# Needs .ci/peers/install.sh to have run.  Offline: keys come from a zone file,
# never DNS.  Keys: one RSA-2048 (PKCS#8) and one Ed25519 key, published at
# rsa._domainkey.hopK.example.net and ed._domainkey.hopK.example.net for the
# three hops K = 1..3.  Messages: .ci/peers/genmsg.py, from the seed.
#
# What is checked, and why each answer is the right one: see the head of
# .ci/peers/arcdrive.py.  In short: chains of 1, 2 and 3 hops, every hop
# sealed by any of dkimctl, dkimpy and Mail::DKIM after writing its
# Authentication-Results (arc=<cv>), every result verified by all three
# (cv=pass), list changes (footer, "[list] " Subject) before a later hop seals
# (still cv=pass, dkimctl's --json --oldest-pass names that hop) and after the
# last seal (cv=fail), one ARC-Seal b= byte changed (cv=fail), a hop that
# found the chain broken and sealed cv=fail (cv=fail).  Mail::DKIM has
# no ed25519 (counted skips, reason printed).
# Last line: "N passed, M failed, K skipped"; exit 1 if M > 0.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS_DIR=$ROOT/.ci/peers
PY=/usr/bin/python3
BIN=${1:-$ROOT/target/release/dkimctl}
[ -x "$BIN" ] || { echo "arc-interop.sh: dkimctl binary '$BIN' not found or not executable (cargo build --release --locked?)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
seed=${ARC_SEED:-}
[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
case $seed in ''|*[!0-9]*) echo "arc-interop.sh: ARC_SEED must be a number, not '$seed'" >&2; exit 2 ;; esac
JOBS=${ARC_JOBS:-$(nproc 2>/dev/null || echo 2)}
echo "arc-interop: seed $seed (replay: ARC_SEED=$seed .ci/arc-interop.sh)"

T=$(mktemp -d "${TMPDIR:-/tmp}/dkimctl-arc-interop.XXXXXX")
keep=${ARC_KEEP:-}
cleanup() {
    case $keep in
        '') rm -rf "$T" ;;
        quiet) ;;
        *) echo "arc-interop.sh: kept $T" >&2 ;;
    esac
}
trap cleanup EXIT
cd "$T"

# ---- implementations present? ----------------------------------------------------
wanted=${ARC_IMPLS:-dkimctl,dkimpy,maildkim}
present=()
impl_installed() {
    case $1 in
    dkimctl)  "$BIN" arc verify --help > /dev/null 2>&1 ;;
    dkimpy)   "$PY" -c 'import dkim, authres' 2> /dev/null ;;
    maildkim) perl -MMail::DKIM::ARC::Signer -MMail::DKIM::ARC::Verifier -e 1 2> /dev/null ;;
    *)        return 1 ;;
    esac
}
for p in dkimctl dkimpy maildkim; do
    case ",$wanted," in
        *",$p,"*) ;;
        *) echo "arc-interop.sh: notice: $p left out (ARC_IMPLS=$wanted); its cells are skipped"; continue ;;
    esac
    if impl_installed "$p"; then present+=("$p"); continue; fi
    if [ "${DKIMCTL_REQUIRE_PEERS:-}" = 1 ]; then
        echo "arc-interop.sh: ERROR: $p cannot do ARC here (DKIMCTL_REQUIRE_PEERS=1): run .ci/peers/install.sh (dkimctl: a build with 'arc')"
    else
        echo "arc-interop.sh: notice: $p cannot do ARC here; its cells are skipped (run .ci/peers/install.sh)"
    fi
done
require=0
[ "${DKIMCTL_REQUIRE_PEERS:-}" = 1 ] && require=1
[ -n "${ARC_IMPLS:-}" ] && require=0    # an explicit subset: the others are skipped, not failed

# ---- keys and zone -------------------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2> /dev/null
openssl genpkey -algorithm ed25519 -out ed.pem
zone_txt() { # NAME RECORD: zone line, record split into quoted strings of <= 255 bytes
    local rec=$2 out="$1. 3600 IN TXT"
    while [ -n "$rec" ]; do out+=" \"${rec:0:255}\""; rec=${rec:255}; done
    printf '%s\n' "$out"
}
{
    echo "; dkimctl ARC interop zone"
    for k in 1 2 3; do
        zone_txt "rsa._domainkey.hop$k.example.net" "v=DKIM1; k=rsa; p=$(openssl pkey -in rsa.pem -pubout -outform DER | base64 -w0)"
        zone_txt "ed._domainkey.hop$k.example.net" "v=DKIM1; k=ed25519; p=$(openssl pkey -in ed.pem -pubout -outform DER | tail -c 32 | base64 -w0)"
    done
} > zone

# ---- run ------------------------------------------------------------------------------
rc=0
"$PY" "$PEERS_DIR/arcdrive.py" "$T" "$BIN" "$seed" "$JOBS" "$(IFS=,; echo "${present[*]:-}")" "$require" || rc=$?
[ $rc -eq 0 ] || keep=quiet    # kept for the replay commands (the failures say where)
exit $rc
