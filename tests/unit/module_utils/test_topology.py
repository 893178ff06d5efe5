# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.module_utils.topology import decide_master, nodes_in_service

ADDR = {'n1': '10.0.0.1', 'n2': '10.0.0.2', 'n3': '10.0.0.3'}


def master(name, replicas=0, keys=0):
    return {'host': ADDR[name], 'port': 6379, 'reachable': True, 'role': 'master', 'connected_slaves': replicas,
            'master_host': None, 'master_port': None, 'master_link_status': None, 'keys': keys}


def replica(name, of, link='up'):
    return {'host': ADDR[name], 'port': 6379, 'reachable': True, 'role': 'slave', 'connected_slaves': 0,
            'master_host': ADDR[of], 'master_port': 6379, 'master_link_status': link}


def down(name):
    return {'host': ADDR[name], 'port': 6379, 'reachable': False, 'role': None, 'connected_slaves': 0,
            'master_host': None, 'master_port': None, 'master_link_status': None}


def says(node, flags='master', epoch=0):
    return {'reachable': True, 'master_addr': [ADDR[node], 6379], 'flags': flags, 'config_epoch': epoch}


def says_addr(host, port):
    return {'reachable': True, 'master_addr': [host, port]}


def knows_nothing():
    return {'reachable': True, 'master_addr': None}


def unreachable():
    return {'reachable': False, 'master_addr': None}


def tls_failed(name):
    return {'host': ADDR[name], 'port': 6379, 'reachable': False, 'role': None, 'connected_slaves': 0,
            'error': 'TLS handshake with %s:6379 failed: certificate verify failed: certificate has expired'
            % ADDR[name], 'error_kind': 'tls'}


HEALTHY_N2 = {'n1': replica('n1', 'n2'), 'n2': master('n2', 2), 'n3': replica('n3', 'n2')}


# --- (a) a strict majority of configured Sentinels agree --------------------------

def test_majority_of_sentinels_wins_over_bootstrap():
    d = decide_master(HEALTHY_N2, {'s1': says('n2'), 's2': says('n2'), 's3': unreachable()}, 'n1')
    assert d == {'master': 'n2', 'source': 'sentinels', 'ambiguous': False, 'retry': False, 'reason': d['reason']}
    assert '2 of 3 Sentinels' in d['reason'] and 'n2' in d['reason']


def test_majority_counts_configured_not_answering_sentinels():
    # 2 answered and agree, but 5 are configured: 2 < 5//2+1 = 3 -> not a majority; nodes agree so OK via nodes
    sentinels = {'s1': says('n2'), 's2': says('n2'), 's3': unreachable(), 's4': unreachable(), 's5': unreachable()}
    d = decide_master(HEALTHY_N2, sentinels, 'n1')
    assert d['master'] == 'n2'
    assert d['source'] == 'nodes'
    assert 'less than a majority' in d['reason']


def test_majority_with_a_dissenter_waits_for_the_sentinels_to_converge():
    # a Sentinel naming another master is one that has not caught up with a failover, or one that
    # leads a newer one: either way the picture is not settled
    d = decide_master(HEALTHY_N2, {'s1': says('n2'), 's2': says('n2'), 's3': says('n1')}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None and d['retry'] is True
    assert 's3 says n1' in d['reason'] and 'not converged' in d['reason']


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


def test_majority_master_unreachable_from_here_is_not_acted_on():
    # nothing may be pointed at a master this run cannot see: it may be dead and about to be replaced
    nodes = {'n1': replica('n1', 'n2'), 'n2': down('n2'), 'n3': replica('n3', 'n2')}
    d = decide_master(nodes, {'s1': says('n2'), 's2': says('n2'), 's3': says('n2')}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None and d['retry'] is True
    assert 'cannot be seen from here' in d['reason'] and 'n2 unreachable' in d['reason']


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
    assert d == {'master': 'n3', 'source': 'nodes', 'ambiguous': False, 'retry': False, 'reason': d['reason']}
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


def test_nothing_reachable_is_not_a_new_site():
    # a node that does not answer may hold the data: only a dry run may assume a new site
    nodes = {'n1': down('n1'), 'n2': down('n2'), 'n3': down('n3')}
    sentinels = {'s1': unreachable(), 's2': unreachable(), 's3': unreachable()}
    d = decide_master(nodes, sentinels, 'n1')
    assert d['ambiguous'] is True and d['master'] is None
    assert 'every data node must answer' in d['reason']
    d = decide_master(nodes, sentinels, 'n1', dry_run=True)
    assert d['master'] == 'n1' and d['source'] == 'bootstrap' and 'Check mode' in d['reason']


def test_bootstrap_unreachable_but_other_nodes_reachable_is_ambiguous():
    nodes = {'n1': down('n1'), 'n2': master('n2'), 'n3': master('n3')}
    d = decide_master(nodes, {}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None
    assert 'n1 unreachable' in d['reason']


def test_bootstrap_replica_of_a_master_without_replicas_is_not_followed():
    # n2 shows no connected replica (the link is not up) and n3 cannot be seen: n3 may hold the data
    nodes = {'n1': replica('n1', 'n2', link='down'), 'n2': master('n2', 0), 'n3': down('n3')}
    d = decide_master(nodes, {}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None and d['retry'] is True
    nodes['n3'] = master('n3', 0)
    d = decide_master(nodes, {}, 'n1')
    assert d['ambiguous'] is True and 'not provably new' in d['reason'] and 'n1 is a replica' in d['reason']


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


# --- a site is new only when it provably is (review: replicas pointed at an empty bootstrap master) -------

def test_empty_rebuilt_bootstrap_master_never_wins_over_a_master_with_data():
    # the real master n2 (1000 keys) lost its replica n3; n1 was rebuilt empty; every Sentinel is down
    nodes = {'n1': master('n1', 0, keys=0), 'n2': master('n2', 0, keys=1000), 'n3': down('n3')}
    d = decide_master(nodes, {'s1': unreachable(), 's2': unreachable(), 's3': unreachable()}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None
    # the same with n3 back as an empty master: still not new, n2 holds data
    nodes['n3'] = master('n3', 0, keys=0)
    d = decide_master(nodes, {'s1': unreachable(), 's2': unreachable(), 's3': unreachable()}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None
    assert 'not provably new' in d['reason'] and 'n2 holds 1000 keys' in d['reason']


def test_bootstrap_master_holding_the_only_data_is_still_not_chosen_without_proof():
    nodes = {'n1': master('n1', 0, keys=5), 'n2': master('n2'), 'n3': master('n3')}
    d = decide_master(nodes, {}, 'n1')
    assert d['ambiguous'] is True and 'n1 holds 5 keys' in d['reason']


def test_a_minority_sentinel_agreeing_with_the_bootstrap_master_is_not_enough():
    nodes = {'n1': master('n1'), 'n2': master('n2', 0, keys=1000), 'n3': master('n3')}
    d = decide_master(nodes, {'s1': says('n1'), 's2': unreachable(), 's3': unreachable()}, 'n1')
    assert d['ambiguous'] is True and d['master'] is None


def test_new_site_needs_no_sentinel_that_knows_a_master():
    nodes = {'n1': master('n1'), 'n2': master('n2'), 'n3': master('n3')}
    d = decide_master(nodes, {'s1': says('n1'), 's2': unreachable(), 's3': unreachable()}, 'n1')
    assert d['ambiguous'] is True and 'a Sentinel knows a master' in d['reason']
    erring = {'reachable': True, 'master_addr': None, 'error': 'NOPERM this user has no permissions'}
    d = decide_master(nodes, {'s1': erring, 's2': unreachable(), 's3': unreachable()}, 'n1')
    assert d['ambiguous'] is True
    d = decide_master(nodes, {'s1': knows_nothing(), 's2': unreachable(), 's3': unreachable()}, 'n1')
    assert d['master'] == 'n1' and d['source'] == 'bootstrap' and 'brand-new site' in d['reason']


def test_a_node_answering_with_an_error_blocks_the_node_rules():
    nodes = {'n1': master('n1'), 'n2': master('n2'),
             'n3': dict(master('n3'), role=None, error='NOAUTH Authentication required.')}
    d = decide_master(nodes, {}, 'n1')
    assert d['ambiguous'] is True and 'n3 answers with an error' in d['reason']


def test_only_master_with_replicas_is_not_taken_while_another_master_holds_data():
    nodes = {'n1': master('n1', 0, keys=300), 'n2': master('n2', 1, keys=10), 'n3': replica('n3', 'n2')}
    d = decide_master(nodes, {}, 'n1')
    assert d['ambiguous'] is True and 'n1 (300 keys)' in d['reason']
    nodes['n1'] = master('n1', 0, keys=0)
    d = decide_master(nodes, {}, 'n1')
    assert d['master'] == 'n2' and d['source'] == 'nodes'


# --- a failover in progress is never decided as the old master (review) ---------------------------

def test_master_flagged_down_by_the_sentinels_is_not_decided():
    # a second after the master was killed: the Sentinels still name it but flag it down
    nodes = {'n1': down('n1'), 'n2': replica('n2', 'n1', link='down'), 'n3': replica('n3', 'n1', link='down')}
    sentinels = {'s1': says('n1', flags='master,s_down,o_down'), 's2': says('n1', flags='master,s_down'),
                 's3': says('n1', flags='master')}
    d = decide_master(nodes, sentinels, 'n1')
    assert d['ambiguous'] is True and d['master'] is None and d['retry'] is True
    assert 'o_down' in d['reason'] and 's_down' in d['reason']


def test_failover_in_progress_flag_is_not_decided_even_when_the_old_master_answers():
    nodes = {'n1': master('n1', 2), 'n2': replica('n2', 'n1'), 'n3': replica('n3', 'n1')}
    sentinels = {'s1': says('n1', flags='master,failover_in_progress'), 's2': says('n1'), 's3': says('n1')}
    d = decide_master(nodes, sentinels, 'n1')
    assert d['ambiguous'] is True and d['retry'] is True and 'failover_in_progress' in d['reason']


def test_leading_sentinel_with_a_newer_epoch_blocks_the_stale_majority():
    # two Sentinels still name the dead n1 (epoch 0); the leader already promoted n2 (epoch 1)
    nodes = {'n1': down('n1'), 'n2': master('n2', 0), 'n3': replica('n3', 'n1', link='down')}
    sentinels = {'s1': says('n1', epoch=0), 's2': says('n1', epoch=0), 's3': says('n2', epoch=1)}
    d = decide_master(nodes, sentinels, 'n1')
    assert d['ambiguous'] is True and d['master'] is None and d['retry'] is True


def test_majority_with_different_config_epochs_is_not_settled():
    sentinels = {'s1': says('n2', epoch=3), 's2': says('n2', epoch=2), 's3': says('n2', epoch=3)}
    d = decide_master(HEALTHY_N2, sentinels, 'n1')
    assert d['ambiguous'] is True and d['retry'] is True and 'config epochs (2, 3)' in d['reason']


def test_returning_old_master_with_data_is_not_demoted_by_a_run():
    # the old master came back with its AOF before Sentinel converted it: Sentinel does that itself
    nodes = {'n1': master('n1', 0, keys=500), 'n2': master('n2', 1, keys=520), 'n3': replica('n3', 'n2')}
    sentinels = {'s1': says('n2', epoch=1), 's2': says('n2', epoch=1), 's3': says('n2', epoch=1)}
    d = decide_master(nodes, sentinels, 'n1')
    assert d['ambiguous'] is True and d['retry'] is True and 'n1 (500 keys)' in d['reason']


def test_empty_standalone_node_joining_a_live_site_is_fine():
    nodes = {'n1': master('n1', 0, keys=0), 'n2': master('n2', 1, keys=520), 'n3': replica('n3', 'n2')}
    sentinels = {'s1': says('n2', epoch=1), 's2': says('n2', epoch=1), 's3': says('n2', epoch=1)}
    d = decide_master(nodes, sentinels, 'n1')
    assert d['master'] == 'n2' and not d['ambiguous']


def test_majority_master_answering_with_an_error_is_not_acted_on():
    nodes = dict(HEALTHY_N2, n2=dict(master('n2', 2), role=None, error='WRONGPASS invalid username-password pair'))
    d = decide_master(nodes, {'s1': says('n2'), 's2': says('n2'), 's3': says('n2')}, 'n1')
    assert d['ambiguous'] is True and 'WRONGPASS' in d['reason']


# --- a TLS handshake failure is its own, loud state (review) ---------------------------------------

def test_tls_failures_never_look_like_a_new_site():
    nodes = {'n1': tls_failed('n1'), 'n2': tls_failed('n2'), 'n3': tls_failed('n3')}
    tls_sentinel = {'reachable': False, 'master_addr': None, 'error': 'TLS handshake failed', 'error_kind': 'tls'}
    sentinels = {'s1': dict(tls_sentinel), 's2': dict(tls_sentinel), 's3': dict(tls_sentinel)}
    for dry_run in (False, True):
        d = decide_master(nodes, sentinels, 'n1', dry_run=dry_run)
        assert d['ambiguous'] is True and d['master'] is None
        assert 'TLS handshake failed' in d['reason'] and 'check the certificates' in d['reason']
        assert 'certificate has expired' in d['reason']


def test_tls_failure_of_one_node_is_named_even_when_the_sentinels_decide():
    nodes = dict(HEALTHY_N2, n3=tls_failed('n3'))
    d = decide_master(nodes, {'s1': says('n2'), 's2': says('n2'), 's3': says('n2')}, 'n1')
    assert d['master'] == 'n2'
    assert 'n3 (TLS handshake with' in d['reason'] and 'check the certificates' in d['reason']


def test_nodes_in_service_counts_a_lone_master_with_keys():
    """A master that lost its replicas still serves its keys: never 'not in service' (restarted directly)."""
    nodes = {
        'new': {'reachable': True, 'role': 'master', 'connected_slaves': 0, 'keys': 0},
        'lone': {'reachable': True, 'role': 'master', 'connected_slaves': 0, 'keys': 1000},
        'master': {'reachable': True, 'role': 'master', 'connected_slaves': 1, 'keys': 0},
        'linked': {'reachable': True, 'role': 'slave', 'master_link_status': 'up', 'keys': 5},
        'unlinked': {'reachable': True, 'role': 'slave', 'master_link_status': 'down', 'keys': 5},
        'down': {'reachable': False, 'role': None, 'error': 'connection refused'},
        'erring': {'reachable': True, 'role': None, 'error': 'NOAUTH'},
    }
    assert nodes_in_service(nodes) == ['linked', 'lone', 'master']
