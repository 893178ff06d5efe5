# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Throwaway redis-server and Sentinel processes on 127.0.0.1 for the live tests (fixture: conftest.py)."""

from __future__ import annotations

import shutil
import subprocess
import time

from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisClient,
    RedisConnectionError,
    RedisError,
)

REDIS_SERVER = shutil.which('redis-server')


class Server(object):
    def __init__(self, proc, port, conf, password):
        self.proc = proc
        self.port = port
        self.conf = conf
        self.password = password

    def client(self, password=None):
        return RedisClient('127.0.0.1', self.port, password=self.password if password is None else password,
                           timeout=2)


def _wait_ready(port, password, proc, sentinel=False):
    deadline = time.monotonic() + 10
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError('redis-server exited early with code %s' % proc.returncode)
        try:
            with RedisClient('127.0.0.1', port, password=None if sentinel else password, timeout=0.5) as c:
                if c.execute('PING') == 'PONG':
                    return
        except (RedisConnectionError, RedisError) as exc:
            last = exc
        time.sleep(0.05)
    raise RuntimeError('redis-server on port %d did not become ready: %s' % (port, last))


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def wait_for(what, check, timeout=30):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (RedisError, RedisConnectionError, OSError) as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError('%s: not reached within %ss (last: %r)' % (what, timeout, last))
