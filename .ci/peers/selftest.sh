#!/usr/bin/env bash
# selftest.sh -- prove the peer wrappers interoperate with each other.
#
#   .ci/peers/selftest.sh            (needs .ci/peers/install.sh to have run)
#
# Generates an RSA-2048 key (PKCS#8 and PKCS#1 copies) and an Ed25519 key in a
# temp dir, writes a zone file (RSA p= split into two quoted strings), then for
# every SIGNER x canon (4) x algo (2):
#   sign (LF input) and, with every VERIFIER:
#     ok      signed message (CRLF)             -> exit 0
#     lf      same message with LF line endings -> exit 0
#     tamper  body altered                       -> exit 1
# plus a few extra cases (PKCS#1 key, multiple signatures, unknown selector,
# and the --batch forms .ci/differential.sh uses answering like the single ones).
# Exit code 4 ("unsupported") from a wrapper is counted as skipped.
# Prints a matrix and "N passed, M failed, K skipped"; exits 1 on any failure.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEERS=(dkimpy opendkim maildkim)
CANONS=(simple/simple simple/relaxed relaxed/simple relaxed/relaxed)
ALGOS=(rsa-sha256 ed25519-sha256)
D=example.com

T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$T"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
openssl pkey -in rsa.pem -traditional -out rsa-pkcs1.pem
openssl genpkey -algorithm ed25519 -out ed.pem
rsa_p=$(openssl pkey -in rsa.pem -pubout -outform DER | base64 -w0)
ed_p=$(openssl pkey -in ed.pem -pubout -outform DER | tail -c 32 | base64 -w0)   # raw 32-byte key
cat > zone <<EOF
; test zone -- RSA record split into two strings like a >255-byte TXT
rsa._domainkey.$D. 3600 IN TXT "v=DKIM1; k=rsa; p=${rsa_p:0:200}" "${rsa_p:200}"
ed._domainkey.$D.	IN	TXT "v=DKIM1; k=ed25519; p=$ed_p"
EOF

# LF test message: folded header, odd whitespace, trailing blank lines.
cat > msg <<'EOF'
Received: from mx.example.net by mx.example.org; Mon, 24 Nov 2025 10:00:01 +0000
From: Alice Example <alice@example.com>
To: Bob  <bob@example.org>,
	Carol <carol@example.org>
Cc: dave@example.org
Subject:   Interop   test  
Date: Mon, 24 Nov 2025 10:00:00 +0000
Message-ID: <selftest.1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello Bob,  
	this line starts with a tab and ends with spaces   
 
Bye.


EOF

declare -A cell   # "signer canon algo verifier" -> "ok/lf/tamper" results

# check LABEL EXPECTED_RC CMD... < input : prints ok|skip|FAIL (details -> failures.log)
check() {
    local label=$1 want=$2; shift 2
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ $rc -eq 4 ]; then echo skip
    elif [ $rc -eq "$want" ]; then echo ok
    else echo "$label: want rc=$want got rc=$rc: ${out//$'\n'/ | }" >> "$T/failures.log"; echo FAIL
    fi
}

for s in "${PEERS[@]}"; do
  for c in "${CANONS[@]}"; do
    for a in "${ALGOS[@]}"; do
      sel=rsa key=rsa.pem; [ "$a" = ed25519-sha256 ] && sel=ed key=ed.pem
      f="signed.$s.${c/\//-}.$a"
      "$HERE/sign" "$s" "$key" "$D" "$sel" "$c" "$a" < msg > "$f" 2> "$f.err"; rc=$?
      if [ $rc -eq 4 ]; then
        for v in "${PEERS[@]}"; do cell["$s $c $a $v"]="unsupported(sign)"; done
        continue
      elif [ $rc -ne 0 ]; then
        echo "sign $s $c $a: rc=$rc: $(tr '\n' ' ' < "$f.err")" >> "$T/failures.log"
        for v in "${PEERS[@]}"; do cell["$s $c $a $v"]="SIGN-FAIL"; done
        continue
      fi
      tr -d '\r' < "$f" > "$f.lf"
      sed 's/^Bye\./Bye!/' "$f" > "$f.bad"
      for v in "${PEERS[@]}"; do
        r1=$(check "$s>$v $c $a ok"     0 "$HERE/verify" "$v" zone < "$f")
        r2=$(check "$s>$v $c $a lf"     0 "$HERE/verify" "$v" zone < "$f.lf")
        r3=$(check "$s>$v $c $a tamper" 1 "$HERE/verify" "$v" zone < "$f.bad")
        cell["$s $c $a $v"]="$r1/$r2/$r3"
      done
    done
  done
done

# ---- extra cases --------------------------------------------------------
extra=()
run_extra() {  # NAME WANT_RC VERIFIER INPUTFILE
    local name=$1 want=$2 v=$3 in=$4 out rc
    out=$("$HERE/verify" "$v" zone < "$in" 2>&1); rc=$?
    if [ $rc -eq 4 ]; then extra+=("skip  $name [$v] (unsupported)")
    elif [ $rc -eq "$want" ]; then extra+=("ok    $name [$v]")
    else extra+=("FAIL  $name [$v] want rc=$want got $rc: ${out//$'\n'/ | }")
    fi
}
for s in "${PEERS[@]}"; do   # PKCS#1 RSA key
    "$HERE/sign" "$s" rsa-pkcs1.pem "$D" rsa relaxed/simple rsa-sha256 < msg > pkcs1.$s \
      && for v in "${PEERS[@]}"; do run_extra "pkcs1-key signed by $s" 0 "$v" pkcs1.$s; done \
      || extra+=("FAIL  sign with PKCS#1 key [$s]")
done
# two RSA signatures (dkimpy over opendkim), then an ed25519 one on top
"$HERE/sign" opendkim rsa.pem "$D" rsa simple/simple rsa-sha256 < msg > two.tmp
"$HERE/sign" dkimpy rsa.pem "$D" rsa relaxed/relaxed rsa-sha256 < two.tmp > two
"$HERE/sign" opendkim ed.pem "$D" ed relaxed/relaxed ed25519-sha256 < two > three
sed 's/^Bye\./Bye!/' two > two.bad
# unknown selector -> permerror
sed 's/s=rsa;/s=nokey;/' signed.dkimpy.relaxed-relaxed.rsa-sha256 > nokey
for v in "${PEERS[@]}"; do
    run_extra "two rsa sigs" 0 "$v" two
    run_extra "two rsa sigs + ed25519" 0 "$v" three
    run_extra "two rsa sigs, tampered" 1 "$v" two.bad
    run_extra "unknown selector" 1 "$v" nokey
    out=$("$HERE/verify" "$v" zone < two 2>/dev/null | wc -l)
    [ "$out" -eq 2 ] && extra+=("ok    two rsa sigs -> 2 result lines [$v]") \
                     || extra+=("FAIL  two rsa sigs -> $out result lines [$v]")
    line=$("$HERE/verify" "$v" zone < nokey 2>/dev/null)
    [ "$line" = "permerror d=$D s=nokey" ] && extra+=("ok    unknown selector prints permerror [$v]") \
                     || extra+=("FAIL  unknown selector printed '$line' [$v]")
done

# --batch (one peer process for many messages) must say what the single forms say
files=()
for s in "${PEERS[@]}"; do
    mkdir -p "batch.$s"
    printf 'From: Alice <alice@example.com>\nSubject: batch\n\nno final line break  ' > "batch.$s/nofinal"
    "$HERE/sign" --batch "$s" rsa.pem "$D" rsa simple/simple rsa-sha256 "batch.$s" msg "batch.$s/nofinal" \
        > "batch.$s.rec" 2>&1
    if [ "$(cut -f1 "batch.$s.rec" | tr '\n' ' ')" = "0 0 " ]; then extra+=("ok    sign --batch [$s]")
    else extra+=("FAIL  sign --batch [$s]: $(tr '\t\n' '  ' < "batch.$s.rec")"); fi
    files+=("batch.$s/msg" "batch.$s/nofinal")
done
files+=(two two.bad three nokey)
for v in "${PEERS[@]}"; do
    "$HERE/verify" --batch "$v" zone "${files[@]}" > "batch.verify.$v" 2>&1
    for f in "${files[@]}"; do
        out=$("$HERE/verify" "$v" zone < "$f" 2>/dev/null); rc=$?
        want=$(printf '%d\t%s\t%s' "$rc" "$f" "${out//$'\n'/ | }")
        got=$(grep -F -m1 "$(printf '\t%s\t' "$f")" "batch.verify.$v" | cut -f1-3)
        if [ "$got" = "$want" ]; then extra+=("ok    verify --batch = verify, $f [$v]")
        else extra+=("FAIL  verify --batch [$v] $f: '$got', alone: '$want'"); fi
    done
done

# ---- report -------------------------------------------------------------
pass=0 fail=0 skip=0
echo "cells: ok/lf/tamper  (ok = expected exit code, skip = exit 4 unsupported)"
printf '%-9s %-16s %-15s' signer canon algo
for v in "${PEERS[@]}"; do printf ' %-18s' "verify:$v"; done; echo
for s in "${PEERS[@]}"; do for c in "${CANONS[@]}"; do for a in "${ALGOS[@]}"; do
    printf '%-9s %-16s %-15s' "$s" "$c" "$a"
    for v in "${PEERS[@]}"; do
        x=${cell["$s $c $a $v"]}; printf ' %-18s' "$x"
        case "$x" in
          unsupported*) skip=$((skip + 1));;
          SIGN-FAIL)    fail=$((fail + 1));;
          *) for r in ${x//\// }; do case $r in ok) pass=$((pass+1));; skip) skip=$((skip+1));; *) fail=$((fail+1));; esac; done;;
        esac
    done; echo
done; done; done
echo
echo "extra cases:"
for e in "${extra[@]}"; do
    echo "  $e"
    case "$e" in ok*) pass=$((pass + 1));; skip*) skip=$((skip + 1));; *) fail=$((fail + 1));; esac
done
if [ $fail -gt 0 ]; then
    echo; echo "failure details:"; sed 's/^/  /' "$T/failures.log" 2>/dev/null
fi
echo
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
