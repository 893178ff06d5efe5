# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: redis_container_address
author: hastack.redis contributors
version_added: 0.1.0
short_description: Why an address cannot be a container's own on a Docker bridge network
description:
  - Checks that a container can have the address on a user-defined bridge network with the given IPv4
    subnet, the way Docker hands out static addresses - an IPv4 address inside the subnet that is neither
    the network's own address, its broadcast address nor the first host address (the gateway Docker gives
    the network by default).
  - Returns an empty string when the address fits, else the reason, ready for an error message.
  - Its companion C(hastack.redis.redis_container_subnet) tells, the same way, why a subnet cannot be the
    network's (not IPv4 CIDR, smaller than a /29).
options:
  _input:
    description: The address (redis_address).
    type: str
    required: true
  subnet:
    description: The network's subnet in CIDR notation (redis_container_network_subnet).
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Refuse an address outside the network
  ansible.builtin.assert:
    that:
      - redis_address | hastack.redis.redis_container_address(redis_container_network_subnet) == ''
'''

RETURN = r'''
_value:
  description: Empty when the address fits, else why it does not (for example "is outside 172.31.242.0/24").
  type: str
'''

import ipaddress


def subnet_problem(subnet):
    """Why ``subnet`` is not an IPv4 network in CIDR notation ('' when it is)."""
    try:
        net = ipaddress.IPv4Network(str(subnet), strict=True)
    except (ValueError, TypeError):
        return 'is not an IPv4 subnet in CIDR notation (for example 172.31.242.0/24)'
    if net.num_addresses < 8:
        return 'is too small for a network of containers (use at most a /29)'
    return ''


def redis_container_address(address, subnet):
    problem = subnet_problem(subnet)
    if problem:
        return 'cannot be checked: the subnet %s %s' % (subnet, problem)
    net = ipaddress.IPv4Network(str(subnet))
    try:
        addr = ipaddress.IPv4Address(str(address))
    except (ValueError, TypeError):
        return 'is not an IPv4 address'
    if addr not in net:
        return 'is outside %s' % net
    if addr in (net.network_address, net.broadcast_address):
        return 'is the network or broadcast address of %s' % net
    if addr == net.network_address + 1:
        return 'is the gateway of %s (Docker gives the network its first address)' % net
    return ''


class FilterModule(object):
    def filters(self):
        return {'redis_container_address': redis_container_address,
                'redis_container_subnet': subnet_problem}
