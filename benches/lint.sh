#!/usr/bin/env bash
# lint.sh -- `dkimctl lint` against `named-checkzone` on the same generated
# zone of 1,000,000 records, side by side in one run: wall time, peak memory
# (max RSS), records per second and the named-checkzone/dkimctl time ratio.
#
#   benches/lint.sh                     # from the repo root (or anywhere)
#   RECORDS=200000 ROUNDS=5 benches/lint.sh
#
# 1. builds dkimctl (release);
# 2. writes the zone with benches/gen-zone.py (bench.example.: A, AAAA, MX,
#    TXT, CNAME, DKIM keys and Easy DKIM CNAMEs; clean and valid DNS) into
#    $LINT_BENCH_DIR or a fresh temp dir;
# 3. checks it once with named-checkzone (no warning allowed; the dump's
#    record count must equal RECORDS);
# 4. runs ROUNDS rounds, the tools alternating, each timed by /usr/bin/time:
#      dkimctl lint --origin bench.example FILE        (must exit 0)
#      named-checkzone, load only: every check off (-i none -r ignore ...)
#      named-checkzone -i none: load plus the duplicate-record pass
#      named-checkzone (default): load plus integrity checks (in-zone MX,
#        SRV and NS targets have addresses and are no CNAMEs), as a DNS
#        operator would run it
#    and once `dkimctl lint --format json` (output discarded);
# 5. prints medians: seconds, peak RSS, records/s and named/dkimctl ratio
#    (above 1: dkimctl is faster).
#
# Environment (all optional):
#   RECORDS          records in the zone (default 1000000)
#   ROUNDS           rounds per tool, median reported (default 3)
#   SEED             generator seed (default 1)
#   LINT_BENCH_DIR   where the zone and logs go (default: a new temp dir,
#                    removed at the end unless KEEP=1)
# Needs python3, GNU time (/usr/bin/time) and named-checkzone (bind9-utils).
# About 2 minutes for 1M records and 3 rounds on an idle 2-core machine,
# once dkimctl is built.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

RECORDS=${RECORDS:-1000000}
ROUNDS=${ROUNDS:-3}
SEED=${SEED:-1}
ZONE_NAME=bench.example
DKIMCTL="$ROOT/target/release/dkimctl"
NAMED_LOAD=(-q -i none -r ignore -k ignore -m ignore -n ignore -M ignore -S ignore -W ignore)

command -v named-checkzone >/dev/null 2>&1 || {
    echo "lint.sh: named-checkzone not found (Debian: apt-get install bind9-utils)" >&2
    exit 1
}
[ -x /usr/bin/time ] || {
    echo "lint.sh: /usr/bin/time (GNU time) not found (Debian: apt-get install time)" >&2
    exit 1
}
command -v python3 >/dev/null 2>&1 || { echo "lint.sh: python3 not found" >&2; exit 1; }

if [ -n "${LINT_BENCH_DIR:-}" ]; then
    DIR=$LINT_BENCH_DIR
    mkdir -p "$DIR"
else
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/dkimctl-lint-bench.XXXXXX")
    [ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$DIR"' EXIT
fi
DIR=$(cd "$DIR" && pwd)
ZONE="$DIR/$ZONE_NAME.zone"

echo "== build (release)"
cargo build --release --locked -q

echo "== zone: $RECORDS records, seed $SEED -> $ZONE"
python3 benches/gen-zone.py --records "$RECORDS" --seed "$SEED" -o "$ZONE"
bytes=$(wc -c <"$ZONE")

echo "== check: named-checkzone $ZONE_NAME (default checks, dump for the record count)"
if ! named-checkzone -D -o "$DIR/dump.zone" "$ZONE_NAME" "$ZONE" >"$DIR/check.log" 2>&1; then
    cat "$DIR/check.log" >&2
    echo "lint.sh: named-checkzone rejects the generated zone" >&2
    exit 1
fi
if grep -vE '^(zone .*: loaded serial [0-9]+|OK)$' "$DIR/check.log" >"$DIR/warnings.log"; then
    head -20 "$DIR/warnings.log" >&2
    echo "lint.sh: named-checkzone warns about the generated zone ($(wc -l <"$DIR/warnings.log") lines)" >&2
    exit 1
fi
loaded=$(grep -cvE '^(;|$)' "$DIR/dump.zone" || true)
rm -f "$DIR/dump.zone"
if [ "$loaded" != "$RECORDS" ]; then
    echo "lint.sh: named-checkzone loaded $loaded records, expected $RECORDS" >&2
    exit 1
fi
awk -v b="$bytes" -v n="$loaded" -v l="$(wc -l <"$ZONE")" 'BEGIN {
    printf "zone: %.1f MB (%d bytes, %d lines), %d records loaded by named-checkzone\n", b / 1e6, b, l, n }'

# run LABEL EXPECTED_STATUS CMD...: one timed run; appends "LABEL SECONDS KB" to times.txt.
run() {
    local label=$1 want=$2 status=0
    shift 2
    /usr/bin/time -f '%e %M' -o "$DIR/time.txt" "$@" >"$DIR/out.txt" 2>"$DIR/err.txt" || status=$?
    if [ "$status" != "$want" ]; then
        echo "lint.sh: $label exited $status (expected $want): $*" >&2
        head -c 2000 "$DIR/out.txt" >&2
        head -c 2000 "$DIR/err.txt" >&2
        exit 1
    fi
    read -r secs kb <"$DIR/time.txt"
    [ "$label" != lint ] || cp "$DIR/out.txt" "$DIR/lint.out"
    echo "$label $secs $kb" >>"$DIR/times.txt"
    printf '  %-26s %6.2f s %8.1f MB\n' "$label" "$secs" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
}

: >"$DIR/times.txt"
for r in $(seq 1 "$ROUNDS"); do
    echo "== round $r/$ROUNDS"
    # alternate who goes first, so neither always meets a cold page cache
    if [ $((r % 2)) = 1 ]; then
        run lint 0 "$DKIMCTL" lint --origin "$ZONE_NAME" "$ZONE"
        run named-load-only 0 named-checkzone "${NAMED_LOAD[@]}" "$ZONE_NAME" "$ZONE"
        run named-i-none 0 named-checkzone -q -i none "$ZONE_NAME" "$ZONE"
        run named-default 0 named-checkzone "$ZONE_NAME" "$ZONE"
    else
        run named-default 0 named-checkzone "$ZONE_NAME" "$ZONE"
        run named-i-none 0 named-checkzone -q -i none "$ZONE_NAME" "$ZONE"
        run named-load-only 0 named-checkzone "${NAMED_LOAD[@]}" "$ZONE_NAME" "$ZONE"
        run lint 0 "$DKIMCTL" lint --origin "$ZONE_NAME" "$ZONE"
    fi
    if [ "$r" = 1 ]; then
        run lint-json 0 "$DKIMCTL" lint --origin "$ZONE_NAME" --format json "$ZONE"
    fi
done

echo "== $RECORDS records, $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB zone, median of $ROUNDS (lint --format json: 1 run)"
awk -v n="$RECORDS" '
    { t[$1] = t[$1] " " $2; m[$1] = m[$1] " " $3 }
    function median(list,    a, k, i, j, x) {
        k = split(list, a, " ")
        for (i = 2; i <= k; i++) {          # insertion sort: k is small
            x = a[i]
            for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]
            a[j + 1] = x
        }
        return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    END {
        split("lint lint-json named-load-only named-i-none named-default", order, " ")
        name["lint"]            = "dkimctl lint"
        name["lint-json"]       = "dkimctl lint --format json"
        name["named-load-only"] = "named-checkzone load only"
        name["named-i-none"]    = "named-checkzone -i none"
        name["named-default"]   = "named-checkzone (default)"
        base = median(t["lint"])
        printf "%-28s %9s %13s %12s %16s\n", "tool", "median s", "peak RSS MB", "records/s", "time vs dkimctl"
        for (i = 1; i <= 5; i++) {
            k = order[i]
            if (t[k] == "") continue
            s = median(t[k]); mb = median(m[k]) / 1024
            rate = s > 0 ? sprintf("%.0f", n / s) : "inf"
            ratio = (i <= 2 || base <= 0) ? "-" : sprintf("%.2fx", s / base)
            printf "%-28s %9.2f %13.1f %12s %16s\n", name[k], s, mb, rate, ratio
        }
        printf "time vs dkimctl = named-checkzone seconds / dkimctl lint seconds: above 1.00x, lint is faster\n"
    }' "$DIR/times.txt" | tee "$DIR/table.txt"
echo "named-checkzone load only = named-checkzone ${NAMED_LOAD[*]}"
echo "dkimctl lint said: $(grep -v '^$' "$DIR/lint.out" | tail -1)"
[ -n "${LINT_BENCH_DIR:-}" ] || [ "${KEEP:-0}" != 1 ] || echo "zone and logs kept: $DIR"
