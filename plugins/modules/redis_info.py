#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: redis_info
short_description: Read-only facts about one Redis server or Sentinel
description:
  - Returns the role (C(ROLE)) and selected C(INFO) sections of one Redis server or Sentinel.
  - With O(sentinel_master_name), also returns what the Sentinel knows about that monitored master.
  - Never returns configuration values (C(CONFIG GET) is not used), so no secret can leak through it.
version_added: 0.1.0
author:
  - Contributors to the hastack.redis project
options:
  sections:
    description:
      - C(INFO) sections to read; the results are merged into one dictionary RV(info).
      - A Sentinel only has the C(server), C(clients), C(cpu), C(stats) and C(sentinel) sections.
    type: list
    elements: str
    default: [server, replication, persistence]
  sentinel_master_name:
    description:
      - Name of a master monitored by the Sentinel at O(login_host):O(login_port).
        When set, RV(sentinel) is returned.
    type: str
  fail_on_unreachable:
    description:
      - When V(false), a server that cannot be reached returns RV(reachable=false) instead of failing.
      - Authentication errors always fail.
    type: bool
    default: true
extends_documentation_fragment:
  - hastack.redis.redis
  - hastack.redis.attributes
'''

EXAMPLES = r'''
- name: Role and replication state of the local Redis
  hastack.redis.redis_info:
    login_password: "{{ redis_password }}"
    sections: [replication]
  register: redis

- name: What the local Sentinel knows about mymaster
  hastack.redis.redis_info:
    login_port: 26379
    sections: [sentinel]
    sentinel_master_name: mymaster
  register: sentinel

- name: Probe a node that may be down
  hastack.redis.redis_info:
    login_host: 10.0.0.12
    login_password: "{{ redis_password }}"
    fail_on_unreachable: false
  register: probe
'''

RETURN = r'''
reachable:
  description: Whether the server answered.
  returned: always
  type: bool
  sample: true
role:
  description:
    - Parsed C(ROLE) reply. For a master C({role, offset, replicas}), for a replica
      C({role, master_host, master_port, state, offset}), for a Sentinel C({role, masters}).
    - V(null) when unreachable.
  returned: always
  type: dict
  sample: {role: slave, master_host: 10.0.0.11, master_port: 6379, state: connected, offset: 1234}
error:
  description: Why the server was not reachable.
  returned: when RV(reachable=false)
  type: str
info:
  description:
    - The requested C(INFO) sections merged into one dictionary. Integer values are integers,
      C(a=1,b=2) values (C(slave0), C(db0), C(master0), ...) are dictionaries.
  returned: always
  type: dict
  sample: {role: master, connected_slaves: 1, slave0: {ip: 10.0.0.12, port: 6379, state: online, offset: 1234, lag: 0}}
sentinel:
  description: What the Sentinel knows about O(sentinel_master_name).
  returned: when O(sentinel_master_name) is set and the server is reachable
  type: dict
  contains:
    master:
      description: C(SENTINEL MASTER) as a dictionary, V(null) when the Sentinel does not monitor that name.
      type: dict
    master_addr:
      description: C([host, port]) from C(SENTINEL GET-MASTER-ADDR-BY-NAME), or V(null).
      type: list
    ckquorum:
      description: Result of C(SENTINEL CKQUORUM) as C({ok, message}).
      type: dict
    replicas:
      description: C(SENTINEL REPLICAS), one dictionary per replica.
      type: list
      elements: dict
    sentinels:
      description: C(SENTINEL SENTINELS), one dictionary per other Sentinel.
      type: list
      elements: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.argspec import (
    client_from_module,
    redis_connection_argument_spec,
)
from ansible_collections.hastack.redis.plugins.module_utils.info import parse_info, parse_role
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisAuthError,
    RedisConnectionError,
    RedisError,
)
from ansible_collections.hastack.redis.plugins.module_utils.sentinel import master_facts


def gather(client, sections, sentinel_master_name=None):
    role = parse_role(client.execute('ROLE'))
    info = {}
    for section in sections:
        info.update(parse_info(client.execute('INFO', section)))
    result = {'reachable': True, 'role': role, 'info': info}
    if sentinel_master_name:
        result['sentinel'] = master_facts(client, sentinel_master_name)
    return result


def run_module(module):
    client = client_from_module(module)
    try:
        result = gather(client, module.params['sections'], module.params['sentinel_master_name'])
    except RedisAuthError as exc:
        module.fail_json(msg=str(exc), reachable=True)
    except RedisConnectionError as exc:
        if module.params['fail_on_unreachable']:
            module.fail_json(msg=str(exc), reachable=False)
        module.exit_json(changed=False, reachable=False, role=None, info={}, error=str(exc))
    except RedisError as exc:
        module.fail_json(msg='error from %s: %s' % (client.address, exc.message), reachable=True)
    except (ValueError, IndexError, TypeError) as exc:
        module.fail_json(msg='unexpected reply from %s: %s' % (client.address, exc), reachable=True)
    finally:
        client.close()
    module.exit_json(changed=False, **result)


def main():
    argument_spec = redis_connection_argument_spec()
    argument_spec.update(
        sections=dict(type='list', elements='str', default=['server', 'replication', 'persistence']),
        sentinel_master_name=dict(type='str'),
        fail_on_unreachable=dict(type='bool', default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module)


if __name__ == '__main__':
    main()
