# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reference backend client, docs/examples/backend/redis_client.py, on a real loopback site.

A master, two replicas and three Sentinels on 127.0.0.1 (quorum 2,
down-after 1 s), users as the roles write them: ``app`` on the data nodes
(the default user needs the admin password), replicas log in as
``replica``, the Sentinels as ``sentinel``, and the Sentinels' default user
may only discover. The module is imported from its place in docs/, not
copied. Each failover test keeps using the client objects made before the
fault and prints the unavailability it measured; the deadlines are liveness
bounds, not timing assertions.

Run with another redis-py by putting it first on PYTHONPATH (the probe
subprocesses inherit it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import yaml

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisClient
from ansible_collections.hastack.redis.plugins.modules import redis_switchover

from loopback import free_port
from servers import wait_for

pytestmark = pytest.mark.live

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENT_PY = REPO_ROOT / 'docs' / 'examples' / 'backend' / 'redis_client.py'
MASTER_NAME = 'mymaster'
ADMIN_PW = 'admin-pw-5f1d0c8e9a7b'
APP_PW = 'app-pw-93c4e1b7d2a6'
REPL_PW = 'replica-pw-0b8e2f6a4c1d'
SENTINEL_PW = 'sentinel-pw-7d3a9c5e1f0b'
PEER_PW = 'peer-pw-2e6b0d4f8a3c'
FAILOVER_DEADLINE_S = 30


def load_client_module():
    spec = importlib.util.spec_from_file_location('hastack_backend_redis_client', str(CLIENT_PY))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


rc = load_client_module()


def sha(password):
    return hashlib.sha256(password.encode()).hexdigest()


def role_defaults(role, key):
    with open(REPO_ROOT / 'roles' / role / 'defaults' / 'main.yml') as f:
        return yaml.safe_load(f)[key]


def data_node_extra(master_port=None, min_replicas=1):
    rules = role_defaults('redis_common', 'redis_acl_rules')
    lines = ['user app on #%s %s' % (sha(APP_PW), rules['app']),
             'user replica on #%s %s' % (sha(REPL_PW), rules['replication']),
             'user sentinel on #%s %s' % (sha(SENTINEL_PW), rules['sentinel']),
             'masteruser replica', 'masterauth %s' % REPL_PW,
             # redis_server's defaults
             'min-replicas-to-write %d' % min_replicas, 'min-replicas-max-lag 2', 'repl-diskless-sync-delay 0']
    if master_port:
        lines.append('replicaof 127.0.0.1 %d' % master_port)
    return '\n'.join(lines) + '\n'


def sentinel_extra(master_port, quorum=2):
    rules = role_defaults('redis_sentinel', 'redis_sentinel_acl_rules')
    return '\n'.join([
        'user default on %s' % rules['default'],
        'user admin on #%s %s' % (sha(ADMIN_PW), rules['admin']),
        'user sentinel-peer on #%s %s' % (sha(PEER_PW), rules['peer']),
        'sentinel sentinel-user sentinel-peer',
        'sentinel sentinel-pass %s' % PEER_PW,
        'sentinel monitor %s 127.0.0.1 %d %d' % (MASTER_NAME, master_port, quorum),
        'sentinel auth-user %s sentinel' % MASTER_NAME,
        'sentinel auth-pass %s %s' % (MASTER_NAME, SENTINEL_PW),
        'sentinel down-after-milliseconds %s 1000' % MASTER_NAME,
        'sentinel failover-timeout %s 3000' % MASTER_NAME,
        'sentinel parallel-syncs %s 1' % MASTER_NAME,
    ]) + '\n'


def admin(server):
    """The default user of a data node (requirepass): everything the app user may not do."""
    return RedisClient('127.0.0.1', server.port, password=ADMIN_PW, timeout=2)


def sentinel_admin(sentinel):
    return RedisClient('127.0.0.1', sentinel.port, username='admin', password=ADMIN_PW, timeout=2)


def role(server):
    with admin(server) as c:
        return c.execute('ROLE')[0]


def named_master(sentinel):
    with RedisClient('127.0.0.1', sentinel.port, timeout=1) as c:
        host, port = c.execute('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)
    return '%s:%s' % (host, port)


def readonly_errors(server):
    with admin(server) as c:
        for line in c.execute('INFO', 'errorstats').splitlines():
            if line.startswith('errorstat_READONLY:'):
                return int(line.split('count=')[1].split(',')[0])
    return 0


def addr(server):
    return '127.0.0.1:%d' % server.port


class Site(object):
    def __init__(self, master, replicas, sentinels, env_file, settings):
        self.master = master
        self.replicas = replicas
        self.sentinels = sentinels
        self.env_file = env_file
        self.settings = settings

    @property
    def data_nodes(self):
        return [self.master] + self.replicas

    def node(self, address):
        return next(n for n in self.data_nodes if addr(n) == address)

    def wait_agreed_master(self, other_than):
        """Every Sentinel names the same master, not ``other_than``; return its address."""
        def agreed():
            names = {named_master(s) for s in self.sentinels}
            return names.pop() if len(names) == 1 and other_than not in names else None
        return wait_for('the Sentinels agree on a new master', agreed, timeout=FAILOVER_DEADLINE_S)


@pytest.fixture
def site(start_server, tmp_path):
    master = start_server('m', password=ADMIN_PW, extra=data_node_extra())
    replicas = [start_server('r%d' % i, password=ADMIN_PW, extra=data_node_extra(master.port)) for i in range(2)]
    sentinels = [start_server('s%d' % i, sentinel=True, extra=sentinel_extra(master.port)) for i in range(3)]

    def ready(s):
        with sentinel_admin(s) as c:
            view = c.execute('SENTINEL', 'MASTER', MASTER_NAME)
        view = dict(zip(view[::2], view[1::2]))
        return view['num-other-sentinels'] == '2' and view['num-slaves'] == '2'

    for s in sentinels:
        wait_for('Sentinel %d knows the replicas and the other Sentinels' % s.port, lambda s=s: ready(s), timeout=30)
    password_file = tmp_path / 'app.password'
    password_file.write_text(APP_PW + '\n')
    os.chmod(str(password_file), 0o600)
    env_file = tmp_path / 'client.env'
    env_file.write_text('\n'.join([
        '# rendered like roles/redis_client does',
        'REDIS_MODE=sentinel',
        'REDIS_MASTER_NAME=%s' % MASTER_NAME,
        'REDIS_SENTINELS=%s' % ','.join(addr(s) for s in sentinels),
        'REDIS_USERNAME=app',
        'REDIS_PASSWORD_FILE=%s' % password_file,
        'REDIS_TLS_CA_FILE=',
        'REDIS_SOCKET_TIMEOUT=0.5',
    ]) + '\n')
    settings = rc.from_env_file(str(env_file), environ={})
    return Site(master, replicas, sentinels, str(env_file), settings)


def run(coro):
    return asyncio.run(coro)


async def write_acknowledged(master, prefix, count):
    """SET + WAIT 1 on one connection for each key; the sequence numbers a replica acknowledged."""
    acked = []
    for seq in range(count):
        pipe = master.pipeline(transaction=False)
        pipe.set('%s:%d' % (prefix, seq), seq)
        pipe.execute_command('WAIT', 1, 400)
        _, replicas = await pipe.execute()
        if replicas >= 1:
            acked.append(seq)
    return acked


async def missing_keys(master, prefix, seqs):
    values = await master.mget(['%s:%d' % (prefix, seq) for seq in seqs])
    return [seq for seq, value in zip(seqs, values) if value is None or int(value) != seq]


async def served_by(client):
    """Port of the node that answers on this client's connection (CLIENT INFO laddr; the app user may not ROLE)."""
    info = await client.execute_command('CLIENT', 'INFO')
    info = info.decode() if isinstance(info, bytes) else info
    laddr = [f for f in info.split() if f.startswith('laddr=')][0]
    return int(laddr.rsplit(':', 1)[1])


# --------------------------------------------------------------------------- configuration


def test_env_file_parsing(tmp_path):
    password_file = tmp_path / 'app.password'
    password_file.write_text(APP_PW + '\n')
    env_file = tmp_path / 'client.env'
    env_file.write_text('\n'.join([
        '# comment',
        '',
        'REDIS_MODE=sentinel',
        '  REDIS_MASTER_NAME = mymaster  ',
        'export REDIS_SENTINELS=10.0.0.1:26379,10.0.0.2,[fd00::3]:26380',
        'REDIS_USERNAME=app',
        'REDIS_PASSWORD_FILE=%s' % password_file,
        'REDIS_TLS_CA_FILE=            # empty = plain TCP',
        'REDIS_SOCKET_TIMEOUT=0.25 # seconds',
        'SOMETHING_ELSE=ignored',
    ]) + '\n')
    settings = rc.from_env_file(str(env_file), environ={'REDIS_PASSWORD': 'never-read-from-here'})
    assert settings.master_name == 'mymaster' and settings.username == 'app'
    assert settings.sentinels == (('10.0.0.1', 26379), ('10.0.0.2', 26379), ('fd00::3', 26380))
    assert settings.password == APP_PW and settings.tls_ca_file == '' and settings.socket_timeout == 0.25
    assert settings.retry_timeout == 10.0

    # the process environment wins over the file; REDIS_ENV_FILE names the file
    settings = rc.from_env_file(environ={'REDIS_ENV_FILE': str(env_file), 'REDIS_MASTER_NAME': 'other',
                                         'REDIS_SOCKET_TIMEOUT': '2', 'REDIS_RETRY_TIMEOUT': '0'})
    assert (settings.master_name, settings.socket_timeout, settings.retry_timeout) == ('other', 2.0, 0.0)
    assert settings.sentinels[0] == ('10.0.0.1', 26379)

    # no file: fine with a complete environment, otherwise the error names the file and what is missing
    missing = str(tmp_path / 'nowhere.env')
    environ = {'REDIS_ENV_FILE': missing, 'REDIS_MASTER_NAME': 'm', 'REDIS_SENTINELS': '127.0.0.1:1',
               'REDIS_USERNAME': 'app', 'REDIS_PASSWORD_FILE': str(password_file)}
    assert rc.from_env_file(environ=environ).sentinels == (('127.0.0.1', 1),)
    del environ['REDIS_SENTINELS'], environ['REDIS_USERNAME']
    with pytest.raises(rc.ConfigError) as exc:
        rc.from_env_file(environ=environ)
    assert 'REDIS_ENV_FILE=%s' % missing in str(exc.value)
    assert 'REDIS_SENTINELS' in str(exc.value) and 'REDIS_USERNAME' in str(exc.value)

    no_password, no_ca = str(tmp_path / 'no.password'), str(tmp_path / 'no-ca.crt')
    bad = [({'REDIS_MODE': 'cluster'}, 'REDIS_MODE=cluster'),
           ({'REDIS_SENTINELS': '10.0.0.1:x'}, 'REDIS_SENTINELS'),
           ({'REDIS_SOCKET_TIMEOUT': 'soon'}, 'REDIS_SOCKET_TIMEOUT=soon'),
           ({'REDIS_PASSWORD_FILE': no_password}, 'REDIS_PASSWORD_FILE=%s' % no_password),
           ({'REDIS_TLS_CA_FILE': no_ca}, 'REDIS_TLS_CA_FILE=%s' % no_ca)]
    for override, named in bad:
        with pytest.raises(rc.ConfigError) as exc:
            rc.from_env_file(str(env_file), environ=override)
        assert named in str(exc.value), override
    (tmp_path / 'empty.password').write_text('\n')
    with pytest.raises(rc.ConfigError, match='is empty'):
        rc.from_env_file(str(env_file), environ={'REDIS_PASSWORD_FILE': str(tmp_path / 'empty.password')})
    (tmp_path / 'broken.env').write_text('REDIS_MODE=sentinel\nthis line has no equals sign\n')
    with pytest.raises(rc.ConfigError, match='broken.env line 2'):
        rc.from_env_file(str(tmp_path / 'broken.env'), environ={})

    # the password is in no repr or str, neither of the settings nor of the redis-py objects
    settings = rc.from_env_file(str(env_file), environ={})
    client = rc.SentinelClient(settings)
    shown = [repr(settings), str(settings), repr(client), repr(client.master), repr(client.slave),
             repr(client.master.connection_pool), repr(client.sentinel)]
    for text in shown:
        assert APP_PW not in text
    assert 'password_file=' in repr(settings)


def test_which_errors_are_retried():
    exc = redis.exceptions
    on_error = rc.SentinelClient._on_error
    noreplicas = 'NOREPLICAS Not enough good replicas to write.'
    for error in (exc.ResponseError(noreplicas),
                  # as pipelines annotate it: redis-py 8 and redis-py 4.3
                  exc.ResponseError('Command # 1 (SET k 1) of pipeline caused error: ' + noreplicas),
                  exc.ResponseError("Command # 1 (SET k 1) of pipeline caused error: ('%s',)" % noreplicas),
                  exc.ReadOnlyError("You can't write against a read only replica.")):
        assert on_error(error, True) == 'resolve', error
        assert on_error(error, False) is None, error
    assert on_error(exc.ResponseError('MASTERDOWN Link with MASTER is down'), False) == 'rotate'
    for error in (exc.ConnectionError('The previous master is now a slave'), exc.TimeoutError('Timeout reading'),
                  exc.BusyLoadingError('Redis is loading the dataset in memory'), ConnectionResetError()):
        assert on_error(error, True) == on_error(error, False) == 'retry', error
    for error in (exc.AuthenticationError('invalid username-password pair'), exc.ResponseError('WRONGTYPE x'),
                  exc.NoPermissionError('this user has no permissions'), exc.ResponseError('ERR no such key')):
        assert on_error(error, True) is None and on_error(error, False) is None, error


# --------------------------------------------------------------------------- a healthy site


def test_health_writes_reads_and_replica_fallback(site):
    async def scenario():
        rc.configure(site.settings)
        try:
            health = await rc.check_redis()
            assert health['mode'] == 'sentinel' and health['status'] == 'healthy', health
            assert 'error' not in health and isinstance(health['latency_ms'], float)
            assert health['master'] == addr(site.master)
            cluster = health['cluster']
            assert (cluster['replicas_count'], cluster['sentinels_count'], cluster['sentinels_reachable']) == (2, 3, 3)

            master = await rc.get_redis_master()
            assert master is await rc.get_redis_master()
            assert await write_acknowledged(master, 'rw', 1) == [0]
            assert await master.set('rw:key', 'value') is True
            assert rc.last_address() == addr(site.master) and await served_by(master) == site.master.port
            await master.execute_command('WAIT', 2, 1000)

            replica = await rc.get_redis_slave()
            assert await replica.get('rw:key') == b'value'
            port = await served_by(replica)
            assert port in [r.port for r in site.replicas]
            assert role([n for n in site.data_nodes if n.port == port][0]) == 'slave'

            # pitfall (b): a dropped connection reconnects through Sentinel, not to the address it had cached
            pool = master.connection_pool
            try:
                conn = await pool.get_connection()
            except TypeError:  # redis-py < 5.3 wants a command name
                conn = await pool.get_connection('PING')
            try:
                await conn.disconnect()
                conn.host, conn.port = '127.0.0.1', free_port()  # nothing listens there
                await conn.send_command('PING')
                assert await conn.read_response() in (b'PONG', 'PONG')
                assert (conn.host, conn.port) == ('127.0.0.1', site.master.port)
            finally:
                await pool.release(conn)

            # a wrong password fails at once (no retries) and is not shown
            wrong = 'wrong-pw-4c2a9e7f1b3d'
            other = rc.SentinelClient(dataclasses.replace(site.settings, password=wrong))
            started = time.monotonic()
            with pytest.raises(redis.exceptions.RedisError) as exc:
                await (await other.get_master()).ping()
            assert time.monotonic() - started < 3
            assert wrong not in str(exc.value) and wrong not in repr(exc.value)
            await other.aclose()

            # a Sentinel that is down, first in the list, costs one refused connection, not retries
            dead = rc.SentinelClient(dataclasses.replace(
                site.settings, sentinels=(('127.0.0.1', free_port()),) + site.settings.sentinels))
            started = time.monotonic()
            assert await (await dead.get_master()).ping() is True
            assert time.monotonic() - started < 1.5
            await dead.aclose()

            # nothing the client sent was refused by the Sentinels' restricted default user
            for s in site.sentinels:
                with sentinel_admin(s) as c:
                    assert c.execute('ACL', 'LOG') == []

            # no replica up: the replica client reads from the master
            for r in site.replicas:
                r.proc.kill()
                r.proc.wait(timeout=10)

            def replicas_down():
                with sentinel_admin(site.sentinels[0]) as c:
                    replicas = c.execute('SENTINEL', 'REPLICAS', MASTER_NAME)
                return all('s_down' in dict(zip(r[::2], r[1::2]))['flags'] for r in replicas)

            wait_for('Sentinel flags both replicas down', replicas_down, timeout=FAILOVER_DEADLINE_S)
            assert await replica.get('rw:key') == b'value'
            assert await served_by(replica) == site.master.port
            health = await rc.check_redis()
            assert health['status'] == 'healthy' and health['cluster']['replicas_count'] == 0, health
        finally:
            await rc.close()
            rc.configure(None)

    run(scenario())


# --------------------------------------------------------------------------- failovers


@pytest.mark.parametrize('fault', ['sigkill', 'sigstop'])
def test_writes_continue_after_the_master_fails(site, fault):
    """SIGKILL: connections refused. SIGSTOP: a frozen master, only socket timeouts get the client away."""
    async def scenario():
        client = rc.SentinelClient(site.settings)
        master, replica = await client.get_master(), await client.get_slave()
        try:
            acked = await write_acknowledged(master, 'fault', 30)
            assert len(acked) == 30
            old = addr(site.master)
            if fault == 'sigkill':
                site.master.proc.kill()
                site.master.proc.wait(timeout=10)
            else:
                site.master.proc.send_signal(signal.SIGSTOP)
            failed = time.monotonic()
            app_errors = {}

            async def write():
                await master.set('fault:after', 'x')  # the same client object as before the fault
                return rc.last_address()  # per task: read it in the task that wrote

            while True:
                try:
                    # the bound only keeps a hang from hanging the test
                    served = await asyncio.wait_for(write(), FAILOVER_DEADLINE_S)
                    break
                except redis.exceptions.RedisError as exc:  # the module gave up after REDIS_RETRY_TIMEOUT
                    app_errors[exc.__class__.__name__] = app_errors.get(exc.__class__.__name__, 0) + 1
                    assert time.monotonic() - failed < FAILOVER_DEADLINE_S, app_errors
            unavailable = time.monotonic() - failed
            new = named_master(site.sentinels[0])
            print('\n%s of the master: writes unavailable for %.2f s, errors seen by the app: %s, new master %s '
                  '(redis-py %s)' % (fault, unavailable, app_errors, new, redis.__version__))
            assert new != old and served == new
            # the failover took less than REDIS_RETRY_TIMEOUT (10 s): the app never saw it
            assert app_errors == {}
            assert role(site.node(new)) == 'master'
            assert await missing_keys(master, 'fault', acked) == []
            assert await replica.get('fault:after') in (b'x', None)  # the replica client is still usable
        finally:
            if fault == 'sigstop':
                site.master.proc.send_signal(signal.SIGCONT)
            await client.aclose()

    run(scenario())


def test_readonly_after_the_collection_switchover_is_handled(site, run_module):
    """redis_switchover demotes the old master in place: the pooled connection gets READONLY, the app nothing."""
    async def scenario():
        # no master watcher here: the first write must meet the demoted master
        client = rc.SentinelClient(dataclasses.replace(site.settings, master_check_interval=0))
        master = await client.get_master()
        try:
            acked = await write_acknowledged(master, 'so', 20)
            assert len(acked) == 20 and readonly_errors(site.master) == 0
            started = time.monotonic()
            result = run_module(redis_switchover.main, {
                'login_password': ADMIN_PW, 'master_host': '127.0.0.1', 'master_port': site.master.port,
                'sentinels': [{'host': '127.0.0.1', 'port': s.port} for s in site.sentinels],
                'sentinel_user': 'admin', 'sentinel_password': ADMIN_PW, 'timeout': 10, 'pause_ms': 25000})
            assert result['_rc'] == 0 and result['state'] == 'switched_over', result.get('msg')
            assert role(site.master) == 'slave'
            await master.set('so:after', 'x')  # through the connection opened to the old master
            unavailable = time.monotonic() - started
            new = site.wait_agreed_master(other_than=addr(site.master))
            print('\nswitchover: %.2f s from its start to the first write on %s, %d READONLY handled (redis-py %s)'
                  % (unavailable, new, readonly_errors(site.master), redis.__version__))
            assert readonly_errors(site.master) >= 1
            assert rc.last_address() == new
            assert await missing_keys(master, 'so', acked) == []
        finally:
            await client.aclose()

    run(scenario())


@pytest.mark.parametrize('guard', ['watcher', 'noreplicas'])
def test_writes_leave_the_old_master_before_sentinel_converts_it(site, guard):
    """A bare SENTINEL FAILOVER: the old master stays a master for seconds; the client must not stay with it.

    watcher: min-replicas-to-write 0, the old master takes writes; only the master watcher moves the client.
    noreplicas: no watcher; the old master refuses writes with NOREPLICAS, which makes the client ask Sentinel.
    """
    async def scenario():
        interval = 1.0 if guard == 'watcher' else 0
        client = rc.SentinelClient(dataclasses.replace(site.settings, master_check_interval=interval))
        master = await client.get_master()
        old = addr(site.master)
        if guard == 'watcher':
            with admin(site.master) as c:
                c.execute('CONFIG', 'SET', 'min-replicas-to-write', '0')
        try:
            await master.set('bare:0', 0)
            with sentinel_admin(site.sentinels[0]) as c:
                assert c.execute('SENTINEL', 'FAILOVER', MASTER_NAME) == 'OK'
            started = time.monotonic()
            switched = moved = None
            to_old_after_switch = 0
            while moved is None:
                assert time.monotonic() - started < FAILOVER_DEADLINE_S
                await master.set('bare:x', 'x')
                where = rc.last_address()
                if switched is None and named_master(site.sentinels[0]) != old:
                    switched = time.monotonic()
                if where != old:
                    moved = time.monotonic()
                elif switched is not None:
                    to_old_after_switch += 1
                await asyncio.sleep(0.05)
            still_master = role(site.master) == 'master'
            print('\n%s: Sentinel switched %.2f s after SENTINEL FAILOVER, the client %.2f s after; %d writes went '
                  'to the old master in between; old master converted yet: %s (redis-py %s)'
                  % (guard, (switched or moved) - started, moved - started, to_old_after_switch, not still_master,
                     redis.__version__))
            # Sentinel converts the old master about 10 s after the switch: the client left well before
            assert still_master and moved - (switched or moved) < 5
        finally:
            await client.aclose()

    run(scenario())


# --------------------------------------------------------------------------- command line


def cli(*args, env=None, timeout=60):
    env = dict({k: v for k, v in os.environ.items() if not k.startswith('REDIS_')}, **(env or {}))
    return subprocess.run([sys.executable, str(CLIENT_PY)] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, env=env, timeout=timeout)


def test_probe_and_verify_across_a_failover(site, tmp_path):
    old = addr(site.master)
    probe = subprocess.Popen(
        [sys.executable, str(CLIENT_PY), '--env-file', site.env_file, 'probe', '--seconds', '8', '--interval', '0.05',
         '--key-prefix', 'drill:t'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
        env={k: v for k, v in os.environ.items() if not k.startswith('REDIS_')})
    try:
        time.sleep(2.5)
        site.master.proc.kill()
        site.master.proc.wait(timeout=10)
        out, err = probe.communicate(timeout=60)
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.wait()
    assert probe.returncode == 0, err
    report = json.loads(out)
    print('\nprobe: %s' % json.dumps({k: report[k] for k in (
        'writes_attempted', 'writes_acknowledged', 'writes_unreplicated', 'write_errors',
        'longest_write_unavailability_s', 'reads_ok', 'reads_stale', 'read_errors', 'masters_seen', 'redis_py')}))
    assert report['masters_seen'][0] == old and len(report['masters_seen']) == 2
    assert report['writes_acknowledged'] == report['acknowledged']['count'] > 20
    assert report['longest_write_unavailability_s'] > 0.5  # the failover shows
    assert report['reads_ok'] > 0
    assert APP_PW not in out + err

    report_file = tmp_path / 'probe.json'
    report_file.write_text(out)
    verify = cli('--env-file', site.env_file, 'verify', '--key-prefix', 'drill:t', '--from-json', str(report_file))
    assert verify.returncode == 0, verify.stderr
    result = json.loads(verify.stdout)
    print('verify: %s' % json.dumps(result))
    assert result['lost'] == 0 and result['checked'] == report['writes_acknowledged']
    assert result['read_from'] == report['masters_seen'][-1]

    check = cli('--env-file', site.env_file, 'check')
    assert check.returncode == 0, check.stdout + check.stderr
    health = json.loads(check.stdout)
    assert health['status'] == 'healthy' and health['master'] == report['masters_seen'][-1]

    # a key that was never written is reported lost
    never = {'key_prefix': 'drill:t', 'writes_attempted': 0,
             'acknowledged': {'first': 10 ** 6, 'last': 10 ** 6, 'count': 1, 'gaps': []}}
    (tmp_path / 'never.json').write_text(json.dumps(never))
    verify = cli('--env-file', site.env_file, 'verify', '--from-json', str(tmp_path / 'never.json'))
    assert verify.returncode == 1 and json.loads(verify.stdout)['lost'] == 1

    # --delete removes the probe's keys: read back again, all are gone
    verify = cli('--env-file', site.env_file, 'verify', '--from-json', str(report_file), '--delete')
    assert verify.returncode == 0 and json.loads(verify.stdout)['deleted'] is True
    verify = cli('--env-file', site.env_file, 'verify', '--from-json', str(report_file))
    assert verify.returncode == 1 and json.loads(verify.stdout)['lost'] == report['writes_acknowledged']

    # configuration errors: exit 2 with the variable named, nothing on stdout
    missing = str(tmp_path / 'missing.env')
    bad = cli('check', env={'REDIS_ENV_FILE': missing})
    assert bad.returncode == 2 and bad.stdout == ''
    assert 'REDIS_ENV_FILE=%s' % missing in bad.stderr and 'REDIS_SENTINELS' in bad.stderr


# --------------------------------------------------------------------------- TLS


def make_ca(directory, node_cert=True):
    """A CA (ca.crt) and, signed by it, node.crt/node.key for a DNS name only: no IP address to match."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir()
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'backend client test CA')])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
    (directory / 'ca.crt').write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    if node_cert:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'redis-node.invalid')]))
                .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName('redis-node.invalid')]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        (directory / 'node.crt').write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (directory / 'node.key').write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        os.chmod(str(directory / 'node.key'), 0o600)
    return str(directory / 'ca.crt')


def test_tls_to_the_data_nodes_and_the_sentinels(start_server, tmp_path):
    """TLS ports only for the client: server certificates verified against the CA, host names not checked."""
    ca_file = make_ca(tmp_path / 'pki')
    tls = ['tls-cert-file %s' % (tmp_path / 'pki' / 'node.crt'), 'tls-key-file %s' % (tmp_path / 'pki' / 'node.key'),
           'tls-ca-cert-file %s' % ca_file, 'tls-auth-clients no', 'tls-replication yes']
    # the plain ports only serve the fixture's readiness check
    master_tls, sentinel_tls = free_port(), free_port()
    master = start_server('tm', password=ADMIN_PW,
                          extra=data_node_extra(min_replicas=0) + '\n'.join(['tls-port %d' % master_tls] + tls) + '\n')
    sentinel = start_server('ts', sentinel=True, extra=sentinel_extra(master_tls, quorum=1)
                            + '\n'.join(['tls-port %d' % sentinel_tls] + tls) + '\n')

    def master_up():
        with sentinel_admin(sentinel) as c:
            view = c.execute('SENTINEL', 'MASTER', MASTER_NAME)
        return dict(zip(view[::2], view[1::2]))['flags'] == 'master'

    wait_for('the Sentinel reaches the master over TLS', master_up, timeout=FAILOVER_DEADLINE_S)
    password_file = tmp_path / 'app.password'
    password_file.write_text(APP_PW)
    settings = rc.from_env_file(environ={
        'REDIS_ENV_FILE': str(tmp_path / 'none.env'), 'REDIS_MASTER_NAME': MASTER_NAME,
        'REDIS_SENTINELS': '127.0.0.1:%d' % sentinel_tls, 'REDIS_USERNAME': 'app',
        'REDIS_PASSWORD_FILE': str(password_file), 'REDIS_TLS_CA_FILE': ca_file})

    async def scenario():
        client = rc.SentinelClient(settings)
        try:
            health = await client.check()
            assert health['status'] == 'healthy' and health['master'] == '127.0.0.1:%d' % master_tls, health
            master = await client.get_master()
            assert await master.set('tls:key', 'v') is True
            assert await (await client.get_slave()).get('tls:key') == b'v'  # no replica: from the master
            assert rc.last_address() == '127.0.0.1:%d' % master_tls
        finally:
            await client.aclose()
        # plain TCP to the TLS ports, and certificates of another CA, are refused
        other_ca = make_ca(tmp_path / 'other', node_cert=False)
        for other in (dataclasses.replace(settings, tls_ca_file='', retry_timeout=0),
                      dataclasses.replace(settings, tls_ca_file=other_ca, retry_timeout=0)):
            client = rc.SentinelClient(other)
            try:
                health = await client.check()
                print('\nTLS CA %r: %s' % (other.tls_ca_file and os.path.basename(os.path.dirname(other.tls_ca_file)),
                                           health.get('error')))
                assert health['status'] == 'unhealthy' and health['cluster']['sentinels_reachable'] == 0, health
                assert APP_PW not in json.dumps(health)
            finally:
                await client.aclose()

    run(scenario())
    assert master.proc.poll() is None
