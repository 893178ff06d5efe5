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
  - The module reports RV(changed=false) on every run. It changes nothing on the servers, except that
    O(probe) writes one key that expires by itself a minute later (see O(probe)); nothing it writes persists.
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
      - When a master was found, write the key C(hastack:health:probe) on it with C(SET hastack:health:probe
        hastack-<random hex> PX 60000), then read it (C(GET)) on every reachable replica and measure how long
        the value takes to become visible there (RV(probe)).
      - The key is not deleted; it expires 60 seconds after the write, on the master and, through replication,
        on the replicas. Each run overwrites it with a new value, so at most one such key exists. Because
        nothing persists, the module still reports RV(changed=false).
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
report:
  description:
    - The status table of what was read, one line per list item, as the health check prints it.
    - A header and a row per node (name, role, address, replication link, lag as the master reports it,
      replication offset, probe time), then a header and a row per Sentinel (name, the master it names,
      config epoch, quorum, replicas, other Sentinels / CKQUORUM, and how many links of other Sentinels are
      logged in as which users).
  returned: always
  type: list
  elements: str
  sample:
    - "NODE                   ROLE     ADDRESS              LINK  LAG   OFFSET       PROBE"
    - "redis1                 master   10.0.0.11:6379       -     -     1234         -"
    - "redis2                 slave    10.0.0.12:6379       up    0s    1234         1.4 ms"
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.argspec import (
    client_from_module,
    redis_connection_argument_spec,
    sentinel_client_kwargs,
)
from ansible_collections.hastack.redis.plugins.module_utils.views import watch


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

    result, failure, error = watch(p, make_client, module.check_mode)
    if error:
        module.fail_json(msg=error, **result)
    if failure and p['fail_on_ambiguous']:
        module.fail_json(msg=failure, **result)
    module.exit_json(**result)


def main():
    argument_spec = redis_connection_argument_spec(sentinel_auth=True)
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
