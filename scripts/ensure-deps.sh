#!/usr/bin/env bash
# Installs what `make demo` and `make test` need on a fresh Debian machine with Node 20:
# npm packages (npm ci, when node_modules is missing or older than the lock) and
# Debian's nats-server (when none is on PATH or in /usr/sbin) and kcat (the Kafka exporter's tests
# run librdkafka's mock cluster through it and read back with it).
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

if ! command -v nats-server >/dev/null && [ ! -x /usr/sbin/nats-server ] && [ -z "${NATS_SERVER_BIN:-}" ]; then
  echo "ensure-deps: installing nats-server from Debian's packages"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nats-server >/dev/null
fi

if ! command -v kcat >/dev/null && [ ! -x /usr/bin/kcat ] && [ -z "${KCAT_BIN:-}" ]; then
  echo "ensure-deps: installing kcat from Debian's packages"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq kcat >/dev/null
fi
