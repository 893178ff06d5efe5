#!/usr/bin/env bash
# Local lab: seven Debian containers with systemd as PID 1 on a fixed-address
# Docker network (one Redis master, two replicas, three Sentinels, and the
# Prometheus server that scrapes their exporters).
# Usage: scripts/lab.sh up|down|status
# Env: LAB_NETWORK (redis-ha-lab), LAB_SUBNET (172.31.240, a /24 prefix),
#      LAB_PREFIX (redis, container name prefix), LAB_SUITE (bookworm),
#      LAB_RECREATE=1 to recreate containers running an older image.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NETWORK=${LAB_NETWORK:-redis-ha-lab}
SUBNET=${LAB_SUBNET:-172.31.240}
PREFIX=${LAB_PREFIX:-redis}
SUITE=${LAB_SUITE:-bookworm}
IMAGE=hastack-redis/debian-systemd:$SUITE
LABEL=hastack-redis.lab=1
WAIT=${LAB_WAIT:-60}

# name -> last octet
HOSTS=(
  "$PREFIX-master 10"
  "$PREFIX-replica-1 11"
  "$PREFIX-replica-2 12"
  "$PREFIX-sentinel-1 21"
  "$PREFIX-sentinel-2 22"
  "$PREFIX-sentinel-3 23"
  "$PREFIX-prometheus 30"
)

# What systemd needs as PID 1 here (--privileged fails on these hosts).
# --stop-signal: Debian 12's engine cannot store STOPSIGNAL via docker import.
# No AppArmor on these hosts; apparmor=unconfined is accepted regardless.
RUN_OPTS=(
  --label "$LABEL"
  --cap-add SYS_ADMIN --cap-add NET_ADMIN
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined
  --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw
  --tmpfs /run --tmpfs /run/lock --tmpfs /tmp
  --stop-signal SIGRTMIN+3
)

die() { echo "lab.sh: $*" >&2; exit 1; }

exists() { docker container inspect "$1" >/dev/null 2>&1; }

ensure_network() {
  local current
  if current=$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "$NETWORK" 2>/dev/null); then
    [[ $current == "$SUBNET.0/24" ]] ||
      die "network $NETWORK exists with subnet '$current', expected $SUBNET.0/24"
    return
  fi
  docker network create --driver bridge --subnet "$SUBNET.0/24" --gateway "$SUBNET.1" \
    --label "$LABEL" "$NETWORK" >/dev/null
  echo "lab: network $NETWORK ($SUBNET.0/24) created"
}

create() {
  local name=$1 ip=$2
  docker run -d --name "$name" --hostname "$name" --network "$NETWORK" --ip "$ip" \
    "${RUN_OPTS[@]}" "$IMAGE" >/dev/null
  echo "lab: $name created"
}

ensure_host() {
  local name=$1 ip=$2 want state label image
  want=$(docker image inspect -f '{{.Id}}' "$IMAGE")
  if ! exists "$name"; then
    create "$name" "$ip"
    return
  fi
  label=$(docker container inspect -f '{{index .Config.Labels "hastack-redis.lab"}}' "$name")
  [[ $label == 1 ]] || die "container $name exists but is not part of the lab"
  image=$(docker container inspect -f '{{.Image}}' "$name")
  if [[ $image != "$want" ]]; then
    if [[ ${LAB_RECREATE:-0} == 1 ]]; then
      docker rm -f "$name" >/dev/null
      echo "lab: $name runs another image than $IMAGE, recreating"
      create "$name" "$ip"
      return
    fi
    echo "lab: warning: $name runs another image than $IMAGE (LAB_RECREATE=1 to recreate)" >&2
  fi
  state=$(docker container inspect -f '{{.State.Status}}' "$name")
  if [[ $state != running ]]; then
    docker start "$name" >/dev/null
    echo "lab: $name started (was $state)"
  fi
}

wait_host() {
  local name=$1 ip=$2 state="" i
  for ((i = 0; i <= WAIT; i++)); do
    state=$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)
    if [[ $state == running || $state == degraded ]]; then
      printf 'lab: %-20s %-15s %s\n' "$name" "$ip" "$state"
      [[ $state == running ]] || docker exec "$name" systemctl --failed --no-legend >&2 || true
      return 0
    fi
    sleep 1
  done
  echo "lab: $name not ready after ${WAIT}s (state: ${state:-none})" >&2
  docker exec "$name" systemctl --failed --no-legend >&2 || true
  return 1
}

up() {
  local h name octet ok=0
  "$HERE/engine.sh"
  "$HERE/image.sh" "$SUITE"
  ensure_network
  for h in "${HOSTS[@]}"; do
    read -r name octet <<<"$h"
    ensure_host "$name" "$SUBNET.$octet"
  done
  for h in "${HOSTS[@]}"; do
    read -r name octet <<<"$h"
    wait_host "$name" "$SUBNET.$octet" || ok=1
  done
  return "$ok"
}

engine_running() {
  command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}

down() {
  local h name
  if ! engine_running; then
    echo "lab: no Docker engine running, nothing to remove"
    return 0
  fi
  for h in "${HOSTS[@]}"; do
    read -r name _ <<<"$h"
    if exists "$name"; then
      docker rm -f "$name" >/dev/null
      echo "lab: $name removed"
    fi
  done
  if docker network inspect "$NETWORK" >/dev/null 2>&1; then
    docker network rm "$NETWORK" >/dev/null
    echo "lab: network $NETWORK removed"
  fi
}

status() {
  engine_running || { echo "lab: no Docker engine running"; return 0; }
  docker ps -a --filter "label=$LABEL" \
    --format 'table {{.Names}}\t{{.Status}}\t{{.Image}}\t{{.Networks}}'
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
