#!/usr/bin/env bash
# interop.sh -- DKIM interoperability matrix: dkimctl against dkimpy, OpenDKIM
# (libopendkim) and Mail::DKIM, through the uniform wrappers in .ci/peers/.
#
#   .ci/interop.sh [PATH/TO/dkimctl]        (default: target/release/dkimctl)
#
# Needs .ci/peers/install.sh to have run.  Everything happens in a private temp
# dir (removed at exit; INTEROP_KEEP=1 keeps it and prints its path).  Only
# loopback/no network: keys come from a zone file, never DNS.
#
# Generated: RSA-2048 PKCS#8 (selector rsa), RSA-2048 PKCS#1 (selector rsa1),
# Ed25519 (selector ed), a zone file (RSA records split into <=255-byte
# strings), and the test messages below.
#
# (a) dkimctl signs every message x c= (4) x {rsa-sha256, ed25519-sha256}, plus
#     per message: RSA+Ed25519 in one pass, the PKCS#1 key, a run with
#     --identity/--expire/--body-length/--oversign and one with --headers
#     (including an absent field) --no-oversign --no-timestamp; each result is
#     verified by dkimpy, opendkim, maildkim and dkimctl itself, and a tampered
#     copy (one body byte changed) must fail in dkimctl.  Also checked: dkimctl keeps the
#     input's line-ending style.
#     NOTE: for bare-LF input dkimctl's output is bare LF; the peer wrappers
#     convert every message to CRLF before verifying -- that is expected and
#     fine (it is what an MTA does on the wire), dkimctl's own verify gets the
#     LF bytes unchanged.
# (b) every peer signs every message x c= (4) x both algorithms; dkimctl verify
#     --zone must pass on the (CRLF) result and on a bare-LF copy of it, and a
#     tampered copy (one body byte changed) must fail with exit 1.
#     Except where the peer is known to hash the message's body unlike RFC
#     6376 (a last body line without line break; the named deviations and
#     their models are in .ci/peers/genmsg.py, e.g. Mail::DKIM c=*/simple adds
#     no CRLF to it): there dkimctl must answer "fail ... [body-final-line]"
#     (the signer canonicalized the unterminated last line unlike RFC 6376) --
#     an asserted result, shown as "f", not a skip.
#
# Exit 4 from a peer wrapper = "that peer cannot do that combination" (Mail::DKIM
# has no ed25519; libopendkim's ed25519 with simple header canon is broken;
# libopendkim's c=simple/* signature of a header-only message is wrong, which
# dkimpy, Mail::DKIM and dkimctl agree on -- see .ci/peers/sign): such cells are
# counted as skipped and the reason is printed.  Any other unexpected exit code
# is a failure.
# Checks run in parallel, INTEROP_JOBS at a time (default: number of CPUs).
# A peer that is not installed at all is skipped with a notice, unless
# DKIMCTL_REQUIRE_PEERS=1, where it is a failure.
# Last line: "N passed, M failed, K skipped"; exit 1 if M > 0.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS_DIR=$ROOT/.ci/peers
BIN=${1:-$ROOT/target/release/dkimctl}
[ -x "$BIN" ] || { echo "interop.sh: dkimctl binary '$BIN' not found or not executable (cargo build --release --locked?)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

PEERS=(dkimpy opendkim maildkim)
CANONS=(simple/simple simple/relaxed relaxed/simple relaxed/relaxed)
ALGOS=(rsa-sha256 ed25519-sha256)
D=example.com

T=$(mktemp -d "${TMPDIR:-/tmp}/dkimctl-interop.XXXXXX")
if [ -n "${INTEROP_KEEP:-}" ]; then
    trap 'echo "interop.sh: kept $T" >&2' EXIT
else
    trap 'rm -rf "$T"' EXIT
fi
cd "$T"
mkdir -p msg a b

# The checks run as parallel jobs (INTEROP_JOBS, default: number of CPUs); each
# job appends records "RESULT<TAB>ID<TAB>SKIP-REASON" to its own file under
# res/ (RESULT = pass|fail|skip|nosign; "nosign" = not run, signing failed),
# details of failures to res/<job>.fail, and "done" when it finished.
mkdir -p res
RES=res/main
ok()   { printf 'pass\t%s\t\n' "$1" >> "$RES"; }
asserted() { printf 'asserted\t%s\t%s\n' "$1" "$2" >> "$RES"; }   # ID QUIRK: failed as asserted
skip() { printf 'skip\t%s\t%s\n' "$1" "$2" >> "$RES"; }
nosign() { printf 'nosign\t%s\t\n' "$1" >> "$RES"; }
bad()  { # ID WHAT RC OUTPUT
    printf 'fail\t%s\t\n' "$1" >> "$RES"
    { echo "FAIL $1: $2 (exit $3)"; [ -z "$4" ] || printf '%s\n' "$4" | sed 's/^/    /'; } >> "$RES.fail"
}

# ---- peers present? -------------------------------------------------------
declare -A have=()
peer_installed() {
    case $1 in
    dkimpy)   /usr/bin/python3 -c 'import dkim' 2>/dev/null ;;
    maildkim) perl -MMail::DKIM -e 1 2>/dev/null ;;
    opendkim) bash -c 'source "$1/lib.sh"; opendkim_peer_bin' _ "$PEERS_DIR" >/dev/null 2>&1 ;;
    esac
}
for p in "${PEERS[@]}"; do
    if peer_installed "$p"; then have[$p]=1; continue; fi
    have[$p]=0
    if [ "${DKIMCTL_REQUIRE_PEERS:-}" = 1 ]; then
        echo "interop.sh: ERROR: peer $p is not installed (DKIMCTL_REQUIRE_PEERS=1); run .ci/peers/install.sh"
        bad "peer $p" "$p is not installed and DKIMCTL_REQUIRE_PEERS=1" - ""
    else
        echo "interop.sh: notice: peer $p is not installed; its cells are skipped (run .ci/peers/install.sh)"
    fi
done

# ---- keys and zone ---------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
openssl genrsa -traditional -out rsa1.pem 2048 2>/dev/null
openssl genpkey -algorithm ed25519 -out ed.pem
grep -q 'BEGIN PRIVATE KEY' rsa.pem  || { echo "rsa.pem is not PKCS#8" >&2; exit 2; }
grep -q 'BEGIN RSA PRIVATE KEY' rsa1.pem || { echo "rsa1.pem is not PKCS#1" >&2; exit 2; }
# zone line with the record split into quoted strings of <= 255 bytes
zone_txt() { # SELECTOR RECORD
    local rec=$2 out="$1._domainkey.$D. 3600 IN TXT"
    while [ -n "$rec" ]; do out+=" \"${rec:0:255}\""; rec=${rec:255}; done
    printf '%s\n' "$out"
}
{
    echo "; dkimctl interop zone"
    zone_txt rsa  "v=DKIM1; k=rsa; p=$(openssl pkey -in rsa.pem -pubout -outform DER | base64 -w0)"
    zone_txt rsa1 "v=DKIM1; k=rsa; p=$(openssl pkey -in rsa1.pem -pubout -outform DER | base64 -w0)"
    zone_txt ed   "v=DKIM1; k=ed25519; p=$(openssl pkey -in ed.pem -pubout -outform DER | tail -c 32 | base64 -w0)"
} > zone

# ---- messages ----------------------------------------------------------------
# Written with bare LF, then converted where CRLF is wanted; printf for exact bytes.
crlf() { perl -pe 's/\r?\n/\r\n/g'; }
hdrs() { # MESSAGE-ID-SUFFIX [EXTRA HEADER LINES]
    printf 'Received: from mx.example.net by mx.example.org; Mon, 24 Nov 2025 10:00:01 +0000\n'
    printf 'From: Alice Example <alice@example.com>\nTo: Bob <bob@example.org>\n'
    printf 'Subject: Interop test %s\nDate: Mon, 24 Nov 2025 10:00:00 +0000\n' "$1"
    printf 'Message-ID: <interop.%s@example.com>\nMIME-Version: 1.0\n' "$1"
    printf '%s' "${2:-Content-Type: text/plain; charset=us-ascii
}"
}
MSGS=(plain-crlf plain-lf empty-body no-blank-line long-headers 8bit trailing-ws no-final-crlf no-final-lf
      odd-headers blank-body)
mkmsg() { cat > "msg/$1"; }

{ hdrs plain; printf '\nHello Bob,\n\nThis is a plain ASCII message.\n-- \nAlice\n'; } | crlf | mkmsg plain-crlf
{ hdrs plain; printf '\nHello Bob,\n\nThis is a plain ASCII message.\n-- \nAlice\n'; } | mkmsg plain-lf
{ hdrs empty; printf '\n'; } | crlf | mkmsg empty-body
{ hdrs nobody; } | crlf | mkmsg no-blank-line          # header only, no separator line
{
    printf 'From: Alice Example <alice@example.com>\nTo:'
    for i in $(seq -w 1 30); do
        printf ' User Number%s <user%s@example.org>' "$i" "$i"; [ "$i" = 30 ] || printf ',\n\t'
    done
    printf '\nSubject:'      # 600+ chars folded over many lines
    for i in $(seq 1 12); do printf ' part%02d of a very long subject line that keeps going and going\n' "$i"; done
    printf 'Date: Mon, 24 Nov 2025 10:00:00 +0000\nMessage-ID: <interop.long@example.com>\n'
    printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nShort body.\n'
} | crlf | mkmsg long-headers
{
    hdrs 8bit 'Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
'
    printf '\nUTF-8: Gr\xc3\xbc\xc3\x9fe, na\xc3\xafve caf\xc3\xa9 \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n'
    printf 'Latin-1: caf\xe9 \xfcber \xa0nbsp \xff\n\xe9\n'
} | crlf | mkmsg 8bit
{
    printf 'From: Alice Example <alice@example.com>  \nTo:   Bob <bob@example.org>\t\n'
    printf 'Subject:   spaced \t out  \nDate: Mon, 24 Nov 2025 10:00:00 +0000\n'
    printf 'Message-ID: <interop.ws@example.com>\n\n'
    printf 'trailing spaces   \ntrailing tab\t\n \t \n  inner   spaces\tand tabs  \n\n\n \n\n\n'
} | crlf | mkmsg trailing-ws
{ hdrs nofinal; printf '\nfirst line\nlast line without a line ending'; } | crlf | mkmsg no-final-crlf
{ hdrs nofinal-lf; printf '\nfirst line\nlast line without a line ending'; } | mkmsg no-final-lf
{   # header-name case, no space after colon, empty field, repeated Cc (h= lists it twice)
    printf 'fROM: Alice <alice@example.com>\nTo:bob@example.org\nCc: c1@example.org\n'
    printf 'SUBJECT:\tmixed  case\nCc: c2@example.org\nDate: Mon, 24 Nov 2025 10:00:00 +0000\n'
    printf 'X-Empty:\nMessage-ID: <interop.odd@example.com>\n\nodd headers\n'
} | crlf | mkmsg odd-headers
{ hdrs blanks; printf '\n\n \n\t\n\n'; } | crlf | mkmsg blank-body   # body of empty/whitespace lines only

# ---- helpers --------------------------------------------------------------------
# change one body byte (the first alphanumeric of the body); with none, insert
# "X" at the start of the body (inside any l= range); header-only: add a body
tamper() { perl -e '
    undef $/; $_ = <STDIN>; my $nl = /\r\n/ ? "\r\n" : "\n";
    if (/\r?\n\r?\n/g) {
        my $p = pos;
        if (/[A-Za-z0-9]/g) { my $i = pos() - 1; substr($_, $i, 1) = substr($_, $i, 1) eq "x" ? "y" : "x" }
        else { substr($_, $p, 0) = "X" }
    } else { $_ .= "${nl}X$nl" }
    print' < "$1" > "$2"; }

unsupported_reason() { # STDERR-TEXT -> the "unsupported: ..." line (or the whole text)
    local r; r=$(grep -m1 -i 'unsupported' <<< "$1" || true)
    printf '%s' "${r:-${1//$'\n'/ }}"
}

# verify_check ID VERIFIER FILE WANT(pass|fail|fail:REASON) NSIGS
#   fail:REASON (dkimctl only): exit 1, no pass line, a "[REASON]" in the output
verify_check() {
    local id=$1 v=$2 f=$3 want=$4 nsigs=$5 q=${6:-} rc=0 out npl   # q: the quirk, for fail:REASON
    if [ "$v" = dkimctl ]; then
        out=$("$BIN" verify --zone zone "$f" 2>&1) || rc=$?
        set -- "$BIN verify --zone zone $f"
    else
        if [ "${have[$v]}" != 1 ]; then
            [ "${DKIMCTL_REQUIRE_PEERS:-}" = 1 ] || skip "$id" "$v: peer not installed"
            return 0
        fi
        out=$("$PEERS_DIR/verify" "$v" zone < "$f" 2>&1) || rc=$?
        set -- ".ci/peers/verify $v zone < $f"
    fi
    if [ $rc -eq 4 ] && [ "$v" != dkimctl ]; then
        skip "$id" "$v verify: $(unsupported_reason "$out")"; return 0
    fi
    npl=$(grep -c "^pass " <<< "$out" || true)
    if [ "$want" = pass ]; then
        if [ $rc -eq 0 ] && [ "$npl" -eq "$nsigs" ]; then ok "$id"
        else bad "$id" "$1: want exit 0 and $nsigs pass line(s), got $npl" $rc "$out"; fi
    elif [ "$want" = fail ]; then
        if [ $rc -eq 1 ] && [ "$npl" -eq 0 ]; then ok "$id"
        else bad "$id" "$1 (tampered): want exit 1 and no pass line, got $npl" $rc "$out"; fi
    else
        if [ $rc -eq 1 ] && [ "$npl" -eq 0 ] && grep -qF "[${want#fail:}]" <<< "$out"; then asserted "$id" "$q"
        else bad "$id" "$1: want exit 1, no pass line and [${want#fail:}] ($q), got $npl pass line(s)" $rc "$out"; fi
    fi
}

VERIFIERS=(dkimpy opendkim maildkim dkimctl)

# ---- (a) dkimctl signs, everyone verifies -------------------------------------------
ACOLS=()
for c in "${CANONS[@]}"; do for a in "${ALGOS[@]}"; do ACOLS+=("$c:$a"); done; done
ACOLS+=(dual pkcs1 opts hdrs)
short() { local s=${1//simple/s}; s=${s//relaxed/r}; s=${s/\//}; s=${s/:rsa-sha256/-rsa}; printf '%s' "${s/:ed25519-sha256/-ed}"; }

job_a() { # MESSAGE
    local m=$1 col id out nsigs args c a rc err le want_le v
    RES=res/a.$m
    for col in "${ACOLS[@]}"; do
        id="a $m $col" out=a/$m.$(short "$col").eml nsigs=1
        case $col in
            dual)  args=(-c relaxed/relaxed --selector rsa --key rsa.pem --selector ed --key ed.pem); nsigs=2 ;;
            pkcs1) args=(-c simple/relaxed --selector rsa1 --key rsa1.pem) ;;
            opts)  args=(-c relaxed/simple --selector rsa --key rsa.pem --identity "@mail.$D"
                         --expire 7d --body-length --oversign Subject --oversign To) ;;
            hdrs)  args=(-c relaxed/relaxed --selector rsa --key rsa.pem --no-timestamp --no-oversign
                         --headers From:To:Cc:Subject:X-Missing) ;;
            *)     c=${col%%:*} a=${col#*:}
                   if [ "$a" = rsa-sha256 ]; then args=(-c "$c" --selector rsa --key rsa.pem)
                   else args=(-c "$c" --selector ed --key ed.pem); fi ;;
        esac
        rc=0; err=$("$BIN" sign "msg/$m" --domain "$D" "${args[@]}" 2>&1 > "$out") || rc=$?
        if [ $rc -ne 0 ]; then
            bad "$id sign" "dkimctl sign msg/$m --domain $D ${args[*]}" $rc "$err"
            for v in "${VERIFIERS[@]}" tamper; do nosign "$id $v"; done
            continue
        fi
        # line-ending style kept: LF in -> no CR out; CRLF in -> no bare LF out
        if grep -q $'\r' "msg/$m"; then le=$(perl -ne '$n++ if /(?<!\r)\n/; END { print $n+0 }' "$out"); want_le="no bare LF"
        else le=$(grep -c $'\r' "$out" || true); want_le="no CR"; fi
        if [ "$le" -eq 0 ]; then ok "$id eol"
        else bad "$id eol" "dkimctl sign msg/$m: line endings of the output: want $want_le" - "$le offending line(s) in $out"; fi
        for v in "${VERIFIERS[@]}"; do verify_check "$id $v" "$v" "$out" pass "$nsigs"; done
        tamper "$out" "$out.tampered"
        verify_check "$id tamper" dkimctl "$out.tampered" fail "$nsigs"
    done
    echo done >> "$RES"
}

# ---- (b) peers sign, dkimctl verifies -------------------------------------------------
# quirk[PEER MESSAGE BODYCANON] = the peer's named deviation from RFC 6376 for
# that message's body (.ci/peers/genmsg.py quirks)
declare -A quirk=()
while read -r f p bc q; do quirk[$p ${f#msg/} $bc]=$q; done < <(/usr/bin/python3 "$PEERS_DIR/genmsg.py" quirks msg/*)
BCOLS=()
for c in "${CANONS[@]}"; do for a in "${ALGOS[@]}"; do BCOLS+=("$c:$a"); done; done
job_b() { # PEER MESSAGE
    local p=$1 m=$2 col c a id out sel key rc err r k q want
    RES=res/b.$p.$m
    for col in "${BCOLS[@]}"; do
        c=${col%%:*} a=${col#*:} id="b $p $m $col" out=b/$p.$m.$(short "$col").eml
        if [ "$a" = rsa-sha256 ]; then sel=rsa key=rsa.pem; else sel=ed key=ed.pem; fi
        rc=0; err=$("$PEERS_DIR/sign" "$p" "$key" "$D" "$sel" "$c" "$a" < "msg/$m" 2>&1 > "$out") || rc=$?
        if [ $rc -eq 4 ]; then
            r=$(unsupported_reason "$err")
            for k in verify lf tamper; do skip "$id $k" "$p sign: $r"; done
            continue
        elif [ $rc -ne 0 ]; then
            bad "$id sign" ".ci/peers/sign $p $key $D $sel $c $a < msg/$m" $rc "$err"
            for k in verify lf tamper; do nosign "$id $k"; done
            continue
        fi
        tr -d '\r' < "$out" > "$out.lf"
        tamper "$out" "$out.tampered"
        q=${quirk[$p $m ${c#*/}]:-}     # the peer's named deviation for this body, if any
        want=pass; [ -z "$q" ] || want=fail:body-final-line
        verify_check "$id verify" dkimctl "$out" "$want" 1 "$q"
        verify_check "$id lf" dkimctl "$out.lf" "$want" 1 "$q"
        verify_check "$id tamper" dkimctl "$out.tampered" fail 1
    done
    echo done >> "$RES"
}

# ---- run the jobs -------------------------------------------------------------------
JOBS=${INTEROP_JOBS:-$(nproc 2>/dev/null || echo 2)}
declare -a JOBFILES=()
spawn() { # RESFILE FUNCTION ARGS...: run in the background, at most $JOBS at once
    JOBFILES+=("$1"); shift
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
    "$@" &
}
for m in "${MSGS[@]}"; do spawn "res/a.$m" job_a "$m"; done
for p in "${PEERS[@]}"; do
    if [ "${have[$p]}" != 1 ]; then
        [ "${DKIMCTL_REQUIRE_PEERS:-}" = 1 ] && continue
        for m in "${MSGS[@]}"; do for col in "${BCOLS[@]}"; do
            for k in verify lf tamper; do skip "b $p $m $col $k" "$p: peer not installed"; done
        done; done
        continue
    fi
    for m in "${MSGS[@]}"; do spawn "res/b.$p.$m" job_b "$p" "$m"; done
done
wait

# ---- collect --------------------------------------------------------------------------
npass=0 nfail=0 nskip=0
declare -A glyph=()     # check id -> . x - !
declare -A skipwhy=()   # reason -> count
declare -A quirkn=()    # asserted peer deviation -> count
for f in "${JOBFILES[@]}"; do
    if [ "$(tail -n1 "$f" 2>/dev/null)" != done ]; then
        echo "FAIL job ${f#res/}: did not finish (crashed?)" >> "$f.fail"
        printf 'fail\tjob %s\t\n' "${f#res/}" >> res/main
    fi
done
cat /dev/null res/*.fail > failures.log 2>/dev/null || true
while IFS=$'\t' read -r result id why; do
    case $result in
        pass)   glyph[$id]=.; npass=$((npass + 1)) ;;
        fail)   glyph[$id]=x; nfail=$((nfail + 1)) ;;
        skip)   glyph[$id]=-; nskip=$((nskip + 1)); skipwhy[$why]=$(( ${skipwhy[$why]:-0} + 1 )) ;;
        nosign) glyph[$id]='!' ;;
        asserted) glyph[$id]=f; npass=$((npass + 1)); quirkn[$why]=$(( ${quirkn[$why]:-0} + 1 )) ;;
    esac
done < <(cat /dev/null res/main res/a.* res/b.* 2>/dev/null | grep -v '^done$')

# ---- report ---------------------------------------------------------------------------
echo "legend: . pass   x FAIL   - skipped   ! signing failed   f failed as asserted (named peer deviation)"
echo
echo "(a) dkimctl signs; cell = verified by dkimpy,opendkim,maildkim,dkimctl + tampered copy rejected by dkimctl"
echo "    columns: c= header/body (s/r) and algorithm; dual = rsa+ed25519 in one pass (r/r);"
echo "    pkcs1 = PKCS#1 RSA key (s/r); opts = --identity --expire --body-length --oversign (r/s, rsa);"
echo "    hdrs = --headers From:To:Cc:Subject:X-Missing --no-oversign --no-timestamp (r/r, rsa)"
printf '%-14s' message; for col in "${ACOLS[@]}"; do printf ' %-6s' "$(short "$col")"; done; echo
for m in "${MSGS[@]}"; do
    printf '%-14s' "$m"
    for col in "${ACOLS[@]}"; do
        cell=""; for v in "${VERIFIERS[@]}" tamper; do cell+=${glyph[a $m $col $v]:-?}; done
        printf ' %-6s' "$cell"
    done; echo
done
echo
echo "(b) peer signs; cell = dkimctl verify of the signed message (CRLF), of a bare-LF copy, tampered copy rejected"
for p in "${PEERS[@]}"; do
    printf '%-23s' "signer: $p"; for col in "${BCOLS[@]}"; do printf ' %-6s' "$(short "$col")"; done; echo
    for m in "${MSGS[@]}"; do
        printf '  %-21s' "$m"
        for col in "${BCOLS[@]}"; do
            cell=""; for k in verify lf tamper; do cell+=${glyph[b $p $m $col $k]:-?}; done
            printf ' %-6s' "$cell"
        done; echo
    done
done
if [ ${#quirkn[@]} -gt 0 ]; then
    echo; echo "asserted peer deviations, dkimctl answered [body-final-line] (count: deviation, see .ci/peers/genmsg.py):"
    for r in "${!quirkn[@]}"; do printf '  %4d: %s\n' "${quirkn[$r]}" "$r"; done | sort -k2
fi
if [ ${#skipwhy[@]} -gt 0 ]; then
    echo; echo "skipped (count: reason):"
    for r in "${!skipwhy[@]}"; do printf '  %4d: %s\n' "${skipwhy[$r]}" "$r"; done | sort -k2
fi
if [ $nfail -gt 0 ]; then
    echo; echo "failures:"; sed 's/^/  /' failures.log
    [ -n "${INTEROP_KEEP:-}" ] || echo "  (re-run with INTEROP_KEEP=1 to keep the messages in the temp dir)"
fi
echo
echo "$npass passed, $nfail failed, $nskip skipped"
[ $nfail -eq 0 ]
