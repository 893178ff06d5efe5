#!/usr/bin/env bash
# Host packages the unit tests use: redis-server and redis-sentinel for the
# loopback tests of the modules and the drill probe (they start throwaway
# servers on 127.0.0.1). The distribution's own services are not left running.
set -euo pipefail
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if command -v redis-server >/dev/null && command -v redis-sentinel >/dev/null; then
  exit 0
fi
log=$(mktemp)
if ! { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
       --no-install-recommends redis-server redis-sentinel redis-tools; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
rm -f "$log"
if [ -d /run/systemd/system ]; then
  as_root systemctl disable --now redis-server.service redis-sentinel.service >/dev/null 2>&1 || true
fi
echo "test-deps: installed redis-server and redis-sentinel"
