# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The role templates with awkward values, read by real Redis and Sentinel on 127.0.0.1.

redis.conf.j2 and sentinel.conf.j2 are rendered by ansible-playbook (the real
templating, the collection's filter found by its full name) with the roles'
own defaults and vars files and a few overrides: ports, 127.0.0.1, working
directories whose names hold quotes, a backslash and a #, and the passwords
under test. Then the servers are started from the rendered files:

- a replica whose masterauth holds quotes, backslashes, spaces, # or non-ASCII
  links up to its master; CONFIG GET returns the exact password; after CONFIG
  REWRITE the masterauth line is unchanged and a restart links up again;
- two Sentinels whose auth-pass and sentinel-pass hold quotes and backslashes
  log in to the data nodes as the Sentinel user and to each other as the peer
  user;
- Sentinel itself writes auth-pass and sentinel-pass back unquoted: backslashes
  survive its rewrite and a restart, quotes do not. That is why
  roles/redis_common/tasks/validate.yml refuses quotes in those two passwords,
  which the last tests check.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest
import yaml

from ansible_collections.hastack.redis.plugins.module_utils.config import split_config_args
from ansible_collections.hastack.redis.plugins.module_utils.info import pairs_to_dict, parse_info
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisClient
from ansible_collections.hastack.redis.plugins.module_utils.sentinel import parse_peer_links

from collection_path import COLLECTIONS_ROOT
from loopback import free_port
from servers import REDIS_SERVER, _stop, wait_for

pytestmark = pytest.mark.live

REPO = pathlib.Path(__file__).resolve().parents[2]
ROLES = REPO / 'roles'
REDIS_CONF = ROLES / 'redis_server' / 'templates' / 'redis.conf.j2'
SENTINEL_CONF = ROLES / 'redis_sentinel' / 'templates' / 'sentinel.conf.j2'
ADMIN_PW = 'admin-pw-0123456789'
PLAIN_REPLICATION_PW = 'replication-pw-0123456789'
PLAIN_SENTINEL_PW = 'sentinel-pw-0123456789'
PLAIN_PEER_PW = 'peer-pw-0123456789'
# directory names with what a config line must quote
ODD_DIR = 'dir "q" \\ #'

MASTERAUTH_CASES = {
    'double_quote': 'ab"cd',
    'backslash': 'a\\b',
    'single_quote_space_hash': "x'y z#",
    'everything': 'q"\\\'# \tz\\x41"',
    'non_ascii': 'pä"sswörd€',
}


def _yaml(*parts):
    with open(ROLES.joinpath(*parts)) as f:
        return yaml.safe_load(f) or {}


def role_vars(role):
    """Defaults of redis_common and of the role, then the vars files (as the role sees them)."""
    variables = dict(_yaml('redis_common', 'defaults', 'main.yml'))
    variables.update(_yaml(role, 'defaults', 'main.yml'))
    variables['__redis_common_acl_users'] = _yaml('redis_common', 'vars', 'main.yml')['__redis_common_acl_users']
    variables.update(_yaml(role, 'vars', 'main.yml'))
    variables.update({
        'redis_password': ADMIN_PW,
        'redis_replication_password': PLAIN_REPLICATION_PW,
        'redis_sentinel_auth_password': PLAIN_SENTINEL_PW,
        'redis_app_password': 'app-pw-0123456789',
        'redis_monitor_password': 'monitor-pw-0123456789',
        'redis_sentinel_peer_password': PLAIN_PEER_PW,
    })
    return variables


def data_node_vars(port, workdir, **overrides):
    variables = role_vars('redis_server')
    variables.update({
        'redis_port': port,
        'redis_server_bind': ['127.0.0.1'],
        'redis_server_dir': str(workdir),
        'redis_server_logfile': str(workdir / 'redis "log".txt'),
        'redis_server_repl_diskless_sync_max_replicas': 1,
        'redis_server_min_replicas_to_write': 0,
        'redis_server_config_extra': {
            'replica-announce-ip': '127.0.0.1',
            'repl-diskless-sync-delay': 0,
            'notify-keyspace-events': 'Ex',
            # a string and a list for settings of several arguments
            'client-output-buffer-limit': 'replica 256mb 64mb 60',
            'oom-score-adj-values': [0, 200, 800],
            'lazyfree-lazy-eviction': True,
        },
    })
    variables.update(overrides)
    return variables


def sentinel_vars(port, workdir, master_port, **overrides):
    variables = role_vars('redis_sentinel')
    variables.update({
        'redis_sentinel_port': port,
        'redis_sentinel_bind': ['127.0.0.1'],
        'redis_sentinel_dir': str(workdir),
        'redis_sentinel_logfile': str(workdir / 'sentinel "log".txt'),
        'redis_sentinel_announce_ip': '127.0.0.1',
        'redis_sentinel_down_after_milliseconds': 1000,
        'redis_sentinel_failover_timeout': 3000,
        'redis_ops_topology': {'master': {'host': '127.0.0.1', 'port': master_port}},
    })
    variables.update(overrides)
    return variables


def render(tmp_path, renders):
    """Render (template, dest, variables) triples with one ansible-playbook run."""
    tasks = [{'name': 'Render %s' % dest,
              'ansible.builtin.template': {'src': str(src), 'dest': str(dest), 'mode': '0600'},
              'vars': variables}
             for src, dest, variables in renders]
    play = [{'name': 'Render the role templates', 'hosts': 'localhost', 'gather_facts': False,
             'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable},
             'tasks': tasks}]
    playbook = tmp_path / ('render-%d.json' % len(list(tmp_path.glob('render-*.json'))))
    playbook.write_text(json.dumps(play))  # JSON is YAML: no escaping questions
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
               ANSIBLE_RETRY_FILES_ENABLED='0')
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
                           str(playbook)], cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [pathlib.Path(dest) for _, dest, _ in renders]


def workdir(tmp_path, name):
    path = tmp_path / name / ODD_DIR
    path.mkdir(parents=True)
    return path


def admin(port):
    return RedisClient('127.0.0.1', port, username='admin', password=ADMIN_PW, timeout=2)


class Process(object):
    def __init__(self, conf, port, sentinel):
        self.conf, self.port, self.sentinel = conf, port, sentinel
        self.proc = None

    def start(self):
        argv = [REDIS_SERVER, str(self.conf)] + (['--sentinel'] if self.sentinel else [])
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait_ready(self):
        def ping():
            if self.proc.poll() is not None:
                raise AssertionError('%s exited with %s: %s' % (self.conf.name, self.proc.returncode,
                                                                 self.proc.stderr.read().decode(errors='replace')))
            with admin(self.port) as c:
                return c.execute('PING') == 'PONG'
        wait_for('%s on port %d answers the admin user' % (self.conf.name, self.port), ping, timeout=15)
        return self

    def stop(self):
        if self.proc is not None:
            _stop(self.proc)
            self.proc.stderr.close()


@pytest.fixture
def launch():
    """Start redis-server or Sentinel from a rendered file; every process is stopped at teardown."""
    started = []

    def start(conf, port, sentinel=False, wait=True):
        p = Process(conf, port, sentinel)
        started.append(p)
        p.start()
        return p.wait_ready() if wait else p

    yield start
    for p in started:
        p.stop()


def link_up(replica_port):
    with admin(replica_port) as c:
        return parse_info(c.execute('INFO', 'replication')).get('master_link_status') == 'up'


def config_get(port, key):
    with admin(port) as c:
        return pairs_to_dict(c.execute('CONFIG', 'GET', key))[key]


def lines_starting(path, prefix):
    return [line for line in path.read_text(encoding='utf-8').splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize('password', list(MASTERAUTH_CASES.values()), ids=list(MASTERAUTH_CASES))
def test_replica_links_up_with_a_masterauth_to_quote(tmp_path, launch, password):
    m_port, r_port = free_port(), free_port()
    m_dir, r_dir = workdir(tmp_path, 'master'), workdir(tmp_path, 'replica')
    m_conf, r_conf = render(tmp_path, [
        (REDIS_CONF, m_dir / 'redis.conf', data_node_vars(m_port, m_dir, redis_replication_password=password)),
        (REDIS_CONF, r_dir / 'redis.conf', data_node_vars(r_port, r_dir, redis_replication_password=password)),
    ])
    rendered = lines_starting(r_conf, 'masterauth ')
    assert len(rendered) == 1 and split_config_args(rendered[0]) == ['masterauth', password]
    launch(m_conf, m_port)
    replica = launch(r_conf, r_port)
    with admin(r_port) as c:
        assert c.execute('REPLICAOF', '127.0.0.1', str(m_port)) == 'OK'
    wait_for('the replica links up', lambda: link_up(r_port))
    assert config_get(r_port, 'masterauth') == password
    assert config_get(r_port, 'masteruser') == 'replica'
    for port, path in ((m_port, m_dir), (r_port, r_dir)):
        assert config_get(port, 'dir') == str(path)
        assert config_get(port, 'logfile') == str(path / 'redis "log".txt')
        assert (path / 'redis "log".txt').is_file()
        assert config_get(port, 'save') == '900 1 300 10 60 10000'
        # redis_server_config_extra, quoted: a string and a list of several arguments still work
        assert config_get(port, 'client-output-buffer-limit').split()[4:8] == ['slave', '268435456', '67108864', '60']
        assert config_get(port, 'oom-score-adj-values') == '0 200 800'
        assert sorted(config_get(port, 'notify-keyspace-events')) == ['E', 'x']
        assert config_get(port, 'lazyfree-lazy-eviction') == 'yes'
        assert config_get(port, 'replica-announce-ip') == '127.0.0.1'
    # CONFIG REWRITE does not fight the file: the same masterauth line (beyond ASCII, its \xHH form)
    with admin(r_port) as c:
        assert c.execute('CONFIG', 'REWRITE') == 'OK'
    rewritten = lines_starting(r_conf, 'masterauth ')
    assert len(rewritten) == 1 and split_config_args(rewritten[0])[0] == 'masterauth'
    if password.isascii():
        assert rewritten == rendered
    assert lines_starting(r_conf, 'masteruser ') == ['masteruser "replica"']
    # the rewritten file (now with replicaof) starts and links up again
    replica.stop()
    replica.start()
    replica.wait_ready()
    wait_for('the restarted replica links up', lambda: link_up(r_port))
    assert config_get(r_port, 'masterauth') == password


def sentinel_links(port):
    """{link name: ACL user} of the links Sentinels opened to the node or Sentinel on ``port``."""
    with admin(port) as c:
        return parse_peer_links(c.execute('CLIENT', 'LIST'))


def acl_log(port):
    with admin(port) as c:
        return c.execute('ACL', 'LOG')


def sentinel_master(port):
    with admin(port) as c:
        return pairs_to_dict(c.execute('SENTINEL', 'MASTER', 'mymaster'))


def sentinel_file_values(conf):
    """{setting: value} of the ``sentinel <setting> ...`` lines, read the way our modules read them."""
    values = {}
    for line in conf.read_text(encoding='utf-8').splitlines():
        if line.startswith('sentinel '):
            args = split_config_args(line)
            values[args[1]] = args[2:]
    return values


def site(tmp_path, launch, sentinels, auth_pw, peer_pw):
    """A master, a replica and ``sentinels`` Sentinels, all from the rendered templates."""
    m_port, r_port = free_port(), free_port()
    s_ports = [free_port() for _ in range(sentinels)]
    m_dir, r_dir = workdir(tmp_path, 'master'), workdir(tmp_path, 'replica')
    s_dirs = [workdir(tmp_path, 'sentinel-%d' % i) for i in range(sentinels)]
    node = dict(redis_sentinel_auth_password=auth_pw)
    sentinel = dict(redis_sentinel_auth_password=auth_pw, redis_sentinel_peer_password=peer_pw,
                    redis_sentinel_quorum=sentinels)
    confs = render(tmp_path, [
        (REDIS_CONF, m_dir / 'redis.conf', data_node_vars(m_port, m_dir, **node)),
        (REDIS_CONF, r_dir / 'redis.conf', data_node_vars(r_port, r_dir, **node)),
    ] + [(SENTINEL_CONF, d / 'sentinel.conf', sentinel_vars(p, d, m_port, **sentinel)) for p, d in zip(s_ports, s_dirs)])
    launch(confs[0], m_port)
    launch(confs[1], r_port)
    with admin(r_port) as c:
        c.execute('REPLICAOF', '127.0.0.1', str(m_port))
    wait_for('the replica links up', lambda: link_up(r_port))
    procs = [launch(conf, port, sentinel=True) for conf, port in zip(confs[2:], s_ports)]
    return m_port, procs


AWKWARD_AUTH_PW = 'auth"pw\\0123\'#x'
AWKWARD_PEER_PW = 'peer"pw\\4567\'#y'


def test_sentinels_log_in_with_passwords_to_quote(tmp_path, launch):
    m_port, sentinels = site(tmp_path, launch, 2, AWKWARD_AUTH_PW, AWKWARD_PEER_PW)
    for s in sentinels:
        values = sentinel_file_values(s.conf)
        assert values['auth-pass'] == ['mymaster', AWKWARD_AUTH_PW] or 'myid' in values
        # auth-pass/auth-user: Sentinel logs in to the data nodes as the Sentinel user
        view = wait_for('Sentinel %d sees the replica and the other Sentinel' % s.port,
                        lambda s=s: (lambda m: m if int(m['num-slaves']) == 1 and int(m['num-other-sentinels']) == 1
                                     else None)(sentinel_master(s.port)))
        assert view['flags'] == 'master'
        assert view['role-reported'] == 'master'
    links = wait_for('both Sentinels have a command link to the master',
                     lambda: (lambda links: links if len(links) == 2 else None)(sentinel_links(m_port)))
    assert sorted(links.values()) == ['sentinel', 'sentinel']
    # sentinel-user/sentinel-pass: each Sentinel is logged in to the other as the peer user
    for s in sentinels:
        peers = wait_for('a link from the other Sentinel to %d' % s.port,
                         lambda s=s: sentinel_links(s.port))
        assert list(peers.values()) == ['sentinel-peer']
        assert acl_log(s.port) == []
    assert acl_log(m_port) == []
    with admin(sentinels[0].port) as c:
        assert pairs_to_dict(c.execute('SENTINEL', 'CONFIG', 'GET', 'sentinel-pass'))['sentinel-pass'] == \
            AWKWARD_PEER_PW
        assert c.execute('SENTINEL', 'CKQUORUM', 'mymaster').startswith('OK ')


def restart(sentinel):
    sentinel.stop()
    sentinel.start()


def test_sentinel_keeps_backslashes_and_hashes_over_its_own_rewrite(tmp_path, launch):
    auth_pw, peer_pw = 'auth\\pw#0123\\n-x', 'peer\\pw#4567\\x41'
    m_port, (sentinel,) = site(tmp_path, launch, 1, auth_pw, peer_pw)
    # Sentinel rewrote its file at its first start (sentinel myid) and writes these values unquoted
    wait_for('Sentinel rewrote its file', lambda: 'myid' in sentinel_file_values(sentinel.conf))
    assert 'sentinel auth-pass mymaster %s' % auth_pw in sentinel.conf.read_text()
    values = sentinel_file_values(sentinel.conf)
    assert values['auth-pass'] == ['mymaster', auth_pw] and values['sentinel-pass'] == [peer_pw]
    restart(sentinel)
    sentinel.wait_ready()
    wait_for('the restarted Sentinel logs in to the master',
             lambda: list(sentinel_links(m_port).values()) == ['sentinel'] and
             int(sentinel_master(sentinel.port)['num-slaves']) == 1)
    with admin(sentinel.port) as c:
        assert pairs_to_dict(c.execute('SENTINEL', 'CONFIG', 'GET', 'sentinel-pass'))['sentinel-pass'] == peer_pw
    assert acl_log(m_port) == []


def test_sentinel_cannot_read_back_a_quote_it_wrote_itself(tmp_path, launch):
    """Why validate.yml refuses quotes in redis_sentinel_auth_password and redis_sentinel_peer_password.

    Should this test fail on a newer Redis, Sentinel now quotes these values when it rewrites its
    file, and the rule can go.
    """
    _, (sentinel,) = site(tmp_path, launch, 1, AWKWARD_AUTH_PW, PLAIN_PEER_PW)
    wait_for('Sentinel rewrote its file', lambda: 'sentinel myid ' in sentinel.conf.read_text())
    assert 'sentinel auth-pass mymaster %s\n' % AWKWARD_AUTH_PW in sentinel.conf.read_text()
    restart(sentinel)
    assert sentinel.proc.wait(timeout=10) != 0
    assert 'Unbalanced quotes in configuration line' in sentinel.proc.stderr.read().decode(errors='replace')
