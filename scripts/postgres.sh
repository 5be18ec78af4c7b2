#!/usr/bin/env bash
# postgres.sh starts a throwaway PostgreSQL server for tests and says how to reach it.
#
#   eval "$(scripts/postgres.sh)"          # sets TONGBAN_TEST_POSTGRES in this shell
#   scripts/postgres.sh /tmp/pg.env        # writes the export line to a file instead
#   go test ./runtime/store/...            # the conformance suite now runs on PostgreSQL too
#
# It installs Debian's postgresql package when no server binaries are found, keeps one cluster
# under $TONGBAN_PG_DIR (default /tmp/tongban-pg) owned by the unprivileged "postgres" user
# (PostgreSQL refuses to run as root), listens on 127.0.0.1 only with trust authentication, and
# creates the database $TONGBAN_PG_DB (default tongban_test). Running it again reuses the
# running server, so CI may call it before every test run. Stop it with
#   su postgres -s /bin/sh -c "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl -D /tmp/tongban-pg/data stop"
set -euo pipefail

root=${TONGBAN_PG_DIR:-/tmp/tongban-pg}
db=${TONGBAN_PG_DB:-tongban_test}
out=${1:-}

log() { echo "postgres.sh: $*" >&2; }

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

bin=$(find_bin)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	[ "$(id -u)" = 0 ] || { log "PostgreSQL is not installed and installing it needs root"; exit 1; }
	log "installing PostgreSQL from Debian packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends postgresql >/dev/null
	bin=$(find_bin)
fi
[ -x "$bin/initdb" ] || { log "initdb not found after installing postgresql"; exit 1; }

# run_pg runs a command as the cluster's owner: root cannot run the server.
pg_user=postgres
if [ "$(id -u)" = 0 ]; then
	id "$pg_user" >/dev/null 2>&1 || useradd --system --home-dir "$root" --shell /bin/sh "$pg_user"
	run_pg() { su "$pg_user" -s /bin/sh -c "$*"; }
else
	pg_user=$(id -un)
	run_pg() { sh -c "$*"; }
fi

mkdir -p "$root"
chown "$pg_user" "$root" 2>/dev/null || true
data=$root/data

if [ ! -s "$data/PG_VERSION" ]; then
	log "initialising a cluster in $data"
	run_pg "'$bin/initdb' -D '$data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >'$root/initdb.log' 2>&1" ||
		run_pg "'$bin/initdb' -D '$data' -U postgres --auth=trust -E UTF8 --locale=C >'$root/initdb.log' 2>&1"
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if run_pg "'$bin/pg_ctl' -D '$data' status" >/dev/null 2>&1; then
	port=$(cat "$root/port")
else
	port=${TONGBAN_PG_PORT:-}
	if [ -z "$port" ]; then
		port=55432
		while ! port_free "$port"; do port=$((port + 1)); done
	fi
	echo "$port" >"$root/port"
	log "starting PostgreSQL on 127.0.0.1:$port"
	run_pg "'$bin/pg_ctl' -D '$data' -l '$root/server.log' -w -t 60 \
		-o \"-p $port -k '$root' -c listen_addresses=127.0.0.1 -c max_connections=200\" start" >/dev/null
fi

psql_do() { run_pg "'$bin/psql' -h 127.0.0.1 -p $port -U postgres -d postgres -v ON_ERROR_STOP=1 -tAc \"$1\""; }
if [ "$(psql_do "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
	psql_do "CREATE DATABASE $db" >/dev/null
fi

line="export TONGBAN_TEST_POSTGRES=postgres://postgres@127.0.0.1:$port/$db?sslmode=disable"
if [ -n "$out" ]; then
	echo "$line" >"$out"
	log "wrote $out"
else
	echo "$line"
fi
