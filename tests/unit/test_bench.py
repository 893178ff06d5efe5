# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""scripts/bench.py: how figures are summarised and judged against their targets."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / 'scripts' / 'bench.py'
spec = importlib.util.spec_from_file_location('bench', SCRIPT)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_p95_of_ten_runs_is_the_slowest_but_nothing_else():
    values = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 9.0]
    assert bench.percentile(values, 95) == 9.0
    assert bench.percentile(values, 50) == 1.4
    assert bench.percentile(values * 2, 95) == 9.0  # 20 runs: the 19th value


@pytest.mark.parametrize('target, value', [('p95 <= 1.0', 1.0), ('median <= 24', 24.0), ('p95 <= 6.5', 6.5)])
def test_target_value_is_the_bound_not_the_percentile(target, value):
    assert bench.target_value(target) == value


def test_a_figure_meets_its_target_only_with_nothing_lost():
    assert bench.figure('crash', [2.7, 2.8, 2.9], 'p95 <= 3.0', lost=0)['pass']
    assert not bench.figure('crash', [2.7, 2.8, 3.1], 'p95 <= 3.0', lost=0)['pass']
    assert not bench.figure('crash', [2.7, 2.8, 2.9], 'p95 <= 3.0', lost=1)['pass']
    rerun = bench.figure('re-run', [20.0, 30.0, 23.0], 'median <= 24')
    assert rerun['median'] == 23.0 and rerun['pass']


def test_drill_runs_reads_the_probe_and_the_reference_client(tmp_path):
    run = tmp_path / 'crash-20261203T120000-1'
    run.mkdir()
    (run / 'report.json').write_text(json.dumps({
        'failover_s': 2.8, 'unavailability': {'window_s': 2.7}, 'lost': {'wait_lost': 0, 'plain_lost': 3}}))
    (run / 'client.json').write_text(json.dumps({'longest_write_unavailability_s': 2.9}))
    (tmp_path / 'not-a-run').mkdir()
    assert bench.drill_runs(str(tmp_path)) == [{
        'run': 'crash-20261203T120000-1', 'failover_s': 2.8, 'probe_window_s': 2.7, 'client_window_s': 2.9,
        'wait_lost': 0, 'plain_lost': 3}]


def test_make_times_a_target_and_stops_the_bench_when_it_fails(tmp_path, monkeypatch):
    calls = []

    class Done(object):
        def __init__(self, rc):
            self.returncode, self.stdout, self.stderr = rc, 'make output\n', ''

    def run(cmd, **kwargs):
        calls.append(cmd)
        return Done(0 if cmd[-1] == 'lab' else 2)

    monkeypatch.setattr(bench.subprocess, 'run', run)
    log = tmp_path / 'bench.log'
    assert bench.make('lab', str(log)) >= 0
    assert calls == [['make', '-C', bench.ROOT, 'lab']]
    with pytest.raises(SystemExit) as stop:
        bench.make('lab-down', str(log))
    assert 'make lab-down failed (rc 2)' in str(stop.value)
    assert log.read_text().count('$ make ') == 2
