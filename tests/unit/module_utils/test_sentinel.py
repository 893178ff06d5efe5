# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sentinel.py: the one no-such-master check, address equality, votes and majority, the queries."""

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisError
from ansible_collections.hastack.redis.plugins.module_utils.sentinel import (
    addr_key,
    ckquorum,
    format_addr,
    get_master_addr,
    is_no_such_master,
    majority,
    majority_address,
    master_facts,
    parse_peer_links,
    replicas,
    votes,
)

from redis_fakes import FakeClient


class ScriptedSentinel(FakeClient):
    """Answers from a dict of (first three words) -> reply; an exception instance is raised."""

    def __init__(self, replies):
        super(ScriptedSentinel, self).__init__(port=26379)
        self.replies = replies

    def handle(self, args):
        reply = self.replies.get(tuple(a.upper() for a in args[:2]))
        if isinstance(reply, Exception):
            raise reply
        return reply


@pytest.mark.parametrize('message', ['ERR No such master with that name', 'ERR no such master with that name',
                                     'IDONTKNOW No Such Master'])
def test_no_such_master_in_every_spelling(message):
    assert is_no_such_master(RedisError(message))


def test_other_errors_are_not_no_such_master():
    assert not is_no_such_master(RedisError('NOAUTH Authentication required.'))
    assert not is_no_such_master(RedisError(''))


def test_addresses_are_equal_by_case_folded_host_and_numeric_port():
    assert addr_key('Redis1.Example', '6379') == addr_key('redis1.example', 6379)
    assert addr_key('10.0.0.1', 6379) != addr_key('10.0.0.1', 6380)
    assert addr_key('10.0.0.1', 'x') == ('10.0.0.1', 'x')
    assert format_addr('::1', 6379) == '[::1]:6379'
    assert format_addr('[::1]', 6379) == '[::1]:6379'
    assert format_addr('10.0.0.1', 6379) == '10.0.0.1:6379'


@pytest.mark.parametrize('total, needed', [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3)])
def test_majority_is_strict(total, needed):
    assert majority(total) == needed


def test_votes_count_only_sentinels_that_answered_without_an_error():
    views = {
        's1': {'reachable': True, 'master_addr': ['10.0.0.1', 6379]},
        's2': {'reachable': True, 'master_addr': ['10.0.0.1', '6379']},
        's3': {'reachable': True, 'master_addr': ['10.0.0.2', 6379], 'error': 'NOPERM'},
        's4': {'reachable': False, 'master_addr': ['10.0.0.2', 6379]},
        's5': {'reachable': True, 'master_addr': None},
    }
    assert votes(views) == {('10.0.0.1', 6379): ['s1', 's2']}


def test_majority_address_of_all_configured_sentinels():
    a = ['10.0.0.1', '6379']
    assert majority_address([a, ['10.0.0.1', 6379], None], 3) == ('10.0.0.1', 6379)
    assert majority_address([a, None, None], 3) is None
    assert majority_address([a, ['10.0.0.2', 6379], None], 3) is None
    assert majority_address([a, a], 4) is None


def test_get_master_addr_and_ckquorum():
    s = ScriptedSentinel({('SENTINEL', 'GET-MASTER-ADDR-BY-NAME'): ['10.0.0.1', '6379'],
                          ('SENTINEL', 'CKQUORUM'): RedisError('NOQUORUM 1 usable Sentinels')})
    assert get_master_addr(s, 'mymaster') == ['10.0.0.1', 6379]
    assert ckquorum(s, 'mymaster') == (False, 'NOQUORUM 1 usable Sentinels')
    s.replies[('SENTINEL', 'GET-MASTER-ADDR-BY-NAME')] = None
    s.replies[('SENTINEL', 'CKQUORUM')] = 'OK 3 usable Sentinels'
    assert get_master_addr(s, 'mymaster') is None
    assert ckquorum(s, 'mymaster') == (True, 'OK 3 usable Sentinels')


def test_replicas_fall_back_to_sentinel_slaves():
    s = ScriptedSentinel({('SENTINEL', 'REPLICAS'): RedisError('ERR Unknown sentinel subcommand'),
                          ('SENTINEL', 'SLAVES'): [['ip', '10.0.0.2', 'port', '6379']]})
    assert replicas(s, 'mymaster') == [{'ip': '10.0.0.2', 'port': 6379}]


def test_master_facts_of_an_unknown_master():
    s = ScriptedSentinel({('SENTINEL', 'MASTER'): RedisError('ERR No such master with that name')})
    facts = master_facts(s, 'mymaster')
    assert facts['master'] is None and facts['master_addr'] is None
    assert facts['ckquorum'] == {'ok': False, 'message': 'ERR No such master with that name'}


def test_master_facts_raise_other_errors():
    s = ScriptedSentinel({('SENTINEL', 'MASTER'): RedisError('NOPERM this user has no permissions')})
    with pytest.raises(RedisError):
        master_facts(s, 'mymaster')


def test_master_facts_of_a_known_master():
    s = ScriptedSentinel({
        ('SENTINEL', 'MASTER'): ['name', 'mymaster', 'flags', 'master', 'quorum', '2'],
        ('SENTINEL', 'GET-MASTER-ADDR-BY-NAME'): ['10.0.0.1', '6379'],
        ('SENTINEL', 'CKQUORUM'): 'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
        ('SENTINEL', 'REPLICAS'): [['ip', '10.0.0.2', 'port', '6379']],
        ('SENTINEL', 'SENTINELS'): [['ip', '10.0.0.12', 'port', '26379']],
    })
    facts = master_facts(s, 'mymaster')
    assert facts['master'] == {'name': 'mymaster', 'flags': 'master', 'quorum': 2}
    assert facts['master_addr'] == ['10.0.0.1', 6379]
    assert facts['ckquorum']['ok'] is True
    assert facts['replicas'] == [{'ip': '10.0.0.2', 'port': 6379}]
    assert facts['sentinels'] == [{'ip': '10.0.0.12', 'port': 26379}]


def test_peer_links_name_the_user_of_each_sentinel_link():
    text = ('id=3 addr=10.0.0.12:40000 name=sentinel-1a2b3c4d-cmd user=sentinel-peer\n'
            'id=4 addr=10.0.0.13:40001 name=sentinel-5e6f7a8b-cmd user=default\n'
            'id=5 addr=10.0.0.13:40002 name=sentinel-5e6f7a8b-pubsub user=default\n'
            'id=6 addr=127.0.0.1:40003 name= user=admin\n')
    assert parse_peer_links(text) == {'sentinel-1a2b3c4d': 'sentinel-peer', 'sentinel-5e6f7a8b': 'default'}
    assert parse_peer_links(None) == {}
