# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.modules import redis_replication as mod

from redis_fakes import FakeReplica

SYNCED = 'role:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:up\r\n' \
         'master_last_io_seconds_ago:1\r\nmaster_sync_in_progress:0\r\nslave_repl_offset:100\r\n'
SYNCING = 'role:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\n' \
          'master_last_io_seconds_ago:-1\r\nmaster_sync_in_progress:1\r\n'
MASTER_INFO = 'role:master\r\nconnected_slaves:0\r\nmaster_repl_offset:0\r\n'


class FakeClock(object):
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Node(FakeReplica):
    """A data node whose INFO keyspace answer is separate from the scripted INFO replication replies."""

    def __init__(self, role, infos, keys=0):
        super(Node, self).__init__(role, infos)
        self.keys = keys

    def handle(self, args):
        if args[0].upper() == 'INFO' and args[1:] == ('keyspace',):
            return '# Keyspace\r\n' + ('db0:keys=%d,expires=0,avg_ttl=0\r\n' % self.keys if self.keys else '')
        return super(Node, self).handle(args)


@pytest.fixture
def node(monkeypatch):
    """The node under test; the master it is pointed at (``master_host``) answers ROLE as ``target_role``."""
    state = {}

    def install(role, infos, keys=0, target_role=('master', 0, [])):
        fake = Node(role, infos, keys=keys)
        state['target'] = Node(list(target_role), [])

        def client_from_module(module, host=None, port=None, **kw):
            return state['target'] if host is not None else fake
        monkeypatch.setattr(mod, 'client_from_module', client_from_module)
        return fake

    install.state = state
    return install


@pytest.fixture
def clock(monkeypatch):
    c = FakeClock()
    monkeypatch.setattr(mod, '_monotonic', c)
    monkeypatch.setattr(mod, '_sleep', c.sleep)
    return c


def run(run_module, **args):
    base = {'master_host': '10.0.0.1', 'login_host': '10.0.0.2'}
    base.update(args)
    return run_module(mod.main, base)


def test_already_replicating_is_unchanged(node, clock, run_module):
    fake = node(['slave', '10.0.0.1', 6379, 'connected', 100], [SYNCED])
    result = run(run_module)
    assert result['_rc'] == 0 and result['changed'] is False
    assert fake.commands('REPLICAOF') == [] and fake.commands('CONFIG', 'REWRITE') == []
    assert result['replication']['master_link_status'] == 'up'


def test_master_becomes_replica_and_rewrites(node, clock, run_module):
    fake = node(['master', 0, []], [SYNCING, SYNCING, SYNCED])
    result = run(run_module, master_port=6379)
    assert result['_rc'] == 0 and result['changed'] is True
    assert fake.commands('REPLICAOF') == [('REPLICAOF', '10.0.0.1', '6379')]
    idx_replicaof = fake.calls.index(('REPLICAOF', '10.0.0.1', '6379'))
    assert fake.calls[idx_replicaof + 1] == ('CONFIG', 'REWRITE')
    assert fake.info_calls == 3
    assert clock.sleeps == [0.5, 0.5]
    assert result['replication']['master_sync_in_progress'] == 0


def test_replica_of_other_master_is_repointed(node, clock, run_module):
    fake = node(['slave', '10.0.0.3', 6379, 'connected', 5], [SYNCED])
    result = run(run_module)
    assert result['changed'] is True
    assert fake.commands('REPLICAOF') == [('REPLICAOF', '10.0.0.1', '6379')]


def test_same_host_other_port_is_not_the_same_master(node, clock, run_module):
    fake = node(['slave', '10.0.0.1', 6380, 'connected', 5], [SYNCED])
    result = run(run_module)
    assert result['changed'] is True and fake.commands('REPLICAOF')


def test_timeout_message(node, clock, run_module):
    node(['master', 0, []], [SYNCING])
    result = run(run_module, wait_timeout=3)
    assert result['_rc'] == 1 and result['failed'] is True
    assert result['msg'] == (
        'replica 10.0.0.2:6379 did not finish its initial sync from 10.0.0.1:6379 within 3 s '
        '(master_link_status=down, master_sync_in_progress=1, master_last_io_seconds_ago=-1): '
        "check masterauth, the network path and the master's log")
    assert result['changed'] is True
    assert len(clock.sleeps) == 6  # polled every 0.5 s for 3 s


def test_wait_timeout_zero_does_not_wait(node, clock, run_module):
    fake = node(['master', 0, []], [SYNCING])
    result = run(run_module, wait_timeout=0)
    assert result['_rc'] == 0 and result['changed'] is True
    assert clock.sleeps == [] and fake.info_calls == 1


def test_check_mode_does_not_send_replicaof(node, clock, run_module):
    fake = node(['master', 0, []], [MASTER_INFO])
    result = run(run_module, _ansible_check_mode=True)
    assert result['changed'] is True
    assert fake.commands('REPLICAOF') == [] and fake.commands('CONFIG') == []
    assert clock.sleeps == []


def test_refuses_to_replicate_from_itself(node, clock, run_module):
    fake = node(['master', 0, []], [MASTER_INFO])
    result = run(run_module, master_host='10.0.0.2', login_port=6379, master_port=6379)
    assert result['_rc'] == 1 and 'itself' in result['msg']
    assert fake.calls == []


def test_timeout_when_already_configured_reports_unchanged(node, clock, run_module):
    fake = node(['slave', '10.0.0.1', 6379, 'connect', -1], [SYNCING])
    result = run(run_module, wait_timeout=1)
    assert result['_rc'] == 1 and 'did not finish its initial sync' in result['msg']
    assert result['changed'] is False
    assert fake.commands('REPLICAOF') == []


# --- guards right before REPLICAOF (review: replicas pointed at an empty master, a dead master) ---------

def test_refuses_to_demote_a_master_holding_keys(node, clock, run_module):
    fake = node(['master', 0, []], [MASTER_INFO], keys=1000)
    for check_mode in (False, True):
        result = run(run_module, _ansible_check_mode=check_mode)
        assert result['_rc'] == 1 and 'master holding 1000 keys' in result['msg']
        assert 'Nothing was changed' in result['msg']
    assert fake.commands('REPLICAOF') == [] and fake.commands('CONFIG') == []


def test_refuses_to_demote_a_master_with_replicas(node, clock, run_module):
    fake = node(['master', 100, [['10.0.0.3', '6379', '100']]], [MASTER_INFO])
    result = run(run_module)
    assert result['_rc'] == 1 and 'master with 1 replica(s) attached' in result['msg']
    assert fake.commands('REPLICAOF') == []


def test_refuses_a_target_that_is_not_a_master(node, clock, run_module):
    fake = node(['slave', '10.0.0.3', 6379, 'connected', 5], [SYNCED], target_role=('slave', '10.0.0.3', 6379,
                                                                                     'connected', 5))
    result = run(run_module)
    assert result['_rc'] == 1 and 'reports role slave, not master' in result['msg']
    assert fake.commands('REPLICAOF') == []


def test_refuses_a_target_that_does_not_answer(node, clock, run_module):
    from redis_fakes import DeadClient
    fake = node(['master', 0, []], [MASTER_INFO])
    node.state['target'] = DeadClient('10.0.0.1', 6379)
    result = run(run_module)
    assert result['_rc'] == 1 and 'does not answer from here' in result['msg']
    assert fake.commands('REPLICAOF') == []


def test_an_empty_master_is_demoted(node, clock, run_module):
    fake = node(['master', 0, []], [SYNCED], keys=0)
    result = run(run_module)
    assert result['_rc'] == 0 and fake.commands('REPLICAOF') == [('REPLICAOF', '10.0.0.1', '6379')]


class TxNode(Node):
    """A replica that queues commands between MULTI and EXEC, as Redis does."""

    def __init__(self, role, infos):
        super(TxNode, self).__init__(role, infos)
        self.queue = None

    def handle(self, args):
        cmd = args[0].upper()
        if cmd == 'MULTI':
            self.queue = []
            return 'OK'
        if cmd == 'EXEC':
            queued, self.queue = self.queue, None
            return [super(TxNode, self).handle(a) for a in queued]
        if self.queue is not None:
            self.queue.append(args)
            return 'QUEUED'
        return super(TxNode, self).handle(args)


@pytest.fixture
def tx_node(monkeypatch):
    def install(role, infos):
        fake = TxNode(role, infos)
        monkeypatch.setattr(mod, 'client_from_module',
                            lambda module, host=None, port=None, **kw: Node(['master', 0, []], []) if host else fake)
        return fake
    return install


def test_resync_sends_both_replicaofs_in_one_transaction(tx_node, clock, run_module):
    fake = tx_node(['slave', '10.0.0.1', 6379, 'connected', 100], [SYNCING, SYNCED])
    result = run(run_module, resync=True)
    assert result['_rc'] == 0 and result['changed'] is True and result['resynced'] is True
    sent = [c for c in fake.calls if c[0] in ('MULTI', 'REPLICAOF', 'EXEC', 'DISCARD')]
    assert sent == [('MULTI',), ('REPLICAOF', 'NO', 'ONE'), ('REPLICAOF', '10.0.0.1', '6379'), ('EXEC',)]
    # the same master: no CONFIG REWRITE needed, and the module waited for the sync
    assert fake.commands('CONFIG', 'REWRITE') == []
    assert result['replication']['master_link_status'] == 'up' and clock.sleeps == [0.5]


@pytest.mark.parametrize('role, seen', [
    (['slave', '10.0.0.3', 6379, 'connected', 5], 'ROLE says slave of 10.0.0.3:6379'),
    (['master', 0, []], 'ROLE says master'),
])
def test_resync_refused_unless_a_replica_of_that_master(tx_node, clock, run_module, role, seen):
    fake = tx_node(role, [SYNCED])
    result = run(run_module, resync=True)
    assert result['_rc'] == 1 and result.get('changed', False) is False
    assert result['msg'].startswith('refusing to resync 10.0.0.2:6379 from 10.0.0.1:6379: it is not a replica')
    assert seen in result['msg']
    assert [c for c in fake.calls if c[0] in ('MULTI', 'REPLICAOF')] == []


def test_resync_check_mode_sends_nothing(tx_node, clock, run_module):
    fake = tx_node(['slave', '10.0.0.1', 6379, 'connected', 100], [SYNCED])
    result = run(run_module, resync=True, _ansible_check_mode=True)
    assert result['_rc'] == 0 and result['changed'] is True and result['resynced'] is False
    assert [c for c in fake.calls if c[0] in ('MULTI', 'REPLICAOF', 'EXEC')] == []
