#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: redis_switchover
short_description: Move the master to a replica through Sentinel without losing acknowledged writes
description:
  - A bare C(SENTINEL FAILOVER) leaves the old master accepting writes until Sentinel converts it, seconds
    later; a replica still attached to it acknowledges them (C(WAIT)), and they vanish when the old master
    resyncs from the new one.
  - This module first checks that O(master_host) reports C(ROLE master), has replicas, is the master a majority
    of the Sentinels name and that no Sentinel has a failover in progress; otherwise it fails and changes nothing.
  - Before it pauses anything it waits, while writes flow, for the point in the INFO cycle of the Sentinel listed
    first in O(sentinels) that lets that Sentinel see the promotion at once. During a failover Sentinel sends
    C(INFO) to the replicas once a second and learns of the promotion only from such an C(INFO); a replica whose
    last C(INFO) is older than a second gets one when the failover starts, before the promotion, which is then seen
    a second later. The module reads C(SENTINEL REPLICAS) (C(info-refresh)) until every replica Sentinel may
    promote (C(replica-priority) above 0, read from the replica) had an C(INFO) since the module began and they lie
    within 250 ms of each other, and every other replica had one too or gets one when the failover starts (so the
    Sentinel chooses on the priorities as they are now); it pauses when that C(INFO) is 600 ms old. It waits up to
    10.5 s (one C(INFO) period); when the moment does not come, cannot come (those replicas each had an C(INFO)
    and lie further apart in the cycle) or the Sentinel or a replica cannot tell, it goes on at once
    (RV(aligned)). The site is checked again after the wait.
  - It then pauses writes on the old master (C(CLIENT PAUSE ... WRITE)), waits until every replica has its
    replication offset (a replica the master still shows behind, because replicas acknowledge once a second, is
    asked with C(ROLE) what it has processed), asks the Sentinels for C(SENTINEL FAILOVER) in the order of
    O(sentinels) until one accepts, waits until a majority of the Sentinels name
    the new master, makes the old master its replica (C(REPLICAOF) + C(CONFIG REWRITE), what Sentinel would do
    later) and only then lets writes resume (C(CLIENT UNPAUSE)). Paused clients then get C(READONLY) and
    reconnect through Sentinel. Writes stay paused only as long as Sentinel takes to promote.
  - The rule is that the old master never takes writes as a master once a Sentinel accepted the failover,
    unless it is certain that the failover was aborted. So when the Sentinels do not agree within O(timeout),
    the module keeps writes paused and re-reads, for up to 5 s, C(ROLE) of the old master and of every candidate
    and C(SENTINEL GET-MASTER-ADDR-BY-NAME) and the C(SENTINEL MASTER) flags of every Sentinel. A replica the
    Sentinels (or the Sentinel running the failover) name, or that reports C(ROLE master) while that failover
    is not known to have ended, is the new master - the old master is made its replica, writes resume, and the
    module fails with RV(state=promoted_after_timeout) naming it. When the Sentinel running the failover is
    idle, a majority still names the old master and no candidate reports C(ROLE master), the failover was
    aborted - writes resume on the old master and the module fails with RV(state=failover_aborted). Anything
    else fails with RV(state=unknown) and leaves the old master paused, neither demoted nor resumed; the message
    says what was seen, until when writes stay paused and what to do before then.
  - The pause is the only thing that keeps the old master from taking writes while the outcome is open, so
    O(pause_ms) must be greater than (O(timeout) + 10) * 1000 - the wait, the 5 s re-reading and 5 s for the
    last replies and commands.
  - Which replica wins is Sentinel's choice; lower the other replicas' C(replica-priority) first to choose.
version_added: 0.1.0
author:
  - Contributors to the hastack.redis project
notes:
  - O(login_host) and O(login_port) are not used; the data-node credentials O(login_user) and O(login_password)
    are used for the old master and the replicas.
  - Every reply counts towards the time the module takes; an unreachable node or Sentinel costs up to
    O(connect_timeout) for each attempt.
options:
  master_host:
    description: Address of the current master, as the Sentinels know it.
    type: str
    required: true
  master_port:
    description: Port of the current master.
    type: int
    default: 6379
  sentinels:
    description:
      - The Sentinels, each with C(host) and C(port), in the order they are asked for C(SENTINEL FAILOVER).
      - The Sentinel that runs the failover names the new master in C(SENTINEL MASTERS), which redis-py's
        C(master_for) reads, only once it has repointed every other replica; the others learn it from its hello
        message as soon as the replica is promoted. List first a Sentinel that clients ask last.
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description: Sentinel address.
        type: str
        required: true
      port:
        description: Sentinel port.
        type: int
        default: 26379
  master_name:
    description: Name under which the Sentinels monitor the master.
    type: str
    default: mymaster
  pause_ms:
    description:
      - Longest time writes stay paused; they resume earlier, as soon as the old master is a replica (or is known
        to stay the master).
      - Must be greater than (O(timeout) + 10) * 1000.
    type: int
    default: 35000
  timeout:
    description: Seconds to wait for the replicas to catch up and for a majority of the Sentinels to name the new
      master.
    type: float
    default: 20.0
attributes:
  check_mode:
    details:
      - In check mode nothing is paused or sent; the module checks O(pause_ms) against O(timeout), makes the checks
        it makes before a switchover (C(ROLE), C(INFO replication), the Sentinels' view) and returns the old master
        and the candidates.
extends_documentation_fragment:
  - hastack.redis.redis
  - hastack.redis.attributes
  - hastack.redis.redis.sentinel_auth
'''

EXAMPLES = r'''
- name: Switch the master over
  hastack.redis.redis_switchover:
    login_user: admin
    login_password: "{{ redis_password }}"
    master_host: 10.0.0.11
    sentinels:
      - {host: 10.0.0.11}
      - {host: 10.0.0.12}
      - {host: 10.0.0.13}
  no_log: true
  register: switchover

- name: Show what the module found before a real run
  hastack.redis.redis_switchover:
    login_user: admin
    login_password: "{{ redis_password }}"
    master_host: 10.0.0.11
    sentinels: [{host: 10.0.0.11}, {host: 10.0.0.12}, {host: 10.0.0.13}]
  check_mode: true
  no_log: true
  register: plan
'''

RETURN = r'''
state:
  description:
    - How the run ended.
    - V(check_mode) - nothing was done (check mode).
    - V(switched_over) - a majority of the Sentinels named the new master; the old master is its replica.
    - V(promoted_after_timeout) - the Sentinels did not agree within O(timeout), but a replica was promoted;
      the old master is its replica. The module fails.
    - V(not_started) - nothing was sent to Sentinel (the checks failed, the replicas did not catch up or no
      Sentinel accepted C(SENTINEL FAILOVER)); the old master is the master. The module fails.
    - V(failover_aborted) - a Sentinel accepted C(SENTINEL FAILOVER) but aborted it; the old master is the
      master. The module fails.
    - V(demotion_failed) - a replica was promoted but C(REPLICAOF) on the old master failed; writes on the old
      master stay paused until RV(paused_until). The module fails.
    - V(unknown) - it could not be told whether a replica was promoted; the old master was neither demoted nor
      resumed and writes on it stay paused until RV(paused_until). The module fails.
  returned: always
  type: str
  sample: switched_over
old_master:
  description: The master the module started from, as C({host, port}).
  returned: always
  type: dict
  sample: {host: 10.0.0.11, port: 6379}
candidates:
  description: The replicas of the old master as it listed them (C(INFO replication)), with their offsets.
  returned: when the old master could be read
  type: list
  elements: dict
  sample: [{host: 10.0.0.12, port: 6379, offset: 48213}]
new_master:
  description: The master when the module returned, as C({host, port}) - the promoted replica, or the old master
    when no failover took place; V(null) when it could not be told.
  returned: when writes were paused
  type: dict
  sample: {host: 10.0.0.12, port: 6379}
target_promoted:
  description: Whether a node other than the old master became the master; V(null) when it could not be told.
  returned: when writes were paused
  type: bool
old_master_role:
  description: C(ROLE) of the old master when the module returned (C(master) or C(slave)); V(null) when it could
    not be read.
  returned: when writes were paused
  type: str
  sample: slave
failover_sentinel:
  description: The Sentinel that accepted C(SENTINEL FAILOVER) (or whose reply was lost), as C({host, port}).
  returned: when a Sentinel was asked to fail over and did not refuse
  type: dict
aligned:
  description: Whether the switchover started at the chosen point of the Sentinel's INFO cycle (see above); V(false)
    when the moment did not or could not come within 10.5 s, or the Sentinel or a replica could not tell.
  returned: when the checks before the switchover passed, not in check mode
  type: bool
align_wait_s:
  description: Seconds waited for that point before writes were paused (writes flowed meanwhile).
  returned: when the checks before the switchover passed, not in check mode
  type: float
  sample: 4.62
paused_at:
  description: Epoch seconds when writes were paused on the old master.
  returned: when writes were paused
  type: float
promoted_at:
  description: Epoch seconds when the new master was first seen (a majority of the Sentinels, or after the
    timeout the Sentinel running the failover or the replica's own C(ROLE)).
  returned: when a replica was promoted
  type: float
resumed_at:
  description: Epoch seconds when writes were let through again (the old master was a replica by then, or known
    to stay the master).
  returned: when writes were resumed
  type: float
write_pause_s:
  description: Seconds writes were paused.
  returned: when writes were resumed
  type: float
paused_until:
  description: Epoch seconds until which writes on the old master stay paused, when the module did not resume
    them.
  returned: when RV(state) is V(unknown) or V(demotion_failed), or C(CLIENT UNPAUSE) failed
  type: float
observed:
  description: What the Sentinels and the nodes reported last, when the outcome had to be re-read after the
    timeout.
  returned: when the Sentinels did not agree within O(timeout)
  type: dict
  contains:
    sentinels:
      description: Per Sentinel C(host), C(port), the C(master) it names, C(failover_in_progress) and C(error).
      type: list
      elements: dict
    nodes:
      description: C(ROLE) of the old master and of every candidate by C(host:port) (V(null) when unreachable).
      type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.argspec import (
    client_from_module,
    redis_connection_argument_spec,
    sentinel_client_kwargs,
)
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import scrub_secrets
from ansible_collections.hastack.redis.plugins.module_utils.switchover import Switchover, SwitchoverError, pause_problem


def run_module(module):
    p = module.params
    secrets = [p.get('login_password'), p.get('login_password_previous'), p.get('sentinel_password')]
    problem = pause_problem(p['pause_ms'], p['timeout'])
    if problem:
        module.fail_json(msg=problem)
    run = Switchover(
        client_from_module(module, host=p['master_host'], port=p['master_port']),
        [client_from_module(module, host=s['host'], port=s['port'], **sentinel_client_kwargs(p)) for s in p['sentinels']],
        p['master_name'],
        lambda host, port: client_from_module(module, host=host, port=port))
    try:
        if module.check_mode:
            run.plan()
            run.result['state'] = 'check_mode'
        else:
            run.run(p['pause_ms'], p['timeout'])
    except SwitchoverError as exc:
        for warning in run.warnings:
            module.warn(scrub_secrets(warning, secrets))
        module.fail_json(msg=scrub_secrets(str(exc), secrets), changed=run.result['state'] != 'not_started',
                         **run.result)
    finally:
        run.close()
    for warning in run.warnings:
        module.warn(scrub_secrets(warning, secrets))
    module.exit_json(changed=True, **run.result)


def main():
    argument_spec = redis_connection_argument_spec(sentinel_auth=True)
    argument_spec.update(
        master_host=dict(type='str', required=True),
        master_port=dict(type='int', default=6379),
        sentinels=dict(type='list', elements='dict', required=True, options=dict(
            host=dict(type='str', required=True),
            port=dict(type='int', default=26379),
        )),
        master_name=dict(type='str', default='mymaster'),
        pause_ms=dict(type='int', default=35000),
        timeout=dict(type='float', default=20.0),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module)


if __name__ == '__main__':
    main()
