# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""playbooks/restore.yml refuses a bad backup on the controller, before it contacts any host.

Every host is this machine (``ansible_connection: local``) at an address of
TEST-NET-1, where no Redis answers: each refusal must come from the first
play (on localhost), so that the data nodes' play never starts and nothing
is read or stopped. The backup directories are written here the way
playbooks/backup.yml writes them.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from site_inventory import REPO, run_playbook, site_variables, write_site_inventory

PASSWORD = 'integration-only-backups-0123456789'
HOSTS = {'a': {'redis_address': '192.0.2.11'}, 'b': {'redis_address': '192.0.2.12'},
         'c': {'redis_address': '192.0.2.13'}}
RDB = b'REDIS0010\xfa\x09redis-ver\x067.0.15\xff' + bytes(8)
# the second play's first task: it must never run after a refusal
SECOND_PLAY = 'PLAY [Restore the site' + "'" + 's data]'


def write_backup(directory, rdb=RDB, sha=None, manifest=None):
    """A backup as playbooks/backup.yml writes it; sha/manifest override what it would write."""
    directory.mkdir(parents=True)
    (directory / 'dump.rdb').write_bytes(rdb)
    digest = hashlib.sha256(rdb).hexdigest()
    (directory / 'dump.rdb.sha256').write_text('%s  dump.rdb\n' % (sha or digest))
    body = {'format': 1, 'time': '2026-12-03T14:56:01Z', 'master_name': 'mymaster',
            'master': {'name': 'a', 'host': '192.0.2.11', 'port': 6379},
            'replica': {'name': 'b', 'host': '192.0.2.12', 'port': 6379, 'lag': 0, 'offset_behind': 0},
            'keys': 3, 'keys_at_end': 3, 'keys_with_ttl': 0, 'redis_version': '7.0.15',
            'rdb_file': '/var/lib/redis-ha/dump.rdb', 'rdb_bytes': len(rdb), 'sha256': digest}
    body.update(manifest or {})
    (directory / 'manifest.json').write_text(json.dumps(body))
    return directory


def restore(tmp_path, *options, hosts=None):
    inventory = write_site_inventory(tmp_path / 'inventory', hosts or HOSTS, ['a'], ['b', 'c'], ['a', 'b', 'c'],
                                     site_variables(PASSWORD))
    return run_playbook(inventory, REPO / 'playbooks' / 'restore.yml', *options)


def assert_refused(proc, message):
    out = proc.stdout
    assert proc.returncode != 0, out[-3000:]
    assert message in out, out[-3000:]
    # stopped in the first play: no host of the site was gathered, read or changed
    assert SECOND_PLAY not in out, out[-3000:]
    assert 'Read the live topology' not in out, out[-3000:]
    assert PASSWORD not in out + proc.stderr


def test_restore_needs_a_backup(tmp_path):
    proc = restore(tmp_path)
    assert_refused(proc, 'Name the backup to restore: -e redis_restore_from=<directory of a backup made by '
                         'playbooks/backup.yml>')


def test_restore_refuses_a_directory_that_is_not_a_backup(tmp_path):
    (tmp_path / 'empty').mkdir()
    proc = restore(tmp_path, '-e', 'redis_restore_from=%s' % (tmp_path / 'empty'))
    assert_refused(proc, 'is not a backup made by playbooks/backup.yml: missing dump.rdb, dump.rdb.sha256, '
                         'manifest.json. Nothing was changed.')


def test_restore_refuses_a_missing_directory(tmp_path):
    proc = restore(tmp_path, '-e', 'redis_restore_from=%s' % (tmp_path / 'nosuchbackup'))
    assert_refused(proc, 'is not a backup made by playbooks/backup.yml: missing dump.rdb')


@pytest.mark.parametrize('damage', ['rdb', 'sha256 file', 'manifest'])
def test_restore_refuses_a_checksum_mismatch(tmp_path, damage):
    backup = write_backup(tmp_path / 'backup',
                          sha='0' * 64 if damage == 'sha256 file' else None,
                          manifest={'sha256': 'f' * 64} if damage == 'manifest' else None)
    if damage == 'rdb':
        # one byte changed after the backup was written
        (backup / 'dump.rdb').write_bytes(RDB[:-1] + b'\x01')
    before = (backup / 'dump.rdb').read_bytes()
    proc = restore(tmp_path, '-e', 'redis_restore_from=%s' % backup, '-e', 'redis_restore_overwrite=true')
    assert_refused(proc, 'Checksum mismatch: %s/dump.rdb has sha256' % backup)
    assert 'The restore is refused; no host was contacted or changed.' in proc.stdout
    assert (backup / 'dump.rdb').read_bytes() == before


def test_restore_refuses_a_manifest_without_a_key_count(tmp_path):
    backup = write_backup(tmp_path / 'backup', manifest={'keys': 'many'})
    proc = restore(tmp_path, '-e', 'redis_restore_from=%s' % backup)
    assert_refused(proc, 'manifest.json lacks sha256, keys or redis_version')


def test_restore_refuses_a_bad_overwrite_flag(tmp_path):
    backup = write_backup(tmp_path / 'backup')
    proc = restore(tmp_path, '-e', 'redis_restore_from=%s' % backup, '-e', 'redis_restore_overwrite=maybe')
    assert_refused(proc, 'redis_restore_overwrite=maybe: use true or false. Nothing was changed.')


def test_restore_refuses_the_container_runtime(tmp_path):
    backup = write_backup(tmp_path / 'backup')
    hosts = dict(HOSTS, b=dict(HOSTS['b'], redis_runtime='container'))
    proc = restore(tmp_path, '-e', 'redis_restore_from=%s' % backup, hosts=hosts)
    assert_refused(proc, 'The restore stops and starts the data nodes' + "'" + ' systemd units; b (container) runs '
                         'another runtime (redis_runtime). Restoring a container site is not implemented yet.')


def test_restore_takes_a_relative_backup_from_the_working_directory(tmp_path):
    """A sound backup passes the first play, found relative to $PWD; the run stops at the unreachable site."""
    backup = write_backup(tmp_path / 'backup')
    # loopback ports where nothing listens: refused at once, rather than a TEST-NET address's timeout
    hosts = {h: {'redis_address': '127.0.0.%d' % (11 + i), 'redis_port': 9, 'redis_sentinel_port': 19}
             for i, h in enumerate(HOSTS)}
    inventory = write_site_inventory(tmp_path / 'inventory', hosts, ['a'], ['b', 'c'], ['a', 'b', 'c'],
                                     site_variables(PASSWORD))
    proc = run_playbook(inventory, REPO / 'playbooks' / 'restore.yml', '--check',
                        '-e', 'redis_restore_from=backup', '-e', 'redis_common_topology_wait_timeout=1',
                        PWD=str(tmp_path))
    assert 'Backup %s: 3 keys' % backup in proc.stdout, proc.stdout[-3000:]
    assert 'sha256 %s verified' % hashlib.sha256(RDB).hexdigest() in proc.stdout, proc.stdout[-3000:]
    assert SECOND_PLAY in proc.stdout, proc.stdout[-3000:]
    # no Redis there: the topology read fails, before any change
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert 'Read the live topology' in proc.stdout, proc.stdout[-3000:]
    assert 'Stop the replicas' not in proc.stdout
    assert PASSWORD not in proc.stdout + proc.stderr
