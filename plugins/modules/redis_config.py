#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: redis_config
short_description: Reconcile the runtime configuration of a Redis server
description:
  - Compares each desired setting with C(CONFIG GET) and applies differences with C(CONFIG SET).
  - After a change, C(CONFIG REWRITE) makes the Redis-owned configuration file match the running server,
    so the module never overwrites lines Redis itself maintains (for example C(replicaof) after a failover).
  - Values are compared in a normalized form (booleans as C(yes)/C(no), lists space-joined, memory sizes
    such as C(256mb) expanded to bytes, whitespace collapsed), so equivalent spellings are not a change.
  - Parameters that can only be set at startup are reported in RV(restart_required) instead of failing.
version_added: 0.1.0
author:
  - Contributors to the hastack.redis project
options:
  settings:
    description:
      - Configuration parameters to enforce, parameter name to value.
      - Values may be strings, integers, booleans (sent as C(yes)/C(no)) or lists (sent space-joined,
        for example C(save) or C(bind)).
    type: dict
    required: true
  rewrite:
    description:
      - Run C(CONFIG REWRITE) after any change so the configuration file matches the running server.
    type: bool
    default: true
  secret_keys:
    description:
      - Parameters whose values are secrets. They are compared and set like the others but their values
        are never returned, shown in the diff, or logged by the module.
    type: list
    elements: str
    default: [requirepass, masterauth, masteruser]
notes:
  - The module invocation is not logged to the managed host's journal because O(settings) may contain secrets.
    Set C(no_log) on the task too if you run Ansible with high verbosity.
attributes:
  diff_mode:
    support: full
    details:
      - Values of O(secret_keys) are shown as C(********).
extends_documentation_fragment:
  - hastack.redis.redis
  - hastack.redis.attributes
'''

EXAMPLES = r'''
- name: Enforce memory and persistence settings
  hastack.redis.redis_config:
    login_password: "{{ redis_password }}"
    settings:
      maxmemory: 2gb
      maxmemory-policy: allkeys-lru
      appendonly: true
      save: ["3600 1", "300 100", "60 10000"]
  register: cfg

- name: Tell the operator about parameters that need a restart
  ansible.builtin.debug:
    msg: "Restart needed for {{ cfg.restart_required | join(', ') }}"
  when: cfg.restart_required | length > 0

- name: Rotate the replication password (secret never shown)
  hastack.redis.redis_config:
    login_password: "{{ redis_password }}"
    settings:
      masterauth: "{{ redis_password }}"
'''

RETURN = r'''
changed_keys:
  description: Parameters that were (or in check mode would be) changed. Names only, never values.
  returned: always
  type: list
  elements: str
  sample: [maxmemory, appendonly]
restart_required:
  description: Parameters that differ but cannot be changed at runtime (immutable or protected).
  returned: always
  type: list
  elements: str
  sample: [daemonize]
diff:
  description: Before/after text of the managed parameters (C(name value) lines), secrets masked.
  returned: when diff mode is on
  type: dict
  sample: {before: "maxmemory 0\n", after: "maxmemory 2147483648\n"}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.argspec import (
    client_from_module,
    redis_connection_argument_spec,
)
from ansible_collections.hastack.redis.plugins.module_utils.config import (
    is_immutable_config_error,
    normalize_config_value,
)
from ansible_collections.hastack.redis.plugins.module_utils.info import pairs_to_dict
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisConnectionError,
    RedisError,
    scrub_secrets,
)

MASK = '********'


def _wire_value(value):
    """What we send with CONFIG SET."""
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if isinstance(value, (list, tuple)):
        return ' '.join(_wire_value(v) for v in value)
    return str(value)


def _config_get(client, key):
    reply = pairs_to_dict(client.execute('CONFIG', 'GET', key)) or {}
    if key in reply:
        return str(reply[key])
    lowered = dict((k.lower(), v) for k, v in reply.items())
    if key.lower() in lowered:
        return str(lowered[key.lower()])
    if len(reply) == 1:
        # an alias (slaveof/replicaof, ...) answered under its canonical name
        return str(list(reply.values())[0])
    return None


class ConfigFailure(Exception):
    """Failure to report with fail_json; the message never contains a value."""

    def __init__(self, msg, **result):
        super(ConfigFailure, self).__init__(msg)
        self.msg = msg
        self.result = result


def reconcile(client, settings, secret_keys, check_mode, rewrite, secrets=()):
    """Reconcile ``settings`` on ``client``. Returns the result dict; raises ConfigFailure."""
    secret_set = set(k.lower() for k in secret_keys)
    changed_keys = []
    restart_required = []
    before_lines = []
    after_lines = []

    def shown(key, text):
        return MASK if key.lower() in secret_set else text

    for key in sorted(settings):
        desired = settings[key]
        if desired is None or isinstance(desired, dict):
            raise ConfigFailure('invalid value type for %s: use a string, an integer, a boolean or a list' % key)
        if any(c in key for c in '*?['):
            raise ConfigFailure('invalid parameter name %r: glob patterns are not allowed' % key)
        current = _config_get(client, key)
        if current is None:
            raise ConfigFailure('unknown configuration parameter %s (CONFIG GET returned nothing)' % key)
        want = normalize_config_value(key, desired)
        have = normalize_config_value(key, current)
        before_lines.append('%s %s' % (key, shown(key, current)))
        if want == have:
            after_lines.append('%s %s' % (key, shown(key, current)))
            continue
        if check_mode:
            changed_keys.append(key)
            after_lines.append('%s %s' % (key, shown(key, _wire_value(desired))))
            continue
        try:
            client.execute('CONFIG', 'SET', key, _wire_value(desired))
        except RedisError as exc:
            if is_immutable_config_error(exc.message):
                restart_required.append(key)
                after_lines.append('%s %s' % (key, shown(key, current)))
                continue
            raise ConfigFailure('CONFIG SET %s failed: %s' % (key, scrub_secrets(exc.message, secrets)),
                                changed=bool(changed_keys), changed_keys=changed_keys,
                                restart_required=restart_required)
        new = _config_get(client, key)
        after_lines.append('%s %s' % (key, shown(key, new if new is not None else _wire_value(desired))))
        if new is not None and normalize_config_value(key, new) == have:
            # Redis accepted it but the effective value did not move: not a real change
            continue
        changed_keys.append(key)

    if changed_keys and rewrite and not check_mode:
        try:
            client.execute('CONFIG', 'REWRITE')
        except RedisError as exc:
            raise ConfigFailure('runtime configuration of %s was changed but CONFIG REWRITE failed: %s'
                                % (', '.join(changed_keys), scrub_secrets(exc.message, secrets)),
                                changed=True, changed_keys=changed_keys, restart_required=restart_required)

    return {
        'changed': bool(changed_keys),
        'changed_keys': changed_keys,
        'restart_required': restart_required,
        'diff': {'before': ''.join(l + '\n' for l in before_lines),
                 'after': ''.join(l + '\n' for l in after_lines)},
    }


def run_module(module):
    settings = module.params['settings']
    secret_keys = module.params['secret_keys'] or []
    secret_set = set(k.lower() for k in secret_keys)
    secrets = [module.params.get('login_password')]
    for key, value in settings.items():
        if key.lower() in secret_set and value not in (None, ''):
            secrets.append(_wire_value(value))
            # mask the value wherever Ansible would otherwise echo it (e.g. 'invocation')
            module.no_log_values.add(_wire_value(value))

    client = client_from_module(module)
    try:
        result = reconcile(client, settings, secret_keys, module.check_mode, module.params['rewrite'], secrets)
    except ConfigFailure as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    except RedisConnectionError as exc:
        module.fail_json(msg=str(exc))
    except RedisError as exc:
        module.fail_json(msg='error from %s: %s' % (client.address, scrub_secrets(exc.message, secrets)))
    finally:
        client.close()
    if not module._diff:
        result.pop('diff')
    module.exit_json(**result)


def main():
    argument_spec = redis_connection_argument_spec()
    argument_spec.update(
        settings=dict(type='dict', required=True),
        rewrite=dict(type='bool', default=True),
        secret_keys=dict(type='list', elements='str', no_log=False,
                         default=['requirepass', 'masterauth', 'masteruser']),
    )
    # no_log=True only disables logging the invocation to the managed host's journal:
    # 'settings' may hold secrets (requirepass, masterauth) that are not no_log options.
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, no_log=True)
    run_module(module)


if __name__ == '__main__':
    main()
