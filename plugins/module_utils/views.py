# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading a site from its live servers: node and Sentinel views, replica lag, the probe key, waiting.

redis_topology gathers here and decides with topology.py; every function
takes the clients (or a ``make_client(kind, host, port)``) it reads from.
"""

from __future__ import annotations

import time
import uuid

from ansible_collections.hastack.redis.plugins.module_utils.info import (
    keyspace_keys,
    parse_info,
    parse_role,
    replica_entries,
)
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisConnectionError,
    RedisError,
    RedisTLSError,
)
from ansible_collections.hastack.redis.plugins.module_utils.sentinel import (
    addr_key,
    ckquorum,
    get_master_addr,
    is_no_such_master,
    master_state,
    peer_links,
)
from ansible_collections.hastack.redis.plugins.module_utils.topology import (
    decide_master,
    describe_for_failure,
    health_problems,
    nodes_in_service,
    report,
    RUNBOOK,
    sentinel_majority,
)

__all__ = ['PROBE_KEY', 'WAIT_TEXT', 'node_view', 'sentinel_view', 'annotate_lag', 'run_probe',
           'discover', 'wait_condition_met', 'watch']

#: the key the probe writes on the master (PX 60000: it expires a minute later)
PROBE_KEY = 'hastack:health:probe'


def _error_text(exc):
    return exc.message if isinstance(exc, RedisError) else str(exc)


def node_view(client, host, port):
    view = {
        'host': host, 'port': port, 'reachable': False, 'role': None, 'connected_slaves': 0, 'keys': None,
        'master_host': None, 'master_port': None, 'master_link_status': None, 'master_sync_in_progress': None,
        'master_repl_offset': None, 'slave_repl_offset': None, 'lag': None, 'offset_behind': None, 'error': None,
        'error_kind': None, 'good_replicas': None,
    }
    replicas = []
    try:
        role = parse_role(client.execute('ROLE'))
        view['reachable'] = True
        view['role'] = role['role']
        info = parse_info(client.execute('INFO', 'replication'))
        view['keys'] = keyspace_keys(parse_info(client.execute('INFO', 'keyspace')))
    except RedisTLSError as exc:
        # a certificate problem is not an absent server: never taken for a new site
        view['error'] = str(exc)
        view['error_kind'] = 'tls'
        return view, replicas
    except RedisConnectionError as exc:
        view['error'] = str(exc)
        view['error_kind'] = 'connect'
        return view, replicas
    except RedisError as exc:
        view['reachable'] = True
        view['role'] = None
        view['error'] = exc.message
        view['error_kind'] = 'reply'
        return view, replicas
    except (ValueError, IndexError, TypeError) as exc:
        view['reachable'] = True
        view['role'] = None
        view['error'] = 'unexpected reply: %s' % exc
        view['error_kind'] = 'reply'
        return view, replicas
    finally:
        client.close()
    view['connected_slaves'] = int(info.get('connected_slaves') or 0)
    # only listed while min-replicas-to-write is on: the replicas that acknowledged within min-replicas-max-lag
    if info.get('min_slaves_good_slaves') is not None:
        view['good_replicas'] = int(info['min_slaves_good_slaves'])
    view['master_repl_offset'] = info.get('master_repl_offset')
    if view['role'] == 'slave':
        view['master_host'] = info.get('master_host', role.get('master_host'))
        view['master_port'] = int(info.get('master_port', role.get('master_port')))
        view['master_link_status'] = info.get('master_link_status')
        view['master_sync_in_progress'] = info.get('master_sync_in_progress')
        view['slave_repl_offset'] = info.get('slave_repl_offset')
    replicas.extend(replica_entries(info))
    return view, replicas


def sentinel_view(client, host, port, master_name, links=False):
    view = {
        'host': host, 'port': port, 'reachable': False, 'master_addr': None, 'flags': None, 'num_slaves': None,
        'num_other_sentinels': None, 'config_epoch': None, 'quorum': None, 'ckquorum_ok': False,
        'ckquorum_message': None, 'error': None, 'error_kind': None, 'peer_links': None, 'peer_links_error': None,
    }
    try:
        try:
            addr = get_master_addr(client, master_name)
        except RedisError as exc:
            view['reachable'] = True
            if is_no_such_master(exc):
                view['ckquorum_message'] = exc.message
                return view
            raise
        view['reachable'] = True
        if addr is None:
            view['ckquorum_message'] = 'No such master with that name'
            return view
        view['master_addr'] = addr
        master = master_state(client, master_name)
        view['flags'] = master.get('flags')
        view['num_slaves'] = master.get('num-slaves')
        view['num_other_sentinels'] = master.get('num-other-sentinels')
        view['config_epoch'] = master.get('config-epoch')
        view['quorum'] = master.get('quorum')
        view['ckquorum_ok'], view['ckquorum_message'] = ckquorum(client, master_name)
        if links:
            try:
                view['peer_links'] = peer_links(client)
            except RedisError as exc:
                view['peer_links_error'] = exc.message
    except RedisConnectionError as exc:
        view['reachable'] = False
        view['master_addr'] = None
        view['error'] = str(exc)
        view['error_kind'] = 'tls' if isinstance(exc, RedisTLSError) else 'connect'
    except RedisError as exc:
        # reachable, but it gave no usable answer (authentication, ACL...): it does not vote
        view['master_addr'] = None
        view['error'] = exc.message
        view['error_kind'] = 'reply'
    except (ValueError, IndexError, TypeError) as exc:
        view['master_addr'] = None
        view['error'] = 'unexpected reply: %s' % exc
        view['error_kind'] = 'reply'
    finally:
        client.close()
    return view


def annotate_lag(nodes, replica_lists):
    """Fill lag/offset_behind of replicas from their master's slaveN entries."""
    index = dict((addr_key(v['host'], v['port']), name) for name, v in nodes.items())
    for master_name, entries in replica_lists.items():
        master_offset = nodes[master_name].get('master_repl_offset')
        for entry in entries:
            name = index.get(addr_key(entry.get('ip'), entry.get('port')))
            if name is None or nodes[name].get('role') != 'slave':
                continue
            nodes[name]['lag'] = entry.get('lag')
            if isinstance(master_offset, int) and isinstance(entry.get('offset'), int):
                nodes[name]['offset_behind'] = max(master_offset - entry['offset'], 0)


def run_probe(master_client, replica_clients, timeout, token=None, clock=time.monotonic, sleep=time.sleep,
              interval=0.005):
    """Write the probe key on the master and time its arrival on each replica."""
    token = token or 'hastack-%s' % uuid.uuid4().hex
    result = dict((name, None) for name in replica_clients)
    try:
        master_client.execute('SET', PROBE_KEY, token, 'PX', '60000')
    finally:
        master_client.close()
    start = clock()
    pending = dict(replica_clients)
    try:
        while pending:
            for name in sorted(pending):
                try:
                    value = pending[name].execute('GET', PROBE_KEY)
                except (RedisError, RedisConnectionError):
                    pending.pop(name).close()
                    continue
                if value == token:
                    result[name] = round((clock() - start) * 1000.0, 3)
                    pending.pop(name).close()
            if not pending or clock() - start >= timeout:
                break
            sleep(interval)
    finally:
        for client in pending.values():
            client.close()
    return result


def discover(params, make_client, check_mode, clock=time.monotonic, sleep=time.sleep):
    """Gather views, decide, and optionally probe. ``make_client(kind, host, port)``."""
    nodes = {}
    replica_lists = {}
    for n in params['nodes']:
        view, replicas = node_view(make_client('node', n['host'], n['port']), n['host'], n['port'])
        nodes[n['name']] = view
        if view['role'] == 'master':
            replica_lists[n['name']] = replicas
    annotate_lag(nodes, replica_lists)

    sentinels = {}
    for s in params['sentinels'] or []:
        sentinels[s['name']] = sentinel_view(make_client('sentinel', s['host'], s['port']), s['host'], s['port'],
                                             params['master_name'], links=bool(params.get('sentinel_peer_user')))

    decision = decide_master(nodes, sentinels, params['bootstrap_master'], dry_run=check_mode)
    master = None
    if decision['master'] is not None:
        m = nodes[decision['master']]
        master = {'name': decision['master'], 'host': m['host'], 'port': m['port']}
    result = {
        'changed': False,
        'master': master,
        'source': decision['source'],
        'ambiguous': decision['ambiguous'],
        'retry': decision['retry'],
        'reason': decision['reason'],
        'sentinel_majority': sentinel_majority(nodes, sentinels),
        'in_service': nodes_in_service(nodes),
        'nodes': nodes,
        'sentinels': sentinels,
        'probe': {},
    }
    result['report'] = []
    if decision['ambiguous']:
        result['failure'] = '%s %s %s' % (decision['reason'], describe_for_failure(nodes, sentinels), RUNBOOK)

    if params.get('probe') and master is not None and not check_mode and not nodes[master['name']]['reachable']:
        result['probe_error'] = 'the master %s is not reachable from here, probe skipped' % master['name']
    elif params.get('probe') and master is not None and not check_mode:
        replicas = dict(
            (name, make_client('node', v['host'], v['port'])) for name, v in sorted(nodes.items())
            if name != master['name'] and v['reachable'] and v['role'] == 'slave'
        )
        try:
            result['probe'] = run_probe(make_client('node', master['host'], master['port']), replicas,
                                        params['probe_timeout'], clock=clock, sleep=sleep)
        except (RedisError, RedisConnectionError) as exc:
            for client in replicas.values():
                client.close()
            result['probe'] = dict((name, None) for name in replicas)
            result['probe_error'] = 'SET %s on %s failed: %s' % (PROBE_KEY, master['name'], _error_text(exc))
    probed = result['probe'] if params.get('probe') and not check_mode else None
    if params.get('probe') and result.get('probe_error'):
        probed = {}
    result['problems'] = [] if master is not None else ['no master could be decided: %s' % decision['reason']]
    result['problems'] += [] if master is None else health_problems(master, nodes, sentinels, probed,
                                         max_lag=params.get('max_lag', 1),
                                         max_probe_ms=params.get('max_probe_ms', 1000.0),
                                         peer_user=params.get('sentinel_peer_user') or None)
    if result.get('probe_error'):
        result['problems'].append(result['probe_error'])
    result['healthy'] = not result['problems']
    result['report'] = report(nodes, sentinels, result['probe'])
    return result


WAIT_TEXT = {
    'decided': 'a master that can be decided safely',
    'new_master': 'a majority of Sentinels to name a master other than %(previous_master)s',
    'healthy': 'the site to be healthy',
}


def wait_condition_met(params, result):
    """Whether the condition given by ``wait_for`` holds for a discovery result."""
    if params['wait_for'] == 'none':
        return True
    if params['wait_for'] == 'healthy':
        return bool(result['healthy'])
    if params['wait_for'] == 'decided':
        return not result['ambiguous']
    return result['sentinel_majority'] not in (None, params['previous_master'])


def watch(p, make_client, check_mode, clock=time.monotonic, sleep=time.sleep, now=time.time):
    """Read the site (once, or until ``wait_for`` holds or ``wait_timeout`` passes).

    Returns ``(result, failure, error)``: the last reading; the text to fail with
    when it was ambiguous; and the message to fail with when the wait was in vain.
    """
    error = None
    started = now()
    deadline = clock() + p['wait_timeout']
    while True:
        result = discover(p, make_client, check_mode, clock=clock, sleep=sleep)
        failure = result.pop('failure', None)
        met = wait_condition_met(p, result)
        # an ambiguity that waiting cannot resolve (two masters with replicas...) stops at once
        hopeless = p['wait_for'] == 'decided' and result['ambiguous'] and not result['retry']
        if met or hopeless or clock() >= deadline:
            break
        sleep(p['poll_interval'])
    if p['wait_for'] != 'none':
        result['waited_s'] = round(now() - started, 3)
        result['condition_met_at'] = now() if met else None
        if not met and p['wait_for'] == 'decided':
            # the last reading's failure text, with how long it stayed so
            if failure:
                failure = '%s (%s)' % (failure, 'still so after %.1f s of waiting' % result['waited_s']
                                       if result['retry'] else 'waiting would not change it')
        elif not met:
            error = ('waited %.0f s for %s, in vain: %s' % (
                p['wait_timeout'], WAIT_TEXT[p['wait_for']] % p,
                '; '.join(result['problems']) or result['reason']))
    return result, failure, error
