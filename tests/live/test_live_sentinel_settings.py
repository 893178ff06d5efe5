# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Sentinel's settings after bootstrap, on a real Sentinel on 127.0.0.1.

The Sentinel is started from a file written the way
roles/redis_sentinel/templates/sentinel.conf.j2 writes it. The modules are then
run (``main()``, as Ansible runs them) with other values: the per-master and
global settings must be what Sentinel reports and what its rewritten file says,
a second run must change nothing, a setting Sentinel reads only at start must
be reported until the Sentinel is restarted with it, and an ``auth-pass`` that
cannot be compared must fail instead of being skipped.
"""

from __future__ import annotations

import hashlib
import re
import subprocess

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.info import pairs_to_dict
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisClient
from ansible_collections.hastack.redis.plugins.modules import redis_sentinel_config, redis_sentinel_monitor
from servers import REDIS_SERVER, _stop, _wait_ready

from ansible_results import warnings_of

pytestmark = pytest.mark.live

ADMIN_PW = 'admin-pw-0123456789'
AUTH_PW = 'auth-pw-old-0123456789'
AUTH_PW_NEW = 'auth-pw-new-9876543210'


@pytest.fixture
def site(start_server):  # noqa: F811 (fixture)
    master = start_server('m', extra='user sentinel on >%s >%s ~* &* +@all\n' % (AUTH_PW, AUTH_PW_NEW))
    extra = '\n'.join([
        'protected-mode no',
        'loglevel notice',
        'user admin on #%s &* +@all' % hashlib.sha256(ADMIN_PW.encode()).hexdigest(),
        'sentinel monitor mymaster 127.0.0.1 %d 1' % master.port,
        'sentinel auth-user mymaster sentinel',
        'sentinel auth-pass mymaster %s' % AUTH_PW,
        'sentinel down-after-milliseconds mymaster 5000',
        'sentinel parallel-syncs mymaster 1',
        'sentinel failover-timeout mymaster 10000',
    ]) + '\n'
    sentinel = start_server('s', sentinel=True, extra=extra)
    return master, sentinel


def admin(port):
    return RedisClient('127.0.0.1', port, username='admin', password=ADMIN_PW, timeout=2)


def login(sentinel):
    return {'login_port': sentinel.port, 'login_user': 'admin', 'login_password': ADMIN_PW}


def conf_text(sentinel):
    with open(sentinel.conf) as f:
        return f.read()


def test_per_master_settings_and_auth_pass_reach_the_running_sentinel(site, run_module):
    master, sentinel = site
    args = dict(login(sentinel), master_host='127.0.0.1', master_port=master.port, quorum=2,
                settings={'down-after-milliseconds': 6000, 'parallel-syncs': 2, 'failover-timeout': 20000},
                auth_user='sentinel', auth_pass=AUTH_PW_NEW, config_file=sentinel.conf)
    result = run_module(redis_sentinel_monitor.main, args)
    assert result['_rc'] == 0, result.get('msg')
    assert sorted(result['changed_keys']) == ['auth-pass', 'down-after-milliseconds', 'failover-timeout',
                                              'parallel-syncs', 'quorum']
    assert AUTH_PW_NEW not in result['_raw'] and ADMIN_PW not in result['_raw']
    with admin(sentinel.port) as c:
        view = pairs_to_dict(c.execute('SENTINEL', 'MASTER', 'mymaster'))
    assert [str(view[k]) for k in ('quorum', 'down-after-milliseconds', 'parallel-syncs', 'failover-timeout')] == \
        ['2', '6000', '2', '20000']
    text = conf_text(sentinel)
    for line in ('sentinel monitor mymaster 127.0.0.1 %d 2' % master.port,
                 'sentinel down-after-milliseconds mymaster 6000', 'sentinel parallel-syncs mymaster 2',
                 'sentinel failover-timeout mymaster 20000', 'sentinel auth-pass mymaster %s' % AUTH_PW_NEW):
        assert re.search('^%s$' % re.escape(line), text, re.M), line
    assert not re.search('^sentinel auth-pass mymaster %s$' % AUTH_PW, text, re.M)

    again = run_module(redis_sentinel_monitor.main, args)
    assert again['_rc'] == 0 and again['changed'] is False, again['changed_keys']

    # auth-pass cannot be compared without the file: an error, and nothing is sent
    for auth_pass in (AUTH_PW_NEW, AUTH_PW):
        failed = run_module(redis_sentinel_monitor.main,
                            dict(args, auth_pass=auth_pass, config_file=sentinel.conf + '.missing'))
        assert failed['_rc'] == 1 and failed['msg'].startswith('cannot compare auth-pass')
        assert failed['changed'] is False
    # a copy is not the file Sentinel runs from (its INFO says which one it is)
    copy = sentinel.conf + '.copy'
    with open(copy, 'w') as f:
        f.write(conf_text(sentinel))
    failed = run_module(redis_sentinel_monitor.main, dict(args, config_file=copy))
    assert failed['_rc'] == 1 and '%s is not the file this Sentinel runs from' % copy in failed['msg']
    assert re.search('^sentinel auth-pass mymaster %s$' % AUTH_PW_NEW, conf_text(sentinel), re.M)


def bootstrapped(sentinel):
    """The settings Sentinel reads at start, as the fixture's file sets them."""
    workdir = sentinel.conf.rsplit('/', 1)[0]
    return {'port': sentinel.port, 'tls-port': 0, 'bind': ['127.0.0.1'], 'protected-mode': False,
            'dir': workdir, 'loglevel': 'notice', 'logfile': workdir + '/log'}


def test_global_settings_at_runtime_and_startup_settings_reported(site, run_module):
    _, sentinel = site
    startup = dict(bootstrapped(sentinel), loglevel='warning')
    args = dict(login(sentinel), settings={'announce-ip': '127.0.0.1', 'announce-port': sentinel.port},
                startup_settings=startup, config_file=sentinel.conf)
    result = run_module(redis_sentinel_config.main, args)
    assert result['_rc'] == 0, result.get('msg')
    assert result['changed_keys'] == ['announce-ip', 'announce-port']
    assert result['restart_required'] == ['loglevel']
    assert warnings_of(result)[0].startswith('restart needed: the Sentinel at 127.0.0.1:%d reads loglevel only at start'
                                            % sentinel.port)
    with admin(sentinel.port) as c:
        assert c.execute('SENTINEL', 'CONFIG', 'GET', 'announce-ip') == ['announce-ip', '127.0.0.1']
        assert c.execute('SENTINEL', 'CONFIG', 'GET', 'announce-port') == ['announce-port', str(sentinel.port)]
    text = conf_text(sentinel)
    assert re.search(r'^sentinel announce-ip "?127\.0\.0\.1"?$', text, re.M)
    assert re.search(r'^sentinel announce-port %d$' % sentinel.port, text, re.M)
    assert re.search(r'^loglevel notice$', text, re.M)

    # second run: nothing changed, the restart is still asked for
    again = run_module(redis_sentinel_config.main, args)
    assert again['_rc'] == 0 and again['changed'] is False and again['changed_keys'] == []
    assert again['restart_required'] == ['loglevel'] and len(warnings_of(again)) == 1

    # what the warning says: stop it, change the line, start it; then nothing is reported
    sentinel.proc.terminate()
    sentinel.proc.wait(timeout=10)
    with open(sentinel.conf, 'w') as f:
        f.write(re.sub(r'^loglevel notice$', 'loglevel warning', text, flags=re.M))
    proc = subprocess.Popen([REDIS_SERVER, sentinel.conf, '--sentinel'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(sentinel.port, None, proc, sentinel=True)
        after = run_module(redis_sentinel_config.main, args)
        assert after['_rc'] == 0, after.get('msg')
        assert after['changed'] is False and after['restart_required'] == [] and not warnings_of(after)

        # back to "not announced": the empty values are set too
        unset = run_module(redis_sentinel_config.main, dict(args, settings={'announce-ip': '', 'announce-port': 0}))
        assert unset['changed_keys'] == ['announce-ip', 'announce-port']
        with admin(sentinel.port) as c:
            assert c.execute('SENTINEL', 'CONFIG', 'GET', 'announce-ip') == ['announce-ip', '']
        # Sentinel 7.0 keeps the line, empty
        assert not re.search(r'^sentinel announce-ip "?127', conf_text(sentinel), re.M)
    finally:
        _stop(proc)
