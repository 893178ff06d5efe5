# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure decision logic: which node is the Redis master right now?

No I/O here; the redis_topology module gathers the views and this module
decides. Every rule is unit-tested in tests/unit/test_topology.py.
"""

from __future__ import annotations

__all__ = ['decide_master', 'describe_nodes', 'describe_sentinels', 'format_addr']


def format_addr(host, port):
    host = str(host)
    if ':' in host and not host.startswith('['):
        return '[%s]:%s' % (host, port)
    return '%s:%s' % (host, port)


def _key(host, port):
    try:
        port = int(port)
    except (TypeError, ValueError):
        pass
    return (str(host).lower(), port)


def _addr_index(nodes):
    return dict((_key(v.get('host'), v.get('port')), name) for name, v in nodes.items())


def _node_label(name, nodes):
    v = nodes.get(name) or {}
    return '%s (%s)' % (name, format_addr(v.get('host'), v.get('port')))


def _describe_node(name, v):
    if not v.get('reachable'):
        return '%s unreachable' % name
    role = v.get('role')
    if role == 'master':
        return '%s master with %d replica(s)' % (name, int(v.get('connected_slaves') or 0))
    if role == 'slave':
        return '%s replica of %s (link %s)' % (
            name, format_addr(v.get('master_host'), v.get('master_port')), v.get('master_link_status') or 'unknown')
    return '%s reachable but role unknown' % name


def describe_nodes(nodes):
    """One-line summary of what every node said."""
    if not nodes:
        return 'no nodes'
    return ', '.join(_describe_node(name, nodes[name]) for name in sorted(nodes))


def describe_sentinels(sentinels):
    """One-line summary of what every Sentinel said."""
    if not sentinels:
        return 'no Sentinels configured'
    out = []
    for name in sorted(sentinels):
        s = sentinels[name]
        if not s.get('reachable'):
            out.append('%s unreachable' % name)
        elif s.get('master_addr'):
            out.append('%s says %s' % (name, format_addr(*s['master_addr'][:2])))
        else:
            out.append('%s knows no master' % name)
    return ', '.join(out)


def _result(master, source, ambiguous, reason):
    # an ambiguous decision never names a master, so that a caller that forgets
    # to look at 'ambiguous' cannot act on a guess
    reason = reason[:1].upper() + reason[1:]
    return {'master': None if ambiguous else master, 'source': source, 'ambiguous': ambiguous, 'reason': reason}


def _masters_with_replicas(nodes, exclude=None):
    return sorted(
        name for name, v in nodes.items()
        if name != exclude and v.get('reachable') and v.get('role') == 'master'
        and int(v.get('connected_slaves') or 0) > 0
    )


def _decide_from_nodes(nodes, bootstrap):
    """Rule (c): decide from what the data nodes themselves report.

    Returns (master, source, ambiguous, reason_fragment).
    """
    seen = 'nodes report: %s' % describe_nodes(nodes)
    masters = _masters_with_replicas(nodes)
    if len(masters) == 1:
        return masters[0], 'nodes', False, '%s is the only master with replicas; %s' % (masters[0], seen)
    if len(masters) > 1:
        return None, None, True, 'two or more masters have replicas (%s); %s' % (', '.join(masters), seen)

    b = nodes.get(bootstrap)
    if b is None:
        return None, None, True, 'no master has replicas and the bootstrap master %r is not one of the nodes; %s' % (
            bootstrap, seen)
    if b.get('reachable') and b.get('role') == 'master':
        return bootstrap, 'bootstrap', False, (
            'no master has replicas and the bootstrap master %s is reachable and a master; %s' % (bootstrap, seen))
    if not b.get('reachable') and not any(v.get('reachable') for v in nodes.values()):
        return bootstrap, 'bootstrap', False, (
            'no node is reachable yet (brand-new site), using the bootstrap master %s; %s' % (bootstrap, seen))
    if b.get('reachable') and b.get('role') == 'slave':
        upstream = _addr_index(nodes).get(_key(b.get('master_host'), b.get('master_port')))
        if upstream is not None and upstream != bootstrap:
            u = nodes[upstream]
            if u.get('reachable') and u.get('role') == 'master':
                return upstream, 'nodes', False, (
                    'no master has replicas; the bootstrap master %s replicates from %s, which is a master; %s' % (
                        bootstrap, upstream, seen))
    return None, None, True, 'no master has replicas and the bootstrap master %s cannot be used (%s); %s' % (
        bootstrap, _describe_node(bootstrap, b), seen)


def decide_master(nodes, sentinels, bootstrap):
    """Decide which node is the master.

    :param nodes: name -> {'host', 'port', 'reachable', 'role', 'connected_slaves',
                  'master_host', 'master_port', 'master_link_status'}
    :param sentinels: name -> {'reachable', 'master_addr': [host, port] or None}
    :param bootstrap: node name of the inventory's bootstrap master
    :returns: {'master', 'source', 'ambiguous', 'reason'}
    """
    nodes = nodes or {}
    sentinels = sentinels or {}
    index = _addr_index(nodes)
    majority = len(sentinels) // 2 + 1

    # what the Sentinels that answered say, grouped by address
    votes = {}
    for name in sorted(sentinels):
        s = sentinels[name] or {}
        addr = s.get('master_addr')
        if s.get('reachable') and addr:
            votes.setdefault(_key(addr[0], addr[1]), []).append(name)

    def addr_text(key):
        name = index.get(key)
        text = format_addr(*key)
        return '%s (%s)' % (name, text) if name else '%s (not an inventory node)' % text

    # (a) a strict majority of the configured Sentinels agree
    for key, voters in sorted(votes.items(), key=lambda kv: -len(kv[1])):
        if len(voters) < majority:
            break
        head = '%d of %d Sentinels (%s) report %s as master' % (
            len(voters), len(sentinels), ', '.join(voters), addr_text(key))
        others = ['%s says %s' % (', '.join(v), addr_text(k)) for k, v in sorted(votes.items()) if k != key]
        if others:
            head += ' (dissenting: %s)' % '; '.join(others)
        seen = 'nodes report: %s' % describe_nodes(nodes)
        master = index.get(key)
        if master is None:
            return _result(None, 'sentinels', True, '%s, which matches no inventory node; %s.' % (head, seen))
        m = nodes[master]
        if m.get('reachable') and m.get('role') == 'slave':
            return _result(master, 'sentinels', True,
                           '%s but it reports role slave: a failover is probably in progress, '
                           'retry in a few seconds; %s.' % (head, seen))
        rivals = _masters_with_replicas(nodes, exclude=master)
        if rivals:
            return _result(master, 'sentinels', True,
                           '%s but %s also report(s) role master with connected replicas (split brain); %s.' % (
                               head, ', '.join(rivals), seen))
        note = '' if m.get('reachable') else ' (it is not reachable from here)'
        return _result(master, 'sentinels', False, '%s%s; %s.' % (head, note, seen))

    # (b) the Sentinels that answered disagree
    if len(votes) >= 2:
        said = ', '.join('%s says %s' % (', '.join(v), addr_text(k)) for k, v in sorted(votes.items()))
        return _result(None, None, True, 'Sentinels disagree: %s; nodes report: %s.' % (said, describe_nodes(nodes)))

    # (c) no Sentinel knows the master, or only a minority answered (and agree)
    master, source, ambiguous, reason = _decide_from_nodes(nodes, bootstrap)
    if votes:
        key, voters = list(votes.items())[0]
        minority = '%d of %d Sentinels (%s, less than a majority) report %s as master' % (
            len(voters), len(sentinels), ', '.join(voters), addr_text(key))
        if ambiguous:
            return _result(None, None, True, '%s; %s.' % (minority, reason))
        if index.get(key) != master:
            return _result(None, None, True, '%s but the nodes point to %s: %s.' % (
                minority, _node_label(master, nodes), reason))
        return _result(master, source, False, '%s, in agreement with the nodes: %s.' % (minority, reason))
    prefix = 'no Sentinel knows the master (%s); ' % describe_sentinels(sentinels) if sentinels else 'no Sentinels configured; '
    return _result(master, source, ambiguous, '%s%s.' % (prefix, reason))


def health_problems(master, nodes, sentinels, probe=None, max_lag=1, max_probe_ms=1000.0, peer_user=None):
    """List what keeps a site from being healthy, one sentence each (empty list: healthy).

    Healthy means: one master, which every Sentinel names and for which every
    Sentinel's SENTINEL CKQUORUM is OK; every other node replicates from it with
    the link up and a lag of at most ``max_lag`` seconds as the master reports
    it; and, when ``probe`` is given, a key written on the master became
    readable on every replica within ``max_probe_ms``. With ``peer_user``,
    every link another Sentinel opened to a Sentinel (``sentinel-<id>-cmd`` in
    CLIENT LIST, in ``peer_links``) must be logged in as that user: a Sentinel
    whose sentinel-pass is refused carries on as the default user, and its
    failover votes are then refused.
    """
    problems = []
    if master is None:
        return ['no master could be decided']
    masters = sorted(name for name, v in nodes.items() if v.get('reachable') and v.get('role') == 'master')
    if masters != [master['name']]:
        problems.append('nodes reporting role master: %s (expected only %s)' % (
            ', '.join(masters) or 'none', master['name']))
    want = format_addr(master['host'], master['port'])
    for name, s in sorted(sentinels.items()):
        if not s.get('reachable'):
            problems.append('Sentinel %s does not answer' % name)
            continue
        if s.get('error'):
            # it answered, but with an error (authentication, ACL, protected mode): nothing else it said counts
            problems.append('Sentinel %s answers with an error: %s' % (name, s['error']))
            continue
        addr = s.get('master_addr')
        seen = format_addr(addr[0], addr[1]) if addr else 'none'
        if seen != want:
            problems.append('Sentinel %s says the master is %s, not %s (%s)' % (name, seen, master['name'], want))
        if not s.get('ckquorum_ok'):
            problems.append('Sentinel %s: SENTINEL CKQUORUM failed: %s' % (name, s.get('ckquorum_message')))
        if peer_user is not None:
            if s.get('peer_links') is None:
                problems.append('Sentinel %s: cannot list the links of the other Sentinels: %s' % (
                    name, s.get('peer_links_error')))
            for link, user in sorted((s.get('peer_links') or {}).items()):
                if user != peer_user:
                    problems.append('Sentinel %s: the link from %s is logged in as %s, not %s, so that Sentinel cannot '
                                    'vote; check its sentinel-user/sentinel-pass (redis_sentinel_peer_password)' % (
                                        name, link, user, peer_user))
    expected = len(nodes) - 1
    connected = nodes[master['name']].get('connected_slaves') or 0
    if connected != expected:
        problems.append('master %s has %d connected replicas, expected %d' % (master['name'], connected, expected))
    for name, v in sorted(nodes.items()):
        if name == master['name']:
            continue
        if not v.get('reachable'):
            problems.append('node %s does not answer' % name)
        elif v.get('role') != 'slave' or _key(v.get('master_host'), v.get('master_port')) != _key(master['host'], master['port']):
            problems.append('node %s is %s (of %s), not a replica of %s' % (
                name, v.get('role'), format_addr(v.get('master_host'), v.get('master_port')), master['name']))
        elif v.get('master_link_status') != 'up':
            problems.append('replica %s: master_link_status is %s' % (name, v.get('master_link_status')))
        else:
            if v.get('lag') is None or int(v['lag']) > max_lag:
                problems.append('replica %s: lag %s s as the master reports it (limit %s s)' % (name, v.get('lag'), max_lag))
            if probe is not None:
                seen_ms = probe.get(name)
                if seen_ms is None or float(seen_ms) >= max_probe_ms:
                    problems.append('replica %s: the probe key written on the master was not readable within %s ms' % (
                        name, max_probe_ms))
    return problems
