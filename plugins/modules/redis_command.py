#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: redis_command
short_description: Run one command on a Redis server or Sentinel
description:
  - Sends one command to a Redis server or Sentinel and returns its reply.
  - Meant for one-off operational commands the other modules of the collection do not cover.
    Prefer M(hastack.redis.redis_config), M(hastack.redis.redis_replication) and
    M(hastack.redis.redis_sentinel_monitor) for state that must be reconciled.
version_added: 0.1.0
author:
  - Contributors to the hastack.redis project
options:
  command:
    description:
      - The command and its arguments, one list element per argument (no shell-like splitting).
      - Arguments may contain secrets (for example C(CONFIG SET requirepass ...)); set C(no_log) on the task
        in that case, since the module arguments are shown by Ansible with high verbosity.
    type: list
    elements: str
    required: true
  changed:
    description:
      - Whether running the command counts as a change.
      - When V(true), the command is not sent in check mode and RV(reply) is V(null).
    type: bool
    default: false
attributes:
  check_mode:
    details:
      - A command with O(changed=true) is not sent in check mode; commands with O(changed=false)
        are assumed to be read-only and are sent.
extends_documentation_fragment:
  - hastack.redis.redis
  - hastack.redis.attributes
'''

EXAMPLES = r'''
- name: Ping the local Redis
  hastack.redis.redis_command:
    login_password: "{{ redis_password }}"
    command: [PING]

- name: Trigger a background save
  hastack.redis.redis_command:
    login_password: "{{ redis_password }}"
    command: [BGSAVE]
    changed: true

- name: Ask Sentinel to reset a master's state
  hastack.redis.redis_command:
    login_port: 26379
    command: [SENTINEL, RESET, mymaster]
    changed: true
'''

RETURN = r'''
reply:
  description:
    - "The parsed reply. Simple strings and bulk strings are strings, integers are integers, arrays are lists,
      nil is V(null). Error replies nested in an array are returned as C({error: message})."
    - V(null) when the command was skipped in check mode.
  returned: always
  type: raw
  sample: PONG
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.argspec import (
    client_from_module,
    redis_connection_argument_spec,
)
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisConnectionError,
    RedisError,
    scrub_secrets,
)


def _jsonable(reply):
    if isinstance(reply, RedisError):
        return {'error': reply.message}
    if isinstance(reply, list):
        return [_jsonable(r) for r in reply]
    return reply


def run_module(module):
    command = module.params['command']
    if not command or not command[0]:
        module.fail_json(msg='command must contain at least the command name')
    changed = module.params['changed']
    if module.check_mode and changed:
        module.exit_json(changed=True, reply=None)

    secrets = [module.params.get('login_password')]
    name = command[0].upper()
    client = client_from_module(module)
    try:
        reply = client.execute(*command)
    except RedisError as exc:
        module.fail_json(msg='%s failed on %s: %s' % (name, client.address, scrub_secrets(exc.message, secrets)))
    except RedisConnectionError as exc:
        module.fail_json(msg=scrub_secrets(str(exc), secrets))
    finally:
        client.close()
    module.exit_json(changed=changed, reply=_jsonable(reply))


def main():
    argument_spec = redis_connection_argument_spec()
    argument_spec.update(
        command=dict(type='list', elements='str', required=True),
        changed=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module)


if __name__ == '__main__':
    main()
