# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.modules import redis_config

from redis_fakes import FakeConfigRedis

SECRET = 'Sup3r-S3cret-value'
LOGIN_SECRET = 'L0gin-S3cret'


@pytest.fixture
def server(monkeypatch):
    holder = {}

    def install(**kwargs):
        fake = FakeConfigRedis(**kwargs)
        holder['fake'] = fake
        monkeypatch.setattr(redis_config, 'client_from_module', lambda module, **kw: fake)
        return fake

    return install


def run(run_module, settings, **extra):
    args = {'settings': settings, 'login_password': LOGIN_SECRET}
    args.update(extra)
    return run_module(redis_config.main, args)


def test_unchanged_when_equivalent(server, run_module):
    fake = server(config={'maxmemory': '1073741824', 'appendonly': 'yes', 'save': '3600 1 300 100',
                          'maxmemory-policy': 'allkeys-lru'})
    result = run(run_module, {'maxmemory': '1gb', 'appendonly': True, 'save': ['3600 1', '300 100'],
                              'maxmemory-policy': 'allkeys-lru'})
    assert result['_rc'] == 0
    assert result['changed'] is False
    assert result['changed_keys'] == []
    assert fake.commands('CONFIG', 'SET') == []
    assert fake.rewrites == 0


def test_changed_sets_and_rewrites(server, run_module):
    fake = server(config={'maxmemory': '0', 'appendonly': 'no', 'hz': '10'})
    result = run(run_module, {'maxmemory': '2gb', 'appendonly': True, 'hz': 10})
    assert result['changed'] is True
    assert result['changed_keys'] == ['appendonly', 'maxmemory']
    assert ('CONFIG', 'SET', 'maxmemory', '2gb') in fake.calls
    assert ('CONFIG', 'SET', 'appendonly', 'yes') in fake.calls
    assert not fake.commands('CONFIG', 'SET', 'hz')
    assert fake.config['maxmemory'] == str(2 * 1024 ** 3)
    assert fake.rewrites == 1
    # REWRITE comes after the SETs
    assert fake.calls[-1] == ('CONFIG', 'REWRITE')


def test_rewrite_false_skips_rewrite(server, run_module):
    fake = server(config={'hz': '10'})
    result = run(run_module, {'hz': 20}, rewrite=False)
    assert result['changed'] is True
    assert fake.rewrites == 0


def test_check_mode_reports_without_setting(server, run_module):
    fake = server(config={'maxmemory': '0'})
    result = run(run_module, {'maxmemory': '1gb'}, _ansible_check_mode=True, _ansible_diff=True)
    assert result['changed'] is True
    assert result['changed_keys'] == ['maxmemory']
    assert fake.commands('CONFIG', 'SET') == [] and fake.rewrites == 0
    assert result['diff'] == {'before': 'maxmemory 0\n', 'after': 'maxmemory 1gb\n'}


def test_immutable_goes_to_restart_required(server, run_module):
    fake = server(config={'daemonize': 'no', 'hz': '10'}, immutable={'daemonize'})
    result = run(run_module, {'daemonize': True, 'hz': 15})
    assert result['_rc'] == 0 and 'failed' not in result
    assert result['restart_required'] == ['daemonize']
    assert result['changed_keys'] == ['hz']
    assert fake.config['daemonize'] == 'no'


def test_only_immutable_difference_is_not_a_change(server, run_module):
    fake = server(config={'daemonize': 'no'}, immutable={'daemonize'})
    result = run(run_module, {'daemonize': True})
    assert result['changed'] is False and result['restart_required'] == ['daemonize']
    assert fake.rewrites == 0


def test_other_set_error_fails_naming_key_not_value(server, run_module):
    server(config={'maxmemory-policy': 'noeviction'},
           reject={'maxmemory-policy': "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') "
                                       "- argument(s) must be one of the following: volatile-lru, ..."})
    result = run(run_module, {'maxmemory-policy': 'bogus-policy-value'})
    assert result['_rc'] == 1 and result['failed'] is True
    assert 'maxmemory-policy' in result['msg']
    assert 'bogus-policy-value' not in result['msg']


def test_set_that_does_not_move_the_value_is_not_a_change(server, run_module):
    fake = server(config={'hz': '10'}, silently_ignore={'hz'})
    result = run(run_module, {'hz': 99})
    assert fake.commands('CONFIG', 'SET')  # it was tried
    assert result['changed'] is False and result['changed_keys'] == []
    assert fake.rewrites == 0


def test_unknown_parameter_fails(server, run_module):
    server(config={})
    result = run(run_module, {'no-such-param': 'x'})
    assert result['_rc'] == 1 and 'no-such-param' in result['msg']


def test_secret_values_never_in_output(server, run_module):
    fake = server(config={'requirepass': 'old-Secret-000', 'masterauth': '', 'hz': '10'})
    result = run(run_module, {'requirepass': SECRET, 'masterauth': SECRET, 'hz': 11}, _ansible_diff=True)
    assert result['changed'] is True
    assert sorted(result['changed_keys']) == ['hz', 'masterauth', 'requirepass']
    assert fake.config['requirepass'] == SECRET  # it was really applied
    raw = result['_raw']
    for secret in (SECRET, 'old-Secret-000', LOGIN_SECRET):
        assert secret not in raw
    assert 'requirepass ********' in result['diff']['before']
    assert 'requirepass ********' in result['diff']['after']
    assert 'hz 10' in result['diff']['before'] and 'hz 11' in result['diff']['after']


def test_secret_not_in_failure_message(server, run_module):
    server(config={'requirepass': 'x'}, reject={'requirepass': 'ERR weird server echo %s' % SECRET})
    result = run(run_module, {'requirepass': SECRET})
    assert result['_rc'] == 1
    assert 'requirepass' in result['msg']
    assert SECRET not in result['_raw']


def test_no_diff_key_without_diff_mode(server, run_module):
    server(config={'hz': '10'})
    result = run(run_module, {'hz': 12})
    assert 'diff' not in result
