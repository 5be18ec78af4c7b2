#!/usr/bin/env bash
# axe.sh fetches axe-core (the accessibility engine, MPL-2.0) from the npm registry with npm's
# own client into a cache, once, and prints the path of axe.min.js on stdout:
#
#   TONGBAN_AXE=$(scripts/axe.sh) TONGBAN_CHROMIUM=$(scripts/chromium.sh) go test -run 'TestBrowser(Accessibility|TypingSurvivesLiveRefresh|SessionTimeout)' ./cmd/tongban
#
# The browser tests inject it into the pages of the portal, the workbench, the administration
# and the accounts, and fail on any violation of the WCAG 2.1 A/AA rules. scripts/test.sh (CI)
# sets it; without TONGBAN_AXE the tests skip that check.
set -euo pipefail
version=4.14.1
dir="${XDG_CACHE_HOME:-$HOME/.cache}/tongban/axe-core-$version"
if [ ! -s "$dir/axe.min.js" ]; then
	mkdir -p "$dir"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && npm pack --silent "axe-core@$version" >/dev/null && tar xzf "axe-core-$version.tgz" package/axe.min.js)
	mv "$tmp/package/axe.min.js" "$dir/axe.min.js"
fi
echo "$dir/axe.min.js"
