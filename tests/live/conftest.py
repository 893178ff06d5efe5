# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the live tests: every process started here is stopped at teardown (terminate, then kill)."""

from __future__ import annotations

import os
import subprocess

import pytest

from loopback import free_port
from servers import REDIS_SERVER, Server, _stop, _wait_ready


@pytest.fixture
def start_server(tmp_path):
    """Start redis-server (or Sentinel) processes; all are stopped at teardown."""
    procs = []

    def start(name='redis', password=None, sentinel=False, extra=''):
        port = free_port()
        workdir = tmp_path / ('%s-%d' % (name, port))
        workdir.mkdir()
        conf = workdir / ('sentinel.conf' if sentinel else 'redis.conf')
        lines = ['port %d' % port, 'bind 127.0.0.1', 'dir %s' % workdir, 'daemonize no',
                 'logfile %s' % (workdir / 'log')]
        if password and not sentinel:
            # in the config file, not in argv (ps would show it)
            lines.append('requirepass "%s"' % password)
        conf.write_text('\n'.join(lines) + '\n' + extra)
        os.chmod(str(conf), 0o600)
        argv = [REDIS_SERVER, str(conf)]
        if sentinel:
            argv.append('--sentinel')
        else:
            argv += ['--save', '', '--appendonly', 'no']
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        _wait_ready(port, password, proc, sentinel=sentinel)
        return Server(proc, port, str(conf), password)

    yield start
    for proc in procs:
        _stop(proc)
    for proc in procs:
        assert proc.poll() is not None, 'redis-server pid %d still running' % proc.pid
