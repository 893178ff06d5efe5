# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A site inventory for tests that run ansible-playbook (every host is this machine), and the run itself."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import yaml

REPO = pathlib.Path(__file__).resolve().parents[1]


def site_variables(password):
    """The group variables every site needs: local connections, and one password per ACL user."""
    return {
        'ansible_connection': 'local',
        'ansible_python_interpreter': sys.executable,
        'redis_password': password,
        'redis_replication_password': password + '-replication',
        'redis_sentinel_auth_password': password + '-sentinel',
        'redis_app_password': password + '-app',
        'redis_monitor_password': password + '-monitor',
        'redis_sentinel_peer_password': password + '-peer',
    }


def write_site_inventory(directory, hosts, masters, replicas, sentinels, variables, other_groups=None):
    """Write ``hosts.yml`` (hosts: name -> host vars) and ``group_vars/all.yml`` into directory.

    other_groups: more groups (name -> host names), e.g. redis_clients or prometheus.
    """
    inventory = {'all': {
        'hosts': hosts,
        'children': {
            'redis': {'children': {
                'redis_master': {'hosts': {h: None for h in masters}},
                'redis_replicas': {'hosts': {h: None for h in replicas}},
            }},
            'redis_sentinels': {'hosts': {h: None for h in sentinels}},
        },
    }}
    for group, members in (other_groups or {}).items():
        inventory['all']['children'][group] = {'hosts': {h: None for h in members}}
    (directory / 'group_vars').mkdir(parents=True)
    (directory / 'hosts.yml').write_text(yaml.safe_dump(inventory, sort_keys=False))
    (directory / 'group_vars' / 'all.yml').write_text(yaml.safe_dump(variables, sort_keys=False))
    return directory


def run_playbook(inventory, playbook, *options, **env):
    """ansible-playbook from this checkout's virtualenv, with this collection, JSON results (env may override), no colour."""
    env = dict(dict(os.environ,
                    ANSIBLE_CONFIG=str(REPO / 'ansible.cfg'),
                    ANSIBLE_COLLECTIONS_PATH=str(REPO / '.collections'),
                    ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
                    ANSIBLE_CALLBACK_RESULT_FORMAT='json',
                    ANSIBLE_RETRY_FILES_ENABLED='0'), **env)
    cmd = [str(pathlib.Path(sys.executable).with_name('ansible-playbook')), '-i', str(inventory), str(playbook)]
    return subprocess.run(cmd + list(options), cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
