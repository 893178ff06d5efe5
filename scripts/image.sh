#!/usr/bin/env bash
# Build (once) the local Debian image with systemd as PID 1 used by the lab
# and Molecule. No registry is reachable, so the root file system comes
# from debootstrap and is imported with `docker import`.
# Usage: scripts/image.sh [suite]   (bookworm by default; trixie works too)
set -euo pipefail

SUITE=${1:-bookworm}
IMAGE=hastack-redis/debian-systemd
MIRROR=http://deb.debian.org/debian
SECURITY=http://deb.debian.org/debian-security
INCLUDE=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,iproute2,procps,nftables,ca-certificates,gnupg

# Units that make no sense in a container (udev, consoles, kernel modules,
# /sys mounts, remounting /). On bookworm none fails unmasked (they are
# skipped or absent), so this only guards against them being pulled in
# later. The apt timers would race Ansible's apt runs for the dpkg lock.
MASK=(
  getty@tty1.service
  console-getty.service
  systemd-udevd.service
  systemd-udev-trigger.service
  systemd-modules-load.service
  sys-kernel-config.mount
  sys-kernel-debug.mount
  systemd-remount-fs.service
  apt-daily.timer
  apt-daily-upgrade.timer
)

die() { echo "image.sh: $*" >&2; exit 1; }

[[ $SUITE =~ ^[a-z]+$ ]] || die "bad suite name: $SUITE"
[[ $(id -u) -eq 0 ]] || exec sudo -n -- "$0" "$@"
command -v debootstrap >/dev/null || die "debootstrap missing (run scripts/engine.sh)"

# The recipe hash covers this file and everything passed to it.
HASH=$({ cat "${BASH_SOURCE[0]}"; printf '%s\n' "$SUITE" "$INCLUDE" "$MIRROR" "${MASK[@]}"; } |
  sha256sum | cut -c1-12)
TAG=$SUITE-$HASH

if docker image inspect "$IMAGE:$TAG" >/dev/null 2>&1; then
  docker tag "$IMAGE:$TAG" "$IMAGE:$SUITE"
  echo "image $IMAGE:$TAG cached"
  exit 0
fi

WORK=$(mktemp -d /var/tmp/hastack-image.XXXXXX)
ROOTFS=$WORK/rootfs
cleanup() {
  # Never delete through a mount left behind by an interrupted debootstrap.
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
    awk -v d="$WORK/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

start=$SECONDS
echo "image: building $IMAGE:$TAG (debootstrap $SUITE)"

# One retry: the mirror occasionally drops a connection.
bootstrap() {
  rm -rf --one-file-system "$ROOTFS"
  debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$ROOTFS" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1
}
if ! bootstrap; then
  echo "image: debootstrap failed, retrying once" >&2
  tail -n 5 "$WORK/debootstrap.log" >&2
  bootstrap || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap $SUITE failed twice"; }
fi

# APT sources: main, updates and security for the suite.
rm -f "$ROOTFS/etc/apt/sources.list.d/debian.sources"
cat >"$ROOTFS/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
SOURCES

# Each container gets its own machine id at boot.
: >"$ROOTFS/etc/machine-id"
rm -f "$ROOTFS/var/lib/dbus/machine-id"

for unit in "${MASK[@]}"; do
  ln -sfn /dev/null "$ROOTFS/etc/systemd/system/$unit"
done

rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
  "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/log/*.log

# systemd halts on SIGRTMIN+3 (SIGTERM only makes it re-execute). Older
# engines (Debian 12's 20.10) reject STOPSIGNAL in `docker import`: probe with
# an empty image; without it, pass `--stop-signal SIGRTMIN+3` to docker run.
CHANGES=(--change 'CMD ["/lib/systemd/systemd"]' --change 'ENV container=docker')
if probe=$(tar -cf - -T /dev/null | docker import --change 'STOPSIGNAL SIGRTMIN+3' - 2>/dev/null); then
  docker rmi "$probe" >/dev/null
  CHANGES+=(--change 'STOPSIGNAL SIGRTMIN+3')
fi

tar -C "$ROOTFS" --numeric-owner -c . | docker import "${CHANGES[@]}" - "$IMAGE:$TAG" >/dev/null
docker tag "$IMAGE:$TAG" "$IMAGE:$SUITE"

# Drop older builds of this suite; an image still used by a container stays.
docker images --format '{{.Repository}}:{{.Tag}}' "$IMAGE" |
  awk -v keep="$IMAGE:$TAG" -v pre="$IMAGE:$SUITE-" \
    'index($0, pre) == 1 && length($0) == length(keep) && $0 != keep' |
  while read -r old; do
    docker rmi "$old" >/dev/null 2>&1 || echo "image: kept $old (in use)" >&2
  done

size=$(docker image inspect -f '{{.Size}}' "$IMAGE:$TAG")
echo "image $IMAGE:$TAG built in $((SECONDS - start))s ($((size / 1000000)) MB)"
