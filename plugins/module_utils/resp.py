# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Redis protocol (RESP2): encoding commands, reading replies, and its errors.

Pure: no socket here (the transport is redis_client.py); standard library only."""

from __future__ import annotations

__all__ = ['RedisError', 'RedisAuthError', 'RedisConnectionError', 'RedisTLSError', 'encode_command', 'RespReader']


class RedisError(Exception):
    """Error reply (``-ERR ...``) sent by the server. ``str(exc)`` is the server message."""

    def __init__(self, message):
        super(RedisError, self).__init__(message)
        self.message = message

    @property
    def code(self):
        """First word of the error message (ERR, WRONGPASS, NOAUTH, ...)."""
        return self.message.split(' ', 1)[0] if self.message else ''


class RedisAuthError(RedisError):
    """The AUTH sent on connect was refused by the server."""


class RedisConnectionError(Exception):
    """The server could not be reached, timed out, or broke the protocol."""


class RedisTLSError(RedisConnectionError):
    """The TCP connection was made but TLS could not be set up or the handshake failed.

    Its own kind, because a certificate problem (expired, wrong CA, wrong name)
    must never be taken for a server that is simply not there.
    """


_CRLF = b'\r\n'


def _to_bytes(arg):
    if isinstance(arg, bytes):
        return arg
    if isinstance(arg, bytearray):
        return bytes(arg)
    if isinstance(arg, bool):
        # yes/no vs 1/0 is ambiguous for Redis, refuse rather than guess
        raise TypeError('boolean command arguments are not supported, pass "yes"/"no" or 1/0 explicitly')
    if isinstance(arg, str):
        return arg.encode('utf-8', 'surrogateescape')
    if isinstance(arg, int):
        return str(arg).encode('ascii')
    if isinstance(arg, float):
        return repr(arg).encode('ascii')
    raise TypeError('unsupported command argument type: %s' % type(arg).__name__)


def encode_command(*args):
    """Encode a command as a RESP array of bulk strings."""
    if not args:
        raise ValueError('empty command')
    parts = [b'*%d\r\n' % len(args)]
    for arg in args:
        data = _to_bytes(arg)
        parts.append(b'$%d\r\n' % len(data))
        parts.append(data)
        parts.append(_CRLF)
    return b''.join(parts)


class RespReader(object):
    """Buffered RESP2 reply parser on top of a ``recv(n)`` callable.

    Top-level error replies raise :class:`RedisError`; error replies nested
    inside arrays (e.g. EXEC results) are returned as RedisError instances so
    that the stream stays in sync.
    """

    def __init__(self, recv, bufsize=65536):
        self._recv = recv
        self._bufsize = bufsize
        self._buf = bytearray()
        self._pos = 0

    def _fill(self):
        chunk = self._recv(self._bufsize)
        if not chunk:
            raise RedisConnectionError('connection closed by the server')
        if self._pos:
            del self._buf[:self._pos]
            self._pos = 0
        self._buf.extend(chunk)

    def _readline(self):
        while True:
            idx = self._buf.find(_CRLF, self._pos)
            if idx >= 0:
                line = bytes(self._buf[self._pos:idx])
                self._pos = idx + 2
                return line
            self._fill()

    def _readexact(self, n):
        while len(self._buf) - self._pos < n + 2:
            self._fill()
        data = bytes(self._buf[self._pos:self._pos + n])
        if self._buf[self._pos + n:self._pos + n + 2] != _CRLF:
            raise RedisConnectionError('protocol error: bulk string not terminated by CRLF')
        self._pos += n + 2
        return data

    @staticmethod
    def _int(data):
        try:
            return int(data)
        except ValueError:
            raise RedisConnectionError('protocol error: invalid length or integer %r' % data[:32])

    def _read(self):
        line = self._readline()
        if not line:
            raise RedisConnectionError('protocol error: empty reply line')
        kind, rest = line[:1], line[1:]
        if kind == b'+':
            return rest.decode('utf-8', 'surrogateescape')
        if kind == b'-':
            return RedisError(rest.decode('utf-8', 'surrogateescape'))
        if kind == b':':
            return self._int(rest)
        if kind == b'$':
            length = self._int(rest)
            if length < 0:
                return None
            return self._readexact(length).decode('utf-8', 'surrogateescape')
        if kind == b'*':
            count = self._int(rest)
            if count < 0:
                return None
            return [self._read() for dummy in range(count)]
        raise RedisConnectionError('protocol error: unexpected reply type %r' % kind)

    def read_reply(self):
        reply = self._read()
        if isinstance(reply, RedisError):
            raise reply
        return reply
