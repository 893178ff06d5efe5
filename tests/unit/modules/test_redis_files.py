# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import grp
import os
import stat

import pytest

from ansible_collections.hastack.redis.plugins.modules import redis_files

SECRET = 'Sup3r-S3cret-value'
OTHER_GROUP = 'nogroup'


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def group_of(path):
    return grp.getgrgid(os.stat(path).st_gid).gr_name


def run(run_module, files, **extra):
    args = {'files': files}
    args.update(extra)
    return run_module(redis_files.main, args)


def layout(tmp_path, content='unit v1\n'):
    return [
        {'path': str(tmp_path / 'etc'), 'state': 'directory', 'group': OTHER_GROUP, 'mode': '0750'},
        {'path': str(tmp_path / 'etc' / 'unit.service'), 'content': content, 'mode': '0644'},
    ]


def test_creates_then_changes_nothing(tmp_path, run_module):
    result = run(run_module, layout(tmp_path))
    assert result['_rc'] == 0 and result['changed'] is True
    assert result['changed_paths'] == [str(tmp_path / 'etc'), str(tmp_path / 'etc' / 'unit.service')]
    assert result['created_paths'] == result['changed_paths']
    assert mode_of(tmp_path / 'etc') == 0o750 and group_of(tmp_path / 'etc') == OTHER_GROUP
    assert (tmp_path / 'etc' / 'unit.service').read_text() == 'unit v1\n'
    assert mode_of(tmp_path / 'etc' / 'unit.service') == 0o644

    again = run(run_module, layout(tmp_path))
    assert again['changed'] is False
    assert again['changed_paths'] == [] and again['created_paths'] == []


def test_rewrites_changed_content_with_diff(tmp_path, run_module):
    run(run_module, layout(tmp_path))
    result = run(run_module, layout(tmp_path, 'unit v2\n'), _ansible_diff=True)
    assert result['changed_paths'] == [str(tmp_path / 'etc' / 'unit.service')]
    assert result['created_paths'] == []
    assert (tmp_path / 'etc' / 'unit.service').read_text() == 'unit v2\n'
    assert result['diff'] == [{'before_header': str(tmp_path / 'etc' / 'unit.service'),
                               'after_header': str(tmp_path / 'etc' / 'unit.service'),
                               'before': 'unit v1\n', 'after': 'unit v2\n'}]
    # no temporary file left next to it
    assert sorted(os.listdir(tmp_path / 'etc')) == ['unit.service']


def test_secret_content_is_never_in_the_diff(tmp_path, run_module):
    files = layout(tmp_path)
    files.append({'path': str(tmp_path / 'etc' / 'password.json'), 'content': '{"p": "%s"}' % SECRET,
                  'group': OTHER_GROUP, 'mode': '0640', 'diff': False})
    # even without no_log on the task, the module returns no content
    result = run(run_module, files, _ansible_diff=True)
    assert result['changed_paths'][-1] == str(tmp_path / 'etc' / 'password.json')
    assert SECRET not in result['_raw']
    assert result['invocation']['module_args']['files'][-1]['content'].startswith('sha1:')
    assert [d['after_header'] for d in result['diff']] == [str(tmp_path / 'etc' / 'unit.service')]
    assert mode_of(tmp_path / 'etc' / 'password.json') == 0o640
    assert group_of(tmp_path / 'etc' / 'password.json') == OTHER_GROUP


def test_mode_and_group_drift_is_repaired_without_rewriting(tmp_path, run_module):
    run(run_module, layout(tmp_path))
    unit = tmp_path / 'etc' / 'unit.service'
    os.chmod(unit, 0o666)
    inode = os.stat(unit).st_ino
    result = run(run_module, layout(tmp_path))
    assert result['changed_paths'] == [str(unit)]
    assert mode_of(unit) == 0o644
    assert os.stat(unit).st_ino == inode


def test_force_false_keeps_the_content_the_service_owns(tmp_path, run_module):
    conf = tmp_path / 'redis.conf'
    entry = {'path': str(conf), 'content': 'port 6379\n', 'group': OTHER_GROUP, 'mode': '0640', 'force': False}
    first = run(run_module, [entry])
    assert first['created_paths'] == [str(conf)]
    conf.write_text('port 6379\nreplicaof 10.0.0.1 6379\n')
    os.chmod(conf, 0o644)
    result = run(run_module, [entry])
    assert result['changed_paths'] == [str(conf)]
    assert conf.read_text() == 'port 6379\nreplicaof 10.0.0.1 6379\n'
    assert mode_of(conf) == 0o640
    assert run(run_module, [entry])['changed'] is False


def test_check_mode_writes_nothing(tmp_path, run_module):
    result = run(run_module, layout(tmp_path), _ansible_check_mode=True)
    assert result['changed'] is True
    assert result['created_paths'] == [str(tmp_path / 'etc'), str(tmp_path / 'etc' / 'unit.service')]
    assert not (tmp_path / 'etc').exists()

    run(run_module, layout(tmp_path))
    os.chmod(tmp_path / 'etc', 0o755)
    result = run(run_module, layout(tmp_path, 'unit v2\n'), _ansible_check_mode=True)
    assert result['changed_paths'] == [str(tmp_path / 'etc'), str(tmp_path / 'etc' / 'unit.service')]
    assert mode_of(tmp_path / 'etc') == 0o755
    assert (tmp_path / 'etc' / 'unit.service').read_text() == 'unit v1\n'


@pytest.mark.parametrize('entry, message', [
    ({'path': 'relative/file', 'content': 'x', 'mode': '0644'}, 'the path must be absolute'),
    ({'path': '/tmp/x', 'content': 'x', 'mode': '0644', 'owner': 'no-such-user-here'},
     'user no-such-user-here does not exist'),
    ({'path': '/tmp/x', 'content': 'x', 'mode': '0644', 'group': 'no-such-group-here'},
     'group no-such-group-here does not exist'),
    ({'path': '/tmp/x', 'content': 'x', 'mode': 'rw-r--r--'}, 'is not an octal string'),
    ({'path': '/tmp/x', 'mode': '0644'}, 'content is required for state=file'),
    ({'path': '/nonexistent-dir-here/file', 'content': 'x', 'mode': '0644'}, 'does not exist (list it before the file)'),
])
def test_bad_entries_fail_with_the_path_named(run_module, entry, message):
    result = run(run_module, [entry])
    assert result['_rc'] == 1 and result['failed'] is True
    assert message in result['msg']


def test_a_file_where_a_directory_belongs_fails(tmp_path, run_module):
    (tmp_path / 'etc').write_text('not a directory')
    result = run(run_module, layout(tmp_path))
    assert result['failed'] is True
    assert result['msg'] == '%s exists and is not a directory' % (tmp_path / 'etc')


def test_numeric_ids_need_no_account_on_the_host(tmp_path, run_module):
    entry = {'path': str(tmp_path / 'data'), 'state': 'directory', 'owner': '4242', 'group': '4243', 'mode': '0750'}
    result = run(run_module, [entry])
    assert result['changed'] is True
    assert (os.stat(tmp_path / 'data').st_uid, os.stat(tmp_path / 'data').st_gid) == (4242, 4243)
    assert run(run_module, [entry])['changed'] is False


def test_a_directory_where_a_file_belongs_fails(tmp_path, run_module):
    (tmp_path / 'etc' / 'unit.service').mkdir(parents=True)
    result = run(run_module, layout(tmp_path))
    assert result['failed'] is True
    assert result['msg'] == '%s exists and is not a regular file' % (tmp_path / 'etc' / 'unit.service')


def validated(tmp_path, content):
    # the check passes when the new content holds "valid"; a failing check prints why on stderr
    check = tmp_path / 'check.sh'
    check.write_text('#!/bin/sh\ngrep -q valid "$1" || { echo "$1: no valid line" >&2; exit 3; }\n')
    check.chmod(0o755)
    return [{'path': str(tmp_path / 'rules.yml'), 'content': content, 'mode': '0644', 'validate': '%s %%s' % check},
            {'path': str(tmp_path / 'after.conf'), 'content': 'after\n', 'mode': '0644'}]


def test_validate_checks_the_new_content_before_it_replaces_the_file(tmp_path, run_module):
    result = run(run_module, validated(tmp_path, 'valid v1\n'))
    assert result['changed_paths'] == [str(tmp_path / 'rules.yml'), str(tmp_path / 'after.conf')]
    assert (tmp_path / 'rules.yml').read_text() == 'valid v1\n'

    failed = run(run_module, validated(tmp_path, 'broken v2\n'))
    assert failed['_rc'] == 1 and failed['failed'] is True
    assert '%s: the new content failed validation' % (tmp_path / 'rules.yml') in failed['msg']
    assert 'rc 3' in failed['msg'] and 'no valid line' in failed['msg']
    # the old content stays, no temporary file is left behind
    assert (tmp_path / 'rules.yml').read_text() == 'valid v1\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['after.conf', 'check.sh', 'rules.yml']


def test_validate_runs_only_when_the_content_changes_and_never_in_check_mode(tmp_path, run_module):
    entry = {'path': str(tmp_path / 'rules.yml'), 'content': 'x\n', 'mode': '0644', 'validate': 'false %s'}
    assert run(run_module, [entry], _ansible_check_mode=True)['changed'] is True
    assert not (tmp_path / 'rules.yml').exists()
    (tmp_path / 'rules.yml').write_text('x\n')
    os.chmod(tmp_path / 'rules.yml', 0o600)
    result = run(run_module, [entry])
    assert result['_rc'] == 0 and result['changed_paths'] == [str(tmp_path / 'rules.yml')]
    assert mode_of(tmp_path / 'rules.yml') == 0o644


def test_validate_without_a_placeholder_fails(tmp_path, run_module):
    entry = {'path': str(tmp_path / 'rules.yml'), 'content': 'x\n', 'mode': '0644', 'validate': 'true'}
    result = run(run_module, [entry])
    assert result['_rc'] == 1 and 'names no %s for the file to check' in result['msg']
    assert not (tmp_path / 'rules.yml').exists()
