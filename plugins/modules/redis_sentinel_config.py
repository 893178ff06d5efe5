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
  - Settings Sentinel reads only when it starts (C(port), C(bind), C(dir), C(logfile), C(loglevel),
    C(protected-mode), TLS files) are given in O(startup_settings). They are never changed; those that
    differ from what the Sentinel runs with are returned in RV(restart_required) and named in a
    warning that says how to apply them.
  - Per-master settings (quorum, timings, C(auth-pass)) are the business of
    M(hastack.redis.redis_sentinel_monitor).
version_added: 0.1.0
author:
  - Contributors to the hastack.redis project
options:
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
  startup_settings:
    description:
      - Settings Sentinel reads from its configuration file when it starts, for example C(port),
        C(tls-port), C(bind), C(dir), C(logfile), C(loglevel), C(protected-mode), and the values wanted.
        Their values are not secret (they are shown in the warning).
      - A setting the running Sentinel answers to in C(SENTINEL CONFIG GET) is reconciled like O(settings)
        (Redis 7.0 answers to none of those above; a later Sentinel that can change one at runtime is
        asked to).
      - The others are compared with the lines of O(config_file), which Sentinel rewrites from what it
        runs with (a setting Sentinel leaves out of the file has its default value). They are never
        changed; those that differ are returned in RV(restart_required) and named in one warning per run.
    type: dict
    default: {}
  config_file:
    description:
      - Sentinel's own configuration file, for example C(/etc/redis-ha/sentinel.conf); only read. When the
        Sentinel names another file in C(INFO server) (C(config_file)) the module fails.
      - Needed with O(startup_settings). When it cannot be read (it is usually C(0640), owned by the
        service user, so use C(become)) the module fails before changing anything.
    type: path
extends_documentation_fragment:
  - hastack.redis.redis.sentinel_port
  - hastack.redis.redis
  - hastack.redis.attributes
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

- name: Announce another address; report the settings that need a restart
  hastack.redis.redis_sentinel_config:
    login_user: admin
    login_password: "{{ redis_password }}"
    settings:
      announce-ip: 192.0.2.10
      announce-port: 26379
    startup_settings:
      port: 26379
      bind: [127.0.0.1, 192.0.2.10]
      loglevel: notice
    config_file: /etc/redis-ha/sentinel.conf
  become: true
  register: sentinel_settings
'''

RETURN = r'''
changed_keys:
  description: Settings that were (or in check mode would be) changed; names only, never values.
  returned: always
  type: list
  elements: str
  sample: [sentinel-user, sentinel-pass]
restart_required:
  description:
    - Keys of O(startup_settings) whose running value differs from the wanted one; they take effect only
      when the Sentinel is restarted with them in its file. The warning names their values.
  returned: always
  type: list
  elements: str
  sample: [bind, loglevel]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.argspec import (
    client_from_module,
    redis_connection_argument_spec,
)
from ansible_collections.hastack.redis.plugins.module_utils.config import normalize_config_value
from ansible_collections.hastack.redis.plugins.module_utils.info import pairs_to_dict
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisConnectionError,
    RedisError,
    scrub_secrets,
)
from ansible_collections.hastack.redis.plugins.module_utils.sentinel_settings import (
    FILE_HINT,
    SentinelFileError,
    read_running_sentinel_file,
    startup_differences,
)


class SentinelConfigError(Exception):
    def __init__(self, msg, changed_keys):
        super(SentinelConfigError, self).__init__(msg)
        self.msg = msg
        self.changed_keys = changed_keys


def _config_get(client, name, secrets, changed_keys):
    try:
        return pairs_to_dict(client.execute('SENTINEL', 'CONFIG', 'GET', name))
    except RedisError as exc:
        raise SentinelConfigError('SENTINEL CONFIG GET %s failed on %s: %s'
                                  % (name, client.address, scrub_secrets(exc.message, secrets)), changed_keys)


def reconcile_sentinel_config(client, settings, secret_settings, check_mode):
    """Set each setting that differs; return the names of the ones changed."""
    secrets = [str(v) for v in secret_settings.values() if v is not None]
    wanted = dict(settings)
    wanted.update(secret_settings)
    changed_keys = []
    for key in sorted(wanted):
        name = key.lower()
        want = normalize_config_value(name, wanted[key])
        current = _config_get(client, name, secrets, changed_keys)
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


def check_startup_settings(client, startup_settings, config_file):
    """Split ``startup_settings`` into what the Sentinel can set at runtime and what needs a restart.

    Returns ``(runtime, differences)``: ``runtime`` holds the settings SENTINEL CONFIG GET
    knows (to reconcile like any other), ``differences`` the others whose running value
    differs, as ``(setting, running, wanted)``. Nothing is changed here.
    """
    runtime = {}
    at_start = {}
    for key in sorted(startup_settings):
        if key.lower() in _config_get(client, key.lower(), [], []):
            runtime[key] = startup_settings[key]
        else:
            at_start[key] = startup_settings[key]
    if not at_start:
        return runtime, []
    try:
        file_settings = read_running_sentinel_file(client, config_file)[0]
    except SentinelFileError as exc:
        raise SentinelConfigError(
            'cannot compare the settings the Sentinel at %s reads at start (%s): %s. %s'
            % (client.address, ', '.join(sorted(k.lower() for k in at_start)), exc.reason, FILE_HINT), [])
    return runtime, startup_differences(at_start, file_settings)


def restart_warning(address, config_file, differences):
    def value(v):
        return 'not in the file' if v is None else '"%s"' % v

    return ('restart needed: the Sentinel at %s reads %s only at start and runs with other values: %s. '
            'Sentinel rewrites %s from what it runs with, so a restart alone keeps them: one Sentinel at a '
            'time, stop it, change these lines in that file, start it and wait until it sees the other '
            'Sentinels again.'
            % (address, ', '.join(k for k, _, _ in differences),
               ', '.join('%s %s (wanted %s)' % (k, value(have), value(want)) for k, have, want in differences),
               config_file))


def run_module(module):
    p = module.params
    groups = (('settings', p['settings']), ('secret_settings', p['secret_settings']),
              ('startup_settings', p['startup_settings']))
    for i, (name_a, a) in enumerate(groups):
        for name_b, b in groups[i + 1:]:
            overlap = set(k.lower() for k in a) & set(k.lower() for k in b)
            if overlap:
                module.fail_json(msg='%s and %s both set %s' % (name_a, name_b, ', '.join(sorted(overlap))))
    secrets = [p.get('login_password')] + [str(v) for v in p['secret_settings'].values() if v is not None]
    client = client_from_module(module)
    differences = []
    try:
        runtime, differences = check_startup_settings(client, p['startup_settings'], p['config_file'])
        settings = dict(p['settings'])
        settings.update(runtime)
        changed_keys = reconcile_sentinel_config(client, settings, p['secret_settings'], module.check_mode)
    except SentinelConfigError as exc:
        module.fail_json(msg=exc.msg, changed=bool(exc.changed_keys), changed_keys=exc.changed_keys,
                         restart_required=[k for k, _, _ in differences])
    except RedisConnectionError as exc:
        module.fail_json(msg=scrub_secrets(str(exc), secrets))
    except RedisError as exc:
        module.fail_json(msg='error from %s: %s' % (client.address, scrub_secrets(exc.message, secrets)))
    finally:
        client.close()
    if differences:
        module.warn(restart_warning(client.address, p['config_file'], differences))
    module.exit_json(changed=bool(changed_keys), changed_keys=changed_keys,
                     restart_required=[k for k, _, _ in differences])


def main():
    argument_spec = redis_connection_argument_spec(default_port=26379)
    argument_spec.update(
        settings=dict(type='dict', default={}),
        secret_settings=dict(type='dict', default={}, no_log=True),
        startup_settings=dict(type='dict', default={}),
        config_file=dict(type='path'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module)


if __name__ == '__main__':
    main()
