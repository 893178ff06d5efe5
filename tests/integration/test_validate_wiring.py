# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The validate entry points are wired: spec, main (once per run), first play of site.yml."""

from __future__ import annotations

import pathlib

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
ROLES = ['redis_common', 'redis_server', 'redis_replica', 'redis_sentinel', 'redis_exporter']


@pytest.mark.parametrize('role', ROLES)
def test_role_validates_first(role):
    base = REPO / 'roles' / role
    assert (base / 'tasks' / 'validate.yml').is_file()
    specs = yaml.safe_load((base / 'meta' / 'argument_specs.yml').read_text())['argument_specs']
    assert specs.get('validate', {}).get('short_description'), 'no validate entry point in %s' % role
    tasks = yaml.safe_load((base / 'tasks' / 'main.yml').read_text())
    if role == 'redis_common':
        # it refuses to run from a play first
        assert 'ansible_parent_role_names' in str(tasks[0].get('ansible.builtin.assert')), tasks[0]
        tasks = tasks[1:]
    else:
        # the shared steps (its own checks, the member addresses) run first, as a dependency
        meta = yaml.safe_load((base / 'meta' / 'main.yml').read_text())
        assert meta['dependencies'] == [{'role': 'hastack.redis.redis_common'}]
    validate = tasks[0]
    assert validate.get('ansible.builtin.include_tasks') == 'validate.yml', validate
    # skipped where the first play of site.yml already ran it
    assert validate.get('when') == 'not (__%s_validated | default(false))' % role, validate


@pytest.mark.parametrize('role', ROLES)
def test_validate_remembers_it_ran(role):
    tasks = yaml.safe_load((REPO / 'roles' / role / 'tasks' / 'validate.yml').read_text())
    assert any(t.get('ansible.builtin.set_fact', {}).get('__%s_validated' % role) is True for t in tasks), role


def test_first_play_runs_every_validate():
    play = yaml.safe_load((REPO / 'playbooks' / 'site.yml').read_text())[0]
    assert play['name'] == 'Check the inventory before changing anything'
    assert play['gather_facts'] is True and play['any_errors_fatal'] is True
    included = [(t['ansible.builtin.include_role']['name'], t['ansible.builtin.include_role']['tasks_from'])
                for t in play['tasks']]
    assert included == [('hastack.redis.redis_common', 'validate'), ('hastack.redis.redis_common', 'checks'),
                        ('hastack.redis.redis_common', 'members')] + [
        ('hastack.redis.' + r, 'validate') for r in ROLES[1:]]
