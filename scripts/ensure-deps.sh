#!/usr/bin/env bash
# Installs what `make demo` and `make test` need on a fresh Debian machine with Node 20:
# npm packages (npm ci, when node_modules is missing or older than the lock),
# Debian's nats-server (when none is on PATH or in /usr/sbin), Debian's chromium (the
# dashboard's browser tests; playwright's own browser downloads do not work here) and kcat
# (the Kafka exporter's tests run librdkafka's mock cluster through it and read back with it).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null; then
  echo "ensure-deps: Node.js 20 or newer is required" >&2
  exit 1
fi

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ensure-deps: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
APT_UPDATED=""
apt_install() {
  echo "ensure-deps: installing $1 from Debian's packages"
  [ -n "$APT_UPDATED" ] || { $SUDO apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$1" >/dev/null
}

if ! command -v nats-server >/dev/null && [ ! -x /usr/sbin/nats-server ] && [ -z "${NATS_SERVER_BIN:-}" ]; then
  apt_install nats-server
fi

if [ ! -x "${BW_CHROMIUM:-/usr/bin/chromium}" ]; then
  apt_install chromium
fi

if ! command -v kcat >/dev/null && [ ! -x /usr/bin/kcat ] && [ -z "${KCAT_BIN:-}" ]; then
  apt_install kcat
fi
