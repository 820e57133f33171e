#!/usr/bin/env bash
# SRE entry point for charts/breakwater. Usage:
#   deploy/chart.sh lint     [-e ENV] [-f values.yaml]...        strict helm lint
#   deploy/chart.sh template [-e ENV] [-f values.yaml]...        manifests on stdout
#   deploy/chart.sh render   [-e ENV] [-f values.yaml]... DIR    one file per object in DIR, for diffs
#   deploy/chart.sh install  [-e ENV] [-f values.yaml]... [-r RELEASE] [-n NAMESPACE]
#                                                                helm upgrade --install, rolled back on failure
# ENV picks deploy/values/ENV.yaml (dev, staging, prod). HELM overrides the helm binary
# (default: a system helm, else the pinned one from scripts/helm.sh).
#
# The chart's optional NATS dependency is fetched with `helm dependency build` when missing. Where
# charts cannot be fetched, lint/template/render use the offline stand-in (charts/nats-standin,
# which refuses nats.enabled=true); install does so only with BW_NATS_STANDIN=1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
chart="$root/charts/breakwater"
helm="${HELM:-$(command -v helm || echo "$root/scripts/helm.sh")}"

cmd="${1:-}"; shift || true
release=breakwater; namespace=breakwater; values=(); out=""
while [ $# -gt 0 ]; do
  case "$1" in
    -e) values+=(-f "$root/deploy/values/$2.yaml"); shift 2 ;;
    -f) values+=(-f "$2"); shift 2 ;;
    -r) release="$2"; shift 2 ;;
    -n) namespace="$2"; shift 2 ;;
    -*) echo "deploy/chart.sh: unknown option $1" >&2; exit 2 ;;
    *) out="$1"; shift ;;
  esac
done

# Sets $dir to a chart folder whose dependency is present: the chart itself, or a staged copy with
# the stand-in.
prepare() {
  dir="$chart"
  if ls "$chart"/charts/nats-*.tgz >/dev/null 2>&1; then return; fi
  if "$helm" dependency build "$chart" >/dev/null 2>&1; then return; fi
  if [ "$1" = install ] && [ "${BW_NATS_STANDIN:-}" != 1 ]; then
    echo "deploy/chart.sh: cannot fetch the NATS chart (helm dependency build failed); set BW_NATS_STANDIN=1 to install with external NATS only" >&2
    exit 1
  fi
  echo "deploy/chart.sh: NATS chart not fetched; using the offline stand-in (nats.enabled must stay false)" >&2
  staged="$(mktemp -d)"
  trap 'rm -rf "$staged"' EXIT
  cp -r "$chart" "$staged/breakwater"
  mkdir -p "$staged/breakwater/charts"
  cp -r "$root/charts/nats-standin" "$staged/breakwater/charts/nats"
  dir="$staged/breakwater"
}

case "$cmd" in
  lint)
    prepare lint
    "$helm" lint --strict "$dir" "${values[@]}"
    ;;
  template)
    prepare template
    "$helm" template "$release" "$dir" --namespace "$namespace" "${values[@]}"
    ;;
  render)
    [ -n "$out" ] || { echo "deploy/chart.sh render: name an output folder" >&2; exit 2; }
    prepare render
    "$helm" template "$release" "$dir" --namespace "$namespace" "${values[@]}" \
      | node "$root/deploy/split-manifests.mjs" "$out"
    ;;
  install)
    prepare install
    case "$("$helm" version --short)" in
      v3.*) safe=(--atomic --wait) ;;
      *) safe=(--rollback-on-failure --wait=watcher) ;;
    esac
    "$helm" upgrade --install "$release" "$dir" --namespace "$namespace" --create-namespace \
      "${safe[@]}" --timeout 10m "${values[@]}"
    "$helm" test "$release" --namespace "$namespace" --logs
    ;;
  *)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    [ -z "$cmd" ] || exit 2
    ;;
esac
