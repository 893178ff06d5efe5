#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: redis_replication
short_description: Make a Redis server replicate from a master and wait for the initial sync
description:
  - Ensures the Redis server at O(login_host):O(login_port) is a replica of O(master_host):O(master_port).
  - When C(ROLE) already reports exactly that master nothing is sent. Otherwise C(REPLICAOF) is sent,
    followed by C(CONFIG REWRITE) so the Redis-owned configuration file matches.
  - Then waits until the replication link is up and the initial synchronisation is finished.
  - Only point replicas at the master that M(hastack.redis.redis_topology) reports. Once Sentinel
    monitors the group it owns the replication topology; re-pointing a replica at a stale master
    would undo a failover.
  - Two guards run right before C(REPLICAOF), because the topology may have moved since it was read
    (a failover, a node rebuilt) and a resync drops the replica's data set. The module refuses to
    demote a server that is itself a master with replicas attached or with keys (C(INFO keyspace)),
    and refuses to point it at a O(master_host) that does not answer C(ROLE) as a master. Nothing
    is changed when a guard refuses.
version_added: 0.1.0
author:
  - Contributors to the hastack.redis project
options:
  master_host:
    description:
      - Address of the master to replicate from, as the replica must reach it
        (and as Sentinel will announce it).
    type: str
    required: true
  master_port:
    description: Port of the master.
    type: int
    default: 6379
  wait_timeout:
    description:
      - Seconds to wait for C(master_link_status:up) and C(master_sync_in_progress:0).
      - V(0) means do not wait.
    type: int
    default: 120
  resync:
    description:
      - Force a full resynchronisation of a replica that already follows O(master_host):O(master_port)
        (a replica whose data set is suspect, the guide's "force resync").
      - Sends C(MULTI), C(REPLICAOF NO ONE), C(REPLICAOF) O(master_host) O(master_port), C(EXEC) on one
        connection. Inside the transaction no client command runs while the server is briefly a master,
        and the new replication ID makes the master answer the reconnect with a full sync. The replica
        keeps serving its old data set until the new one has arrived.
      - Refused, changing nothing, when the server is not a replica of exactly that master. Always a change.
    type: bool
    default: false
notes:
  - The replica authenticates to its master with its own C(masterauth)/C(masteruser) settings;
    set them first with M(hastack.redis.redis_config).
attributes:
  check_mode:
    details:
      - Reports whether C(REPLICAOF) would be sent; does not wait for the sync.
extends_documentation_fragment:
  - hastack.redis.redis
  - hastack.redis.attributes
'''

EXAMPLES = r'''
- name: Replicate from the current master and wait for the sync
  hastack.redis.redis_replication:
    login_password: "{{ redis_password }}"
    master_host: "{{ topology.master.host }}"
    master_port: "{{ topology.master.port }}"
    wait_timeout: 300

- name: Force a full resync of this replica from its master
  hastack.redis.redis_replication:
    login_password: "{{ redis_password }}"
    master_host: "{{ topology.master.host }}"
    master_port: "{{ topology.master.port }}"
    resync: true
'''

RETURN = r'''
resynced:
  description: Whether a full resynchronisation was started (O(resync)); V(false) in check mode.
  returned: always
  type: bool
replication:
  description: The parsed C(INFO replication) section of this server after the operation.
  returned: always
  type: dict
  sample: {role: slave, master_host: 10.0.0.11, master_port: 6379, master_link_status: up, master_sync_in_progress: 0}
'''

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.argspec import (
    client_from_module,
    redis_connection_argument_spec,
)
from ansible_collections.hastack.redis.plugins.module_utils.info import keyspace_keys, parse_info, parse_role
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisConnectionError, RedisError
from ansible_collections.hastack.redis.plugins.module_utils.topology import RUNBOOK


# indirections so tests can substitute a fake clock
_monotonic = time.monotonic
_sleep = time.sleep


class ReplicationFailure(Exception):
    def __init__(self, msg, **result):
        super(ReplicationFailure, self).__init__(msg)
        self.msg = msg
        self.result = result


def _same_host(a, b):
    return str(a).strip().lower().strip('[]') == str(b).strip().lower().strip('[]')


def _sync_done(info):
    return info.get('master_link_status') == 'up' and str(info.get('master_sync_in_progress', '0')) == '0'


def wait_for_sync(client, login_host, login_port, master_host, master_port, timeout,
                  interval=0.5, clock=None, sleep=None):
    clock = clock or _monotonic
    sleep = sleep or _sleep
    deadline = clock() + timeout
    while True:
        info = parse_info(client.execute('INFO', 'replication'))
        if _sync_done(info):
            return info
        if clock() >= deadline:
            raise ReplicationFailure(
                'replica %s:%s did not finish its initial sync from %s:%s within %s s '
                '(master_link_status=%s, master_sync_in_progress=%s, master_last_io_seconds_ago=%s): '
                'check masterauth, the network path and the master\'s log' % (
                    login_host, login_port, master_host, master_port, timeout,
                    info.get('master_link_status'), info.get('master_sync_in_progress'),
                    info.get('master_last_io_seconds_ago')),
                changed=True, replication=info)
        sleep(interval)


def check_safe_to_repoint(client, role, master_client, login_host, login_port, master_host, master_port):
    """Refuse (ReplicationFailure) a REPLICAOF that would drop data or point at a non-master."""
    here = '%s:%s' % (login_host, login_port)
    there = '%s:%s' % (master_host, master_port)
    if role['role'] == 'master':
        if role.get('replicas'):
            raise ReplicationFailure(
                'refusing to make %s a replica of %s: it is a master with %d replica(s) attached, so the '
                'topology changed since it was read. %s' % (here, there, len(role['replicas']), RUNBOOK))
        keys = keyspace_keys(parse_info(client.execute('INFO', 'keyspace')))
        if keys > 0:
            raise ReplicationFailure(
                'refusing to make %s a replica of %s: it is a master holding %d keys, which the resync would '
                'drop. %s' % (here, there, keys, RUNBOOK))
    if master_client is None:
        return
    try:
        target = parse_role(master_client.execute('ROLE'))
    except RedisConnectionError as exc:
        raise ReplicationFailure('refusing to make %s a replica of %s: the master does not answer from here (%s). '
                                 '%s' % (here, there, exc, RUNBOOK))
    except RedisError as exc:
        raise ReplicationFailure('refusing to make %s a replica of %s: the master answers ROLE with an error (%s). '
                                 '%s' % (here, there, exc.message, RUNBOOK))
    finally:
        master_client.close()
    if target['role'] != 'master':
        raise ReplicationFailure(
            'refusing to make %s a replica of %s: that node reports role %s, not master (a failover is probably in '
            'progress). %s' % (here, there, target['role'], RUNBOOK))


def start_resync(client, role, login_host, login_port, master_host, master_port, dry_run=False):
    """Force a full sync of a replica of master_host:master_port (ReplicationFailure otherwise).

    REPLICAOF NO ONE gives the server a new replication ID; the REPLICAOF that
    follows in the same transaction then asks the master with that unknown ID,
    which the master answers with a full sync. No other client's command runs
    between the two, so nobody writes to the server while it is a master.
    """
    here = '%s:%s' % (login_host, login_port)
    there = '%s:%s' % (master_host, master_port)
    if not (role['role'] == 'slave' and _same_host(role['master_host'], master_host)
            and role['master_port'] == int(master_port)):
        raise ReplicationFailure(
            'refusing to resync %s from %s: it is not a replica of that master (ROLE says %s%s). Only a replica '
            'that already follows the live master is resynced; nothing was changed.' % (
                here, there, role['role'],
                ' of %s:%s' % (role.get('master_host'), role.get('master_port')) if role['role'] == 'slave' else ''))
    if dry_run:
        return
    client.execute('MULTI')
    try:
        client.execute('REPLICAOF', 'NO', 'ONE')
        client.execute('REPLICAOF', master_host, str(master_port))
    except RedisError:
        client.execute('DISCARD')
        raise
    replies = client.execute('EXEC')
    if not isinstance(replies, list) or len(replies) != 2 or any(isinstance(r, RedisError) for r in replies):
        raise ReplicationFailure('the resync transaction on %s did not run as sent (EXEC replied %r)' % (
            here, replies), changed=True)


def ensure_replication(client, login_host, login_port, master_host, master_port, wait_timeout, check_mode,
                       clock=None, sleep=None, master_client=None, resync=False):
    if _same_host(master_host, login_host) and int(master_port) == int(login_port):
        raise ReplicationFailure('refusing to make %s:%s a replica of itself' % (login_host, login_port))
    role = parse_role(client.execute('ROLE'))
    if resync:
        start_resync(client, role, login_host, login_port, master_host, master_port, dry_run=check_mode)
        if check_mode or not wait_timeout:
            return {'changed': True, 'resynced': not check_mode,
                    'replication': parse_info(client.execute('INFO', 'replication'))}
        info = wait_for_sync(client, login_host, login_port, master_host, master_port, wait_timeout,
                             clock=clock, sleep=sleep)
        return {'changed': True, 'resynced': True, 'replication': info}
    already = (role['role'] == 'slave' and _same_host(role['master_host'], master_host)
               and role['master_port'] == int(master_port))
    changed = not already
    if changed:
        check_safe_to_repoint(client, role, master_client, login_host, login_port, master_host, master_port)
    if changed and not check_mode:
        client.execute('REPLICAOF', master_host, str(master_port))
        try:
            client.execute('CONFIG', 'REWRITE')
        except RedisError as exc:
            raise ReplicationFailure('REPLICAOF %s %s was applied but CONFIG REWRITE failed: %s' % (
                master_host, master_port, exc.message), changed=True)
    if check_mode or not wait_timeout:
        info = parse_info(client.execute('INFO', 'replication'))
    else:
        try:
            info = wait_for_sync(client, login_host, login_port, master_host, master_port, wait_timeout,
                                 clock=clock, sleep=sleep)
        except ReplicationFailure as exc:
            exc.result['changed'] = changed
            raise
    return {'changed': changed, 'resynced': False, 'replication': info}


def run_module(module):
    p = module.params
    client = client_from_module(module)
    master_client = client_from_module(module, host=p['master_host'], port=p['master_port'])
    try:
        result = ensure_replication(client, p['login_host'], p['login_port'], p['master_host'], p['master_port'],
                                    p['wait_timeout'], module.check_mode, master_client=master_client,
                                    resync=p['resync'])
    except ReplicationFailure as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    except RedisConnectionError as exc:
        module.fail_json(msg=str(exc))
    except RedisError as exc:
        module.fail_json(msg='error from %s: %s' % (client.address, exc.message))
    finally:
        client.close()
        master_client.close()
    module.exit_json(**result)


def main():
    argument_spec = redis_connection_argument_spec()
    argument_spec.update(
        master_host=dict(type='str', required=True),
        master_port=dict(type='int', default=6379),
        wait_timeout=dict(type='int', default=120),
        resync=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params['wait_timeout'] < 0:
        module.fail_json(msg='wait_timeout must be >= 0')
    run_module(module)


if __name__ == '__main__':
    main()
