# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.module_utils.topology import health_problems

ADDR = {'n1': '10.0.0.1', 'n2': '10.0.0.2', 'n3': '10.0.0.3'}
M = {'name': 'n1', 'host': ADDR['n1'], 'port': 6379}


def node(name, role='slave', of='n1', link='up', lag=0, replicas=0, reachable=True):
    return {'host': ADDR[name], 'port': 6379, 'reachable': reachable, 'role': role if reachable else None,
            'connected_slaves': replicas, 'master_host': ADDR[of] if role == 'slave' else None,
            'master_port': 6379 if role == 'slave' else None, 'master_link_status': link if role == 'slave' else None,
            'lag': lag if role == 'slave' else None}


def sentinel(on='n1', ok=True, reachable=True):
    return {'reachable': reachable, 'master_addr': [ADDR[on], 6379] if on else None,
            'ckquorum_ok': ok, 'ckquorum_message': 'OK 3 usable Sentinels' if ok else 'NOQUORUM 1 usable Sentinels'}


def healthy_site():
    nodes = {'n1': node('n1', role='master', replicas=2), 'n2': node('n2'), 'n3': node('n3')}
    sentinels = {'s1': sentinel(), 's2': sentinel(), 's3': sentinel()}
    return nodes, sentinels


def test_healthy_site_has_no_problem():
    nodes, sentinels = healthy_site()
    assert health_problems(M, nodes, sentinels, probe={'n2': 0.8, 'n3': 1.1}) == []


def test_no_master():
    nodes, sentinels = healthy_site()
    assert health_problems(None, nodes, sentinels) == ['no master could be decided']


def test_second_master_is_reported():
    nodes, sentinels = healthy_site()
    nodes['n3'] = node('n3', role='master')
    nodes['n1']['connected_slaves'] = 1
    problems = health_problems(M, nodes, sentinels)
    assert 'nodes reporting role master: n1, n3 (expected only n1)' in problems
    assert 'master n1 has 1 connected replicas, expected 2' in problems


def test_sentinel_disagreeing_down_and_without_quorum():
    nodes, sentinels = healthy_site()
    sentinels['s1'] = sentinel(on='n2')
    sentinels['s2'] = sentinel(reachable=False)
    sentinels['s3'] = sentinel(ok=False)
    problems = health_problems(M, nodes, sentinels)
    assert problems == [
        'Sentinel s1 says the master is 10.0.0.2:6379, not n1 (10.0.0.1:6379)',
        'Sentinel s2 does not answer',
        'Sentinel s3: SENTINEL CKQUORUM failed: NOQUORUM 1 usable Sentinels',
    ]


def test_replica_of_another_node_link_down_and_lag():
    nodes, sentinels = healthy_site()
    nodes['n2'] = node('n2', of='n3')
    nodes['n3'] = node('n3', link='down')
    problems = health_problems(M, nodes, sentinels)
    assert 'node n2 is slave (of 10.0.0.3:6379), not a replica of n1' in problems
    assert 'replica n3: master_link_status is down' in problems
    nodes, sentinels = healthy_site()
    nodes['n2']['lag'] = 2
    assert health_problems(M, nodes, sentinels) == ['replica n2: lag 2 s as the master reports it (limit 1 s)']


def test_probe_too_slow_or_missing():
    nodes, sentinels = healthy_site()
    problems = health_problems(M, nodes, sentinels, probe={'n2': 1000.0, 'n3': None})
    assert problems == [
        'replica n2: the probe key written on the master was not readable within 1000.0 ms',
        'replica n3: the probe key written on the master was not readable within 1000.0 ms',
    ]
    # Without a probe, the probe criterion is not applied.
    assert health_problems(M, nodes, sentinels, probe=None) == []


def test_unreachable_replica():
    nodes, sentinels = healthy_site()
    nodes['n3'] = node('n3', reachable=False)
    nodes['n1']['connected_slaves'] = 1
    assert health_problems(M, nodes, sentinels) == [
        'master n1 has 1 connected replicas, expected 2',
        'node n3 does not answer',
    ]


def test_wait_conditions():
    from ansible_collections.hastack.redis.plugins.module_utils.views import wait_condition_met
    params = {'wait_for': 'new_master', 'previous_master': 'n1'}
    # new_master is an observation: a Sentinel majority names another node, whatever the decision says
    moved = {'master': None, 'ambiguous': True, 'sentinel_majority': 'n2', 'healthy': False}
    assert wait_condition_met(params, moved)
    assert not wait_condition_met(params, dict(moved, sentinel_majority='n1'))
    # a new master that only the nodes (not a Sentinel majority) report does not count
    assert not wait_condition_met(params, dict(moved, sentinel_majority=None, master={'name': 'n2'}))
    assert wait_condition_met({'wait_for': 'decided'}, {'ambiguous': False})
    assert not wait_condition_met({'wait_for': 'decided'}, {'ambiguous': True})
    assert wait_condition_met({'wait_for': 'healthy'}, {'healthy': True})
    assert not wait_condition_met({'wait_for': 'healthy'}, {'healthy': False})
    assert wait_condition_met({'wait_for': 'none'}, {'healthy': False})


def test_sentinel_links_logged_in_as_another_user():
    nodes, sentinels = healthy_site()
    for s in sentinels.values():
        s['peer_links'] = {'sentinel-1a2b3c4d': 'sentinel-peer', 'sentinel-5e6f7a8b': 'sentinel-peer'}
    assert health_problems(M, nodes, sentinels, peer_user='sentinel-peer') == []
    sentinels['s2']['peer_links']['sentinel-5e6f7a8b'] = 'default'
    sentinels['s3']['peer_links'] = None
    sentinels['s3']['peer_links_error'] = "NOPERM this user has no permissions to run the 'client|list' command"
    assert health_problems(M, nodes, sentinels, peer_user='sentinel-peer') == [
        'Sentinel s2: the link from sentinel-5e6f7a8b is logged in as default, not sentinel-peer, so that Sentinel '
        'cannot vote; check its sentinel-user/sentinel-pass (redis_sentinel_peer_password)',
        "Sentinel s3: cannot list the links of the other Sentinels: NOPERM this user has no permissions to run "
        "the 'client|list' command",
    ]
    # without peer_user the links are not looked at
    assert health_problems(M, nodes, sentinels) == []


def test_sentinel_answering_with_an_error_is_one_problem():
    nodes, sentinels = healthy_site()
    for s in sentinels.values():
        s['peer_links'] = {'sentinel-1a2b3c4d': 'sentinel-peer'}
    sentinels['s2'] = {'reachable': True, 'master_addr': None, 'ckquorum_ok': False, 'ckquorum_message': None,
                       'peer_links': None, 'error': 'DENIED Redis is running in protected mode'}
    assert health_problems(M, nodes, sentinels, peer_user='sentinel-peer') == [
        'Sentinel s2 answers with an error: DENIED Redis is running in protected mode']


def test_master_without_a_good_replica_refuses_writes():
    """A degraded site: the promoted master has no replica left, so min-replicas-to-write refuses writes."""
    nodes, sentinels = healthy_site()
    nodes['n1']['connected_slaves'] = 0
    nodes['n1']['good_replicas'] = 0
    nodes['n2'] = node('n2', reachable=False)
    nodes['n3'] = node('n3', reachable=False)
    problems = health_problems(M, nodes, sentinels)
    refusing = [p for p in problems if 'refuses every write (NOREPLICAS)' in p]
    assert refusing == [
        'master n1 refuses every write (NOREPLICAS): no replica acknowledged within min-replicas-max-lag. '
        'Bring a replica back (start it, then run playbooks/site.yml); only if writes without any copy are '
        'acceptable until then, set redis_server_min_replicas_to_write: 0 and run playbooks/site.yml']


def test_guard_off_or_a_good_replica_is_no_write_problem():
    nodes, sentinels = healthy_site()
    nodes['n1']['good_replicas'] = 1
    assert health_problems(M, nodes, sentinels) == []
    nodes['n1']['good_replicas'] = None
    nodes['n1']['connected_slaves'] = 0
    assert not [p for p in health_problems(M, nodes, sentinels) if 'NOREPLICAS' in p]
