#!/usr/bin/env python3
"""Benchmark the lab: re-run time, switchover and crash failover, both Sentinel profiles.

Rebuilds the lab first:
  0. make lab-down, then make lab, --converges times (the first converge of fresh hosts from the cached
     image, the way a newcomer's make lab runs; the last one leaves the lab up for the rest);
  1. the no-change re-run of playbooks/site.yml, --reruns times (each must report changed=0);
  2. for each profile (guide, fast): the site converged to it, then --drills switchover drills and
     --drills crash drills (playbooks/failover_drill.yml, redis_drill_repeat);
  3. the site converged back to the inventory's own profile.
Writes reports/bench/<date>/bench.json, bench.md (the table) and bench.png (the distribution of each
figure), prints the table, and exits 1 when a figure misses its target (timings are not tests: this is
not part of make test).
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROFILES = {"guide": 5000, "fast": 1500}


def percentile(values, pct):
    """Nearest-rank percentile (p95 of 10 runs is the 10th value)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def run(cmd, log, label, cwd=None):
    """Run ``cmd``, logging its output under ``label``; (stdout, wall time in seconds). Exits with the output's tail on failure."""
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"$ {label}\n{proc.stdout}\n{proc.stderr}\n")
    if proc.returncode != 0:
        sys.exit(f"bench: {label} failed (rc {proc.returncode}); see {log}\n{proc.stdout[-3000:]}")
    return proc.stdout, elapsed


def playbook(inventory, name, *extra, log=None):
    cmd = ["ansible-playbook", "-i", inventory, os.path.join(ROOT, "playbooks", name), *extra]
    return run(cmd, log, " ".join(cmd), cwd=ROOT)


def make(target, log):
    """Run `make <target>` in the repository; its wall time in seconds. Exits with the log's tail on failure."""
    return run(["make", "-C", ROOT, target], log, f"make {target}")[1]


def changed_hosts(output):
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", output, re.M)}


def drill_runs(report_dir):
    runs = []
    for name in sorted(os.listdir(report_dir)):
        path = os.path.join(report_dir, name)
        if not os.path.isfile(os.path.join(path, "report.json")):
            continue
        with open(os.path.join(path, "report.json"), encoding="utf-8") as fh:
            report = json.load(fh)
        client = {}
        if os.path.isfile(os.path.join(path, "client.json")):
            with open(os.path.join(path, "client.json"), encoding="utf-8") as fh:
                client = json.load(fh)
        runs.append({
            "run": name,
            "failover_s": report.get("failover_s"),
            "probe_window_s": (report.get("unavailability") or {}).get("window_s") or 0.0,
            "client_window_s": client.get("longest_write_unavailability_s"),
            "wait_lost": report["lost"]["wait_lost"],
            "plain_lost": report["lost"]["plain_lost"],
        })
    return runs


def figure(name, values, target, unit="s", lost=None):
    """One row of the table: median, p95, max of the runs, judged against the target."""
    row = {"figure": name, "runs": len(values), "median": statistics.median(values), "p95": percentile(values, 95),
           "max": max(values), "values": values, "target": target, "unit": unit}
    row["pass"] = row["p95" if "p95" in target else "median"] <= target_value(target)
    if lost is not None:
        row["lost"] = lost
        row["pass"] = row["pass"] and lost == 0
    return row


def target_value(target):
    """'p95 <= 1.0' -> 1.0"""
    return float(re.search(r"<=\s*([0-9.]+)", target).group(1))


def write_png(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(1, len(rows), figsize=(3.2 * len(rows), 4))
    for ax, row in zip(axes if len(rows) > 1 else [axes], rows):
        ax.boxplot(row["values"], widths=0.5)
        ax.scatter([1] * len(row["values"]), row["values"], s=12, alpha=0.6)
        ax.axhline(target_value(row["target"]), color="red", linestyle="--", linewidth=1)
        ax.set_title(row["figure"], fontsize=8)
        ax.set_ylabel(row["unit"])
        ax.set_xticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", default="inventories/lab")
    parser.add_argument("--converges", type=int, default=1,
                        help="times to remove the lab and build it again with make lab (0: use the lab as it is)")
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--drills", type=int, default=10)
    parser.add_argument("--out", default=os.path.join(ROOT, "reports", "bench", datetime.date.today().isoformat()))
    parser.add_argument("--rebuild", action="store_true",
                        help="only judge the figures of --out/bench.json again and rewrite its table and PNG")
    args = parser.parse_args()
    if args.rebuild:
        with open(os.path.join(args.out, "bench.json"), encoding="utf-8") as fh:
            result = json.load(fh)
        rows = [figure(r["figure"], r["values"], r["target"], r["unit"], r.get("lost")) for r in result["figures"]]
        return report(dict(result, figures=rows), args.out)
    os.makedirs(args.out, exist_ok=True)
    log = os.path.join(args.out, "bench.log")
    open(log, "w", encoding="utf-8").close()

    rows = []
    converges = []
    for i in range(args.converges):
        make("lab-down", log)
        elapsed = make("lab", log)
        converges.append(round(elapsed, 1))
        print(f"first converge {i + 1} (make lab): {elapsed:.1f} s", flush=True)
    if converges:
        rows.append(figure("first converge of the lab (make lab, cached image)", converges, "median <= 84"))
    times = []
    for i in range(args.reruns):
        out, elapsed = playbook(args.inventory, "site.yml", log=log)
        changed = {h: c for h, c in changed_hosts(out).items() if c}
        if changed:
            sys.exit(f"bench: re-run {i + 1} of site.yml changed {changed}: the site was not converged (make lab)")
        times.append(round(elapsed, 1))
        print(f"re-run {i + 1}: {elapsed:.1f} s, changed=0", flush=True)
    rows.append(figure("no-change re-run of site.yml", times, "median <= 24"))

    for profile, down_after in PROFILES.items():
        playbook(args.inventory, "site.yml", "-e", f"redis_sentinel_profile={profile}", log=log)
        for fault in ("switchover", "crash"):
            report_dir = os.path.join(args.out, "drills", f"{profile}-{fault}")
            # this bench's runs only: an earlier bench of the same day wrote to the same place
            shutil.rmtree(report_dir, ignore_errors=True)
            os.makedirs(report_dir)
            _, elapsed = playbook(args.inventory, "failover_drill.yml", "-e", f"redis_sentinel_profile={profile}",
                                  "-e", f"redis_drill_fault={fault}", "-e", f"redis_drill_repeat={args.drills}",
                                  "-e", f"redis_drill_report_dir={report_dir}", log=log)
            runs = drill_runs(report_dir)
            lost = sum(r["wait_lost"] for r in runs)
            print(f"{profile} {fault}: {len(runs)} runs in {elapsed:.0f} s", flush=True)
            if fault == "switchover":
                rows.append(figure(f"switchover, client window ({profile})",
                                   [round(r["client_window_s"], 3) for r in runs], "p95 <= 1.0", lost=lost))
                rows.append(figure(f"switchover, probe window ({profile})",
                                   [round(r["probe_window_s"], 3) for r in runs], "p95 <= 1.0", lost=lost))
            else:
                target = 6.5 if profile == "guide" else down_after / 1000 + 1.5
                rows.append(figure(f"crash failover ({profile}, down-after {down_after})",
                                   [round(r["failover_s"], 3) for r in runs], f"p95 <= {target}", lost=lost))
    playbook(args.inventory, "site.yml", log=log)

    machine = {"cpus": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version(),
               "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30)}
    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "inventory": args.inventory, "machine": machine, "figures": rows}
    return report(result, args.out)


def report(result, out):
    """Write bench.json, bench.md and bench.png; print the table; 1 when a target is missed."""
    rows, machine = result["figures"], result["machine"]
    with open(os.path.join(out, "bench.json"), "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=1)
    lines = [f"Bench of {result['date']} on {result['inventory']} ({machine['cpus']} CPUs, {machine['memory_gib']} GiB, "
             f"kernel {machine['kernel']})", "",
             "| figure | runs | median | p95 | max | lost (WAIT) | target | met |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['figure']} | {r['runs']} | {r['median']:.2f} {r['unit']} | {r['p95']:.2f} {r['unit']} | "
                     f"{r['max']:.2f} {r['unit']} | {r.get('lost', '-')} | {r['target']} {r['unit']} | "
                     f"{'yes' if r['pass'] else 'NO'} |")
    table = "\n".join(lines) + "\n"
    with open(os.path.join(out, "bench.md"), "w", encoding="utf-8") as fh:
        fh.write(table)
    png = write_png(rows, os.path.join(out, "bench.png"))
    print(table)
    print(f"bench: {out}/bench.json, bench.md{', bench.png' if png else ''}")
    missed = [r for r in rows if not r["pass"]]
    for r in missed:
        print(f"bench: target missed: {r['figure']}: median {r['median']:.2f}, p95 {r['p95']:.2f} {r['unit']}, "
              f"lost {r.get('lost', '-')} (target {r['target']} {r['unit']}, 0 lost)", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
