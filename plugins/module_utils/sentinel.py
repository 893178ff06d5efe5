# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a Sentinel says: its queries, their replies, and how the answers of several Sentinels add up.

Address equality lives here too, because Sentinel answers are mapped to
nodes by host and port.
"""

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.module_utils.info import pairs_to_dict
from ansible_collections.hastack.redis.plugins.module_utils.resp import RedisError

__all__ = ['addr_key', 'format_addr', 'is_no_such_master', 'get_master_addr', 'master_state', 'ckquorum',
           'replicas', 'sentinels', 'master_facts', 'parse_peer_links', 'peer_links', 'majority', 'votes',
           'majority_address']


def addr_key(host, port):
    """What two addresses must share to be the same: the host (case-insensitive) and the port."""
    try:
        port = int(port)
    except (TypeError, ValueError):
        pass
    return (str(host).lower(), port)


def format_addr(host, port):
    host = str(host)
    if ':' in host and not host.startswith('['):
        return '[%s]:%s' % (host, port)
    return '%s:%s' % (host, port)


def is_no_such_master(exc):
    """Whether an error reply means the Sentinel does not monitor a master of that name."""
    return 'no such master' in exc.message.lower()


def get_master_addr(client, name):
    """SENTINEL GET-MASTER-ADDR-BY-NAME: ``[host, port]``, or None when the Sentinel names none."""
    addr = client.execute('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)
    return [addr[0], int(addr[1])] if addr else None


def master_state(client, name):
    """SENTINEL MASTER as a dict (flags, num-slaves, config-epoch, quorum...)."""
    return pairs_to_dict(client.execute('SENTINEL', 'MASTER', name))


def ckquorum(client, name):
    """SENTINEL CKQUORUM: ``(ok, message)``; a refusal is an answer, not an error."""
    try:
        return True, client.execute('SENTINEL', 'CKQUORUM', name)
    except RedisError as exc:
        return False, exc.message


def replicas(client, name):
    """SENTINEL REPLICAS (SENTINEL SLAVES before Sentinel 6.2), each as a dict."""
    try:
        reply = client.execute('SENTINEL', 'REPLICAS', name)
    except RedisError:
        reply = client.execute('SENTINEL', 'SLAVES', name)
    return [pairs_to_dict(r) for r in reply or []]


def sentinels(client, name):
    """SENTINEL SENTINELS: the other Sentinels this one knows, each as a dict."""
    return [pairs_to_dict(s) for s in client.execute('SENTINEL', 'SENTINELS', name) or []]


def master_facts(client, name):
    """Everything a Sentinel knows about master ``name`` (redis_info's ``sentinel`` return value)."""
    result = {'master': None, 'master_addr': None, 'ckquorum': {'ok': False, 'message': ''},
              'replicas': [], 'sentinels': []}
    try:
        result['master'] = master_state(client, name)
    except RedisError as exc:
        if not is_no_such_master(exc):
            raise
        result['ckquorum']['message'] = exc.message
        return result
    result['master_addr'] = get_master_addr(client, name)
    ok, message = ckquorum(client, name)
    result['ckquorum'] = {'ok': ok, 'message': message}
    result['replicas'] = replicas(client, name)
    result['sentinels'] = sentinels(client, name)
    return result


def parse_peer_links(client_list):
    """{link name: ACL user} of the links other Sentinels opened (CLIENT LIST names sentinel-<id>-cmd)."""
    links = {}
    for line in (client_list or '').splitlines():
        fields = dict(f.split('=', 1) for f in line.split() if '=' in f)
        name = fields.get('name', '')
        if name.startswith('sentinel-') and name.endswith('-cmd'):
            links[name[:-len('-cmd')]] = fields.get('user')
    return links


def peer_links(client):
    return parse_peer_links(client.execute('CLIENT', 'LIST', 'TYPE', 'normal'))


def majority(total):
    """How many of ``total`` Sentinels make a strict majority."""
    return total // 2 + 1


def votes(views):
    """What the Sentinels that answered without an error say: {addr_key: [Sentinel names]}.

    ``views`` maps a Sentinel name to a view with ``reachable``, ``error`` and ``master_addr``.
    """
    out = {}
    for name in sorted(views):
        s = views[name] or {}
        addr = s.get('master_addr')
        if s.get('reachable') and not s.get('error') and addr:
            out.setdefault(addr_key(addr[0], addr[1]), []).append(name)
    return out


def majority_address(addresses, total):
    """The address key a strict majority of ``total`` Sentinels report, else None (None entries: no answer)."""
    counts = {}
    for addr in addresses:
        if addr:
            key = addr_key(addr[0], addr[1])
            counts[key] = counts.get(key, 0) + 1
    for key, count in counts.items():
        if count >= majority(total):
            return key
    return None
