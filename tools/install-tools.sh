#!/usr/bin/env bash
# Installs the command-line tools the deployment and observability tests need:
#   helm                  into .tools/bin (git ignores it), built from source with `go install`
#                         (needs Go; the Go module proxy the first time);
#   nats-server           likewise (the version deploy/ ships: the system, fault and cluster tests
#                         run it, and Debian's is too old for sync_interval and stream metadata);
#   prometheus, promtool  from the Debian package `prometheus` when missing and running as root
#                         (its own service is not started);
#   alertmanager          from the Debian package `prometheus-alertmanager` (binary
#                         prometheus-alertmanager, with amtool) likewise, for the end-to-end alert test.
# Idempotent: a tool already built with the same settings is left alone (well under a second).
# Prints the bin directory as its last line:  export PATH="$(bash tools/install-tools.sh | tail -1):$PATH"
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
NATS_SERVER_VERSION="${NATS_SERVER_VERSION:-v2.14.10}"

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CLEARGATE_TOOLS_BIN:-$root/.tools/bin}"
mkdir -p "$bin"

log() { printf 'install-tools: %s\n' "$*" >&2; }

# Go-built tools in $bin carry a stamp .<name>.stamp with the settings they were built with
# ("<name> <version>"): a change of any of them rebuilds.
already_built() {
  local stamp="$bin/.$1.stamp"
  if [ -x "$bin/$1" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$1 $2" ]; then
    log "$1 $2 already installed"
    return 0
  fi
  return 1
}

require_go() {
  if ! command -v go >/dev/null 2>&1; then
    log "Go is required to build $1 $2 (https://go.dev/dl/)"
    exit 1
  fi
}

# record_built NAME VERSION REPORTED: refuses a build that reports another version, else stamps it.
record_built() {
  if [ "$3" != "$2" ]; then
    log "the built $1 reports '$3', expected $2"
    exit 1
  fi
  echo "$1 $2" >"$bin/.$1.stamp"
}

# Installs a Debian package without letting it start its own service (policy-rc.d).
apt_install_quietly() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "$1" >/dev/null
  rm -f /usr/sbin/policy-rc.d
}

install_helm() {
  already_built helm "$HELM_VERSION" && return 0
  require_go helm "$HELM_VERSION"
  log "building helm $HELM_VERSION with $(go version | awk '{print $3}') (about three minutes the first time)"
  local started gomod client_go k8s_major k8s_minor
  started=$(date +%s)
  # Like helm's own Makefile: the Kubernetes version `helm template` and `helm lint` assume by
  # default is the one of the client-go helm is built with (otherwise 1.20).
  gomod="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  client_go="$( [ -f "$gomod" ] && awk '$1 == "k8s.io/client-go" { print $2 }' "$gomod" || true)"
  if [ -z "$client_go" ]; then
    log "cannot read the client-go version from helm $HELM_VERSION's go.mod (is the Go module proxy reachable?)"
    exit 1
  fi
  k8s_major=$(( $(echo "$client_go" | sed 's/^v//' | cut -d. -f1) + 1 ))
  k8s_minor="$(echo "$client_go" | cut -d. -f2)"
  GOBIN="$bin" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
    go install -trimpath -ldflags "-s -w \
      -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$k8s_major \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$k8s_minor \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$k8s_major \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$k8s_minor" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  record_built helm "$HELM_VERSION" "$("$bin/helm" version --template '{{.Version}}')"
  log "helm $HELM_VERSION (Kubernetes $k8s_major.$k8s_minor by default) installed in $(( $(date +%s) - started )) s"
}

install_nats_server() {
  already_built nats-server "$NATS_SERVER_VERSION" && return 0
  require_go nats-server "$NATS_SERVER_VERSION"
  log "building nats-server $NATS_SERVER_VERSION (about two minutes the first time)"
  local started
  started=$(date +%s)
  GOBIN="$bin" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
    go install -trimpath -ldflags "-s -w" "github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION"
  record_built nats-server "$NATS_SERVER_VERSION" "$("$bin/nats-server" --version | awk '{print $2}')"
  log "nats-server $NATS_SERVER_VERSION installed in $(( $(date +%s) - started )) s"
}

install_prometheus() {
  if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
    log "prometheus $(prometheus --version 2>&1 | awk 'NR==1 {print $3}') already installed"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    log "prometheus/promtool missing: install the Debian package 'prometheus' (tests/observability needs them)"
    return 0
  fi
  log "installing prometheus and promtool from Debian packages"
  apt_install_quietly prometheus
}

install_alertmanager() {
  if command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1; then
    log "alertmanager already installed"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    log "alertmanager missing: install the Debian package 'prometheus-alertmanager' (tests/observability needs it)"
    return 0
  fi
  log "installing alertmanager from Debian packages"
  apt_install_quietly prometheus-alertmanager
}

install_helm
install_nats_server
install_prometheus
install_alertmanager
echo "$bin"
