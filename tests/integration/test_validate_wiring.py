# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The validate entry points are wired: spec, first task of main, first play of site.yml."""

from __future__ import annotations

import pathlib

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
ROLES = ['redis_common', 'redis_server', 'redis_replica', 'redis_sentinel']


@pytest.mark.parametrize('role', ROLES)
def test_role_validates_first(role):
    base = REPO / 'roles' / role
    assert (base / 'tasks' / 'validate.yml').is_file()
    specs = yaml.safe_load((base / 'meta' / 'argument_specs.yml').read_text())['argument_specs']
    assert specs.get('validate', {}).get('short_description'), 'no validate entry point in %s' % role
    first = yaml.safe_load((base / 'tasks' / 'main.yml').read_text())[0]
    assert first.get('ansible.builtin.include_tasks') == 'validate.yml', first


def test_first_play_runs_every_validate():
    play = yaml.safe_load((REPO / 'playbooks' / 'site.yml').read_text())[0]
    assert play['name'] == 'Check the inventory before changing anything'
    assert play['gather_facts'] is True and play['any_errors_fatal'] is True
    included = [(t['ansible.builtin.include_role']['name'], t['ansible.builtin.include_role']['tasks_from'])
                for t in play['tasks']]
    assert included == [('hastack.redis.redis_common', 'validate'), ('hastack.redis.redis_common', 'preflight')] + [
        ('hastack.redis.' + r, 'validate') for r in ROLES[1:]]
