# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The hastack.redis.redis_container_address filter: which static addresses a
container can have on a Docker bridge network."""

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.filter.redis_container_address import (
    FilterModule, redis_container_address)

SUBNET = '172.31.242.0/24'


@pytest.mark.parametrize('address', ['172.31.242.2', '172.31.242.10', '172.31.242.254'])
def test_addresses_a_container_can_have(address):
    assert redis_container_address(address, SUBNET) == ''


@pytest.mark.parametrize('address, reason', [
    ('172.31.243.10', 'is outside 172.31.242.0/24'),
    ('10.0.0.1', 'is outside 172.31.242.0/24'),
    ('172.31.242.0', 'is the network or broadcast address of 172.31.242.0/24'),
    ('172.31.242.255', 'is the network or broadcast address of 172.31.242.0/24'),
    ('172.31.242.1', 'is the gateway of 172.31.242.0/24 (Docker gives the network its first address)'),
    ('redis-master', 'is not an IPv4 address'),
    ('', 'is not an IPv4 address'),
    ('fd00::10', 'is not an IPv4 address'),
])
def test_addresses_refused_with_the_reason(address, reason):
    assert redis_container_address(address, SUBNET) == reason


@pytest.mark.parametrize('subnet', ['', '172.31.242.0', '172.31.242.7/24', 'fd00::/64', '172.31.242.0/30', None])
def test_a_bad_subnet_is_named(subnet):
    reason = redis_container_address('172.31.242.10', subnet)
    assert reason.startswith('cannot be checked: the subnet %s ' % subnet)


def test_registered_under_its_name():
    assert FilterModule().filters()['redis_container_address'] is redis_container_address


def test_the_subnet_filter_is_registered_too():
    check = FilterModule().filters()['redis_container_subnet']
    assert check(SUBNET) == ''
    assert check('172.31.242.0/30') == 'is too small for a network of containers (use at most a /29)'
