# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Renewed TLS certificates reach running services (real redis-server/redis-sentinel, 127.0.0.1).

A data node and a Sentinel share one redis.crt, as on the hosts of
inventories/example. Certificates are issued here by a throwaway CA
(``cryptography``). The role's own task files run through ansible-playbook on
localhost: ``redis_common`` ``tls_served`` (what a service presents) and
``redis_server/tasks/tls_reload.yml`` (CONFIG SET without a verified
connection, so an expired certificate can be replaced). Sentinel is restarted
by the roles (it cannot load certificates at runtime, shown here); the restart
itself needs systemd and is not run here.

Needs redis-server, redis-sentinel and redis-cli on PATH (scripts/test-deps.sh).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisClient,
    RedisConnectionError,
    RedisError,
)

from collection_path import COLLECTIONS_ROOT, REPO_ROOT
from loopback import free_port

REDIS_SERVER = shutil.which('redis-server')
REDIS_SENTINEL = shutil.which('redis-sentinel')
REDIS_CLI = shutil.which('redis-cli')
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
pytestmark = pytest.mark.live

ADMIN = 'admin'
MASTER = 'mymaster'


# ---------------------------------------------------------------------------
# A throwaway CA
# ---------------------------------------------------------------------------

class Pki(object):
    def __init__(self, directory):
        self.dir = directory
        self.now = datetime.datetime.now(datetime.timezone.utc)
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'hastack.redis test CA')])
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(self.now - datetime.timedelta(days=30))
                     .not_valid_after(self.now + datetime.timedelta(days=365))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.ca_file = str(directory / 'ca.crt')
        with open(self.ca_file, 'wb') as f:
            f.write(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, name, days_from=-1, days_to=30):
        """Write name.crt and name.key (valid from/to, in days from now); return the serial."""
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                .issuer_name(self.cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(self.now + datetime.timedelta(days=days_from))
                .not_valid_after(self.now + datetime.timedelta(days=days_to))
                .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                               critical=False)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                      ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .sign(self.key, hashes.SHA256()))
        with open(str(self.dir / (name + '.crt')), 'wb') as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(str(self.dir / (name + '.key')), 'wb') as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        os.chmod(str(self.dir / (name + '.key')), 0o600)
        return cert.serial_number

    def install(self, name, tls_dir):
        """Put name.crt/name.key in place as redis.crt/redis.key (what roles/redis_common/tasks/tls.yml does)."""
        shutil.copy(str(self.dir / (name + '.crt')), str(tls_dir / 'redis.crt'))
        shutil.copy(str(self.dir / (name + '.key')), str(tls_dir / 'redis.key'))


def served_serial(port):
    """Serial of the certificate presented on 127.0.0.1:port (no verification: it may have expired)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(('127.0.0.1', port), timeout=3) as sock:
        with ctx.wrap_socket(sock, server_hostname='127.0.0.1') as tls:
            der = tls.getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der).serial_number


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------

class Service(object):
    def __init__(self, argv, port, workdir):
        self.argv = argv
        self.port = port
        self.workdir = workdir
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('%s exited early with code %s' % (self.argv[0], self.proc.returncode))
            try:
                served_serial(self.port)
                return
            except (OSError, ssl.SSLError):
                time.sleep(0.05)
        raise RuntimeError('%s on port %d did not start' % (self.argv[0], self.port))

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def restart(self):
        self.stop()
        self.start()


def _tls_lines(port, tls_dir):
    return ['port 0', 'tls-port %d' % port, 'bind 127.0.0.1',
            'tls-cert-file %s/redis.crt' % tls_dir, 'tls-key-file %s/redis.key' % tls_dir,
            'tls-ca-cert-file %s/ca.crt' % tls_dir, 'tls-auth-clients no', 'tls-replication yes']


@pytest.fixture
def site(tmp_path):
    """One host's TLS directory, a CA, and starters for a data node and Sentinels sharing that directory."""
    tls_dir = tmp_path / 'tls'
    tls_dir.mkdir()
    pki = Pki(tmp_path)
    shutil.copy(pki.ca_file, str(tls_dir / 'ca.crt'))
    password = secrets.token_hex(16)
    services = []

    def launch(kind, binary, conf_name, lines):
        """Write the config (the TLS lines, dir, log and ``lines``) and start the server."""
        port = free_port()
        workdir = tmp_path / ('%s-%d' % (kind, port))
        workdir.mkdir()
        conf = workdir / conf_name
        conf.write_text('\n'.join(_tls_lines(port, tls_dir) + [
            'dir %s' % workdir, 'daemonize no', 'logfile %s' % (workdir / 'log')] + lines) + '\n')
        os.chmod(str(conf), 0o600)
        service = Service([binary, str(conf)], port, workdir)
        services.append(service)
        service.start()
        return service

    def data_node():
        return launch('redis', REDIS_SERVER, 'redis.conf', [
            'save ""', 'appendonly no',
            'user default off', 'user %s on >%s ~* &* +@all' % (ADMIN, password)])

    def sentinel(master_port):
        return launch('sentinel', REDIS_SENTINEL, 'sentinel.conf', [
            'user default on nopass -@all +ping', 'user %s on >%s &* +@all' % (ADMIN, password),
            'sentinel monitor %s 127.0.0.1 %d 1' % (MASTER, master_port),
            'sentinel auth-user %s %s' % (MASTER, ADMIN), 'sentinel auth-pass %s %s' % (MASTER, password)])

    class Site(object):
        pass

    s = Site()
    s.tmp, s.tls_dir, s.pki, s.password = tmp_path, tls_dir, pki, password
    s.data_node, s.sentinel = data_node, sentinel
    yield s
    for service in services:
        service.stop()
    for service in services:
        assert service.proc.poll() is not None, 'pid %d still running' % service.proc.pid


# ---------------------------------------------------------------------------
# The role's task files, through ansible-playbook on localhost
# ---------------------------------------------------------------------------

def run_tasks(site, tasks, extra_vars=None, expect_rc=0):
    """Run ``tasks`` (a list of task dicts) on localhost; return (rc, recap line, output)."""
    play_vars = {
        'redis_tls_enabled': True,
        'redis_tls_dir': str(site.tls_dir),
        'redis_admin_user': ADMIN,
        'redis_password': site.password,
        'ansible_python_interpreter': sys.executable,
    }
    play_vars.update(extra_vars or {})
    playbook = site.tmp / 'playbook.json'
    # JSON is YAML: no quoting questions for the generated playbook
    playbook.write_text(json.dumps([{'hosts': 'localhost', 'gather_facts': False, 'vars': play_vars,
                                     'tasks': tasks}]))
    cfg = site.tmp / 'ansible.cfg'
    cfg.write_text('[defaults]\nstdout_callback = ansible.builtin.default\nretry_files_enabled = False\n'
                   'interpreter_python = auto_silent\n')
    env = dict(os.environ)
    env.update({
        'ANSIBLE_CONFIG': str(cfg),
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_ROOT,
        'ANSIBLE_LOCALHOST_WARNING': 'False',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCAL_TEMP': str(site.tmp / 'ansible-local'),
        'ANSIBLE_REMOTE_TEMP': str(site.tmp / 'ansible-remote'),
    })
    proc = subprocess.run([ANSIBLE_PLAYBOOK, '-i', 'localhost,', '-c', 'local', str(playbook)],
                          env=env, cwd=str(site.tmp), capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == expect_rc, output
    recap = [line for line in output.splitlines() if line.startswith('localhost') and 'ok=' in line]
    return proc.returncode, recap[-1] if recap else '', output


def served_fact_tasks(port):
    """tls_served for ``port``, then print its result as JSON between markers."""
    return [
        {'name': 'Read what the service presents',
         'ansible.builtin.include_role': {'name': 'hastack.redis.redis_common', 'tasks_from': 'tls_served'},
         'vars': {'redis_common_tls_port': port}},
        {'name': 'Show it',
         'ansible.builtin.debug': {'msg': "SERVED={{ __redis_common_tls_served | to_json }}=SERVED"}},
    ]


def served_fact(site, port):
    dummy, dummy2, output = run_tasks(site, served_fact_tasks(port))
    text = output.split('SERVED=', 1)[1].split('=SERVED', 1)[0]
    return json.loads(text.replace('\\"', '"'))


RELOAD_DATA_NODE = [{'name': 'Load a renewed TLS certificate',
                     'ansible.builtin.include_tasks': os.path.join(REPO_ROOT, 'roles', 'redis_server', 'tasks',
                                                                   'tls_reload.yml')}]


def changed_count(recap):
    return int(recap.split('changed=', 1)[1].split()[0])


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------

def test_verified_connection_cannot_reach_a_node_with_an_expired_certificate(site):
    """Why the reload does not use the modules: they verify, and an expired certificate fails verification."""
    site.pki.issue('expired', days_from=-10, days_to=-1)
    site.pki.install('expired', site.tls_dir)
    node = site.data_node()
    client = RedisClient('127.0.0.1', node.port, username=ADMIN, password=site.password, timeout=3,
                         tls=True, ca_file=str(site.tls_dir / 'ca.crt'))
    with pytest.raises(RedisConnectionError) as exc_info:
        client.execute('CONFIG', 'SET', 'tls-cert-file', str(site.tls_dir / 'redis.crt'))
    assert 'certificate' in str(exc_info.value)
    assert site.password not in str(exc_info.value)


def test_sentinel_cannot_load_certificates_at_runtime(site):
    """Sentinel 7.0 has no CONFIG command and SENTINEL CONFIG SET takes no tls-* option: it is restarted."""
    serial = site.pki.issue('one')
    site.pki.install('one', site.tls_dir)
    node = site.data_node()
    sentinel = site.sentinel(node.port)
    site.pki.issue('two')
    site.pki.install('two', site.tls_dir)
    with RedisClient('127.0.0.1', sentinel.port, username=ADMIN, password=site.password, timeout=3,
                     tls=True, ca_file=str(site.tls_dir / 'ca.crt')) as client:
        with pytest.raises(RedisError):
            client.execute('CONFIG', 'SET', 'tls-cert-file', str(site.tls_dir / 'redis.crt'),
                           'tls-key-file', str(site.tls_dir / 'redis.key'))
        with pytest.raises(RedisError):
            client.execute('SENTINEL', 'CONFIG', 'SET', 'tls-cert-file', str(site.tls_dir / 'redis.crt'))
    assert served_serial(sentinel.port) == serial


def test_expired_data_node_certificate_is_replaced_without_restart(site):
    site.pki.issue('expired', days_from=-10, days_to=-1)
    site.pki.install('expired', site.tls_dir)
    node = site.data_node()
    pid = node.proc.pid
    renewed = site.pki.issue('renewed')
    site.pki.install('renewed', site.tls_dir)

    dummy, recap, output = run_tasks(site, RELOAD_DATA_NODE, {'redis_port': node.port})
    assert served_serial(node.port) == renewed, output
    assert node.proc.pid == pid and node.proc.poll() is None
    assert changed_count(recap) == 1, recap
    # the password goes to redis-cli in its environment, never into the output
    assert site.password not in output

    # verified connections work again
    with RedisClient('127.0.0.1', node.port, username=ADMIN, password=site.password, timeout=3,
                     tls=True, ca_file=str(site.tls_dir / 'ca.crt')) as client:
        assert client.execute('PING') == 'PONG'

    # a second run finds nothing to do
    dummy, recap, output = run_tasks(site, RELOAD_DATA_NODE, {'redis_port': node.port})
    assert changed_count(recap) == 0, output


def test_reload_during_password_rotation_uses_the_previous_password(site):
    site.pki.issue('one')
    site.pki.install('one', site.tls_dir)
    node = site.data_node()
    renewed = site.pki.issue('two')
    site.pki.install('two', site.tls_dir)
    new_password = secrets.token_hex(16)
    dummy, recap, output = run_tasks(site, RELOAD_DATA_NODE, {'redis_port': node.port,
                                                              'redis_password': new_password,
                                                              'redis_password_previous': site.password})
    assert served_serial(node.port) == renewed, output
    assert site.password not in output and new_password not in output


def test_refused_reload_fails_with_a_message_and_no_secret(site):
    site.pki.issue('one')
    site.pki.install('one', site.tls_dir)
    node = site.data_node()
    site.pki.issue('two')
    site.pki.install('two', site.tls_dir)
    wrong = secrets.token_hex(16)
    dummy, recap, output = run_tasks(site, RELOAD_DATA_NODE, {'redis_port': node.port, 'redis_password': wrong},
                                     expect_rc=2)
    assert 'still presents another certificate' in output
    assert 'WRONGPASS' in output or 'NOAUTH' in output
    assert wrong not in output and site.password not in output


def test_renewal_is_seen_by_each_service_sharing_the_certificate(site):
    """The defect: the play of the data node installs and loads the renewed file; the Sentinel on the
    same host must still learn that it presents the old one (no changed flag from the earlier play)."""
    old = site.pki.issue('old')
    site.pki.install('old', site.tls_dir)
    node = site.data_node()
    sentinel = site.sentinel(node.port)
    renewed = site.pki.issue('renewed')
    site.pki.install('renewed', site.tls_dir)

    # "play 1": the data node reloads
    run_tasks(site, RELOAD_DATA_NODE, {'redis_port': node.port})
    assert served_serial(node.port) == renewed

    # "play 2": the Sentinel on the same host, whose files did not change again
    fact = served_fact(site, sentinel.port)
    assert fact['served'] != fact['installed'], fact
    assert fact['verified'] is True
    assert served_serial(sentinel.port) == old

    # what tls_reload.yml of redis_sentinel does (systemd restart), then nothing is left
    sentinel.restart()
    assert served_serial(sentinel.port) == renewed
    fact = served_fact(site, sentinel.port)
    assert fact['served'] == fact['installed'] and fact['verified'] is True
    fact = served_fact(site, node.port)
    assert fact['served'] == fact['installed'] and fact['verified'] is True


def test_expired_sentinel_certificate_is_reported_as_not_verified(site):
    """Sentinels whose certificate no longer verifies are restarted first (nobody reaches them anyway)."""
    site.pki.issue('one')
    site.pki.install('one', site.tls_dir)
    node = site.data_node()
    site.pki.issue('expired', days_from=-10, days_to=-1)
    site.pki.install('expired', site.tls_dir)
    sentinel = site.sentinel(node.port)
    site.pki.issue('renewed')
    site.pki.install('renewed', site.tls_dir)
    fact = served_fact(site, sentinel.port)
    assert fact['served'] != fact['installed']
    assert fact['verified'] is False
