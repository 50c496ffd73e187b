#!/bin/sh
# install.sh -- install the three DKIM peer implementations used by .ci/peers/{sign,verify}
# (Debian 12 packages). Idempotent: re-running only re-checks the packages.
#   python3-dkim      dkimpy (used through /usr/bin/python3, NOT a pyenv/venv python)
#   python3-nacl      PyNaCl, needed by dkimpy for ed25519-sha256
#   opendkim-tools    OpenDKIM tools (pulls in libopendkim11)
#   libopendkim-dev   headers for the small C driver .ci/peers/opendkim-peer.c (offline verify)
#   libmail-dkim-perl Mail::DKIM (Perl)
#   gcc, libc6-dev    to compile opendkim-peer.c at run time
set -eu
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# PEERS_SKIP_APT_UPDATE=1: the caller (.ci/run) has just run apt-get update
[ -n "${PEERS_SKIP_APT_UPDATE:-}" ] || $SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
    python3-dkim python3-nacl opendkim-tools libopendkim-dev libmail-dkim-perl \
    gcc libc6-dev openssl bind9-utils
