# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.hastack.redis.plugins.modules import redis_sentinel_monitor as mod

from redis_fakes import FakeSentinel

AUTH = 'Sentinel-Auth-S3cret'


def known(ip='10.0.0.2', port=6379, quorum=2, **settings):
    m = {'name': 'mymaster', 'ip': ip, 'port': port, 'quorum': quorum, 'flags': 'master',
         'down-after-milliseconds': 30000, 'failover-timeout': 180000, 'parallel-syncs': 1,
         'config-epoch': 3, 'num-slaves': 2, 'num-other-sentinels': 2}
    m.update(settings)
    return m


@pytest.fixture
def sentinel(monkeypatch):
    def install(masters=None):
        fake = FakeSentinel(masters)
        monkeypatch.setattr(mod, 'client_from_module', lambda module, **kw: fake)
        return fake

    return install


def run(run_module, **args):
    base = {'master_host': '10.0.0.1', 'quorum': 2}
    base.update(args)
    return run_module(mod.main, base)


def test_unknown_master_is_monitored_with_settings_and_auth(sentinel, run_module):
    fake = sentinel()
    result = run(run_module, settings={'down-after-milliseconds': 5000}, auth_pass=AUTH, auth_user='sentinel')
    assert result['changed'] is True and result['monitored_now'] is True
    assert result['master_addr'] == ['10.0.0.1', 6379]
    assert fake.calls[0] == ('SENTINEL', 'MASTER', 'mymaster')
    assert ('SENTINEL', 'MONITOR', 'mymaster', '10.0.0.1', '6379', '2') in fake.calls
    assert ('SENTINEL', 'SET', 'mymaster', 'down-after-milliseconds', '5000') in fake.calls
    assert ('SENTINEL', 'SET', 'mymaster', 'auth-pass', AUTH) in fake.calls
    assert ('SENTINEL', 'SET', 'mymaster', 'auth-user', 'sentinel') in fake.calls
    assert fake.calls[-1] == ('SENTINEL', 'FLUSHCONFIG')
    assert AUTH not in result['_raw']
    assert 'auth-pass' in result['changed_keys']


def test_check_mode_unknown_master_sends_nothing(sentinel, run_module):
    fake = sentinel()
    result = run(run_module, _ansible_check_mode=True)
    assert result['changed'] is True and result['monitored_now'] is True
    assert fake.calls == [('SENTINEL', 'MASTER', 'mymaster')]


def test_known_master_with_other_address_is_left_alone(sentinel, run_module):
    fake = sentinel({'mymaster': known(ip='10.0.0.3', port=6380)})
    result = run(run_module, master_host='10.0.0.1', master_port=6379)
    assert result['changed'] is False
    assert result['monitored_now'] is False
    assert result['master_addr'] == ['10.0.0.3', 6380]
    assert fake.commands('SENTINEL', 'MONITOR') == []
    assert fake.commands('SENTINEL', 'REMOVE') == []
    assert fake.commands('SENTINEL', 'SET') == []
    assert fake.flushes == 0
    assert fake.masters['mymaster']['ip'] == '10.0.0.3'


def test_setting_and_quorum_differ_set_and_flush(sentinel, run_module):
    fake = sentinel({'mymaster': known(ip='10.0.0.3')})
    result = run(run_module, quorum=3, settings={'down-after-milliseconds': 5000, 'parallel-syncs': 1})
    assert result['changed'] is True
    assert sorted(result['changed_keys']) == ['down-after-milliseconds', 'quorum']
    assert ('SENTINEL', 'SET', 'mymaster', 'quorum', '3') in fake.calls
    assert ('SENTINEL', 'SET', 'mymaster', 'down-after-milliseconds', '5000') in fake.calls
    assert not fake.commands('SENTINEL', 'SET', 'mymaster', 'parallel-syncs')
    assert fake.calls[-1] == ('SENTINEL', 'FLUSHCONFIG') and fake.flushes == 1
    assert fake.masters['mymaster']['ip'] == '10.0.0.3'


def test_settings_equal_no_change(sentinel, run_module):
    fake = sentinel({'mymaster': known()})
    result = run(run_module, settings={'down-after-milliseconds': 30000, 'failover-timeout': '180000'})
    assert result['changed'] is False and fake.flushes == 0


def test_check_mode_known_master_reports_only(sentinel, run_module):
    fake = sentinel({'mymaster': known()})
    result = run(run_module, quorum=3, _ansible_check_mode=True)
    assert result['changed'] is True and result['changed_keys'] == ['quorum']
    assert fake.commands('SENTINEL', 'SET') == [] and fake.flushes == 0


def write_conf(tmp_path, auth_line):
    conf = tmp_path / 'sentinel.conf'
    conf.write_text('port 26379\nsentinel monitor mymaster 10.0.0.2 6379 2\n%s\n'
                    'sentinel auth-pass othermaster %s\n' % (auth_line, AUTH))
    return str(conf)


def test_auth_pass_same_in_config_file_no_change(sentinel, run_module, tmp_path):
    fake = sentinel({'mymaster': known()})
    conf = write_conf(tmp_path, 'sentinel auth-pass mymaster %s' % AUTH)
    result = run(run_module, auth_pass=AUTH, config_file=conf)
    assert result['changed'] is False
    assert fake.commands('SENTINEL', 'SET') == []


def test_auth_pass_quoted_in_config_file_no_change(sentinel, run_module, tmp_path):
    fake = sentinel({'mymaster': known()})
    conf = write_conf(tmp_path, 'sentinel auth-pass mymaster "with space"')
    result = run(run_module, auth_pass='with space', config_file=conf)
    assert result['changed'] is False and not fake.commands('SENTINEL', 'SET')


def test_auth_pass_differs_in_config_file_is_set(sentinel, run_module, tmp_path):
    fake = sentinel({'mymaster': known()})
    conf = write_conf(tmp_path, 'sentinel auth-pass mymaster old-password')
    result = run(run_module, auth_pass=AUTH, config_file=conf)
    assert result['changed'] is True and result['changed_keys'] == ['auth-pass']
    assert ('SENTINEL', 'SET', 'mymaster', 'auth-pass', AUTH) in fake.calls
    assert fake.flushes == 1
    assert AUTH not in result['_raw'] and 'old-password' not in result['_raw']


def test_auth_pass_missing_from_config_file_is_set(sentinel, run_module, tmp_path):
    fake = sentinel({'mymaster': known()})
    conf = write_conf(tmp_path, '')
    result = run(run_module, auth_pass=AUTH, config_file=conf)
    assert result['changed_keys'] == ['auth-pass']
    assert fake.commands('SENTINEL', 'SET', 'mymaster', 'auth-pass')


def test_auth_without_readable_config_file_fails_before_any_change(sentinel, run_module, tmp_path):
    # SENTINEL MASTER does not show auth-pass: without the file it cannot be compared, and that is an error
    fake = sentinel({'mymaster': known()})
    missing = str(tmp_path / 'missing.conf')
    result = run(run_module, quorum=3, auth_pass=AUTH, auth_user='sentinel', config_file=missing)
    assert result['_rc'] == 1
    assert result['msg'].startswith('cannot compare auth-pass, auth-user on 127.0.0.1:26379')
    assert missing in result['msg'] and 'Nothing was changed' in result['msg']
    assert result['changed'] is False
    assert fake.commands('SENTINEL', 'SET') == [] and fake.flushes == 0
    assert AUTH not in result['_raw']


def test_auth_without_config_file_option_fails(sentinel, run_module):
    fake = sentinel({'mymaster': known()})
    result = run(run_module, auth_pass=AUTH)
    assert result['_rc'] == 1
    assert result['msg'].startswith('cannot compare auth-pass on 127.0.0.1:26379')
    assert 'config_file is not set' in result['msg']
    assert fake.commands('SENTINEL', 'SET') == []


def test_check_mode_without_readable_config_file_fails_too(sentinel, run_module, tmp_path):
    sentinel({'mymaster': known()})
    result = run(run_module, auth_pass=AUTH, config_file=str(tmp_path / 'missing.conf'), _ansible_check_mode=True)
    assert result['_rc'] == 1 and 'cannot compare auth-pass' in result['msg']


def test_unknown_master_needs_no_config_file_for_auth(sentinel, run_module, tmp_path):
    # monitored anew: everything is set, nothing needs comparing
    fake = sentinel()
    result = run(run_module, auth_pass=AUTH, config_file=str(tmp_path / 'missing.conf'))
    assert result['_rc'] == 0 and result['monitored_now'] is True
    assert ('SENTINEL', 'SET', 'mymaster', 'auth-pass', AUTH) in fake.calls


def test_setting_not_in_sentinel_master_without_readable_file_fails(sentinel, run_module, tmp_path):
    fake = sentinel({'mymaster': known()})
    result = run(run_module, settings={'master-reboot-down-after-period': 0},
                 config_file=str(tmp_path / 'missing.conf'))
    assert result['_rc'] == 1
    assert result['msg'].startswith('cannot compare master-reboot-down-after-period on 127.0.0.1:26379')
    assert fake.commands('SENTINEL', 'SET') == []


def test_setting_at_sentinel_default_is_not_in_file_and_not_set_again(sentinel, run_module, tmp_path):
    # Sentinel leaves master-reboot-down-after-period out of its file while it is 0 (the default)
    fake = sentinel({'mymaster': known()})
    conf = write_conf(tmp_path, '')
    result = run(run_module, settings={'master-reboot-down-after-period': 0}, config_file=conf)
    assert result['_rc'] == 0, result.get('msg')
    assert result['changed'] is False and fake.commands('SENTINEL', 'SET') == []
    result = run(run_module, settings={'master-reboot-down-after-period': 60000}, config_file=conf)
    assert result['changed_keys'] == ['master-reboot-down-after-period']


def test_auth_pass_in_rewritten_comment_is_ignored(sentinel, run_module, tmp_path):
    # Sentinel 7.0 comments lines it cannot rewrite with "# ???": never a current value
    fake = sentinel({'mymaster': known()})
    conf = write_conf(tmp_path, '# ??? sentinel auth-pass mymaster %s\nsentinel auth-pass mymaster old-password' % AUTH)
    result = run(run_module, auth_pass=AUTH, config_file=conf)
    assert result['changed_keys'] == ['auth-pass']
    assert fake.commands('SENTINEL', 'SET', 'mymaster', 'auth-pass')


class FakeSentinelWithInfo(FakeSentinel):
    def __init__(self, masters, config_file):
        super(FakeSentinelWithInfo, self).__init__(masters)
        self.config_file = config_file

    def handle(self, args):
        if args[0].upper() == 'INFO':
            return '# Server\r\nredis_mode:sentinel\r\nconfig_file:%s\r\n' % self.config_file
        return super(FakeSentinelWithInfo, self).handle(args)


def test_auth_compared_with_another_file_than_sentinels_fails(monkeypatch, run_module, tmp_path):
    conf = write_conf(tmp_path, 'sentinel auth-pass mymaster %s' % AUTH)
    fake = FakeSentinelWithInfo({'mymaster': known()}, '/etc/redis-ha/sentinel.conf')
    monkeypatch.setattr(mod, 'client_from_module', lambda module, **kw: fake)
    result = run(run_module, auth_pass=AUTH, config_file=conf)
    assert result['_rc'] == 1
    assert result['msg'].startswith('cannot compare auth-pass on 127.0.0.1:26379')
    assert '%s is not the file this Sentinel runs from' % conf in result['msg']
    fake.config_file = conf
    assert run(run_module, auth_pass=AUTH, config_file=conf)['changed'] is False


def test_auth_pass_in_settings_refused(sentinel, run_module):
    sentinel({'mymaster': known()})
    result = run(run_module, settings={'auth-pass': AUTH})
    assert result['_rc'] == 1 and 'auth_pass' in result['msg']
    assert AUTH not in result['msg']


def test_default_login_port_is_sentinel_port(monkeypatch, run_module):
    seen = {}

    def factory(module, **kw):
        seen['port'] = module.params['login_port']
        return FakeSentinel({'mymaster': known()})

    monkeypatch.setattr(mod, 'client_from_module', factory)
    run(run_module)
    assert seen['port'] == 26379
