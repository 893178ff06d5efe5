# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reference guide's single-host shape, as `make lab RUNTIME=container` builds it.

Six containers on this machine's own Docker engine, on the network
sentinel-network, named as in the guide (inventories/lab-container). The
module brings the lab up from nothing, converges it, runs the guide's commands
and its Tests 1 to 4 the way the guide writes them, with the credential least
privilege needs where the guide sends none, converges once more after those
failovers with zero changes and the promoted master kept (the idempotence
proof: a run after failovers is the harder case), and removes the lab. The
client probe's drills of this runtime (crash, crash_restart, freeze,
partition) are Molecule container's. Each test needs the ones before it (one lab, in order).
Run with `make guide` (part of `make test`); marker `guide`.
"""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest
from site_inventory import REPO, run_playbook

pytestmark = pytest.mark.guide

INVENTORY = REPO / 'inventories' / 'lab-container'
SITE = REPO / 'playbooks' / 'site.yml'
LAB = REPO / 'scripts' / 'lab-container.sh'
NETWORK = 'sentinel-network'
ADDRESS = {
    'sentinel-redis-master': '172.31.242.10',
    'sentinel-redis-replica-1': '172.31.242.11',
    'sentinel-redis-replica-2': '172.31.242.12',
}
NAME_OF = {address: name for name, address in ADDRESS.items()}
# inventories/lab-container/group_vars/all.yml
ADMIN_PASSWORD = 'lab-only-admin-7f3c9a01'
APP_PASSWORD = 'lab-only-app-4e6b2c90'
MONITOR_PASSWORD = 'lab-only-monitor-5d3a8f'


def recap(stdout):
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r'^(\S+)\s+: ok=\d+\s+changed=(\d+)', stdout, re.MULTILINE)}


def tail(proc):
    return '\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s' % (proc.stdout[-6000:], proc.stderr[-3000:])


def converge():
    proc = run_playbook(INVENTORY, SITE, ANSIBLE_CALLBACK_RESULT_FORMAT='yaml')
    assert proc.returncode == 0, tail(proc)
    return proc


def docker(*args, auth=None, check=True):
    """`docker ...` as the guide types it; auth passes REDISCLI_AUTH through the environment."""
    cmd = ['docker'] + list(args)
    env = None
    if auth is not None:
        cmd = ['docker', args[0], '-e', 'REDISCLI_AUTH'] + list(args[1:])
        env = dict(os.environ, REDISCLI_AUTH=auth)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    if check:
        assert proc.returncode == 0, '%s: %s %s' % (' '.join(cmd), proc.stdout, proc.stderr)
    return proc


def sentinel(number, *command):
    """The guide's `docker exec sentinel-redis-sentinel-N redis-cli -p 26379 ...`: no credentials needed."""
    return docker('exec', 'sentinel-redis-sentinel-%d' % number, 'redis-cli', '-p', '26379', *command).stdout


def master_address(number=1):
    return sentinel(number, 'SENTINEL', 'get-master-addr-by-name', 'mymaster').split()[0]


def as_app(container, *command):
    return docker('exec', container, 'redis-cli', '--user', 'app', *command, auth=APP_PASSWORD).stdout.strip()


def info_replication(container):
    out = docker('exec', container, 'redis-cli', '--user', 'monitor', 'INFO', 'replication',
                 auth=MONITOR_PASSWORD).stdout
    return dict(line.split(':', 1) for line in out.splitlines() if ':' in line)


def wait_for(what, check, timeout=60.0, interval=0.2):
    start = time.monotonic()
    while True:
        value = check()
        if value:
            return value, time.monotonic() - start
        if time.monotonic() - start > timeout:
            pytest.fail('%s: not after %.0f s' % (what, timeout))
        time.sleep(interval)


def replica_of(container, master):
    def check():
        info = info_replication(container)
        return (info.get('role') == 'slave' and info.get('master_host') == ADDRESS[master]
                and info.get('master_link_status') == 'up')
    return check


# Left by this module, so that a lab of `make lab RUNTIME=container` is never taken for its own.
MARKER = '/var/lib/hastack-redis-lab/.made-by-tests'


@pytest.fixture(scope='module')
def lab():
    existing = subprocess.run(['docker', 'ps', '-aq', '--filter', 'network=%s' % NETWORK],
                              capture_output=True, text=True, timeout=60).stdout.split()
    if existing and not os.path.exists(MARKER):
        pytest.fail('The lab of `make lab RUNTIME=container` is up (%d containers on %s); these tests would replace '
                    'it. Remove it first: make lab-down RUNTIME=container.' % (len(existing), NETWORK))
    subprocess.run([str(LAB), 'down'], check=True, timeout=120)
    subprocess.run([str(LAB), 'up'], check=True, timeout=900)
    os.makedirs(os.path.dirname(MARKER), exist_ok=True)
    with open(MARKER, 'w') as marker:
        marker.write('tests/guide\n')
    start = time.monotonic()
    proc = converge()
    print('\nguide shape: first converge of six containers in %.0f s' % (time.monotonic() - start))
    yield proc
    subprocess.run([str(LAB), 'down'], check=False, timeout=120)


def test_first_converge_is_healthy(lab):
    assert re.search(r'Healthy: master sentinel-redis-master, 2 replicas', lab.stdout), tail(lab)
    containers = docker('ps', '--filter', 'network=%s' % NETWORK, '--format', '{{.Names}}').stdout.split()
    assert sorted(containers) == sorted(list(ADDRESS) + ['sentinel-redis-sentinel-%d' % i for i in (1, 2, 3)])


def test_guide_status_commands(lab):
    # As printed: Sentinel's default user serves discovery without a password.
    fields = sentinel(1, 'SENTINEL', 'master', 'mymaster').split('\n')
    master = dict(zip(fields[0::2], fields[1::2]))
    assert master['name'] == 'mymaster' and master['ip'] == ADDRESS['sentinel-redis-master']
    assert master['flags'] == 'master' and master['num-slaves'] == '2'
    assert master['num-other-sentinels'] == '2' and master['quorum'] == '2'
    # As printed, INFO is refused: the data nodes' default user is off.
    refused = docker('exec', 'sentinel-redis-master', 'redis-cli', 'INFO', 'replication', check=False)
    assert 'NOAUTH' in refused.stdout + refused.stderr
    # With the monitor user (INFO, no keys), the guide's answer.
    info = info_replication('sentinel-redis-master')
    assert info['role'] == 'master' and info['connected_slaves'] == '2'
    assert info_replication('sentinel-redis-replica-1')['master_link_status'] == 'up'


def test_guide_test1_replication(lab):
    assert as_app('sentinel-redis-master', 'SET', 'test_key', 'hello') == 'OK'
    value, took = wait_for('test_key on replica-1',
                           lambda: as_app('sentinel-redis-replica-1', 'GET', 'test_key') == 'hello', timeout=5)
    print('\nguide Test 1: replicated in %.3f s' % took)


def test_guide_test2_automatic_failover(lab):
    docker('stop', 'sentinel-redis-master')
    new, took = wait_for('a new master',
                         lambda: NAME_OF.get(master_address()) if master_address() != ADDRESS['sentinel-redis-master']
                         else None, timeout=30)
    print('\nguide Test 2: sentinel-1 names %s after %.1f s (docker stop to answer)' % (new, took))
    assert as_app(new, 'SET', 'failover_test', 'success') == 'OK'
    assert as_app(new, 'GET', 'test_key') == 'hello'
    docker('start', 'sentinel-redis-master')
    dummy, took = wait_for('the old master as a replica', replica_of('sentinel-redis-master', new), timeout=60)
    print('guide Test 2: the old master follows %s %.1f s after its start' % (new, took))


def test_guide_test3_sentinel_loss(lab):
    docker('stop', 'sentinel-redis-sentinel-1')
    try:
        fields = sentinel(2, 'SENTINEL', 'master', 'mymaster').split('\n')
        master = dict(zip(fields[0::2], fields[1::2]))
        assert master['flags'] == 'master'
        # Quorum still met once sentinel-2 counts sentinel-1 as down (after down-after).
        # CKQUORUM is not discovery: the admin user asks.
        dummy, took = wait_for('CKQUORUM with two usable Sentinels', lambda: docker(
            'exec', 'sentinel-redis-sentinel-2', 'redis-cli', '-p', '26379', '--user', 'admin',
            'SENTINEL', 'ckquorum', 'mymaster', auth=ADMIN_PASSWORD).stdout.startswith('OK 2 usable Sentinels'),
            timeout=30)
        print('\nguide Test 3: sentinel-2 answers CKQUORUM OK with 2 usable Sentinels %.1f s after the stop' % took)
    finally:
        docker('start', 'sentinel-redis-sentinel-1')
    wait_for('sentinel-1 back', lambda: sentinel(1, 'PING').strip() == 'PONG', timeout=30)


def test_switchover_back_to_the_guide_master(lab):
    # The guide's Test 4 cuts off sentinel-redis-master as the master: make it master again.
    proc = run_playbook(INVENTORY, REPO / 'playbooks' / 'switchover.yml', '-e', 'redis_switchover_target=sentinel-redis-master',
                        ANSIBLE_CALLBACK_RESULT_FORMAT='yaml')
    assert proc.returncode == 0, tail(proc)
    assert master_address() == ADDRESS['sentinel-redis-master']


def test_guide_test4_network_partition(lab):
    docker('network', 'disconnect', NETWORK, 'sentinel-redis-master')
    try:
        new, took = wait_for('a master other than the cut-off one',
                             lambda: NAME_OF.get(master_address(2)) if master_address(2) != ADDRESS['sentinel-redis-master']
                             else None, timeout=30)
        print('\nguide Test 4: sentinel-redis-master cut off, sentinel-2 names %s after %.1f s' % (new, took))
    finally:
        # With its own address: without --ip Docker hands out another one, which no member knows.
        docker('network', 'connect', '--ip', ADDRESS['sentinel-redis-master'], '--alias', 'sentinel-redis-master',
               NETWORK, 'sentinel-redis-master')
    dummy, took = wait_for('the old master as a replica', replica_of('sentinel-redis-master', new), timeout=60)
    print('guide Test 4: sentinel-redis-master follows %s %.1f s after it was connected again' % (new, took))
    assert as_app(new, 'GET', 'failover_test') == 'success'


def test_converge_after_the_failovers_changes_nothing(lab):
    before = master_address()
    proc = converge()
    changed = recap(proc.stdout)
    assert len(changed) == 6 and all(n == 0 for n in changed.values()), tail(proc)
    assert master_address() == before
    assert re.search(r'Healthy: master %s, 2 replicas' % NAME_OF[before], proc.stdout), tail(proc)
