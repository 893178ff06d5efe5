# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Make ``ansible_collections.hastack.redis`` importable from this checkout.

A symlink tree ``<tmp>/ansible_collections/hastack/redis -> <repo root>`` is
created once per test session (at conftest import, i.e. before the test
modules are imported) and prepended to ``sys.path``.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile

import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def _install_collection_path():
    tmp = tempfile.mkdtemp(prefix='hastack-redis-coll-')
    ns_dir = os.path.join(tmp, 'ansible_collections', 'hastack')
    os.makedirs(ns_dir)
    os.symlink(REPO_ROOT, os.path.join(ns_dir, 'redis'))
    sys.path.insert(0, tmp)
    # a namespace package may already have been imported (ansible ships collections)
    mod = sys.modules.get('ansible_collections')
    if mod is not None and hasattr(mod, '__path__'):
        try:
            mod.__path__.append(os.path.join(tmp, 'ansible_collections'))
        except AttributeError:
            pass
    atexit.register(shutil.rmtree, tmp, True)
    return tmp


COLLECTIONS_ROOT = _install_collection_path()


@pytest.fixture
def run_module(capsys):
    """Run a module's ``main()`` with the given args; return its parsed JSON result.

    exit_json/fail_json run for real (including Ansible's no_log filtering),
    so tests see exactly what the controller would receive.
    """
    from ansible.module_utils.testing import patch_module_args

    def _run(main, args):
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
