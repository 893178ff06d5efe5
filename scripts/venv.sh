#!/usr/bin/env bash
# Create the project's virtualenv from requirements.txt (reinstalls only when
# requirements.txt changes) and link the collection where Ansible finds it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
stamp="$venv/.requirements.sha256"
want=$(sha256sum requirements.txt | cut -d' ' -f1)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null
  fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r requirements.txt
  echo "$want" > "$stamp"
  echo "venv: installed requirements into $venv"
fi

# ansible.cfg points collections_path at .collections
mkdir -p .collections/ansible_collections/hastack
ln -sfn ../../.. .collections/ansible_collections/hastack/redis
