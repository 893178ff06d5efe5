# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: redis_members
author: hastack.redis contributors
version_added: 0.2.0
short_description: The members of a site (data nodes and Sentinels) and the address each is reached at
description:
  - Builds the member list of a site once, from the inventory, with one rule for every address.
  - A member's address is its C(redis_address), else the default IPv4 address of its gathered facts,
    else the empty string (the member is then listed in RV(_value.unaddressed)).
  - In RV(_value.nodes) and RV(_value.sentinels), a member without an address is named by its
    inventory name instead (the name may still resolve, and the caller has checked the addresses first).
  - A member without its own port gets the role default given here, never the port of the host the
    template happens to run on (C(hostvars) hold inventory variables, not role defaults).
  - The list does not depend on the hosts of the run (C(--limit)): every member of both groups counts.
options:
  _input:
    description: The inventory's C(groups).
    type: dict
    required: true
  hostvars:
    description: The inventory's C(hostvars).
    type: dict
    required: true
  data_group:
    description: Name of the group of data nodes (C(redis_data_group)).
    type: str
    default: redis
  sentinels_group:
    description: Name of the group of Sentinels (C(redis_sentinels_group)).
    type: str
    default: redis_sentinels
  port:
    description: Port of a data node that does not set C(redis_port).
    type: int
    required: true
  sentinel_port:
    description: Port of a Sentinel that does not set C(redis_sentinel_port).
    type: int
    required: true
'''

EXAMPLES = r'''
- name: Every member and its address
  ansible.builtin.debug:
    msg: >-
      {{ groups | hastack.redis.redis_members(hostvars, data_group=redis_data_group,
         sentinels_group=redis_sentinels_group, port=6379, sentinel_port=26379) }}
  # {"addresses": {"a": "10.0.0.1", ...}, "unaddressed": [],
  #  "nodes": [{"name": "a", "host": "10.0.0.1", "port": 6379}, ...],
  #  "sentinels": [{"name": "a", "host": "10.0.0.1", "port": 26379}, ...]}
'''

RETURN = r'''
_value:
  description: The members of the site.
  type: dict
  contains:
    addresses:
      description: Every member once (data nodes first, then Sentinels), and its address (C('') when unknown).
      type: dict
    unaddressed:
      description: The members whose address is unknown, in the order of RV(_value.addresses).
      type: list
      elements: str
    nodes:
      description: The data nodes in inventory order, as the modules take them (C(name), C(host), C(port)).
      type: list
      elements: dict
    sentinels:
      description: The Sentinels in inventory order (C(name), C(host), C(port)).
      type: list
      elements: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _address(hostvars, name):
    """redis_address, else the default IPv4 address of the facts, else ''."""
    host = hostvars[name]
    if 'redis_address' in host:
        return host['redis_address']
    facts = host['ansible_facts'] if 'ansible_facts' in host else {}
    ipv4 = facts.get('default_ipv4') if isinstance(facts, Mapping) else None
    address = ipv4.get('address') if isinstance(ipv4, Mapping) else None
    return '' if address is None else address


def _port(hostvars, name, var, default):
    host = hostvars[name]
    return int(host[var]) if var in host else int(default)


def redis_members(groups, hostvars, data_group='redis', sentinels_group='redis_sentinels', port=None,
                  sentinel_port=None):
    """The member list of the site: addresses, unaddressed, nodes and sentinels."""
    if port is None or sentinel_port is None:
        raise AnsibleFilterError('redis_members needs port and sentinel_port (the role defaults)')
    if not isinstance(groups, Mapping):
        raise AnsibleFilterError('redis_members expects the groups mapping, got %s' % type(groups).__name__)
    data = list(groups.get(data_group) or [])
    sentinels = list(groups.get(sentinels_group) or [])
    addresses = {}
    for name in data + sentinels:
        if name not in addresses:
            addresses[name] = _address(hostvars, name)
    return {
        'addresses': addresses,
        'unaddressed': [name for name, address in addresses.items() if address == ''],
        'nodes': [{'name': name, 'host': addresses[name] or name,
                   'port': _port(hostvars, name, 'redis_port', port)} for name in data],
        'sentinels': [{'name': name, 'host': addresses[name] or name,
                       'port': _port(hostvars, name, 'redis_sentinel_port', sentinel_port)} for name in sentinels],
    }


class FilterModule(object):
    def filters(self):
        return {'redis_members': redis_members}
