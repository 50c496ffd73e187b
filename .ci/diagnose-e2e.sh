#!/usr/bin/env bash
# diagnose-e2e.sh -- `dkimctl diagnose` end to end against NSD (Debian package
# `nsd`, installed by .ci/peers/install.sh) serving fixtures/diagnose/*.zone.
#
#   .ci/diagnose-e2e.sh target/release/dkimctl
#
# Two NSD instances, one port P (the fixtures' NS addresses are all on that port):
#   "primary"  127.0.0.1:P and 127.0.0.2:P  example.com, dkim.amazonses.com,
#                                           example.org (ns-primary.zone, serial 5)
#   "stale"    127.0.0.3:P                  example.org (ns-stale.zone, serial 4,
#                                           no s2._domainkey)
# 127.0.0.1 is the --nameserver; example.org's NS set is ns1 (127.0.0.2, the
# primary) and ns2 (127.0.0.3, the stale secondary), so they disagree.
# Each instance runs in the foreground (-d) as a background job with its own
# config, database, pid and log files in a temp dir; no systemd, no chroot, no
# privilege drop. Both are stopped on exit. The last line is "N passed, M failed";
# exit 0 iff nothing failed.
set -euo pipefail

BIN=${1:?usage: $0 path/to/dkimctl}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ -x "$BIN" ] || { echo "e2e: $BIN is not an executable" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIX=$ROOT/fixtures/diagnose
NSD=$(command -v nsd || echo /usr/sbin/nsd)
[ -x "$NSD" ] || { echo "e2e: nsd not found (apt-get install nsd)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dkimctl-e2e.XXXXXX")
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

# provider.zone has no SOA (the in-process test server does not need one);
# NSD refuses a zone without one, so serve a copy with an SOA and NS added.
{
    echo '$ORIGIN dkim.amazonses.com.'
    echo '@ IN SOA ns1.example.com. hostmaster.example.com. ( 1 3600 600 86400 60 )'
    echo '@ IN NS  ns1.example.com.'
    grep -v '^\$ORIGIN' "$FIX/provider.zone"
} > "$TMP/provider.zone"

# nsd_conf NAME PORT IP... -- writes $TMP/NAME/nsd.conf (zones added after).
nsd_conf() {
    local name=$1 port=$2 ip; shift 2
    mkdir -p "$TMP/$name"
    {
        echo "server:"
        for ip in "$@"; do echo "    ip-address: $ip"; done
        echo "    port: $port"
        echo "    server-count: 1"
        echo "    username: \"\""
        echo "    chroot: \"\""
        echo "    database: \"\""
        echo "    zonesdir: \"$TMP/$name\""
        echo "    zonelistfile: \"$TMP/$name/zone.list\""
        echo "    xfrdfile: \"$TMP/$name/xfrd.state\""
        echo "    xfrdir: \"$TMP/$name\""
        echo "    pidfile: \"$TMP/$name/nsd.pid\""
        echo "    logfile: \"$TMP/$name/nsd.log\""
        echo "    verbosity: 1"
        echo "    hide-version: yes"
        echo "remote-control:"
        echo "    control-enable: no"
    } > "$TMP/$name/nsd.conf"
}
# nsd_zone NAME ZONE FILE
nsd_zone() {
    printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' "$2" "$3" >> "$TMP/$1/nsd.conf"
}

# answers IP PORT DOMAIN ARGS... -- the server at IP:PORT is up and serves
# DOMAIN's records for ARGS (asked with the binary itself: dig is in
# bind9-dnsutils, which CI does not install).
answers() {
    local ip=$1 port=$2 domain=$3; shift 3
    "$BIN" diagnose "$domain" --nameserver "$ip:$port" --no-ns-check --timeout 0.3 --retries 0 "$@" \
        > /dev/null 2>&1
}

# A port free for UDP and TCP on the three addresses.
free_port() {
    python3 - <<'EOF'
import random, socket
for _ in range(200):
    port = random.randint(20000, 60000)
    try:
        for ip in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(socket.AF_INET, kind)
                s.bind((ip, port))
                s.close()
    except OSError:
        continue
    print(port)
    break
EOF
}

# start_servers PORT -- starts both instances; 0 once both answer.
start_servers() {
    local port=$1 i
    nsd_conf primary "$port" 127.0.0.1 127.0.0.2
    nsd_zone primary example.com. "$FIX/example.com.zone"
    nsd_zone primary dkim.amazonses.com. "$TMP/provider.zone"
    nsd_zone primary example.org. "$FIX/ns-primary.zone"
    nsd_conf stale "$port" 127.0.0.3
    nsd_zone stale example.org. "$FIX/ns-stale.zone"
    "$NSD" -d -c "$TMP/primary/nsd.conf" > "$TMP/primary/stdout" 2>&1 &
    PIDS+=($!)
    "$NSD" -d -c "$TMP/stale/nsd.conf" > "$TMP/stale/stdout" 2>&1 &
    PIDS+=($!)
    for i in $(seq 1 50); do
        if answers 127.0.0.1 "$port" example.com -s s1 --token aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa &&
            answers 127.0.0.2 "$port" example.org -s s1 -s s2 && answers 127.0.0.3 "$port" example.org -s s1; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

PORT=""
for attempt in 1 2 3; do
    PORT=$(free_port)
    if start_servers "$PORT"; then break; fi
    echo "e2e: NSD did not answer on port $PORT (attempt $attempt):" >&2
    cat "$TMP"/*/stdout "$TMP"/*/nsd.log >&2 2>/dev/null || true
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    PIDS=()
    rm -rf "$TMP/primary" "$TMP/stale"
    PORT=""
done
[ -n "$PORT" ] || { echo "e2e: could not start NSD"; echo "0 passed, 1 failed"; exit 1; }
echo "NSD $("$NSD" -v 2>&1 | head -1 | sed 's/^NSD version //') on 127.0.0.1:$PORT, 127.0.0.2:$PORT (primary) and 127.0.0.3:$PORT (stale secondary)"

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
not_ok() {
    fail=$((fail + 1))
    echo "FAIL $1"
    shift
    printf '     %s\n' "$@"
}

# run_diagnose DOMAIN ARGS... -- sets OUT, ERR and CODE.
run_diagnose() {
    local domain=$1; shift
    CODE=0
    "$BIN" diagnose "$domain" --nameserver "127.0.0.1:$PORT" --ns-port "$PORT" \
        --timeout 2 --retries 1 "$@" > "$TMP/out" 2> "$TMP/err" || CODE=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

# expect_text NAME CODE EXPECTED -- the last run printed exactly EXPECTED and exited CODE.
expect_text() {
    local name=$1 code=$2 expected=$3
    if [ "$CODE" -eq "$code" ] && [ "$OUT" = "$expected" ]; then
        ok "$name"
    else
        not_ok "$name" "exit $CODE (want $code)" "--- got" "$OUT" "--- want" "$expected" "--- stderr" "$ERR"
    fi
}

# json_lines FIELD -- one line per finding (FIELD=findings: "severity code subject"),
# per selector (FIELD=verdicts) or per name server (FIELD=servers: "host serial"),
# from the --json document in $OUT; fails when $OUT is not JSON.
json_lines() {
    printf '%s' "$OUT" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
what = sys.argv[1]
if what == "findings":
    for f in doc["findings"]:
        print(f["severity"], f["code"], f["subject"])
elif what == "verdicts":
    for s in doc["selectors"]:
        print(s["verdict"])
elif what == "servers":
    for n in doc["name_servers"]:
        print(n["host"], n["address"], n["serial"])
elif what == "messages":
    for f in doc["findings"]:
        print(f["message"])
' "$1"
}

# expect_json NAME CODE FIELD EXPECTED -- like expect_text, on json_lines FIELD.
expect_json() {
    local name=$1 code=$2 field=$3 expected=$4 got
    if ! got=$(json_lines "$field" 2>&1); then
        not_ok "$name" "not JSON: $got" "--- stdout" "$OUT" "--- stderr" "$ERR"
        return
    fi
    if [ "$CODE" -eq "$code" ] && [ "$got" = "$expected" ]; then
        ok "$name"
    else
        not_ok "$name" "exit $CODE (want $code)" "--- got" "$got" "--- want" "$expected" "--- stderr" "$ERR"
    fi
}

A=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
B=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
C=cccccccccccccccccccccccccccccccc
E=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
H=hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh

# 1. Clean selectors: exit 0, the whole output.
run_diagnose example.com -s s1 -s ed25519 -s google
expect_text "clean selectors (table)" 0 "Domain: example.com (zone example.com)
Name servers: ns1.example.com (serial 2024010101)
No findings.
s1: ok (RSA-2048)
ed25519: ok (Ed25519)
google: ok (RSA-2048)"

# 2. The same as JSON: a document that parses, with the same verdicts.
run_diagnose example.com -s s1 -s ed25519 -s google --json
expect_json "clean selectors (--json)" 0 verdicts "s1: ok (RSA-2048)
ed25519: ok (Ed25519)
google: ok (RSA-2048)"

# 3. Key record mistakes: exact codes, exit 1.
run_diagnose example.com -s weak -s short -s revoked -s testing -s v2 -s dsa -s pem -s two --json
expect_json "key record mistakes" 1 findings "warning key-weak weak._domainkey.example.com
error key-too-short short._domainkey.example.com
error key-revoked revoked._domainkey.example.com
warning key-testing testing._domainkey.example.com
error key-version v2._domainkey.example.com
error key-unknown-algorithm dsa._domainkey.example.com
error key-pem-armor pem._domainkey.example.com
error key-multiple-records two._domainkey.example.com"

# 4. Records at the wrong name.
run_diagnose example.com -s dup -s nous -s nolabel -s missing --json
expect_json "records at the wrong name" 1 findings "error duplicated-suffix dup._domainkey.example.com.example.com
error missing-underscore nous.domainkey.example.com
error missing-domainkey-label nolabel.example.com
error record-missing missing._domainkey.example.com"

# 5. A subdomain in its parent's zone (the apex from an SOA query).
run_diagnose sub.example.com -s s1 --json
expect_json "subdomain in the parent zone" 1 findings "error duplicated-suffix s1._domainkey.sub.example.com.example.com"

# 6. Provider CNAME tokens, followed into dkim.amazonses.com.
run_diagnose example.com --token "$A" --token "$B" --token "$C" --token "$E" --token "$H" --json
expect_json "provider tokens" 1 findings "error duplicated-suffix $B._domainkey.example.com
error cname-target-mismatch $C._domainkey.example.com
error cname-dangling $E._domainkey.example.com
error duplicated-suffix $H._domainkey.example.com"

# 7. Warnings exit 0, 1 with --strict.
run_diagnose example.com -s weak
w=$CODE
run_diagnose example.com -s weak --strict
if [ "$w" -eq 0 ] && [ "$CODE" -eq 1 ]; then ok "warning: exit 0, 1 with --strict"; else not_ok "warning: exit 0, 1 with --strict" "exit $w and $CODE (want 0 and 1)"; fi

# 8. The two servers that disagree: the stale secondary is named (table).
run_diagnose example.org -s s1 -s s2
if [ "$CODE" -eq 1 ] && grep -q '^Name servers: ns1.example.org (serial 5), ns2.example.org (serial 4)$' <<<"$OUT" &&
    grep -Eq '^│ error +┆ ns-inconsistent +┆ ns2.example.org' <<<"$OUT" &&
    grep -q '^s1: ok (Ed25519)$' <<<"$OUT" && grep -q '^s2: ok (Ed25519)$' <<<"$OUT"; then
    ok "stale secondary named (table)"
else
    not_ok "stale secondary named (table)" "exit $CODE (want 1)" "--- got" "$OUT" "--- stderr" "$ERR"
fi

# 9. The same as JSON: the finding, the serials and the message naming the stale server.
run_diagnose example.org -s s1 -s s2 --json
expect_json "stale secondary named (--json findings)" 1 findings "error ns-inconsistent ns2.example.org"
expect_json "stale secondary named (--json name_servers)" 1 servers "ns1.example.org 127.0.0.2:$PORT 5
ns2.example.org 127.0.0.3:$PORT 4"
msg=$(json_lines messages 2>&1 || true)
want="ns2.example.org (127.0.0.3:$PORT) is behind: SOA serial 4, the newest is 5; s2._domainkey.example.org: NXDOMAIN here, TXT v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvE... on the others"
if [[ "$msg" == "$want"* ]]; then ok "stale secondary message"; else not_ok "stale secondary message" "--- got" "$msg" "--- want (prefix)" "$want"; fi

# 10. Behind but the same answers for the selectors asked: a warning, exit 0.
run_diagnose example.org -s s1 --json
expect_json "stale secondary, same answers: warning" 0 findings "warning ns-inconsistent ns2.example.org"

# 11. --no-ns-check skips the comparison.
run_diagnose example.org -s s1 -s s2 --no-ns-check --json
expect_json "--no-ns-check" 0 findings ""

# 12. A batch, JSON, one document.
printf 'example.com\nsub.example.com\nexample.org\n' > "$TMP/domains.txt"
CODE=0
"$BIN" diagnose --batch "$TMP/domains.txt" --nameserver "127.0.0.1:$PORT" --ns-port "$PORT" -s s1 --json \
    > "$TMP/out" 2> "$TMP/err" || CODE=$?
got=$(python3 -c '
import json, sys
doc = json.load(sys.stdin)
for d in doc["domains"]:
    print(d["domain"], ",".join(f["code"] for f in d["findings"]) or "-")
s = doc["summary"]
print(s["domains"], s["with_errors"], s["dns_trouble"])
' < "$TMP/out" 2>&1 || true)
want="example.com -
sub.example.com duplicated-suffix
example.org ns-inconsistent
3 1 0"
if [ "$CODE" -eq 1 ] && [ "$got" = "$want" ]; then ok "batch (--json)"; else not_ok "batch (--json)" "exit $CODE (want 1)" "--- got" "$got" "--- want" "$want" "--- stderr" "$(cat "$TMP/err")"; fi

# 13. Identities, CSV and TOML.
printf 'identity,dkim\nexample.com,on\nsub.example.com,off\n' > "$TMP/ids.csv"
printf '[[identity]]\nname = "example.com"\ndkim = true\n\n[[identity]]\nname = "sub.example.com"\ndkim = false\n' > "$TMP/ids.toml"
for f in ids.csv ids.toml; do
    run_diagnose example.com -s s1 --identities "$TMP/$f" --from carol@sub.example.com --json
    expect_json "identity-override ($f)" 1 findings "error identity-override carol@sub.example.com"
done

# 14. What SES says (aws sesv2 get-email-identity, on standard input): its tokens
# checked, its PENDING explained by the record SES cannot see.
CODE=0
"$BIN" diagnose example.com --nameserver "127.0.0.1:$PORT" --ns-port "$PORT" --timeout 2 --retries 1 \
    --ses-identity - --json < "$ROOT/fixtures/ses/sesv2-example-com-pending.json" \
    > "$TMP/out" 2> "$TMP/err" || CODE=$?
OUT=$(cat "$TMP/out")
ERR=$(cat "$TMP/err")
expect_json "--ses-identity (PENDING, one record missing)" 1 findings "error cname-dangling $E._domainkey.example.com
error ses-pending example.com"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
