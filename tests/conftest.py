# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared by every test: the collection on sys.path, the run_module fixture, and the live tests' servers.

tests/unit needs nothing but Python; tests/live (marker ``live``) starts
redis-server and Sentinel processes and fails, rather than skips, where the
binaries are missing; tests/integration runs ansible-playbook.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import collection_path  # noqa: E402,F401  (before any test module imports ansible_collections.hastack.redis)

LIVE_BINARIES = ('redis-server', 'redis-sentinel', 'redis-cli')


def pytest_collection_modifyitems(config, items):
    """A live test never skips for want of a server: it fails, and says how to install one."""
    if not any(item.get_closest_marker('live') for item in items):
        return
    missing = [name for name in LIVE_BINARIES if shutil.which(name) is None]
    if missing:
        raise pytest.UsageError('the live tests (tests/live, marker live) need %s on PATH: run scripts/test-deps.sh '
                                '(make unit runs it first)' % ', '.join(missing))


@pytest.fixture
def run_module(capsys, monkeypatch):
    """Run a module's ``main()`` with the given args; return its parsed JSON result.

    exit_json/fail_json run for real (including Ansible's no_log filtering),
    so tests see exactly what the controller would receive. Each run sees its
    own warnings, as a module process of its own would: AnsibleModule keeps
    warnings in a process-wide list, and hands them to the controller's display
    instead once controller code was imported into the process (other tests do).
    """
    from ansible.module_utils import _internal
    from ansible.module_utils.common import warnings as module_warnings
    from ansible.module_utils.testing import patch_module_args

    monkeypatch.setattr(_internal, 'is_controller', False)

    def _run(main, args):
        module_warnings._global_warnings.clear()
        capsys.readouterr()
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exc_info:
                main()
        out = capsys.readouterr().out
        result = json.loads(out)
        result['_rc'] = exc_info.value.code
        result['_raw'] = out
        return result

    return _run
