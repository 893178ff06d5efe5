#!/usr/bin/env bash
# Print the path of a binary of Debian's prometheus package (promtool or
# prometheus), extracted once into .cache/prometheus from `apt-get download
# prometheus`; nothing installed, no service. A promtool on PATH wins.
set -euo pipefail
cd "$(dirname "$0")/.."

name=${1:?usage: scripts/prometheus-bin.sh promtool|prometheus}
case "$name" in
  promtool | prometheus) ;;
  *) echo "prometheus-bin.sh: unknown binary '$name' (promtool or prometheus)" >&2; exit 2 ;;
esac
cache=$PWD/.cache/prometheus

if [ "$name" = promtool ] && command -v promtool >/dev/null 2>&1; then
  command -v promtool
  exit 0
fi
# Only the two binaries are kept: the package's configuration files would be
# linted by "yamllint ." and its service is never installed.
if [ ! -x "$cache/usr/bin/$name" ]; then
  mkdir -p "$cache"
  if ! out=$(cd "$cache" && rm -rf pkg prometheus_*.deb && apt-get download prometheus 2>&1 \
      && dpkg-deb -x prometheus_*.deb pkg 2>&1 \
      && install -D -m 0755 pkg/usr/bin/promtool usr/bin/promtool 2>&1 \
      && install -D -m 0755 pkg/usr/bin/prometheus usr/bin/prometheus 2>&1); then
    printf '%s\n' "$out" >&2
    echo "prometheus-bin.sh: no $name from 'apt-get download prometheus' in $cache" >&2
    exit 1
  fi
  rm -rf "$cache/pkg" "$cache"/prometheus_*.deb
fi
echo "$cache/usr/bin/$name"
