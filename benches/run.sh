#!/usr/bin/env bash
# run.sh -- dkimctl engine benchmark plus the peers (dkimpy, Mail::DKIM) on
# the very same inputs, and a ratio table.
#
#   benches/run.sh [OUTDIR]
#
# 1. builds and runs `cargo bench --bench engine`, which writes the message,
#    the signed message, the RSA-2048 test key and the zone file it used to
#    OUTDIR (default: a fresh temp dir; kept, its path is printed);
# 2. runs benches/peers/bench.sh on those files (RSA-2048, relaxed/relaxed,
#    rsa-sha256, keys served from memory, one process per peer and op);
# 3. prints sign and verify rates side by side with the speed-up factors;
# 4. times the commands users type (benches/cli.py: one-shot sign, a
#    directory signed, files verified, peak memory on a big message) beside
#    the in-process figures and the peers', with ratios;
# 5. times `arc verify` of a 3-hop RSA-2048 chain, one file per process and
#    many files per process, beside dkimpy and Mail::DKIM in process
#    (benches/arc.py);
# 6. times `diagnose --batch` of 10,000 domains against a local NSD
#    (benches/diagnose.py), with the client's CPU per domain.
#
# Environment (all optional):
#   DKIMCTL_BENCH_SECS    seconds per engine round (default 1); 3 rounds, median
#   DKIMCTL_BENCH_ROUNDS  engine rounds per figure (default 3)
#   DKIMCTL_BENCH_BATCH   messages per batch-signing round (default 20000)
#   DKIMCTL_BENCH_ONLY    engine figure groups (default all)
#   PEER_SECS             seconds per peer loop (default 3)
#   SKIP_PEERS=1          engine only
#   SKIP_CLI=1            no command-line section (see benches/cli.py for its own)
#   SKIP_ARC=1            no ARC section (benches/arc.py: ARC_ROUNDS, ARC_FILES, ...)
#   SKIP_DIAGNOSE=1       no diagnose section (DIAGNOSE_DOMAINS, DIAGNOSE_ROUNDS)
# About 2 minutes on an idle 2-core machine once the bench is built.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${1:-${DKIMCTL_BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/dkimctl-bench.XXXXXX")}}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PEER_SECS=${PEER_SECS:-3}

echo "== build"
cargo bench --bench engine --no-run 2>&1 | grep -vE '^\s*(Compiling|Downloaded|Downloading)' || true

echo "== dkimctl engine (one thread unless noted)"
DKIMCTL_BENCH_OUT="$OUT" cargo bench --quiet --bench engine | tee "$OUT/engine.txt"
# shellcheck disable=SC1091
. "$OUT/params.env"

: >"$OUT/peers.txt"
if [ "${SKIP_PEERS:-0}" != 1 ]; then
    echo "== peers (${PEER_SECS}s per loop, same message, key and zone: $OUT)"
    if ! "$ROOT/benches/peers/bench.sh" "$OUT/$KEY" "$OUT/$ZONE" "$OUT/$SIGNED" "$OUT/$UNSIGNED" \
        "$DOMAIN" "$SELECTOR" "$PEER_SECS" | tee "$OUT/peers.txt"; then
        echo "# peers bench failed (see above); table has the peers that ran" >&2
    fi
fi

echo "== dkimctl vs peers (RSA-2048, rsa-sha256, relaxed/relaxed, $(wc -c <"$OUT/$UNSIGNED") byte message)"
awk '
    FNR == NR {                     # engine.txt: "NAME VALUE UNIT ..."
        if ($1 == "rsa2048_sign")   own["sign"] = $2
        if ($1 == "rsa2048_verify") own["verify"] = $2
        next
    }
    $3 ~ /^[0-9.]+$/ { peer[$1, $2] = $3 }   # peers.txt: "PEER OP RATE msg/s"
    END {
        split("sign verify", ops, " ")
        for (i = 1; i <= 2; i++) {
            op = ops[i]; o = own[op]
            line = sprintf("%s: dkimctl %s/s", op, o == "" ? "?" : o)
            n = split("dkimpy=dkimpy maildkim=Mail::DKIM", ps, " ")
            for (j = 1; j <= n; j++) {
                split(ps[j], kv, "=")
                r = peer[kv[1], op]
                if (r == "") { line = line sprintf(", %s n/a", kv[2]); continue }
                line = line sprintf(", %s %.0f/s", kv[2], r)
                if (o != "" && r > 0) line = line sprintf(" (%.1fx)", o / r)
            }
            print line
        }
    }' "$OUT/engine.txt" "$OUT/peers.txt" | tee "$OUT/table.txt"
grep '^summary:' "$OUT/engine.txt" || true

if [ "${SKIP_CLI:-0}" != 1 ]; then
    echo "== dkimctl as users run it (whole processes; in-process and peers beside)"
    cargo build --release --locked --quiet
    python3 "$ROOT/benches/cli.py" --bin "$ROOT/target/release/dkimctl" --out "$OUT" \
        --engine "$OUT/engine.txt" --peers "$OUT/peers.txt" | tee "$OUT/cli.txt"
fi
if [ "${SKIP_ARC:-0}" != 1 ]; then
    echo "== ARC: arc verify of a 3-hop RSA-2048 chain (whole process) beside dkimpy and Mail::DKIM in process"
    cargo build --release --locked --quiet
    python3 "$ROOT/benches/arc.py" --bin "$ROOT/target/release/dkimctl" --out "$OUT" \
        --engine "$OUT/engine.txt" | tee "$OUT/arc.txt"
fi
if [ "${SKIP_DIAGNOSE:-0}" != 1 ]; then
    echo "== diagnose --batch against a local NSD (client CPU per domain beside)"
    cargo build --release --locked --quiet
    python3 "$ROOT/benches/diagnose.py" --bin "$ROOT/target/release/dkimctl" | tee "$OUT/diagnose.txt"
fi
echo "inputs and results: $OUT"
