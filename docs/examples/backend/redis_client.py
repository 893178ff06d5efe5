#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reference Redis Sentinel client of hastack.redis for asyncio applications.

Copy this file into the application. It needs Python >= 3.9 and redis-py
>= 4.3 (Debian 12's python3-redis is 4.3.4), nothing else, and implements the
backend interface of the quick-start guide::

    master = await get_redis_master()    # redis.asyncio.Redis: writes (and reads that must be current)
    replica = await get_redis_slave()    # redis.asyncio.Redis: reads, eventually consistent
    health = await check_redis()         # {"mode": "sentinel", "status": "healthy", ...}
    await close()                        # before the event loop ends

Configuration
-------------
From the environment file the collection's ``redis_client`` role renders
(path in ``REDIS_ENV_FILE``, default ``/etc/hastack-redis/client.env``)::

    REDIS_MODE=sentinel
    REDIS_MASTER_NAME=mymaster
    REDIS_SENTINELS=10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379
    REDIS_USERNAME=app
    REDIS_PASSWORD_FILE=/etc/hastack-redis/app.password
    REDIS_TLS_CA_FILE=
    REDIS_SOCKET_TIMEOUT=0.5

A variable set in the process environment wins over the file (the file is
optional when all the required variables are set). The password is read
from ``REDIS_PASSWORD_FILE`` only, never from a variable, and never appears
in a repr, a log line or an exception message of this module. The optional
``REDIS_RETRY_TIMEOUT`` (seconds, default 10) bounds how long one command
is retried through a failover.

``REDIS_TLS_CA_FILE`` empty: plain TCP. Set: TLS to the data nodes and to
the Sentinels, their certificates verified against that CA, no client
certificate. The host name is not checked, because Sentinel names the nodes
by IP address: any certificate the CA signed is accepted for any node, so
the CA must sign nothing but this site's nodes.

The Sentinels are asked without AUTH (their default user may run the
discovery commands); the data nodes get ``AUTH <REDIS_USERNAME> <password>``.

Failover pitfalls
-----------------
What redis-py's asyncio Sentinel support (4.3.4 and 8.1 read) does not do
by itself during a failover, and what this module does about it:

(a) READONLY from a demoted master. A pooled connection still open to the
    old master, which the collection's switchover (or an operator's
    REPLICAOF) made a replica, gets ``READONLY``; Sentinel's own conversion
    closes the clients' connections instead. ``SentinelManagedConnection.read_response``
    turns it into a disconnect plus ``ConnectionError("The previous master
    is now a slave")`` for master pools in 4.3.4 and 8.1 alike, but the
    application still gets that error: master_for pools retry nothing by
    default, and 8.x, when told to retry, reconnects to the same old master
    (b). Here the command is retried and reaches the new master.
(b) Retries against the cached address. redis-py >= 6 reconnects a dropped
    connection from ``send_packed_command`` through
    ``connect_check_health()``, which uses the host and port cached on the
    connection and never asks Sentinel (redis-py issue #3874, still open;
    earlier #3560 for the connect retry loop). With redis-py's own Retry a
    command that failed on the old master is retried on the old master until
    the retries run out. Here the connection class reconnects through
    Sentinel on that path too, redis-py's own retries are off (0), and this
    module retries the whole command with backoff for up to
    ``REDIS_RETRY_TIMEOUT`` seconds; every attempt takes a connection from
    the pool, and a new connection asks Sentinel where the master is.
(c) Hanging sockets. redis-py 4.3.4 has no socket timeout by default: a
    frozen or cut-off master hangs a command forever. Here
    ``socket_timeout`` and ``socket_connect_timeout`` are
    ``REDIS_SOCKET_TIMEOUT`` (default 0.5 s) for data nodes and Sentinels
    alike, and TCP keepalive is on.
(d) Dead idle connections and slow discovery. ``health_check_interval``
    (5 s) makes redis-py PING a connection idle for longer before reusing
    it, so a connection that died while idle fails before the command is
    sent. redis-py 8.x gives each Sentinel client its default Retry (10
    retries with backoff): one unreachable Sentinel then delays the
    discovery by seconds before the next Sentinel is asked. Here the
    Sentinel clients do not retry; discovery moves on to the next Sentinel.
(e) The old master keeps its connections. After ``SENTINEL FAILOVER`` the
    old master stays a master until Sentinel converts it, about 10 s later
    (Redis 7.0). redis-py asks Sentinel only when it opens a connection, so
    the pooled ones keep writing to the old master: the writes are lost
    with the conversion, or refused with ``NOREPLICAS`` where
    ``min-replicas-to-write`` is set (the collection's default). Here a
    background task asks Sentinel every second and closes the connections
    to a master Sentinel no longer names; ``NOREPLICAS`` is retried like
    (b), with Sentinel asked again.
(f) Replicas. ``slave_for`` picks a replica per new connection (round robin)
    and falls back to the master when Sentinel names no replica that is up.
    ``LOADING`` (a replica loading its data set) is retried on another
    replica, and so is ``MASTERDOWN``. A read from a replica may be stale.
(g) ACL noise on the Sentinels. redis-py >= 5 sends ``CLIENT SETINFO`` on
    connect, which the Sentinels' default user may not run; the reply is
    ignored but each attempt lands in the Sentinels' ``ACL LOG``. It is
    turned off for the Sentinel connections.
(h) Discovery lags behind Sentinel. redis-py's ``discover_master`` reads
    ``SENTINEL MASTERS``, which names the old master until the failover has
    ended (the other replicas reconfigured), about a second after
    ``SENTINEL GET-MASTER-ADDR-BY-NAME`` names the promoted replica. Here
    discovery asks ``GET-MASTER-ADDR-BY-NAME``, as the Sentinel client
    guidelines say. Sentinels may also disagree for a second or two after a
    failover (they learn the new configuration from each other); the first
    one that answers is believed, and the retries of (b) cover the rest.
(i) Lost cancellations. On Python <= 3.11 ``asyncio.wait_for``, which
    redis-py sends with, can swallow a task's cancellation (CPython
    gh-86296): the task of (e) also stops on a flag, and ``close()`` waits
    for it for a bounded time only.

What stays with the application: a write that raised (or that was retried
here after its connection broke) may or may not have been applied, once or
twice. Make writes idempotent (SET of a value, SET NX with a request id,
Lua scripts that check a token) or wrap non-idempotent ones in
``no_retry()`` and decide yourself. Pipelines and transactions are not
retried; wrap them in ``with_retries()`` when they are idempotent.

Command line (probes for drills)::

    python3 redis_client.py check
    python3 redis_client.py probe --seconds 30 --interval 0.05 --key-prefix drill:1 > probe.json
    python3 redis_client.py verify --key-prefix drill:1 --from-json probe.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import inspect
import json
import logging
import os
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Tuple

import redis
from redis.asyncio import Redis
from redis.asyncio.connection import SSLConnection
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import MasterNotFoundError, Sentinel, SentinelManagedConnection
from redis.backoff import NoBackoff
from redis.exceptions import (
    AuthenticationError,
    AuthorizationError,
    ConnectionError,
    ReadOnlyError,
    RedisError,
    ResponseError,
    TimeoutError,
)

__all__ = [
    'ConfigError', 'RedisSettings', 'SentinelClient', 'check_redis', 'close', 'configure', 'from_env_file',
    'get_redis_master', 'get_redis_slave', 'last_address', 'no_retry', 'parse_env', 'with_retries',
]

log = logging.getLogger('hastack.redis.client')

DEFAULT_ENV_FILE = '/etc/hastack-redis/client.env'
DEFAULT_SENTINEL_PORT = 26379
REQUIRED_KEYS = ('REDIS_MASTER_NAME', 'REDIS_SENTINELS', 'REDIS_USERNAME', 'REDIS_PASSWORD_FILE')
OPTIONAL_KEYS = ('REDIS_MODE', 'REDIS_TLS_CA_FILE', 'REDIS_SOCKET_TIMEOUT', 'REDIS_RETRY_TIMEOUT')
BACKOFF_BASE_S = 0.05
BACKOFF_CAP_S = 0.5

# redis-py >= 6 reconnects through connect_check_health() (pitfall b)
_HAS_CONNECT_CHECK_HEALTH = hasattr(SentinelManagedConnection, 'connect_check_health')
_CONNECT_ARGS = (inspect.signature(SentinelManagedConnection.connect_check_health).parameters
                 if _HAS_CONNECT_CHECK_HEALTH else {})
_REDIS_ARGS = inspect.signature(Redis.__init__).parameters
# no CLIENT SETINFO to the Sentinels (pitfall g): driver_info in 8.x, lib_name in 5.x-7.x, nothing before
if 'driver_info' in _REDIS_ARGS:
    _NO_CLIENT_SETINFO = {'driver_info': None}
elif 'lib_name' in _REDIS_ARGS:
    _NO_CLIENT_SETINFO = {'lib_name': None, 'lib_version': None}
else:
    _NO_CLIENT_SETINFO = {}

_RETRY_ENABLED = contextvars.ContextVar('hastack_redis_retry', default=True)
_LAST_ADDRESS = contextvars.ContextVar('hastack_redis_last_address', default=None)


class ConfigError(Exception):
    """The client configuration is missing or invalid (the message names the variable or file)."""


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class RedisSettings:
    """Everything the client needs; the password is never part of repr() or str()."""

    master_name: str
    sentinels: Tuple[Tuple[str, int], ...]
    username: str
    password: str = field(repr=False)
    password_file: str = ''
    tls_ca_file: str = ''
    socket_timeout: float = 0.5
    retry_timeout: float = 10.0
    health_check_interval: float = 5.0
    # how often the background task asks Sentinel whether the master moved (0: never)
    master_check_interval: float = 1.0
    max_connections: Optional[int] = None


def parse_env(text: str, source: str = '<env>') -> Dict[str, str]:
    """Parse KEY=VALUE lines; ``#`` starts a comment, a value ends at the first blank."""
    values = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        if line.startswith('export '):
            line = line[len('export '):].lstrip()
        key, sep, value = line.partition('=')
        key = key.strip()
        if not sep or not key or not key.replace('_', '').isalnum():
            raise ConfigError('%s line %d: expected KEY=VALUE' % (source, number))
        value = value.strip()
        values[key] = '' if value.startswith('#') else (value.split() or [''])[0]
    return values


def _parse_sentinels(text: str) -> Tuple[Tuple[str, int], ...]:
    result = []
    for item in text.split(','):
        item = item.strip()
        if not item:
            continue
        if item.startswith('['):  # [v6]:port
            host, _, rest = item[1:].partition(']')
            port = rest[1:] if rest.startswith(':') else ''
        elif item.count(':') == 1:
            host, port = item.split(':')
        else:
            host, port = item, ''
        try:
            port_number = int(port) if port else DEFAULT_SENTINEL_PORT
        except ValueError:
            port_number = 0
        if not host or not 0 < port_number < 65536:
            raise ConfigError('REDIS_SENTINELS: %r is not HOST:PORT' % item)
        result.append((host, port_number))
    if not result:
        raise ConfigError('REDIS_SENTINELS is empty')
    return tuple(result)


def _seconds(values: Mapping[str, str], key: str, default: float) -> float:
    text = values.get(key, '')
    if text == '':
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ConfigError('%s=%s is not a number of seconds' % (key, text))
    return value


def _read_password(path: str) -> str:
    try:
        with open(path, encoding='utf-8') as f:
            password = f.read().rstrip('\r\n')
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ConfigError('REDIS_PASSWORD_FILE=%s cannot be read: %s' % (path, reason)) from None
    if not password:
        raise ConfigError('REDIS_PASSWORD_FILE=%s is empty' % path)
    return password


def from_env_file(path: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> RedisSettings:
    """Settings from the environment file, with the process environment winning over it.

    ``path`` defaults to ``$REDIS_ENV_FILE``, then ``/etc/hastack-redis/client.env``.
    A missing file is fine when the environment has every required variable.
    """
    environ = os.environ if environ is None else environ
    if path is None:
        path = environ.get('REDIS_ENV_FILE') or DEFAULT_ENV_FILE
    values = {}
    try:
        with open(path, encoding='utf-8') as f:
            values = parse_env(f.read(), path)
    except FileNotFoundError:
        missing = [key for key in REQUIRED_KEYS if not environ.get(key)]
        if missing:
            raise ConfigError('REDIS_ENV_FILE=%s: no such file, and %s not set in the environment'
                              % (path, ', '.join(missing))) from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ConfigError('REDIS_ENV_FILE=%s cannot be read: %s' % (path, reason)) from None
    for key in REQUIRED_KEYS + OPTIONAL_KEYS:
        if environ.get(key) is not None:
            values[key] = environ[key].strip()
    missing = [key for key in REQUIRED_KEYS if not values.get(key)]
    if missing:
        raise ConfigError('%s not set (REDIS_ENV_FILE=%s, or the environment)' % (', '.join(missing), path))
    mode = values.get('REDIS_MODE') or 'sentinel'
    if mode != 'sentinel':
        raise ConfigError('REDIS_MODE=%s: this client supports REDIS_MODE=sentinel only' % mode)
    ca_file = values.get('REDIS_TLS_CA_FILE', '')
    if ca_file and not os.path.isfile(ca_file):
        raise ConfigError('REDIS_TLS_CA_FILE=%s: no such file' % ca_file)
    socket_timeout = _seconds(values, 'REDIS_SOCKET_TIMEOUT', 0.5)
    if socket_timeout == 0:
        raise ConfigError('REDIS_SOCKET_TIMEOUT=0: a timeout is needed (pitfall c)')
    return RedisSettings(
        master_name=values['REDIS_MASTER_NAME'],
        sentinels=_parse_sentinels(values['REDIS_SENTINELS']),
        username=values['REDIS_USERNAME'],
        password=_read_password(values['REDIS_PASSWORD_FILE']),
        password_file=values['REDIS_PASSWORD_FILE'],
        tls_ca_file=ca_file,
        socket_timeout=socket_timeout,
        retry_timeout=_seconds(values, 'REDIS_RETRY_TIMEOUT', 10.0),
    )


# --------------------------------------------------------------------------- redis-py classes


class _SentinelConnection(SentinelManagedConnection):
    """A Sentinel-managed connection that never reconnects to an address Sentinel no longer names."""

    async def connect(self):
        pool = self.connection_pool
        # taken from the pool while it points at a master Sentinel no longer names (pitfall e)
        if (self.is_connected and pool.is_master and pool.master_address is not None
                and (self.host, self.port) != tuple(pool.master_address)):
            await self.disconnect()
        return await super().connect()

    async def connect_check_health(self, check_health=True, retry_socket_connect=True):
        # redis-py >= 6 reconnects here from send_packed_command, with the cached address (pitfall b)
        if self.is_connected:
            return
        await self.connect()

    async def connect_to(self, address):
        if not _HAS_CONNECT_CHECK_HEALTH:
            return await super().connect_to(address)
        self.host, self.port = address
        kwargs = {'check_health': self.connection_pool.check_connection}
        if 'retry_socket_connect' in _CONNECT_ARGS:
            kwargs['retry_socket_connect'] = False
        # the socket connect itself, past this class's connect_check_health
        await super(SentinelManagedConnection, self).connect_check_health(**kwargs)

    async def send_packed_command(self, *args, **kwargs):
        await super().send_packed_command(*args, **kwargs)
        _LAST_ADDRESS.set('%s:%s' % (self.host, self.port))


class _SentinelSSLConnection(_SentinelConnection, SSLConnection):
    pass


def _address(reply) -> Optional[Tuple[str, int]]:
    if not reply:
        return None
    host = reply[0].decode() if isinstance(reply[0], bytes) else reply[0]
    return host, int(reply[1])


class _Sentinel(Sentinel):
    """Discovery with SENTINEL GET-MASTER-ADDR-BY-NAME (pitfall h)."""

    async def discover_master(self, service_name):
        errors = []
        for number, sentinel in enumerate(self.sentinels):
            try:
                address = _address(await sentinel.sentinel_get_master_addr_by_name(service_name))
            except (ConnectionError, TimeoutError, ResponseError) as exc:
                errors.append(_error_text(exc))
                continue
            if address:
                # the Sentinel that answered is asked first next time, as redis-py does
                self.sentinels[0], self.sentinels[number] = sentinel, self.sentinels[0]
                return address
        detail = ': ' + '; '.join(errors) if errors else ''
        raise MasterNotFoundError('No master found for %r%s' % (service_name, detail))


class _Client(Redis):
    """redis.asyncio.Redis whose commands are retried through a failover (see SentinelClient)."""

    _hastack_owner = None
    _hastack_master = True

    async def execute_command(self, *args, **options):
        owner = self._hastack_owner
        parent = super().execute_command
        if owner is None:
            return await parent(*args, **options)
        return await owner._retry(lambda: parent(*args, **options), self, self._hastack_master)


def _error_code(exc: BaseException) -> str:
    """The error code of a reply, also when a pipeline prefixed its message (redis-py 4.3: a tuple's repr)."""
    text = str(exc)
    marker = 'of pipeline caused error: '
    if marker in text:
        text = text.split(marker, 1)[1].lstrip('(\'"')
    return text.split(' ', 1)[0]


def _backoff(attempt: int) -> float:
    delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def _error_text(exc: BaseException, secret: str = '') -> str:
    text = '%s: %s' % (exc.__class__.__name__, exc) if str(exc) else exc.__class__.__name__
    if secret:
        text = text.replace(secret, '********')
    return text[:300]


async def _aclose(client: Redis) -> None:
    closer = getattr(client, 'aclose', None) or client.close  # aclose() since redis-py 5.0.1
    try:
        await closer()
    finally:
        await client.connection_pool.disconnect()


class SentinelClient(object):
    """One Sentinel-discovered master client and one replica client, with the failover handling above."""

    def __init__(self, settings: RedisSettings) -> None:
        self.settings = settings
        timeouts = {'socket_timeout': settings.socket_timeout, 'socket_connect_timeout': settings.socket_timeout,
                    'socket_keepalive': True}
        tls = {}
        if settings.tls_ca_file:
            tls = {'ssl_ca_certs': settings.tls_ca_file, 'ssl_cert_reqs': 'required', 'ssl_check_hostname': False}
        sentinel_kwargs = dict(timeouts, retry=Retry(NoBackoff(), 0), **_NO_CLIENT_SETINFO)
        if tls:
            sentinel_kwargs.update(tls, ssl=True)
        self.sentinel = _Sentinel(list(settings.sentinels), sentinel_kwargs=sentinel_kwargs)
        data_kwargs = dict(timeouts, username=settings.username, password=settings.password,
                           health_check_interval=settings.health_check_interval, retry=Retry(NoBackoff(), 0),
                           connection_class=_SentinelSSLConnection if tls else _SentinelConnection, **tls)
        if settings.max_connections:
            data_kwargs['max_connections'] = settings.max_connections
        self.master = self.sentinel.master_for(settings.master_name, redis_class=_Client, **data_kwargs)
        self.slave = self.sentinel.slave_for(settings.master_name, redis_class=_Client, **data_kwargs)
        self.master._hastack_owner = self.slave._hastack_owner = self
        self.slave._hastack_master = False
        self._watcher = None
        self._closing = False

    def __repr__(self):
        return '<SentinelClient %s via %s tls=%s>' % (
            self.settings.master_name, ','.join('%s:%d' % s for s in self.settings.sentinels),
            bool(self.settings.tls_ca_file))

    async def get_master(self) -> Redis:
        """The master client; starts the task that follows master changes (pitfall e)."""
        if self._watcher is None and self.settings.master_check_interval > 0 and not self._closing:
            self._watcher = asyncio.get_running_loop().create_task(self._watch_master())
        return self.master

    async def get_slave(self) -> Redis:
        """The replica client (the master when no replica is up)."""
        return self.slave

    async def _retry(self, call: Callable[[], Awaitable[Any]], client: Redis, is_master: bool) -> Any:
        if not _RETRY_ENABLED.get() or self.settings.retry_timeout <= 0:
            return await call()
        deadline = time.monotonic() + self.settings.retry_timeout
        attempt = 0
        while True:
            try:
                return await call()
            except (RedisError, OSError) as exc:
                action = self._on_error(exc, is_master)
                if action is None:
                    raise
                attempt += 1
                delay = _backoff(attempt)
                if time.monotonic() + delay > deadline:
                    raise
                log.debug('attempt %d failed (%s), retrying in %.3fs', attempt,
                          _error_text(exc, self.settings.password), delay)
                if action == 'resolve':
                    await self._resolve_master(client)
                elif action == 'rotate':
                    await client.connection_pool.disconnect(inuse_connections=False)
                await asyncio.sleep(delay)

    @staticmethod
    def _on_error(exc: BaseException, is_master: bool) -> Optional[str]:
        """None: raise; 'retry', 'resolve' (ask Sentinel first) or 'rotate' (another replica)."""
        if isinstance(exc, (AuthenticationError, AuthorizationError)):
            return None
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return 'retry'
        code = _error_code(exc)
        if is_master and (isinstance(exc, ReadOnlyError) or code in ('READONLY', 'NOREPLICAS')):
            return 'resolve'
        if not is_master and (exc.__class__.__name__ == 'MasterDownError' or code == 'MASTERDOWN'):
            return 'rotate'
        return None

    async def _resolve_master(self, client: Redis) -> None:
        pool = client.connection_pool
        try:
            # drops the idle connections when the address changed; _SentinelConnection the others
            await pool.get_master_address()
        except (RedisError, OSError):
            pass
        if not pool.master_address:
            await pool.disconnect(inuse_connections=False)

    async def _watch_master(self) -> None:
        pool = self.master.connection_pool
        # a flag as well as cancel(): on Python <= 3.11 asyncio.wait_for, which redis-py sends with,
        # can swallow a cancellation (CPython gh-86296)
        while not self._closing:
            await asyncio.sleep(self.settings.master_check_interval)
            try:
                address = await self.sentinel.discover_master(self.settings.master_name)
            except (RedisError, OSError):
                continue  # no Sentinel answers, or a failover is under way: keep what we have
            except Exception as exc:  # never let the watcher die silently
                log.warning('master check failed: %s', _error_text(exc, self.settings.password))
                continue
            if not self._closing and pool.master_address is not None and tuple(address) != tuple(pool.master_address):
                log.info('Sentinel names a new master %s:%s, closing the connections to %s:%s',
                         address[0], address[1], pool.master_address[0], pool.master_address[1])
                pool.master_address = tuple(address)
                await pool.disconnect(inuse_connections=False)

    async def call_with_retries(self, fn: Callable[[], Awaitable[Any]]) -> Any:
        """``await fn()`` retried like a master command (for idempotent pipelines and transactions)."""
        return await self._retry(fn, self.master, True)

    async def _sentinel_view(self) -> Dict[str, Any]:
        name = self.settings.master_name
        errors = []
        for sentinel in list(self.sentinel.sentinels):
            where = '%s:%s' % (sentinel.connection_pool.connection_kwargs.get('host'),
                               sentinel.connection_pool.connection_kwargs.get('port'))
            try:
                state = (await sentinel.sentinel_masters()).get(name)
                if not state:
                    errors.append('Sentinel %s does not monitor %s' % (where, name))
                    continue
                address = _address(await sentinel.sentinel_get_master_addr_by_name(name))
                replicas = await sentinel.sentinel_slaves(name)
                peers = await sentinel.sentinel_sentinels(name)
            except (RedisError, OSError) as exc:
                errors.append('Sentinel %s: %s' % (where, _error_text(exc)))
                continue
            up = [r for r in replicas if not (r.get('is_sdown') or r.get('is_odown') or r.get('is_disconnected'))
                  and r.get('master-link-status', 'ok') == 'ok']
            return {'state': state, 'address': address, 'replicas_count': len(up),
                    'sentinels_count': 1 + len([p for p in peers if not p.get('is_sdown')]), 'asked': where}
        raise ConnectionError('; '.join(errors) or 'no Sentinel configured')

    async def _reachable(self, sentinel: Redis) -> bool:
        try:
            return bool(await sentinel.ping())
        except (RedisError, OSError):
            return False

    async def check(self) -> Dict[str, Any]:
        """The guide's health dict: mode, status, latency_ms, master, cluster (and error when unhealthy)."""
        cluster = {'master_name': self.settings.master_name, 'replicas_count': 0, 'sentinels_count': 0,
                   'sentinels_reachable': 0, 'sentinels_configured': len(self.settings.sentinels), 'quorum': None}
        result = {'mode': 'sentinel', 'status': 'unhealthy', 'latency_ms': 0.0, 'master': None, 'cluster': cluster}
        reachable = await asyncio.gather(*[self._reachable(s) for s in self.sentinel.sentinels])
        cluster['sentinels_reachable'] = sum(reachable)
        errors = []
        try:
            view = await self._sentinel_view()
        except (RedisError, OSError) as exc:
            errors.append(str(exc))
        else:
            state = view['state']
            result['master'] = '%s:%s' % view['address']
            cluster.update(replicas_count=view['replicas_count'], sentinels_count=view['sentinels_count'],
                           quorum=state.get('quorum'))
            if state.get('is_sdown') or state.get('is_odown') or not state.get('is_master'):
                errors.append('Sentinel %s flags the master %s: %s' % (view['asked'], result['master'],
                                                                         state.get('flags')))
        master = await self.get_master()
        started = time.monotonic()
        try:
            with no_retry():
                await master.ping()  # connects (Sentinel, AUTH) when needed
                started = time.monotonic()
                await master.ping()
        except (RedisError, OSError) as exc:
            errors.append('master: ' + _error_text(exc, self.settings.password))
        result['latency_ms'] = round((time.monotonic() - started) * 1000.0, 3)
        if errors:
            result['error'] = '; '.join(errors)
        else:
            result['status'] = 'healthy'
        return result

    async def aclose(self) -> None:
        """Stop the watcher and close every connection (data nodes and Sentinels)."""
        self._closing = True
        if self._watcher is not None:
            self._watcher.cancel()
            # bounded: it stops at its next check of the flag at the latest
            await asyncio.wait([self._watcher], timeout=self.settings.master_check_interval
                               + 2 * self.settings.socket_timeout * len(self.settings.sentinels) + 1)
            self._watcher = None
        for client in [self.master, self.slave] + list(self.sentinel.sentinels):
            with contextlib.suppress(RedisError, OSError):
                await _aclose(client)


# --------------------------------------------------------------------------- module interface

_settings = None  # type: Optional[RedisSettings]
_client = None  # type: Optional[SentinelClient]
_client_loop = None


def configure(settings: Optional[RedisSettings] = None) -> None:
    """Use these settings instead of the environment file (before the first get_redis_*())."""
    global _settings
    if _client is not None:
        raise RuntimeError('the Redis client is already in use: await close() first')
    _settings = settings


async def _get_client() -> SentinelClient:
    global _client, _client_loop
    loop = asyncio.get_running_loop()
    if _client is not None and _client_loop is not loop:
        # made in another event loop (asyncio.run() twice): its connections belong to that loop
        log.warning('the Redis client was made in another event loop; making a new one')
        _client = None
    if _client is None:
        _client = SentinelClient(_settings or from_env_file())
        _client_loop = loop
    return _client


async def get_redis_master() -> Redis:
    """Client for writes (and reads that must see the latest write), through Sentinel."""
    return await (await _get_client()).get_master()


async def get_redis_slave() -> Redis:
    """Client for reads from a replica (the master when no replica is up); may lag behind."""
    return await (await _get_client()).get_slave()


async def check_redis() -> Dict[str, Any]:
    """Health of the site as this application sees it (never raises for Redis errors)."""
    try:
        client = await _get_client()
    except ConfigError as exc:
        return {'mode': 'sentinel', 'status': 'unhealthy', 'latency_ms': 0.0, 'master': None,
                'cluster': {'replicas_count': 0, 'sentinels_count': 0}, 'error': str(exc)}
    return await client.check()


async def with_retries(fn: Callable[[], Awaitable[Any]]) -> Any:
    """``await fn()`` with the master's retry policy; for idempotent pipelines and transactions.

    ``fn`` must build its pipeline anew on each call::

        async def set_and_wait():
            pipe = (await get_redis_master()).pipeline(transaction=False)
            pipe.set('k', 'v').execute_command('WAIT', 1, 100)
            return await pipe.execute()
        await with_retries(set_and_wait)
    """
    return await (await _get_client()).call_with_retries(fn)


@contextlib.contextmanager
def no_retry():
    """Commands awaited in this block are sent once: the caller handles a connection error."""
    token = _RETRY_ENABLED.set(False)
    try:
        yield
    finally:
        _RETRY_ENABLED.reset(token)


def last_address() -> Optional[str]:
    """``ip:port`` of the node the last command of this task was sent to (logging, tests)."""
    return _LAST_ADDRESS.get()


async def close() -> None:
    """Close the connections; the next get_redis_*() reads the configuration again."""
    global _client, _client_loop
    client, _client, _client_loop = _client, None, None
    if client is not None:
        await client.aclose()


# --------------------------------------------------------------------------- command line


def _count(counter: Dict[str, int], exc: BaseException) -> None:
    name = exc.__class__.__name__
    counter[name] = counter.get(name, 0) + 1


def _gaps(first: int, last: int, seqs: List[int]) -> List[List[int]]:
    """Ranges of sequence numbers in [first, last] that are not in the sorted ``seqs``."""
    gaps, expected = [], first
    for seq in seqs:
        if seq > expected:
            gaps.append([expected, seq - 1])
        expected = seq + 1
    return gaps


def _acknowledged(report: Mapping[str, Any]) -> List[int]:
    ack = report['acknowledged']
    if not ack['count']:
        return []
    missing = set()
    for start, end in ack['gaps']:
        missing.update(range(start, end + 1))
    return [seq for seq in range(ack['first'], ack['last'] + 1) if seq not in missing]


async def _probe(args: argparse.Namespace) -> Dict[str, Any]:
    master = await get_redis_master()
    slave = await get_redis_slave()
    prefix, started = args.key_prefix, time.monotonic()
    stop_at = started + args.seconds

    def running() -> bool:
        return time.monotonic() < stop_at and not (args.stop_file and os.path.exists(args.stop_file))

    acked, acked_at, masters = [], [], []
    write_errors, read_errors = {}, {}
    counts = {'attempted': 0, 'unreplicated': 0, 'reads_ok': 0, 'reads_stale': 0}

    async def set_and_wait(key: str, seq: int) -> bool:
        if not args.wait_replicas:
            await master.set(key, seq, ex=args.ttl)
            return True

        async def attempt():
            pipe = master.pipeline(transaction=False)
            pipe.set(key, seq, ex=args.ttl)
            pipe.execute_command('WAIT', args.wait_replicas, args.wait_timeout_ms)
            return await pipe.execute()

        replies = await with_retries(attempt)  # idempotent: the same key and value each time
        return int(replies[1]) >= args.wait_replicas

    async def writer():
        seq = 0
        while running():
            seq += 1
            counts['attempted'] = seq
            t0 = time.monotonic()
            try:
                ok = await set_and_wait('%s:%d' % (prefix, seq), seq)
            except (RedisError, OSError) as exc:
                _count(write_errors, exc)
            else:
                if ok:
                    acked.append(seq)
                    acked_at.append(time.monotonic())
                    where = last_address()
                    if where and (not masters or masters[-1] != where):
                        masters.append(where)
                else:
                    counts['unreplicated'] += 1
            await asyncio.sleep(max(0.0, t0 + args.interval - time.monotonic()))

    async def reader():
        while running():
            t0 = time.monotonic()
            if acked:
                seq = acked[-1]
                try:
                    value = await slave.get('%s:%d' % (prefix, seq))
                except (RedisError, OSError) as exc:
                    _count(read_errors, exc)
                else:
                    counts['reads_ok'] += 1
                    if value is None or int(value) < seq:
                        counts['reads_stale'] += 1
            await asyncio.sleep(max(0.0, t0 + args.interval - time.monotonic()))

    await asyncio.gather(writer(), reader())
    longest, longest_from = None, None
    for before, after in zip(acked_at, acked_at[1:]):
        if longest is None or after - before > longest:
            longest, longest_from = after - before, before - started
    return {
        'key_prefix': prefix, 'seconds': args.seconds, 'interval': args.interval,
        'wait_replicas': args.wait_replicas, 'redis_py': redis.__version__,
        'writes_attempted': counts['attempted'], 'writes_acknowledged': len(acked),
        'writes_unreplicated': counts['unreplicated'], 'write_errors': write_errors,
        'longest_write_unavailability_s': None if longest is None else round(longest, 3),
        'longest_write_unavailability_from_s': None if longest_from is None else round(longest_from, 3),
        'reads_ok': counts['reads_ok'], 'reads_stale': counts['reads_stale'], 'read_errors': read_errors,
        'acknowledged': {'first': acked[0] if acked else None, 'last': acked[-1] if acked else None,
                         'count': len(acked), 'gaps': _gaps(acked[0], acked[-1], acked) if acked else []},
        'masters_seen': masters,
    }


async def _verify(args: argparse.Namespace) -> Dict[str, Any]:
    with open(args.from_json, encoding='utf-8') as f:
        report = json.load(f)
    prefix = args.key_prefix or report['key_prefix']
    if prefix != report['key_prefix']:
        raise ConfigError('--key-prefix %s differs from the probe report\'s %s' % (prefix, report['key_prefix']))
    seqs = _acknowledged(report)
    master = await get_redis_master()
    lost = []
    for i in range(0, len(seqs), 500):
        chunk = seqs[i:i + 500]
        values = await master.mget(['%s:%d' % (prefix, seq) for seq in chunk])
        lost += [seq for seq, value in zip(chunk, values) if value is None or int(value) != seq]
    result = {'key_prefix': prefix, 'checked': len(seqs), 'lost': len(lost), 'lost_sample': lost[:20],
              'read_from': last_address(), 'redis_py': redis.__version__}
    if args.delete:
        keys = ['%s:%d' % (prefix, seq) for seq in range(1, report['writes_attempted'] + 1)]
        for i in range(0, len(keys), 500):
            await master.unlink(*keys[i:i + 500])
        result['deleted'] = True
    return result


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError('must be greater than 0: %s' % text)
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description='hastack.redis reference client: health check and drill probe.')
    parser.add_argument('--env-file', default=None,
                        help='environment file (default: $REDIS_ENV_FILE or %s)' % DEFAULT_ENV_FILE)
    sub = parser.add_subparsers(dest='command', required=True)
    sub.add_parser('check', help='print check_redis() as JSON (exit 1 when unhealthy)')
    probe = sub.add_parser('probe', help='write and read in a loop, print what was acknowledged (JSON)')
    probe.add_argument('--seconds', type=_positive, required=True)
    probe.add_argument('--interval', type=_positive, default=0.05, help='seconds between writes (and reads)')
    probe.add_argument('--key-prefix', required=True, help='keys are PREFIX:<seq>, value <seq>')
    probe.add_argument('--wait-replicas', type=int, default=1,
                       help='a write counts as acknowledged once WAIT says this many replicas have it (0: SET only)')
    probe.add_argument('--wait-timeout-ms', type=int, default=100)
    probe.add_argument('--ttl', type=int, default=3600, help='seconds the probe keys live')
    probe.add_argument('--stop-file', default=None, help='stop early once this file exists (drills)')
    verify = sub.add_parser('verify', help='read the acknowledged keys back through the master (exit 1 if any lost)')
    verify.add_argument('--key-prefix', default=None)
    verify.add_argument('--from-json', required=True, help='the probe\'s JSON output')
    verify.add_argument('--delete', action='store_true', help='delete the probe\'s keys afterwards')
    return parser


async def _main(args: argparse.Namespace) -> int:
    try:
        if args.command == 'check':
            result = await check_redis()
            code = 0 if result['status'] == 'healthy' else 1
        elif args.command == 'probe':
            result, code = await _probe(args), 0
        else:
            result = await _verify(args)
            code = 0 if result['lost'] == 0 else 1
    finally:
        await close()
    print(json.dumps(result, indent=2, sort_keys=True))
    return code


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        configure(from_env_file(args.env_file))
        if args.command == 'probe' and args.wait_replicas and \
                args.wait_timeout_ms >= _settings.socket_timeout * 1000:
            raise ConfigError('--wait-timeout-ms must be below REDIS_SOCKET_TIMEOUT (%.3f s)'
                              % _settings.socket_timeout)
        return asyncio.run(_main(args))
    except ConfigError as exc:
        print('error: %s' % exc, file=sys.stderr)
        return 2
    except (RedisError, OSError) as exc:
        print('error: %s' % _error_text(exc, _settings.password if _settings else ''), file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
