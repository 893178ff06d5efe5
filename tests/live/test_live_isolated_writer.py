# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""min-replicas-to-write against real redis-server processes on 127.0.0.1.

- the drill's isolated-side writer (roles/redis_drill/files/isolated_writer.py)
  records accepted writes and NOREPLICAS refusals as the master gives them;
- a master whose only replica stops acknowledging (SIGSTOP, as a cut) starts
  refusing writes, and the topology module's node view reports good_replicas
  0, which the health check turns into the "refuses every write" problem;
- with a replica acknowledging, good_replicas is 1 and nothing is refused.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisClient
from ansible_collections.hastack.redis.plugins.module_utils.topology import health_problems
from ansible_collections.hastack.redis.plugins.module_utils.views import node_view
from servers import wait_for


pytestmark = pytest.mark.live

WRITER = pathlib.Path(__file__).resolve().parents[2] / 'roles' / 'redis_drill' / 'files' / 'isolated_writer.py'
GUARD = 'min-replicas-to-write 1\nmin-replicas-max-lag 2\n'


def run_writer(tmp_path, port, password, duration, name):
    out = tmp_path / ('%s.json' % name)
    env = dict(os.environ, WRITER_PW=password)
    subprocess.run([sys.executable, str(WRITER), '--port', str(port), '--username', 'default',
                    '--password-env', 'WRITER_PW', '--key-prefix', 'hastack:test:%s' % name, '--rate', '20',
                    '--duration', str(duration), '--stop-file', str(tmp_path / 'never'), '--out', str(out)],
                   env=env, check=True, timeout=duration + 20)
    return json.loads(out.read_text())


def view(port, password):
    return node_view(RedisClient(host='127.0.0.1', port=port, password=password), '127.0.0.1', port)[0]


def test_master_without_a_replica_refuses_and_the_health_check_says_why(tmp_path, start_server):
    master = start_server(password='pw-master-0123456789', extra=GUARD)
    record = run_writer(tmp_path, master.port, master.password, 1.0, 'alone')
    assert record['accepted'] == []
    assert record['refused'].get('NOREPLICAS', 0) == record['attempts'] > 0
    v = view(master.port, master.password)
    assert v['good_replicas'] == 0
    problems = health_problems({'name': 'm', 'host': '127.0.0.1', 'port': master.port}, {'m': v}, {})
    assert [p for p in problems if p.startswith('master m refuses every write (NOREPLICAS)')]


def test_writes_stop_once_the_only_replica_stops_acknowledging(tmp_path, start_server):
    password = 'pw-master-0123456789'
    master = start_server(password=password, extra=GUARD)
    replica = start_server(password=password, extra='replicaof 127.0.0.1 %d\nmasterauth "%s"\n' % (
        master.port, password))
    wait_for('the replica to acknowledge', lambda: view(master.port, password)['good_replicas'] == 1)
    with_replica = run_writer(tmp_path, master.port, password, 1.0, 'linked')
    assert with_replica['refused'] == {}
    assert len(with_replica['accepted']) == with_replica['attempts']

    # the replica stops acknowledging, as if cut off
    os.kill(replica.proc.pid, signal.SIGSTOP)
    cut = time.time()
    try:
        record = run_writer(tmp_path, master.port, password, 8.0, 'cut')
    finally:
        os.kill(replica.proc.pid, signal.SIGCONT)
    assert record['refused'].get('NOREPLICAS', 0) > 0, record
    accepted_after = [t for t in record['accepted'] if t > cut]
    window = (max(accepted_after) - cut) if accepted_after else 0.0
    # a figure, not a threshold: the drill asserts the bound on real hosts
    print('master accepted writes for %.2f s after its only replica stopped (min-replicas-max-lag 2)' % window)
    # within min-replicas-max-lag of the last acknowledgement the master still accepts
    assert accepted_after, record
