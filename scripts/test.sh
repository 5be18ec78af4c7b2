#!/usr/bin/env bash
# Runs every check and test of tongban on a fresh machine that has Go: it installs and starts a
# throwaway PostgreSQL (scripts/postgres.sh) so that the store and the API are tested on both
# databases. CI calls this through .ci/run. TONGBAN_SKIP_POSTGRES=1 tests on SQLite only.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== go mod download"
go mod download

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== generated files are up to date"
go generate ./definitions/...
if [ -n "$(git status --porcelain definitions/schema 2>/dev/null)" ]; then
  echo "definitions/schema is stale: run go generate ./definitions/... and commit"; exit 1
fi

echo "== the API's generated client is that of its document (go generate ./runtime/httpapi/apiclient)"
go generate ./runtime/httpapi/apiclient
if [ -n "$(git status --porcelain runtime/httpapi/apiclient 2>/dev/null)" ]; then
  echo "runtime/httpapi/apiclient is stale: run go generate ./runtime/httpapi/apiclient and commit"; git status --porcelain runtime/httpapi/apiclient; exit 1
fi

echo "== the API's OpenAPI document passes Redocly's recommended rules (pinned in scripts/openapi-lint)"
(cd scripts/openapi-lint && npm ci --no-audit --no-fund && npx redocly lint --config redocly.yaml ../../runtime/httpapi/apiclient/openapi.json)

echo "== designer studio: npm ci, build (the committed dist must be the fresh build), vitest"
(cd designer/web && npm ci --no-audit --no-fund && npm run build && npm test)
if [ -n "$(git status --porcelain designer/web/dist 2>/dev/null)" ]; then
  echo "designer/web/dist is stale: run npm run build in designer/web and commit"; git status --porcelain designer/web/dist; exit 1
fi

echo "== examples are valid"
go run ./cmd/tongban validate examples/matters

echo "== tools the printing tests read PDFs with (poppler-utils, zbar-tools)"
bash printing/pdf/install-test-tools.sh

echo "== Chromium for the browser tests (scripts/chromium.sh)"
TONGBAN_CHROMIUM=$(bash scripts/chromium.sh | tail -n 1)
export TONGBAN_CHROMIUM

echo "== axe-core for the browser tests' accessibility checks (scripts/axe.sh, from npm)"
TONGBAN_AXE=$(bash scripts/axe.sh | tail -n 1)
export TONGBAN_AXE
echo "== nginx for the rolling-restart test (Debian's nginx-light; the test starts its own)"
command -v nginx >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; } >/dev/null

if [ -z "${TONGBAN_TEST_POSTGRES:-}" ] && [ "${TONGBAN_SKIP_POSTGRES:-}" != 1 ]; then
  echo "== PostgreSQL for the tests (scripts/postgres.sh)"
  eval "$(scripts/postgres.sh)"
fi

echo "== go test (SQLite always; PostgreSQL: ${TONGBAN_TEST_POSTGRES:-skipped})"
go test -count=1 -timeout 40m ./...

if [ "${FUZZTIME:-0}" != "0" ]; then
  echo "== fuzz (${FUZZTIME} each)"
  go test -run XXX -fuzz FuzzDecodeMatterFile -fuzztime "$FUZZTIME" ./definitions/
  go test -run XXX -fuzz FuzzCompile -fuzztime "$FUZZTIME" ./definitions/rules/
  go test -run XXX -fuzz FuzzParseIDNumber -fuzztime "$FUZZTIME" ./definitions/cn/
fi
echo "== all tests passed"
