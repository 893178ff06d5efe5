# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure figures over the write records of a failover-drill probe.

No I/O here: ``redis_probe.py`` collects the records and the tests feed
crafted lists. One record is one write attempt, a dict with:

``seq``         int, the sequence number (key ``<prefix>:<seq>``)
``t``           float, epoch seconds when the attempt started
``dt``          float, seconds the attempt took
``ok``          bool, the master acknowledged the SET
``wait``        bool, the SET was followed by ``WAIT 1 <timeout>``
``wait_acked``  int or None, replicas that acknowledged through WAIT
``server``      "host:port" that acknowledged the SET, or None
``error``       str or None, short error class and message

A write is *WAIT-acknowledged* only when ``ok`` and ``wait_acked >= 1``;
any other acknowledged write is *plain*.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

Record = Mapping[str, Any]

#: how many lost sequence numbers a report lists
LOST_SAMPLE = 20

#: figures summarised by :func:`aggregate`: name -> path in a report
AGGREGATE_FIGURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ('unavailability_window_s', ('unavailability', 'window_s')),
    ('failover_s', ('failover_s',)),
    ('first_write_new_master_s', ('first_write_new_master_s',)),
    ('wait_lost', ('lost', 'wait_lost')),
    ('plain_lost', ('lost', 'plain_lost')),
    ('latency_p50_ms', ('latency_ms', 'p50')),
    ('latency_p99_ms', ('latency_ms', 'p99')),
)


def _by_time(records: Iterable[Record]) -> list[Record]:
    """Return the records ordered by start time (then sequence number)."""
    return sorted(records, key=lambda r: (r['t'], r['seq']))


def acknowledged(records: Iterable[Record]) -> list[Record]:
    """Return the records whose SET was acknowledged by a master."""
    return [r for r in records if r.get('ok')]


def is_wait_acknowledged(record: Record) -> bool:
    """Tell whether one record is an acknowledged write confirmed by WAIT."""
    acked = record.get('wait_acked')
    return bool(record.get('ok') and record.get('wait') and acked is not None and acked >= 1)


def wait_acknowledged(records: Iterable[Record]) -> list[Record]:
    """Return the acknowledged writes that at least one replica confirmed via WAIT."""
    return [r for r in records if is_wait_acknowledged(r)]


def lost_writes(records: Iterable[Record], present_seqs: Iterable[int]) -> dict[str, Any]:
    """Count acknowledged writes, and those missing afterwards, per kind.

    ``present_seqs`` holds the sequence numbers read back from the master
    after the drill. A write is lost when it was acknowledged and its
    sequence number is not present. Plain and WAIT-acknowledged writes are
    counted separately; ``lost_seqs_sample`` lists the first lost sequence
    numbers (both kinds, ascending).
    """
    present = set(present_seqs)
    counts = {'plain_acked': 0, 'plain_lost': 0, 'wait_acked': 0, 'wait_lost': 0}
    lost: list[int] = []
    for rec in acknowledged(records):
        kind = 'wait' if is_wait_acknowledged(rec) else 'plain'
        counts[kind + '_acked'] += 1
        if rec['seq'] not in present:
            counts[kind + '_lost'] += 1
            lost.append(rec['seq'])
    result: dict[str, Any] = dict(counts)
    result['lost_seqs_sample'] = sorted(lost)[:LOST_SAMPLE]
    return result


def unavailability(records: Iterable[Record], fault_t: float) -> dict[str, Any]:
    """Measure the write outage caused by a fault at ``fault_t``.

    The outage is the longest stretch between two consecutive acknowledged
    writes where the second one started at or after the fault: with an
    instant fault (a crash) it begins at the last write before the fault,
    with a deferred one (a switchover, a freeze noticed after down-after) it
    begins wherever writes really stopped. ``window_s`` is the time between
    the two acknowledgements, ``(b.t + b.dt) - (a.t + a.dt)``, and
    ``last_ok_before``/``first_ok_after`` are the start times of ``a`` and
    ``b``. With no failure at all it is about one write interval. All three
    are None (or ``first_ok_after`` alone set) when no write succeeded
    before the fault or none after it.
    """
    ok = _by_time(acknowledged(records))
    before = [r for r in ok if r['t'] < fault_t]
    after = [r for r in ok if r['t'] >= fault_t]
    if not before or not after:
        return {
            'last_ok_before': before[-1]['t'] if before else None,
            'first_ok_after': after[0]['t'] if after else None,
            'window_s': None,
        }
    best = None
    for a, b in zip(ok, ok[1:]):
        if b['t'] < fault_t:
            continue
        gap = (b['t'] + b['dt']) - (a['t'] + a['dt'])
        if best is None or gap > best[0] + 1e-9:
            best = (gap, a, b)
    gap, a, b = best
    return {'last_ok_before': a['t'], 'first_ok_after': b['t'], 'window_s': gap}


def first_write_on(records: Iterable[Record], server: str | None, after_t: float) -> float | None:
    """Seconds from ``after_t`` until ``server`` first acknowledged a write.

    Only successful writes that started at or after ``after_t`` count; the
    moment of acknowledgement is ``t + dt``. None if there is none (or no
    server is given).
    """
    if not server:
        return None
    acks = [r['t'] + r['dt'] for r in acknowledged(records)
            if r.get('server') == server and r['t'] >= after_t]
    if not acks:
        return None
    return min(acks) - after_t


def percentile(values: Iterable[float], p: float) -> float | None:
    """Nearest-rank percentile ``p`` (0..100) of ``values``; None when empty.

    The value of rank ``ceil(p / 100 * n)`` (at least 1) in ascending order.
    """
    if not 0 <= p <= 100:
        raise ValueError(f'percentile must be within 0..100, got {p!r}')
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


def _pkey(p: float) -> str:
    """Name a percentile: 50 -> 'p50', 99.9 -> 'p99.9'."""
    return f'p{p:g}'


def latency_percentiles(records: Iterable[Record],
                        ps: Sequence[float] = (50, 99)) -> dict[str, float | None]:
    """Nearest-rank percentiles of the successful writes' duration, in ms."""
    ms = [r['dt'] * 1000.0 for r in acknowledged(records)]
    return {_pkey(p): percentile(ms, p) for p in ps}


def summarise(values: Iterable[float | None]) -> dict[str, Any]:
    """Return min, p50, p95 (nearest rank), max and n, ignoring None values."""
    kept = sorted(v for v in values if v is not None)
    if not kept:
        return {'min': None, 'p50': None, 'p95': None, 'max': None, 'n': 0}
    return {
        'min': kept[0],
        'p50': percentile(kept, 50),
        'p95': percentile(kept, 95),
        'max': kept[-1],
        'n': len(kept),
    }


def timeline(records: Iterable[Record], t0: float,
             bucket_s: float = 0.1) -> list[tuple[float, int, int]]:
    """Count successful and failed attempts per bucket of start time.

    Returns ``(bucket_start_offset_s, ok_count, failed_count)`` for every
    bucket from the first to the last one holding an attempt, empty buckets
    included; offsets are relative to ``t0``.
    """
    if bucket_s <= 0:
        raise ValueError('bucket_s must be positive')
    counts: dict[int, list[int]] = {}
    for rec in records:
        # the tiny epsilon keeps e.g. 0.3 / 0.1 = 2.9999999999999996 in bucket 3
        idx = math.floor((rec['t'] - t0) / bucket_s + 1e-9)
        slot = counts.setdefault(idx, [0, 0])
        slot[0 if rec.get('ok') else 1] += 1
    if not counts:
        return []
    return [
        (round(i * bucket_s, 6), counts.get(i, [0, 0])[0], counts.get(i, [0, 0])[1])
        for i in range(min(counts), max(counts) + 1)
    ]


def _dig(report: Mapping[str, Any], path: Sequence[str]) -> float | None:
    """Follow ``path`` into nested dicts; None when any step is missing."""
    value: Any = report
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def aggregate(reports: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Summarise each figure of :data:`AGGREGATE_FIGURES` across run reports.

    Returns ``{figure: summarise(values)}``; a run lacking a figure (e.g. no
    promotion time given) is left out of that figure only (see ``n``).
    """
    reports = list(reports)
    return {name: summarise(_dig(r, path) for r in reports) for name, path in AGGREGATE_FIGURES}
