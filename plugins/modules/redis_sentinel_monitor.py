#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: redis_sentinel_monitor
short_description: Reconcile one monitored master on a Redis Sentinel
description:
  - Makes the Sentinel at O(login_host):O(login_port) monitor the master O(name).
  - If the Sentinel does not know O(name) yet, C(SENTINEL MONITOR) is sent with O(master_host),
    O(master_port) and O(quorum), followed by O(settings), O(auth_user) and O(auth_pass).
  - If the Sentinel already monitors O(name), its master address is B(never) changed, because after a
    failover Sentinel owns it; O(master_host)/O(master_port) are then ignored and RV(master_addr) tells
    where the master really is. Only O(quorum), O(settings) and the authentication are reconciled
    with C(SENTINEL SET).
  - What C(SENTINEL MASTER) does not show (C(auth-pass), C(auth-user), some settings) is compared with
    Sentinel's own file, O(config_file); if that cannot be read the module fails and changes nothing.
  - After any change C(SENTINEL FLUSHCONFIG) persists the state to Sentinel's own configuration file.
version_added: 0.1.0
author:
  - Contributors to the hastack.redis project
options:
  name:
    description: Name of the monitored master.
    type: str
    default: mymaster
  master_host:
    description:
      - Address of the master, used only when the Sentinel does not monitor O(name) yet.
    type: str
    required: true
  master_port:
    description: Port of the master, used only when the Sentinel does not monitor O(name) yet.
    type: int
    default: 6379
  quorum:
    description: Number of Sentinels that must agree the master is down.
    type: int
    required: true
  settings:
    description:
      - Other per-master Sentinel settings, for example C(down-after-milliseconds), C(parallel-syncs),
        C(failover-timeout). They are compared with the fields of C(SENTINEL MASTER) (or, for settings
        C(SENTINEL MASTER) does not show, such as C(master-reboot-down-after-period), with the
        C(sentinel <setting> <name> <value>) lines of O(config_file); a setting Sentinel leaves out of
        its file has Sentinel's default value).
      - C(auth-pass) and C(auth-user) are not allowed here; use O(auth_pass) and O(auth_user).
    type: dict
    default: {}
  auth_user:
    description: ACL user the Sentinel uses to connect to the master and replicas (C(auth-user)).
    type: str
  auth_pass:
    description:
      - Password the Sentinel uses to connect to the master and replicas (C(auth-pass)).
    type: str
  config_file:
    description:
      - Sentinel's own configuration file, for example C(/etc/redis/sentinel.conf).
      - C(SENTINEL MASTER) does not show C(auth-pass)/C(auth-user); they are compared with the
        C(sentinel auth-pass <name> <value>) and C(sentinel auth-user <name> <value>) lines of this file,
        which Sentinel rewrites from what it runs with. When the Sentinel names another file in
        C(INFO server) (C(config_file)) the module fails.
      - Needed when the Sentinel already monitors O(name) and O(auth_pass), O(auth_user) or a setting
        C(SENTINEL MASTER) does not show is given. When it is not set or cannot be read (Sentinel's file
        is often C(0640), owned by its service user, so use C(become)), the module fails before changing
        anything, rather than leave those settings unchecked.
      - The file is only read, never written (Sentinel rewrites it itself).
    type: path
extends_documentation_fragment:
  - hastack.redis.redis.sentinel_port
  - hastack.redis.redis
  - hastack.redis.attributes
'''

EXAMPLES = r'''
- name: Monitor the group on every Sentinel
  hastack.redis.redis_sentinel_monitor:
    name: mymaster
    master_host: "{{ topology.master.host }}"
    master_port: "{{ topology.master.port }}"
    quorum: 2
    settings:
      down-after-milliseconds: 5000
      parallel-syncs: 1
      failover-timeout: 60000
    auth_pass: "{{ redis_password }}"
    config_file: /etc/redis/sentinel.conf
  become: true
  register: monitor
'''

RETURN = r'''
changed_keys:
  description: Settings that were (or would be) changed; names only, never values.
  returned: always
  type: list
  elements: str
  sample: [quorum, down-after-milliseconds, auth-pass]
master_addr:
  description:
    - C([host, port]) of the master as the Sentinel reports it (after failovers this differs from O(master_host)).
    - The would-be address when the master is monitored anew in check mode.
  returned: always
  type: list
  sample: [10.0.0.12, 6379]
monitored_now:
  description: Whether C(SENTINEL MONITOR) was (or in check mode would be) sent.
  returned: always
  type: bool
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
from ansible_collections.hastack.redis.plugins.module_utils.sentinel import is_no_such_master
from ansible_collections.hastack.redis.plugins.module_utils.sentinel_settings import (
    FILE_HINT,
    MASTER_FILE_DEFAULTS,
    SentinelFileError,
    read_running_sentinel_file,
)

AUTH_KEYS = ('auth-pass', 'auth-user')


class MonitorFailure(Exception):
    def __init__(self, msg, **result):
        super(MonitorFailure, self).__init__(msg)
        self.msg = msg
        self.result = result


def reconcile_monitor(client, name, master_host, master_port, quorum, settings, auth_user, auth_pass,
                      config_file, check_mode):
    secrets = [auth_pass]
    changed_keys = []

    def run(*args):
        try:
            return client.execute(*args)
        except RedisError as exc:
            # only the subcommand and key are named: values may be secrets
            what = ' '.join(str(a) for a in args[:3])
            raise MonitorFailure('%s failed on %s: %s' % (what, client.address, scrub_secrets(exc.message, secrets)),
                                 changed=bool(changed_keys), changed_keys=changed_keys)

    for key in settings:
        if key.lower() in AUTH_KEYS:
            raise MonitorFailure('%s is not allowed in settings: use the auth_user/auth_pass options' % key)

    try:
        master = pairs_to_dict(client.execute('SENTINEL', 'MASTER', name))
    except RedisError as exc:
        if not is_no_such_master(exc):
            raise MonitorFailure('SENTINEL MASTER %s failed on %s: %s' % (name, client.address, exc.message))
        master = None

    if master is None:
        # unknown to this Sentinel: monitor it and apply everything
        changed_keys.append('monitor')
        if not check_mode:
            run('SENTINEL', 'MONITOR', name, master_host, str(master_port), str(quorum))
        for key in sorted(settings):
            changed_keys.append(key)
            if not check_mode:
                run('SENTINEL', 'SET', name, key, normalize_config_value(key, settings[key]))
        for key, value in (('auth-user', auth_user), ('auth-pass', auth_pass)):
            if value is not None:
                changed_keys.append(key)
                if not check_mode:
                    run('SENTINEL', 'SET', name, key, value)
        if not check_mode:
            run('SENTINEL', 'FLUSHCONFIG')
        return {'changed': True, 'changed_keys': changed_keys, 'monitored_now': True,
                'master_addr': [master_host, int(master_port)]}

    # known: never touch the address, reconcile the rest
    master_addr = [master.get('ip'), int(master.get('port'))]
    auth = [(key, value) for key, value in (('auth-user', auth_user), ('auth-pass', auth_pass)) if value is not None]
    not_shown = [key for key in sorted(settings) if key.lower() not in master] + sorted(key for key, _ in auth)
    file_values = {}
    if not_shown:
        # Sentinel rewrites its file from what it runs with: the one place these can be read
        try:
            file_values = read_running_sentinel_file(client, config_file)[1].get(name, {})
        except SentinelFileError as exc:
            raise MonitorFailure(
                'cannot compare %s on %s: SENTINEL MASTER does not show %s and %s. %s'
                % (', '.join(not_shown), client.address, 'it' if len(not_shown) == 1 else 'them', exc.reason,
                   FILE_HINT),
                changed=False, changed_keys=[])

    def from_file(key):
        return file_values.get(key.lower(), MASTER_FILE_DEFAULTS.get(key.lower(), ''))

    to_set = []
    if str(master.get('quorum')) != str(quorum):
        to_set.append(('quorum', str(quorum)))
    for key in sorted(settings):
        want = normalize_config_value(key, settings[key])
        have = master[key.lower()] if key.lower() in master else from_file(key)
        if normalize_config_value(key, have) != want:
            to_set.append((key, want))
    for key, value in auth:
        if from_file(key) != value:
            to_set.append((key, value))

    for key, value in to_set:
        changed_keys.append(key)
        if not check_mode:
            run('SENTINEL', 'SET', name, key, value)
    if to_set and not check_mode:
        run('SENTINEL', 'FLUSHCONFIG')
    return {'changed': bool(to_set), 'changed_keys': changed_keys, 'monitored_now': False,
            'master_addr': master_addr}


def run_module(module):
    p = module.params
    if p['quorum'] < 1:
        module.fail_json(msg='quorum must be >= 1')
    client = client_from_module(module)
    try:
        result = reconcile_monitor(client, p['name'], p['master_host'], p['master_port'], p['quorum'],
                                   p['settings'] or {}, p['auth_user'], p['auth_pass'], p['config_file'],
                                   module.check_mode)
    except MonitorFailure as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    except RedisConnectionError as exc:
        module.fail_json(msg=str(exc))
    except RedisError as exc:
        module.fail_json(msg='error from %s: %s' % (client.address, scrub_secrets(exc.message, [p['auth_pass']])))
    finally:
        client.close()
    module.exit_json(**result)


def main():
    argument_spec = redis_connection_argument_spec(default_port=26379)
    argument_spec.update(
        name=dict(type='str', default='mymaster'),
        master_host=dict(type='str', required=True),
        master_port=dict(type='int', default=6379),
        quorum=dict(type='int', required=True),
        settings=dict(type='dict', default={}),
        auth_user=dict(type='str'),
        auth_pass=dict(type='str', no_log=True),
        config_file=dict(type='path'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module)


if __name__ == '__main__':
    main()
