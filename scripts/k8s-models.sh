#!/usr/bin/env bash
# Fetches the Kubernetes API models that the official JavaScript client generates from the
# published OpenAPI spec (pinned: @kubernetes/client-node 1.4.0 = Kubernetes v1.34.0), without
# installing the client: only its model files, cached in .cache/k8s-models/<version>.
# Prints the folder. e2e/chart/k8s-schema.ts turns them into strict JSON Schemas.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="1.4.0"
out="$root/.cache/k8s-models/$version"
if [ ! -f "$out/.complete" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "@kubernetes/client-node@$version" >/dev/null && tar xzf ./*.tgz package/dist/gen/models)
  rm -rf "$out" && mkdir -p "$out"
  cp "$tmp"/package/dist/gen/models/*.js "$tmp"/package/dist/gen/models/*.d.ts "$out"/
  touch "$out/.complete"
fi
echo "$out"
