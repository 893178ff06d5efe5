# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""invalid_inventory: every rule of the first play of playbooks/site.yml.

Each case writes a small inventory whose hosts are all this machine
(``ansible_connection: local``; their ``redis_address`` values are in
192.0.2.0/24 and never contacted), runs the whole site playbook and asserts
the exact message, that the run stopped in the first play and that no host
changed. Runs use ``--check`` as a safety net: should a case ever pass the
checks, the deploy plays would still not touch this machine. The checks
themselves (assert, debug, set_fact) behave the same in check mode.

All hosts are this machine, so facts are gathered once (by the run of the
valid inventory) into a JSON fact cache that the cases then read
(gathering=smart): it keeps the whole module well within 90 s.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from site_inventory import run_playbook, site_variables, write_site_inventory

REPO = pathlib.Path(__file__).resolve().parents[2]
SITE = REPO / 'playbooks' / 'site.yml'
FIRST_PLAY = 'Check the inventory before changing anything'
JOBS = int(os.environ.get('HASTACK_IT_JOBS', os.cpu_count() or 2))
PASSWORD = 'integration-only-0123456789'
DROP = object()  # group var to leave out

# The example layout: three hosts, each a data node and a Sentinel.
ADDRESSES = {'a': '192.0.2.11', 'b': '192.0.2.12', 'c': '192.0.2.13', 'd': '192.0.2.14'}


def case(expect, warn=(), masters=('a',), replicas=('b', 'c'), sentinels=('a', 'b', 'c'),
         host_vars=None, group_vars=None, limit=None, other_groups=None):
    return dict(expect=list(expect), warn=list(warn), masters=masters, replicas=replicas,
                sentinels=sentinels, host_vars=host_vars or {}, group_vars=group_vars or {}, limit=limit,
                other_groups=other_groups or {})


# A member outside the run (--limit a) without redis_address whose facts
# cannot be gathered: e is not in the fact cache (not a host of the valid run).
NO_ADDRESS = ("Host e has no redis_address and its address could not be read from its facts (")
NO_ADDRESS_FIX = ("Every member's address is needed, also of the hosts outside this run (--limit). "
                  "Set redis_address for e in the inventory: the address the other members reach it at.")

BAD_MAXMEMORY = ("Host a: redis_server_maxmemory='lots' is not a Redis memory size. "
                 "Use a number of bytes or a unit such as 512mb or 2gb (0 means no limit).")

# The reference guide's single-host shape: every host one container on one
# bridge network (data nodes a, b, c; Sentinels s1, s2, s3 of their own).
BRIDGE = {'redis_runtime': 'container', 'redis_container_network': 'sentinel-network',
          'redis_container_network_subnet': '192.0.2.0/24',
          'redis_server_service_name': '{{{{ inventory_hostname }}}}',
          'redis_sentinel_service_name': '{{{{ inventory_hostname }}}}'}
BRIDGE_SENTINELS = {'s1': {'redis_address': '192.0.2.21'}, 's2': {'redis_address': '192.0.2.22'},
                    's3': {'redis_address': '192.0.2.23'}}


def bridge_case(expect, host_vars=None, group_vars=None):
    hv = {h: dict(v) for h, v in BRIDGE_SENTINELS.items()}
    for host, values in (host_vars or {}).items():
        hv.setdefault(host, {}).update(values)
    return case(expect, sentinels=('s1', 's2', 's3'), host_vars=hv, group_vars=dict(BRIDGE, **(group_vars or {})))


CASES = {
    'no_bootstrap_master': case(
        ["The group 'redis_master' must contain exactly one host (the bootstrap master); it has 0. "
         "Put exactly one host in it and the other data nodes in 'redis_replicas'."],
        masters=()),
    'two_bootstrap_masters': case(
        ["The group 'redis_master' must contain exactly one host (the bootstrap master); it has 2: a, b. "
         "Put exactly one host in it and the other data nodes in 'redis_replicas'."],
        masters=('a', 'b'), replicas=('c',)),
    'master_also_replica': case(
        ["Host a is in both 'redis_master' and 'redis_replicas'. Remove it from 'redis_replicas'."],
        replicas=('a', 'b', 'c')),
    'two_sentinels': case(
        ["The group 'redis_sentinels' has 2 host(s); automatic failover needs at least 3 Sentinels "
         "on distinct hosts. Add hosts to it."],
        sentinels=('a', 'b')),
    'quorum_below_majority': case(
        ["redis_sentinel_quorum=1 is less than a majority of the 3 Sentinels in 'redis_sentinels'. "
         "Set redis_sentinel_quorum to at least 2 (and at most 3)."],
        group_vars={'redis_sentinel_quorum': 1}),
    'quorum_above_count': case(
        ["redis_sentinel_quorum=4 is more than the 3 Sentinels in 'redis_sentinels': the master could "
         "never be declared down. Set redis_sentinel_quorum to 2 or add Sentinels."],
        group_vars={'redis_sentinel_quorum': 4}),
    'sentinels_share_an_address': case(
        ["Sentinels a and d share the address 192.0.2.11; Sentinels on one host fail together and count "
         "as one. Put each Sentinel of 'redis_sentinels' on its own host (its own redis_address or ansible_host)."],
        sentinels=('a', 'b', 'd'), host_vars={'d': {'redis_address': ADDRESSES['a']}}),
    'unknown_sentinel_profile': case(
        ["value of redis_sentinel_profile must be one of: guide, fast, got: turbo"],
        group_vars={'redis_sentinel_profile': 'turbo'}),
    'fast_profile_failover_timeout_not_above_down_after': case(
        ["redis_sentinel_failover_timeout=1500 must be greater than redis_sentinel_down_after_milliseconds=1500. "],
        group_vars={'redis_sentinel_profile': 'fast', 'redis_sentinel_failover_timeout': 1500}),
    'down_after_too_short': case(
        ["redis_sentinel_down_after_milliseconds=500 is below 1000 ms: a busy master would be failed over "
         "for a short stall. Set it to 1000 or more (the guide uses 5000)."],
        group_vars={'redis_sentinel_down_after_milliseconds': 500}),
    'failover_timeout_not_above_down_after': case(
        ["redis_sentinel_failover_timeout=5000 must be greater than redis_sentinel_down_after_milliseconds=5000. "
         "Raise redis_sentinel_failover_timeout (the guide uses 10000 with down-after 5000)."],
        group_vars={'redis_sentinel_failover_timeout': 5000}),
    'data_node_and_sentinel_same_port': case(
        ["data node a (redis_port) and Sentinel a (redis_sentinel_port) both listen on 192.0.2.11:6379; "
         "two services cannot share a port on one host. Give one of them another port "
         "(set redis_port or redis_sentinel_port for that host)."],
        host_vars={'a': {'redis_sentinel_port': 6379}}),
    'maxmemory_does_not_parse': case(
        [BAD_MAXMEMORY], group_vars={'redis_server_maxmemory': 'lots'}),
    'runtime_not_supported': case(
        ['Host a: redis_runtime=podman is not a runtime. Set it to one of systemd or container '
         '(group_vars/all, or the host).'],
        group_vars={'redis_runtime': 'podman'}),
    'container_image_without_tag': case(
        ['Host b: redis_container_image=docker.io/library/redis has no tag, so each host would run whatever '
         'version its engine or registry calls latest. Name the version, for example docker.io/library/redis:7.0.15, '
         'or leave the variable empty for the official image of the Redis version Debian ships on the host.'],
        group_vars={'redis_runtime': 'container', 'redis_container_image': 'docker.io/library/redis'}),
    'container_image_registry_port_without_tag': case(
        ['Host a: redis_container_image=registry.example:5000/redis has no tag, so each host would run whatever '
         'version its engine or registry calls latest.'],
        host_vars={'a': {'redis_runtime': 'container', 'redis_container_image': 'registry.example:5000/redis'}}),
    'container_network_name_invalid': bridge_case(
        ["Host c: redis_container_network=sentinel network is not a Docker network name (letters, digits, '_', '.', "
         "'-'). Name the network, for example sentinel-network, or use host."],
        group_vars={'redis_container_network': 'sentinel network'}),
    'bridge_two_containers_one_name': bridge_case(
        ['s1 and s2 share the container name s1; on a container network each inventory host is one container with '
         'its own name (redis_server_service_name or redis_sentinel_service_name, for example '
         '"{{{{ inventory_hostname }}}}") and its own redis_address.'],
        host_vars={'s2': {'redis_sentinel_service_name': 's1'}}),
    'bridge_two_containers_one_address': bridge_case(
        ['c and s1 share the container address 192.0.2.21; on a container network each inventory host is one '
         'container with its own name'],
        host_vars={'c': {'redis_address': '192.0.2.21'}}),
    'bridge_address_outside_subnet': bridge_case(
        ['Host s3: on the container network sentinel-network each host is one container at its own static address, '
         'and redis_address=198.51.100.23 is outside 192.0.2.0/24. Set redis_address for this host to a free '
         'address of 192.0.2.0/24 (not its first, the gateway).'],
        host_vars={'s3': {'redis_address': '198.51.100.23'}}),
    'bridge_address_on_the_gateway': bridge_case(
        ['Host s3: on the container network sentinel-network each host is one container at its own static address, '
         'and redis_address=192.0.2.1 is the gateway of 192.0.2.0/24 (Docker gives the network its first address).'],
        host_vars={'s3': {'redis_address': '192.0.2.1'}}),
    'bridge_subnet_missing': bridge_case(
        ["Host a: redis_container_network=sentinel-network is a bridge network, so redis_container_network_subnet "
         "must name its IPv4 subnet ('' is not an IPv4 subnet in CIDR notation (for example 172.31.242.0/24))."],
        group_vars={'redis_container_network_subnet': ''}),
    'bridge_host_is_data_node_and_sentinel': case(
        ['Host a is both a data node and a Sentinel, but on the container network sentinel-network each host is one '
         'container with one address. Make the Sentinel a host of its own in the inventory (with its own '
         'redis_address), as the reference guide\'s sentinel-redis-sentinel-N.'],
        group_vars=dict(BRIDGE)),
    'bridge_firewall_on': bridge_case(
        ["Host a: redis_firewall_enabled guards the ports of a host, but on the container network sentinel-network "
         "the services listen on the containers' own addresses, which the host's input chain never sees."],
        group_vars={'redis_firewall_enabled': True}),
    'container_host_network_ports_collide': case(
        ["data node a (redis_port) and Sentinel a (redis_sentinel_port) both listen on 192.0.2.11:26379; "
         "two services cannot share a port on one host. Give one of them another port "
         "(set redis_port or redis_sentinel_port for that host)."],
        group_vars={'redis_runtime': 'container'}, host_vars={'a': {'redis_port': 26379}}),
    'engine_not_supported': case(
        ['redis_engine=valkey is not supported: the only engine is redis. '
         'Remove the variable from the inventory or set it to the supported value.'],
        group_vars={'redis_engine': 'valkey'}),
    'password_missing': case(
        ['redis_password is not set. There is no default: set it in group_vars/all, ansible-vault encrypted, '
         'for example with `ansible-vault encrypt_string "$(openssl rand -base64 24)" --name redis_password`.'],
        group_vars={'redis_password': DROP}),
    'password_too_short': case(
        ['redis_password is shorter than 16 characters (redis_password_min_length). '
         'Set a longer one, for example from `openssl rand -base64 24`.'],
        group_vars={'redis_password': 'short-secret'}),
    'password_with_whitespace': case(
        ['redis_password contains whitespace, which redis.conf and sentinel.conf cannot hold. '
         'Set one without spaces, for example from `openssl rand -base64 24`.'],
        group_vars={'redis_password': 'integration only 0123456789'}),
    'app_password_missing': case(
        ['redis_app_password is missing, shorter than 16 characters or contains whitespace. There is no default: '
         'set it in group_vars/all, ansible-vault encrypted, for example with '
         '`ansible-vault encrypt_string "$(openssl rand -base64 24)" --name redis_app_password`.'],
        group_vars={'redis_app_password': DROP}),
    'passwords_shared': case(
        ['redis_password, redis_replication_password, redis_sentinel_auth_password, redis_app_password, '
         'redis_monitor_password and redis_sentinel_peer_password must all differ: a shared password lets one '
         'user act as another.'],
        group_vars={'redis_monitor_password': PASSWORD}),
    'sentinel_peer_password_short': case(
        ['redis_sentinel_peer_password is missing, shorter than 16 characters or contains whitespace. There is no '
         'default: set it in group_vars/all, ansible-vault encrypted, for example with '
         '`ansible-vault encrypt_string "$(openssl rand -base64 24)" --name redis_sentinel_peer_password`.'],
        group_vars={'redis_sentinel_peer_password': 'peer-short'}),
    'sentinel_auth_password_quote': case(
        ['redis_sentinel_auth_password contains a quote (" or \'). Sentinel writes this password back into '
         'sentinel.conf without quotes and then cannot read its own file at the next start. Choose one without '
         'quotes, for example from `openssl rand -base64 24`.'],
        group_vars={'redis_sentinel_auth_password': 'sentinel-pw-with-"quote"'}),
    'tls_cert_file_missing': case(
        ['Host a: redis_tls_cert_file={tmp}/missing.crt is not a readable file on the controller. '
         'Point it at an existing file that the user running Ansible can read.'],
        group_vars={'redis_tls_enabled': True, 'redis_tls_ca_file': '{tmp}/ca.crt',
                    'redis_tls_cert_file': '{tmp}/missing.crt', 'redis_tls_key_file': '{tmp}/tls.key'}),
    'ports_not_tcp': case(
        ['Host a: redis_port=70000 and redis_sentinel_port=26379 must both be TCP ports (1 to 65535). '
         'Fix them in the inventory.'],
        group_vars={'redis_port': 70000}),
    # Every problem of one check is named at once, each with its fix.
    'tls_files_partly_given': case(
        ['Host a: redis_tls_enabled is true and some TLS files are given, but redis_tls_cert_file is not set. '
         'Give all of redis_tls_ca_file, redis_tls_cert_file and redis_tls_key_file (paths on the controller), '
         "or none of them to have the collection's private CA issue them.",
         'Host a: redis_tls_enabled is true and some TLS files are given, but redis_tls_key_file is not set.'],
        group_vars={'redis_tls_enabled': True, 'redis_tls_ca_file': '{tmp}/ca.crt'}),
    'maxmemory_and_appendonly': case(
        [BAD_MAXMEMORY + ' Host a: redis_server_appendonly is false.'],
        group_vars={'redis_server_maxmemory': 'lots', 'redis_server_appendonly': False}),
    'replica_priority_not_a_number': case(
        ['Host a: redis_replica_priority=high must be a whole number >= 0 (lower is preferred on failover, '
         '0 means never promoted). Fix it in the inventory.'],
        group_vars={'redis_replica_priority': 'high'}),
    'replica_sync_timeout_zero': case(
        ['Host a: redis_replica_sync_timeout=0 must be a positive number of seconds (the default is 300). '
         'Fix it in the inventory.'],
        group_vars={'redis_replica_sync_timeout': 0}),
    'parallel_syncs_zero': case(
        ['redis_sentinel_parallel_syncs=0 must be 1 or more (replicas resynchronised at once after a failover). '
         'Set it to 1.'],
        group_vars={'redis_sentinel_parallel_syncs': 0}),
    'bridge_tls_on': bridge_case(
        ['Host a: TLS is not supported on a container network yet (the certificate checks talk to 127.0.0.1 of '
         'the host). Set redis_tls_enabled: false for the single-host shape, or use redis_container_network: host.'],
        group_vars={'redis_tls_enabled': True}),
    'appendonly_off': case(
        ['Host a: redis_server_appendonly is false. A data node without the AOF that restarts comes back '
         'empty or with an old RDB snapshot, still master, and its replicas copy that dataset. '
         'hastack.redis refuses this combination: set redis_server_appendonly to true.'],
        group_vars={'redis_server_appendonly': False}),
    'limit_member_unreachable': case(
        [NO_ADDRESS + 'Task failed: Data could not be sent to remote host \"127.0.0.1\".', NO_ADDRESS_FIX],
        replicas=('b', 'e'), sentinels=('a', 'b', 'e'), limit='a',
        host_vars={'e': {'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1', 'ansible_port': 1,
                         'ansible_ssh_common_args': '-o ConnectTimeout=2 -o BatchMode=yes'}}),
    'limit_member_facts_fail': case(
        [NO_ADDRESS, NO_ADDRESS_FIX],
        replicas=('b', 'e'), sentinels=('a', 'b', 'e'), limit='a',
        host_vars={'e': {'ansible_python_interpreter': '/nonexistent/python3'}}),
    'exporter_container_runtime': case(
        ['Host a: redis_exporter_enabled is true with redis_runtime=container; the exporters run as systemd units '
         'only for now. Set redis_exporter_enabled: false for the hosts of the container runtime (and run the '
         'exporter image beside them yourself), or use redis_runtime: systemd.'],
        group_vars={'redis_exporter_enabled': True, 'redis_runtime': 'container'}),
    'exporter_port_clash': case(
        ['redis_exporter_port=26379 and redis_exporter_sentinel_port=9122 must be two different TCP ports (1-65535), '
         'neither of them redis_port (6379) or redis_sentinel_port (26379). The defaults are 9121 and 9122.'],
        group_vars={'redis_exporter_enabled': True, 'redis_exporter_port': 26379}),
    'exporter_bad_scrape_network': case(
        ['redis_exporter_scrape_networks must be a list of IPv4 or IPv6 addresses or networks (CIDR) of the '
         'Prometheus servers; not one: prometheus.example.'],
        group_vars={'redis_exporter_enabled': True, 'redis_exporter_scrape_networks': ['10.0.0.0/8', 'prometheus.example']}),
    'exporter_firewall_without_scrape_networks': case(
        ['Host a: redis_firewall_enabled and redis_exporter_enabled are on but redis_exporter_scrape_networks is '
         'empty, so no Prometheus server could reach the exporters. Set redis_exporter_scrape_networks to the '
         'address or network of your Prometheus servers.'],
        group_vars={'redis_exporter_enabled': True, 'redis_firewall_enabled': True}),
    'exporter_password_flag': case(
        ['redis_exporter_flags_extra must be a list of flags, without credentials, -redis.addr or '
         '-web.listen-address: the role sets those (the password comes from a file, never the command line, '
         'where ps would show it).'],
        group_vars={'redis_exporter_enabled': True, 'redis_exporter_flags_extra': ['-redis.password=secret']}),
    'sentinel_acl_rules_without_monitor': case(
        ["redis_sentinel_acl_rules lacks the rules of monitor: it needs the keys admin, peer, monitor and default "
         "(see the role's defaults/main.yml; monitor is what the exporter of redis_exporter may read)."],
        group_vars={'redis_sentinel_acl_rules': {'admin': '&* +@all', 'peer': '-@all +ping', 'default': 'nopass -@all +ping'}}),
    'client_without_app_user': case(
        ["Host d of the group 'redis_clients' has no redis_client_app_user. Set it to the system user the "
         "application runs as (the password file is readable by that user only)."],
        other_groups={'redis_clients': ['d']}),
    'prometheus_without_exporters': case(
        ["The group 'prometheus' has a Prometheus server, but redis_exporter_enabled is false, so the site has no "
         "exporter to scrape. Set redis_exporter_enabled: true in group_vars/all."],
        other_groups={'prometheus': ['d']}),
    # Warnings do not stop the run: each case also breaks a rule checked
    # after the warning (maxmemory), so nothing past the first play runs.
    'warn_even_number_of_sentinels': case(
        [BAD_MAXMEMORY],
        warn=["WARNING: the group 'redis_sentinels' has an even number of Sentinels (4): it tolerates no more "
              "failed Sentinels than 3 would. Use an odd number (3 or 5)."],
        sentinels=('a', 'b', 'c', 'd'),
        group_vars={'redis_sentinel_quorum': 3, 'redis_server_maxmemory': 'lots'}),
    'warn_replica_on_master_host': case(
        [BAD_MAXMEMORY],
        warn=['WARNING: replica b has the same address as the bootstrap master a (192.0.2.11): '
              'one host failure takes both down. Put replicas on other hosts.'],
        sentinels=('a', 'c', 'd'),
        host_vars={'b': {'redis_address': ADDRESSES['a'], 'redis_port': 6380}},
        group_vars={'redis_server_maxmemory': 'lots'}),
}


def write_inventory(spec, tmp):
    """The inventory of a case, and its members (the hosts of the first play; application hosts are not)."""
    hosts = sorted(set(spec['masters']) | set(spec['replicas']) | set(spec['sentinels']))
    host_vars = {h: dict({'redis_address': ADDRESSES[h]} if h in ADDRESSES else {}, **spec['host_vars'].get(h, {}))
                 for h in sorted(set(hosts).union(*spec['other_groups'].values()))}
    group_vars = site_variables(PASSWORD)
    for key, value in spec['group_vars'].items():
        if value is DROP:
            group_vars.pop(key, None)
        else:
            group_vars[key] = value.format(tmp=tmp) if isinstance(value, str) else value
    inv = write_site_inventory(tmp / 'inventory', host_vars, spec['masters'], spec['replicas'], spec['sentinels'],
                               group_vars, other_groups=spec['other_groups'])
    for name in ('ca.crt', 'tls.key'):
        (tmp / name).write_text('placeholder\n')
    return inv, hosts


def ansible_playbook(inventory, playbook, fact_cache, limit=None):
    return run_playbook(inventory, playbook, '--check', *(['--limit', limit] if limit else []),
                        ANSIBLE_GATHERING='smart', ANSIBLE_CACHE_PLUGIN='ansible.builtin.jsonfile',
                        ANSIBLE_CACHE_PLUGIN_CONNECTION=str(fact_cache))


def recap(stdout):
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r'^(\S+)\s+: ok=\d+\s+changed=(\d+)', stdout, re.MULTILINE)}


def shown(message, stdout):
    """The message as the default callback prints it inside a JSON result."""
    return json.dumps(message)[1:-1] in stdout


def run_case(name, tmp, fact_cache):
    spec = CASES[name]
    inventory, hosts = write_inventory(spec, tmp)
    # the recap lists the hosts of the run only
    hosts = sorted(spec['limit'].split(',')) if spec['limit'] else hosts
    return spec, hosts, str(tmp), ansible_playbook(inventory, SITE, fact_cache, spec['limit'])


@pytest.fixture(scope='module')
def valid_run(tmp_path_factory):
    """The first play alone on a valid inventory of every host the cases use; fills the fact cache."""
    tmp = tmp_path_factory.mktemp('valid')
    fact_cache = tmp_path_factory.mktemp('facts')
    first_play = yaml.safe_load(SITE.read_text())[0]
    assert first_play['name'] == FIRST_PLAY
    playbook = tmp / 'first_play.yml'
    playbook.write_text(yaml.safe_dump([first_play], sort_keys=False))
    inventory, hosts = write_inventory(case([], replicas=('b', 'c', 'd')), tmp)
    assert hosts == sorted(ADDRESSES)
    return hosts, fact_cache, ansible_playbook(inventory, playbook, fact_cache)


@pytest.fixture(scope='module')
def runs(request, tmp_path_factory, valid_run):
    """Start every selected case at once (JOBS at a time); each test waits for its own."""
    fact_cache = valid_run[1]
    selected = sorted({item.callspec.params['name'] for item in request.session.items
                       if getattr(item, 'module', None) is request.module and hasattr(item, 'callspec')
                       and 'name' in item.callspec.params})
    pool = ThreadPoolExecutor(max_workers=max(1, JOBS))
    futures = {name: pool.submit(run_case, name, tmp_path_factory.mktemp(name), fact_cache) for name in selected}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize('name', sorted(CASES))
def test_invalid_inventory(name, runs):
    spec, hosts, tmp, proc = runs[name].result()
    out = proc.stdout
    context = '\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s' % (out[-4000:], proc.stderr[-2000:])
    assert proc.returncode != 0, context
    assert 'PLAY [%s]' % FIRST_PLAY in out, context
    assert 'PLAY [Deploy the Redis data nodes]' not in out, context
    for message in spec['expect'] + spec['warn']:
        assert shown(message.format(tmp=tmp), out), 'missing: %s%s' % (message, context)
    if not spec['warn']:
        assert 'WARNING: ' not in out, context
    changed = recap(out)
    assert sorted(changed) == hosts, context
    assert all(n == 0 for n in changed.values()), context


def test_valid_inventory_passes_the_checks(valid_run):
    """A valid inventory (the cases' hosts, no rule broken) passes the first play, unchanged, without warnings."""
    hosts, dummy, proc = valid_run
    context = '\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s' % (proc.stdout[-4000:], proc.stderr[-2000:])
    assert proc.returncode == 0, context
    assert 'WARNING: ' not in proc.stdout, context
    changed = recap(proc.stdout)
    assert sorted(changed) == hosts, context
    assert all(n == 0 for n in changed.values()), context
