# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What Sentinel's own configuration file says, for the settings Sentinel does not report.

Sentinel rewrites its file from what it runs with (on every SENTINEL SET,
SENTINEL CONFIG SET and FLUSHCONFIG, and after failovers and discoveries), so
the file is the running state for the settings no command shows:
``auth-pass``/``auth-user`` of a master, and the settings read only at start
(``port``, ``bind``, ``dir``, ``loglevel``...). The modules
redis_sentinel_monitor and redis_sentinel_config decide what to do with the
answers.
"""

from __future__ import annotations

import os

from ansible_collections.hastack.redis.plugins.module_utils.config import normalize_config_value, split_config_args
from ansible_collections.hastack.redis.plugins.module_utils.info import parse_info
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisError

__all__ = ['SentinelFileError', 'read_sentinel_file', 'read_running_sentinel_file', 'startup_differences',
           'STARTUP_DEFAULTS', 'MASTER_FILE_DEFAULTS', 'FILE_HINT']

#: what to do when the file cannot be read, for the end of an error message
FILE_HINT = ("Nothing was changed. Set config_file to Sentinel's configuration file and run as a user who may "
             'read it (become: it is usually 0640, owned by the service user).')

#: per-master settings Sentinel leaves out of its file while they have these values
MASTER_FILE_DEFAULTS = {
    'master-reboot-down-after-period': '0',
    'notification-script': '',
    'client-reconfig-script': '',
    'auth-user': '',
    'auth-pass': '',
}

#: settings read at start that Sentinel's rewrite leaves out while they have these values
STARTUP_DEFAULTS = {
    'tls-port': '0',
    'loglevel': 'notice',
    'logfile': '',
    'tls-auth-clients': 'yes',
    'tls-replication': 'no',
}


class SentinelFileError(Exception):
    """Sentinel's file is not set or cannot be read; ``reason`` says which, for a message."""

    def __init__(self, reason):
        super(SentinelFileError, self).__init__(reason)
        self.reason = reason


def read_sentinel_file(path):
    """Parse Sentinel's configuration file.

    Returns ``(settings, masters)``: ``settings`` maps each top-level setting
    (``port``, ``bind``...) to its value as one string, ``masters`` maps each
    master name to ``{setting: value}`` from its ``sentinel <setting> <name>
    <value>`` lines. The last line of a setting wins, as when Sentinel reads
    the file. Raises SentinelFileError when ``path`` is not set or not readable.
    """
    if not path:
        raise SentinelFileError('config_file is not set')
    try:
        with open(path, 'r', encoding='utf-8', errors='surrogateescape') as f:
            lines = f.readlines()
    except (IOError, OSError) as exc:
        raise SentinelFileError('%s cannot be read (%s)' % (path, exc.strerror or exc))
    settings = {}
    masters = {}
    for line in lines:
        line = line.strip()
        # also skips Sentinel's "# ??? ..." lines (what its rewrite could not place)
        if not line or line.startswith('#'):
            continue
        try:
            args = split_config_args(line)
        except ValueError:
            continue
        if not args:
            continue
        key = args[0].lower()
        if key == 'sentinel':
            if len(args) >= 4:
                masters.setdefault(args[2], {})[args[1].lower()] = ' '.join(args[3:])
        elif key != 'user':
            settings[key] = ' '.join(args[1:])
    return settings, masters


def read_running_sentinel_file(client, path):
    """read_sentinel_file() of ``path``, once the Sentinel behind ``client`` confirms it runs from it.

    ``INFO server`` names the file (``config_file``); a Sentinel that does not
    answer INFO is taken at its word. Raises SentinelFileError for another file.
    """
    parsed = read_sentinel_file(path)
    try:
        running = parse_info(client.execute('INFO', 'server')).get('config_file')
    except RedisError:
        running = None
    if running and os.path.realpath(str(running)) != os.path.realpath(path):
        raise SentinelFileError('%s is not the file this Sentinel runs from (INFO server: config_file:%s)'
                                % (path, running))
    return parsed


def _comparable(key, value):
    value = normalize_config_value(key, value)
    if key == 'dir' and value:
        # Sentinel writes the directory it changed into (getcwd: absolute, links resolved)
        return os.path.realpath(value)
    return value


def startup_differences(wanted, file_settings):
    """Settings read at start whose running value differs from the wanted one.

    ``wanted`` maps setting to value; ``file_settings`` is the first result of
    read_sentinel_file(). Returns a sorted list of ``(setting, running value,
    wanted value)``, values as comparable strings; the running value is None
    when the file has no line for it and its default is not known here.
    """
    out = []
    for key in sorted(wanted):
        name = key.lower()
        have = file_settings.get(name, STARTUP_DEFAULTS.get(name))
        want = _comparable(name, wanted[key])
        have = None if have is None else _comparable(name, have)
        if have != want:
            out.append((name, have, want))
    return out
