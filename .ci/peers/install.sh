#!/bin/sh
# install.sh -- install the three DKIM peer implementations used by .ci/peers/{sign,verify}
# (Debian 12 packages). Idempotent: re-running only re-checks the packages.
#   python3-dkim      dkimpy (used through /usr/bin/python3, NOT a pyenv/venv python)
#   python3-nacl      PyNaCl, needed by dkimpy for ed25519-sha256
#   python3-authres   needed by dkimpy's ARC signer (dkim.ARC.sign parses Authentication-Results)
#   opendkim-tools    OpenDKIM tools (pulls in libopendkim11)
#   libopendkim-dev   headers for the small C driver .ci/peers/opendkim-peer.c (offline verify)
#   libmail-dkim-perl Mail::DKIM (Perl)
#   gcc, libc6-dev    to compile opendkim-peer.c at run time
#   nsd               NSD, the authoritative DNS server .ci/diagnose-e2e.sh runs on loopback
#                     (started by the script itself with its own config; the package's
#                     service is kept from starting, so nothing listens beyond loopback)
#   bind9-utils       named-checkzone, for the zone-line tests
set -eu
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# PEERS_SKIP_APT_UPDATE=1: the caller (.ci/run) has just run apt-get update
# Wait for a package manager that is already running rather than fail.
APT_OPTS="-o DPkg::Lock::Timeout=300"
[ -n "${PEERS_SKIP_APT_UPDATE:-}" ] || $SUDO apt-get $APT_OPTS update -q
# Keep packages (nsd) from starting their services while installing: Debian's
# policy-rc.d hook, removed again afterwards unless it was already there.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" > /dev/null
    $SUDO chmod 755 "$policy"
    trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get $APT_OPTS install -y -q --no-install-recommends \
    python3-dkim python3-nacl python3-authres opendkim-tools libopendkim-dev libmail-dkim-perl \
    gcc libc6-dev openssl bind9-utils nsd
