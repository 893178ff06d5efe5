#!/usr/bin/env bash
# Build (once) the Redis image that the container runtime's tests and lab
# run, from Debian's own packages (no registry is reachable here), and save
# it as an archive that the role loads into each host's engine
# (redis_container_image_archive). A second revision of the same image,
# differing only by a label, proves an image change rolled out one
# container at a time.
# Usage: scripts/engine-image.sh [suite]   (bookworm by default)
# Prints nothing but progress; the images are
#   hastack-redis/redis:<suite> and hastack-redis/redis:<suite>-r2
# and their archives .cache/images/redis-<suite>.tar and redis-<suite>-r2.tar.
set -euo pipefail

SUITE=${1:-bookworm}
IMAGE=hastack-redis/redis
MIRROR=http://deb.debian.org/debian
SECURITY=http://deb.debian.org/debian-security
PACKAGES=redis-server,redis-sentinel,redis-tools
# The user of the official Redis image (999:999): a host directory owned by
# it serves both the official image and this one.
UID_GID=999
OUT=${ENGINE_IMAGE_OUT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache/images}

die() { echo "engine-image.sh: $*" >&2; exit 1; }

[[ $SUITE =~ ^[a-z]+$ ]] || die "bad suite name: $SUITE"
[[ $(id -u) -eq 0 ]] || exec sudo -n -- env ENGINE_IMAGE_OUT="$OUT" "$0" "$@"
command -v debootstrap >/dev/null || die "debootstrap missing (run scripts/engine.sh)"

HASH=$({ cat "${BASH_SOURCE[0]}"; printf '%s\n' "$SUITE" "$PACKAGES" "$MIRROR" "$UID_GID"; } |
  sha256sum | cut -c1-12)
TAG=$SUITE-$HASH

# Archives are written once per build; the user running Ansible reads them.
save() {
  local tag=$1 file=$OUT/redis-$2.tar
  if [[ ! -s $file || $(cat "$file.tag" 2>/dev/null) != "$TAG" ]]; then
    mkdir -p "$OUT"
    docker save -o "$file.tmp" "$IMAGE:$tag"
    chmod 0644 "$file.tmp"
    mv "$file.tmp" "$file"
    echo "$TAG" >"$file.tag"
    if [[ -n ${SUDO_UID:-} ]]; then chown "$SUDO_UID:$SUDO_GID" "$OUT" "$file" "$file.tag"; fi
    echo "engine-image: saved $IMAGE:$tag to $file"
  fi
}

revision2() {
  if ! docker image inspect "$IMAGE:$TAG-r2" >/dev/null 2>&1; then
    printf 'FROM %s\nLABEL org.hastack.redis.revision=2\n' "$IMAGE:$TAG" |
      docker build -q -t "$IMAGE:$TAG-r2" - >/dev/null 2>"${TMPDIR:-/tmp}/engine-image-build.log" ||
      { cat "${TMPDIR:-/tmp}/engine-image-build.log" >&2; die "could not build $IMAGE:$TAG-r2"; }
  fi
  docker tag "$IMAGE:$TAG-r2" "$IMAGE:$SUITE-r2"
}

if docker image inspect "$IMAGE:$TAG" >/dev/null 2>&1; then
  docker tag "$IMAGE:$TAG" "$IMAGE:$SUITE"
  revision2
  save "$SUITE" "$SUITE"
  save "$SUITE-r2" "$SUITE-r2"
  echo "engine image $IMAGE:$TAG cached"
  exit 0
fi

WORK=$(mktemp -d /var/tmp/hastack-engine-image.XXXXXX)
ROOTFS=$WORK/rootfs
cleanup() {
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
    awk -v d="$WORK/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

start=$SECONDS
echo "engine-image: building $IMAGE:$TAG (debootstrap $SUITE, $PACKAGES)"
bootstrap() {
  rm -rf --one-file-system "$ROOTFS"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1
}
if ! bootstrap; then
  echo "engine-image: debootstrap failed, retrying once" >&2
  tail -n 5 "$WORK/debootstrap.log" >&2
  bootstrap || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap $SUITE failed twice"; }
fi

# The packages created the redis user with whatever system id was free:
# give it the official image's 999:999 and move its files along.
old_uid=$(chroot "$ROOTFS" id -u redis)
old_gid=$(chroot "$ROOTFS" id -g redis)
if chroot "$ROOTFS" getent passwd "$UID_GID" >/dev/null && [[ $old_uid != "$UID_GID" ]]; then
  die "uid $UID_GID is taken in the image"
fi
chroot "$ROOTFS" groupmod -g "$UID_GID" redis
chroot "$ROOTFS" usermod -u "$UID_GID" -g "$UID_GID" redis
find "$ROOTFS" -xdev \( -uid "$old_uid" -o -gid "$old_gid" \) -exec chown -h "$UID_GID:$UID_GID" {} +

rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
  "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/log/*.log \
  "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/locale/*
: >"$ROOTFS/etc/machine-id"

tar -C "$ROOTFS" --numeric-owner -c . |
  docker import --change "USER $UID_GID:$UID_GID" --change 'WORKDIR /var/lib/redis' \
    --change 'CMD ["redis-server"]' - "$IMAGE:$TAG" >/dev/null
docker tag "$IMAGE:$TAG" "$IMAGE:$SUITE"
revision2

docker images --format '{{.Repository}}:{{.Tag}}' "$IMAGE" |
  awk -v pre="$IMAGE:$SUITE-" -v keep="$TAG" \
    'index($0, pre) == 1 && index($0, keep) == 0 && $0 != pre "r2"' |
  while read -r old; do
    docker rmi "$old" >/dev/null 2>&1 || echo "engine-image: kept $old (in use)" >&2
  done

save "$SUITE" "$SUITE"
save "$SUITE-r2" "$SUITE-r2"
size=$(docker image inspect -f '{{.Size}}' "$IMAGE:$TAG")
echo "engine image $IMAGE:$TAG built in $((SECONDS - start))s ($((size / 1000000)) MB)"
