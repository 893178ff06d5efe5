# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The master decision against real redis-server and redis-sentinel processes on 127.0.0.1.

Two cases from review that the unit tests of decide_master model but where the
behaviour lives in Redis: a site whose Sentinels are all down must not be taken
for a new one because the bootstrap node was rebuilt empty, and while Sentinel
replaces a killed master no reading may name the dead node.
"""

from __future__ import annotations

import time

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisClient
from ansible_collections.hastack.redis.plugins.module_utils import views
from ansible_collections.hastack.redis.plugins.modules import redis_topology
from loopback import free_port
from servers import wait_for


pytestmark = pytest.mark.live

PW = 'Decision-Test-Pw-0123'


def params(nodes, sentinels, bootstrap):
    return {'nodes': [{'name': n, 'host': '127.0.0.1', 'port': p} for n, p in nodes],
            'sentinels': [{'name': n, 'host': '127.0.0.1', 'port': p} for n, p in sentinels],
            'bootstrap_master': bootstrap, 'master_name': 'mymaster', 'sentinel_peer_user': None}


def make_client(kind, host, port):
    return RedisClient(host, port, password=None if kind == 'sentinel' else PW, timeout=0.5)


def test_rebuilt_empty_bootstrap_node_is_not_taken_for_a_new_site(start_server, run_module):  # noqa: F811
    real = start_server('real', password=PW)
    with real.client() as c:
        for i in range(1000):
            c.execute('SET', 'k%d' % i, 'v')
    rebuilt = start_server('rebuilt', password=PW)
    down_port = free_port()   # the real master's replica: down
    dead_sentinels = [('s%d' % i, free_port()) for i in range(3)]
    args = dict(params([('n1', rebuilt.port), ('n2', real.port), ('n3', down_port)], dead_sentinels, 'n1'),
                login_password=PW, sentinel_password='')
    result = run_module(redis_topology.main, args)
    assert result['_rc'] == 1 and result['master'] is None, result.get('reason')
    assert result['nodes']['n2']['keys'] == 1000 and result['nodes']['n1']['keys'] == 0
    assert 'Nothing was changed' in result['msg']
    # the replica back as an empty node: still not new, n2 holds the data
    spare = start_server('spare', password=PW)
    args['nodes'][2]['port'] = spare.port
    result = run_module(redis_topology.main, args)
    assert result['_rc'] == 1 and 'n2 holds 1000 keys' in result['msg']
    with real.client() as c:
        assert c.execute('DBSIZE') == 1000 and c.execute('ROLE')[0] == 'master'


def test_no_reading_names_the_killed_master_while_sentinel_replaces_it(start_server):  # noqa: F811
    master = start_server('m', password=PW, extra='repl-diskless-sync-delay 0\n')
    replicas = [start_server('r%d' % i, password=PW,
                             extra='replicaof 127.0.0.1 %d\nmasterauth "%s"\n' % (master.port, PW)) for i in (1, 2)]
    extra = '\n'.join(['sentinel monitor mymaster 127.0.0.1 %d 2' % master.port,
                       'sentinel auth-pass mymaster %s' % PW,
                       'sentinel down-after-milliseconds mymaster 1000',
                       'sentinel failover-timeout mymaster 3000']) + '\n'
    sentinels = [start_server('s%d' % i, sentinel=True, extra=extra) for i in range(3)]
    p = params([('m', master.port), ('r1', replicas[0].port), ('r2', replicas[1].port)],
               [('s%d' % i, s.port) for i, s in enumerate(sentinels)], 'm')
    with master.client() as c:
        c.execute('SET', 'hastack:test', 'kept')
    wait_for('a healthy reading', lambda: views.discover(p, make_client, False)['healthy'], timeout=40)

    master.proc.kill()
    master.proc.wait(timeout=10)
    killed = time.monotonic()
    readings = []
    while time.monotonic() - killed < 30:
        r = views.discover(p, make_client, False)
        readings.append((round(time.monotonic() - killed, 2), r['master'] and r['master']['name'],
                         r['sentinel_majority'], r['retry'], r['reason']))
        if r['master'] is not None and r['master']['name'] != 'm':
            break
        time.sleep(0.05)
    decided = [x for x in readings if x[1] is not None]
    # never the dead node, while the majority still named it for a while
    assert all(x[1] != 'm' for x in decided), readings
    assert decided and decided[-1][1] in ('r1', 'r2'), readings[-3:]
    assert any(x[2] == 'm' for x in readings), 'the window in which the Sentinels still name the dead master ' \
                                               'was not observed: %r' % readings[:3]
    assert all(x[3] for x in readings if x[1] is None), 'a reading during the failover was not marked transient'
    new = replicas[0] if decided[-1][1] == 'r1' else replicas[1]
    with new.client() as c:
        assert c.execute('GET', 'hastack:test') == 'kept'
        assert c.execute('ROLE')[0] == 'master'
