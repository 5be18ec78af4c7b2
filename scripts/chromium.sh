#!/usr/bin/env bash
# chromium.sh installs Debian's chromium (and the Noto CJK fonts, so that Chinese shows in
# screenshots) when they are missing, and prints the browser's path on stdout.
#
#   CHROMIUM=$(scripts/chromium.sh)      # then: go test -run TestBrowser ./cmd/tongban
#
# It is idempotent: a second run installs nothing. Installing needs root (apt-get, non-interactive).
# The browser tests (cmd/tongban/browser_test.go) start it themselves, headless, with
#   --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
#   --disable-background-networking --disable-component-update --disable-sync
# and a fresh --user-data-dir, because the machine has no network but the loopback.
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }

find_chromium() {
	for b in chromium chromium-browser google-chrome; do
		if p=$(command -v "$b" 2>/dev/null); then
			echo "$p"
			return 0
		fi
	done
	return 1
}

want=()
find_chromium >/dev/null || want+=(chromium)
if ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
	want+=(fonts-noto-cjk)
fi

if [ "${#want[@]}" -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { log "missing ${want[*]}; installing needs root"; exit 1; }
	log "installing ${want[*]} from Debian packages"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null 2>&1; then
		apt-get update -qq >/dev/null
		apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
	fi
fi

bin=$(find_chromium) || { log "chromium not found after installing it"; exit 1; }
echo "$bin"
