#!/usr/bin/env bash
# Make sure a Docker engine answers and debootstrap is installed.
# Installs docker.io/debootstrap from Debian if missing and starts dockerd
# in the background when no service manager does it (containers, CI).
set -euo pipefail

LOG=/var/log/hastack-dockerd.log
WAIT=${ENGINE_WAIT:-60}

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  SUDO=(sudo -n)
fi

die() { echo "engine.sh: $*" >&2; exit 1; }

engine_up() { docker info >/dev/null 2>&1; }

# Install what is missing, in one apt run.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "engine.sh: installing ${missing[*]}"
  if ! out=$("${SUDO[@]}" apt-get update -qq 2>&1 &&
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" 2>&1); then
    echo "$out" >&2
    die "could not install ${missing[*]}"
  fi
fi

if engine_up; then
  echo "engine: docker $(docker version -f '{{.Server.Version}}' 2>/dev/null) is up"
  exit 0
fi

# Start the engine: via systemd when it is PID 1, else detached by hand.
if [[ -d /run/systemd/system ]] && "${SUDO[@]}" systemctl start docker 2>/dev/null; then
  :
elif pgrep -x dockerd >/dev/null 2>&1; then
  echo "engine.sh: dockerd already running, waiting for it"
else
  echo "engine.sh: starting dockerd (log: $LOG)"
  "${SUDO[@]}" sh -c "setsid nohup dockerd >>'$LOG' 2>&1 </dev/null &"
fi

for ((i = 0; i < WAIT; i++)); do
  if engine_up; then
    echo "engine: docker $(docker version -f '{{.Server.Version}}' 2>/dev/null) is up after ${i}s"
    exit 0
  fi
  sleep 1
done

tail -n 20 "$LOG" >&2 2>/dev/null || true
die "docker engine did not answer within ${WAIT}s (see $LOG; or no access to its socket)"
