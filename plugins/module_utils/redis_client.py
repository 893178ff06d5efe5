# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How the modules talk to Redis and Sentinel: socket, TLS, AUTH (with the previous password), errors.

Modules run on the managed hosts, where only the Python standard library
is available, so this is a small self-contained client (socket + ssl).

Security rules followed here:
  - passwords are only ever written to the socket, never put into an
    exception message, a returned value or a repr();
  - connection errors name host:port and the reason, nothing else.
"""

from __future__ import annotations

import socket
import ssl
import time

from ansible_collections.hastack.redis.plugins.module_utils.resp import (
    RedisAuthError,
    RedisConnectionError,
    RedisError,
    RedisTLSError,
    RespReader,
    encode_command,
)
# plugins/filter/redis_conf_quote.py imports it from here
from ansible_collections.hastack.redis.plugins.module_utils.config import quote_config_arg  # noqa: F401

__all__ = ['RedisError', 'RedisAuthError', 'RedisConnectionError', 'RedisTLSError', 'RedisClient', 'scrub_secrets']


class RedisClient(object):
    """Small synchronous Redis/Sentinel client (RESP2).

    Connects lazily on the first :meth:`execute`. When ``password`` is set,
    ``AUTH [username] password`` is sent right after connecting. With
    ``connect_wait``, connecting is retried for that many seconds while the
    server refuses or drops the connection (a service that is still starting).
    """

    # seconds between two tries of a connection that waits for the server
    WAIT_INTERVAL = 0.2

    def __init__(self, host='127.0.0.1', port=6379, username=None, password=None, timeout=3.0,
                 tls=False, ca_file=None, cert_file=None, key_file=None, previous_password=None, connect_wait=0):
        self.host = host
        self.port = int(port)
        self.username = username
        self._password = password
        # tried when the server refuses ``password`` (a rotation in progress)
        self._previous_password = previous_password
        self.timeout = float(timeout) if timeout is not None else None
        self.tls = tls
        self.ca_file = ca_file
        self.cert_file = cert_file
        self.key_file = key_file
        self.connect_wait = float(connect_wait or 0)
        self._sock = None
        self._reader = None

    def __repr__(self):
        # never show the password
        return '<RedisClient %s tls=%s user=%s>' % (self.address, self.tls, self.username)

    @property
    def address(self):
        if ':' in self.host and not self.host.startswith('['):
            return '[%s]:%d' % (self.host, self.port)
        return '%s:%d' % (self.host, self.port)

    @property
    def connected(self):
        return self._sock is not None

    def _conn_error(self, what, exc):
        reason = getattr(exc, 'strerror', None) or str(exc) or exc.__class__.__name__
        if isinstance(exc, socket.timeout):
            reason = 'timed out after %ss' % self.timeout
        return RedisConnectionError('%s %s: %s' % (what, self.address, reason))

    def _wrap_tls(self, sock):
        try:
            ctx = ssl.create_default_context(cafile=self.ca_file)
            if self.cert_file:
                ctx.load_cert_chain(self.cert_file, self.key_file)
        except (OSError, ssl.SSLError) as exc:
            raise RedisTLSError('cannot set up TLS for %s: %s' % (self.address, exc))
        try:
            return ctx.wrap_socket(sock, server_hostname=self.host)
        except (OSError, ssl.SSLError) as exc:
            reason = getattr(exc, 'verify_message', None) or getattr(exc, 'reason', None) or str(exc)
            if isinstance(exc, socket.timeout):
                reason = 'timed out after %ss' % self.timeout
            raise RedisTLSError('TLS handshake with %s failed: %s' % (self.address, reason))

    def connect(self):
        """Connect and authenticate, unless connected.

        With ``connect_wait``, a connection-level failure (refused, reset,
        timed out, closed before AUTH was answered) is retried every
        WAIT_INTERVAL seconds until ``connect_wait`` seconds have passed, then
        the last one is raised. A TLS error (a certificate that does not verify
        is no server that is still starting) and a refused AUTH fail at once.
        """
        if self._sock is not None:
            return
        deadline = time.monotonic() + self.connect_wait
        while True:
            try:
                return self._connect_once()
            except RedisTLSError:
                raise
            except RedisConnectionError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise
                time.sleep(min(self.WAIT_INTERVAL, remaining))

    def _connect_once(self):
        sock = None
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls:
                sock = self._wrap_tls(sock)
        except RedisConnectionError:
            if sock is not None:
                sock.close()
            raise
        except (OSError, ssl.SSLError) as exc:
            if sock is not None:
                sock.close()
            raise self._conn_error('cannot connect to', exc)
        self._sock = sock
        self._reader = RespReader(self._recv)
        if self._password is not None and self._password != '':
            args = ['AUTH']
            if self.username:
                args.append(self.username)
            args.append(self._password)
            try:
                self._roundtrip(args)
            except RedisError as exc:
                if self._previous_password and exc.message.startswith('WRONGPASS'):
                    try:
                        self._roundtrip(args[:-1] + [self._previous_password])
                        return
                    except RedisError:
                        pass
                self.close()
                # the server message (e.g. WRONGPASS ...) never echoes the password
                raise RedisAuthError('authentication failed on %s: %s' % (self.address, exc.message))

    def _recv(self, n):
        try:
            return self._sock.recv(n)
        except (OSError, ssl.SSLError) as exc:
            self.close()
            raise self._conn_error('error reading from', exc)

    def _roundtrip(self, args):
        payload = encode_command(*args)
        try:
            self._sock.sendall(payload)
        except (OSError, ssl.SSLError) as exc:
            self.close()
            raise self._conn_error('error writing to', exc)
        try:
            return self._reader.read_reply()
        except RedisConnectionError as exc:
            self.close()
            msg = str(exc)
            if self.address not in msg:
                msg = '%s (%s)' % (msg, self.address)
            raise RedisConnectionError(msg)

    def execute(self, *args):
        """Send one command and return the parsed reply.

        Raises RedisError for an error reply and RedisConnectionError for
        network/protocol problems (the connection is then closed and the next
        call reconnects).
        """
        self.connect()
        return self._roundtrip(args)

    def close(self):
        sock, self._sock, self._reader = self._sock, None, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False


def scrub_secrets(text, secrets):
    """Replace every occurrence of the given secrets in ``text`` by ``********``."""
    text = '' if text is None else str(text)
    for secret in secrets or ():
        if secret is None:
            continue
        secret = str(secret)
        if secret:
            text = text.replace(secret, '********')
    return text
