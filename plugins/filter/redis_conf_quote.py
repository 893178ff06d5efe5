# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: redis_conf_quote
author: hastack.redis contributors
version_added: 0.1.0
short_description: Quote a value for redis.conf or sentinel.conf
description:
  - Writes a string as one argument of a C(redis.conf) or C(sentinel.conf) line, so that Redis reads
    back exactly that string, whatever it contains (quotes, backslashes, spaces, C(#), an empty string).
  - The form is the one C(CONFIG REWRITE) writes, in double quotes with C(\\), C(\"), C(\n), C(\r), C(\t),
    C(\a), C(\b), and C(\xHH) for the other ASCII control characters. Characters beyond ASCII are kept
    as they are (UTF-8).
  - The result is always quoted, also for values that need no quoting (C("mymaster")).
  - The templates of the roles use it for every free-form value (passwords, user names, paths, the master
    name, C(redis_server_config_extra) values); numbers, C(yes)/C(no) and lists of addresses stay unquoted.
options:
  _input:
    description: The value. Numbers are written as text; booleans, lists, mappings and null are refused.
    type: raw
    required: true
notes:
  - The error for a refused value names its type, never the value (it may be a password).
'''

EXAMPLES = r'''
- name: A line of redis.conf
  ansible.builtin.debug:
    msg: "masterauth {{ redis_replication_password | hastack.redis.redis_conf_quote }}"
  # with the password ab"cd\e: masterauth "ab\"cd\\e"

- name: In a template
  ansible.builtin.copy:
    content: |
      logfile {{ redis_server_logfile | hastack.redis.redis_conf_quote }}
    dest: /tmp/example.conf
    mode: "0600"
  # with an empty redis_server_logfile: logfile ""
'''

RETURN = r'''
_value:
  description: The value in double quotes, escaped; C(split_config_args) of the result is the value.
  type: str
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import quote_config_arg


def redis_conf_quote(value):
    """``value`` as one double-quoted, escaped config-file argument."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        # the type only: the value may be a password
        raise AnsibleFilterError('redis_conf_quote expects a string or a number, got %s' % type(value).__name__)
    return quote_config_arg(value if isinstance(value, str) else str(value))


class FilterModule(object):
    def filters(self):
        return {'redis_conf_quote': redis_conf_quote}
