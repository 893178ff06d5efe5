# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The hastack.redis.redis_members filter: one rule for every member's address and port."""

from __future__ import annotations

import pathlib

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.hastack.redis.plugins.filter.redis_members import FilterModule, redis_members

REPO = pathlib.Path(__file__).resolve().parents[3]

GROUPS = {'redis': ['a', 'b', 'c'], 'redis_sentinels': ['a', 'b', 'd']}


def facts(address):
    return {'ansible_facts': {'default_ipv4': {'address': address}}}


def members(hostvars, groups=GROUPS, **kwargs):
    kwargs.setdefault('port', 6379)
    kwargs.setdefault('sentinel_port', 26379)
    return redis_members(groups, hostvars, **kwargs)


def test_redis_address_wins_over_facts():
    hostvars = {'a': dict(facts('10.0.0.1'), redis_address='192.0.2.1'), 'b': facts('10.0.0.2'),
                'c': {'redis_address': 'db-c.example'}, 'd': facts('10.0.0.4')}
    out = members(hostvars)
    assert out['addresses'] == {'a': '192.0.2.1', 'b': '10.0.0.2', 'c': 'db-c.example', 'd': '10.0.0.4'}
    assert out['unaddressed'] == []


def test_every_member_once_data_nodes_first():
    out = members({h: facts('10.0.0.%d' % i) for i, h in enumerate('abcd')})
    assert list(out['addresses']) == ['a', 'b', 'c', 'd']


def test_unknown_address_is_empty_and_listed_and_the_name_stands_in():
    hostvars = {'a': {'redis_address': '192.0.2.1'}, 'b': {}, 'c': {'ansible_facts': {}}, 'd': facts('10.0.0.4')}
    out = members(hostvars)
    assert out['addresses']['b'] == '' and out['addresses']['c'] == ''
    assert out['unaddressed'] == ['b', 'c']
    assert [n['host'] for n in out['nodes']] == ['192.0.2.1', 'b', 'c']
    assert [s['host'] for s in out['sentinels']] == ['192.0.2.1', 'b', '10.0.0.4']


def test_ports_fall_back_to_the_given_defaults_per_host():
    hostvars = {'a': {'redis_address': '192.0.2.1', 'redis_port': 6380, 'redis_sentinel_port': '26380'},
                'b': {'redis_address': '192.0.2.2'}, 'c': {'redis_address': '192.0.2.3'},
                'd': {'redis_address': '192.0.2.4'}}
    out = members(hostvars, port=7000, sentinel_port=27000)
    assert out['nodes'] == [{'name': 'a', 'host': '192.0.2.1', 'port': 6380},
                            {'name': 'b', 'host': '192.0.2.2', 'port': 7000},
                            {'name': 'c', 'host': '192.0.2.3', 'port': 7000}]
    assert out['sentinels'] == [{'name': 'a', 'host': '192.0.2.1', 'port': 26380},
                                {'name': 'b', 'host': '192.0.2.2', 'port': 27000},
                                {'name': 'd', 'host': '192.0.2.4', 'port': 27000}]


def test_group_names_are_parameters():
    groups = {'data': ['x'], 'watchers': ['y'], 'redis': ['a']}
    out = members({'x': facts('10.0.0.1'), 'y': facts('10.0.0.2')}, groups=groups,
                  data_group='data', sentinels_group='watchers')
    assert [n['name'] for n in out['nodes']] == ['x'] and [s['name'] for s in out['sentinels']] == ['y']


def test_missing_groups_give_empty_lists():
    out = members({}, groups={})
    assert out == {'addresses': {}, 'unaddressed': [], 'nodes': [], 'sentinels': []}


def test_default_ports_are_required():
    with pytest.raises(AnsibleFilterError):
        redis_members(GROUPS, {})


def test_registered():
    assert FilterModule().filters()['redis_members'] is redis_members


def test_default_ports_agree_with_the_role_defaults():
    defaults = yaml.safe_load((REPO / 'roles' / 'redis_common' / 'defaults' / 'main.yml').read_text())
    constants = yaml.safe_load((REPO / 'roles' / 'redis_common' / 'vars' / 'main.yml').read_text())
    assert constants['__redis_common_default_ports'] == {
        'redis_port': defaults['redis_port'], 'redis_sentinel_port': defaults['redis_sentinel_port']}
