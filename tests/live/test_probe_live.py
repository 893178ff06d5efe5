# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""End-to-end tests of ``roles/redis_drill/files/redis_probe.py``.

The live tests start a throwaway master, replica and Sentinel on
127.0.0.1 (``redis-server`` from scripts/test-deps.sh; Sentinel runs as
``redis-sentinel``, or as ``redis-server --sentinel`` where that link is
missing), run the probe as a subprocess, once undisturbed and once while the
master is SIGKILLed, and check the reports. Every process started here is
killed by the fixture finalizer, also when a test fails.

The CLI error tests (usage error, unreachable Sentinel) need no Redis.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from loopback import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
PROBE = REPO_ROOT / 'roles' / 'redis_drill' / 'files' / 'redis_probe.py'
REDIS_SERVER = shutil.which('redis-server')
REDIS_SENTINEL = shutil.which('redis-sentinel')
MASTER_NAME = 'mymaster'

live = pytest.mark.live
pytestmark = live


def sentinel_argv(conf: Path) -> list[str]:
    """Command line of a Sentinel: ``redis-sentinel`` or the same binary in sentinel mode."""
    if REDIS_SENTINEL is not None:
        return [REDIS_SENTINEL, str(conf)]
    return [str(REDIS_SERVER), str(conf), '--sentinel']


def wait_for(check: Callable[[], Any], timeout: float, what: str, step: float = 0.05) -> Any:
    """Poll ``check`` until it returns a truthy value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # the thing polled may not be up yet
            last = exc
        time.sleep(step)
    raise AssertionError(f'timed out waiting for {what} (last error: {last!r})')


def probe(*args: str, env: dict[str, str] | None = None,
          timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run the probe CLI to completion."""
    return subprocess.run([sys.executable, str(PROBE), *args], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


class Processes:
    """Started processes, all killed by :meth:`kill_all`."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[Any]] = []

    def start(self, argv: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
        proc = subprocess.Popen(argv, **kwargs)
        self.procs.append(proc)
        return proc

    def kill_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
        for proc in self.procs:
            proc.wait(timeout=10)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def processes() -> Iterator[Processes]:
    procs = Processes()
    yield procs
    procs.kill_all()
    assert all(p.poll() is not None for p in procs.procs), 'a started process is still running'


class Cluster:
    """Ports, password and processes of the throwaway master / replica / Sentinel."""

    def __init__(self, tmp: Path, processes: Processes) -> None:
        import redis
        self.redis = redis
        self.tmp = tmp
        self.processes = processes
        self.password = 'pw-' + secrets.token_hex(12)
        self.master_port = free_port()
        self.replica_port = free_port()
        self.sentinel_port = free_port()
        self.master = self._data_node('master', self.master_port, '')
        self._wait_ping(self.master_port, self.password)
        self.replica = self._data_node('replica', self.replica_port,
                                       f'replicaof 127.0.0.1 {self.master_port}\n')
        self._wait_ping(self.replica_port, self.password)
        wait_for(self._replica_online, 10, 'the replica to be online')
        self.sentinel = self._sentinel()
        self._wait_ping(self.sentinel_port, None)
        wait_for(self._sentinel_knows_replica, 10, 'Sentinel to know the replica')

    @property
    def env(self) -> dict[str, str]:
        """The probe's environment: the password travels only here."""
        return {**os.environ, 'REDIS_PROBE_PASSWORD': self.password}

    def _conf(self, name: str, text: str) -> Path:
        workdir = self.tmp / name
        workdir.mkdir()
        conf = workdir / f'{name}.conf'
        conf.touch(mode=0o600)
        conf.write_text(f'bind 127.0.0.1\ndir {workdir}\ndaemonize no\nlogfile {workdir}/log\n' + text)
        return conf

    def _data_node(self, name: str, port: int, extra: str) -> subprocess.Popen[Any]:
        conf = self._conf(name, f'port {port}\nsave ""\nappendonly no\n'
                                f'requirepass "{self.password}"\nmasterauth "{self.password}"\n'
                                + extra)
        return self.processes.start([REDIS_SERVER, str(conf)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)

    def _sentinel(self) -> subprocess.Popen[Any]:
        conf = self._conf('sentinel', (
            f'port {self.sentinel_port}\n'
            f'sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master_port} 1\n'
            f'sentinel auth-pass {MASTER_NAME} {self.password}\n'
            f'sentinel down-after-milliseconds {MASTER_NAME} 1000\n'
            f'sentinel failover-timeout {MASTER_NAME} 3000\n'))
        return self.processes.start(sentinel_argv(conf), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)

    def client(self, port: int, password: str | None = None) -> Any:
        return self.redis.Redis(host='127.0.0.1', port=port, password=password,
                                socket_timeout=1, socket_connect_timeout=1)

    def _wait_ping(self, port: int, password: str | None) -> None:
        def ping() -> bool:
            with self.client(port, password) as c:
                return bool(c.ping())
        wait_for(ping, 10, f'redis on port {port}')

    def _replica_online(self) -> bool:
        with self.client(self.master_port, self.password) as c:
            info = c.info('replication')
        slave = info.get('slave0') or {}
        return slave.get('state') == 'online' and int(slave.get('port', 0)) == self.replica_port

    def _sentinel_knows_replica(self) -> bool:
        with self.client(self.sentinel_port) as c:
            replicas = c.sentinel_slaves(MASTER_NAME)
        return any(r['port'] == self.replica_port and not r['is_sdown'] and not r['is_disconnected']
                   and r.get('master-link-status') == 'ok' for r in replicas)

    def sentinel_master_port(self) -> int:
        with self.client(self.sentinel_port) as c:
            _host, port = c.sentinel_get_master_addr_by_name(MASTER_NAME)
        return int(port)


@pytest.fixture
def cluster(tmp_path: Path, processes: Processes) -> Cluster:
    return Cluster(tmp_path, processes)


def start_run(cluster: Cluster, processes: Processes, tmp: Path, name: str) -> dict[str, Any]:
    """Start ``redis_probe.py run`` and wait for its first acknowledged write."""
    paths = {k: tmp / f'{name}.{k}' for k in ('stop', 'ready', 'json')}
    proc = processes.start(
        [sys.executable, str(PROBE), 'run', '--sentinel', f'127.0.0.1:{cluster.sentinel_port}',
         '--master-name', MASTER_NAME, '--rate', '100', '--duration', '25',
         '--stop-file', str(paths['stop']), '--ready-file', str(paths['ready']),
         '--out', str(paths['json'])],
        env=cluster.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: paths['ready'].exists() or proc.poll() is not None, 10, 'the probe to be ready')
    assert proc.poll() is None, proc.communicate()
    return {'proc': proc, **paths}


def stop_run(run: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Stop a probe run through its stop file; return its run file and output."""
    run['stop'].touch()
    out, err = run['proc'].communicate(timeout=10)
    assert run['proc'].returncode == 0, err
    return json.loads(run['json'].read_text()), out + err


def verify(cluster: Cluster, run: dict[str, Any], report: Path, *extra: str) -> tuple[dict[str, Any], str]:
    res = probe('verify', '--sentinel', f'127.0.0.1:{cluster.sentinel_port}', '--master-name', MASTER_NAME,
                '--in', str(run['json']), '--out', str(report), *extra, env=cluster.env)
    assert res.returncode == 0, res.stderr
    assert len(res.stdout.strip().splitlines()) == 5, res.stdout
    return json.loads(report.read_text()), res.stdout + res.stderr


REPORT_KEYS = {'run_id', 'writes', 'lost', 'unavailability', 'latency_ms', 'first_write_new_master_s',
               'failover_s', 'timeline', 'fault_time', 'promotion_time', 'keys_deleted'}


@live
def test_probe_steady_then_sigkill_failover(cluster: Cluster, processes: Processes, tmp_path: Path) -> None:
    outputs: list[str] = []

    # 1. undisturbed run, ~3 s at 100/s
    run1 = start_run(cluster, processes, tmp_path, 'steady')
    time.sleep(3)
    data1, out = stop_run(run1)
    outputs.append(out)
    assert data1['stopped_by'] == 'stop-file'
    assert set(data1) >= {'run_id', 'key_prefix', 'master_name', 'started', 'ended', 'rate', 'records'}
    mid = data1['started'] + 1.5
    report1, out = verify(cluster, run1, tmp_path / 'steady.report.json', '--fault-time', str(mid))
    outputs.append(out)
    assert set(report1) >= REPORT_KEYS
    assert report1['writes']['ok'] > 200
    assert report1['writes']['failed'] == 0
    lost1 = report1['lost']
    assert lost1['plain_lost'] == 0 and lost1['wait_lost'] == 0 and lost1['lost_seqs_sample'] == []
    assert lost1['wait_acked'] > 30  # WAIT 1 answered by the replica
    assert report1['keys_deleted'] == report1['writes']['ok']
    assert 0 < report1['unavailability']['window_s'] < 0.3  # about one interval (10 ms)
    assert report1['latency_ms']['p50'] is not None and report1['failover_s'] is None
    with cluster.client(cluster.master_port, cluster.password) as c:
        assert c.dbsize() == 0

    # 2. the master is SIGKILLed ~1 s into the run; Sentinel promotes the replica
    run2 = start_run(cluster, processes, tmp_path, 'sigkill')
    time.sleep(1.0)
    fault_time = time.time()
    cluster.master.send_signal(signal.SIGKILL)
    cluster.master.wait(timeout=5)
    wait_for(lambda: cluster.sentinel_master_port() == cluster.replica_port, 15, 'the failover', step=0.02)
    promotion_time = time.time()
    assert run2['proc'].poll() is None, 'the probe stopped during the failover'
    time.sleep(1.0)
    data2, out = stop_run(run2)
    outputs.append(out)
    recs = data2['records']
    assert any(not r['ok'] for r in recs)
    assert any(r['ok'] and r['t'] >= promotion_time for r in recs)
    new_master = f'127.0.0.1:{cluster.replica_port}'
    report2, out = verify(cluster, run2, tmp_path / 'sigkill.report.json', '--fault-time', str(fault_time),
                          '--promotion-time', str(promotion_time), '--new-master', new_master)
    outputs.append(out)
    assert set(report2) >= REPORT_KEYS
    assert report2['read_from'] == new_master
    assert report2['unavailability']['window_s'] > 0.5
    assert report2['first_write_new_master_s'] is not None
    assert report2['first_write_new_master_s'] >= report2['failover_s'] - 0.5
    assert report2['lost']['wait_lost'] == 0
    assert report2['lost']['wait_acked'] > 0
    print('\nSIGKILL drill: failover_s=%.3f window_s=%.3f first_write_new_master_s=%.3f '
          'plain_lost=%d/%d wait_lost=%d/%d failed=%d latency_ms=%s' % (
              report2['failover_s'], report2['unavailability']['window_s'],
              report2['first_write_new_master_s'], report2['lost']['plain_lost'],
              report2['lost']['plain_acked'], report2['lost']['wait_lost'], report2['lost']['wait_acked'],
              report2['writes']['failed'], report2['latency_ms']))

    # 3. plot and aggregate
    png = tmp_path / 'sigkill.png'
    res = probe('plot', '--in', str(run2['json']), '--report', str(tmp_path / 'sigkill.report.json'),
                '--out', str(png))
    assert res.returncode == 0, res.stderr
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    summary = tmp_path / 'summary.json'
    res = probe('aggregate', '--in', str(tmp_path / 'steady.report.json'),
                str(tmp_path / 'sigkill.report.json'), '--out', str(summary))
    assert res.returncode == 0, res.stderr
    outputs.append(res.stdout + res.stderr)
    figures = json.loads(summary.read_text())['figures']
    assert figures['unavailability_window_s']['n'] == 2
    assert figures['failover_s']['n'] == 1
    header = [c.strip() for c in res.stdout.splitlines()[0].split('|')]
    assert header == ['figure', 'min', 'p50', 'p95', 'max', 'n']
    assert any(line.startswith('unavailability_window_s ') for line in res.stdout.splitlines())

    # 4. SIGTERM: the probe stops and still writes its run file
    run3 = start_run(cluster, processes, tmp_path, 'sigterm')
    time.sleep(0.3)
    run3['proc'].send_signal(signal.SIGTERM)
    out, err = run3['proc'].communicate(timeout=10)
    outputs.append(out + err)
    assert run3['proc'].returncode == 0, err
    data3 = json.loads(run3['json'].read_text())
    assert data3['stopped_by'] == 'SIGTERM' and len(data3['records']) >= 2  # WAIT 1 now times out: no replica left
    report3, out = verify(cluster, run3, tmp_path / 'sigterm.report.json', '--fault-time', str(time.time()))
    outputs.append(out)
    assert report3['lost']['plain_lost'] == 0 and report3['unavailability']['window_s'] is None
    assert report3['keys_deleted'] == report3['writes']['ok']

    # the password is in no output and no file
    for text in outputs:
        assert cluster.password not in text
    for path in tmp_path.glob('*.json'):
        assert cluster.password not in path.read_text()


def test_usage_error_exit_2(tmp_path: Path) -> None:
    res = probe('run', '--sentinel', '127.0.0.1:1', '--duration', '901', '--out', str(tmp_path / 'r.json'))
    assert res.returncode == 2
    assert 'duration' in res.stderr
    assert probe('run', '--sentinel', 'nohostport', '--out', str(tmp_path / 'r.json')).returncode == 2
    assert probe('verify', '--sentinel', '127.0.0.1:1', '--in', str(tmp_path / 'missing.json'),
                 '--out', str(tmp_path / 'rep.json'), '--fault-time', '1').returncode == 2
    env = {k: v for k, v in os.environ.items() if k != 'HASTACK_NO_SUCH_VAR'}
    res = probe('run', '--sentinel', '127.0.0.1:1', '--password-env', 'HASTACK_NO_SUCH_VAR',
                '--out', str(tmp_path / 'r.json'), env=env)
    assert res.returncode == 2 and 'HASTACK_NO_SUCH_VAR' in res.stderr


def test_unreachable_sentinel_exit_1(tmp_path: Path) -> None:
    ports = [free_port(), free_port()]
    password = 'pw-' + secrets.token_hex(12)
    env = {**os.environ, 'REDIS_PROBE_PASSWORD': password}
    sentinels = [a for p in ports for a in ('--sentinel', f'127.0.0.1:{p}')]
    res = probe('run', *sentinels, '--duration', '5', '--out', str(tmp_path / 'r.json'), env=env)
    assert res.returncode == 1
    assert f'127.0.0.1:{ports[0]}, 127.0.0.1:{ports[1]}' in res.stderr
    assert password not in res.stdout + res.stderr
    assert not (tmp_path / 'r.json').exists()
    run_file = tmp_path / 'run.json'
    run_file.write_text(json.dumps({'run_id': 'x', 'key_prefix': 'hastack:drill:x', 'records': []}))
    res = probe('verify', *sentinels, '--in', str(run_file), '--out', str(tmp_path / 'rep.json'),
                '--fault-time', '1', env=env)
    assert res.returncode == 1
    assert f'127.0.0.1:{ports[0]}' in res.stderr and password not in res.stderr
