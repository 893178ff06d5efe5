# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Who is master, and how the site looks: the pure decision and the one renderer of a view.

No I/O here; views.py gathers the views, this module decides (decide_master,
nodes_in_service, health_problems) and renders them (one-line summaries, the
full text of a failure, the status table). Every rule is unit-tested in
tests/unit/module_utils/.
"""

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.module_utils.sentinel import addr_key, format_addr, majority, votes

__all__ = ['decide_master', 'describe_for_failure', 'describe_nodes', 'describe_sentinels', 'health_problems',
           'nodes_in_service', 'report', 'sentinel_majority', 'DOWN_FLAGS', 'RUNBOOK']

#: the end of every message about a topology that a run refused to act on
RUNBOOK = "Nothing was changed. See the runbook section 'Ambiguous topology' in the collection README."


def _addr_index(nodes):
    return dict((addr_key(v.get('host'), v.get('port')), name) for name, v in nodes.items())


def _node_label(name, nodes):
    v = nodes.get(name) or {}
    return '%s (%s)' % (name, format_addr(v.get('host'), v.get('port')))


def _describe_node(name, v):
    if _tls_failed(v):
        return '%s TLS handshake failed (%s)' % (name, v.get('error'))
    if not v.get('reachable'):
        return '%s unreachable' % name
    if v.get('error'):
        return '%s answers with an error (%s)' % (name, v.get('error'))
    role = v.get('role')
    keys = ', %d keys' % _keys(v) if v.get('keys') is not None else ''
    if role == 'master':
        return '%s master with %d replica(s)%s' % (name, int(v.get('connected_slaves') or 0), keys)
    if role == 'slave':
        return '%s replica of %s (link %s)%s' % (
            name, format_addr(v.get('master_host'), v.get('master_port')), v.get('master_link_status') or 'unknown',
            keys)
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
        if _tls_failed(s):
            out.append('%s TLS handshake failed' % name)
        elif not s.get('reachable'):
            out.append('%s unreachable' % name)
        elif s.get('error'):
            out.append('%s answers with an error' % name)
        elif s.get('master_addr'):
            out.append('%s says %s' % (name, format_addr(*s['master_addr'][:2])))
        else:
            out.append('%s knows no master' % name)
    return ', '.join(out)


def _result(master, source, ambiguous, reason, retry=False):
    # an ambiguous decision never names a master, so that a caller that forgets
    # to look at 'ambiguous' cannot act on a guess
    reason = reason[:1].upper() + reason[1:]
    return {'master': None if ambiguous else master, 'source': source, 'ambiguous': ambiguous,
            'retry': bool(ambiguous and retry), 'reason': reason}


#: Sentinel flags of a master that mean "it is (thought to be) down or being replaced"
DOWN_FLAGS = frozenset(['s_down', 'o_down', 'failover_in_progress'])


def _flags(view):
    return set(str(view.get('flags') or '').split(','))


def _tls_failed(view):
    return view.get('error_kind') == 'tls'


def _known(v):
    """A node that answered ROLE and INFO without an error."""
    return bool(v.get('reachable')) and not v.get('error') and v.get('role') in ('master', 'slave')


def _keys(v):
    try:
        return int(v.get('keys') or 0)
    except (TypeError, ValueError):
        return 0


def _masters_with_replicas(nodes, exclude=None):
    return sorted(
        name for name, v in nodes.items()
        if name != exclude and v.get('reachable') and v.get('role') == 'master'
        and int(v.get('connected_slaves') or 0) > 0
    )


def _masters_with_data(nodes, exclude=None):
    """Masters without replicas that hold keys: demoting one would drop its data set."""
    return sorted(
        name for name, v in nodes.items()
        if name != exclude and v.get('reachable') and v.get('role') == 'master'
        and int(v.get('connected_slaves') or 0) == 0 and _keys(v) > 0
    )


def _tls_text(nodes, sentinels):
    failed = ['%s (%s)' % (name, v.get('error')) for name, v in sorted(nodes.items()) if _tls_failed(v)]
    failed += ['Sentinel %s (%s)' % (name, s.get('error')) for name, s in sorted(sentinels.items()) if _tls_failed(s)]
    if not failed:
        return ''
    return ('the TLS handshake failed with %s: check the certificates (redis_tls_ca_file, redis_tls_cert_file, '
            'expiry) before anything else' % ', '.join(failed))


def _decide_from_nodes(nodes, bootstrap, sentinels_know_master):
    """Rule (c): decide from what the data nodes themselves report (no Sentinel majority).

    Returns (master, source, ambiguous, retry, reason_fragment). Without a
    Sentinel majority only two answers are safe: the one master that has
    replicas attached (while every other node is known and no other master
    holds data), or the bootstrap master of a site that is provably new.
    """
    seen = 'nodes report: %s' % describe_nodes(nodes)
    unknown = sorted(name for name, v in nodes.items() if not _known(v))
    if unknown:
        return None, None, True, True, (
            'without a Sentinel majority every data node must answer, and %s cannot be seen (%s); %s' % (
                ', '.join(unknown), '; '.join(_describe_node(n, nodes[n]) for n in unknown), seen))
    masters = _masters_with_replicas(nodes)
    if len(masters) > 1:
        return None, None, True, False, 'two or more masters have replicas (%s); %s' % (', '.join(masters), seen)
    if len(masters) == 1:
        holders = _masters_with_data(nodes, exclude=masters[0])
        if holders:
            return None, None, True, True, (
                '%s is the only master with replicas, but %s also report(s) role master with data that '
                'making it a replica would drop; %s' % (masters[0], ', '.join(
                    '%s (%d keys)' % (h, _keys(nodes[h])) for h in holders), seen))
        return masters[0], 'nodes', False, False, '%s is the only master with replicas; %s' % (masters[0], seen)

    if bootstrap not in nodes:
        return None, None, True, False, (
            'no master has replicas and the bootstrap master %r is not one of the nodes; %s' % (bootstrap, seen))
    # provably new: every node a master without replicas, every data set empty, no Sentinel knows a master
    not_new = []
    for name in sorted(nodes):
        v = nodes[name]
        if v.get('role') != 'master':
            not_new.append('%s is a replica' % name)
        elif _keys(v) > 0:
            not_new.append('%s holds %d keys' % (name, _keys(v)))
    if sentinels_know_master:
        not_new.append('a Sentinel knows a master')
    if not_new:
        return None, None, True, True, (
            'no master has replicas and the site is not provably new (%s), so the bootstrap master %s is not '
            'used; %s' % ('; '.join(not_new), bootstrap, seen))
    return bootstrap, 'bootstrap', False, False, (
        'brand-new site: every data node answers as an empty master without replicas and no Sentinel knows a '
        'master, using the bootstrap master %s; %s' % (bootstrap, seen))


def nodes_in_service(nodes):
    """Names of the data nodes that clients or other nodes depend on, sorted.

    A node is in service when it answers and is a master with replicas, a master
    that holds keys (it serves them, even alone on a degraded site), or a
    replica whose link is up. Only the others (an empty new node, a node that
    does not answer) may be restarted without the rolling procedure; a node
    that cannot be read is left to the caller's health check, which refuses.
    """
    out = []
    for name, v in sorted(nodes.items()):
        if not _known(v):
            continue
        if v.get('role') == 'master' and (int(v.get('connected_slaves') or 0) > 0 or _keys(v) > 0):
            out.append(name)
        elif v.get('role') == 'slave' and v.get('master_link_status') == 'up':
            out.append(name)
    return out


def sentinel_majority(nodes, sentinels):
    """Name of the node that a strict majority of the configured Sentinels name as master, else None.

    An observation only (the drills time a failover by it); what a run may act on
    is decided by decide_master, which also weighs flags, epochs and the nodes.
    """
    for key, voters in votes(sentinels).items():
        if len(voters) >= majority(len(sentinels)):
            return _addr_index(nodes).get(key)
    return None


def decide_master(nodes, sentinels, bootstrap, dry_run=False):
    """Decide which node is the master, or that it cannot be decided safely.

    :param nodes: name -> {'host', 'port', 'reachable', 'role', 'connected_slaves', 'keys',
                  'master_host', 'master_port', 'master_link_status', 'error', 'error_kind'}
    :param sentinels: name -> {'reachable', 'master_addr': [host, port] or None, 'flags',
                      'config_epoch', 'error', 'error_kind'}
    :param bootstrap: node name of the inventory's bootstrap master
    :param dry_run: check mode: when nothing answers at all (nothing is installed yet), assume
                    the bootstrap master so that a dry run can go on; nothing acts on it
    :returns: {'master', 'source', 'ambiguous', 'retry', 'reason'}; ``retry`` tells that the
              state looks transient (a failover, a Sentinel catching up) and a later reading
              may decide
    """
    nodes = nodes or {}
    sentinels = sentinels or {}
    index = _addr_index(nodes)
    needed = majority(len(sentinels))
    tls = _tls_text(nodes, sentinels)

    said = votes(sentinels)

    def addr_text(key):
        name = index.get(key)
        text = format_addr(*key)
        return '%s (%s)' % (name, text) if name else '%s (not an inventory node)' % text

    def seen():
        text = 'nodes report: %s' % describe_nodes(nodes)
        return '%s; %s' % (tls, text) if tls else text

    # (a) a strict majority of the configured Sentinels agree
    for key, voters in sorted(said.items(), key=lambda kv: -len(kv[1])):
        if len(voters) < needed:
            break
        head = '%d of %d Sentinels (%s) report %s as master' % (
            len(voters), len(sentinels), ', '.join(voters), addr_text(key))
        master = index.get(key)
        if master is None:
            return _result(None, 'sentinels', True, '%s, which matches no inventory node; %s.' % (head, seen()))
        others = ['%s says %s' % (', '.join(v), addr_text(k)) for k, v in sorted(said.items()) if k != key]
        if others:
            return _result(None, 'sentinels', True, '%s but %s: the Sentinels have not converged (a failover '
                           'is probably propagating), retry in a few seconds; %s.' % (
                               head, '; '.join(others), seen()), retry=True)
        down = sorted(name for name in voters if _flags(sentinels[name]) & DOWN_FLAGS)
        if down:
            return _result(None, 'sentinels', True, '%s but %s flag(s) it %s: it is down or being replaced, '
                           'retry in a few seconds; %s.' % (head, ', '.join(down), ' / '.join(
                               sorted(set.union(*[_flags(sentinels[n]) & DOWN_FLAGS for n in down]))), seen()),
                           retry=True)
        epochs = sorted(set(str(sentinels[n].get('config_epoch')) for n in voters))
        if len(epochs) > 1:
            return _result(None, 'sentinels', True, '%s with different config epochs (%s): a failover is '
                           'propagating, retry in a few seconds; %s.' % (head, ', '.join(epochs), seen()),
                           retry=True)
        m = nodes[master]
        if not _known(m):
            return _result(None, 'sentinels', True, '%s but it cannot be seen from here (%s); nothing is '
                           'pointed at a master this run cannot see; %s.' % (
                               head, _describe_node(master, m), seen()), retry=True)
        if m.get('role') == 'slave':
            return _result(None, 'sentinels', True,
                           '%s but it reports role slave: a failover is probably in progress, '
                           'retry in a few seconds; %s.' % (head, seen()), retry=True)
        rivals = _masters_with_replicas(nodes, exclude=master)
        if rivals:
            return _result(None, 'sentinels', True,
                           '%s but %s also report(s) role master with connected replicas (split brain); %s.' % (
                               head, ', '.join(rivals), seen()))
        holders = _masters_with_data(nodes, exclude=master)
        if holders:
            return _result(None, 'sentinels', True,
                           '%s but %s also report(s) role master with data that making it a replica would '
                           'drop (Sentinel normally converts a returning old master within seconds), retry '
                           'in a few seconds; %s.' % (head, ', '.join(
                               '%s (%d keys)' % (h, _keys(nodes[h])) for h in holders), seen()), retry=True)
        return _result(master, 'sentinels', False, '%s; %s.' % (head, seen()))

    # (b) the Sentinels that answered disagree
    if len(said) >= 2:
        text = ', '.join('%s says %s' % (', '.join(v), addr_text(k)) for k, v in sorted(said.items()))
        return _result(None, None, True, 'Sentinels disagree: %s; %s.' % (text, seen()), retry=True)

    # (c) no Sentinel knows the master, or only a minority answered (and agree)
    if dry_run and not any(v.get('reachable') for v in nodes.values()) and not tls \
            and not any(s.get('reachable') for s in sentinels.values()):
        return _result(bootstrap, 'bootstrap', False, 'check mode: no data node and no Sentinel answers (not '
                       'installed yet), assuming the bootstrap master %s for this dry run; %s.' % (
                           bootstrap, seen()))
    # a Sentinel that answered with an error may know a master: the site is not provably new
    knows = bool(said) or any(s.get('reachable') and s.get('error') for s in sentinels.values()) \
        or any(_tls_failed(s) for s in sentinels.values())
    master, source, ambiguous, retry, reason = _decide_from_nodes(nodes, bootstrap, knows)
    if tls:
        reason = '%s; %s' % (tls, reason)
    if said:
        key, voters = list(said.items())[0]
        minority = '%d of %d Sentinels (%s, less than a majority) report %s as master' % (
            len(voters), len(sentinels), ', '.join(voters), addr_text(key))
        if ambiguous:
            return _result(None, None, True, '%s; %s.' % (minority, reason), retry=retry)
        if index.get(key) != master:
            return _result(None, None, True, '%s but the nodes point to %s: %s.' % (
                minority, _node_label(master, nodes), reason), retry=True)
        return _result(master, source, False, '%s, in agreement with the nodes: %s.' % (minority, reason))
    prefix = 'no Sentinel knows the master (%s); ' % describe_sentinels(sentinels) if sentinels else 'no Sentinels configured; '
    return _result(master, source, ambiguous, '%s%s.' % (prefix, reason), retry=retry)


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
    if nodes[master['name']].get('good_replicas') == 0:
        problems.append('master %s refuses every write (NOREPLICAS): no replica acknowledged within '
                        'min-replicas-max-lag. Bring a replica back (start it, then run playbooks/site.yml); only if '
                        'writes without any copy are acceptable until then, set redis_server_min_replicas_to_write: 0 '
                        'and run playbooks/site.yml' % master['name'])
    for name, v in sorted(nodes.items()):
        if name == master['name']:
            continue
        if not v.get('reachable'):
            problems.append('node %s does not answer' % name)
        elif v.get('role') != 'slave' or addr_key(v.get('master_host'), v.get('master_port')) != addr_key(
                master['host'], master['port']):
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


def _failed_read(label, view):
    """Why a node or Sentinel could not be read (TLS, unreachable, error), or None."""
    if view.get('error_kind') == 'tls':
        return '%s: TLS handshake failed (%s)' % (label, view.get('error'))
    if not view['reachable']:
        return '%s: unreachable (%s)' % (label, view.get('error'))
    if view.get('error'):
        return '%s: error (%s)' % (label, view['error'])
    return None


def describe_for_failure(nodes, sentinels):
    """What every node and Sentinel said, in full, for the message of a failed run."""
    parts = []
    for name in sorted(nodes):
        v = nodes[name]
        label = '%s (%s)' % (name, format_addr(v['host'], v['port']))
        failed = _failed_read(label, v)
        if failed:
            parts.append(failed)
        elif v['role'] == 'master':
            parts.append('%s: master, %d connected replica(s), offset %s' % (
                label, v['connected_slaves'], v.get('master_repl_offset')))
        else:
            parts.append('%s: replica of %s, link %s, offset %s' % (
                label, format_addr(v.get('master_host'), v.get('master_port')), v.get('master_link_status'),
                v.get('slave_repl_offset')))
    node_text = 'Nodes: ' + '; '.join(parts) + '.'
    parts = []
    for name in sorted(sentinels):
        s = sentinels[name]
        label = '%s (%s)' % (name, format_addr(s['host'], s['port']))
        failed = _failed_read(label, s)
        if failed:
            parts.append(failed)
        elif not s.get('master_addr'):
            parts.append('%s: does not monitor the master' % label)
        else:
            parts.append('%s: master %s, flags %s, config-epoch %s, quorum %s, %s' % (
                label, format_addr(*s['master_addr']), s.get('flags'), s.get('config_epoch'), s.get('quorum'),
                'ckquorum OK' if s.get('ckquorum_ok') else 'ckquorum FAILED: %s' % s.get('ckquorum_message')))
    sentinel_text = ('Sentinels: ' + '; '.join(parts) + '.') if parts else 'Sentinels: none configured.'
    return '%s %s' % (node_text, sentinel_text)


NODE_ROW = '%-22s %-8s %-20s %-5s %-5s %-12s %s'
SENTINEL_ROW = '%-22s %-22s %-6s %-8s %-10s %-28s %s'


def _or_dash(view, key):
    # a key that is absent reads '-'; a key that is there with no value reads None
    return view[key] if key in view else '-'


def report(nodes, sentinels, probe=None):
    """The status table of a view, one str a line: a row a node, then a row a Sentinel.

    Node rows: role, address, replication link, lag as the master reports it,
    replication offset and the probe time; Sentinel rows: the master it names,
    config epoch, quorum, replicas, other Sentinels / CKQUORUM, and the links of
    the other Sentinels with the users they are logged in as.
    """
    probe = probe or {}
    lines = [NODE_ROW % ('NODE', 'ROLE', 'ADDRESS', 'LINK', 'LAG', 'OFFSET', 'PROBE')]
    for name, n in nodes.items():
        master = n.get('role') == 'master'
        seen_ms = probe.get(name)
        lines.append(NODE_ROW % (
            name, _or_dash(n, 'role'), '%s:%s' % (n.get('host'), n.get('port')),
            '-' if master else _or_dash(n, 'master_link_status'),
            '-' if n.get('lag') is None else '%ss' % n['lag'],
            _or_dash(n, 'master_repl_offset' if master else 'slave_repl_offset'),
            '-' if seen_ms is None else '%.1f ms' % float(seen_ms)))
    lines.append(SENTINEL_ROW % ('SENTINEL', 'MASTER', 'EPOCH', 'QUORUM', 'REPLICAS', 'OTHER SENTINELS / CKQUORUM',
                                 'PEER LINKS'))
    for name, s in sentinels.items():
        users = list((s.get('peer_links') or {}).values())
        # as Jinja's unique: the first of the names that differ only in case
        folded = [str(u).lower() for u in users]
        unique = [u for i, u in enumerate(users) if folded[i] not in folded[:i]]
        lines.append(SENTINEL_ROW % (
            name, ':'.join(str(part) for part in s.get('master_addr') or ['down']), _or_dash(s, 'config_epoch'),
            _or_dash(s, 'quorum'), _or_dash(s, 'num_slaves'),
            '%s / %s' % (_or_dash(s, 'num_other_sentinels'), 'OK' if s.get('ckquorum_ok') else 'FAIL'),
            '-' if s.get('peer_links') is None else '%d as %s' % (len(users), ', '.join(
                str(u) for u in unique) or '-')))
    return lines
