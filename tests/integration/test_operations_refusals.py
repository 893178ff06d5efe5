# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The day-2 playbooks refuse bad input before they read or touch the site.

Every host is this machine (``ansible_connection: local``); each run must stop
in its checks, so no Redis is needed and nothing is contacted. The refusals
that depend on the live state (the live master, a site that is not healthy)
are proven by the Molecule scenario ``operations``.
"""

from __future__ import annotations

import pytest
from site_inventory import REPO, run_playbook, site_variables, write_site_inventory

PASSWORD = 'integration-only-operations-0123456789'
HOSTS = {'a': {'redis_address': '192.0.2.11'}, 'b': {'redis_address': '192.0.2.12'},
         'c': {'redis_address': '192.0.2.13'}, 's1': {'redis_address': '192.0.2.21'},
         's2': {'redis_address': '192.0.2.22'}, 's3': {'redis_address': '192.0.2.23'}}

CASES = {
    'resync-without-host': (
        'replica_resync.yml', [],
        'redis_resync_host="": name the data node to resync, one of a, b, c (-e redis_resync_host=<replica>).'),
    'resync-of-a-sentinel': (
        'replica_resync.yml', ['-e', 'redis_resync_host=s1'],
        'redis_resync_host="s1": name the data node to resync, one of a, b, c'),
    'reset-of-a-data-node': (
        'sentinel_reset.yml', ['-e', '{"redis_sentinel_reset_hosts": ["s1", "b"]}'],
        'redis_sentinel_reset_hosts=["s1", "b"]: give a list of Sentinels of the inventory (s1, s2, s3), '
        'or leave it empty to reset every one.'),
    'reset-given-a-string': (
        'sentinel_reset.yml', ['-e', 'redis_sentinel_reset_hosts=s1'],
        'redis_sentinel_reset_hosts="s1": give a list of Sentinels of the inventory'),
    'remove-without-host': (
        'remove_node.yml', [],
        'redis_remove_host="": name the replica or Sentinel to remove, one of a, b, c, s1, s2, s3 '
        '(-e redis_remove_host=<host>).'),
    'remove-the-bootstrap-master': (
        'remove_node.yml', ['-e', 'redis_remove_host=a'],
        'a is in redis_master, the inventory\'s bootstrap master. Move another data node into redis_master first'),
    'remove-below-quorum': (
        'remove_node.yml', ['-e', 'redis_remove_host=s3', '-e', 'redis_sentinel_quorum=3'],
        'Without s3 only 2 Sentinel(s) would remain, fewer than redis_sentinel_quorum=3: no failover could be '
        'decided. Add a Sentinel first, or lower the quorum.'),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_operation_refuses_bad_input_before_contact(tmp_path, case):
    playbook, args, message = CASES[case]
    inventory = write_site_inventory(tmp_path / 'inventory', HOSTS, ['a'], ['b', 'c'], ['s1', 's2', 's3'],
                                     site_variables(PASSWORD))
    proc = run_playbook(inventory, REPO / 'playbooks' / playbook, *args)
    out = ' '.join(proc.stdout.split())
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert message in out, proc.stdout[-3000:]
    # stopped in the checks: the live topology was never read, nothing ran after
    assert 'Read the live topology' not in proc.stdout, proc.stdout[-3000:]
    assert PASSWORD not in proc.stdout + proc.stderr
