# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Sentinel's own ACL on three real Sentinels on 127.0.0.1.

The users are written the way roles/redis_sentinel/templates/sentinel.conf.j2
writes them, with the rules of the role's defaults. The tests check that the
runtime reconcile agrees with the file (no change), that the Sentinels log in
to each other as the peer user, what a client without credentials may do, a
rotation of the peer password, and that a failover still happens after it.
"""

from __future__ import annotations

import hashlib
import os

import pytest
import yaml

from ansible_collections.hastack.redis.plugins.module_utils.info import pairs_to_dict
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisAuthError,
    RedisClient,
    RedisError,
)
from ansible_collections.hastack.redis.plugins.module_utils.sentinel import parse_peer_links
from ansible_collections.hastack.redis.plugins.modules import redis_acl, redis_sentinel_config

from servers import wait_for

pytestmark = pytest.mark.live

ROLE_DEFAULTS = os.path.join(os.path.dirname(__file__), '..', '..', 'roles', 'redis_sentinel', 'defaults', 'main.yml')
ADMIN_PW = 'admin-pw-0123456789'
PEER_PW = 'peer-pw-0123456789'
PEER_PW_NEW = 'peer-pw-new-9876543210'


def rules():
    with open(ROLE_DEFAULTS) as f:
        return yaml.safe_load(f)['redis_sentinel_acl_rules']


def sha(password):
    return hashlib.sha256(password.encode()).hexdigest()


def users(peer_passwords):
    r = rules()
    return [{'name': 'admin', 'enabled': True, 'passwords': [ADMIN_PW], 'rules': r['admin']},
            {'name': 'sentinel-peer', 'enabled': True, 'passwords': peer_passwords, 'rules': r['peer']}]


def default_user():
    return [{'name': 'default', 'enabled': True, 'passwords': [], 'rules': rules()['default']}]


def admin(s):
    return RedisClient('127.0.0.1', s.port, username='admin', password=ADMIN_PW, timeout=2)


def master_addr(s):
    with RedisClient('127.0.0.1', s.port, timeout=2) as c:
        return c.execute('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')


def peer_links(s):
    """(link name, user) of the links other Sentinels opened to ``s``."""
    with admin(s) as c:
        return sorted(parse_peer_links(c.execute('CLIENT', 'LIST')).items())


@pytest.fixture
def site(start_server):  # noqa: F811 (fixture)
    master = start_server('m', extra='repl-diskless-sync-delay 0\n')
    replica = start_server('r', extra='replicaof 127.0.0.1 %d\n' % master.port)
    r = rules()
    extra = '\n'.join([
        'user default on %s' % r['default'],
        'user admin on #%s %s' % (sha(ADMIN_PW), r['admin']),
        'user sentinel-peer on #%s %s' % (sha(PEER_PW), r['peer']),
        'sentinel sentinel-user sentinel-peer',
        'sentinel sentinel-pass %s' % PEER_PW,
        'sentinel monitor mymaster 127.0.0.1 %d 2' % master.port,
        'sentinel down-after-milliseconds mymaster 1000',
        'sentinel failover-timeout mymaster 3000',
    ]) + '\n'
    sentinels = [start_server('s%d' % i, sentinel=True, extra=extra) for i in range(3)]
    for s in sentinels:
        wait_for('Sentinel %d sees the two others as peers' % s.port,
                 lambda s=s: len([u for _, u in peer_links(s)]) == 2, timeout=20)
    return master, replica, sentinels


def test_sentinel_acl_file_and_runtime_agree(site):
    _, _, sentinels = site
    for s in sentinels:
        with admin(s) as c:
            # what the template writes is what the runtime reconcile wants: no change
            assert redis_acl.reconcile(c, users([PEER_PW]), 'sentinel', check_mode=False)[0] == []
            assert redis_acl.reconcile(c, default_user(), 'sentinel', check_mode=False)[0] == []
            config = redis_sentinel_config.reconcile_sentinel_config(
                c, {'sentinel-user': 'sentinel-peer'}, {'sentinel-pass': PEER_PW}, check_mode=False)
            assert config == []
        assert all(user == 'sentinel-peer' for _, user in peer_links(s))
    # nopass is compared: a default user that lost it is put back
    with admin(sentinels[0]) as c:
        c.execute('ACL', 'SETUSER', 'default', 'resetpass')
        with RedisClient('127.0.0.1', sentinels[0].port, timeout=2) as anonymous, pytest.raises(RedisError):
            anonymous.execute('SENTINEL', 'MASTERS')
        assert redis_acl.reconcile(c, default_user(), 'sentinel', check_mode=False)[0] == ['default']
        assert redis_acl.reconcile(c, default_user(), 'sentinel', check_mode=False)[0] == []
    with RedisClient('127.0.0.1', sentinels[0].port, timeout=2) as anonymous:
        assert len(anonymous.execute('SENTINEL', 'MASTERS')) == 1


def test_client_without_credentials_only_discovers(site):
    master, _, sentinels = site
    with RedisClient('127.0.0.1', sentinels[0].port, timeout=2) as c:
        assert c.execute('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster') == ['127.0.0.1', str(master.port)]
        assert len(c.execute('SENTINEL', 'MASTERS')) == 1
        assert c.execute('PING') == 'PONG'
        for command in (('SENTINEL', 'SET', 'mymaster', 'quorum', '3'), ('SENTINEL', 'FAILOVER', 'mymaster'),
                        ('SENTINEL', 'RESET', '*'), ('SENTINEL', 'CONFIG', 'SET', 'sentinel-user', 'x'),
                        ('SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', str(master.port), '0', '*'),
                        ('PUBLISH', '__sentinel__:hello', 'x'), ('ACL', 'LIST'), ('INFO',), ('SHUTDOWN',)):
            with pytest.raises(RedisError) as exc:
                c.execute(*command)
            assert exc.value.message.startswith('NOPERM'), command
    with RedisClient('127.0.0.1', sentinels[0].port, username='sentinel-peer', password=PEER_PW, timeout=2) as c:
        for command in (('SENTINEL', 'SET', 'mymaster', 'quorum', '3'), ('SENTINEL', 'MASTERS'),
                        ('PUBLISH', 'other', 'x')):
            with pytest.raises(RedisError) as exc:
                c.execute(*command)
            assert exc.value.message.startswith('NOPERM'), command
    with pytest.raises(RedisAuthError):
        RedisClient('127.0.0.1', sentinels[0].port, username='admin', password=PEER_PW, timeout=2).execute('PING')


def test_peer_password_rotation_then_failover(site):
    master, replica, sentinels = site
    # step 1 on every Sentinel: the peer user accepts the old and the new password
    for s in sentinels:
        with admin(s) as c:
            assert redis_acl.reconcile(c, users([PEER_PW_NEW]), 'sentinel', False, keep_existing=True)[0] == \
                ['sentinel-peer']
    # step 2 on every Sentinel: log in to the others with the new one (links are dropped and re-made)
    for s in sentinels:
        with admin(s) as c:
            assert redis_sentinel_config.reconcile_sentinel_config(
                c, {'sentinel-user': 'sentinel-peer'}, {'sentinel-pass': PEER_PW_NEW}, False) == ['sentinel-pass']
    # step 3: retire the old password
    for s in sentinels:
        with admin(s) as c:
            assert redis_acl.reconcile(c, users([PEER_PW_NEW]), 'sentinel', False)[0] == ['sentinel-peer']
            assert redis_acl.reconcile(c, users([PEER_PW_NEW]), 'sentinel', False)[0] == []
    with pytest.raises(RedisAuthError):
        RedisClient('127.0.0.1', sentinels[1].port, username='sentinel-peer', password=PEER_PW, timeout=2).execute('PING')
    # persisted: hash of the new password and the new sentinel-pass in each file
    for s in sentinels:
        with open(s.conf) as f:
            conf = f.read()
        assert '#' + sha(PEER_PW_NEW) in conf and '#' + sha(PEER_PW) not in conf
        assert 'sentinel sentinel-pass %s' % PEER_PW_NEW in conf
    for s in sentinels:
        wait_for('links to %d use the peer user again' % s.port,
                 lambda s=s: sorted(u for _, u in peer_links(s)) == ['sentinel-peer', 'sentinel-peer'])
    # the Sentinels can still vote: stop the master, the replica is promoted
    master.proc.kill()
    master.proc.wait(timeout=10)
    for s in sentinels:
        wait_for('Sentinel %d names the replica master' % s.port,
                 lambda s=s: master_addr(s) == ['127.0.0.1', str(replica.port)])
    with admin(sentinels[0]) as c:
        view = pairs_to_dict(c.execute('SENTINEL', 'MASTER', 'mymaster'))
        assert int(view['num-other-sentinels']) == 2
        assert c.execute('ACL', 'LOG') == []


def test_health_check_finds_a_sentinel_whose_peer_password_is_refused(site, run_module):
    from ansible_collections.hastack.redis.plugins.modules import redis_topology

    master, replica, sentinels = site
    args = {'nodes': [{'name': 'm', 'host': '127.0.0.1', 'port': master.port},
                      {'name': 'r', 'host': '127.0.0.1', 'port': replica.port}],
            'sentinels': [{'name': 's%d' % i, 'host': '127.0.0.1', 'port': s.port} for i, s in enumerate(sentinels)],
            'bootstrap_master': 'm', 'sentinel_user': 'admin', 'sentinel_password': ADMIN_PW,
            'sentinel_peer_user': 'sentinel-peer'}
    result = run_module(redis_topology.main, args)
    assert result['_rc'] == 0, result.get('msg')
    assert result['problems'] == [] and result['healthy'] is True
    assert sorted(result['sentinels']['s0']['peer_links'].values()) == ['sentinel-peer', 'sentinel-peer']
    # s0 gets a wrong sentinel-pass: its links to s1 and s2 are re-made as the default user
    with admin(sentinels[0]) as c:
        c.execute('SENTINEL', 'CONFIG', 'SET', 'sentinel-pass', 'not-the-peer-password')
    result = wait_for('the health check sees the refused links',
                      lambda: (lambda r: r if len(r['problems']) == 2 else None)(run_module(redis_topology.main, args)))
    assert result['healthy'] is False
    for problem in result['problems']:
        assert problem.startswith(('Sentinel s1: the link from sentinel-', 'Sentinel s2: the link from sentinel-'))
        assert 'is logged in as default, not sentinel-peer' in problem
    assert 'not-the-peer-password' not in result['_raw'] and ADMIN_PW not in result['_raw']
