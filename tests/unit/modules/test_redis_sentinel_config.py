# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import re

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisError
from ansible_collections.hastack.redis.plugins.modules import redis_sentinel_config as mod

from ansible_results import warnings_of
from redis_fakes import FakeClient

PEER = 'Peer-Pass-S3cret-0001'


class FakeSentinelConfig(FakeClient):
    """SENTINEL CONFIG GET/SET and FLUSHCONFIG over a dict, as Redis 7.0 answers them."""

    def __init__(self, config=None, reject=None, config_file=None):
        super(FakeSentinelConfig, self).__init__(port=26379)
        self.config = {'resolve-hostnames': 'no', 'announce-hostnames': 'no', 'announce-ip': '',
                       'announce-port': '0', 'sentinel-user': '', 'sentinel-pass': ''}
        self.config.update(config or {})
        self.reject = reject or {}
        self.flushes = 0
        self.config_file = config_file

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
        if words == ('INFO', 'SERVER'):
            return ('# Server\r\nredis_version:7.0.15\r\nredis_mode:sentinel\r\ntcp_port:26379\r\n'
                    'config_file:%s\r\n' % (self.config_file or ''))
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


def test_changed_announce_ip_and_port_are_set_at_runtime(sentinel, run_module):
    fake = sentinel(config={'announce-ip': '10.0.0.9', 'announce-port': '26379'})
    result = run_module(mod.main, {'settings': {'announce-ip': '192.0.2.7', 'announce-port': 0}})
    assert result['_rc'] == 0, result.get('msg')
    assert result['changed_keys'] == ['announce-ip', 'announce-port']
    assert fake.config['announce-ip'] == '192.0.2.7' and fake.config['announce-port'] == '0'
    assert fake.flushes == 1


# What sentinel.conf.j2 writes (plain, not TLS), as Sentinel 7.0 rewrites it
BOOTSTRAPPED = """port 26379
bind 127.0.0.1 10.0.0.1
protected-mode no
daemonize no
supervised systemd
dir "/var/lib/redis-ha-sentinel"
loglevel notice
logfile ""
user default on nopass sanitize-payload &* -@all +ping
sentinel sentinel-user sentinel-peer
sentinel monitor mymaster 10.0.0.1 6379 2
sentinel auth-pass mymaster secret
"""

AS_TEMPLATED = {'port': 26379, 'tls-port': 0, 'bind': ['127.0.0.1', '10.0.0.1'], 'protected-mode': False,
                'dir': '/var/lib/redis-ha-sentinel', 'loglevel': 'notice', 'logfile': ''}


@pytest.fixture
def conf(tmp_path):
    path = tmp_path / 'sentinel.conf'
    path.write_text(BOOTSTRAPPED)
    return str(path)


def startup(run_module, conf, check_mode=False, **changes):
    wanted = dict(AS_TEMPLATED)
    wanted.update(changes)
    return run_module(mod.main, {'startup_settings': wanted, 'config_file': conf, '_ansible_check_mode': check_mode})


def test_startup_settings_as_bootstrapped_report_nothing(sentinel, run_module, conf):
    fake = sentinel()
    result = startup(run_module, conf)
    assert result['_rc'] == 0, result.get('msg')
    assert result['changed'] is False and result['restart_required'] == []
    assert not warnings_of(result)
    assert fake.commands('SENTINEL', 'CONFIG', 'SET') == []


def test_changed_startup_setting_is_reported_with_how_to_apply(sentinel, run_module, conf):
    fake = sentinel()
    result = startup(run_module, conf, loglevel='warning', bind=['127.0.0.1', '10.0.0.5'])
    assert result['_rc'] == 0, result.get('msg')
    assert result['changed'] is False
    assert result['restart_required'] == ['bind', 'loglevel']
    warnings = warnings_of(result)
    assert len(warnings) == 1
    assert warnings[0].startswith('restart needed: the Sentinel at 127.0.0.1:26379 reads bind, loglevel only at start')
    assert 'bind "127.0.0.1 10.0.0.1" (wanted "127.0.0.1 10.0.0.5")' in warnings[0]
    assert 'loglevel "notice" (wanted "warning")' in warnings[0]
    assert conf in warnings[0] and 'one Sentinel at a time' in warnings[0]
    assert fake.commands('SENTINEL', 'CONFIG', 'SET') == [] and fake.flushes == 0


def test_check_mode_reports_startup_settings_the_same(sentinel, run_module, conf):
    sentinel()
    result = startup(run_module, conf, check_mode=True, loglevel='warning')
    assert result['changed'] is False and result['restart_required'] == ['loglevel']


def test_changed_port_is_reported(sentinel, run_module, conf):
    sentinel(config_file=conf)
    result = startup(run_module, conf, port=26380)
    assert result['restart_required'] == ['port']
    assert 'port "26379" (wanted "26380")' in warnings_of(result)[0]


def test_config_file_the_sentinel_does_not_run_from_fails(sentinel, run_module, conf):
    fake = sentinel(config_file='/etc/redis-ha/sentinel.conf')
    result = startup(run_module, conf, loglevel='warning')
    assert result['_rc'] == 1
    assert '%s is not the file this Sentinel runs from' % conf in result['msg']
    assert 'config_file:/etc/redis-ha/sentinel.conf' in result['msg']
    assert fake.commands('SENTINEL', 'CONFIG', 'SET') == []


def test_setting_missing_from_file_without_known_default_is_reported(sentinel, run_module, tmp_path):
    sentinel()
    path = tmp_path / 'sentinel.conf'
    path.write_text(BOOTSTRAPPED.replace('bind 127.0.0.1 10.0.0.1\n', ''))
    result = startup(run_module, str(path))
    assert result['restart_required'] == ['bind']
    assert 'bind not in the file (wanted "127.0.0.1 10.0.0.1")' in warnings_of(result)[0]


def test_switch_to_tls_is_reported(sentinel, run_module, conf):
    sentinel()
    result = startup(run_module, conf, port=0, **{'tls-port': 26379, 'tls-cert-file': '/etc/redis-ha/tls/redis.crt'})
    assert result['restart_required'] == ['port', 'tls-cert-file', 'tls-port']


def test_startup_setting_the_sentinel_can_change_is_set_at_runtime(sentinel, run_module, conf):
    # newer Sentinels answer SENTINEL CONFIG GET loglevel: no restart needed there
    fake = sentinel(config={'loglevel': 'notice'})
    result = startup(run_module, conf, loglevel='warning')
    assert result['_rc'] == 0, result.get('msg')
    assert result['changed'] is True and result['changed_keys'] == ['loglevel']
    assert result['restart_required'] == []
    assert fake.config['loglevel'] == 'warning' and fake.flushes == 1


def test_startup_settings_without_readable_config_file_fail(sentinel, run_module, tmp_path):
    fake = sentinel()
    missing = str(tmp_path / 'missing.conf')
    result = run_module(mod.main, {'settings': {'announce-ip': '192.0.2.7'},
                                   'startup_settings': AS_TEMPLATED, 'config_file': missing})
    assert result['_rc'] == 1
    assert result['msg'].startswith('cannot compare the settings the Sentinel at 127.0.0.1:26379 reads at start')
    assert missing in result['msg'] and 'Nothing was changed' in result['msg']
    assert fake.commands('SENTINEL', 'CONFIG', 'SET') == []


def test_startup_settings_need_config_file(sentinel, run_module):
    sentinel()
    result = run_module(mod.main, {'startup_settings': {'loglevel': 'notice'}})
    assert result['_rc'] == 1 and 'config_file is not set' in result['msg']


def test_startup_and_runtime_settings_overlap_refused(sentinel, run_module, conf):
    sentinel()
    result = run_module(mod.main, {'settings': {'loglevel': 'notice'}, 'startup_settings': {'LogLevel': 'notice'},
                                   'config_file': conf})
    assert result['_rc'] == 1 and 'settings and startup_settings both set loglevel' in result['msg']


ROLE = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'roles', 'redis_sentinel')
# Written by sentinel.conf.j2 but fixed there (the unit needs them): nothing to reconcile
TEMPLATE_CONSTANTS = {'daemonize', 'supervised'}
# Handled by other tasks of reconcile.yml (text that must appear there)
HANDLED_BY = {
    'user': 'hastack.redis.redis_acl',
    'monitor': 'hastack.redis.redis_sentinel_monitor',
    'auth-user': 'auth_user:',
    'auth-pass': 'auth_pass:',
    '{{': 'settings: "{{ __redis_sentinel_master_settings }}"',
}


def template_settings():
    with open(os.path.join(ROLE, 'templates', 'sentinel.conf.j2')) as f:
        lines = [line.strip() for line in f]
    keys = set()
    for line in lines:
        if not line or line.startswith(('#', '{%', '{{ ansible_managed')):
            continue
        words = line.split()
        keys.add(words[1] if words[0] == 'sentinel' else words[0])
    return keys


def test_every_setting_of_the_bootstrap_file_is_reconciled_or_compared():
    with open(os.path.join(ROLE, 'tasks', 'reconcile.yml')) as f:
        reconcile = f.read()
    with open(os.path.join(ROLE, 'vars', 'main.yml')) as f:
        role_vars = f.read()
    keys = template_settings()
    assert {'port', 'bind', 'loglevel', 'announce-ip', 'sentinel-pass', 'auth-pass'} <= keys
    missing = []
    for key in sorted(keys - TEMPLATE_CONSTANTS):
        if key in HANDLED_BY:
            found = HANDLED_BY[key] in reconcile
        else:
            # a key of the settings given to redis_sentinel_config (directly or through a vars entry)
            found = bool(re.search(r"^\s*'?%s'?:" % re.escape(key), reconcile + '\n' + role_vars, re.M))
        if not found:
            missing.append(key)
    assert missing == []


def test_readme_quotes_the_messages_as_the_modules_write_them():
    with open(os.path.join(ROLE, 'README.md')) as f:
        readme = f.read()
    for start in ('restart needed: the Sentinel at', 'cannot compare the settings the Sentinel at',
                  'cannot compare auth-pass'):
        assert '`%s' % start in readme, start
