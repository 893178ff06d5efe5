# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import socket
import threading
import time

import pytest

from ansible_collections.hastack.redis.plugins.module_utils import redis_client as rc
from ansible_collections.hastack.redis.plugins.module_utils.argspec import (
    client_from_module,
    redis_connection_argument_spec,
)
from ansible_collections.hastack.redis.plugins.module_utils.config import (
    is_immutable_config_error,
    normalize_config_value,
    parse_memory,
    split_config_args,
)
from ansible_collections.hastack.redis.plugins.module_utils.info import pairs_to_dict, parse_info, parse_role
from ansible_collections.hastack.redis.plugins.module_utils.redis_client import (
    RedisAuthError,
    RedisClient,
    RedisConnectionError,
    RedisError,
    RedisTLSError,
    scrub_secrets,
)
from ansible_collections.hastack.redis.plugins.module_utils.resp import encode_command, RespReader

from loopback import free_port
from redis_fakes import FakeSocket


def reader(data, chunk=None):
    sock = FakeSocket(data, chunk=chunk)
    return RespReader(sock.recv)


# --- encoding ---------------------------------------------------------------

def test_encode_command_bulk_strings():
    assert encode_command('SET', 'k', 'v') == b'*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n'


def test_encode_command_int_float_bytes_and_utf8():
    data = encode_command('X', 12, 0.5, b'\x00\r\n', u'\u00e9')
    assert data == b'*5\r\n$1\r\nX\r\n$2\r\n12\r\n$3\r\n0.5\r\n$3\r\n\x00\r\n\r\n$2\r\n\xc3\xa9\r\n'


def test_encode_command_rejects_bool_and_none():
    with pytest.raises(TypeError):
        encode_command('SET', 'k', True)
    with pytest.raises(TypeError):
        encode_command('SET', 'k', None)
    with pytest.raises(ValueError):
        encode_command()


# --- parsing ----------------------------------------------------------------

def test_parse_simple_integer_bulk_nil():
    r = reader(b'+OK\r\n:-42\r\n$5\r\nhello\r\n$-1\r\n$0\r\n\r\n')
    assert r.read_reply() == 'OK'
    assert r.read_reply() == -42
    assert r.read_reply() == 'hello'
    assert r.read_reply() is None
    assert r.read_reply() == ''


def test_parse_bulk_with_crlf_inside_and_binary():
    r = reader(b'$4\r\na\r\nb\r\n$2\r\n\xff\xfe\r\n')
    assert r.read_reply() == 'a\r\nb'
    value = r.read_reply()
    assert value.encode('utf-8', 'surrogateescape') == b'\xff\xfe'


def test_parse_nested_arrays_and_nil_array():
    data = b'*3\r\n$6\r\nmaster\r\n:100\r\n*2\r\n*3\r\n$8\r\n10.0.0.2\r\n$4\r\n6379\r\n$3\r\n100\r\n*0\r\n*-1\r\n'
    r = reader(data)
    assert r.read_reply() == ['master', 100, [['10.0.0.2', '6379', '100'], []]]
    assert r.read_reply() is None


def test_parse_error_reply_raises_and_stream_stays_in_sync():
    r = reader(b'-WRONGTYPE Operation against a key\r\n+OK\r\n')
    with pytest.raises(RedisError) as exc:
        r.read_reply()
    assert exc.value.message == 'WRONGTYPE Operation against a key'
    assert exc.value.code == 'WRONGTYPE'
    assert r.read_reply() == 'OK'


def test_nested_error_is_returned_not_raised():
    r = reader(b'*2\r\n+OK\r\n-ERR boom\r\n:1\r\n')
    reply = r.read_reply()
    assert reply[0] == 'OK'
    assert isinstance(reply[1], RedisError) and reply[1].message == 'ERR boom'
    assert r.read_reply() == 1


@pytest.mark.parametrize('chunk', [1, 2, 3, 7])
def test_parse_partial_reads(chunk):
    data = b'*2\r\n$11\r\nhello world\r\n*2\r\n:1\r\n$-1\r\n+PONG\r\n'
    r = reader(data, chunk=chunk)
    assert r.read_reply() == ['hello world', [1, None]]
    assert r.read_reply() == 'PONG'


def test_parse_connection_closed_midway():
    r = reader(b'$10\r\nabc')
    with pytest.raises(RedisConnectionError):
        r.read_reply()


def test_parse_protocol_error():
    with pytest.raises(RedisConnectionError):
        reader(b'?what\r\n').read_reply()
    with pytest.raises(RedisConnectionError):
        reader(b'$3\r\nabcd\r\n').read_reply()


# --- RedisClient over a fake socket -----------------------------------------

def test_client_connects_lazily_and_sends_auth(monkeypatch):
    created = []

    def create_connection(address, timeout=None):
        sock = FakeSocket(b'+OK\r\n$3\r\nbar\r\n')
        sock.address, sock.timeout = address, timeout
        created.append(sock)
        return sock

    monkeypatch.setattr(rc.socket, 'create_connection', create_connection)
    client = RedisClient('10.1.1.1', 6380, username='app', password='s3cr3t', timeout=1.5)
    assert created == []
    assert 's3cr3t' not in repr(client)
    assert client.execute('GET', 'foo') == 'bar'
    assert len(created) == 1
    sock = created[0]
    assert sock.address == ('10.1.1.1', 6380) and sock.timeout == 1.5
    assert bytes(sock.sent) == encode_command('AUTH', 'app', 's3cr3t') + encode_command('GET', 'foo')
    client.close()
    assert sock.closed and not client.connected


def test_client_auth_without_user(monkeypatch):
    sock = FakeSocket(b'+OK\r\n+PONG\r\n')
    monkeypatch.setattr(rc.socket, 'create_connection', lambda address, timeout=None: sock)
    with RedisClient(password='pw') as client:
        assert client.execute('PING') == 'PONG'
    assert bytes(sock.sent).startswith(encode_command('AUTH', 'pw'))
    assert sock.closed


def test_client_no_auth_without_password(monkeypatch):
    sock = FakeSocket(b'+PONG\r\n')
    monkeypatch.setattr(rc.socket, 'create_connection', lambda address, timeout=None: sock)
    assert RedisClient().execute('PING') == 'PONG'
    assert bytes(sock.sent) == encode_command('PING')


def test_client_auth_failure_has_no_secret(monkeypatch):
    sock = FakeSocket(b'-WRONGPASS invalid username-password pair or user is disabled.\r\n')
    monkeypatch.setattr(rc.socket, 'create_connection', lambda address, timeout=None: sock)
    client = RedisClient('10.0.0.9', 6379, password='hunter2-secret')
    with pytest.raises(RedisAuthError) as exc:
        client.execute('PING')
    assert 'WRONGPASS' in str(exc.value)
    assert '10.0.0.9:6379' in str(exc.value)
    assert 'hunter2-secret' not in str(exc.value)
    assert sock.closed and not client.connected


def test_client_error_reply_keeps_connection(monkeypatch):
    sock = FakeSocket(b'-ERR unknown command\r\n+PONG\r\n')
    monkeypatch.setattr(rc.socket, 'create_connection', lambda address, timeout=None: sock)
    client = RedisClient()
    with pytest.raises(RedisError):
        client.execute('NOPE')
    assert client.execute('PING') == 'PONG'


def test_client_timeout_becomes_connection_error(monkeypatch):
    def boom(address, timeout=None):
        raise socket.timeout('timed out')

    monkeypatch.setattr(rc.socket, 'create_connection', boom)
    with pytest.raises(RedisConnectionError) as exc:
        RedisClient('10.9.9.9', 7000, password='topsecret', timeout=0.2).execute('PING')
    assert '10.9.9.9:7000' in str(exc.value)
    assert 'timed out' in str(exc.value)
    assert 'topsecret' not in str(exc.value)


def test_client_read_timeout_closes(monkeypatch):
    class SlowSocket(FakeSocket):
        def recv(self, n):
            raise socket.timeout('timed out')

    sock = SlowSocket()
    monkeypatch.setattr(rc.socket, 'create_connection', lambda address, timeout=None: sock)
    client = RedisClient(timeout=0.1)
    with pytest.raises(RedisConnectionError) as exc:
        client.execute('PING')
    assert '127.0.0.1:6379' in str(exc.value)
    assert not client.connected and sock.closed


def test_client_connection_refused_real_socket():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(RedisConnectionError) as exc:
        RedisClient('127.0.0.1', port, timeout=1).execute('PING')
    assert '127.0.0.1:%d' % port in str(exc.value)


# --- waiting for a server that is still starting (connect_wait) -------------

class LateServer(object):
    """A loopback server thread that starts listening ``delay`` seconds late.

    The first ``drop`` connections are closed at once, unanswered (a server
    that accepts, then goes away); the next one gets ``replies``. ``stop()``
    always ends the thread, whether or not a client came.
    """

    def __init__(self, port, delay, replies=b'+OK\r\n+PONG\r\n', drop=0):
        self.port, self.delay, self.replies, self.drop = port, delay, replies, drop
        self.accepted = 0
        self.received = bytearray()
        self.listening_since = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.daemon = True

    def _run(self):
        if self._stop.wait(self.delay):
            return
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(('127.0.0.1', self.port))
        srv.listen(8)
        srv.settimeout(0.1)
        self.listening_since = time.monotonic()
        try:
            while not self._stop.is_set():
                try:
                    conn, _ = srv.accept()
                except socket.timeout:
                    continue
                self.accepted += 1
                if self.accepted <= self.drop:
                    conn.close()
                    continue
                with conn:
                    conn.settimeout(2)
                    want = self.replies.count(b'\r\n')
                    # one reply per command received (the client sends them one at a time)
                    for n in range(want):
                        data = conn.recv(4096)
                        if not data:
                            break
                        self.received.extend(data)
                        conn.sendall(self.replies.split(b'\r\n')[n] + b'\r\n')
        finally:
            srv.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(5)
        assert not self._thread.is_alive()
        return False


def test_connect_wait_connects_once_the_server_listens():
    port = free_port()
    with LateServer(port, delay=0.5) as server:
        client = RedisClient('127.0.0.1', port, password='pw', timeout=1, connect_wait=10)
        started = time.monotonic()
        assert client.execute('PING') == 'PONG'
        took = time.monotonic() - started
        client.close()
    assert server.listening_since is not None and took >= 0.4
    assert took < 5
    assert bytes(server.received) == encode_command('AUTH', 'pw') + encode_command('PING')


def test_without_connect_wait_the_same_fails_at_once():
    port = free_port()
    with LateServer(port, delay=0.5) as server:
        started = time.monotonic()
        with pytest.raises(RedisConnectionError) as exc:
            RedisClient('127.0.0.1', port, password='pw', timeout=1).execute('PING')
        took = time.monotonic() - started
        assert server.listening_since is None
    assert took < 0.4
    assert 'cannot connect to 127.0.0.1:%d' % port in str(exc.value)


def test_connect_wait_retries_a_connection_dropped_before_auth_is_answered():
    port = free_port()
    with LateServer(port, delay=0, drop=2) as server:
        client = RedisClient('127.0.0.1', port, password='pw', timeout=1, connect_wait=10)
        assert client.execute('PING') == 'PONG'
        client.close()
    assert server.accepted == 3


def test_connect_wait_gives_up_with_the_connection_error(monkeypatch):
    port = free_port()
    tries = []
    real_create_connection = socket.create_connection

    def counting(address, timeout=None):
        tries.append(time.monotonic())
        return real_create_connection(address, timeout=timeout)

    monkeypatch.setattr(rc.socket, 'create_connection', counting)
    client = RedisClient('127.0.0.1', port, password='topsecret', timeout=1, connect_wait=1.0)
    started = time.monotonic()
    with pytest.raises(RedisConnectionError) as exc:
        client.execute('PING')
    took = time.monotonic() - started
    assert 1.0 <= took < 1.0 + 2.0
    assert len(tries) >= 3
    assert type(exc.value) is RedisConnectionError
    assert 'cannot connect to 127.0.0.1:%d' % port in str(exc.value)
    assert 'topsecret' not in str(exc.value)
    assert not client.connected


def test_connect_wait_does_not_retry_a_refused_auth(monkeypatch):
    socks = []

    def create_connection(address, timeout=None):
        socks.append(FakeSocket(b'-WRONGPASS invalid username-password pair or user is disabled.\r\n'))
        return socks[-1]

    monkeypatch.setattr(rc.socket, 'create_connection', create_connection)
    client = RedisClient(password='pw', connect_wait=10)
    started = time.monotonic()
    with pytest.raises(RedisAuthError):
        client.execute('PING')
    assert time.monotonic() - started < 1
    assert len(socks) == 1 and socks[0].closed


def test_connect_wait_does_not_retry_a_tls_error(monkeypatch):
    socks = []

    def create_connection(address, timeout=None):
        socks.append(FakeSocket())
        return socks[-1]

    def wrap_tls(self, sock):
        raise RedisTLSError('TLS handshake with %s failed: certificate has expired' % self.address)

    monkeypatch.setattr(rc.socket, 'create_connection', create_connection)
    monkeypatch.setattr(RedisClient, '_wrap_tls', wrap_tls)
    client = RedisClient(tls=True, connect_wait=10)
    started = time.monotonic()
    with pytest.raises(RedisTLSError):
        client.execute('PING')
    assert time.monotonic() - started < 1
    assert len(socks) == 1 and socks[0].closed


def test_connect_wait_is_a_shared_connection_option():
    spec = redis_connection_argument_spec()
    assert spec['connect_wait'] == dict(type='float', default=0.0)

    class Module(object):
        params = dict((name, option.get('default')) for name, option in spec.items())

    assert client_from_module(Module()).connect_wait == 0
    Module.params['connect_wait'] = 30.0
    assert client_from_module(Module()).connect_wait == 30.0


# --- parse_info -------------------------------------------------------------

INFO_REPLICATION = (
    '# Replication\r\n'
    'role:master\r\n'
    'connected_slaves:2\r\n'
    'slave0:ip=10.0.0.2,port=6379,state=online,offset=1234,lag=0\r\n'
    'slave1:ip=10.0.0.3,port=6380,state=wait_bgsave,offset=0,lag=1\r\n'
    'master_failover_state:no-failover\r\n'
    'master_replid:8b0ad3a0f3b1\r\n'
    'master_repl_offset:1234\r\n'
    'master_last_io_seconds_ago:-1\r\n'
    'mem_fragmentation_ratio:1.25\r\n'
    '\r\n'
    '# Keyspace\r\n'
    'db0:keys=1,expires=0,avg_ttl=0\r\n'
    'executable:/usr/bin/redis-server\r\n'
)


def test_parse_info():
    info = parse_info(INFO_REPLICATION)
    assert info['role'] == 'master'
    assert info['connected_slaves'] == 2
    assert info['slave0'] == {'ip': '10.0.0.2', 'port': 6379, 'state': 'online', 'offset': 1234, 'lag': 0}
    assert info['slave1']['state'] == 'wait_bgsave'
    assert info['master_repl_offset'] == 1234
    assert info['master_last_io_seconds_ago'] == -1
    assert info['mem_fragmentation_ratio'] == '1.25'
    assert info['master_replid'] == '8b0ad3a0f3b1'
    assert info['db0'] == {'keys': 1, 'expires': 0, 'avg_ttl': 0}
    assert info['executable'] == '/usr/bin/redis-server'
    assert not any(k.startswith('#') for k in info)
    assert parse_info('') == {}


def test_parse_info_sentinel_and_ipv6():
    info = parse_info('# Sentinel\nmaster0:name=mymaster,status=ok,address=10.0.0.1:6379,slaves=2,sentinels=3\n'
                      'master_host:fe80::1\n')
    assert info['master0'] == {'name': 'mymaster', 'status': 'ok', 'address': '10.0.0.1:6379',
                               'slaves': 2, 'sentinels': 3}
    assert info['master_host'] == 'fe80::1'


# --- parse_role -------------------------------------------------------------

def test_parse_role_master():
    assert parse_role(['master', 3129659, [['10.0.0.2', '9001', '3129242'], ['10.0.0.3', '9002', '3129543']]]) == {
        'role': 'master', 'offset': 3129659,
        'replicas': [{'host': '10.0.0.2', 'port': 9001, 'offset': 3129242},
                     {'host': '10.0.0.3', 'port': 9002, 'offset': 3129543}]}
    assert parse_role(['master', 0, []])['replicas'] == []


def test_parse_role_slave():
    assert parse_role(['slave', '10.0.0.1', 6379, 'connected', 3167038]) == {
        'role': 'slave', 'master_host': '10.0.0.1', 'master_port': 6379, 'state': 'connected', 'offset': 3167038}


def test_parse_role_sentinel_and_unknown():
    assert parse_role(['sentinel', ['mymaster', 'other']]) == {'role': 'sentinel', 'masters': ['mymaster', 'other']}
    with pytest.raises(ValueError):
        parse_role(['chaos'])


def test_pairs_to_dict():
    assert pairs_to_dict(['name', 'mymaster', 'port', '6379', 'flags', 'master']) == {
        'name': 'mymaster', 'port': 6379, 'flags': 'master'}
    assert pairs_to_dict(None) is None


# --- parse_memory / normalize_config_value ------------------------------------

@pytest.mark.parametrize('value,expected', [
    ('0', 0), (1024, 1024), ('100', 100), ('1k', 1000), ('1kb', 1024), ('1KB', 1024), ('2m', 2000000),
    ('2mb', 2 * 1024 ** 2), ('1g', 10 ** 9), ('1Gb', 1024 ** 3), (' 64mb ', 64 * 1024 ** 2),
])
def test_parse_memory(value, expected):
    assert parse_memory(value) == expected


@pytest.mark.parametrize('value', ['', 'lots', '1.5gb', '10tb', 'mb', True])
def test_parse_memory_garbage(value):
    with pytest.raises(ValueError) as exc:
        parse_memory(value)
    assert 'invalid memory value' in str(exc.value)


@pytest.mark.parametrize('key,value,expected', [
    ('appendonly', True, 'yes'),
    ('appendonly', False, 'no'),
    ('appendonly', 'YES', 'yes'),
    ('bind', ['10.0.0.1', '127.0.0.1'], '10.0.0.1 127.0.0.1'),
    ('bind', ('10.0.0.1', '-::1'), '10.0.0.1 -::1'),
    ('maxmemory', '1gb', '1073741824'),
    ('maxmemory', 1073741824, '1073741824'),
    ('maxmemory', '1073741824', '1073741824'),
    ('repl-backlog-size', '64mb', str(64 * 1024 ** 2)),
    ('client-query-buffer-limit', '1gb', str(1024 ** 3)),
    ('proto-max-bulk-len', '512mb', str(512 * 1024 ** 2)),
    ('active-defrag-ignore-bytes', '100mb', str(100 * 1024 ** 2)),
    ('save', '3600 1   300  100\t60 10000', '3600 1 300 100 60 10000'),
    ('save', ['3600 1', '300 100'], '3600 1 300 100'),
    ('save', '', ''),
    ('maxmemory-policy', ' allkeys-lru ', 'allkeys-lru'),
    ('hz', 10, '10'),
    ('client-output-buffer-limit', 'normal 0 0 0 replica 256mb 64mb 60',
     'normal 0 0 0 slave %d %d 60' % (256 * 1024 ** 2, 64 * 1024 ** 2)),
])
def test_normalize_config_value(key, value, expected):
    assert normalize_config_value(key, value) == expected


def test_normalize_equivalent_spellings_compare_equal():
    assert normalize_config_value('maxmemory', '2gb') == normalize_config_value('maxmemory', '2147483648')
    assert normalize_config_value('appendonly', True) == normalize_config_value('appendonly', 'yes')
    assert normalize_config_value('maxmemory', '2gb') != normalize_config_value('maxmemory', '2g')


def test_immutable_error_detection():
    assert is_immutable_config_error(
        "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")
    assert is_immutable_config_error("ERR CONFIG SET failed (possibly related to argument 'dir') - "
                                     "can't set protected config")
    assert not is_immutable_config_error("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - "
                                         "argument must be a memory value")


def test_scrub_secrets():
    assert scrub_secrets("Invalid argument 'pw123' for SENTINEL SET", ['pw123', None, '']) == \
        "Invalid argument '********' for SENTINEL SET"


def test_split_config_args():
    assert split_config_args('sentinel auth-pass mymaster plain') == ['sentinel', 'auth-pass', 'mymaster', 'plain']
    assert split_config_args('sentinel auth-pass mymaster "a b\\"c\\x41"') == [
        'sentinel', 'auth-pass', 'mymaster', 'a b"cA']
    assert split_config_args("sentinel auth-user mymaster 'x y'") == ['sentinel', 'auth-user', 'mymaster', 'x y']
    with pytest.raises(ValueError):
        split_config_args('sentinel auth-pass mymaster "unterminated')
