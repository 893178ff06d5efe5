# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every playbook checks the inventory as site.yml does, before it reads or touches the site.

Every host is this machine (``ansible_connection: local``); each run must stop
in the inventory checks, so no Redis is needed and nothing is contacted.
"""

from __future__ import annotations

import pytest
from site_inventory import REPO, run_playbook, site_variables, write_site_inventory

PASSWORD = 'integration-only-playbooks-0123456789'
HOSTS = {'a': {'redis_address': '192.0.2.11'}, 'b': {'redis_address': '192.0.2.12'},
         'c': {'redis_address': '192.0.2.13'}}
PLAYBOOKS = {
    'health.yml': [],
    'switchover.yml': [],
    'rolling_restart.yml': [],
    'failover_drill.yml': ['-e', 'redis_drill_fault=crash'],
}


@pytest.mark.parametrize('playbook', sorted(PLAYBOOKS))
def test_playbook_refuses_a_data_group_without_the_data_nodes(tmp_path, playbook):
    inventory = write_site_inventory(tmp_path / 'inventory', HOSTS, ['a'], ['b', 'c'], ['a', 'b', 'c'],
                                     site_variables(PASSWORD))
    proc = run_playbook(inventory, REPO / 'playbooks' / playbook, *PLAYBOOKS[playbook],
                        '-e', 'redis_data_group=nosuchgroup',
                        '-e', 'redis_drill_report_dir=%s' % (tmp_path / 'reports'))
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert ("The group 'nosuchgroup' must have 'redis_master' and 'redis_replicas' as children"
            in proc.stdout), proc.stdout[-3000:]
    # stopped in the checks: no topology read, no report directory, nothing injected or restarted
    assert 'Read the live topology' not in proc.stdout, proc.stdout[-3000:]
    assert not (tmp_path / 'reports').exists()
    assert PASSWORD not in proc.stdout + proc.stderr


def test_drill_refuses_a_site_that_mixes_runtimes(tmp_path):
    hosts = dict(HOSTS, c=dict(HOSTS['c'], redis_runtime='container'))
    inventory = write_site_inventory(tmp_path / 'inventory', hosts, ['a'], ['b', 'c'], ['a', 'b', 'c'],
                                     site_variables(PASSWORD))
    proc = run_playbook(inventory, REPO / 'playbooks' / 'failover_drill.yml', '-e', 'redis_drill_fault=crash',
                        '-e', 'redis_drill_report_dir=%s' % (tmp_path / 'reports'))
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert ('The drill acts on services the way redis_runtime=systemd runs them, but c (container) runs another '
            'runtime. A site that mixes runtimes cannot be drilled yet' in proc.stdout), proc.stdout[-3000:]
    assert 'Read the live topology' not in proc.stdout, proc.stdout[-3000:]
    assert not (tmp_path / 'reports').exists()


def test_drill_refuses_a_stall_as_long_as_down_after(tmp_path):
    inventory = write_site_inventory(tmp_path / 'inventory', HOSTS, ['a'], ['b', 'c'], ['a', 'b', 'c'],
                                     site_variables(PASSWORD))
    proc = run_playbook(inventory, REPO / 'playbooks' / 'failover_drill.yml', '-e', 'redis_drill_fault=stall',
                        '-e', 'redis_sentinel_profile=fast', '-e', 'redis_drill_stall_ms=1500',
                        '-e', 'redis_drill_report_dir=%s' % (tmp_path / 'reports'))
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert ('redis_drill_stall_ms=1500 must be above 0 and below redis_sentinel_down_after_milliseconds=1500: '
            'a longer stall is a freeze' in proc.stdout), proc.stdout[-3000:]
    assert 'Read the live topology' not in proc.stdout, proc.stdout[-3000:]
    assert not (tmp_path / 'reports').exists()
