# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test doubles: a fake socket and small in-memory fakes of Redis and Sentinel."""

from __future__ import annotations

from ansible_collections.hastack.redis.plugins.module_utils.config import parse_memory
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import RedisConnectionError, RedisError


class FakeSocket(object):
    """Socket returning scripted bytes in chunks of ``chunk`` bytes."""

    def __init__(self, data=b'', chunk=None):
        self.data = bytearray(data)
        self.chunk = chunk
        self.sent = bytearray()
        self.closed = False

    def feed(self, data):
        self.data.extend(data)

    def recv(self, n):
        size = min(n, self.chunk or n, len(self.data))
        out = bytes(self.data[:size])
        del self.data[:size]
        return out

    def sendall(self, data):
        self.sent.extend(data)

    def setsockopt(self, *args):
        pass

    def close(self):
        self.closed = True


class FakeClient(object):
    """Base fake RedisClient: records calls, dispatches to ``handle``."""

    def __init__(self, host='127.0.0.1', port=6379):
        self.host = host
        self.port = port
        self.calls = []
        self.closed = 0

    @property
    def address(self):
        return '%s:%s' % (self.host, self.port)

    def execute(self, *args):
        args = tuple(str(a) for a in args)
        self.calls.append(args)
        return self.handle(args)

    def handle(self, args):
        raise NotImplementedError

    def close(self):
        self.closed += 1

    def commands(self, *prefix):
        """Calls whose first words equal ``prefix`` (case-insensitive)."""
        n = len(prefix)
        return [c for c in self.calls if tuple(x.upper() for x in c[:n]) == tuple(p.upper() for p in prefix)]


MEMORY_KEYS = {'maxmemory', 'repl-backlog-size'}


class FakeConfigRedis(FakeClient):
    """CONFIG GET/SET/REWRITE over a dict, mimicking Redis 7 replies."""

    def __init__(self, config, immutable=(), reject=None, silently_ignore=()):
        super(FakeConfigRedis, self).__init__()
        self.config = dict(config)
        self.immutable = set(immutable)
        self.reject = reject or {}
        self.silently_ignore = set(silently_ignore)
        self.rewrites = 0

    def handle(self, args):
        cmd = tuple(a.upper() for a in args[:2])
        if cmd == ('CONFIG', 'GET'):
            key = args[2]
            return [key, self.config[key]] if key in self.config else []
        if cmd == ('CONFIG', 'SET'):
            key, value = args[2], args[3]
            if key in self.immutable:
                raise RedisError("ERR CONFIG SET failed (possibly related to argument '%s') - "
                                 "can't set immutable config" % key)
            if key in self.reject:
                raise RedisError(self.reject[key])
            if key in self.silently_ignore:
                return 'OK'
            if key in MEMORY_KEYS:
                value = str(parse_memory(value))
            self.config[key] = value
            return 'OK'
        if cmd == ('CONFIG', 'REWRITE'):
            self.rewrites += 1
            return 'OK'
        raise RedisError('ERR unknown command %r' % (args[0],))


class FakeSentinel(FakeClient):
    """Just enough of Sentinel for redis_sentinel_monitor."""

    DEFAULTS = {
        'down-after-milliseconds': '30000', 'failover-timeout': '180000', 'parallel-syncs': '1',
    }

    def __init__(self, masters=None):
        super(FakeSentinel, self).__init__(port=26379)
        self.masters = dict((k, dict(v)) for k, v in (masters or {}).items())
        self.flushes = 0

    @staticmethod
    def master_reply(m):
        out = []
        for key in ('name', 'ip', 'port', 'runid', 'flags', 'quorum', 'down-after-milliseconds',
                    'failover-timeout', 'parallel-syncs', 'config-epoch', 'num-slaves', 'num-other-sentinels'):
            if key in m:
                out.extend([key, str(m[key])])
        return out

    def handle(self, args):
        sub = args[1].upper() if len(args) > 1 else ''
        if args[0].upper() != 'SENTINEL':
            raise RedisError('ERR unknown command')
        if sub == 'MASTER':
            if args[2] not in self.masters:
                raise RedisError('ERR No such master with that name')
            return self.master_reply(self.masters[args[2]])
        if sub == 'MONITOR':
            name, host, port, quorum = args[2:6]
            if name in self.masters:
                raise RedisError('ERR Duplicated master name')
            m = {'name': name, 'ip': host, 'port': port, 'quorum': quorum, 'flags': 'master'}
            m.update(self.DEFAULTS)
            self.masters[name] = m
            return 'OK'
        if sub == 'SET':
            name = args[2]
            if name not in self.masters:
                raise RedisError('ERR No such master with that name')
            pairs = args[3:]
            for key, value in zip(pairs[::2], pairs[1::2]):
                self.masters[name][key] = value
            return 'OK'
        if sub == 'FLUSHCONFIG':
            self.flushes += 1
            return 'OK'
        raise RedisError('ERR Unknown sentinel subcommand')


class FakeReplica(FakeClient):
    """ROLE / REPLICAOF / INFO replication / CONFIG REWRITE of one data node."""

    def __init__(self, role, info_sequence=None, port=6379):
        super(FakeReplica, self).__init__(port=port)
        self.role = list(role)
        self.info_sequence = list(info_sequence or [])
        self.info_calls = 0

    def handle(self, args):
        cmd = args[0].upper()
        if cmd == 'ROLE':
            return self.role
        if cmd == 'REPLICAOF' and [a.upper() for a in args[1:]] == ['NO', 'ONE']:
            self.role = ['master', 0, []]
            return 'OK'
        if cmd == 'REPLICAOF':
            self.role = ['slave', args[1], int(args[2]), 'connect', -1]
            return 'OK'
        if cmd == 'CONFIG' and args[1].upper() == 'REWRITE':
            return 'OK'
        if cmd == 'INFO':
            self.info_calls += 1
            if not self.info_sequence:
                raise AssertionError('no INFO reply scripted')
            if len(self.info_sequence) > 1:
                return self.info_sequence.pop(0)
            return self.info_sequence[0]
        raise RedisError('ERR unknown command')


class DeadClient(FakeClient):
    """Every command fails like an unreachable server."""

    def handle(self, args):
        raise RedisConnectionError('cannot connect to %s: Connection refused' % self.address)
