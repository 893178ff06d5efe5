# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Who the host firewall lets in: every member, whichever hosts the run has.

Each test writes a small inventory whose hosts are all this machine
(``ansible_connection: local``), runs a short playbook through the role's
``members`` entry point (address publication) and renders
``hastack-redis.nft.j2`` into a temporary directory, as ``--limit`` runs do.
Nothing is written outside that directory and no DNS name is looked up: the
names used are addresses, or hosts that cannot be reached on loopback.
"""

from __future__ import annotations

import json
import pathlib
import re

import pytest
import yaml
from site_inventory import run_playbook, site_variables, write_site_inventory

REPO = pathlib.Path(__file__).resolve().parents[3]
TEMPLATE = REPO / 'roles' / 'redis_common' / 'templates' / 'hastack-redis.nft.j2'
PASSWORD = 'unit-only-firewall-0123456789'

# a: the bootstrap master (192.0.2.11), b: a replica without redis_address
# (its address comes from its facts), c: a replica; all three are Sentinels.
HOST_VARS = {'a': {'redis_address': '192.0.2.11'}, 'b': {}, 'c': {'redis_address': '192.0.2.13'}}

RENDER = [{
    'name': 'Render the firewall as the hosts of this run see it',
    'hosts': 'redis:redis_sentinels',
    'gather_facts': True,
    'any_errors_fatal': True,  # as in playbooks/site.yml
    'tasks': [
        {'name': 'Publish the cluster addresses',
         'ansible.builtin.include_role': {'name': 'hastack.redis.redis_common', 'tasks_from': 'members',
                                         'public': True}},
        {'name': 'Render the firewall rules',
         'ansible.builtin.template': {'src': str(TEMPLATE), 'dest': '{{ out }}/{{ inventory_hostname }}.nft',
                                      'mode': '0644'}},
        {'name': 'Save the member list',
         'ansible.builtin.copy': {
             'content': '{{ {"nodes": __redis_common_nodes, "sentinels": __redis_common_sentinels} | to_json }}',
             'dest': '{{ out }}/{{ inventory_hostname }}.json', 'mode': '0644'}},
    ],
}]

# The firewall entry point in check mode: its checks run before it installs or
# writes anything, so a refused input stops it there.
FIREWALL = [{
    'name': 'Check the firewall inputs',
    'hosts': 'redis:redis_sentinels',
    'gather_facts': True,
    'tasks': [
        {'name': 'Restrict the Redis and Sentinel ports',
         'ansible.builtin.include_role': {'name': 'hastack.redis.redis_common', 'tasks_from': 'firewall'}},
    ],
}]


def write_inventory(tmp, host_vars=None, group_vars=None):
    hosts = {h: dict(HOST_VARS[h], **(host_vars or {}).get(h, {})) for h in HOST_VARS}
    variables = dict(site_variables(PASSWORD), redis_firewall_enabled=True, out=str(tmp))
    variables.update(group_vars or {})
    inv = write_site_inventory(tmp / 'inventory', hosts, ['a'], ['b', 'c'], ['a', 'b', 'c'], variables)
    return inv


def ansible_playbook(tmp, plays, limit=None, check=False, **inventory):
    tmp.mkdir(parents=True, exist_ok=True)
    playbook = tmp / 'play.yml'
    playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
    options = (['--limit', limit] if limit else []) + (['--check'] if check else [])
    proc = run_playbook(write_inventory(tmp, **inventory), playbook, *options)
    proc.context = '\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s' % (proc.stdout[-4000:], proc.stderr[-2000:])
    return proc


def allowed(rules, family):
    """The elements of set allowed_v4 or allowed_v6 of a rendered file."""
    match = re.search(r'set allowed_%s \{.*?elements = \{([^}]*)\}' % family, rules, re.DOTALL)
    assert match, rules
    return sorted(e.strip() for e in match.group(1).split(','))


def test_limit_keeps_every_member(tmp_path):
    """--limit a: b (no redis_address, facts not gathered by the play) is still let in."""
    limited = ansible_playbook(tmp_path / 'limited', RENDER, limit='a')
    assert limited.returncode == 0, limited.context
    members = json.loads((tmp_path / 'limited' / 'a.json').read_text())
    b = [m['host'] for m in members['nodes'] + members['sentinels'] if m['name'] == 'b']
    assert len(b) == 2 and b[0] == b[1], members
    assert re.match(r'^[0-9.]+$', b[0]), 'b is known by its name only: %s' % members
    rules = (tmp_path / 'limited' / 'a.nft').read_text()
    assert allowed(rules, 'v4') == sorted({'127.0.0.0/8', '192.0.2.11', '192.0.2.13', b[0]}), rules

    whole = ansible_playbook(tmp_path / 'whole', RENDER)
    assert whole.returncode == 0, whole.context
    assert (tmp_path / 'whole' / 'a.nft').read_text() == rules, 'the rules depend on the hosts of the run'


def test_ipv6_member_goes_into_the_ip6_set(tmp_path):
    proc = ansible_playbook(tmp_path, RENDER, host_vars={'c': {'redis_address': '2001:db8::13'}},
                            group_vars={'redis_firewall_client_networks': ['198.51.100.0/24', '2001:db8:1::/64']})
    assert proc.returncode == 0, proc.context
    rules = (tmp_path / 'a.nft').read_text()
    assert allowed(rules, 'v6') == ['2001:db8:1::/64', '2001:db8::13', '::1'], rules
    assert '2001:db8::13' not in allowed(rules, 'v4'), rules
    assert '198.51.100.0/24' in allowed(rules, 'v4'), rules
    assert re.search(r'ip6 saddr @allowed_v6 accept', rules), rules
    # the drop comes after both accepts
    assert rules.index('drop') > rules.index('ip6 saddr @allowed_v6 accept'), rules


def test_member_without_address_is_refused_before_any_change(tmp_path):
    """b has no redis_address and cannot be reached for its facts (ssh to a closed loopback port)."""
    proc = ansible_playbook(tmp_path, RENDER, limit='a', host_vars={'b': {
        'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1', 'ansible_port': 1,
        'ansible_ssh_common_args': '-o ConnectTimeout=2 -o BatchMode=yes'}})
    assert proc.returncode != 0, proc.context
    message = ('Host b has no redis_address and its address could not be read from its facts')
    assert message in proc.stdout, proc.context
    assert 'Set redis_address for b' in proc.stdout, proc.context
    assert not (tmp_path / 'a.nft').exists(), 'the rules were written without b'


@pytest.mark.parametrize('networks, bad', [
    (['clients.example'], 'clients.example'),
    (['10.0.0.0/8', '10.1.2.3 10.1.2.4'], '10.1.2.3 10.1.2.4'),
])
def test_client_network_must_be_an_address(tmp_path, networks, bad):
    proc = ansible_playbook(tmp_path, FIREWALL, limit='a', check=True,
                            group_vars={'redis_firewall_client_networks': networks})
    assert proc.returncode != 0, proc.context
    assert ("redis_firewall_client_networks: '%s' is not an IPv4 or IPv6 address or network" % bad
            in proc.stdout), proc.context
    assert 'Install nftables' not in proc.stdout, proc.context
