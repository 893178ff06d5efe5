#!/usr/bin/env bash
# The reference guide's single-host shape on this machine's own Docker engine
# (`make lab RUNTIME=container`): the engine and the Redis image are made
# ready here; playbooks/site.yml with inventories/lab-container creates the
# network sentinel-network and the six containers.
# Usage: scripts/lab-container.sh up|down|status
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUITE=${LAB_SUITE:-bookworm}
NETWORK=sentinel-network
DATA=/var/lib/hastack-redis-lab
NAMES=(sentinel-redis-master sentinel-redis-replica-1 sentinel-redis-replica-2
  sentinel-redis-sentinel-1 sentinel-redis-sentinel-2 sentinel-redis-sentinel-3)

engine_running() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

up() {
  "$HERE/engine.sh"
  "$HERE/engine-image.sh" "$SUITE"
}

down() {
  local name
  if engine_running; then
    for name in "${NAMES[@]}"; do
      if docker container inspect "$name" >/dev/null 2>&1; then
        # a paused container cannot be removed
        docker unpause "$name" >/dev/null 2>&1 || true
        docker rm -f "$name" >/dev/null
        echo "lab: $name removed"
      fi
    done
    if docker network inspect "$NETWORK" >/dev/null 2>&1; then
      docker network rm "$NETWORK" >/dev/null
      echo "lab: network $NETWORK removed"
    fi
  fi
  if [[ -d $DATA ]]; then
    rm -rf --one-file-system "$DATA"
    echo "lab: $DATA removed"
  fi
}

status() {
  engine_running || { echo "lab: no Docker engine running"; return 0; }
  docker ps -a --filter "network=$NETWORK" --format 'table {{.Names}}\t{{.Status}}\t{{.Image}}'
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
