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

# Perl for msg_shape/msg_shapes: shape($m) describes the (CRLF) message $m.
SHAPE_PL='
    sub shape {
        my ($m) = @_;
        my ($h, $b, $sep) = ($m, "", 0);
        if ($m =~ /\A(.*?\r?\n)\r?\n(.*)\z/s) { ($h, $b, $sep) = ($1, $2, 1) }
        my @c;
        for my $f ($h =~ /^DKIM-Signature[ \t]*:(.*?\r?\n(?:[ \t].*?\r?\n)*)/gim) {
            $f =~ s/\r?\n//g;
            my ($c) = $f =~ /(?:^|;)\s*c\s*=\s*([^;]*)/i;
            $c = defined $c ? lc($c =~ s/\s+//gr) : "simple/simple";
            $c .= "/simple" unless $c =~ m{/};
            push @c, $c;
        }
        my $tc = $h =~ /^[\x21-\x39\x3b-\x7e]+ *\t[ \t]*:/m ? 1 : 0;
        sprintf "%d %d %d %s", $sep, (length($b) && $b !~ /\n\z/) ? 1 : 0, $tc, @c ? join(",", @c) : "-";
    }'

# msg_shape FILE (CRLF message) -> prints four words:
#   SEP      1 if the header block is ended by an empty line, else 0 (header-only message)
#   NOEOL    1 if the body is non-empty and its last line has no CRLF, else 0
#   TABCOLON 1 if a header field has a TAB between its name and the colon ("Name\t: v")
#   CANONS   the c= of every DKIM-Signature, comma-separated, normalised to
#            header/body ("-" if there is none); used to detect peer quirks.
msg_shape() {
    perl -e "$SHAPE_PL"'
        undef $/; open my $fh, "<", $ARGV[0] or die "$ARGV[0]: $!\n"; binmode $fh;
        print shape(scalar <$fh>), "\n";' "$1"
}

# msg_shapes FILE... -> "SEP NOEOL TABCOLON CANONS FILE" (see msg_shape) per
# FILE, of FILE with CRLF line endings.  For the --batch modes of sign and verify.
msg_shapes() {
    perl -e "$SHAPE_PL"'
        for my $f (@ARGV) {
            local $/; open my $in, "<", $f or die "$f: $!\n"; binmode $in; my $m = <$in> // "";
            $m =~ s/\r?\n/\r\n/g;
            print shape($m), " $f\n";
        }' "$@"
}
