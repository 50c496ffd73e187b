#!/usr/bin/env bash
# bench.sh -- in-process DKIM speed of the peers (dkimpy, Mail::DKIM), for comparison with dkimctl.
#
#   benches/peers/bench.sh KEYFILE ZONEFILE SIGNED_MESSAGE UNSIGNED_MESSAGE DOMAIN SELECTOR SECONDS
#
# RSA relaxed/relaxed rsa-sha256: signs UNSIGNED_MESSAGE and verifies SIGNED_MESSAGE in a
# loop inside one process per peer/op (no process spawn per message), ~SECONDS each.
# Keys come from ZONEFILE, parsed once and served from memory (no DNS).
# Messages are normalised to CRLF once, before timing.  Output lines:
#   dkimpy sign 158.2 msg/s
#   dkimpy verify ...
#   maildkim sign ...
#   maildkim verify ...
# Needs .ci/peers/install.sh (python3-dkim, libmail-dkim-perl).
set -euo pipefail
[ $# -eq 7 ] || { echo "usage: $0 KEYFILE ZONEFILE SIGNED UNSIGNED DOMAIN SELECTOR SECONDS" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
/usr/bin/python3 "$HERE/bench_dkimpy.py" "$@"
perl "$HERE/bench_maildkim.pl" "$@"
