#!/usr/bin/env bash
# Keycloak for the interop tests: the server distribution (org.keycloak:keycloak-quarkus-dist)
# from Maven Central, run on a JDK of version 21 or later.
#   keycloak.sh install              fetches and unpacks it into .tools/keycloak (git ignores it)
#                                    unless it is there already; prints KEYCLOAK_HOME
#   keycloak.sh java-home            prints the JAVA_HOME it runs on: $KEYCLOAK_JAVA_HOME if set,
#                                    else the lowest JDK >= 21 among $JAVA_HOME, /usr/lib/jvm/*
#                                    and the `java` on PATH (every 26.x release supports 21)
#   keycloak.sh run WATCH_PID ARGS…  `kc.sh start-dev ARGS…` in the foreground, stopped (SIGTERM)
#                                    as soon as process WATCH_PID ends, so a test run that dies
#                                    leaves no JVM behind
# Maven keeps the archive in its local repository (~/.m2), so unpacking again costs no download.
set -euo pipefail

KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
dir="${CLEARGATE_KEYCLOAK_DIR:-$root/.tools/keycloak}"
home="$dir/keycloak-$KEYCLOAK_VERSION"

log() { printf 'keycloak: %s\n' "$*" >&2; }

java_major() {
  # "25", "21", or "1.8" for old ones; empty when it is no java at all.
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \(.*\)$/\1/p' | head -1
}

java_home() {
  if [ -n "${KEYCLOAK_JAVA_HOME:-}" ]; then
    echo "$KEYCLOAK_JAVA_HOME"
    return 0
  fi
  local candidates=() best="" best_major=999 candidate major on_path
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for candidate in /usr/lib/jvm/*; do [ -d "$candidate" ] && candidates+=("$candidate"); done
  if on_path="$(command -v java 2>/dev/null)"; then candidates+=("$(dirname "$(dirname "$(readlink -f "$on_path")")")"); fi
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate/bin/java" ] || continue
    major="$(java_major "$candidate")"
    case "$major" in '' | 1.*) continue ;; esac
    if [ "$major" -ge 21 ] && [ "$major" -lt "$best_major" ]; then
      best="$candidate"
      best_major="$major"
    fi
  done
  if [ -z "$best" ]; then
    log "Keycloak $KEYCLOAK_VERSION needs Java 21 or later; none found (set KEYCLOAK_JAVA_HOME)"
    exit 1
  fi
  echo "$best"
}

install() {
  if [ -x "$home/bin/kc.sh" ] && [ -f "$home/.unpacked" ]; then
    echo "$home"
    return 0
  fi
  mkdir -p "$dir"
  # One installer at a time (two test runs of the same checkout).
  exec 9>"$dir/.lock"
  flock 9
  if [ -x "$home/bin/kc.sh" ] && [ -f "$home/.unpacked" ]; then
    echo "$home"
    return 0
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      log "installing Maven from Debian packages"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends maven >/dev/null
    else
      log "Maven (mvn) is required to fetch Keycloak $KEYCLOAK_VERSION"
      exit 1
    fi
  fi
  local started
  started=$(date +%s)
  fetch_dir="$(mktemp -d "$dir/.fetch.XXXXXX")"
  trap 'rm -rf "$fetch_dir"' EXIT
  local tmp="$fetch_dir"
  log "fetching org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION with Maven"
  if ! mvn -B -q "$DEPENDENCY_PLUGIN:copy" \
    -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz" \
    -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1; then
    cat "$tmp/mvn.log" >&2
    log "Maven could not fetch Keycloak $KEYCLOAK_VERSION"
    exit 1
  fi
  tar -xzf "$tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.tar.gz" -C "$tmp"
  rm -rf "$home"
  mv "$tmp/keycloak-$KEYCLOAK_VERSION" "$home"
  touch "$home/.unpacked"
  rm -rf "$tmp"
  log "Keycloak $KEYCLOAK_VERSION unpacked into $home in $(($(date +%s) - started)) s"
  echo "$home"
}

run() {
  local watch_pid="$1"
  shift
  [ -x "$home/bin/kc.sh" ] || install >/dev/null
  JAVA_HOME="$(java_home)"
  export JAVA_HOME
  "$home/bin/kc.sh" start-dev "$@" &
  local kc=$!
  trap 'kill -TERM "$kc" 2>/dev/null || true; wait "$kc"; exit 143' TERM INT HUP
  while kill -0 "$watch_pid" 2>/dev/null && kill -0 "$kc" 2>/dev/null; do sleep 1; done
  kill -TERM "$kc" 2>/dev/null || true
  wait "$kc"
}

case "${1:-}" in
  install) install ;;
  java-home) java_home ;;
  run)
    shift
    run "$@"
    ;;
  *)
    echo "usage: $0 install|java-home|run WATCH_PID ARGS…" >&2
    exit 2
    ;;
esac
