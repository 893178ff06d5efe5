# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisError
from ansible_collections.hastack.redis.plugins.module_utils.views import run_probe
from ansible_collections.hastack.redis.plugins.modules import redis_topology as mod

from redis_fakes import DeadClient, FakeClient

NODES = [{'name': 'n1', 'host': '10.0.0.1'}, {'name': 'n2', 'host': '10.0.0.2'}, {'name': 'n3', 'host': '10.0.0.3'}]
SENTINELS = [{'name': 's1', 'host': '10.0.0.1'}, {'name': 's2', 'host': '10.0.0.2'},
             {'name': 's3', 'host': '10.0.0.3'}]
NODE_PW = 'Node-Pw-123456'
SENTINEL_PW = 'Sentinel-Pw-654321'


class Store(object):
    """Key space shared by a master and its replicas, with replication delay in GET calls."""

    def __init__(self, delay_gets=0):
        self.master_data = {}
        self.delay_gets = delay_gets
        self.gets = {}


class FakeNode(FakeClient):
    def __init__(self, host, role, info, store=None, delay_gets=0, keys=0):
        super(FakeNode, self).__init__(host, 6379)
        self.role = role
        self.info = info
        self.keys = keys
        self.store = store
        self.delay_gets = delay_gets
        self.get_count = 0

    def handle(self, args):
        cmd = args[0].upper()
        if cmd == 'ROLE':
            return self.role
        if cmd == 'INFO' and args[1:] == ('keyspace',):
            return '# Keyspace\r\n' + ('db0:keys=%d,expires=0,avg_ttl=0\r\n' % self.keys if self.keys else '')
        if cmd == 'INFO':
            return self.info
        if cmd == 'SET':
            if self.role[0] != 'master':
                raise RedisError("READONLY You can't write against a read only replica.")
            self.store.master_data[args[1]] = args[2]
            return 'OK'
        if cmd == 'GET':
            self.get_count += 1
            if self.get_count <= self.delay_gets:
                return None
            return self.store.master_data.get(args[1])
        raise RedisError('ERR unknown command')


class FakeSentinelView(FakeClient):
    def __init__(self, host, addr, quorum=2, ckquorum_ok=True, no_such_master=False, link_users=None):
        super(FakeSentinelView, self).__init__(host, 26379)
        self.link_users = link_users or ['sentinel-peer', 'sentinel-peer']
        self.addr = addr
        self.quorum = quorum
        self.ckquorum_ok = ckquorum_ok
        self.no_such_master = no_such_master

    def handle(self, args):
        sub = args[1].upper()
        if args[0].upper() == 'CLIENT' and sub == 'LIST':
            lines = ['id=%d addr=10.0.0.9:4%d laddr=%s:26379 fd=12 name=sentinel-%08x-cmd age=9 flags=N db=0 '
                     'cmd=ping user=%s redir=-1 resp=2' % (i, i, self.host, i, user)
                     for i, user in enumerate(self.link_users)]
            lines.append('id=99 addr=10.0.0.9:5 laddr=%s:26379 fd=14 name= age=0 flags=N db=0 cmd=client|list '
                         'user=admin redir=-1 resp=2' % self.host)
            return '\n'.join(lines) + '\n'
        if self.no_such_master:
            if sub == 'GET-MASTER-ADDR-BY-NAME':
                return None
            raise RedisError('ERR No such master with that name')
        if sub == 'GET-MASTER-ADDR-BY-NAME':
            return [self.addr[0], str(self.addr[1])]
        if sub == 'MASTER':
            return ['name', 'mymaster', 'ip', self.addr[0], 'port', str(self.addr[1]), 'flags', 'master',
                    'num-slaves', '2', 'num-other-sentinels', '2', 'config-epoch', '7', 'quorum', str(self.quorum)]
        if sub == 'CKQUORUM':
            if self.ckquorum_ok:
                return 'OK 3 usable Sentinels. Quorum and failover authorization can be reached'
            raise RedisError('NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the quorum')
        raise RedisError('ERR unknown subcommand')


def master_info(replicas):
    lines = ['# Replication', 'role:master', 'connected_slaves:%d' % len(replicas)]
    for i, (ip, offset, lag) in enumerate(replicas):
        lines.append('slave%d:ip=%s,port=6379,state=online,offset=%d,lag=%d' % (i, ip, offset, lag))
    lines.append('master_repl_offset:1000')
    return '\r\n'.join(lines) + '\r\n'


def replica_info(master_ip, link='up', offset=990):
    return ('# Replication\r\nrole:slave\r\nmaster_host:%s\r\nmaster_port:6379\r\nmaster_link_status:%s\r\n'
            'master_sync_in_progress:0\r\nslave_repl_offset:%d\r\nconnected_slaves:0\r\nmaster_repl_offset:%d\r\n'
            % (master_ip, link, offset, offset))


def healthy(store=None, delays=(0, 0)):
    store = store or Store()
    return {
        ('node', '10.0.0.1'): lambda: FakeNode('10.0.0.1', ['slave', '10.0.0.2', 6379, 'connected', 990],
                                               replica_info('10.0.0.2'), store, delay_gets=delays[0]),
        ('node', '10.0.0.2'): lambda: FakeNode('10.0.0.2', ['master', 1000, []],
                                               master_info([('10.0.0.1', 990, 0), ('10.0.0.3', 900, 1)]), store),
        ('node', '10.0.0.3'): lambda: FakeNode('10.0.0.3', ['slave', '10.0.0.2', 6379, 'connected', 900],
                                               replica_info('10.0.0.2', offset=900), store, delay_gets=delays[1]),
        ('sentinel', '10.0.0.1'): lambda: FakeSentinelView('10.0.0.1', ('10.0.0.2', 6379)),
        ('sentinel', '10.0.0.2'): lambda: FakeSentinelView('10.0.0.2', ('10.0.0.2', 6379)),
        ('sentinel', '10.0.0.3'): lambda: FakeSentinelView('10.0.0.3', ('10.0.0.2', 6379)),
    }


@pytest.fixture
def cluster(monkeypatch):
    state = {'made': []}

    def install(factories):
        def client_from_module(module, host=None, port=None, username=None, password=None,
                               use_login_credentials=True, previous_password=None):
            kind = 'node' if use_login_credentials else 'sentinel'
            state['made'].append({'kind': kind, 'host': host, 'port': port, 'username': username,
                                  'password': password if not use_login_credentials else
                                  module.params['login_password'],
                                  'previous': previous_password})
            factory = factories.get((kind, host))
            return factory() if factory else DeadClient(host, port)

        monkeypatch.setattr(mod, 'client_from_module', client_from_module)
        return state

    return install


def run(run_module, **args):
    base = {'nodes': NODES, 'sentinels': SENTINELS, 'bootstrap_master': 'n1',
            'login_password': NODE_PW, 'sentinel_password': SENTINEL_PW}
    base.update(args)
    return run_module(mod.main, base)


def test_healthy_cluster(cluster, run_module):
    state = cluster(healthy())
    result = run(run_module)
    assert result['_rc'] == 0
    assert result['changed'] is False
    assert result['master'] == {'name': 'n2', 'host': '10.0.0.2', 'port': 6379}
    assert result['source'] == 'sentinels' and result['ambiguous'] is False
    assert result['nodes']['n1']['role'] == 'slave' and result['nodes']['n1']['master_link_status'] == 'up'
    assert result['nodes']['n3']['lag'] == 1 and result['nodes']['n3']['offset_behind'] == 100
    assert result['nodes']['n2']['connected_slaves'] == 2
    s1 = result['sentinels']['s1']
    assert s1['master_addr'] == ['10.0.0.2', 6379] and s1['quorum'] == 2 and s1['config_epoch'] == 7
    assert s1['ckquorum_ok'] is True and s1['num_other_sentinels'] == 2 and s1['flags'] == 'master'
    assert result['probe'] == {}
    # credentials: sentinels get the sentinel password, nodes the node password
    for made in state['made']:
        assert made['password'] == (SENTINEL_PW if made['kind'] == 'sentinel' else NODE_PW)
        if made['kind'] == 'sentinel':
            assert made['port'] == 26379
    assert NODE_PW not in result['_raw'] and SENTINEL_PW not in result['_raw']


def test_sentinels_get_the_login_credentials_by_default(cluster, run_module):
    state = cluster(healthy())
    result = run_module(mod.main, {'nodes': NODES, 'sentinels': SENTINELS, 'bootstrap_master': 'n1',
                                   'login_user': 'admin', 'login_password': NODE_PW,
                                   'login_password_previous': 'Old-Admin-Pw-0001'})
    assert result['_rc'] == 0, result.get('msg')
    sentinels = [m for m in state['made'] if m['kind'] == 'sentinel']
    assert sentinels and all(m['username'] == 'admin' and m['password'] == NODE_PW
                             and m['previous'] == 'Old-Admin-Pw-0001' for m in sentinels)
    assert 'Old-Admin-Pw-0001' not in result['_raw']


def test_empty_sentinel_password_means_no_auth(cluster, run_module):
    state = cluster(healthy())
    result = run(run_module, login_user='admin', sentinel_password='')
    assert result['_rc'] == 0, result.get('msg')
    sentinels = [m for m in state['made'] if m['kind'] == 'sentinel']
    assert sentinels and all(m['password'] is None and m['previous'] is None for m in sentinels)


def test_unreachable_and_no_such_master_sentinels(cluster, run_module):
    f = healthy()
    f[('sentinel', '10.0.0.1')] = lambda: FakeSentinelView('10.0.0.1', None, no_such_master=True)
    del f[('sentinel', '10.0.0.3')]
    cluster(f)
    result = run(run_module)
    s1, s3 = result['sentinels']['s1'], result['sentinels']['s3']
    assert s1['reachable'] is True and s1['master_addr'] is None
    assert s3['reachable'] is False and 'Connection refused' in s3['error']
    # only s2 knows the master: minority, but it agrees with the nodes
    assert result['master']['name'] == 'n2' and result['source'] == 'nodes'


def test_ambiguous_fails_with_listing_and_runbook(cluster, run_module):
    f = healthy()
    f[('sentinel', '10.0.0.1')] = lambda: FakeSentinelView('10.0.0.1', ('10.0.0.1', 6379), ckquorum_ok=False)
    del f[('sentinel', '10.0.0.3')]
    cluster(f)
    result = run(run_module)
    assert result['_rc'] == 1 and result['failed'] is True
    msg = result['msg']
    assert msg.startswith('Sentinels disagree: s1 says n1 (10.0.0.1:6379), s2 says n2 (10.0.0.2:6379)')
    assert 'Nodes: n1 (10.0.0.1:6379): replica of 10.0.0.2:6379, link up' in msg
    assert 's3 (10.0.0.3:26379): unreachable' in msg
    assert 'ckquorum FAILED' in msg
    assert msg.endswith("Nothing was changed. See the runbook section 'Ambiguous topology' in the collection README.")
    assert result['ambiguous'] is True and result['master'] is None
    assert result['changed'] is False


def test_ambiguous_without_failing(cluster, run_module):
    f = healthy()
    f[('sentinel', '10.0.0.1')] = lambda: FakeSentinelView('10.0.0.1', ('10.0.0.1', 6379))
    del f[('sentinel', '10.0.0.3')]
    cluster(f)
    result = run(run_module, fail_on_ambiguous=False)
    assert result['_rc'] == 0 and result['ambiguous'] is True and result['master'] is None


def test_nothing_answers_is_not_a_new_site(cluster, run_module):
    cluster({})
    result = run(run_module)
    assert result['_rc'] == 1 and result['master'] is None and result['ambiguous'] is True
    assert 'every data node must answer' in result['msg']
    assert all(not v['reachable'] and v['error_kind'] == 'connect' for v in result['nodes'].values())
    # a dry run of a site not installed yet goes on with the bootstrap master (nothing acts on it)
    result = run(run_module, _ansible_check_mode=True)
    assert result['_rc'] == 0 and result['source'] == 'bootstrap'
    assert result['master'] == {'name': 'n1', 'host': '10.0.0.1', 'port': 6379}


def empty_masters(keys=(0, 0, 0)):
    return dict((('node', '10.0.0.%d' % i), (lambda i=i: FakeNode('10.0.0.%d' % i, ['master', 0, []],
                                                                   master_info([]), Store(), keys=keys[i - 1])))
                for i in (1, 2, 3))


def test_brand_new_site(cluster, run_module):
    f = empty_masters()
    for i in (1, 2, 3):
        f[('sentinel', '10.0.0.%d' % i)] = (lambda i=i: FakeSentinelView('10.0.0.%d' % i, None, no_such_master=True))
    cluster(f)
    result = run(run_module)
    assert result['_rc'] == 0, result.get('msg')
    assert result['master'] == {'name': 'n1', 'host': '10.0.0.1', 'port': 6379}
    assert result['source'] == 'bootstrap' and result['nodes']['n2']['keys'] == 0


def test_node_with_data_keeps_the_bootstrap_master_from_being_chosen(cluster, run_module):
    cluster(empty_masters(keys=(0, 1000, 0)))
    result = run(run_module)
    assert result['_rc'] == 1 and result['master'] is None
    assert result['nodes']['n2']['keys'] == 1000
    assert 'n2 holds 1000 keys' in result['msg'] and 'not provably new' in result['msg']
    assert result['problems'][0].startswith('no master could be decided: ')


class TLSFailingClient(FakeClient):
    def handle(self, args):
        from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisTLSError
        raise RedisTLSError('TLS handshake with %s failed: certificate verify failed: certificate has expired'
                            % self.address)


def test_tls_handshake_failures_are_their_own_state(cluster, run_module):
    f = dict((('node', '10.0.0.%d' % i), (lambda i=i: TLSFailingClient('10.0.0.%d' % i, 6379))) for i in (1, 2, 3))
    f.update((('sentinel', '10.0.0.%d' % i), (lambda i=i: TLSFailingClient('10.0.0.%d' % i, 26379)))
             for i in (1, 2, 3))
    cluster(f)
    for check_mode in (False, True):
        result = run(run_module, _ansible_check_mode=check_mode)
        assert result['_rc'] == 1 and result['master'] is None, check_mode
        assert result['nodes']['n1']['error_kind'] == 'tls' and result['sentinels']['s1']['error_kind'] == 'tls'
        assert 'TLS handshake failed' in result['msg'] and 'certificate has expired' in result['msg']
        assert 'check the certificates' in result['msg']


def test_wait_for_decided_waits_out_a_transient_state(cluster, run_module, monkeypatch):
    readings = {'n': 0}
    f = healthy()

    def sentinel(host):
        readings['n'] += 1
        # the first three readings (one per Sentinel): s1 still flags the master down
        flags = 'master,s_down' if readings['n'] == 1 else 'master'
        view = FakeSentinelView(host, ('10.0.0.2', 6379))
        original = view.handle

        def handle(args):
            reply = original(args)
            if args[1].upper() == 'MASTER':
                reply[reply.index('flags') + 1] = flags
            return reply
        view.handle = handle
        return view
    for i in (1, 2, 3):
        f[('sentinel', '10.0.0.%d' % i)] = (lambda i=i: sentinel('10.0.0.%d' % i))
    cluster(f)
    result = run(run_module, fail_on_ambiguous=True, poll_interval=0.01, wait_timeout=5)
    assert result['_rc'] == 1 and 's_down' in result['msg']
    # a failed run still carries the status table of what it read
    assert result['report'][0].split() == ['NODE', 'ROLE', 'ADDRESS', 'LINK', 'LAG', 'OFFSET', 'PROBE']
    readings['n'] = 0
    result = run(run_module, wait_for='decided', poll_interval=0.01, wait_timeout=5)
    assert result['_rc'] == 0, result.get('msg')
    assert result['master']['name'] == 'n2' and result['condition_met_at'] is not None


def test_wait_for_decided_stops_at_once_when_waiting_cannot_help(cluster, run_module):
    f = empty_masters()
    f[('node', '10.0.0.1')] = lambda: FakeNode('10.0.0.1', ['master', 0, []], master_info([('10.0.0.3', 5, 0)]))
    f[('node', '10.0.0.2')] = lambda: FakeNode('10.0.0.2', ['master', 0, []], master_info([('10.0.0.3', 5, 0)]))
    cluster(f)
    result = run(run_module, wait_for='decided', poll_interval=0.01, wait_timeout=30)
    assert result['_rc'] == 1 and result['retry'] is False
    assert 'two or more masters have replicas' in result['msg'] and 'waiting would not change it' in result['msg']
    assert result['waited_s'] < 5


def test_bootstrap_must_be_a_node(cluster, run_module):
    cluster(healthy())
    result = run(run_module, bootstrap_master='nX')
    assert result['_rc'] == 1 and 'nX' in result['msg']


def test_probe_measures_visibility(cluster, run_module):
    store = Store()
    cluster(healthy(store, delays=(0, 2)))
    result = run(run_module, probe=True, probe_timeout=2.0)
    assert result['_rc'] == 0 and result['changed'] is False
    assert set(result['probe']) == {'n1', 'n3'}
    assert isinstance(result['probe']['n1'], float) and isinstance(result['probe']['n3'], float)
    assert list(store.master_data) == ['hastack:health:probe']
    assert store.master_data['hastack:health:probe'].startswith('hastack-')


def test_probe_never_visible_gives_none(cluster, run_module):
    store = Store()
    cluster(healthy(store, delays=(0, 10 ** 9)))
    result = run(run_module, probe=True, probe_timeout=0.05)
    assert isinstance(result['probe']['n1'], float)
    assert result['probe']['n3'] is None


def test_probe_sends_set_with_px(cluster):
    master = FakeNode('10.0.0.2', ['master', 0, []], '', Store())
    replica = FakeNode('10.0.0.1', ['slave'], '', master.store)
    result = run_probe(master, {'n1': replica}, 1.0, token='tok')
    assert master.calls == [('SET', 'hastack:health:probe', 'tok', 'PX', '60000')]
    assert result == {'n1': result['n1']} and result['n1'] is not None


def test_probe_skipped_in_check_mode(cluster, run_module):
    store = Store()
    cluster(healthy(store))
    result = run(run_module, probe=True, _ansible_check_mode=True)
    assert result['probe'] == {} and store.master_data == {}


def test_peer_links_checked_when_asked(cluster, run_module):
    factories = healthy()
    factories[('sentinel', '10.0.0.3')] = lambda: FakeSentinelView('10.0.0.3', ('10.0.0.2', 6379),
                                                                   link_users=['sentinel-peer', 'default'])
    cluster(factories)
    result = run(run_module, sentinel_peer_user='sentinel-peer')
    assert result['_rc'] == 0, result.get('msg')
    assert result['sentinels']['s1']['peer_links'] == {'sentinel-00000000': 'sentinel-peer',
                                                       'sentinel-00000001': 'sentinel-peer'}
    assert result['healthy'] is False
    assert result['problems'] == [
        'Sentinel s3: the link from sentinel-00000001 is logged in as default, not sentinel-peer, so that Sentinel '
        'cannot vote; check its sentinel-user/sentinel-pass (redis_sentinel_peer_password)']
    # not asked: CLIENT LIST is not sent
    cluster(healthy())
    result = run(run_module)
    assert result['healthy'] is True and result['sentinels']['s1']['peer_links'] is None


def test_report_is_the_status_table_of_the_reading(cluster, run_module):
    cluster(healthy(Store(), delays=(0, 2)))
    result = run(run_module, probe=True, probe_timeout=2.0)
    assert result['_rc'] == 0
    report = result['report']
    assert len(report) == 2 + len(result['nodes']) + len(result['sentinels'])
    rows = dict((line.split()[0], line.split()) for line in report)
    assert rows['n2'][1:3] == ['master', '10.0.0.2:6379']
    assert rows['n1'][1] == 'slave' and rows['n1'][3] == 'up' and rows['n1'][-1] == 'ms'
    assert rows['s1'][1] == '10.0.0.2:6379' and 'OK' in rows['s1']
