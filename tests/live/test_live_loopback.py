# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Integration tests against throwaway redis-server processes on 127.0.0.1.

Needs ``redis-server`` on PATH (scripts/test-deps.sh). Every process started here is
stopped by its fixture (terminate, then kill), also when a test fails.
"""

from __future__ import annotations

import secrets

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.info import parse_info, parse_role
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisAuthError,
    RedisClient,
    RedisError,
)
from ansible_collections.hastack.redis.plugins.modules import (
    redis_config,
    redis_info,
    redis_replication,
    redis_sentinel_monitor,
    redis_topology,
)

pytestmark = pytest.mark.live


@pytest.fixture
def server(start_server):
    return start_server(password='pw-' + secrets.token_hex(8))


def test_auth_set_get_info_role(server):
    with server.client() as c:
        assert c.execute('SET', 'hastack:test', 'v\r\n\x00é') == 'OK'
        assert c.execute('GET', 'hastack:test') == 'v\r\n\x00é'
        assert c.execute('GET', 'hastack:missing') is None
        assert c.execute('RPUSH', 'hastack:list', 'a', 'b', 3) == 3
        assert c.execute('LRANGE', 'hastack:list', 0, -1) == ['a', 'b', '3']
        info = parse_info(c.execute('INFO', 'server'))
        assert info['tcp_port'] == server.port
        assert isinstance(info['redis_version'], str)
        repl = parse_info(c.execute('INFO', 'replication'))
        assert repl['role'] == 'master' and repl['connected_slaves'] == 0
        assert parse_role(c.execute('ROLE')) == {'role': 'master', 'offset': repl['master_repl_offset'],
                                                 'replicas': []}
        with pytest.raises(RedisError) as exc:
            c.execute('NOSUCHCOMMAND')
        assert 'unknown command' in exc.value.message.lower()
        # connection still usable after an error reply
        assert c.execute('PING') == 'PONG'


def test_wrong_or_missing_password(server):
    with pytest.raises(RedisAuthError) as exc:
        server.client(password='wrong-' + secrets.token_hex(4)).execute('PING')
    assert 'wrong-' not in str(exc.value)
    with pytest.raises(RedisError) as exc:
        server.client(password='').execute('PING')
    assert exc.value.code == 'NOAUTH'


def test_config_reconcile_live(server):
    with server.client() as c:
        result = redis_config.reconcile(c, {'maxmemory': '64mb', 'maxmemory-policy': 'allkeys-lru',
                                            'hz': 10, 'appendonly': False},
                                        ['requirepass'], check_mode=False, rewrite=True)
        assert sorted(result['changed_keys']) == ['maxmemory', 'maxmemory-policy']
        assert c.execute('CONFIG', 'GET', 'maxmemory') == ['maxmemory', str(64 * 1024 * 1024)]
        # second run: equivalent spelling, no change
        again = redis_config.reconcile(c, {'maxmemory': 67108864, 'maxmemory-policy': 'allkeys-lru'},
                                       ['requirepass'], check_mode=False, rewrite=True)
        assert again['changed'] is False
        # immutable parameter
        imm = redis_config.reconcile(c, {'daemonize': True}, [], check_mode=False, rewrite=True)
        assert imm['restart_required'] == ['daemonize'] and imm['changed'] is False
    with open(server.conf) as f:
        text = f.read()
    assert 'maxmemory 64mb' in text or 'maxmemory 67108864' in text
    assert 'maxmemory-policy allkeys-lru' in text


def test_config_module_live_secret_not_in_output(server, run_module):
    new_masterauth = 'ma-' + secrets.token_hex(8)
    result = run_module(redis_config.main, {
        'login_port': server.port, 'login_password': server.password,
        'settings': {'masterauth': new_masterauth, 'save': ['3600 1', '300 100']},
        '_ansible_diff': True,
    })
    assert result['_rc'] == 0, result.get('msg')
    assert sorted(result['changed_keys']) == ['masterauth', 'save']
    assert new_masterauth not in result['_raw'] and server.password not in result['_raw']
    with server.client() as c:
        assert c.execute('CONFIG', 'GET', 'masterauth') == ['masterauth', new_masterauth]
    result = run_module(redis_config.main, {
        'login_port': server.port, 'login_password': server.password,
        'settings': {'masterauth': new_masterauth, 'save': '3600 1 300 100'},
    })
    assert result['changed'] is False


def test_info_module_live(server, run_module):
    result = run_module(redis_info.main, {'login_port': server.port, 'login_password': server.password,
                                          'sections': ['replication']})
    assert result['_rc'] == 0 and result['role']['role'] == 'master'
    assert result['info']['role'] == 'master'


def test_replication_sentinel_topology_live(start_server, run_module):
    password = 'pw-' + secrets.token_hex(8)
    master = start_server('m', password=password,
                          extra='masterauth "%s"\nrepl-diskless-sync-delay 0\n' % password)
    replica = start_server('r', password=password, extra='masterauth "%s"\n' % password)

    result = run_module(redis_replication.main, {
        'login_port': replica.port, 'login_password': password,
        'master_host': '127.0.0.1', 'master_port': master.port, 'wait_timeout': 30})
    assert result['_rc'] == 0, result.get('msg')
    assert result['changed'] is True
    assert result['replication']['master_link_status'] == 'up'
    with open(replica.conf) as f:
        assert 'replicaof 127.0.0.1 %d' % master.port in f.read()
    again = run_module(redis_replication.main, {
        'login_port': replica.port, 'login_password': password,
        'master_host': '127.0.0.1', 'master_port': master.port})
    assert again['changed'] is False

    sentinel = start_server('s', sentinel=True)
    args = {'login_port': sentinel.port, 'master_host': '127.0.0.1', 'master_port': master.port, 'quorum': 1,
            'settings': {'down-after-milliseconds': 5000}, 'auth_pass': password,
            'config_file': sentinel.conf}
    result = run_module(redis_sentinel_monitor.main, args)
    assert result['_rc'] == 0, result.get('msg')
    assert result['monitored_now'] is True and result['changed'] is True
    assert password not in result['_raw']
    # second run: address, settings and auth-pass (read back from the flushed config file) unchanged
    result = run_module(redis_sentinel_monitor.main, dict(args, master_port=1))
    assert result['_rc'] == 0, result.get('msg')
    assert result['changed'] is False, result['changed_keys']
    assert result['master_addr'] == ['127.0.0.1', master.port]
    result = run_module(redis_sentinel_monitor.main, dict(args, settings={'down-after-milliseconds': 6000}))
    assert result['changed_keys'] == ['down-after-milliseconds']

    result = run_module(redis_topology.main, {
        'login_password': password,
        'sentinel_password': '',  # this Sentinel has no users: no AUTH
        'nodes': [{'name': 'm', 'host': '127.0.0.1', 'port': master.port},
                  {'name': 'r', 'host': '127.0.0.1', 'port': replica.port}],
        'sentinels': [{'name': 's', 'host': '127.0.0.1', 'port': sentinel.port}],
        'bootstrap_master': 'r', 'probe': True, 'probe_timeout': 5})
    assert result['_rc'] == 0, result.get('msg')
    assert result['master']['name'] == 'm' and result['source'] == 'sentinels'
    assert result['sentinels']['s']['ckquorum_ok'] is True
    assert result['nodes']['r']['role'] == 'slave' and result['nodes']['r']['lag'] is not None
    assert isinstance(result['probe']['r'], float)
    assert password not in result['_raw']
    assert result['changed'] is False


def test_acl_reconcile_live(server):
    from ansible_collections.hastack.redis.plugins.modules import redis_acl

    users = [
        {'name': 'app', 'enabled': True, 'passwords': ['app-pw-1'], 'rules': '~* &* +@all -@admin -@dangerous -acl'},
        {'name': 'monitor', 'enabled': True, 'passwords': ['mon-pw-1'], 'rules': '-@all +ping +info +client|list'},
    ]
    with server.client() as c:
        changed, report = redis_acl.reconcile(c, users, 'config_rewrite', check_mode=False)
        assert changed == ['app', 'monitor']
        assert report['app']['passwords'] == 1 and report['app']['enabled']
        # Same definition, written differently: Redis normalises it, nothing changes.
        again = [dict(users[0], rules='~*   &*  +@all -@admin -@dangerous -acl'), users[1]]
        assert redis_acl.reconcile(c, again, 'config_rewrite', check_mode=False)[0] == []
        # No scratch user is left behind.
        assert sorted(c.execute('ACL', 'USERS')) == ['app', 'default', 'monitor']
        # Rotation: the user accepts both passwords, then only the new one.
        both = [dict(users[0], passwords=['app-pw-1', 'app-pw-2'])]
        assert redis_acl.reconcile(c, both, 'config_rewrite', check_mode=False)[0] == ['app']
    for pw in ('app-pw-1', 'app-pw-2'):
        with RedisClient('127.0.0.1', server.port, username='app', password=pw, timeout=2) as app:
            assert app.execute('SET', 'k', 'v') == 'OK'
            with pytest.raises(RedisError):
                app.execute('CONFIG', 'GET', 'maxmemory')
            with pytest.raises(RedisError):
                app.execute('FLUSHALL')
    with server.client() as c:
        assert redis_acl.reconcile(c, [dict(users[0], passwords=['app-pw-2'])], 'config_rewrite', False)[0] == ['app']
    with pytest.raises(RedisAuthError):
        RedisClient('127.0.0.1', server.port, username='app', password='app-pw-1', timeout=2).execute('PING')
    with RedisClient('127.0.0.1', server.port, username='monitor', password='mon-pw-1', timeout=2) as mon:
        assert mon.execute('PING') == 'PONG'
        with pytest.raises(RedisError):
            mon.execute('GET', 'k')
    # Persisted by CONFIG REWRITE, by hash only.
    conf = open(server.conf).read()
    assert 'user app on' in conf and 'app-pw-2' not in conf
    assert '#' + redis_acl.password_hash('app-pw-2') in conf


def test_acl_rotation_keeps_existing_then_retires(server):
    from ansible_collections.hastack.redis.plugins.modules import redis_acl

    admin = [{'name': 'admin', 'enabled': True, 'passwords': ['admin-old-1'], 'rules': '~* &* +@all'}]
    with server.client() as c:
        redis_acl.reconcile(c, admin, 'none', check_mode=False)
    # Step 1: the new password is added next to the old one.
    rotated = [dict(admin[0], passwords=['admin-new-2'])]
    with RedisClient('127.0.0.1', server.port, username='admin', password='admin-new-2', timeout=2,
                     previous_password='admin-old-1') as c:
        assert c.execute('PING') == 'PONG'  # logged in with the previous password
        # Check mode names the old password as one to retire before anything changes.
        assert redis_acl.reconcile(c, rotated, 'none', check_mode=True, keep_existing=True)[1]['admin'][
            'unlisted_passwords'] == 1
        assert redis_acl.reconcile(c, rotated, 'none', check_mode=False, keep_existing=True)[0] == ['admin']
        changed, report = redis_acl.reconcile(c, rotated, 'none', check_mode=False, keep_existing=True)
        assert changed == [] and report['admin']['passwords'] == 2 and report['admin']['unlisted_passwords'] == 1
    for pw in ('admin-old-1', 'admin-new-2'):
        with RedisClient('127.0.0.1', server.port, username='admin', password=pw, timeout=2) as c:
            assert c.execute('PING') == 'PONG'
    # Step 2: the old password is retired.
    with RedisClient('127.0.0.1', server.port, username='admin', password='admin-new-2', timeout=2) as c:
        changed, report = redis_acl.reconcile(c, rotated, 'none', check_mode=False)
        assert changed == ['admin'] and report['admin']['passwords'] == 1
        assert report['admin']['unlisted_passwords'] == 0
    with pytest.raises(RedisAuthError):
        RedisClient('127.0.0.1', server.port, username='admin', password='admin-old-1', timeout=2).execute('PING')


def test_acl_module_names_the_users_a_rotation_left_to_retire(server, run_module):
    # site.yml's last play retires passwords only for the users the module returns in retire_users
    from ansible_collections.hastack.redis.plugins.modules import redis_acl

    def acl(passwords, keep_existing, check=False):
        args = {'login_port': server.port, 'login_password': server.password, 'persist': 'none',
                'keep_existing': keep_existing, '_ansible_check_mode': check,
                'users': [{'name': 'app', 'passwords': passwords, 'rules': '~* +@all'},
                          {'name': 'monitor', 'passwords': ['mon-pw-1'], 'rules': '-@all +ping'}]}
        result = run_module(redis_acl.main, args)
        assert result['_rc'] == 0, result.get('msg')
        assert 'app-old-1' not in result['_raw'] and 'app-new-2' not in result['_raw']
        return result

    assert acl(['app-old-1'], keep_existing=False)['retire_users'] == []
    assert acl(['app-new-2'], keep_existing=True, check=True)['retire_users'] == ['app']
    rotated = acl(['app-new-2'], keep_existing=True)
    assert rotated['changed_users'] == ['app'] and rotated['retire_users'] == ['app']
    assert rotated['users']['app']['passwords'] == 2 and rotated['users']['monitor']['unlisted_passwords'] == 0
    retired = acl(['app-new-2'], keep_existing=False)
    assert retired['changed_users'] == ['app'] and retired['retire_users'] == []
    assert acl(['app-new-2'], keep_existing=True)['retire_users'] == []
