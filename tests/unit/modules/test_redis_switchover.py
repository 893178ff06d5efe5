# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""redis_switchover against an in-memory site: one master, two replicas, three Sentinels.

The module runs through ``main()`` (argument checks, check mode, exit and fail
paths); ``client_from_module`` hands out clients of the fake nodes below, and
module_utils/switchover.py's ``time`` is a fake clock, so a timeout costs no real time. A
Sentinel's behaviour after ``SENTINEL FAILOVER`` is scripted by the number of
``SENTINEL GET-MASTER-ADDR-BY-NAME`` calls the module has made (``Site.tick``).
"""

from __future__ import annotations

import os
import time as real_time

import pytest
import yaml

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisConnectionError, RedisError
from ansible_collections.hastack.redis.plugins.module_utils.sentinel import majority_address
from ansible_collections.hastack.redis.plugins.module_utils import switchover
from ansible_collections.hastack.redis.plugins.modules import redis_switchover as sw

from redis_fakes import FakeClient

OLD = ('10.0.0.1', 6379)
TARGET = ('10.0.0.2', 6379)
OTHER = ('10.0.0.3', 6379)
ROLE_DIR = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'roles', 'redis_common')


class Node(object):
    """A data node: role, replication offset, write pause; every command logged with the role it met."""

    def __init__(self, site, addr, master=None):
        self.site = site
        self.addr = addr
        self.master = master  # (host, port) of its master; None when it is a master
        self.offset = 100
        self.lagging_polls = 0  # INFO replications (on the master) that still show replica 0 behind
        self.lagging_roles = 0  # ROLEs (on a replica) that still report an offset behind its master
        self.paused = False
        self.priority = 100
        self.priority_before = 100  # what a Sentinel knows from an INFO before priority_set_at
        self.priority_set_at = 0.0
        self.reachable = True
        self.refuse = {}  # command name -> error message
        self.log = []
        self.tries = 0  # commands sent, answered or not

    @property
    def role(self):
        return 'master' if self.master is None else 'slave'

    def handle(self, args):
        self.tries += 1
        if not self.reachable:
            raise RedisConnectionError('cannot connect to %s:%s: Connection refused' % self.addr)
        self.log.append((args, self.role, self.paused))
        cmd = args[0].upper()
        if cmd in self.refuse:
            raise RedisError(self.refuse[cmd])
        if cmd == 'PING':
            return 'PONG'
        if cmd == 'CLIENT':
            self.paused = args[1].upper() == 'PAUSE'
            return 'OK'
        if cmd == 'ROLE':
            if self.master is None:
                return ['master', self.offset, [[h, str(p), str(self.offset)] for h, p in self.replicas()]]
            behind = self.lagging_roles > 0
            self.lagging_roles -= 1
            return ['slave', self.master[0], self.master[1], 'connected', self.offset - 10 if behind else self.offset]
        if cmd == 'INFO':
            if self.master is not None:
                return 'role:slave\r\nmaster_host:%s\r\nmaster_port:%d\r\nslave_priority:%d\r\n' % (
                    self.master + (self.priority,))
            lines = ['role:master', 'connected_slaves:%d' % len(self.replicas()), 'master_repl_offset:%d' % self.offset]
            behind = self.lagging_polls > 0
            self.lagging_polls -= 1
            for i, (h, p) in enumerate(self.replicas()):
                lines.append('slave%d:ip=%s,port=%d,state=online,offset=%d,lag=0'
                             % (i, h, p, self.offset - 10 if behind and i == 0 else self.offset))
            return '\r\n'.join(lines) + '\r\n'
        if cmd == 'REPLICAOF':
            self.master = None if args[1].upper() == 'NO' else (args[1], int(args[2]))
            return 'OK'
        if cmd == 'CONFIG':
            return 'OK'
        if cmd == 'SET':
            if self.master is not None:
                raise RedisError("READONLY You can't write against a read only replica.")
            return 'OK'
        raise RedisError('ERR unknown command %r' % (args[0],))

    def replicas(self):
        return [n.addr for n in self.site.nodes.values() if n.master == self.addr]

    def unpaused_as_master_after_failover(self):
        """CLIENT UNPAUSE commands this node got while still a master, after SENTINEL FAILOVER was sent."""
        return [entry for entry in self.log[self.site.failover_log_index.get(self.addr, len(self.log)):]
                if entry[0][:2] == ('CLIENT', 'UNPAUSE') and entry[1] == 'master']


class Sentinel(object):
    def __init__(self, site, name):
        self.site = site
        self.host = name
        self.port = 26379
        self.names = OLD
        self.in_progress = False
        self.reachable = True
        self.failover_reply = 'OK'  # or an exception to raise
        self.log = []

    def handle(self, args):
        if not self.reachable:
            raise RedisConnectionError('cannot connect to %s:26379: Connection refused' % self.host)
        self.log.append(args)
        sub = args[1].upper()
        if sub == 'FAILOVER':
            if isinstance(self.failover_reply, RedisError):
                raise self.failover_reply
            self.site.failover(self)
            if isinstance(self.failover_reply, Exception):
                raise self.failover_reply
            return self.failover_reply
        if sub == 'GET-MASTER-ADDR-BY-NAME':
            self.site.tick()
            if not self.reachable:  # the tick may have cut it off
                raise RedisConnectionError('error reading from %s:26379: timed out' % self.host)
            return [self.names[0], str(self.names[1])]
        if sub == 'REPLICAS':
            return self.site.replicas_reply()
        if sub == 'MASTER':
            flags = 'master,failover_in_progress' if self.in_progress else 'master'
            return ['name', 'mymaster', 'ip', self.names[0], 'port', str(self.names[1]), 'flags', flags]
        raise RedisError('ERR Unknown sentinel subcommand')


class Client(FakeClient):
    """What client_from_module returns: a connection to one fake node or Sentinel."""

    def __init__(self, target):
        super(Client, self).__init__(target.host if isinstance(target, Sentinel) else target.addr[0],
                                     target.port if isinstance(target, Sentinel) else target.addr[1])
        self.target = target

    def connect(self):
        if not self.target.reachable:
            raise RedisConnectionError('cannot connect to %s: Connection refused' % self.address)

    def handle(self, args):
        return self.target.handle(args)


class Site(object):
    """Master OLD with replicas TARGET and OTHER; Sentinels s1, s2, s3 (s1 answers SENTINEL FAILOVER)."""

    def __init__(self):
        self.nodes = {}
        for addr in (OLD, TARGET, OTHER):
            self.nodes[addr] = Node(self, addr, master=None if addr == OLD else OLD)
        self.sentinels = [Sentinel(self, 's%d' % i) for i in (1, 2, 3)]
        self.ticks = 0
        self.started = False
        self.events = []  # (tick after SENTINEL FAILOVER, callable)
        self.on_failover = []  # callables run when a Sentinel accepts SENTINEL FAILOVER
        self.failover_log_index = {}
        self.clock = FakeTime()
        # Sentinel's INFO cycle of the replicas for SENTINEL REPLICAS: replica -> clock time of one INFO reply;
        # INFOs follow every 10 s. None: the Sentinels do not know SENTINEL REPLICAS.
        self.info = None
        self.replicas_calls = 0
        self.on_replicas = []  # (SENTINEL REPLICAS call, callable)
        self.ages_at_failover = None

    def info_age_ms(self, addr):
        return int(round(((self.clock.t - self.info[addr]) % 10.0) * 1000))

    def seen_priority(self, addr):
        node = self.nodes[addr]
        last_info = self.clock.t - self.info_age_ms(addr) / 1000.0
        return node.priority if last_info >= node.priority_set_at else node.priority_before

    def set_priority(self, addr, priority, ago=0.0):
        node = self.nodes[addr]
        node.priority_before, node.priority, node.priority_set_at = node.priority, priority, self.clock.t - ago

    def replicas_reply(self):
        if self.info is None:
            raise RedisError('ERR Unknown sentinel subcommand')
        self.replicas_calls += 1
        for when, action in list(self.on_replicas):
            if self.replicas_calls >= when:
                self.on_replicas.remove((when, action))
                action()
        return [['name', '%s:%d' % addr, 'ip', addr[0], 'port', str(addr[1]), 'flags', 'slave',
                 'info-refresh', str(self.info_age_ms(addr)), 'slave-priority', str(self.seen_priority(addr))]
                for addr in sorted(self.info)]

    @property
    def old(self):
        return self.nodes[OLD]

    def failover(self, sentinel):
        if self.info is not None:
            self.ages_at_failover = dict((addr, self.info_age_ms(addr)) for addr in self.info)
        sentinel.in_progress = True
        self.started = True
        self.failover_log_index = dict((a, len(n.log)) for a, n in self.nodes.items())
        self.ticks = 0
        for action in self.on_failover:
            action()

    def tick(self):
        if not self.started:
            return
        self.ticks += 1
        for when, action in list(self.events):
            if self.ticks >= when:
                self.events.remove((when, action))
                action()

    # scripted steps of a Sentinel failover
    def promote(self, addr=TARGET):
        self.nodes[addr].master = None

    def name(self, sentinel_index, addr=TARGET):
        self.sentinels[sentinel_index].names = addr

    def finish(self, sentinel_index=0):
        self.sentinels[sentinel_index].in_progress = False

    def client_from_module(self, module, host=None, port=None, **kwargs):
        for s in self.sentinels:
            if (s.host, s.port) == (host, port):
                return Client(s)
        return Client(self.nodes[(host, int(port))])


class FakeTime(object):
    """The module's clock: sleep() advances it."""

    def __init__(self):
        self.t = 1700000000.0

    def time(self):
        return self.t

    def monotonic(self):
        return self.t

    def sleep(self, seconds):
        self.t += seconds

    def __getattr__(self, name):
        return getattr(real_time, name)


@pytest.fixture
def site(monkeypatch):
    s = Site()
    monkeypatch.setattr(sw, 'client_from_module', s.client_from_module)
    monkeypatch.setattr(switchover, 'time', s.clock)
    return s


def args(**kw):
    a = {'master_host': OLD[0], 'master_port': OLD[1], 'login_user': 'admin', 'login_password': 'secret-pw',
         'sentinels': [{'host': 's1'}, {'host': 's2'}, {'host': 's3'}], 'timeout': 1.0, 'pause_ms': 15000}
    a.update(kw)
    return a


def commands(node):
    return [entry[0] for entry in node.log]


# --- the normal switchover ---------------------------------------------------------------------

def test_switchover_order_of_operations(site, run_module):
    site.old.lagging_polls = 3  # the first INFO is the check before the pause
    site.nodes[TARGET].lagging_roles = 1  # and the replica itself is behind at the first poll
    site.sentinels[2].reachable = False
    site.events = [(2, site.promote), (2, lambda: site.name(0)), (4, lambda: site.name(1))]
    result = run_module(sw.main, args())
    assert result['_rc'] == 0, result.get('msg')
    cmds = commands(site.old)
    pause = cmds.index(('CLIENT', 'PAUSE', '15000', 'WRITE'))
    assert cmds[pause + 1:].count(('INFO', 'replication')) == 2  # waited for the lagging replica
    assert commands(site.nodes[TARGET])[:2] == [('ROLE',), ('ROLE',)]  # asked it while the master showed it behind
    after = cmds[cmds.index(('REPLICAOF', '10.0.0.2', '6379')):]
    assert after == [('REPLICAOF', '10.0.0.2', '6379'), ('CONFIG', 'REWRITE'), ('CLIENT', 'UNPAUSE'), ('ROLE',)]
    assert [c for c in site.sentinels[0].log if c[1] == 'FAILOVER'] == [('SENTINEL', 'FAILOVER', 'mymaster')]
    assert not any(c[1] == 'FAILOVER' for s in site.sentinels[1:] for c in s.log)
    assert site.old.unpaused_as_master_after_failover() == []
    assert result['state'] == 'switched_over' and result['changed'] is True
    assert result['new_master'] == {'host': '10.0.0.2', 'port': 6379}
    assert result['old_master'] == {'host': '10.0.0.1', 'port': 6379}
    assert result['target_promoted'] is True and result['old_master_role'] == 'slave'
    assert result['paused_at'] <= result['promoted_at'] <= result['resumed_at']
    assert result['write_pause_s'] == round(result['resumed_at'] - result['paused_at'], 3)
    assert sorted((c['host'], c['port']) for c in result['candidates']) == [TARGET, OTHER]
    assert 'secret-pw' not in result['_raw']


# --- the start aligned with the INFO cycle of the Sentinel asked first ------------------------------

def normal_failover(site):
    site.events = [(2, site.promote), (2, lambda: site.name(0)), (2, lambda: site.name(1))]


def test_switchover_starts_when_the_sentinels_last_info_is_600_ms_old(site, run_module):
    normal_failover(site)
    # both replicas had an INFO 0.1 s before the module started: that one does not count (the Sentinel may not
    # have seen a replica-priority set just before), the next comes 9.9 s later
    site.info = {TARGET: site.clock.t - 0.1, OTHER: site.clock.t - 0.05}
    start = site.clock.t
    result = run_module(sw.main, args())
    assert result['_rc'] == 0 and result['state'] == 'switched_over', result.get('msg')
    assert result['aligned'] is True
    # the older of the two INFOs is 600 ms old at the pause; SENTINEL FAILOVER follows within a poll
    assert 600 <= site.ages_at_failover[TARGET] <= 700 and 550 <= site.ages_at_failover[OTHER] <= 650
    assert 9.9 + 0.6 <= result['align_wait_s'] <= 9.9 + 0.7
    assert result['paused_at'] - start == pytest.approx(result['align_wait_s'], abs=0.01)
    # asked only the Sentinel that is asked first, and the site checked again before the pause
    assert site.replicas_calls > 100
    assert all(c[1] != 'REPLICAS' for s in site.sentinels[1:] for c in s.log)
    cmds = commands(site.old)
    assert cmds.count(('ROLE',)) >= 2 and cmds.index(('CLIENT', 'PAUSE', '15000', 'WRITE')) > 2


def test_a_replica_with_priority_0_does_not_hold_the_start_back(site, run_module):
    normal_failover(site)
    # priority 0 set on the other replica just before, its INFO cycle 2 s after the target's: the Sentinel
    # still has its old priority, but asks it again when the failover starts (its last INFO is then 6.6 s old)
    site.set_priority(OTHER, 0)
    site.info = {TARGET: site.clock.t + 2.0, OTHER: site.clock.t + 4.0}
    result = run_module(sw.main, args())
    assert result['_rc'] == 0 and result['aligned'] is True, result.get('msg')
    assert 600 <= site.ages_at_failover[TARGET] <= 700 and site.ages_at_failover[OTHER] > 1000
    assert 2.6 <= result['align_wait_s'] <= 2.7


def test_a_priority_the_sentinel_would_not_read_again_holds_the_start_back(site, run_module):
    normal_failover(site)
    # priority 0 set on the other replica 0.5 s before, after its last INFO 0.2 s before the start: that
    # Sentinel would not ask it again when a failover starts in the target's next second, and would still see
    # priority 100. The start waits for its next INFO (9.8 s), then for the target's (10.1 s).
    site.set_priority(OTHER, 0, ago=0.5)
    site.info = {TARGET: site.clock.t + 0.1, OTHER: site.clock.t - 0.2}
    result = run_module(sw.main, args())
    assert result['_rc'] == 0 and result['aligned'] is True, result.get('msg')
    assert site.seen_priority(OTHER) == 0
    assert 600 <= site.ages_at_failover[TARGET] <= 700
    assert 10.7 <= result['align_wait_s'] <= 10.8


def test_replicas_with_info_cycles_apart_start_unaligned_once_both_had_an_info(site, run_module):
    normal_failover(site)
    site.info = {TARGET: site.clock.t + 2.0, OTHER: site.clock.t + 5.0}
    result = run_module(sw.main, args())
    assert result['_rc'] == 0 and result['state'] == 'switched_over', result.get('msg')
    assert result['aligned'] is False
    assert 5.0 <= result['align_wait_s'] <= 5.1


def test_replicas_whose_info_cycles_meet_across_the_turn_are_waited_for(site, run_module):
    normal_failover(site)
    # INFOs at +0.05 s and +9.98 s: 9.93 s apart once both are fresh, but 0.07 s apart in the 10 s cycle, so the
    # next pair (+9.98 s, +10.05 s) is in step
    site.info = {TARGET: site.clock.t + 0.05, OTHER: site.clock.t + 9.98}
    result = run_module(sw.main, args())
    assert result['_rc'] == 0 and result['aligned'] is True, result.get('msg')
    assert 600 <= max(site.ages_at_failover.values()) <= 700
    assert 10.55 <= result['align_wait_s'] <= 10.65


def test_a_replica_the_sentinel_gets_no_info_from_starts_unaligned_after_the_longest_wait(site, run_module):
    normal_failover(site)
    site.info = {TARGET: site.clock.t - 8.0, OTHER: site.clock.t + 2.0}
    cyclic = site.info_age_ms
    # the Sentinel's INFOs to TARGET go unanswered: the age of its last reply only grows
    site.info_age_ms = lambda addr: int((site.clock.t - site.info[TARGET]) * 1000) if addr == TARGET else cyclic(addr)
    result = run_module(sw.main, args())
    assert result['_rc'] == 0 and result['aligned'] is False, result.get('msg')
    assert switchover.ALIGN_S <= result['align_wait_s'] <= switchover.ALIGN_S + 0.1


def test_no_replica_sentinel_may_promote_is_not_waited_for(site, run_module):
    site.info = {TARGET: site.clock.t + 2.0, OTHER: site.clock.t + 2.0}
    site.set_priority(TARGET, 0)
    site.set_priority(OTHER, 0)
    site.sentinels[0].failover_reply = RedisError('NOGOODSLAVE No suitable replica to promote')
    site.sentinels[1].failover_reply = RedisError('NOGOODSLAVE No suitable replica to promote')
    site.sentinels[2].failover_reply = RedisError('NOGOODSLAVE No suitable replica to promote')
    result = run_module(sw.main, args())
    assert result['_rc'] == 1 and result['state'] == 'not_started'
    assert result['aligned'] is False and result['align_wait_s'] == 0
    assert 'NOGOODSLAVE' in result['msg'] and not site.old.paused


@pytest.mark.parametrize('ages, spread', [
    ([100], 0), ([100, 300], 200), ([50, 9950], 100), ([9950, 50, 100], 150), ([0, 5000], 5000),
    ([1000, 4000, 7000], 6000),
])
def test_cycle_spread(ages, spread):
    assert switchover.cycle_spread(ages) == spread


def test_a_replica_that_cannot_tell_its_priority_starts_at_once(site, run_module):
    normal_failover(site)
    site.info = {TARGET: site.clock.t + 2.0, OTHER: site.clock.t + 2.0}
    site.nodes[OTHER].refuse['INFO'] = "NOPERM User admin has no permissions to run the 'info' command"
    result = run_module(sw.main, args())
    assert result['_rc'] == 0 and result['aligned'] is False and result['align_wait_s'] == 0, result.get('msg')
    assert site.replicas_calls == 1


def test_a_sentinel_that_cannot_tell_its_info_cycle_starts_at_once(site, run_module):
    normal_failover(site)
    result = run_module(sw.main, args())  # site.info None: SENTINEL REPLICAS (and SLAVES) refused
    assert result['_rc'] == 0 and result['aligned'] is False and result['align_wait_s'] == 0, result.get('msg')
    assert [c[1] for c in site.sentinels[0].log if c[1] in ('REPLICAS', 'SLAVES')] == ['REPLICAS', 'SLAVES']


def test_the_site_is_checked_again_after_the_wait(site, run_module):
    normal_failover(site)
    site.info = {TARGET: site.clock.t + 2.0, OTHER: site.clock.t + 2.0}
    # a failover starts on a Sentinel while the module waits
    site.on_replicas = [(10, lambda: setattr(site.sentinels[1], 'in_progress', True))]
    result = run_module(sw.main, args())
    assert result['_rc'] == 1 and result['state'] == 'not_started'
    assert 'failover is in progress on Sentinel s2' in result['msg']
    assert result['aligned'] is True and result['align_wait_s'] > 0
    assert not any(c[0] == 'CLIENT' for c in commands(site.old))
    assert not any(c[1] == 'FAILOVER' for s in site.sentinels for c in s.log)


# --- (a) timeout after a Sentinel accepted SENTINEL FAILOVER, the target promoted ------------------

def test_timeout_after_failover_with_target_promoted_demotes_the_old_master(site, run_module):
    # The replica is promoted at once, but no Sentinel names it within the timeout.
    site.on_failover = [site.promote]
    result = run_module(sw.main, args())
    assert result['_rc'] == 1
    old = site.old
    assert old.role == 'slave' and old.master == TARGET
    # never let through as a master once the failover was sent
    assert old.unpaused_as_master_after_failover() == []
    assert ('REPLICAOF', '10.0.0.2', '6379') in commands(old)
    assert commands(old)[-2:] == [('CLIENT', 'UNPAUSE'), ('ROLE',)]
    assert not old.paused
    assert result['state'] == 'promoted_after_timeout'
    assert result['new_master'] == {'host': '10.0.0.2', 'port': 6379}
    assert result['target_promoted'] is True and result['old_master_role'] == 'slave'
    assert '10.0.0.2:6379' in result['msg'] and 'did not agree' in result['msg']
    masters = [a for a, n in site.nodes.items() if n.role == 'master']
    assert masters == [TARGET]


def test_timeout_then_the_leader_names_the_new_master(site, run_module):
    # The leader reconfigures after the timeout; the two others never answer in time.
    site.on_failover = [lambda: setattr(site.sentinels[1], 'reachable', False),
                        lambda: setattr(site.sentinels[2], 'reachable', False)]
    site.events = [(25, site.promote), (25, lambda: site.name(0))]  # after the 1 s timeout
    result = run_module(sw.main, args())
    assert result['_rc'] == 1 and result['state'] == 'promoted_after_timeout', result['msg']
    assert site.old.master == TARGET and site.old.unpaused_as_master_after_failover() == []
    assert result['new_master'] == {'host': '10.0.0.2', 'port': 6379}


# --- (b) the failover was aborted ---------------------------------------------------------------

def test_failover_aborted_resumes_writes_on_the_old_master(site, run_module):
    site.events = [(5, site.finish)]  # the leader gives up; nobody was promoted
    result = run_module(sw.main, args())
    assert result['_rc'] == 1
    old = site.old
    assert old.role == 'master' and not old.paused
    assert not any(c[0] == 'REPLICAOF' for c in commands(old))
    assert commands(old)[-2:] == [('CLIENT', 'UNPAUSE'), ('ROLE',)]
    assert result['state'] == 'failover_aborted'
    assert result['new_master'] == {'host': '10.0.0.1', 'port': 6379}
    assert result['target_promoted'] is False and result['old_master_role'] == 'master'
    assert 'aborted' in result['msg'] and '10.0.0.1:6379 is still the master' in result['msg']
    assert 'resumed_at' in result and 'paused_until' not in result


def test_failover_still_in_progress_after_the_wait_keeps_writes_paused(site, run_module):
    # The leader stays in failover_in_progress and nobody is promoted: it cannot be told.
    result = run_module(sw.main, args())
    assert result['_rc'] == 1 and result['state'] == 'unknown'
    old = site.old
    assert old.paused and old.role == 'master'
    assert not any(c[:2] == ('CLIENT', 'UNPAUSE') for c in commands(old))
    assert result['new_master'] is None and result['target_promoted'] is None
    assert 'resumed_at' not in result and result['paused_until'] > result['paused_at']
    assert 'paused until' in result['msg'] and "'Ambiguous topology'" in result['msg']
    assert 'failover_in_progress' in result['msg']


def test_leader_lost_after_failover_is_not_taken_for_an_abort(site, run_module):
    # Without the leader nobody can say it stopped: the others naming OLD proves nothing.
    site.on_failover = [lambda: setattr(site.sentinels[0], 'reachable', False)]
    result = run_module(sw.main, args())
    assert result['_rc'] == 1 and result['state'] == 'unknown'
    assert site.old.paused and site.old.unpaused_as_master_after_failover() == []


def test_failover_reply_lost_counts_as_accepted(site, run_module):
    site.sentinels[0].failover_reply = RedisConnectionError('error reading from s1:26379: timed out')
    site.events = [(2, site.promote), (2, lambda: site.name(1)), (3, lambda: site.name(2))]
    result = run_module(sw.main, args())
    assert result['_rc'] == 0, result['msg']
    # not sent a second time: the first may have started a failover
    assert not any(c[1] == 'FAILOVER' for s in site.sentinels[1:] for c in s.log)
    assert result['failover_sentinel'] == {'host': 's1', 'port': 26379}
    assert result['state'] == 'switched_over' and site.old.master == TARGET


def test_two_replicas_report_master_is_not_guessed(site, run_module):
    site.on_failover = [site.promote, lambda: site.promote(OTHER)]
    result = run_module(sw.main, args())
    assert result['state'] == 'unknown' and site.old.paused and site.old.role == 'master'


def test_refused_demotion_keeps_writes_paused(site, run_module):
    site.on_failover = [site.promote]
    site.events = [(1, lambda: site.name(0)), (1, lambda: site.name(1))]
    site.old.refuse['REPLICAOF'] = "NOPERM this user has no permissions to run the 'replicaof' command"
    result = run_module(sw.main, args())
    assert result['_rc'] == 1 and result['state'] == 'demotion_failed'
    assert site.old.paused and site.old.unpaused_as_master_after_failover() == []
    assert result['new_master'] == {'host': '10.0.0.2', 'port': 6379}
    assert 'REPLICAOF 10.0.0.2 6379' in result['msg'] and 'paused until' in result['msg']


# --- failures before SENTINEL FAILOVER ------------------------------------------------------------

def test_a_replica_that_has_everything_is_not_waited_for(site, run_module):
    # The master's INFO shows it behind until its next once-a-second ACK; ROLE on it says it is not.
    site.old.lagging_polls = 10 ** 6
    site.events = [(1, site.promote), (1, lambda: site.name(0)), (1, lambda: site.name(1))]
    result = run_module(sw.main, args())
    assert result['_rc'] == 0, result['msg']
    cmds = commands(site.old)
    assert cmds[cmds.index(('CLIENT', 'PAUSE', '15000', 'WRITE')) + 1:].count(('INFO', 'replication')) == 1


def test_an_unreachable_replica_is_judged_by_the_master_and_asked_once(site, run_module):
    site.old.lagging_polls = 4
    site.nodes[TARGET].reachable = False
    site.events = [(1, lambda: site.name(0, OTHER)), (1, lambda: site.name(1, OTHER)), (1, lambda: site.promote(OTHER))]
    result = run_module(sw.main, args())
    assert result['_rc'] == 0, result['msg']
    cmds = commands(site.old)
    assert cmds[cmds.index(('CLIENT', 'PAUSE', '15000', 'WRITE')) + 1:].count(('INFO', 'replication')) == 4
    assert site.nodes[TARGET].tries == 1
    assert result['new_master'] == {'host': '10.0.0.3', 'port': 6379}


def test_replicas_not_caught_up_resume_writes(site, run_module):
    site.old.lagging_polls = 10 ** 6
    site.nodes[TARGET].lagging_roles = 10 ** 6
    result = run_module(sw.main, args())
    assert result['_rc'] == 1 and result['state'] == 'not_started'
    assert not any(c[1] == 'FAILOVER' for s in site.sentinels for c in s.log)
    assert commands(site.old)[-2:] == [('CLIENT', 'UNPAUSE'), ('ROLE',)] and not site.old.paused
    assert result['old_master_role'] == 'master' and result['target_promoted'] is False
    assert result['new_master'] == {'host': '10.0.0.1', 'port': 6379}
    assert 'did not reach' in result['msg'] and 'is still the master' in result['msg']


def test_no_sentinel_accepts_failover(site, run_module):
    for s in site.sentinels:
        s.failover_reply = RedisError('NOGOODSLAVE No suitable replica to promote')
    result = run_module(sw.main, args())
    assert result['_rc'] == 1 and result['state'] == 'not_started'
    assert [c[1] for s in site.sentinels for c in s.log].count('FAILOVER') == 3
    assert not site.old.paused and result['old_master_role'] == 'master'
    assert 'NOGOODSLAVE' in result['msg']


@pytest.mark.parametrize('spoil, message', [
    (lambda s: setattr(s.old, 'master', TARGET), 'is not a master'),
    (lambda s: [s.name(0), s.name(1)], 'do not name'),
    (lambda s: setattr(s.sentinels[1], 'in_progress', True), 'failover is in progress'),
])
def test_nothing_is_paused_unless_the_site_is_as_expected(site, run_module, spoil, message):
    spoil(site)
    result = run_module(sw.main, args())
    assert result['_rc'] == 1 and message in result['msg'] and 'nothing was changed' in result['msg']
    assert not any(c[0] == 'CLIENT' for c in commands(site.old))
    assert not any(c[1] == 'FAILOVER' for s in site.sentinels for c in s.log)


# --- (c) the pause must outlast the wait -------------------------------------------------------

def test_pause_shorter_than_the_wait_is_refused(site, run_module):
    result = run_module(sw.main, args(pause_ms=15000, timeout=20.0))
    assert result['_rc'] == 1
    assert 'pause_ms' in result['msg'] and 'timeout' in result['msg'] and '30000' in result['msg']
    assert site.old.log == [] and all(s.log == [] for s in site.sentinels)


def test_default_pause_and_timeout_agree(site, run_module):
    a = args()
    del a['pause_ms'], a['timeout']
    site.events = [(1, site.promote), (1, lambda: site.name(0)), (1, lambda: site.name(1))]
    result = run_module(sw.main, a)
    assert result['_rc'] == 0, result['msg']
    assert switchover.pause_problem(30001, 20.0) is None and switchover.pause_problem(30000, 20.0)


def test_role_defaults_and_argument_specs_agree_with_the_module(site, run_module):
    with open(os.path.join(ROLE_DIR, 'defaults', 'main.yml')) as f:
        defaults = yaml.safe_load(f)
    with open(os.path.join(ROLE_DIR, 'meta', 'argument_specs.yml')) as f:
        specs = yaml.safe_load(f)['argument_specs']
    pause, timeout = defaults['redis_common_switchover_pause_ms'], defaults['redis_common_switchover_timeout']
    assert switchover.pause_problem(pause, timeout) is None
    options = specs['main']['options']
    assert options['redis_common_switchover_pause_ms']['default'] == pause
    assert options['redis_common_switchover_timeout']['default'] == timeout
    doc = yaml.safe_load(sw.DOCUMENTATION)['options']
    assert switchover.pause_problem(doc['pause_ms']['default'], doc['timeout']['default']) is None


# --- (d) check mode ---------------------------------------------------------------------------

def test_check_mode_reads_and_reports(site, run_module):
    result = run_module(sw.main, args(_ansible_check_mode=True))
    assert result['_rc'] == 0, result.get('msg')
    assert result['changed'] is True and result['state'] == 'check_mode'
    assert result['old_master'] == {'host': '10.0.0.1', 'port': 6379}
    assert sorted((c['host'], c['port']) for c in result['candidates']) == [TARGET, OTHER]
    assert not any(c[0] in ('CLIENT', 'REPLICAOF') for c in commands(site.old))
    assert not any(c[1] == 'FAILOVER' for s in site.sentinels for c in s.log)


def test_check_mode_validates_pause_too(site, run_module):
    result = run_module(sw.main, args(_ansible_check_mode=True, pause_ms=1000))
    assert result['_rc'] == 1 and 'pause_ms' in result['msg']


# --- pure helpers -------------------------------------------------------------------------------

def view(named, in_progress=(False, False, False), roles=None):
    roles = roles if roles is not None else {OLD: 'master', TARGET: 'slave', OTHER: 'slave'}
    return {'sentinels': [{'addr': a, 'in_progress': f, 'error': None if a else 'refused'}
                          for a, f in zip(named, in_progress)],
            'roles': dict((k, {'role': r} if r else None) for k, r in roles.items())}


@pytest.mark.parametrize('observed, outcome', [
    (view([TARGET, TARGET, OLD]), ('promoted', TARGET)),
    (view([TARGET, OLD, OLD], (False, False, False)), ('promoted', TARGET)),  # the leader switched
    (view([OLD, OLD, OLD], (True, False, False), {OLD: 'master', TARGET: 'master', OTHER: 'slave'}),
     ('promoted', TARGET)),
    (view([None, OLD, OLD], (None, False, False), {OLD: 'master', TARGET: 'master', OTHER: 'slave'}),
     ('promoted', TARGET)),
    (view([OLD, OLD, OLD]), ('aborted', OLD)),
    (view([OLD, OLD, OLD], (True, False, False)), (None, None)),
    (view([None, OLD, OLD], (None, False, False)), (None, None)),
    (view([OLD, OLD, OLD], roles={OLD: 'master', TARGET: None, OTHER: 'slave'}), (None, None)),
    (view([OLD, OLD, OLD], roles={OLD: 'master', TARGET: 'master', OTHER: 'slave'}), (None, None)),
    (view([OLD, OLD, OLD], (True, False, False), {OLD: 'master', TARGET: 'master', OTHER: 'master'}),
     (None, None)),
])
def test_classify(observed, outcome):
    assert switchover.classify(observed, OLD, 0) == outcome


def test_majority_and_catch_up_helpers():
    new = ['10.0.0.2', '6379']
    assert majority_address([new, new, None], 3) == ('10.0.0.2', 6379)
    assert majority_address([new, None, None], 3) is None
    assert majority_address([new, ['10.0.0.3', '6379'], None], 3) is None
    assert switchover.replicas_caught_up({'master_repl_offset': 5, 'slave0': {'ip': 'r', 'port': 1, 'offset': 5}})
    assert not switchover.replicas_caught_up({'master_repl_offset': 5, 'slave0': {'ip': 'r', 'port': 1, 'offset': 4}})
    assert not switchover.replicas_caught_up({'master_repl_offset': 5})
