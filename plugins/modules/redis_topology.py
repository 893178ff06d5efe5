#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: redis_topology
short_description: Discover which Redis node is the master, as seen by Sentinels and nodes
description:
  - Queries every Sentinel (C(SENTINEL GET-MASTER-ADDR-BY-NAME), C(SENTINEL MASTER), C(SENTINEL CKQUORUM))
    and every data node (C(ROLE), C(INFO replication)) from the managed host, then decides which node is
    the master.
  - Sentinels win when a strict majority of the configured Sentinels agree on a master that every one of
    them sees up (no C(s_down), C(o_down) or C(failover_in_progress) flag), with one config epoch, that
    answers from here as a master, and while no other node is a master with replicas or with data.
  - Without such a majority, the nodes decide only when every one of them answers, in favour of the one master with
    replicas attached, or, for a site that is provably new (every node an empty master without replicas and
    no Sentinel that knows a master), the O(bootstrap_master).
  - When the picture is ambiguous (failover in progress, Sentinels disagree or have not converged, a node
    that cannot be seen, two masters, a TLS handshake failure...), the module fails (see
    O(fail_on_ambiguous)) and lists what every node and Sentinel said. RV(retry) tells whether the state
    looks transient; O(wait_for=decided) waits for it to settle.
  - The module changes nothing on the servers, except the self-expiring probe key of O(probe).
  - Run it once (C(run_once)) from any host of the group that can reach every node and Sentinel.
version_added: 0.1.0
author:
  - Contributors to the hastack.redis project
options:
  login_host:
    description:
      - Not used by this module (the addresses come from O(nodes) and O(sentinels)).
    type: str
    default: 127.0.0.1
  login_port:
    description:
      - Not used by this module (the ports come from O(nodes) and O(sentinels)).
    type: int
    default: 6379
  login_user:
    description:
      - ACL user for the data nodes. Sentinels use O(sentinel_user).
    type: str
  login_password:
    description:
      - Password for the data nodes. Sentinels use O(sentinel_password).
    type: str
  nodes:
    description:
      - The Redis data nodes of the group.
      - O(nodes[].host) must be the address Sentinel announces for the node (usually its IP address),
        because Sentinel answers are mapped to nodes by host and port.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Node name (usually its inventory hostname).
        type: str
        required: true
      host:
        description: Address of the node.
        type: str
        required: true
      port:
        description: Port of the node.
        type: int
        default: 6379
  sentinels:
    description:
      - The Sentinels of the group. The majority needed is computed from the number listed here.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Sentinel name (usually its inventory hostname).
        type: str
        required: true
      host:
        description: Address of the Sentinel.
        type: str
        required: true
      port:
        description: Port of the Sentinel.
        type: int
        default: 26379
  bootstrap_master:
    description:
      - Name (from O(nodes)) of the node that becomes master when nothing else decides (brand-new site).
    type: str
    required: true
  master_name:
    description: Name of the master monitored by the Sentinels.
    type: str
    default: mymaster
  sentinel_peer_user:
    description:
      - ACL user with which the Sentinels log in to each other (their C(sentinel-user)).
      - When set, C(CLIENT LIST) on each Sentinel shows which user the links from the other Sentinels
        (C(sentinel-<id>-cmd)) are logged in as. A link logged in as anyone else is a problem, because
        that Sentinel's C(sentinel-pass) was refused, it carries on as the C(default) user and its failover
        votes are refused.
    type: str
  fail_on_ambiguous:
    description:
      - Fail when the master cannot be decided safely. When V(false), RV(ambiguous=true) and RV(master=null)
        are returned instead.
    type: bool
    default: true
  probe:
    description:
      - When a master was found, write a self-expiring marker key C(hastack:health:probe) (C(PX 60000))
        on it and measure, on every reachable replica, how long it takes to become visible (RV(probe)).
      - The data-node ACL user needs C(SET) and C(GET) on that key.
    type: bool
    default: false
  probe_timeout:
    description: Seconds to wait for the probe key on the replicas.
    type: float
    default: 5.0
  max_lag:
    description: Largest replica lag, in seconds as the master reports it, that still counts as healthy.
    type: int
    default: 1
  max_probe_ms:
    description: Milliseconds within which the probe key must be readable on every replica to count as healthy.
    type: float
    default: 1000.0
  wait_for:
    description:
      - V(none) reads the topology once.
      - V(decided) reads it every O(poll_interval) seconds until the master can be decided safely (a
        failover or a Sentinel catching up settles within seconds), and stops at once when the ambiguity
        is not transient (RV(retry=false)).
      - V(new_master) reads it every O(poll_interval) seconds until a majority of Sentinels names a master other
        than O(previous_master), as during a failover.
      - V(healthy) reads it until RV(healthy) is true.
      - Fails after O(wait_timeout) seconds, with the last view and its problems.
    type: str
    default: none
    choices: [none, decided, new_master, healthy]
  previous_master:
    description: Node name of the master before the failover; required with O(wait_for=new_master).
    type: str
  wait_timeout:
    description: Seconds to wait for O(wait_for).
    type: float
    default: 60.0
  poll_interval:
    description: Seconds between two readings while waiting.
    type: float
    default: 0.2
attributes:
  check_mode:
    details:
      - The write of the replication probe (O(probe)) is skipped in check mode.
extends_documentation_fragment:
  - hastack.redis.redis
  - hastack.redis.attributes
  - hastack.redis.redis.sentinel_auth
'''

EXAMPLES = r'''
- name: Find the current master
  hastack.redis.redis_topology:
    login_password: "{{ redis_password }}"
    sentinel_password: "{{ redis_sentinel_password | default(omit) }}"
    nodes: "{{ groups['redis'] | map('extract', hostvars) | map(attribute='redis_node') | list }}"
    sentinels:
      - {name: redis1, host: 10.0.0.11}
      - {name: redis2, host: 10.0.0.12}
      - {name: redis3, host: 10.0.0.13}
    bootstrap_master: redis1
    probe: true
  run_once: true
  register: topology

- name: Show the master
  ansible.builtin.debug:
    msg: "{{ topology.master.name }} ({{ topology.source }}): {{ topology.reason }}"
'''

RETURN = r'''
master:
  description: The master as C({name, host, port}), V(null) when none could be decided.
  returned: always
  type: dict
  sample: {name: redis1, host: 10.0.0.11, port: 6379}
source:
  description: What decided the master.
  returned: always
  type: str
  choices: [sentinels, nodes, bootstrap]
  sample: sentinels
ambiguous:
  description: Whether the topology was ambiguous.
  returned: always
  type: bool
retry:
  description: Whether an ambiguous state looks transient (a failover in progress, Sentinels converging), so
    that a later reading may decide; V(false) when the topology is not ambiguous.
  returned: always
  type: bool
sentinel_majority:
  description: Name of the node a strict majority of the configured Sentinels name as master, whatever the
    decision; V(null) when there is no such majority. An observation (the drills time failovers by it).
  returned: always
  type: str
reason:
  description: One sentence explaining the decision and what was seen.
  returned: always
  type: str
nodes:
  description:
    - Node name to its view. Keys C(host), C(port), C(reachable), C(role), C(connected_slaves), C(keys) (keys in
      every database), C(master_host), C(master_port), C(master_link_status), C(master_sync_in_progress),
      C(master_repl_offset), C(slave_repl_offset), C(lag) (seconds, from the master's C(slaveN) entry),
      C(offset_behind) (bytes behind that master), C(good_replicas) (a master's replicas that acknowledged within
      C(min-replicas-max-lag), V(null) while C(min-replicas-to-write) is off), C(error) and C(error_kind)
      (V(connect), V(tls) for a failed TLS handshake or set-up, V(reply) for an error reply).
  returned: always
  type: dict
sentinels:
  description:
    - Sentinel name to its view. Keys C(host), C(port), C(reachable), C(master_addr), C(flags), C(num_slaves),
      C(num_other_sentinels), C(config_epoch), C(quorum), C(ckquorum_ok), C(ckquorum_message), C(error),
      C(error_kind),
      C(peer_links) (link name to ACL user, with O(sentinel_peer_user)) and C(peer_links_error).
  returned: always
  type: dict
probe:
  description: Replica name to the milliseconds until the probe key was visible there, V(null) if it never was.
  returned: always (empty unless O(probe) ran)
  type: dict
  sample: {redis2: 1.42, redis3: null}
probe_error:
  description: Why the probe key could not be written on the master.
  returned: when the probe failed
  type: str
waited_s:
  description: Seconds spent waiting for O(wait_for).
  returned: when O(wait_for) is not V(none)
  type: float
condition_met_at:
  description: Epoch seconds (the managed host's clock) when the O(wait_for) condition was first seen.
  returned: when O(wait_for) is not V(none)
  type: float
in_service:
  description: Data nodes that clients or other nodes depend on (a master with replicas or with keys, a replica
    with its link up); the others may be restarted without the rolling procedure.
  returned: always
  type: list
  elements: str
healthy:
  description: Whether the site meets every health criterion (see RV(problems)).
  returned: always
  type: bool
problems:
  description:
    - What keeps the site from being healthy, one sentence each; empty when healthy.
    - Healthy means one master, named by every Sentinel, with SENTINEL CKQUORUM OK on each; every other node
      replicating from it with the link up and lag at most O(max_lag); when O(probe) ran, the probe key
      readable on every replica within O(max_probe_ms); and, with O(sentinel_peer_user), every link between
      Sentinels logged in as that user.
  returned: always
  type: list
  elements: str
'''

import time
import uuid

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.argspec import (
    client_from_module,
    redis_connection_argument_spec,
    sentinel_auth_argument_spec,
    sentinel_client_kwargs,
)
from ansible_collections.hastack.redis.plugins.module_utils.info import (
    keyspace_keys,
    pairs_to_dict,
    parse_info,
    parse_role,
)
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisConnectionError,
    RedisError,
    RedisTLSError,
)
from ansible_collections.hastack.redis.plugins.module_utils.topology import (
    decide_master,
    format_addr,
    health_problems,
    nodes_in_service,
    sentinel_majority,
)

PROBE_KEY = 'hastack:health:probe'
RUNBOOK = "Nothing was changed. See the runbook section 'Ambiguous topology' in the collection README."


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
    for key in sorted(info):
        if key.startswith('slave') and key[5:].isdigit() and isinstance(info[key], dict):
            replicas.append(info[key])
    return view, replicas


def parse_peer_links(client_list):
    """{link name: ACL user} of the links other Sentinels opened (CLIENT LIST names sentinel-<id>-cmd)."""
    links = {}
    for line in (client_list or '').splitlines():
        fields = dict(f.split('=', 1) for f in line.split() if '=' in f)
        name = fields.get('name', '')
        if name.startswith('sentinel-') and name.endswith('-cmd'):
            links[name[:-len('-cmd')]] = fields.get('user')
    return links


def sentinel_view(client, host, port, master_name, peer_links=False):
    view = {
        'host': host, 'port': port, 'reachable': False, 'master_addr': None, 'flags': None, 'num_slaves': None,
        'num_other_sentinels': None, 'config_epoch': None, 'quorum': None, 'ckquorum_ok': False,
        'ckquorum_message': None, 'error': None, 'error_kind': None, 'peer_links': None, 'peer_links_error': None,
    }
    try:
        try:
            addr = client.execute('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', master_name)
        except RedisError as exc:
            view['reachable'] = True
            if 'no such master' in exc.message.lower():
                view['ckquorum_message'] = exc.message
                return view
            raise
        view['reachable'] = True
        if addr:
            view['master_addr'] = [addr[0], int(addr[1])]
        else:
            view['ckquorum_message'] = 'No such master with that name'
            return view
        master = pairs_to_dict(client.execute('SENTINEL', 'MASTER', master_name))
        view['flags'] = master.get('flags')
        view['num_slaves'] = master.get('num-slaves')
        view['num_other_sentinels'] = master.get('num-other-sentinels')
        view['config_epoch'] = master.get('config-epoch')
        view['quorum'] = master.get('quorum')
        try:
            view['ckquorum_message'] = client.execute('SENTINEL', 'CKQUORUM', master_name)
            view['ckquorum_ok'] = True
        except RedisError as exc:
            view['ckquorum_message'] = exc.message
        if peer_links:
            try:
                view['peer_links'] = parse_peer_links(client.execute('CLIENT', 'LIST', 'TYPE', 'normal'))
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
    index = dict(((str(v['host']).lower(), int(v['port'])), name) for name, v in nodes.items())
    for master_name, entries in replica_lists.items():
        master_offset = nodes[master_name].get('master_repl_offset')
        for entry in entries:
            try:
                key = (str(entry.get('ip')).lower(), int(entry.get('port')))
            except (TypeError, ValueError):
                continue
            name = index.get(key)
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


def _describe_for_failure(nodes, sentinels):
    parts = []
    for name in sorted(nodes):
        v = nodes[name]
        label = '%s (%s)' % (name, format_addr(v['host'], v['port']))
        if v.get('error_kind') == 'tls':
            parts.append('%s: TLS handshake failed (%s)' % (label, v.get('error')))
        elif not v['reachable']:
            parts.append('%s: unreachable (%s)' % (label, v.get('error')))
        elif v.get('error'):
            parts.append('%s: error (%s)' % (label, v['error']))
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
        if s.get('error_kind') == 'tls':
            parts.append('%s: TLS handshake failed (%s)' % (label, s.get('error')))
        elif not s['reachable']:
            parts.append('%s: unreachable (%s)' % (label, s.get('error')))
        elif s.get('error'):
            parts.append('%s: error (%s)' % (label, s['error']))
        elif not s.get('master_addr'):
            parts.append('%s: does not monitor the master' % label)
        else:
            parts.append('%s: master %s, flags %s, config-epoch %s, quorum %s, %s' % (
                label, format_addr(*s['master_addr']), s.get('flags'), s.get('config_epoch'), s.get('quorum'),
                'ckquorum OK' if s.get('ckquorum_ok') else 'ckquorum FAILED: %s' % s.get('ckquorum_message')))
    sentinel_text = ('Sentinels: ' + '; '.join(parts) + '.') if parts else 'Sentinels: none configured.'
    return '%s %s' % (node_text, sentinel_text)


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
                                             params['master_name'], peer_links=bool(params.get('sentinel_peer_user')))

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
    if decision['ambiguous']:
        result['failure'] = '%s %s %s' % (decision['reason'], _describe_for_failure(nodes, sentinels), RUNBOOK)

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
    return result


def run_module(module):
    p = module.params
    names = [n['name'] for n in p['nodes']]
    if len(set(names)) != len(names):
        module.fail_json(msg='node names must be unique')
    snames = [s['name'] for s in p['sentinels'] or []]
    if len(set(snames)) != len(snames):
        module.fail_json(msg='sentinel names must be unique')
    if p['bootstrap_master'] not in names:
        module.fail_json(msg='bootstrap_master %s is not one of the nodes (%s)' % (
            p['bootstrap_master'], ', '.join(names)))

    def make_client(kind, host, port):
        if kind == 'sentinel':
            return client_from_module(module, host=host, port=port, **sentinel_client_kwargs(p))
        return client_from_module(module, host=host, port=port)

    started = time.time()
    deadline = time.monotonic() + p['wait_timeout']
    while True:
        result = discover(p, make_client, module.check_mode)
        failure = result.pop('failure', None)
        met = wait_condition_met(p, result)
        # an ambiguity that waiting cannot resolve (two masters with replicas...) stops at once
        hopeless = p['wait_for'] == 'decided' and result['ambiguous'] and not result['retry']
        if met or hopeless or time.monotonic() >= deadline:
            break
        time.sleep(p['poll_interval'])
    if p['wait_for'] != 'none':
        result['waited_s'] = round(time.time() - started, 3)
        result['condition_met_at'] = time.time() if met else None
        if not met and p['wait_for'] == 'decided':
            # the last reading's failure text, with how long it stayed so
            if failure:
                failure = '%s (%s)' % (failure, 'still so after %.1f s of waiting' % result['waited_s']
                                       if result['retry'] else 'waiting would not change it')
        elif not met:
            module.fail_json(msg='waited %.0f s for %s, in vain: %s' % (
                p['wait_timeout'], WAIT_TEXT[p['wait_for']] % p,
                '; '.join(result['problems']) or result['reason']), **result)
    if failure and p['fail_on_ambiguous']:
        module.fail_json(msg=failure, **result)
    module.exit_json(**result)


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


def main():
    argument_spec = redis_connection_argument_spec()
    argument_spec.update(sentinel_auth_argument_spec())
    argument_spec.update(
        nodes=dict(type='list', elements='dict', required=True, options=dict(
            name=dict(type='str', required=True),
            host=dict(type='str', required=True),
            port=dict(type='int', default=6379),
        )),
        sentinels=dict(type='list', elements='dict', default=[], options=dict(
            name=dict(type='str', required=True),
            host=dict(type='str', required=True),
            port=dict(type='int', default=26379),
        )),
        bootstrap_master=dict(type='str', required=True),
        master_name=dict(type='str', default='mymaster'),
        sentinel_peer_user=dict(type='str'),
        fail_on_ambiguous=dict(type='bool', default=True),
        probe=dict(type='bool', default=False),
        probe_timeout=dict(type='float', default=5.0),
        max_lag=dict(type='int', default=1),
        max_probe_ms=dict(type='float', default=1000.0),
        wait_for=dict(type='str', default='none', choices=['none', 'decided', 'new_master', 'healthy']),
        previous_master=dict(type='str'),
        wait_timeout=dict(type='float', default=60.0),
        poll_interval=dict(type='float', default=0.2),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_if=[('wait_for', 'new_master', ['previous_master'])])
    run_module(module)


if __name__ == '__main__':
    main()
