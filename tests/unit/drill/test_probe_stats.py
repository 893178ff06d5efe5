# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of ``roles/redis_drill/files/probe_stats.py`` on crafted write records."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

STATS_PATH = Path(__file__).resolve().parents[3] / 'roles' / 'redis_drill' / 'files' / 'probe_stats.py'


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location('hastack_probe_stats', STATS_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ps = _load()

OLD = '10.0.0.1:6379'
NEW = '10.0.0.2:6379'


def rec(seq: int, t: float, dt: float = 0.001, ok: bool = True, wait: bool = False,
        wait_acked: int | None = None, server: str | None = OLD, error: str | None = None) -> dict[str, Any]:
    """One record; a failed one has no server and an error."""
    if not ok:
        server, error = None, error or 'ConnectionError: refused'
    return {'seq': seq, 't': t, 'dt': dt, 'ok': ok, 'wait': wait, 'wait_acked': wait_acked,
            'server': server, 'error': error}


def steady(n: int = 10, t0: float = 100.0) -> list[dict[str, Any]]:
    """n ok writes 10 ms apart; every 5th is WAIT-acknowledged by one replica."""
    return [rec(s, t0 + (s - 1) * 0.01, wait=s % 5 == 0, wait_acked=1 if s % 5 == 0 else None)
            for s in range(1, n + 1)]


# --------------------------------------------------------------------------- lost writes


def test_no_loss() -> None:
    records = steady()
    assert [r['seq'] for r in ps.acknowledged(records)] == list(range(1, 11))
    assert [r['seq'] for r in ps.wait_acknowledged(records)] == [5, 10]
    assert ps.lost_writes(records, range(1, 11)) == {
        'plain_acked': 8, 'plain_lost': 0, 'wait_acked': 2, 'wait_lost': 0, 'lost_seqs_sample': []}


def test_plain_writes_lost_wait_writes_kept() -> None:
    records = steady()
    present = {1, 2, 5, 6, 7, 8, 9, 10}
    assert ps.lost_writes(records, present) == {
        'plain_acked': 8, 'plain_lost': 2, 'wait_acked': 2, 'wait_lost': 0, 'lost_seqs_sample': [3, 4]}


def test_wait_acknowledged_write_lost_is_counted_separately() -> None:
    records = steady()
    present = set(range(1, 11)) - {5, 9}
    assert ps.lost_writes(records, present) == {
        'plain_acked': 8, 'plain_lost': 1, 'wait_acked': 2, 'wait_lost': 1, 'lost_seqs_sample': [5, 9]}


def test_wait_without_replica_ack_is_plain() -> None:
    records = [
        rec(1, 1.0, wait=True, wait_acked=0),      # WAIT timed out: no replica had it
        rec(2, 1.1, wait=True, wait_acked=None),   # WAIT itself failed after the SET
        rec(3, 1.2, wait=False, wait_acked=2),     # not a WAIT write (inconsistent data)
        rec(4, 1.3, wait=True, wait_acked=2),
        rec(5, 1.4, ok=False, wait=True, wait_acked=1),
    ]
    assert [r['seq'] for r in ps.wait_acknowledged(records)] == [4]
    assert ps.lost_writes(records, set()) == {
        'plain_acked': 3, 'plain_lost': 3, 'wait_acked': 1, 'wait_lost': 1,
        'lost_seqs_sample': [1, 2, 3, 4]}


def test_failed_attempts_are_not_acknowledged() -> None:
    records = steady(4) + [rec(5, 100.04, ok=False), rec(6, 100.05, ok=False, wait=True),
                           rec(7, 100.06, ok=False)]
    assert [r['seq'] for r in ps.acknowledged(records)] == [1, 2, 3, 4]
    # seqs 5..7 are absent but were never acknowledged: nothing lost
    assert ps.lost_writes(records, {1, 2, 3, 4}) == {
        'plain_acked': 4, 'plain_lost': 0, 'wait_acked': 0, 'wait_lost': 0, 'lost_seqs_sample': []}


def test_lost_sample_is_sorted_and_capped() -> None:
    records = list(reversed(steady(50)))
    result = ps.lost_writes(records, {1, 2})
    assert result['plain_lost'] == 38 and result['wait_lost'] == 10
    assert result['lost_seqs_sample'] == list(range(3, 23))


# --------------------------------------------------------------------------- unavailability


def gap_records() -> list[dict[str, Any]]:
    return [
        rec(1, 100.0, dt=0.002),
        rec(2, 100.5, dt=0.004),
        rec(3, 101.0, dt=0.5, ok=False),
        rec(4, 101.5, dt=0.25, ok=False),
        rec(5, 102.0, dt=0.010, server=NEW),
        rec(6, 102.5, dt=0.001, server=NEW),
    ]


def test_unavailability_window_with_a_gap() -> None:
    result = ps.unavailability(gap_records(), 100.9)
    assert result['last_ok_before'] == 100.5
    assert result['first_ok_after'] == 102.0
    assert result['window_s'] == pytest.approx((102.0 + 0.010) - (100.5 + 0.004))  # 1.506
    assert result['window_s'] == pytest.approx(1.506)


def test_unavailability_order_independent_and_start_at_fault_counts_after() -> None:
    records = list(reversed(gap_records()))
    result = ps.unavailability(records, 102.0)  # write 5 starts exactly at the fault
    assert result['last_ok_before'] == 100.5
    assert result['first_ok_after'] == 102.0
    assert result['window_s'] == pytest.approx(1.506)


def test_unavailability_without_failure_is_one_interval() -> None:
    result = ps.unavailability(steady(10), 100.045)
    assert result['last_ok_before'] == pytest.approx(100.04)
    assert result['first_ok_after'] == pytest.approx(100.05)
    assert result['window_s'] == pytest.approx(0.01)


def test_unavailability_follows_a_deferred_outage() -> None:
    # A switchover: writes go on after the fault is injected and stop only
    # when the master is demoted, 0.6 s later.
    records = [
        rec(1, 100.0, dt=0.001),
        rec(2, 100.3, dt=0.001),
        rec(3, 100.6, dt=0.001),
        rec(4, 100.9, dt=0.5, ok=False),
        rec(5, 101.4, dt=0.002, server=NEW),
        rec(6, 101.7, dt=0.001, server=NEW),
    ]
    result = ps.unavailability(records, 100.2)
    assert result['last_ok_before'] == 100.6
    assert result['first_ok_after'] == 101.4
    assert result['window_s'] == pytest.approx((101.4 + 0.002) - (100.6 + 0.001))


def test_no_success_after_fault() -> None:
    records = gap_records()[:4]
    assert ps.unavailability(records, 100.9) == {
        'last_ok_before': 100.5, 'first_ok_after': None, 'window_s': None}
    assert ps.unavailability([], 1.0) == {'last_ok_before': None, 'first_ok_after': None, 'window_s': None}


def test_no_success_before_fault() -> None:
    assert ps.unavailability(gap_records(), 99.0) == {
        'last_ok_before': None, 'first_ok_after': 100.0, 'window_s': None}


# --------------------------------------------------------------------------- first write on


def test_first_write_on_new_master() -> None:
    records = [rec(0, 100.95, dt=0.5, server=NEW)] + gap_records()  # NEW before the fault: ignored
    assert ps.first_write_on(records, NEW, 101.0) == pytest.approx(1.010)
    assert ps.first_write_on(records, OLD, 100.0) == pytest.approx(0.002)
    assert ps.first_write_on(records, OLD, 101.0) is None
    assert ps.first_write_on(records, '10.0.0.9:6379', 100.0) is None
    assert ps.first_write_on(records, None, 100.0) is None


def test_first_write_on_ignores_failed_attempts() -> None:
    records = [rec(1, 101.0, ok=False), rec(2, 101.2, dt=0.3, server=NEW)]
    records[0]['server'] = NEW  # even a failed record naming the server does not count
    assert ps.first_write_on(records, NEW, 101.0) == pytest.approx(0.5)


# --------------------------------------------------------------------------- percentiles


def test_percentile_nearest_rank() -> None:
    values = [40, 15, 50, 35, 20]
    assert ps.percentile(values, 0) == 15
    assert ps.percentile(values, 5) == 15
    assert ps.percentile(values, 30) == 20
    assert ps.percentile(values, 40) == 20
    assert ps.percentile(values, 50) == 35
    assert ps.percentile(values, 100) == 50
    hundred = list(range(1, 101))
    assert ps.percentile(hundred, 50) == 50
    assert ps.percentile(hundred, 99) == 99
    assert ps.percentile(hundred, 99.5) == 100
    assert ps.percentile([7.5], 99) == 7.5


def test_percentile_empty_and_out_of_range() -> None:
    assert ps.percentile([], 50) is None
    with pytest.raises(ValueError):
        ps.percentile([1, 2], 101)
    with pytest.raises(ValueError):
        ps.percentile([1, 2], -1)


def test_latency_percentiles_over_ok_writes_in_ms() -> None:
    records = [rec(i, 100.0 + i, dt=i / 1000.0) for i in range(1, 101)]
    records += [rec(200, 300.0, dt=5.0, ok=False)]  # failed: ignored
    result = ps.latency_percentiles(records)
    assert set(result) == {'p50', 'p99'}
    assert result['p50'] == pytest.approx(50.0)
    assert result['p99'] == pytest.approx(99.0)
    assert ps.latency_percentiles(records, ps=(90, 99.9)) == {
        'p90': pytest.approx(90.0), 'p99.9': pytest.approx(100.0)}


def test_latency_percentiles_without_ok_write() -> None:
    assert ps.latency_percentiles([]) == {'p50': None, 'p99': None}
    assert ps.latency_percentiles([rec(1, 1.0, ok=False)]) == {'p50': None, 'p99': None}


def test_summarise() -> None:
    assert ps.summarise([3, None, 1, 2, 10]) == {'min': 1, 'p50': 2, 'p95': 10, 'max': 10, 'n': 4}
    assert ps.summarise([]) == {'min': None, 'p50': None, 'p95': None, 'max': None, 'n': 0}
    assert ps.summarise([None, None]) == {'min': None, 'p50': None, 'p95': None, 'max': None, 'n': 0}
    assert ps.summarise(range(1, 21)) == {'min': 1, 'p50': 10, 'p95': 19, 'max': 20, 'n': 20}


# --------------------------------------------------------------------------- timeline


def test_timeline_buckets() -> None:
    t0 = 1000.0
    records = [
        rec(1, t0 + 0.01), rec(2, t0 + 0.05, ok=False), rec(3, t0 + 0.099),
        rec(4, t0 + 0.15),
        # nothing in [0.2, 0.3)
        rec(5, t0 + 0.3), rec(6, t0 + 0.35, ok=False), rec(7, t0 + 0.36, ok=False),
    ]
    assert ps.timeline(records, t0) == [(0.0, 2, 1), (0.1, 1, 0), (0.2, 0, 0), (0.3, 1, 2)]
    assert ps.timeline(records, t0, bucket_s=0.2) == [(0.0, 3, 1), (0.2, 1, 2)]
    assert ps.timeline(records, t0, bucket_s=1.0) == [(0.0, 4, 3)]


def test_timeline_empty_and_offset_start() -> None:
    assert ps.timeline([], 5.0) == []
    # a run whose first attempt is 1.25 s after t0 starts at its own bucket
    assert ps.timeline([rec(1, 6.25), rec(2, 6.45, ok=False)], 5.0) == [(1.2, 1, 0), (1.3, 0, 0),
                                                                       (1.4, 0, 1)]
    with pytest.raises(ValueError):
        ps.timeline([rec(1, 1.0)], 0.0, bucket_s=0)


# --------------------------------------------------------------------------- aggregate


def report(window: float | None, wait_lost: int, plain_lost: int, p50: float, p99: float,
           failover: float | None, first_new: float | None) -> dict[str, Any]:
    return {
        'run_id': 'r',
        'unavailability': {'last_ok_before': 1.0, 'first_ok_after': 2.0, 'window_s': window},
        'lost': {'plain_acked': 100, 'plain_lost': plain_lost, 'wait_acked': 20, 'wait_lost': wait_lost,
                 'lost_seqs_sample': []},
        'latency_ms': {'p50': p50, 'p99': p99},
        'failover_s': failover,
        'first_write_new_master_s': first_new,
    }


def test_aggregate_over_three_reports() -> None:
    reports = [
        report(2.0, 0, 5, 0.3, 500.0, 2.0, 2.1),
        report(1.0, 0, 0, 0.5, 300.0, None, None),
        report(3.0, 1, 2, 0.4, 700.0, 4.0, 4.5),
    ]
    result = ps.aggregate(reports)
    assert set(result) == {'unavailability_window_s', 'failover_s', 'first_write_new_master_s',
                           'wait_lost', 'plain_lost', 'latency_p50_ms', 'latency_p99_ms'}
    assert result['unavailability_window_s'] == {'min': 1.0, 'p50': 2.0, 'p95': 3.0, 'max': 3.0, 'n': 3}
    assert result['wait_lost'] == {'min': 0, 'p50': 0, 'p95': 1, 'max': 1, 'n': 3}
    assert result['plain_lost'] == {'min': 0, 'p50': 2, 'p95': 5, 'max': 5, 'n': 3}
    assert result['latency_p50_ms'] == {'min': 0.3, 'p50': 0.4, 'p95': 0.5, 'max': 0.5, 'n': 3}
    assert result['latency_p99_ms'] == {'min': 300.0, 'p50': 500.0, 'p95': 700.0, 'max': 700.0, 'n': 3}
    assert result['failover_s'] == {'min': 2.0, 'p50': 2.0, 'p95': 4.0, 'max': 4.0, 'n': 2}
    assert result['first_write_new_master_s'] == {'min': 2.1, 'p50': 2.1, 'p95': 4.5, 'max': 4.5, 'n': 2}


def test_aggregate_tolerates_missing_figures() -> None:
    result = ps.aggregate([{'run_id': 'x'}, report(None, 0, 0, 1.0, 2.0, None, None)])
    assert result['unavailability_window_s'] == {'min': None, 'p50': None, 'p95': None, 'max': None, 'n': 0}
    assert result['wait_lost']['n'] == 1
    assert ps.aggregate([])['plain_lost']['n'] == 0
