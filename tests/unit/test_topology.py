# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.module_utils.topology import decide_master

ADDR = {'n1': '10.0.0.1', 'n2': '10.0.0.2', 'n3': '10.0.0.3'}


def master(name, replicas=0):
    return {'host': ADDR[name], 'port': 6379, 'reachable': True, 'role': 'master', 'connected_slaves': replicas,
            'master_host': None, 'master_port': None, 'master_link_status': None}


def replica(name, of, link='up'):
    return {'host': ADDR[name], 'port': 6379, 'reachable': True, 'role': 'slave', 'connected_slaves': 0,
            'master_host': ADDR[of], 'master_port': 6379, 'master_link_status': link}


def down(name):
    return {'host': ADDR[name], 'port': 6379, 'reachable': False, 'role': None, 'connected_slaves': 0,
            'master_host': None, 'master_port': None, 'master_link_status': None}


def says(node):
    return {'reachable': True, 'master_addr': [ADDR[node], 6379]}


def says_addr(host, port):
    return {'reachable': True, 'master_addr': [host, port]}


def knows_nothing():
    return {'reachable': True, 'master_addr': None}


def unreachable():
    return {'reachable': False, 'master_addr': None}


HEALTHY_N2 = {'n1': replica('n1', 'n2'), 'n2': master('n2', 2), 'n3': replica('n3', 'n2')}


# --- (a) a strict majority of configured Sentinels agree --------------------------

def test_majority_of_sentinels_wins_over_bootstrap():
    d = decide_master(HEALTHY_N2, {'s1': says('n2'), 's2': says('n2'), 's3': unreachable()}, 'n1')
    assert d == {'master': 'n2', 'source': 'sentinels', 'ambiguous': False, 'reason': d['reason']}
    assert '2 of 3 Sentinels' in d['reason'] and 'n2' in d['reason']


def test_majority_counts_configured_not_answering_sentinels():
    # 2 answered and agree, but 5 are configured: 2 < 5//2+1 = 3 -> not a majority; nodes agree so OK via nodes
    sentinels = {'s1': says('n2'), 's2': says('n2'), 's3': unreachable(), 's4': unreachable(), 's5': unreachable()}
    d = decide_master(HEALTHY_N2, sentinels, 'n1')
    assert d['master'] == 'n2'
    assert d['source'] == 'nodes'
    assert 'less than a majority' in d['reason']


def test_majority_wins_with_one_dissenter_noted():
    d = decide_master(HEALTHY_N2, {'s1': says('n2'), 's2': says('n2'), 's3': says('n1')}, 'n1')
    assert d['master'] == 'n2' and d['source'] == 'sentinels' and not d['ambiguous']
    assert 'dissenting' in d['reason'] and 's3' in d['reason']


def test_majority_master_reports_slave_means_failover_in_progress():
    nodes = {'n1': master('n1', 1), 'n2': replica('n2', 'n1'), 'n3': down('n3')}
    d = decide_master(nodes, {'s1': says('n2'), 's2': says('n2'), 's3': says('n2')}, 'n1')
    assert d['ambiguous'] is True
    assert d['master'] is None
    assert d['source'] == 'sentinels'
    assert 'retry in a few seconds' in d['reason']


def test_majority_with_other_master_having_replicas_is_split_brain():
    nodes = {'n1': master('n1', 1), 'n2': master('n2', 1), 'n3': replica('n3', 'n1')}
    d = decide_master(nodes, {'s1': says('n2'), 's2': says('n2'), 's3': unreachable()}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None
    assert 'split brain' in d['reason'] and 'n1' in d['reason']


def test_majority_other_master_without_replicas_is_not_split_brain():
    # a restarted old master that came back standalone (no replicas) does not block the decision
    nodes = {'n1': master('n1', 0), 'n2': master('n2', 1), 'n3': replica('n3', 'n2')}
    d = decide_master(nodes, {'s1': says('n2'), 's2': says('n2'), 's3': says('n2')}, 'n1')
    assert d['master'] == 'n2' and not d['ambiguous']


def test_majority_address_matching_no_node_is_ambiguous():
    d = decide_master(HEALTHY_N2, {'s1': says_addr('10.9.9.9', 6379), 's2': says_addr('10.9.9.9', 6379),
                                   's3': says('n2')}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None
    assert '10.9.9.9:6379' in d['reason'] and 'matches no inventory node' in d['reason']


def test_majority_master_unreachable_from_here_is_still_master():
    nodes = {'n1': replica('n1', 'n2'), 'n2': down('n2'), 'n3': replica('n3', 'n2')}
    d = decide_master(nodes, {'s1': says('n2'), 's2': says('n2'), 's3': says('n2')}, 'n1')
    assert d['master'] == 'n2' and not d['ambiguous']
    assert 'not reachable from here' in d['reason']


def test_sentinel_address_mapping_ignores_case_and_port_type():
    nodes = {'a': {'host': 'Redis-A.example', 'port': 6379, 'reachable': True, 'role': 'master',
                   'connected_slaves': 1},
             'b': {'host': 'redis-b.example', 'port': 6379, 'reachable': True, 'role': 'slave',
                   'connected_slaves': 0, 'master_host': 'redis-a.example', 'master_port': 6379}}
    d = decide_master(nodes, {'s1': says_addr('redis-a.example', '6379')}, 'b')
    assert d['master'] == 'a' and d['source'] == 'sentinels'


# --- (b) the Sentinels that answered disagree ---------------------------------

def test_sentinels_disagree_is_ambiguous():
    d = decide_master(HEALTHY_N2, {'s1': says('n1'), 's2': says('n2'), 's3': unreachable()}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None and d['source'] is None
    assert d['reason'].startswith('Sentinels disagree: ')
    assert 's1 says n1 (10.0.0.1:6379)' in d['reason'] and 's2 says n2 (10.0.0.2:6379)' in d['reason']


# --- (c) decide from the nodes --------------------------------------------------

def test_no_sentinel_knows_single_master_with_replicas():
    nodes = {'n1': replica('n1', 'n3'), 'n2': replica('n2', 'n3'), 'n3': master('n3', 2)}
    d = decide_master(nodes, {'s1': knows_nothing(), 's2': knows_nothing(), 's3': unreachable()}, 'n1')
    assert d == {'master': 'n3', 'source': 'nodes', 'ambiguous': False, 'reason': d['reason']}
    assert 'only master with replicas' in d['reason']


def test_two_masters_with_replicas_is_ambiguous():
    nodes = {'n1': master('n1', 1), 'n2': master('n2', 1), 'n3': replica('n3', 'n1')}
    d = decide_master(nodes, {'s1': knows_nothing()}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None
    assert 'two or more masters' in d['reason']


def test_no_replicas_bootstrap_reachable_master():
    nodes = {'n1': master('n1'), 'n2': master('n2'), 'n3': master('n3')}
    d = decide_master(nodes, {}, 'n1')
    assert d['master'] == 'n1' and d['source'] == 'bootstrap' and not d['ambiguous']


def test_brand_new_site_nothing_reachable():
    nodes = {'n1': down('n1'), 'n2': down('n2'), 'n3': down('n3')}
    d = decide_master(nodes, {'s1': unreachable(), 's2': unreachable(), 's3': unreachable()}, 'n1')
    assert d['master'] == 'n1' and d['source'] == 'bootstrap' and not d['ambiguous']
    assert 'brand-new site' in d['reason']


def test_bootstrap_unreachable_but_other_nodes_reachable_is_ambiguous():
    nodes = {'n1': down('n1'), 'n2': master('n2'), 'n3': master('n3')}
    d = decide_master(nodes, {}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None
    assert 'n1 unreachable' in d['reason']


def test_bootstrap_replica_of_a_master_follows_it():
    # replication link of n2 to n1 is not established yet, so n2 shows 0 connected replicas
    nodes = {'n1': replica('n1', 'n2', link='down'), 'n2': master('n2', 0), 'n3': down('n3')}
    d = decide_master(nodes, {}, 'n1')
    assert d['master'] == 'n2' and d['source'] == 'nodes' and not d['ambiguous']


def test_bootstrap_replica_of_a_non_master_is_ambiguous():
    nodes = {'n1': replica('n1', 'n2', link='down'), 'n2': replica('n2', 'n1', link='down'), 'n3': down('n3')}
    d = decide_master(nodes, {}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None


def test_bootstrap_replica_of_unknown_address_is_ambiguous():
    nodes = {'n1': dict(replica('n1', 'n2'), master_host='192.168.99.1'), 'n2': master('n2', 0),
             'n3': master('n3', 0)}
    d = decide_master(nodes, {}, 'n1')
    assert d['ambiguous'] is True


def test_minority_sentinel_agreeing_with_nodes():
    d = decide_master(HEALTHY_N2, {'s1': says('n2'), 's2': unreachable(), 's3': unreachable()}, 'n1')
    assert d['master'] == 'n2' and d['source'] == 'nodes' and not d['ambiguous']


def test_minority_sentinel_disagreeing_with_nodes_is_ambiguous():
    d = decide_master(HEALTHY_N2, {'s1': says('n1'), 's2': unreachable(), 's3': knows_nothing()}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None
    assert 'less than a majority' in d['reason'] and 'n2' in d['reason']


def test_minority_sentinel_disagreeing_with_bootstrap_choice_is_ambiguous():
    nodes = {'n1': master('n1'), 'n2': master('n2'), 'n3': master('n3')}
    d = decide_master(nodes, {'s1': says('n3'), 's2': unreachable(), 's3': unreachable()}, 'n1')
    assert d['ambiguous'] is True


def test_reason_is_one_sentence_listing_what_was_seen():
    d = decide_master(HEALTHY_N2, {'s1': says('n2'), 's2': says('n2'), 's3': unreachable()}, 'n1')
    assert d['reason'].endswith('.')
    assert '\n' not in d['reason']
    for fragment in ('n1 replica of 10.0.0.2:6379 (link up)', 'n2 master with 2 replica(s)'):
        assert fragment in d['reason']
