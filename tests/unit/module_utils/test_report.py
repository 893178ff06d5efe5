# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""topology.report: the status table the health check prints, for a 3-node / 3-Sentinel view.

The expected tables are written out by hand: same columns and formats as the
health check has always printed (a value the server did not give reads None,
a column that does not apply reads -).
"""

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.module_utils.topology import report

NODES = {
    'redis1': {'host': '10.0.0.11', 'port': 6379, 'reachable': True, 'role': 'master', 'connected_slaves': 2,
               'master_link_status': None, 'lag': None, 'master_repl_offset': 1234, 'slave_repl_offset': None},
    'redis2': {'host': '10.0.0.12', 'port': 6379, 'reachable': True, 'role': 'slave', 'connected_slaves': 0,
               'master_link_status': 'up', 'lag': 0, 'master_repl_offset': 1234, 'slave_repl_offset': 1234},
    'redis3': {'host': '10.0.0.13', 'port': 6379, 'reachable': False, 'role': None, 'connected_slaves': 0,
               'master_link_status': None, 'lag': None, 'master_repl_offset': None, 'slave_repl_offset': None},
}
SENTINELS = {
    'redis1': {'host': '10.0.0.11', 'port': 26379, 'reachable': True, 'master_addr': ['10.0.0.11', 6379],
               'config_epoch': 3, 'quorum': 2, 'num_slaves': 2, 'num_other_sentinels': 2, 'ckquorum_ok': True,
               'peer_links': {'sentinel-1a2b': 'sentinel-peer', 'sentinel-3c4d': 'sentinel-peer'}},
    'redis2': {'host': '10.0.0.12', 'port': 26379, 'reachable': True, 'master_addr': ['10.0.0.11', 6379],
               'config_epoch': 3, 'quorum': 2, 'num_slaves': 2, 'num_other_sentinels': 1, 'ckquorum_ok': False,
               'peer_links': {'sentinel-1a2b': 'Sentinel-Peer', 'sentinel-5e6f': 'default',
                              'sentinel-7a8b': 'sentinel-peer'}},
    'redis3': {'host': '10.0.0.13', 'port': 26379, 'reachable': False, 'master_addr': None, 'config_epoch': None,
               'quorum': None, 'num_slaves': None, 'num_other_sentinels': None, 'ckquorum_ok': False,
               'peer_links': None},
}
PROBE = {'redis2': 1.42, 'redis3': None}


def test_report_of_a_site_with_a_node_and_a_sentinel_down():
    assert report(NODES, SENTINELS, PROBE) == [
        'NODE                   ROLE     ADDRESS              LINK  LAG   OFFSET       PROBE',
        'redis1                 master   10.0.0.11:6379       -     -     1234         -',
        'redis2                 slave    10.0.0.12:6379       up    0s    1234         1.4 ms',
        'redis3                 None     10.0.0.13:6379       None  -     None         -',
        'SENTINEL               MASTER                 EPOCH  QUORUM   REPLICAS   OTHER SENTINELS / CKQUORUM   '
        'PEER LINKS',
        'redis1                 10.0.0.11:6379         3      2        2          2 / OK                       '
        '2 as sentinel-peer',
        'redis2                 10.0.0.11:6379         3      2        2          1 / FAIL                     '
        '3 as Sentinel-Peer, default',
        'redis3                 down                   None   None     None       None / FAIL                  -',
    ]


def test_report_without_probe_and_without_sentinels():
    nodes = {'redis1': NODES['redis1']}
    assert report(nodes, {}) == [
        'NODE                   ROLE     ADDRESS              LINK  LAG   OFFSET       PROBE',
        'redis1                 master   10.0.0.11:6379       -     -     1234         -',
        'SENTINEL               MASTER                 EPOCH  QUORUM   REPLICAS   OTHER SENTINELS / CKQUORUM   '
        'PEER LINKS',
    ]


def test_report_rows_follow_the_order_of_the_view():
    nodes = dict((name, NODES[name]) for name in ('redis3', 'redis1'))
    assert [line.split()[0] for line in report(nodes, {})[1:3]] == ['redis3', 'redis1']
