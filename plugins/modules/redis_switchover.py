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
  - This module pauses writes on the old master (C(CLIENT PAUSE ... WRITE)), waits until every replica has
    its replication offset, asks a Sentinel for C(SENTINEL FAILOVER), waits until a majority of the Sentinels
    name the new master, makes the old master its replica (C(REPLICAOF) + C(CONFIG REWRITE), what Sentinel
    would do later) and only then lets writes resume (C(CLIENT UNPAUSE)). Paused clients then get C(READONLY)
    and reconnect through Sentinel.
  - All steps run in one process, so writes stay paused only as long as Sentinel takes to promote.
  - Which replica wins is Sentinel's choice; lower the other replicas' C(replica-priority) first to choose.
version_added: 0.1.0
author:
  - Contributors to the hastack.redis project
extends_documentation_fragment:
  - hastack.redis.redis
  - hastack.redis.redis.sentinel_auth
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode nothing is paused or sent; the module only reads where the master is.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - O(login_host) and O(login_port) are not used; the data-node credentials O(login_user) and O(login_password)
    are used for the old master.
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
    description: The Sentinels, each with C(host) and C(port).
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
    description: Longest time writes stay paused; they resume earlier, as soon as the old master is a replica.
    type: int
    default: 15000
  timeout:
    description: Seconds to wait for the replicas to catch up and for the Sentinels to agree on the new master.
    type: float
    default: 20.0
'''

EXAMPLES = r'''
- name: Switch the master over
  hastack.redis.redis_switchover:
    login_password: "{{ redis_password }}"
    master_host: 10.0.0.11
    sentinels:
      - {host: 10.0.0.11}
      - {host: 10.0.0.12}
      - {host: 10.0.0.13}
'''

RETURN = r'''
new_master:
  description: The promoted master as C({host, port}).
  returned: success, not in check mode
  type: dict
  sample: {host: 10.0.0.12, port: 6379}
paused_at:
  description: Epoch seconds when writes were paused on the old master.
  returned: success, not in check mode
  type: float
promoted_at:
  description: Epoch seconds when a majority of the Sentinels first named the new master.
  returned: success, not in check mode
  type: float
resumed_at:
  description: Epoch seconds when writes were let through again (the old master was a replica by then).
  returned: success, not in check mode
  type: float
write_pause_s:
  description: Seconds writes were paused.
  returned: success, not in check mode
  type: float
'''

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisConnectionError,
    RedisError,
    client_from_module,
    parse_info,
    redis_connection_argument_spec,
    scrub_secrets,
    sentinel_auth_argument_spec,
    sentinel_client_kwargs,
)
from ansible_collections.hastack.redis.plugins.module_utils.topology import _key


class SwitchoverError(Exception):
    pass


def replicas_caught_up(info):
    """Whether every replica listed in INFO replication has the master's offset."""
    offsets = [v.get('offset') for k, v in info.items()
               if k.startswith('slave') and k[5:].isdigit() and isinstance(v, dict)]
    return bool(offsets) and all(int(o) >= int(info.get('master_repl_offset', 0)) for o in offsets)


def sentinel_majority(addresses, total):
    """The address a strict majority of ``total`` Sentinels report, else None."""
    votes = {}
    for addr in addresses:
        if addr:
            votes[_key(addr[0], addr[1])] = votes.get(_key(addr[0], addr[1]), 0) + 1
    for key, count in votes.items():
        if count >= total // 2 + 1:
            return key
    return None


def switchover(master, sentinels, master_name, pause_ms, timeout, clock=time.time, sleep=time.sleep):
    """Run the switchover. ``master`` and each of ``sentinels`` are RedisClient-like objects."""
    old = _key(master.host, master.port)
    deadline = clock() + timeout
    result = {}
    master.execute('CLIENT', 'PAUSE', str(pause_ms), 'WRITE')
    result['paused_at'] = clock()
    try:
        while not replicas_caught_up(parse_info(master.execute('INFO', 'replication'))):
            if clock() > deadline:
                raise SwitchoverError('the replicas did not reach the master offset within %s s' % timeout)
            sleep(0.02)
        last_error = None
        for sentinel in sentinels:
            try:
                sentinel.execute('SENTINEL', 'FAILOVER', master_name)
                break
            except (RedisError, RedisConnectionError) as exc:
                last_error = exc
        else:
            raise SwitchoverError('no Sentinel accepted SENTINEL FAILOVER: %s' % last_error)
        new = None
        while new is None or new == old:
            if clock() > deadline:
                raise SwitchoverError('the Sentinels did not agree on a new master within %s s' % timeout)
            sleep(0.05)
            addresses = []
            for sentinel in sentinels:
                try:
                    addresses.append(sentinel.execute('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', master_name))
                except (RedisError, RedisConnectionError):
                    addresses.append(None)
            new = sentinel_majority(addresses, len(sentinels))
        result['promoted_at'] = clock()
        result['new_master'] = {'host': new[0], 'port': new[1]}
        master.execute('REPLICAOF', new[0], str(new[1]))
        master.execute('CONFIG', 'REWRITE')
    finally:
        try:
            master.execute('CLIENT', 'UNPAUSE')
        finally:
            result['resumed_at'] = clock()
    result['write_pause_s'] = round(result['resumed_at'] - result['paused_at'], 3)
    return result


def run_module(module):
    p = module.params
    secrets = [p.get('login_password'), p.get('login_password_previous'), p.get('sentinel_password')]
    master = client_from_module(module, host=p['master_host'], port=p['master_port'])
    sentinels = [client_from_module(module, host=s['host'], port=s['port'], **sentinel_client_kwargs(p))
                 for s in p['sentinels']]
    try:
        if module.check_mode:
            master.execute('PING')
            module.exit_json(changed=True)
        result = switchover(master, sentinels, p['master_name'], p['pause_ms'], p['timeout'])
    except SwitchoverError as exc:
        module.fail_json(msg='switchover of %s failed, writes were resumed: %s' % (master.address, exc))
    except RedisError as exc:
        module.fail_json(msg='switchover of %s failed, writes were resumed: %s' % (
            master.address, scrub_secrets(exc.message, secrets)))
    except RedisConnectionError as exc:
        module.fail_json(msg=scrub_secrets(str(exc), secrets))
    finally:
        for client in [master] + sentinels:
            client.close()
    module.exit_json(changed=True, **result)


def main():
    argument_spec = redis_connection_argument_spec()
    argument_spec.update(sentinel_auth_argument_spec())
    argument_spec.update(
        master_host=dict(type='str', required=True),
        master_port=dict(type='int', default=6379),
        sentinels=dict(type='list', elements='dict', required=True, options=dict(
            host=dict(type='str', required=True),
            port=dict(type='int', default=26379),
        )),
        master_name=dict(type='str', default='mymaster'),
        pause_ms=dict(type='int', default=15000),
        timeout=dict(type='float', default=20.0),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module)


if __name__ == '__main__':
    main()
