#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: redis_files
short_description: Keep a role's directories and small files in their desired state in one call
description:
  - Brings a list of directories and files to their desired owner, group, mode and content with one
    module call on the host, where M(ansible.builtin.file), M(ansible.builtin.copy) and
    M(ansible.builtin.template) take at least one call each. A no-change run of a role that keeps many
    files therefore costs one round trip.
  - Entries are handled in the order given, so a directory listed before its files exists when they are
    written.
  - A file is written only when its content differs (or, with O(files[].force=false), only when it is
    missing). Content goes to a temporary file in the same directory, gets its owner, group and mode,
    and then replaces the file in one rename, so a reader never sees half a file.
  - Templates are rendered on the controller, for example with C(lookup('ansible.builtin.template', ...)).
version_added: 0.9.0
author:
  - Contributors to the hastack.redis project
options:
  files:
    description:
      - The directories and files, in the order they are created.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      state:
        description: C(directory) creates a directory (and missing parents, owned by root); C(file) writes O(files[].content).
        type: str
        choices: [file, directory]
        default: file
      content:
        description:
          - The file's whole content. Required for C(state=file).
          - The arguments the module returns show it as its SHA-1 only. Set O(files[].diff=false) when it holds
            a secret, and C(no_log) on the task.
        type: str
      owner:
        description: User name (or numeric ID, for example a container image's user) that owns the path.
        type: str
        default: root
      group:
        description: Group name (or numeric ID) of the path.
        type: str
        default: root
      mode:
        description: Octal permissions as a string, for example C('0640').
        type: str
        required: true
      force:
        description:
          - V(false) writes the content only when the file does not exist; an existing file keeps its content
            (for example a file the service itself rewrites) and gets only its owner, group and mode.
        type: bool
        default: true
      diff:
        description: Show the content in diff mode. Set V(false) for files that hold secrets.
        type: bool
        default: true
      validate:
        description:
          - A command that checks the new content before it replaces the file, with C(%s) standing for the
            path of the written temporary file in the same directory (for example C(promtool check rules %s)).
            It runs without a shell, only when the content changes and not in check mode. When it fails, the
            file keeps its old content and the module fails with the command's output; entries after it are
            not handled.
        type: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - Content of entries with O(files[].diff=false) is never shown.
extends_documentation_fragment:
  - hastack.redis.attributes
'''

EXAMPLES = r'''
- name: Write the unit and its directories
  hastack.redis.redis_files:
    files:
      - path: /etc/redis-ha
        state: directory
        group: redis
        mode: "0750"
      - path: /etc/systemd/system/redis-ha-server.service
        content: "{{ lookup('ansible.builtin.template', 'redis-ha-server.service.j2') }}"
        mode: "0644"
  register: files
  notify: reload systemd

- name: Restart when the unit changed
  ansible.builtin.debug:
    msg: the unit changed
  when: "'/etc/systemd/system/redis-ha-server.service' in files.changed_paths"
'''

RETURN = r'''
changed_paths:
  description: Paths whose content, owner, group or mode were (or in check mode would be) changed, in order.
  returned: always
  type: list
  elements: str
  sample: [/etc/systemd/system/redis-ha-server.service]
created_paths:
  description: Paths that did not exist before, a subset of RV(changed_paths).
  returned: always
  type: list
  elements: str
'''

import grp
import hashlib
import os
import pwd
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text


class FilesFailure(Exception):
    pass


def _id(name, lookup, kind):
    # a number is taken as it is: the user of a container image need not exist on its host
    if name.isdigit():
        return int(name)
    try:
        return lookup(name)
    except KeyError:
        raise FilesFailure('%s %s does not exist on this host' % (kind, name))


def _ids(owner, group):
    return (_id(owner, lambda n: pwd.getpwnam(n).pw_uid, 'user'),
            _id(group, lambda n: grp.getgrnam(n).gr_gid, 'group'))


def _mode(entry):
    text = str(entry['mode'])
    try:
        mode = int(text, 8)
    except ValueError:
        raise FilesFailure('%s: mode %r is not an octal string such as "0640"' % (entry['path'], text))
    if mode < 0 or mode > 0o7777:
        raise FilesFailure('%s: mode %r is out of range' % (entry['path'], text))
    return mode


def _attributes_differ(st, uid, gid, mode):
    return st.st_uid != uid or st.st_gid != gid or stat.S_IMODE(st.st_mode) != mode


def _existing(path, is_kind, kind):
    """The path's lstat, None when it does not exist; a path of another kind fails."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not is_kind(st.st_mode):
        raise FilesFailure('%s exists and is not %s' % (path, kind))
    return st


def _directory(entry, uid, gid, mode, check_mode):
    path = entry['path']
    st = _existing(path, stat.S_ISDIR, 'a directory')
    if st is not None and not _attributes_differ(st, uid, gid, mode):
        return False, False
    if not check_mode:
        if st is None:
            os.makedirs(path, mode=0o700, exist_ok=True)
        os.chown(path, uid, gid)
        os.chmod(path, mode)
    return True, st is None


def _read(path):
    with open(path, 'rb') as handle:
        return handle.read()


def _write(path, data, uid, gid, mode, validate=None, run=None):
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        # owner and mode before any byte is written: a secret is never readable by others
        os.fchown(fd, uid, gid)
        os.fchmod(fd, mode)
        with os.fdopen(fd, 'wb') as handle:
            fd = None
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if validate:
            _validate(path, tmp, validate, run)
        os.replace(tmp, path)
        tmp = None
    finally:
        if fd is not None:
            os.close(fd)
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def _validate(path, tmp, validate, run):
    if '%s' not in validate:
        raise FilesFailure('%s: validate %r names no %%s for the file to check' % (path, validate))
    rc, out, err = run(validate.replace('%s', tmp))
    if rc != 0:
        raise FilesFailure('%s: the new content failed validation (%s, rc %s), the file is unchanged: %s'
                           % (path, validate, rc, (err or out).strip()))


def _file(entry, uid, gid, mode, check_mode, diffs, created, run):
    path = entry['path']
    if entry.get('content') is None:
        raise FilesFailure('%s: content is required for state=file' % path)
    want = to_bytes(entry['content'], errors='surrogate_or_strict')
    st = _existing(path, stat.S_ISREG, 'a regular file')
    if not os.path.isdir(os.path.dirname(path)) and not (check_mode and os.path.dirname(path) in created):
        raise FilesFailure('%s: directory %s does not exist (list it before the file)' % (path, os.path.dirname(path)))
    if st is None:
        have = None
        content_differs = True
    elif entry['force']:
        have = _read(path)
        content_differs = have != want
    else:
        have = None
        content_differs = False
    attributes_differ = st is not None and _attributes_differ(st, uid, gid, mode)
    if not content_differs and not attributes_differ:
        return False, False
    if content_differs and entry['diff']:
        diffs.append({
            'before_header': path if st is not None else '%s (absent)' % path,
            'after_header': path,
            'before': to_text(have, errors='surrogate_or_replace') if have is not None else '',
            'after': to_text(want, errors='surrogate_or_replace'),
        })
    if not check_mode:
        if content_differs:
            _write(path, want, uid, gid, mode, entry.get('validate'), run)
        else:
            os.chown(path, uid, gid)
            os.chmod(path, mode)
    return True, st is None


def ensure(files, check_mode=False, run=None):
    """Bring every entry to its state; return (changed_paths, created_paths, diffs).

    ``run(command)`` returns (rc, stdout, stderr): the runner of the entries' validate commands.
    """
    changed, created, diffs = [], [], []
    for entry in files:
        if not os.path.isabs(entry['path']):
            raise FilesFailure('%s: the path must be absolute' % entry['path'])
        uid, gid = _ids(entry['owner'], entry['group'])
        mode = _mode(entry)
        if entry['state'] == 'directory':
            was_changed, was_created = _directory(entry, uid, gid, mode, check_mode)
        else:
            was_changed, was_created = _file(entry, uid, gid, mode, check_mode, diffs, created, run)
        if was_changed:
            changed.append(entry['path'])
        if was_created:
            created.append(entry['path'])
    return changed, created, diffs


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type='list', elements='dict', required=True, options=dict(
                path=dict(type='path', required=True),
                state=dict(type='str', choices=['file', 'directory'], default='file'),
                content=dict(type='str'),
                owner=dict(type='str', default='root'),
                group=dict(type='str', default='root'),
                mode=dict(type='str', required=True),
                force=dict(type='bool', default=True),
                diff=dict(type='bool', default=True),
                validate=dict(type='str'),
            )),
        ),
        supports_check_mode=True,
    )
    # The arguments echoed back name each file's content by its checksum only:
    # a file may hold a secret, and a unit's text has no place in a log.
    invocation = {'module_args': dict(module.params, files=[
        dict(entry, content=None if entry.get('content') is None
             else 'sha1:%s' % hashlib.sha1(to_bytes(entry['content'], errors='surrogate_or_strict')).hexdigest())
        for entry in module.params['files']])}
    try:
        changed, created, diffs = ensure(module.params['files'], module.check_mode, module.run_command)
    except (FilesFailure, OSError) as exc:
        module.fail_json(msg=str(exc), invocation=invocation)
    result = dict(changed=bool(changed), changed_paths=changed, created_paths=created, invocation=invocation)
    if module._diff and diffs:
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
