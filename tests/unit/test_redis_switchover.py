# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisConnectionError
from ansible_collections.hastack.redis.plugins.modules import redis_switchover as sw

from redis_fakes import FakeClient

OLD = ('10.0.0.1', 6379)
NEW = ['10.0.0.2', '6379']
LOG = []


class Master(FakeClient):
    def __init__(self, lagging_polls=0):
        super().__init__(*OLD)
        self.lagging_polls = lagging_polls

    def handle(self, args):
        LOG.append(('master',) + args)
        if args[0] == 'INFO':
            behind = self.lagging_polls > 0
            self.lagging_polls -= 1
            return ('master_repl_offset:100\r\nslave0:ip=10.0.0.2,port=6379,state=online,offset=%d,lag=0\r\n'
                    'slave1:ip=10.0.0.3,port=6379,state=online,offset=100,lag=0\r\n' % (90 if behind else 100))
        return 'OK'


class Sentinel(FakeClient):
    def __init__(self, name, switch_after=1, down=False):
        super().__init__(name, 26379)
        self.polls = 0
        self.switch_after = switch_after
        self.down = down

    def handle(self, args):
        LOG.append((self.host,) + args)
        if self.down:
            raise RedisConnectionError('%s refused' % self.host)
        if args[1] == 'GET-MASTER-ADDR-BY-NAME':
            self.polls += 1
            return NEW if self.polls > self.switch_after else [OLD[0], str(OLD[1])]
        return 'OK'


class Clock(object):
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t

    def sleep(self, s):
        self.t += s


def run(master, sentinels, timeout=20.0):
    clock = Clock()
    return sw.switchover(master, sentinels, 'mymaster', 15000, timeout, clock=clock, sleep=clock.sleep)


def test_order_of_operations():
    del LOG[:]
    master = Master(lagging_polls=2)
    sentinels = [Sentinel('s1'), Sentinel('s2', switch_after=3), Sentinel('s3', down=True)]
    result = run(master, sentinels)
    master_cmds = [c[1:] for c in LOG if c[0] == 'master']
    assert master_cmds[0] == ('CLIENT', 'PAUSE', '15000', 'WRITE')
    assert master_cmds.count(('INFO', 'replication')) == 3  # waited for the lagging replica
    assert master_cmds[-3:] == [('REPLICAOF', '10.0.0.2', '6379'), ('CONFIG', 'REWRITE'), ('CLIENT', 'UNPAUSE')]
    failover = [c for c in LOG if c[1:] == ('SENTINEL', 'FAILOVER', 'mymaster')]
    assert failover == [('s1', 'SENTINEL', 'FAILOVER', 'mymaster')]
    # SENTINEL FAILOVER only after the replicas caught up, REPLICAOF only after a majority agreed.
    assert LOG.index(failover[0]) > max(i for i, c in enumerate(LOG) if c[1:2] == ('INFO',))
    assert result['new_master'] == {'host': '10.0.0.2', 'port': 6379}
    assert result['paused_at'] <= result['promoted_at'] <= result['resumed_at']


def test_writes_resume_when_the_sentinels_never_agree():
    del LOG[:]
    master = Master()
    sentinels = [Sentinel('s1', switch_after=10 ** 6), Sentinel('s2', switch_after=10 ** 6), Sentinel('s3')]
    with pytest.raises(sw.SwitchoverError, match='did not agree'):
        run(master, sentinels, timeout=2.0)
    master_cmds = [c[1:] for c in LOG if c[0] == 'master']
    assert master_cmds[-1] == ('CLIENT', 'UNPAUSE')
    assert ('REPLICAOF', '10.0.0.2', '6379') not in master_cmds


def test_majority_and_catch_up_helpers():
    assert sw.sentinel_majority([NEW, NEW, None], 3) == ('10.0.0.2', 6379)
    assert sw.sentinel_majority([NEW, None, None], 3) is None
    assert sw.sentinel_majority([NEW, ['10.0.0.3', '6379'], None], 3) is None
    assert sw.replicas_caught_up({'master_repl_offset': 5, 'slave0': {'offset': 5}})
    assert not sw.replicas_caught_up({'master_repl_offset': 5, 'slave0': {'offset': 4}})
    assert not sw.replicas_caught_up({'master_repl_offset': 5})
