#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite: loopback only, a free port, trust auth,
# data in a temp folder, fsync off (the data dies with the run anyway).
#
#   eval "$(bash .ci/postgres.sh start)"   # installs Debian's postgresql when missing, starts
#                                          # the server, prints `export PG_TMP=... DATABASE_URL=...`
#   bash .ci/postgres.sh stop "$PG_TMP"    # stops it and removes the folder (safe to repeat)
#
# Everything but the export lines goes to stderr, so `eval` sees only those.
set -euo pipefail

DB_NAME=${PG_DB_NAME:-estate_test}

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/initdb && -x $d/pg_ctl ]] && { echo "$d"; return 0; }
  done
  return 1
}

ensure_installed() {
  pg_bindir >/dev/null && id postgres >/dev/null 2>&1 && return 0
  if [[ $(id -u) != 0 ]]; then
    echo "postgres.sh: PostgreSQL is not installed and we are not root (apt-get install postgresql)" >&2
    return 1
  fi
  echo "postgres.sh: installing Debian's postgresql" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  # the package may have started its own "main" cluster on 5432: ours does not use it
  pg_bindir >/dev/null
}

as_postgres() {
  if [[ $(id -un) == postgres ]]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  else
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  fi
}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

start() {
  ensure_installed
  local bin tmp port
  bin=$(pg_bindir)
  tmp=$(mktemp -d /tmp/estate-pg.XXXXXX)
  chmod 755 "$tmp"
  chown postgres: "$tmp" 2>/dev/null || true
  # the caller's cleanup needs the folder even if a later step fails
  echo "export PG_TMP=$tmp"
  as_postgres "$bin/initdb" -D "$tmp/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 \
    || { cat "$tmp/initdb.log" >&2; return 1; }
  local tries
  for tries in 1 2 3; do
    port=$(free_port)
    if as_postgres "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 start -o \
        "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$tmp \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >&2; then
      break
    fi
    port=""
    tail -20 "$tmp/server.log" >&2 || true
  done
  [[ -n $port ]] || { echo "postgres.sh: the server did not start" >&2; return 1; }
  as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB_NAME" >&2
  echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, database $DB_NAME, data in $tmp" >&2
  echo "export PG_PORT=$port"
  echo "export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$port/$DB_NAME"
}

stop() {
  local tmp=${1:-${PG_TMP:-}}
  [[ -n $tmp && -d $tmp ]] || return 0
  local bin
  if bin=$(pg_bindir) && [[ -f $tmp/data/postmaster.pid ]]; then
    as_postgres "$bin/pg_ctl" -D "$tmp/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  case $tmp in
    /tmp/estate-pg.*) rm -rf "$tmp" ;;
    *) echo "postgres.sh: not removing $tmp (not ours)" >&2 ;;
  esac
}

case ${1:-} in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop PG_TMP" >&2; exit 2 ;;
esac
