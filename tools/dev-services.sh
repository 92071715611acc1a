#!/usr/bin/env bash
# Starts and stops the PostgreSQL and NATS (JetStream) that the stack and the tests use.
#   tools/dev-services.sh start|stop|status|running|env
# (`running` prints nothing: it exits 0 when PostgreSQL or NATS of this checkout runs, 1 otherwise.)
# With a Docker engine it uses deploy/compose.dev.yaml; otherwise local binaries, installing the
# Debian packages (postgresql, nats-server) when they are missing and we run as root.
# Data lives under .data/ in the repository (ignored by git), or CLEARGATE_DATA_DIR. As root the
# PostgreSQL cluster belongs to the `postgres` user: when that user cannot reach the data folder
# (a clone inside a home folder only root may enter, mode 700 as /root is), the cluster lives in
# the postgres user's home instead, in a folder named after the checkout, and `start` says where.
# PostgreSQL runs with fsync off: these are development and test services, not a production
# database.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${CLEARGATE_DATA_DIR:-$ROOT/.data}"
PG_PORT="${CLEARGATE_PG_PORT:-55432}"
NATS_PORT="${CLEARGATE_NATS_PORT:-14222}"
NATS_HTTP_PORT="${CLEARGATE_NATS_HTTP_PORT:-18222}"
PG_USER=cleargate
PG_PASSWORD=cleargate
PG_DB=cleargate

log() { printf '[dev-services] %s\n' "$*" >&2; }

use_docker() {
  [ "${CLEARGATE_DEV_SERVICES:-auto}" = "local" ] && return 1
  command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}

compose() {
  PG_PORT="$PG_PORT" NATS_PORT="$NATS_PORT" NATS_HTTP_PORT="$NATS_HTTP_PORT" \
    docker compose -p cleargate-dev -f "$ROOT/deploy/compose.dev.yaml" "$@"
}

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

ensure_packages() {
  local missing=()
  pg_bin >/dev/null || missing+=(postgresql)
  command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "missing ${missing[*]}: install them (apt-get install ${missing[*]}) or run as root"
    exit 1
  fi
  log "installing ${missing[*]} from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # policy-rc.d keeps the package from starting its own cluster/service.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
}

# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user (run
# from /, as the current folder may be one it cannot enter).
as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# The PostgreSQL data folder: $DATA/pg, unless the postgres user cannot reach $DATA (as root only:
# otherwise the cluster runs as the caller). Then a folder of the postgres user's own home (or
# /var/tmp), named after the checkout and a hash of $DATA, so every start, stop and status of this
# checkout finds the same cluster and two checkouts never share one.
resolve_pg_data() {
  PG_DATA="$DATA/pg"
  PG_DATA_MOVED=""
  [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 || return 0
  local probe="$DATA"
  while [ ! -e "$probe" ]; do probe="$(dirname "$probe")"; done
  runuser -u postgres -- test -x "$probe" 2>/dev/null && return 0
  local base; base="$(getent passwd postgres | cut -d: -f6)"
  if [ -z "$base" ] || ! runuser -u postgres -- test -d "$base" -a -w "$base" -a -x "$base" 2>/dev/null; then base=/var/tmp; fi
  PG_DATA="$base/cleargate/$(basename "$ROOT")-$(printf '%s' "$DATA" | sha256sum | cut -c1-12)"
  PG_DATA_MOVED="the postgres user cannot reach $DATA"
}

pg_running() { as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

# Something already listens on 127.0.0.1:$1 that is not this checkout's service (another
# checkout's dev services, a system cluster): starting would fail (PostgreSQL) or, worse, pass
# its health check against the stranger (NATS). Stop with a message that says which port.
refuse_taken_port() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 0
  log "port $1 is already taken by another process; stop it (another checkout's dev services: its tools/dev-services.sh stop) or set $2"
  exit 1
}

# Every port this start would bind, checked before anything starts, so a taken NATS port does
# not leave a PostgreSQL behind (nor an initdb in a fresh data folder).
refuse_taken_ports() {
  pg_running || refuse_taken_port "$PG_PORT" CLEARGATE_PG_PORT
  if ! nats_running; then
    refuse_taken_port "$NATS_PORT" CLEARGATE_NATS_PORT
    refuse_taken_port "$NATS_HTTP_PORT" CLEARGATE_NATS_HTTP_PORT
  fi
}

start_pg() {
  local bin; bin="$(pg_bin)"
  [ -z "$PG_DATA_MOVED" ] || log "postgresql data in $PG_DATA ($PG_DATA_MOVED)"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    # Our folder in the postgres user's home: that user must be able to pass through it.
    [ -z "$PG_DATA_MOVED" ] || { mkdir -p "$(dirname "$PG_DATA")" && chmod 755 "$(dirname "$PG_DATA")"; }
    mkdir -p "$PG_DATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DATA"
    chmod 700 "$PG_DATA"
    if ! as_pg test -w "$PG_DATA"; then
      log "the postgres user cannot write $PG_DATA; set CLEARGATE_DATA_DIR to a folder it can reach"
      exit 1
    fi
    local pwfile; pwfile="$(mktemp)"; echo "$PG_PASSWORD" >"$pwfile"; chmod 644 "$pwfile"
    as_pg "$bin/initdb" -D "$PG_DATA" -U "$PG_USER" --pwfile="$pwfile" -A scram-sha-256 --no-sync >/dev/null
    rm -f "$pwfile"
    cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '/tmp'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
CONF
  fi
  if pg_running; then log "postgresql already running on $PG_PORT"; else
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start >/dev/null
    log "postgresql started on 127.0.0.1:$PG_PORT"
  fi
  PGPASSWORD="$PG_PASSWORD" "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1 ||
    PGPASSWORD="$PG_PASSWORD" "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -qc "CREATE DATABASE $PG_DB" >/dev/null
}

stop_pg() {
  [ -f "$PG_DATA/PG_VERSION" ] || return 0
  if pg_running; then as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null; log "postgresql stopped"; fi
}

nats_pid() { [ -f "$DATA/nats/nats.pid" ] && cat "$DATA/nats/nats.pid"; }
# A process that exited but was not reaped yet (state Z: nats-server's parent is gone, so it waits
# for the init process, which may take seconds) counts as stopped.
pid_alive() { kill -0 "$1" 2>/dev/null && [ "$(sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; }
nats_running() { local pid; pid="$(nats_pid 2>/dev/null)" && [ -n "$pid" ] && pid_alive "$pid"; }

start_nats() {
  mkdir -p "$DATA/nats/js"
  # max_payload must carry the gateway's largest accepted body (8 MiB by default) plus headers.
  cat >"$DATA/nats/nats.conf" <<CONF
listen: 127.0.0.1:$NATS_PORT
http: 127.0.0.1:$NATS_HTTP_PORT
max_payload: 16MB
# What a client may have waiting for it before NATS cuts it off as a slow consumer: a router
# takes many on-demand bodies at once (32 calls of 8 MiB images are 256 MiB).
max_pending: 512MB
pid_file: "$DATA/nats/nats.pid"
jetstream {
  store_dir: "$DATA/nats/js"
  max_memory_store: 256MB
  max_file_store: 8GB
}
CONF
  if nats_running; then log "nats already running on $NATS_PORT"; return 0; fi
  # The nats-server the deployment ships when tools/install-tools.sh has built it (stream
  # metadata and sync_interval need 2.10 or newer), else the Debian package's.
  local bin=nats-server
  [ -x "$ROOT/.tools/bin/nats-server" ] && bin="$ROOT/.tools/bin/nats-server"
  nohup "$bin" -c "$DATA/nats/nats.conf" >"$DATA/nats/server.log" 2>&1 &
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$NATS_HTTP_PORT/healthz?js-enabled-only=true" >/dev/null 2>&1; then
      log "nats started on 127.0.0.1:$NATS_PORT (JetStream on)"; return 0
    fi
    sleep 0.1
  done
  log "nats did not become healthy; see $DATA/nats/server.log"; exit 1
}

stop_nats() {
  if nats_running; then
    local pid; pid="$(nats_pid)"; kill "$pid"
    for _ in $(seq 1 100); do pid_alive "$pid" || break; sleep 0.05; done
    log "nats stopped"
  fi
}

print_env() {
  echo "DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
  echo "NATS_URL=nats://127.0.0.1:$NATS_PORT"
}

case "${1:-}" in
  start)
    if use_docker; then compose up -d --wait; else
      ensure_packages; mkdir -p "$DATA"; resolve_pg_data; refuse_taken_ports; start_pg; start_nats
    fi
    print_env ;;
  stop)
    if use_docker; then compose down; else resolve_pg_data; stop_nats; stop_pg; fi ;;
  status)
    if use_docker; then compose ps; else
      resolve_pg_data
      pg_bin >/dev/null && pg_running && echo "postgresql: running (data in $PG_DATA)" || echo "postgresql: stopped"
      nats_running && echo "nats: running" || echo "nats: stopped"
    fi ;;
  running)
    if use_docker; then
      compose ps --status running --services 2>/dev/null | grep -qxE 'postgres|nats'
    else
      resolve_pg_data; { pg_bin >/dev/null && pg_running; } || nats_running
    fi ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|running|env" >&2; exit 2 ;;
esac
