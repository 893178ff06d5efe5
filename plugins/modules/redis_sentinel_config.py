#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: redis_sentinel_config
short_description: Reconcile the global settings of a Redis Sentinel
description:
  - Makes the global settings of the Sentinel at O(login_host):O(login_port) (the ones
    C(SENTINEL CONFIG GET) shows, such as C(sentinel-user), C(sentinel-pass), C(announce-ip),
    C(resolve-hostnames)) match the given values.
  - Each setting is read with C(SENTINEL CONFIG GET) and, when it differs, set with
    C(SENTINEL CONFIG SET), one at a time. Sentinel writes its configuration file after each change;
    C(SENTINEL FLUSHCONFIG) follows to make sure.
  - Sentinel drops its links to the other instances when C(sentinel-user) or C(sentinel-pass)
    changes, so the new credentials are used at once.
  - Per-master settings (quorum, timings, C(auth-pass)) are the business of
    M(hastack.redis.redis_sentinel_monitor).
version_added: 0.1.0
author:
  - Contributors to the hastack.redis project
extends_documentation_fragment:
  - hastack.redis.redis
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  login_port:
    description:
      - TCP port of the Sentinel to connect to.
    type: int
    default: 26379
  settings:
    description:
      - Settings and their values, for example C(sentinel-user), C(announce-ip), C(resolve-hostnames).
      - Values are compared as strings (C(yes)/C(no) for booleans).
    type: dict
    default: {}
  secret_settings:
    description:
      - Settings whose values are secrets, for example C(sentinel-pass). They are handled like
        O(settings), but their values are never returned, logged or shown in an error.
    type: dict
    default: {}
'''

EXAMPLES = r'''
- name: Let this Sentinel log in to the other Sentinels as sentinel-peer
  hastack.redis.redis_sentinel_config:
    login_user: admin
    login_password: "{{ redis_password }}"
    settings:
      sentinel-user: sentinel-peer
    secret_settings:
      sentinel-pass: "{{ redis_sentinel_peer_password }}"
  no_log: true
'''

RETURN = r'''
changed_keys:
  description: Settings that were (or in check mode would be) changed; names only, never values.
  returned: always
  type: list
  elements: str
  sample: [sentinel-user, sentinel-pass]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisConnectionError,
    RedisError,
    client_from_module,
    normalize_config_value,
    pairs_to_dict,
    redis_connection_argument_spec,
    scrub_secrets,
)


class SentinelConfigError(Exception):
    def __init__(self, msg, changed_keys):
        super(SentinelConfigError, self).__init__(msg)
        self.msg = msg
        self.changed_keys = changed_keys


def reconcile_sentinel_config(client, settings, secret_settings, check_mode):
    """Set each setting that differs; return the names of the ones changed."""
    secrets = [str(v) for v in secret_settings.values() if v is not None]
    wanted = dict(settings)
    wanted.update(secret_settings)
    changed_keys = []
    for key in sorted(wanted):
        name = key.lower()
        want = normalize_config_value(name, wanted[key])
        try:
            current = pairs_to_dict(client.execute('SENTINEL', 'CONFIG', 'GET', name))
        except RedisError as exc:
            raise SentinelConfigError('SENTINEL CONFIG GET %s failed on %s: %s'
                                      % (name, client.address, scrub_secrets(exc.message, secrets)), changed_keys)
        if name not in current:
            raise SentinelConfigError('the Sentinel at %s has no global setting %s (SENTINEL CONFIG GET %s is empty)'
                                      % (client.address, name, name), changed_keys)
        if normalize_config_value(name, current[name]) == want:
            continue
        changed_keys.append(name)
        if check_mode:
            continue
        try:
            client.execute('SENTINEL', 'CONFIG', 'SET', name, want)
        except RedisError as exc:
            # the value is never named: it may be a secret
            raise SentinelConfigError('SENTINEL CONFIG SET %s failed on %s: %s'
                                      % (name, client.address, scrub_secrets(exc.message, secrets)), changed_keys)
    if changed_keys and not check_mode:
        client.execute('SENTINEL', 'FLUSHCONFIG')
    return changed_keys


def run_module(module):
    p = module.params
    overlap = set(k.lower() for k in p['settings']) & set(k.lower() for k in p['secret_settings'])
    if overlap:
        module.fail_json(msg='settings and secret_settings both set %s' % ', '.join(sorted(overlap)))
    secrets = [p.get('login_password')] + [str(v) for v in p['secret_settings'].values() if v is not None]
    client = client_from_module(module)
    try:
        changed_keys = reconcile_sentinel_config(client, p['settings'], p['secret_settings'], module.check_mode)
    except SentinelConfigError as exc:
        module.fail_json(msg=exc.msg, changed=bool(exc.changed_keys), changed_keys=exc.changed_keys)
    except RedisConnectionError as exc:
        module.fail_json(msg=scrub_secrets(str(exc), secrets))
    except RedisError as exc:
        module.fail_json(msg='error from %s: %s' % (client.address, scrub_secrets(exc.message, secrets)))
    finally:
        client.close()
    module.exit_json(changed=bool(changed_keys), changed_keys=changed_keys)


def main():
    argument_spec = redis_connection_argument_spec(default_port=26379)
    argument_spec.update(
        settings=dict(type='dict', default={}),
        secret_settings=dict(type='dict', default={}, no_log=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module)


if __name__ == '__main__':
    main()
