# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Make ``ansible_collections.hastack.redis`` importable from this checkout.

A symlink tree ``<tmp>/ansible_collections/hastack/redis -> <repo root>`` is
created once per test session (when tests/conftest.py imports this module,
i.e. before the test modules are imported) and prepended to ``sys.path``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))


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
