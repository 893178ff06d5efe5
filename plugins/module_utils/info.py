# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a Redis server reports about itself: INFO, ROLE, and the key/value replies of other commands.

Pure parsing; the replicas a master lists in INFO replication (``slaveN``) are read here only."""

from __future__ import annotations

import re

__all__ = ['parse_info', 'keyspace_keys', 'pairs_to_dict', 'parse_role', 'replica_entries']

_INT_RE = re.compile(r'^-?\d+$')
_KV_PART_RE = re.compile(r'^[A-Za-z0-9_.\-]+=')


def _maybe_int(value):
    if isinstance(value, str) and _INT_RE.match(value):
        return int(value)
    return value


def _parse_kv_list(value):
    parts = value.split(',')
    if not all(_KV_PART_RE.match(p) for p in parts):
        return None
    result = {}
    for part in parts:
        k, v = part.split('=', 1)
        result[k] = _maybe_int(v)
    return result


def parse_info(text):
    """Parse the text of an INFO reply into a flat dict.

    ``# Section`` headers and blank lines are skipped; ``a=1,b=2`` values become
    dicts; values that are whole integers become ints; everything else is str.
    """
    result = {}
    if not text:
        return result
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith('#') or ':' not in line:
            continue
        key, value = line.split(':', 1)
        kv = _parse_kv_list(value) if '=' in value else None
        result[key] = kv if kv is not None else _maybe_int(value)
    return result


def keyspace_keys(info):
    """Number of keys in every database of a parsed INFO keyspace section (``db0:keys=N,...``)."""
    return sum(int(v.get('keys') or 0) for k, v in info.items()
               if k.startswith('db') and k[2:].isdigit() and isinstance(v, dict))


def pairs_to_dict(reply):
    """Turn a flat ``[k1, v1, k2, v2, ...]`` reply into a dict (ints converted)."""
    if reply is None:
        return None
    if isinstance(reply, dict):
        return dict(reply)
    it = iter(reply)
    return dict((k, _maybe_int(v)) for k, v in zip(it, it))


def parse_role(reply):
    """Parse a ROLE reply into a dict (see module docs for the shape)."""
    if not reply:
        raise ValueError('empty ROLE reply')
    role = reply[0]
    if role == 'master':
        replicas = []
        for entry in (reply[2] if len(reply) > 2 and reply[2] else []):
            replicas.append({'host': entry[0], 'port': int(entry[1]), 'offset': int(entry[2])})
        return {'role': 'master', 'offset': int(reply[1]), 'replicas': replicas}
    if role in ('slave', 'replica'):
        return {
            'role': 'slave',
            'master_host': reply[1],
            'master_port': int(reply[2]),
            'state': reply[3],
            'offset': int(reply[4]),
        }
    if role == 'sentinel':
        return {'role': 'sentinel', 'masters': list(reply[1] or [])}
    raise ValueError('unknown role in ROLE reply: %r' % (role,))


def replica_entries(info):
    """The replicas a master lists in a parsed INFO replication (``slave0:ip=...,port=...``), in order."""
    return [info[k] for k in sorted(info, key=lambda k: int(k[5:]) if k[5:].isdigit() else -1)
            if k.startswith('slave') and k[5:].isdigit() and isinstance(info[k], dict)]
