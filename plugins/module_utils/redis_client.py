# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Minimal RESP2 client and helpers for the hastack.redis modules.

Modules run on the managed hosts, where only the Python standard library
is available, so this is a small self-contained client (socket + ssl).

Security rules followed here:
  - passwords are only ever written to the socket, never put into an
    exception message, a returned value or a repr();
  - connection errors name host:port and the reason, nothing else.
"""

from __future__ import annotations

import re
import socket
import ssl

__all__ = [
    'RedisError', 'RedisAuthError', 'RedisConnectionError', 'RedisTLSError', 'RedisClient',
    'encode_command', 'RespReader', 'parse_info', 'parse_role', 'parse_memory',
    'normalize_config_value', 'MEMORY_CONFIG_KEYS', 'pairs_to_dict', 'keyspace_keys',
    'redis_connection_argument_spec', 'client_from_module', 'scrub_secrets',
    'is_immutable_config_error', 'split_config_args', 'quote_config_arg',
]


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


class RedisClient(object):
    """Small synchronous Redis/Sentinel client (RESP2).

    Connects lazily on the first :meth:`execute`. When ``password`` is set,
    ``AUTH [username] password`` is sent right after connecting.
    """

    def __init__(self, host='127.0.0.1', port=6379, username=None, password=None, timeout=3.0,
                 tls=False, ca_file=None, cert_file=None, key_file=None, previous_password=None):
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
        if self._sock is not None:
            return
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


# ---------------------------------------------------------------------------
# Reply helpers
# ---------------------------------------------------------------------------

_INT_RE = re.compile(r'^-?\d+$')
_KV_PART_RE = re.compile(r'^[A-Za-z0-9_.\-]+=')


def _maybe_int(value):
    if isinstance(value, str) and _INT_RE.match(value):
        return int(value)
    return value


def _parse_kv_list(value):
    parts = value.split(',')
    if not all(_KV_PART_RE.match(p) for p in parts):
        return None
    result = {}
    for part in parts:
        k, v = part.split('=', 1)
        result[k] = _maybe_int(v)
    return result


def parse_info(text):
    """Parse the text of an INFO reply into a flat dict.

    ``# Section`` headers and blank lines are skipped; ``a=1,b=2`` values become
    dicts; values that are whole integers become ints; everything else is str.
    """
    result = {}
    if not text:
        return result
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith('#') or ':' not in line:
            continue
        key, value = line.split(':', 1)
        kv = _parse_kv_list(value) if '=' in value else None
        result[key] = kv if kv is not None else _maybe_int(value)
    return result


def keyspace_keys(info):
    """Number of keys in every database of a parsed INFO keyspace section (``db0:keys=N,...``)."""
    return sum(int(v.get('keys') or 0) for k, v in info.items()
               if k.startswith('db') and k[2:].isdigit() and isinstance(v, dict))


def pairs_to_dict(reply):
    """Turn a flat ``[k1, v1, k2, v2, ...]`` reply into a dict (ints converted)."""
    if reply is None:
        return None
    if isinstance(reply, dict):
        return dict(reply)
    it = iter(reply)
    return dict((k, _maybe_int(v)) for k, v in zip(it, it))


def parse_role(reply):
    """Parse a ROLE reply into a dict (see module docs for the shape)."""
    if not reply:
        raise ValueError('empty ROLE reply')
    role = reply[0]
    if role == 'master':
        replicas = []
        for entry in (reply[2] if len(reply) > 2 and reply[2] else []):
            replicas.append({'host': entry[0], 'port': int(entry[1]), 'offset': int(entry[2])})
        return {'role': 'master', 'offset': int(reply[1]), 'replicas': replicas}
    if role in ('slave', 'replica'):
        return {
            'role': 'slave',
            'master_host': reply[1],
            'master_port': int(reply[2]),
            'state': reply[3],
            'offset': int(reply[4]),
        }
    if role == 'sentinel':
        return {'role': 'sentinel', 'masters': list(reply[1] or [])}
    raise ValueError('unknown role in ROLE reply: %r' % (role,))


_MEMORY_RE = re.compile(r'^\s*(-?\d+)\s*([kmg]b?|b)?\s*$', re.IGNORECASE)
_MEMORY_UNITS = {
    None: 1, 'b': 1,
    'k': 1000, 'kb': 1024,
    'm': 1000 ** 2, 'mb': 1024 ** 2,
    'g': 1000 ** 3, 'gb': 1024 ** 3,
}


def parse_memory(value):
    """Parse a Redis memory value (``100mb``, ``1g``, ``4096``) into bytes."""
    if isinstance(value, bool):
        raise ValueError('invalid memory value %r: expected an integer with an optional unit '
                         '(k, kb, m, mb, g, gb)' % (value,))
    if isinstance(value, int):
        return value
    match = _MEMORY_RE.match(str(value))
    if not match:
        raise ValueError('invalid memory value %r: expected an integer with an optional unit '
                         '(k, kb, m, mb, g, gb)' % (value,))
    unit = match.group(2).lower() if match.group(2) else None
    return int(match.group(1)) * _MEMORY_UNITS[unit]


#: configuration parameters whose values are byte sizes (compared after unit expansion)
MEMORY_CONFIG_KEYS = frozenset([
    'maxmemory',
    'maxmemory-clients',
    'client-query-buffer-limit',
    'proto-max-bulk-len',
    'repl-backlog-size',
    'active-defrag-ignore-bytes',
    'auto-aof-rewrite-min-size',
    'stream-node-max-bytes',
    'hash-max-ziplist-value',
    'hash-max-listpack-value',
    'set-max-listpack-value',
    'zset-max-ziplist-value',
    'zset-max-listpack-value',
])

_WS_RE = re.compile(r'\s+')


def _scalar_str(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    return _WS_RE.sub(' ', str(value).strip())


def _memory_or_raw(key, text):
    if text.endswith('%'):
        return text
    try:
        return str(parse_memory(text))
    except ValueError:
        return text


def normalize_config_value(key, value):
    """Canonical string form of a config value, to compare desired vs CONFIG GET."""
    key = (key or '').lower()
    if isinstance(value, (list, tuple)):
        text = ' '.join(s for s in (_scalar_str(v) for v in value) if s)
    else:
        text = _scalar_str(value)
    if key in MEMORY_CONFIG_KEYS:
        return _memory_or_raw(key, text)
    if key == 'client-output-buffer-limit':
        tokens = []
        for tok in text.lower().split():
            if tok == 'replica':
                tok = 'slave'
            tokens.append(_memory_or_raw(key, tok) if _MEMORY_RE.match(tok) else tok)
        return ' '.join(tokens)
    if text.lower() in ('yes', 'no'):
        return text.lower()
    return text


def is_immutable_config_error(message):
    """True when a CONFIG SET error means "only settable at startup"."""
    low = (message or '').lower()
    return 'immutable' in low or "can't set" in low or 'cannot set' in low


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


def split_config_args(line):
    """Split one config-file line like Redis' sdssplitargs (quotes and escapes)."""
    args = []
    i, n = 0, len(line)
    escapes = {'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'a': '\a'}
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return args
        cur = []
        if line[i] == '"':
            i += 1
            while True:
                if i >= n:
                    raise ValueError('unbalanced quotes in configuration line')
                c = line[i]
                if c == '\\' and i + 3 < n and line[i + 1] == 'x' and \
                        re.match(r'[0-9a-fA-F]{2}', line[i + 2:i + 4]):
                    cur.append(chr(int(line[i + 2:i + 4], 16)))
                    i += 4
                    continue
                if c == '\\' and i + 1 < n:
                    cur.append(escapes.get(line[i + 1], line[i + 1]))
                    i += 2
                    continue
                if c == '"':
                    i += 1
                    if i < n and not line[i].isspace():
                        raise ValueError('closing quote must be followed by a space')
                    break
                cur.append(c)
                i += 1
        elif line[i] == "'":
            i += 1
            while True:
                if i >= n:
                    raise ValueError('unbalanced quotes in configuration line')
                c = line[i]
                if c == '\\' and i + 1 < n and line[i + 1] == "'":
                    cur.append("'")
                    i += 2
                    continue
                if c == "'":
                    i += 1
                    if i < n and not line[i].isspace():
                        raise ValueError('closing quote must be followed by a space')
                    break
                cur.append(c)
                i += 1
        else:
            while i < n and not line[i].isspace():
                cur.append(line[i])
                i += 1
        args.append(''.join(cur))


_CONFIG_ESCAPES = {'\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\a': '\\a', '\b': '\\b'}


def quote_config_arg(value):
    r"""Write ``value`` as one config-file argument that split_config_args (and Redis) read back exactly.

    The form is the one CONFIG REWRITE writes (sdscatrepr): in double quotes,
    with ``\\``, ``\"``, ``\n``, ``\r``, ``\t``, ``\a``, ``\b``, and ``\xHH`` for
    the other ASCII control characters. Characters beyond ASCII are kept as
    they are: the file is UTF-8 and Redis reads them byte for byte (CONFIG
    REWRITE writes them as ``\xHH`` per byte, which means the same).
    """
    out = ['"']
    for c in value:
        escaped = _CONFIG_ESCAPES.get(c)
        if escaped is None:
            escaped = c if ' ' <= c <= '~' or c > '\x7f' else '\\x%02x' % ord(c)
        out.append(escaped)
    out.append('"')
    return ''.join(out)


# ---------------------------------------------------------------------------
# AnsibleModule glue
# ---------------------------------------------------------------------------

def redis_connection_argument_spec(default_port=6379):
    """Options shared by all modules (documented in the hastack.redis.redis doc fragment)."""
    return dict(
        login_host=dict(type='str', default='127.0.0.1'),
        login_port=dict(type='int', default=default_port),
        login_user=dict(type='str'),
        login_password=dict(type='str', no_log=True),
        login_password_previous=dict(type='str', no_log=True),
        connect_timeout=dict(type='float', default=3.0),
        tls=dict(type='bool', default=False),
        tls_ca_file=dict(type='path'),
        tls_cert_file=dict(type='path'),
        tls_key_file=dict(type='path'),
    )


def client_from_module(module, host=None, port=None, username=None, password=None, use_login_credentials=True,
                       previous_password=None):
    """Build a RedisClient from the shared connection options of ``module``.

    ``host``/``port`` override login_host/login_port. ``username``/``password``
    override login_user/login_password (used for Sentinel credentials).
    """
    p = module.params
    previous = previous_password
    if use_login_credentials:
        username = username if username is not None else p.get('login_user')
        password = password if password is not None else p.get('login_password')
        previous = p.get('login_password_previous')
    return RedisClient(
        host=host if host is not None else p.get('login_host'),
        port=port if port is not None else p.get('login_port'),
        username=username,
        password=password,
        timeout=p.get('connect_timeout'),
        tls=p.get('tls'),
        ca_file=p.get('tls_ca_file'),
        cert_file=p.get('tls_cert_file'),
        key_file=p.get('tls_key_file'),
        previous_password=previous,
    )


def sentinel_auth_argument_spec():
    """Options sentinel_user/sentinel_password (doc fragment hastack.redis.redis.sentinel_auth)."""
    return dict(
        sentinel_user=dict(type='str'),
        sentinel_password=dict(type='str', no_log=True),
    )


def sentinel_client_kwargs(params):
    """client_from_module() arguments for one Sentinel of a module with the sentinel_auth options.

    Without ``sentinel_password`` the Sentinels get the login credentials (the
    admin user exists on the data nodes and on the Sentinels); an empty
    ``sentinel_password`` means no AUTH.
    """
    if params.get('sentinel_password') is None:
        return dict(username=params.get('login_user'), password=params.get('login_password'),
                    previous_password=params.get('login_password_previous'), use_login_credentials=False)
    return dict(username=params.get('sentinel_user'), password=params.get('sentinel_password') or None,
                previous_password=None, use_login_credentials=False)
