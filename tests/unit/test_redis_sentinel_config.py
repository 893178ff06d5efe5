# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisError
from ansible_collections.hastack.redis.plugins.modules import redis_sentinel_config as mod

from redis_fakes import FakeClient

PEER = 'Peer-Pass-S3cret-0001'


class FakeSentinelConfig(FakeClient):
    """SENTINEL CONFIG GET/SET and FLUSHCONFIG over a dict, as Redis 7.0 answers them."""

    def __init__(self, config=None, reject=None):
        super(FakeSentinelConfig, self).__init__(port=26379)
        self.config = {'resolve-hostnames': 'no', 'announce-hostnames': 'no', 'announce-ip': '',
                       'announce-port': '0', 'sentinel-user': '', 'sentinel-pass': ''}
        self.config.update(config or {})
        self.reject = reject or {}
        self.flushes = 0

    def handle(self, args):
        words = tuple(a.upper() for a in args[:3])
        if words == ('SENTINEL', 'CONFIG', 'GET'):
            key = args[3]
            return [key, self.config[key]] if key in self.config else []
        if words == ('SENTINEL', 'CONFIG', 'SET'):
            key, value = args[3], args[4]
            if key in self.reject:
                raise RedisError(self.reject[key] % value)
            self.config[key] = value
            return 'OK'
        if words[:2] == ('SENTINEL', 'FLUSHCONFIG'):
            self.flushes += 1
            return 'OK'
        raise RedisError('ERR unknown command %r' % (args[0],))


@pytest.fixture
def sentinel(monkeypatch):
    def install(**kw):
        fake = FakeSentinelConfig(**kw)
        monkeypatch.setattr(mod, 'client_from_module', lambda module, **k: fake)
        return fake

    return install


def test_sets_what_differs_and_flushes(sentinel, run_module):
    fake = sentinel()
    result = run_module(mod.main, {'settings': {'sentinel-user': 'sentinel-peer'},
                                   'secret_settings': {'sentinel-pass': PEER}})
    assert result['_rc'] == 0, result.get('msg')
    assert result['changed'] is True
    assert result['changed_keys'] == ['sentinel-pass', 'sentinel-user']
    assert fake.config['sentinel-user'] == 'sentinel-peer' and fake.config['sentinel-pass'] == PEER
    assert fake.flushes == 1
    assert PEER not in result['_raw']


def test_second_run_changes_nothing(sentinel, run_module):
    fake = sentinel(config={'sentinel-user': 'sentinel-peer', 'sentinel-pass': PEER, 'resolve-hostnames': 'yes'})
    result = run_module(mod.main, {'settings': {'sentinel-user': 'sentinel-peer', 'resolve-hostnames': True},
                                   'secret_settings': {'sentinel-pass': PEER}})
    assert result['changed'] is False and result['changed_keys'] == []
    assert fake.commands('SENTINEL', 'CONFIG', 'SET') == [] and fake.flushes == 0


def test_rotation_changes_only_the_password(sentinel, run_module):
    fake = sentinel(config={'sentinel-user': 'sentinel-peer', 'sentinel-pass': 'old-peer-password-1'})
    result = run_module(mod.main, {'settings': {'sentinel-user': 'sentinel-peer'},
                                   'secret_settings': {'sentinel-pass': PEER}})
    assert result['changed_keys'] == ['sentinel-pass']
    assert fake.commands('SENTINEL', 'CONFIG', 'SET') == [('SENTINEL', 'CONFIG', 'SET', 'sentinel-pass', PEER)]
    assert 'old-peer-password-1' not in result['_raw'] and PEER not in result['_raw']


def test_check_mode_sets_nothing(sentinel, run_module):
    fake = sentinel()
    result = run_module(mod.main, {'secret_settings': {'sentinel-pass': PEER}, '_ansible_check_mode': True})
    assert result['changed'] is True and result['changed_keys'] == ['sentinel-pass']
    assert fake.commands('SENTINEL', 'CONFIG', 'SET') == [] and fake.flushes == 0
    assert fake.config['sentinel-pass'] == ''


def test_unknown_setting_is_a_clear_error(sentinel, run_module):
    sentinel()
    result = run_module(mod.main, {'settings': {'sentinel-usr': 'x'}})
    assert result['_rc'] == 1
    assert 'has no global setting sentinel-usr' in result['msg']


def test_refused_secret_is_not_echoed(sentinel, run_module):
    sentinel(reject={'sentinel-pass': "ERR Invalid value '%s'"})
    result = run_module(mod.main, {'secret_settings': {'sentinel-pass': PEER}})
    assert result['_rc'] == 1
    assert 'SENTINEL CONFIG SET sentinel-pass failed' in result['msg']
    assert PEER not in result['_raw']


def test_same_key_in_both_refused(sentinel, run_module):
    fake = sentinel()
    result = run_module(mod.main, {'settings': {'sentinel-pass': 'x'}, 'secret_settings': {'Sentinel-Pass': PEER}})
    assert result['_rc'] == 1 and 'both set sentinel-pass' in result['msg']
    assert fake.calls == []


def test_default_login_port_is_sentinel_port(monkeypatch, run_module):
    seen = {}

    def factory(module, **kw):
        seen['port'] = module.params['login_port']
        return FakeSentinelConfig()

    monkeypatch.setattr(mod, 'client_from_module', factory)
    run_module(mod.main, {'settings': {}})
    assert seen['port'] == 26379
