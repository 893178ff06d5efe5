# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisError
from ansible_collections.hastack.redis.plugins.modules import redis_command, redis_info

from redis_fakes import DeadClient, FakeClient


class Scripted(FakeClient):
    def __init__(self, replies):
        super(Scripted, self).__init__()
        self.replies = replies

    def handle(self, args):
        reply = self.replies[' '.join(args).upper()]
        if isinstance(reply, Exception):
            raise reply
        return reply


def install(monkeypatch, module, client):
    monkeypatch.setattr(module, 'client_from_module', lambda m, **kw: client)
    return client


def test_command_returns_reply(monkeypatch, run_module):
    fake = install(monkeypatch, redis_command, Scripted({'PING': 'PONG'}))
    result = run_module(redis_command.main, {'command': ['PING']})
    assert result['reply'] == 'PONG' and result['changed'] is False
    assert fake.calls == [('PING',)]


def test_command_nested_errors_are_dicts(monkeypatch, run_module):
    install(monkeypatch, redis_command, Scripted({'EXEC': ['OK', RedisError('ERR x'), None]}))
    result = run_module(redis_command.main, {'command': ['EXEC'], 'changed': True})
    assert result['reply'] == ['OK', {'error': 'ERR x'}, None] and result['changed'] is True


def test_command_check_mode_changed_not_sent(monkeypatch, run_module):
    fake = install(monkeypatch, redis_command, Scripted({}))
    result = run_module(redis_command.main, {'command': ['BGSAVE'], 'changed': True, '_ansible_check_mode': True})
    assert result['reply'] is None and result['changed'] is True
    assert fake.calls == []


def test_command_check_mode_readonly_is_sent(monkeypatch, run_module):
    fake = install(monkeypatch, redis_command, Scripted({'DBSIZE': 3}))
    result = run_module(redis_command.main, {'command': ['DBSIZE'], '_ansible_check_mode': True})
    assert result['reply'] == 3 and fake.calls == [('DBSIZE',)]


def test_command_error_names_command_only(monkeypatch, run_module):
    install(monkeypatch, redis_command, Scripted({'CONFIG SET REQUIREPASS TOPSECRET': RedisError('ERR nope')}))
    result = run_module(redis_command.main, {'command': ['CONFIG', 'SET', 'requirepass', 'topsecret']})
    assert result['_rc'] == 1 and result['msg'].startswith('CONFIG failed')
    assert 'topsecret' not in result['msg']


ROLE_REPLICA = ['slave', '10.0.0.1', 6379, 'connected', 42]


def test_info_merges_sections(monkeypatch, run_module):
    fake = install(monkeypatch, redis_info, Scripted({
        'ROLE': ROLE_REPLICA,
        'INFO SERVER': '# Server\r\nredis_version:7.0.15\r\ntcp_port:6379\r\n',
        'INFO REPLICATION': '# Replication\r\nrole:slave\r\nmaster_link_status:up\r\n',
    }))
    result = run_module(redis_info.main, {'sections': ['server', 'replication']})
    assert result['reachable'] is True and result['changed'] is False
    assert result['role'] == {'role': 'slave', 'master_host': '10.0.0.1', 'master_port': 6379,
                              'state': 'connected', 'offset': 42}
    assert result['info'] == {'redis_version': '7.0.15', 'tcp_port': 6379, 'role': 'slave',
                              'master_link_status': 'up'}
    assert 'sentinel' not in result
    assert not any(c[0] == 'CONFIG' for c in fake.calls)


def test_info_unreachable(monkeypatch, run_module):
    install(monkeypatch, redis_info, DeadClient('10.0.0.5', 6379))
    result = run_module(redis_info.main, {'fail_on_unreachable': False})
    assert result['_rc'] == 0 and result['reachable'] is False and result['info'] == {}
    result = run_module(redis_info.main, {})
    assert result['_rc'] == 1 and 'Connection refused' in result['msg']


def test_info_sentinel_facts(monkeypatch, run_module):
    install(monkeypatch, redis_info, Scripted({
        'ROLE': ['sentinel', ['mymaster']],
        'INFO SENTINEL': '# Sentinel\r\nsentinel_masters:1\r\n'
                         'master0:name=mymaster,status=ok,address=10.0.0.1:6379,slaves=2,sentinels=3\r\n',
        'SENTINEL MASTER MYMASTER': ['name', 'mymaster', 'ip', '10.0.0.1', 'port', '6379', 'quorum', '2'],
        'SENTINEL GET-MASTER-ADDR-BY-NAME MYMASTER': ['10.0.0.1', '6379'],
        'SENTINEL CKQUORUM MYMASTER': RedisError('NOQUORUM 1 usable Sentinels'),
        'SENTINEL REPLICAS MYMASTER': [['name', '10.0.0.2:6379', 'ip', '10.0.0.2', 'port', '6379']],
        'SENTINEL SENTINELS MYMASTER': [],
    }))
    result = run_module(redis_info.main, {'login_port': 26379, 'sections': ['sentinel'],
                                          'sentinel_master_name': 'mymaster'})
    s = result['sentinel']
    assert s['master']['quorum'] == 2 and s['master']['ip'] == '10.0.0.1'
    assert s['master_addr'] == ['10.0.0.1', 6379]
    assert s['ckquorum'] == {'ok': False, 'message': 'NOQUORUM 1 usable Sentinels'}
    assert s['replicas'] == [{'name': '10.0.0.2:6379', 'ip': '10.0.0.2', 'port': 6379}]
    assert result['info']['master0']['slaves'] == 2


@pytest.mark.parametrize('module,args', [
    (redis_command, {'command': ['PING']}),
    (redis_info, {'sections': ['server']}),
])
def test_login_password_never_in_output(monkeypatch, run_module, module, args):
    install(monkeypatch, module, Scripted({'PING': 'PONG', 'ROLE': ['master', 0, []], 'INFO SERVER': ''}))
    result = run_module(module.main, dict(args, login_password='Very-Secret-Login-Pw'))
    assert result['_rc'] == 0
    assert 'Very-Secret-Login-Pw' not in result['_raw']
    assert result['invocation']['module_args']['login_password'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
