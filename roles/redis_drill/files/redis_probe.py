#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client-side probe for Redis failover drills.

During a drill the probe behaves like a real backend: it writes
sequence-numbered keys through Sentinel (redis-py ``Sentinel.master_for``),
records every attempt, and afterwards reads the acknowledged keys back from
the new master to tell what was lost and how long writes were unavailable.

Subcommands::

    run        write SET <prefix>:<seq> at a steady rate, record each attempt (JSON)
    verify     read the acknowledged keys back, write the report (JSON), delete the keys
    plot       bar chart of acknowledged / failed writes over time (PNG)
    aggregate  summarise several reports (min | p50 | p95 | max)

Passwords are only ever read from environment variables (``--password-env``,
``--sentinel-password-env``); they are never printed, logged or written.

Exit status: 0 success, 2 usage error, 1 connection failure.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import signal
import sys
import tempfile
import time
from typing import Any, Callable, Iterable, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import probe_stats  # noqa: E402  (found through the sys.path entry above)

DEFAULT_PASSWORD_ENV = 'REDIS_PROBE_PASSWORD'
MAX_DURATION_S = 900.0
MGET_CHUNK = 1000
MGET_CHUNKS_PER_PIPELINE = 10
UNLINK_BATCH = 500
ERROR_MAX_CHARS = 300

EXIT_OK = 0
EXIT_CONNECTION = 1
EXIT_USAGE = 2


class ProbeError(Exception):
    """A failure reported to the user with a message and an exit status."""

    def __init__(self, message: str, code: int = EXIT_CONNECTION) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- helpers


def _host_port(text: str) -> tuple[str, int]:
    """Parse ``HOST:PORT`` (``[v6]:PORT`` too) for argparse."""
    host, sep, port = text.rpartition(':')
    host = host.strip('[]')
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f'expected HOST:PORT, got {text!r}')
    return host, int(port)


def _positive_float(text: str) -> float:
    """Parse a float greater than zero for argparse."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'not a number: {text!r}') from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f'must be a positive number, got {text!r}')
    return value


def _non_negative_int(text: str) -> int:
    """Parse an integer >= 0 for argparse."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'not an integer: {text!r}') from None
    if value < 0:
        raise argparse.ArgumentTypeError(f'must be >= 0, got {text!r}')
    return value


def _duration(text: str) -> float:
    """Parse ``--duration``: positive and at most :data:`MAX_DURATION_S`."""
    value = _positive_float(text)
    if value > MAX_DURATION_S:
        raise argparse.ArgumentTypeError(f'at most {MAX_DURATION_S:g} seconds, got {text!r}')
    return value


def _addr_list(addrs: Iterable[tuple[str, int]]) -> str:
    """Render sentinel addresses for messages."""
    return ', '.join(f'{h}:{p}' for h, p in addrs)


def _secret_from_env(var: str | None, default_var: str | None) -> str | None:
    """Read a password from the environment variable named ``var``.

    An explicitly named variable that is not set is a usage error; the
    default variable may be absent (no password then).
    """
    name = var or default_var
    if not name:
        return None
    value = os.environ.get(name)
    if value is None and var:
        raise ProbeError(f'environment variable {var} (password) is not set', EXIT_USAGE)
    return value or None


class Scrubber:
    """Turn exceptions into short strings that never contain a secret."""

    def __init__(self, secret_values: Iterable[str | None]) -> None:
        self._secrets = [s for s in secret_values if s]

    def __call__(self, exc: BaseException) -> str:
        text = f'{type(exc).__name__}: {exc}'.strip().rstrip(':')
        for secret in self._secrets:
            text = text.replace(secret, '***')
        if len(text) > ERROR_MAX_CHARS:
            text = text[:ERROR_MAX_CHARS - 3] + '...'
        return text


def _write_json_atomic(path: str, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` through a temporary file + rename."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix='.probe-', suffix='.json', dir=directory)
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as handle:
            json.dump(data, handle, indent=1)
            handle.write('\n')
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _read_json(path: str, what: str) -> Any:
    """Load a JSON input file; a missing or invalid one is a usage error."""
    try:
        with open(path, encoding='utf-8') as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise ProbeError(f'cannot read {what} {path}: {type(exc).__name__}: {exc}', EXIT_USAGE) from None


def _touch(path: str) -> None:
    """Create ``path`` (or update its times)."""
    with open(path, 'a', encoding='utf-8'):
        pass
    os.utime(path, None)


def _fmt(value: Any, unit: str = '', digits: int = 3) -> str:
    """Format a figure for the human summary ('-' for None)."""
    if value is None:
        return '-'
    if isinstance(value, float):
        return f'{value:.{digits}f}{unit}'
    return f'{value}{unit}'


def _escape_glob(text: str) -> str:
    """Escape Redis glob metacharacters so SCAN MATCH takes ``text`` literally."""
    return ''.join('\\' + c if c in '*?[]\\' else c for c in text)


# --------------------------------------------------------------------------- redis-py


def _no_retry() -> Any:
    """A redis-py retry policy that never retries (each attempt is one try)."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry
    return Retry(NoBackoff(), 0)


def _make_sentinel(addrs: Sequence[tuple[str, int]], timeout: float,
                   sentinel_password: str | None) -> Any:
    """Build a redis-py :class:`~redis.sentinel.Sentinel` with retries off."""
    from redis.sentinel import Sentinel
    sentinel_kwargs: dict[str, Any] = {
        'socket_timeout': timeout,
        'socket_connect_timeout': timeout,
        'retry': _no_retry(),
    }
    if sentinel_password:
        sentinel_kwargs['password'] = sentinel_password
    sentinel_kwargs.update(TLS)
    return Sentinel(list(addrs), sentinel_kwargs=sentinel_kwargs)


# TLS options for every connection (set from --tls-ca): redis-py's ssl=True,
# checking the server certificate against that CA.
TLS: dict[str, Any] = {}


def _master_client(sentinel: Any, master_name: str, timeout: float, password: str | None,
                   username: str | None = None) -> Any:
    """Return a Sentinel-managed master client (``master_for``) with retries off."""
    return sentinel.master_for(
        master_name,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        username=username,
        password=password,
        retry=_no_retry(),
        **TLS,
        health_check_interval=0,
    )


def _check_master(sentinel: Any, args: argparse.Namespace, password: str | None,
                  scrub: Scrubber, timeout: float) -> tuple[str, int]:
    """Discover the master through Sentinel and PING it; raise ProbeError on failure."""
    import redis
    try:
        host, port = sentinel.discover_master(args.master_name)
    except redis.RedisError as exc:
        raise ProbeError(
            f'cannot discover master {args.master_name!r} through Sentinel at '
            f'{_addr_list(args.sentinel)}: {scrub(exc)}') from None
    client = redis.Redis(host=host, port=int(port), username=args.username, password=password, socket_timeout=timeout,
                         socket_connect_timeout=timeout, retry=_no_retry(), **TLS)
    try:
        client.ping()
    except redis.AuthenticationError as exc:
        raise ProbeError(f'authentication to master {host}:{port} failed '
                         f'(Sentinel at {_addr_list(args.sentinel)}): {scrub(exc)}') from None
    except redis.RedisError as exc:
        raise ProbeError(f'cannot reach master {host}:{port} announced by Sentinel at '
                         f'{_addr_list(args.sentinel)}: {scrub(exc)}') from None
    finally:
        client.close()
    return host, int(port)


# --------------------------------------------------------------------------- run


class Writer:
    """Send one write attempt at a time through a Sentinel-managed master client."""

    def __init__(self, sentinel: Any, master_name: str, password: str | None,
                 socket_timeout: float, wait_timeout_ms: int, scrub: Scrubber,
                 username: str | None = None) -> None:
        self.sentinel = sentinel
        self.master_name = master_name
        self.password = password
        self.username = username
        self.socket_timeout = socket_timeout
        self.wait_timeout_ms = wait_timeout_ms
        self.scrub = scrub
        self.client = self._new_client()

    def _new_client(self) -> Any:
        return _master_client(self.sentinel, self.master_name, self.socket_timeout, self.password, self.username)

    def renew(self) -> None:
        """Drop the client and its pool; the next attempt asks Sentinel afresh."""
        try:
            self.client.close()
        except Exception:  # a broken pool must not stop the probe
            pass
        self.client = self._new_client()

    def close(self) -> None:
        """Close the client's connections."""
        try:
            self.client.close()
        except Exception:
            pass

    def attempt(self, key: str, seq: int, wait: bool) -> dict[str, Any]:
        """SET ``key`` ``seq`` (then WAIT 1 on the same connection); return the record.

        ``ok`` tells whether the SET was acknowledged. A failure of the WAIT
        after an acknowledged SET keeps ``ok`` True (the master did accept
        the write) with ``wait_acked`` None and the error noted.
        """
        record: dict[str, Any] = {
            'seq': seq, 't': time.time(), 'dt': 0.0, 'ok': False, 'wait': wait,
            'wait_acked': None, 'server': None, 'error': None,
        }
        start = time.perf_counter()
        pool = self.client.connection_pool
        conn = None
        failed = False
        try:
            conn = pool.get_connection()
            conn.send_command('SET', key, seq)
            conn.read_response()  # an error reply raises
            record['ok'] = True
            record['server'] = f'{conn.host}:{conn.port}'
            if wait:
                conn.send_command('WAIT', 1, self.wait_timeout_ms)
                reply = conn.read_response(
                    timeout=self.socket_timeout + self.wait_timeout_ms / 1000.0)
                record['wait_acked'] = int(reply)
        except Exception as exc:
            failed = True
            record['error'] = self.scrub(exc)
            if conn is not None:
                # never hand a connection in an unknown state back for reuse
                try:
                    conn.disconnect()
                except Exception:
                    pass
        finally:
            record['dt'] = time.perf_counter() - start
            if conn is not None:
                try:
                    pool.release(conn)
                except Exception:
                    pass
        if failed:
            self.renew()
        return record


def _new_run_id() -> str:
    """A sortable, unique run id: UTC time plus random hex."""
    return time.strftime('%Y%m%dT%H%M%SZ', time.gmtime()) + '-' + secrets.token_hex(3)


def cmd_run(args: argparse.Namespace) -> int:
    """The ``run`` subcommand: write at a steady rate until stopped."""
    password = _secret_from_env(args.password_env, DEFAULT_PASSWORD_ENV)
    sentinel_password = _secret_from_env(args.sentinel_password_env, None)
    scrub = Scrubber([password, sentinel_password])
    run_id = _new_run_id()
    key_prefix = args.key_prefix or f'hastack:drill:{run_id}'

    sentinel = _make_sentinel(args.sentinel, args.socket_timeout, sentinel_password)
    master = _check_master(sentinel, args, password, scrub, args.socket_timeout)
    print(f'probe {run_id}: writing {key_prefix}:<seq> at {args.rate:g}/s to {args.master_name!r} '
          f'(now {master[0]}:{master[1]}) through Sentinel at {_addr_list(args.sentinel)}',
          file=sys.stderr, flush=True)

    stop_reason: list[str] = []

    def on_signal(signum: int, _frame: Any) -> None:
        stop_reason.append(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}

    writer = Writer(sentinel, args.master_name, password, args.socket_timeout,
                    args.wait_timeout_ms, scrub, username=args.username)
    records: list[dict[str, Any]] = []
    started = time.time()
    interval = 1.0 / args.rate
    mono_start = time.monotonic()
    deadline = mono_start + args.duration
    next_due = mono_start
    seq = 0
    ready = False
    try:
        while not stop_reason:
            now = time.monotonic()
            if now >= deadline:
                stop_reason.append('duration')
                break
            if args.stop_file and os.path.exists(args.stop_file):
                stop_reason.append('stop-file')
                break
            if now < next_due:
                time.sleep(min(next_due, deadline) - now)
                continue
            seq += 1
            wait = args.wait_every > 0 and seq % args.wait_every == 0
            record = writer.attempt(f'{key_prefix}:{seq}', seq, wait)
            records.append(record)
            if record['ok'] and not ready:
                ready = True
                if args.ready_file:
                    _touch(args.ready_file)
            # absolute schedule: the grid never drifts; when behind by more
            # than one slot, skip the missed slots so at most one write is
            # sent immediately as catch-up
            next_due += interval
            behind = time.monotonic() - next_due
            if behind > interval:
                next_due += math.floor(behind / interval) * interval
    finally:
        ended = time.time()
        writer.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _write_json_atomic(args.out, {
            'run_id': run_id,
            'key_prefix': key_prefix,
            'master_name': args.master_name,
            'sentinels': [f'{h}:{p}' for h, p in args.sentinel],
            'started': started,
            'ended': ended,
            'rate': args.rate,
            'wait_every': args.wait_every,
            'wait_timeout_ms': args.wait_timeout_ms,
            'socket_timeout': args.socket_timeout,
            'stopped_by': stop_reason[0] if stop_reason else 'error',
            'records': records,
        })
    ok = len(probe_stats.acknowledged(records))
    print(f'probe {run_id}: {len(records)} attempts, {ok} acknowledged, '
          f'{len(records) - ok} failed; stopped by {stop_reason[0]}; records in {args.out}',
          file=sys.stderr, flush=True)
    return EXIT_OK


# --------------------------------------------------------------------------- verify


def _read_back(client: Any, prefix: str, seqs: Sequence[int]) -> set[int]:
    """Return the sequence numbers whose key holds its own number on the master."""
    present: set[int] = set()
    chunks = [list(seqs[i:i + MGET_CHUNK]) for i in range(0, len(seqs), MGET_CHUNK)]
    for start in range(0, len(chunks), MGET_CHUNKS_PER_PIPELINE):
        group = chunks[start:start + MGET_CHUNKS_PER_PIPELINE]
        pipe = client.pipeline(transaction=False)
        for chunk in group:
            pipe.mget([f'{prefix}:{s}' for s in chunk])
        for chunk, values in zip(group, pipe.execute()):
            for seq, value in zip(chunk, values):
                if value is not None and value == str(seq).encode():
                    present.add(seq)
    return present


def _delete_keys(client: Any, prefix: str) -> int:
    """SCAN + UNLINK every key under ``prefix:``; return how many were unlinked."""
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=_escape_glob(prefix) + ':*', count=1000):
        batch.append(key)
        if len(batch) >= UNLINK_BATCH:
            deleted += client.unlink(*batch)
            batch = []
    if batch:
        deleted += client.unlink(*batch)
    return deleted


def build_report(run: dict[str, Any], present: Iterable[int], fault_time: float,
                 promotion_time: float | None, new_master: str | None,
                 read_from: str) -> dict[str, Any]:
    """Assemble the report of one run from its records and the read-back result."""
    records = run.get('records', [])
    ok = len(probe_stats.acknowledged(records))
    return {
        'run_id': run.get('run_id'),
        'key_prefix': run.get('key_prefix'),
        'master_name': run.get('master_name'),
        'started': run.get('started'),
        'ended': run.get('ended'),
        'read_from': read_from,
        'fault_time': fault_time,
        'promotion_time': promotion_time,
        'new_master': new_master,
        'writes': {'attempted': len(records), 'ok': ok, 'failed': len(records) - ok},
        'lost': probe_stats.lost_writes(records, present),
        'unavailability': probe_stats.unavailability(records, fault_time),
        'latency_ms': probe_stats.latency_percentiles(records),
        'first_write_new_master_s': (probe_stats.first_write_on(records, new_master, fault_time)
                                     if new_master else None),
        'failover_s': promotion_time - fault_time if promotion_time is not None else None,
        'timeline': probe_stats.timeline(records, run.get('started') or fault_time),
    }


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The five-line human summary of a report."""
    w, lost, un = report['writes'], report['lost'], report['unavailability']
    lat = report['latency_ms']
    fault = report['fault_time']

    def rel(t: float | None) -> str:
        return '-' if t is None else f'{t - fault:+.3f} s'

    return [
        f"run {report['run_id']}: {w['attempted']} writes attempted, {w['ok']} acknowledged, "
        f"{w['failed']} failed (read back from {report['read_from']})",
        f"lost: {lost['wait_lost']} of {lost['wait_acked']} WAIT-acknowledged, "
        f"{lost['plain_lost']} of {lost['plain_acked']} plain; sample {lost['lost_seqs_sample']}",
        f"unavailability: {_fmt(un['window_s'], ' s')} (last ok write started {rel(un['last_ok_before'])}, "
        f"first ok after started {rel(un['first_ok_after'])} from the fault)",
        f"latency: p50 {_fmt(lat.get('p50'), ' ms')}, p99 {_fmt(lat.get('p99'), ' ms')}",
        f"failover: {_fmt(report['failover_s'], ' s')}; first write on new master "
        f"{report['new_master'] or '-'} after {_fmt(report['first_write_new_master_s'], ' s')}",
    ]


def cmd_verify(args: argparse.Namespace) -> int:
    """The ``verify`` subcommand: read back, report, clean up."""
    import redis
    run = _read_json(args.input, 'run file')
    if not isinstance(run, dict) or not isinstance(run.get('records'), list) or not run.get('key_prefix'):
        raise ProbeError(f'{args.input} is not a probe run file', EXIT_USAGE)
    password = _secret_from_env(args.password_env, DEFAULT_PASSWORD_ENV)
    sentinel_password = _secret_from_env(args.sentinel_password_env, None)
    scrub = Scrubber([password, sentinel_password])
    new_master = f'{args.new_master[0]}:{args.new_master[1]}' if args.new_master else None

    sentinel = _make_sentinel(args.sentinel, args.socket_timeout, sentinel_password)
    host, port = _check_master(sentinel, args, password, scrub, args.socket_timeout)
    client = _master_client(sentinel, args.master_name, args.socket_timeout, password, args.username)
    prefix = run['key_prefix']
    seqs = sorted(r['seq'] for r in probe_stats.acknowledged(run['records']))
    try:
        present = _read_back(client, prefix, seqs)
        report = build_report(run, present, args.fault_time, args.promotion_time, new_master,
                              f'{host}:{port}')
        report['keys_deleted'] = None if args.keep_keys else _delete_keys(client, prefix)
    except redis.RedisError as exc:
        raise ProbeError(f'reading back from master {host}:{port} (Sentinel at '
                         f'{_addr_list(args.sentinel)}) failed: {scrub(exc)}') from None
    finally:
        client.close()
    _write_json_atomic(args.out, report)
    print('\n'.join(summary_lines(report)), flush=True)
    return EXIT_OK


# --------------------------------------------------------------------------- plot


def cmd_plot(args: argparse.Namespace) -> int:
    """The ``plot`` subcommand: acknowledged / failed writes per 100 ms."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib.figure import Figure

    run = _read_json(args.input, 'run file')
    report = _read_json(args.report, 'report file')
    bucket = 0.1
    t0 = run.get('started') or report.get('started')
    rows = probe_stats.timeline(run.get('records', []), t0, bucket)
    xs = [r[0] for r in rows]
    oks = [r[1] for r in rows]
    fails = [r[2] for r in rows]

    fig = Figure(figsize=(11, 4.5), layout='constrained')
    ax = fig.add_subplot()
    ax.bar(xs, oks, width=bucket, align='edge', color='tab:green', label='acknowledged writes')
    ax.bar(xs, fails, width=bucket, align='edge', bottom=oks, color='tab:red',
           label='failed attempts')
    for key, colour, label in (('fault_time', 'black', 'fault'),
                               ('promotion_time', 'tab:blue', 'new master seen')):
        when = report.get(key)
        if when is not None:
            ax.axvline(when - t0, color=colour, linestyle='--', linewidth=1.2,
                       label=f'{label} (+{when - t0:.2f} s)')
    ax.set_xlabel('seconds since probe start')
    ax.set_ylabel(f'writes per {int(bucket * 1000)} ms')
    window = (report.get('unavailability') or {}).get('window_s')
    ax.set_title(args.title or (f"probe {report.get('run_id') or run.get('run_id')}"
                                + (f' - writes unavailable {window:.2f} s' if window is not None else '')))
    tallest = max((o + f for o, f in zip(oks, fails)), default=0)
    ax.set_ylim(0, max(tallest, 1) * 1.4)  # headroom for the legend
    ax.legend(loc='upper right', ncols=2)
    ax.grid(axis='y', alpha=0.3)
    fig.savefig(args.out, dpi=100)
    print(f'timeline written to {args.out}', flush=True)
    return EXIT_OK


# --------------------------------------------------------------------------- aggregate


def aggregate_table(figures: dict[str, dict[str, Any]]) -> list[str]:
    """Render ``aggregate()`` output as a plain-text table."""
    head = ('figure', 'min', 'p50', 'p95', 'max', 'n')
    rows = [head] + [
        (name,) + tuple(_fmt(s[k]) for k in ('min', 'p50', 'p95', 'max')) + (str(s['n']),)
        for name, s in figures.items()
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(' | '.join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i])
                                for i, c in enumerate(row)))
        if n == 0:
            lines.append('-+-'.join('-' * w for w in widths))
    return lines


def cmd_aggregate(args: argparse.Namespace) -> int:
    """The ``aggregate`` subcommand: summarise several reports."""
    reports = [_read_json(path, 'report file') for path in args.input]
    figures = probe_stats.aggregate(reports)
    _write_json_atomic(args.out, {
        'runs': [r.get('run_id') for r in reports],
        'figures': figures,
    })
    print('\n'.join(aggregate_table(figures)), flush=True)
    return EXIT_OK


# --------------------------------------------------------------------------- CLI


def _add_connection_args(parser: argparse.ArgumentParser, socket_timeout: float) -> None:
    """Options shared by the subcommands that talk to Redis."""
    parser.add_argument('--sentinel', action='append', required=True, type=_host_port,
                        metavar='HOST:PORT', help='a Sentinel to ask for the master (repeatable)')
    parser.add_argument('--master-name', default='mymaster', help='monitored master name')
    parser.add_argument('--username', default=None, help='ACL user for the data nodes (default: none)')
    parser.add_argument('--tls-ca', metavar='PATH', default=None,
                        help='connect with TLS, checking the servers against this CA certificate')
    parser.add_argument('--password-env', metavar='VAR', default=None,
                        help=f'environment variable holding the data-node password '
                             f'(default {DEFAULT_PASSWORD_ENV}, none if unset)')
    parser.add_argument('--sentinel-password-env', metavar='VAR', default=None,
                        help='environment variable holding the Sentinel password')
    parser.add_argument('--socket-timeout', type=_positive_float, default=socket_timeout,
                        metavar='S', help=f'socket timeout in seconds (default {socket_timeout:g})')


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the probe."""
    parser = argparse.ArgumentParser(
        prog='redis_probe.py',
        description='Write sequence-numbered keys through Sentinel during a failover drill, '
                    'then report lost writes and write unavailability.')
    sub = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')

    run = sub.add_parser('run', help='write at a steady rate and record every attempt')
    _add_connection_args(run, 0.5)
    run.add_argument('--rate', type=_positive_float, default=100.0, help='writes per second')
    run.add_argument('--wait-every', type=_non_negative_int, default=5, metavar='N',
                     help='follow every Nth write with WAIT 1 (0: never)')
    run.add_argument('--wait-timeout-ms', type=_non_negative_int, default=500, metavar='MS')
    run.add_argument('--duration', type=_duration, default=120.0, metavar='S',
                     help=f'hard cap in seconds (at most {MAX_DURATION_S:g})')
    run.add_argument('--stop-file', metavar='PATH', help='stop early once this file exists')
    run.add_argument('--ready-file', metavar='PATH', help='touched after the first acknowledged write')
    run.add_argument('--key-prefix', help='key prefix (default hastack:drill:<run-id>)')
    run.add_argument('--out', required=True, metavar='PATH', help='run file (JSON)')
    run.set_defaults(func=cmd_run)

    verify = sub.add_parser('verify', help='read the acknowledged writes back and report')
    _add_connection_args(verify, 2.0)
    verify.add_argument('--in', dest='input', required=True, metavar='PATH', help='run file')
    verify.add_argument('--out', required=True, metavar='PATH', help='report file (JSON)')
    verify.add_argument('--fault-time', type=float, required=True, metavar='EPOCH',
                        help='when the fault was injected (epoch seconds)')
    verify.add_argument('--promotion-time', type=float, metavar='EPOCH',
                        help='when the new master was seen (epoch seconds)')
    verify.add_argument('--new-master', type=_host_port, metavar='HOST:PORT',
                        help='the promoted master, as Sentinel announces it')
    verify.add_argument('--keep-keys', action='store_true', help="keep the probe's keys")
    verify.set_defaults(func=cmd_verify)

    plot = sub.add_parser('plot', help='timeline chart of a run (PNG)')
    plot.add_argument('--in', dest='input', required=True, metavar='PATH', help='run file')
    plot.add_argument('--report', required=True, metavar='PATH', help='report file')
    plot.add_argument('--out', required=True, metavar='PATH', help='image file (PNG)')
    plot.add_argument('--title', help='chart title')
    plot.set_defaults(func=cmd_plot)

    agg = sub.add_parser('aggregate', help='summarise several reports')
    agg.add_argument('--in', dest='input', required=True, nargs='+', metavar='PATH',
                     help='report files')
    agg.add_argument('--out', required=True, metavar='PATH', help='summary file (JSON)')
    agg.set_defaults(func=cmd_aggregate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    TLS.clear()
    if getattr(args, 'tls_ca', None):
        TLS.update(ssl=True, ssl_ca_certs=args.tls_ca)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except ProbeError as exc:
        print(f'redis_probe.py {args.command}: error: {exc}', file=sys.stderr, flush=True)
        return exc.code


if __name__ == '__main__':
    sys.exit(main())
