#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: redis_acl
short_description: Reconcile ACL users on a Redis server or Sentinel
description:
  - Makes each listed ACL user match its definition (enabled or not, passwords, command, key and channel
    rules) and persists the result.
  - Rules are compared the way Redis itself normalises them. The desired rules are applied to a temporary
    user, read back with C(ACL GETUSER) and compared with the real user, then the temporary user is deleted.
    A user that already matches is left alone.
  - Passwords are compared by their SHA-256 hashes and set by hash (C(#<sha256>)), so no clear-text password
    is sent to the server or shown in its slow log.
  - Giving a user two passwords (the new and the previous one) lets clients move over to a new password
    without downtime; drop the previous one in a later run.
version_added: 0.1.0
author:
  - Contributors to the hastack.redis project
options:
  users:
    description: The users to reconcile.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: User name.
        type: str
        required: true
      enabled:
        description: Whether the user can log in (C(on)/C(off)).
        type: bool
        default: true
      passwords:
        description: Clear-text passwords the user accepts; empty for none.
        type: list
        elements: str
        default: []
        no_log: true
      rules:
        description:
          - ACL rules applied after C(reset), space-separated, for example C(~* &* +@all -@dangerous).
          - Selectors (parenthesised rule groups) are not supported.
          - C(nopass) lets the user in without a password (on the C(default) user, clients that send no
            C(AUTH)); it is compared like the other rules.
        type: str
        default: ''
  keep_existing:
    description:
      - Keep the passwords each user already has, next to the ones given (the first step of a rotation,
        so that clients still using the old password keep working). A later run with V(false) retires them.
    type: bool
    default: false
  persist:
    description:
      - How a change is made durable. V(config_rewrite) runs C(CONFIG REWRITE) (a data node without an
        C(aclfile)), V(sentinel) runs C(SENTINEL FLUSHCONFIG), V(acl_save) runs C(ACL SAVE), V(none) keeps it
        in memory only.
    type: str
    default: config_rewrite
    choices: [config_rewrite, sentinel, acl_save, none]
attributes:
  check_mode:
    details:
      - In check mode the temporary user used for the comparison is still created and deleted at once;
        no real user is changed and nothing is persisted.
extends_documentation_fragment:
  - hastack.redis.redis
  - hastack.redis.attributes
'''

EXAMPLES = r'''
- name: Disable the default user and add an application user
  hastack.redis.redis_acl:
    login_user: admin
    login_password: "{{ redis_admin_password }}"
    users:
      - name: default
        enabled: false
        rules: "-@all"
      - name: app
        passwords: ["{{ redis_app_password }}"]
        rules: "~* &* +@all -@admin -@dangerous -acl"
'''

RETURN = r'''
changed_users:
  description: Users that were created or changed (names only).
  returned: always
  type: list
  elements: str
  sample: [app]
users:
  description:
    - Each listed user as Redis reports it after the run, without passwords; C(passwords) counts them,
      C(unlisted_passwords) counts those not among the given ones (kept by O(keep_existing), or set by hand).
  returned: always
  type: dict
  sample: {app: {enabled: true, passwords: 2, unlisted_passwords: 1, commands: "+@all -@admin -@dangerous -acl",
                 keys: "~*", channels: "&*"}}
retire_users:
  description:
    - Users that hold passwords besides the given ones after the run (in check mode, now); a run with
      O(keep_existing=false) would remove them. Empty when a rotation has nothing left to retire.
  returned: always
  type: list
  elements: str
  sample: [app]
'''

import hashlib
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hastack.redis.plugins.module_utils.argspec import (
    client_from_module,
    redis_connection_argument_spec,
)
from ansible_collections.hastack.redis.plugins.module_utils.info import pairs_to_dict
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisConnectionError,
    RedisError,
    scrub_secrets,
)

COMPARED = ('commands', 'keys', 'channels')
PERSIST = {
    'config_rewrite': ('CONFIG', 'REWRITE'),
    'sentinel': ('SENTINEL', 'FLUSHCONFIG'),
    'acl_save': ('ACL', 'SAVE'),
}


def password_hash(password):
    return hashlib.sha256(password.encode('utf-8')).hexdigest()


def get_user(client, name):
    """ACL GETUSER as a dict, or None when the user does not exist."""
    reply = client.execute('ACL', 'GETUSER', name)
    if reply is None:
        return None
    view = pairs_to_dict(reply)
    flags = view.get('flags') or []
    return {
        'enabled': 'on' in flags,
        'nopass': 'nopass' in flags,
        'passwords': sorted(view.get('passwords') or []),
        'commands': view.get('commands', ''),
        'keys': view.get('keys', ''),
        'channels': view.get('channels', ''),
    }


def normalised_rules(client, rules, scratch):
    """How Redis normalises ``rules``: apply them to a scratch user and read it back."""
    try:
        client.execute('ACL', 'SETUSER', scratch, 'reset', *rules.split())
        view = get_user(client, scratch)
    finally:
        client.execute('ACL', 'DELUSER', scratch)
    return dict((k, view[k]) for k in COMPARED + ('nopass',))


def differences(current, enabled, hashes, normalised):
    """Aspects in which ``current`` differs from the desired state."""
    if current is None:
        return ['missing']
    diff = []
    if current['enabled'] != enabled:
        diff.append('enabled')
    if current['passwords'] != sorted(hashes):
        diff.append('passwords')
    if current.get('nopass', False) != normalised.get('nopass', False):
        diff.append('nopass')
    diff.extend(k for k in COMPARED if current[k] != normalised[k])
    return diff


def setuser_args(name, enabled, hashes, rules):
    return ['ACL', 'SETUSER', name, 'reset', 'on' if enabled else 'off'] + ['#' + h for h in hashes] + rules.split()


def public_view(view, listed=()):
    """``view`` without its password hashes: how many it has, and how many are not in ``listed``."""
    if view is None:
        return None
    out = dict(view)
    out['passwords'] = len(view['passwords'])
    out['unlisted_passwords'] = len(set(view['passwords']) - set(listed))
    return out


def reconcile(client, users, persist, check_mode, scratch=None, keep_existing=False):
    scratch = scratch or ('hastack-acl-probe-%s' % os.getpid())
    changed, report = [], {}
    for user in users:
        listed = sorted(set(password_hash(p) for p in user['passwords'] or []))
        hashes = listed
        rules = user['rules'] or ''
        current = get_user(client, user['name'])
        if keep_existing and current is not None:
            hashes = sorted(set(listed) | set(current['passwords']))
        diff = differences(current, user['enabled'], hashes, normalised_rules(client, rules, scratch))
        if diff:
            changed.append(user['name'])
            if not check_mode:
                client.execute(*setuser_args(user['name'], user['enabled'], hashes, rules))
                current = get_user(client, user['name'])
        report[user['name']] = public_view(current, listed)
    if changed and not check_mode and persist in PERSIST:
        client.execute(*PERSIST[persist])
    return changed, report


def run_module(module):
    users = module.params['users']
    secrets = [module.params.get('login_password')]
    for user in users:
        secrets.extend(user['passwords'] or [])
    client = client_from_module(module)
    try:
        changed, report = reconcile(client, users, module.params['persist'], module.check_mode,
                                    keep_existing=module.params['keep_existing'])
    except RedisError as exc:
        module.fail_json(msg='ACL reconciliation failed on %s: %s' % (client.address, scrub_secrets(exc.message, secrets)))
    except RedisConnectionError as exc:
        module.fail_json(msg=scrub_secrets(str(exc), secrets))
    finally:
        client.close()
    retire = [name for name, view in report.items() if view and view['unlisted_passwords']]
    module.exit_json(changed=bool(changed), changed_users=changed, users=report, retire_users=retire)


def main():
    argument_spec = redis_connection_argument_spec()
    argument_spec.update(
        users=dict(type='list', elements='dict', required=True, options=dict(
            name=dict(type='str', required=True),
            enabled=dict(type='bool', default=True),
            passwords=dict(type='list', elements='str', default=[], no_log=True),
            rules=dict(type='str', default=''),
        )),
        keep_existing=dict(type='bool', default=False),
        persist=dict(type='str', default='config_rewrite', choices=list(PERSIST) + ['none']),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module)


if __name__ == '__main__':
    main()
