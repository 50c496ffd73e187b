# lib.sh -- shared helpers for .ci/peers/{sign,verify}; sourced, not executed.
PEERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3   # Debian python: the only one that sees python3-dkim
EXIT_UNSUPPORTED=4

die() { echo "$(basename "$0"): $*" >&2; exit 2; }

check_peer() {
    case "$1" in dkimpy|opendkim|maildkim) ;; *) die "unknown peer '$1' (dkimpy|opendkim|maildkim)";; esac
}

# Print the path of the compiled libopendkim driver, building it if needed.
# Cached per source hash in ${TMPDIR:-/tmp}, so concurrent CI jobs are safe.
opendkim_peer_bin() {
    local src="$PEERS_DIR/opendkim-peer.c" hash dir bin
    hash=$(sha256sum "$src" | cut -c1-16)
    dir="${TMPDIR:-/tmp}/dkimctl-peers-$(id -u)"
    bin="$dir/opendkim-peer-$hash"
    if [ ! -x "$bin" ]; then
        mkdir -p "$dir"
        gcc -O2 -Wall -o "$bin.$$" "$src" -lopendkim >&2 || die "cannot build $src (libopendkim-dev installed?)"
        mv -f "$bin.$$" "$bin"
    fi
    printf '%s\n' "$bin"
}

# stdin -> stdout with every line ending turned into CRLF
to_crlf() { perl -pe 's/\r?\n\z/\r\n/'; }
