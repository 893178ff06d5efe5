#!/usr/bin/env python3
"""A Prometheus on the controller that watches the Molecule site's exporters.

start   write its configuration (the redis_prometheus role's shape: jobs redis
        and redis_sentinel, target label redis_master) and the collection's
        rules, start it, wait until every target is up with no scrape error,
        then check that the healthy site has no firing alert.
alerts  after a drill: wait until the alerts that must clear have cleared,
        then print when each alert fired and cleared, relative to the fault
        of the drill's report.json, and check the expected ones fired.
stop    stop it.

The rules are the shipped ones with every `for:` divided by 30 (1m -> 2s),
scraped and evaluated every second: a failover that works ends long before a
minute, and the check is that the expressions see the outage in the real
exporters' metrics and clear with the recovery. The durations themselves are
covered by promtool's unit tests (prometheus/tests).
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "prometheus", "rules")
PIDFILE = os.path.join(ROOT, ".cache", "prometheus", "molecule.pid")
FOR_DIVISOR = 30
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


def fail(msg):
    print(f"prometheus_check: {msg}", file=sys.stderr)
    sys.exit(1)


def api(port, path, **params):
    url = f"http://127.0.0.1:{port}/api/v1/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=5) as resp:
        body = json.load(resp)
    if body.get("status") != "success":
        fail(f"{url}: {body}")
    return body["data"]


def scaled_for(match):
    """`for: 1m` -> `for: 2s` (whole seconds, at least 1 s)."""
    value, unit = match.group(2), match.group(3)
    seconds = max(1, round(float(value) * UNITS[unit] / FOR_DIVISOR))
    return f"{match.group(1)}{seconds}s"


def write_config(workdir, targets, master_name):
    rules_dir = os.path.join(workdir, "rules")
    os.makedirs(rules_dir, exist_ok=True)
    for name in sorted(os.listdir(RULES)):
        if not name.endswith(".yml"):
            continue
        with open(os.path.join(RULES, name), encoding="utf-8") as src:
            text = src.read()
        text = re.sub(r"^(\s+for:\s*)(\d+(?:\.\d+)?)(ms|s|m|h)\s*$", scaled_for, text, flags=re.M)
        with open(os.path.join(rules_dir, name), "w", encoding="utf-8") as dst:
            dst.write(text)
    lines = [
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "  evaluation_interval: 1s",
        "rule_files:",
        f"  - {rules_dir}/*.yml",
        "scrape_configs:",
    ]
    for job, addrs in targets.items():
        lines += [
            f"  - job_name: {job}",
            "    static_configs:",
            f"      - targets: {json.dumps(addrs)}",
            "        labels:",
            f"          redis_master: {json.dumps(master_name)}",
        ]
    config = os.path.join(workdir, "prometheus.yml")
    with open(config, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return config


def stop_running():
    try:
        with open(PIDFILE, encoding="utf-8") as fh:
            pid = int(fh.read().strip())
    except (OSError, ValueError):
        return
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            if b"prometheus" not in fh.read():
                pid = 0
    except OSError:
        pid = 0
    if pid:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not os.path.exists(f"/proc/{pid}"):
                break
            time.sleep(0.1)
    os.unlink(PIDFILE)


def wait_for(what, timeout, probe):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            ok, last = probe()
        except OSError as exc:
            ok, last = False, str(exc)
        if ok:
            return last
        time.sleep(0.5)
    fail(f"{what} within {timeout} s: {last}")


def firing(port):
    return [a for a in api(port, "alerts")["alerts"] if a["state"] == "firing"]


def cmd_start(args):
    try:
        start(args)
    except BaseException:
        stop_running()
        raise


def start(args):
    targets = json.loads(args.targets)
    stop_running()
    # a fresh TSDB: series of an earlier run would raise old alerts
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    config = write_config(args.workdir, targets, args.master_name)
    binary = subprocess.run(
        [os.path.join(ROOT, "scripts", "prometheus-bin.sh"), "prometheus"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    log = open(os.path.join(args.workdir, "prometheus.log"), "w", encoding="utf-8")
    proc = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={args.workdir}/data",
         f"--web.listen-address=127.0.0.1:{args.port}", "--storage.tsdb.retention.time=2h"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
    )
    os.makedirs(os.path.dirname(PIDFILE), exist_ok=True)
    with open(PIDFILE, "w", encoding="utf-8") as fh:
        fh.write(f"{proc.pid}\n")

    def ready():
        if proc.poll() is not None:
            fail(f"prometheus exited with {proc.returncode}; see {args.workdir}/prometheus.log")
        with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/-/ready", timeout=2) as resp:
            return resp.status == 200, "not ready"
    wait_for("Prometheus ready", 30, ready)
    rules = api(args.port, "rules")["groups"]
    loaded = sum(1 for g in rules for r in g["rules"] if r["type"] == "alerting")
    expected = sum(len(v) for v in targets.values())

    def all_up():
        active = api(args.port, "targets")["activeTargets"]
        bad = [f"{t['labels']['job']} {t['labels']['instance']}: {t['health']} {t['lastError']}"
               for t in active if t["health"] != "up" or t["lastError"]]
        return len(active) == expected and not bad, bad or f"{len(active)} of {expected} targets"
    start = time.monotonic()
    wait_for(f"all {expected} targets up with no scrape error", 60, all_up)
    print(f"Prometheus 127.0.0.1:{args.port}: {expected} targets up with no scrape error after "
          f"{time.monotonic() - start:.1f} s; {loaded} alerts loaded (for: divided by {FOR_DIVISOR})")
    # The healthy site: every rule evaluated over several scrapes, nothing fires
    time.sleep(args.settle)
    up = api(args.port, "query", query='count(up == 1)')["result"]
    alerts = api(args.port, "alerts")["alerts"]
    if alerts:
        fail("the healthy site has alerts: " + "; ".join(
            f"{a['labels']['alertname']} {a['state']} {a['labels'].get('instance', '')}" for a in alerts))
    print(f"Healthy site: no alert firing or pending after {args.settle} s of 1 s evaluations "
          f"({up[0]['value'][1] if up else 0} targets up)")


def intervals(port, begin, end):
    """{(alertname, labels): [(fired, cleared or None)]} from ALERTS{alertstate="firing"}."""
    data = api(port, "query_range", query='ALERTS{alertstate="firing"}',
               start=f"{begin:.3f}", end=f"{end:.3f}", step="1")["result"]
    out = {}
    for series in data:
        labels = {k: v for k, v in series["metric"].items() if k not in ("__name__", "alertstate")}
        key = (labels.pop("alertname"), json.dumps(labels, sort_keys=True))
        stamps = [float(t) for t, _ in series["values"]]
        runs, first, prev = [], stamps[0], stamps[0]
        for t in stamps[1:]:
            if t - prev > 1.5:
                runs.append((first, prev + 1))
                first = t
            prev = t
        runs.append((first, None if end - prev < 1.5 else prev + 1))
        out[key] = runs
    return out


def cmd_alerts(args):
    with open(args.report, encoding="utf-8") as fh:
        report = json.load(fh)
    fault = report["fault_time"]
    promoted = report.get("promotion_time")
    expect = [a for a in args.expect.split(",") if a]
    clear = [a for a in args.clear.split(",") if a]

    new_master = report.get("new_master")

    def ours(name, labels):
        # the move is reported for the address the drill saw promoted
        if name == "RedisFailoverHappened" and new_master:
            return json.loads(labels).get("master_address") == new_master
        return True

    def fired_after_fault():
        found = intervals(args.port, fault - 2, time.time())
        runs = {name: [r for (n, labels), rs in found.items() if n == name and ours(n, labels)
                       for r in rs if r[0] >= fault]
                for name in set(expect) | set(clear)}
        missing = [n for n in sorted(set(expect) | set(clear)) if not runs[n]]
        open_ = [n for n in clear if any(c is None for _, c in runs[n])]
        return not missing and not open_, f"not fired: {missing}; still firing: {open_}"
    waited = time.monotonic()
    wait_for("the alerts of the fault to fire and clear", args.timeout, fired_after_fault)
    waited = time.monotonic() - waited
    found = intervals(args.port, fault - 2, time.time())
    print(f"Alerts around the fault of {args.report} (times from the fault; "
          f"promotion at +{promoted - fault:.1f} s):" if promoted else "Alerts around the fault:")
    rows = []
    for (name, labels), runs in sorted(found.items()):
        for fired, cleared in runs:
            if fired < fault:
                continue
            where = json.loads(labels)
            where = where.get("instance") or where.get("master_address") or where.get("redis_master", "")
            rows.append((fired, name, where, cleared))
    for fired, name, where, cleared in sorted(rows):
        end = f"cleared +{cleared - fault:5.1f} s" if cleared else "still firing"
        print(f"  {name:<36} {where:<22} fired +{fired - fault:5.1f} s  {end}")
    print(f"Fired and cleared: {', '.join(clear)}; fired: {', '.join(expect)}"
          f"{' (for ' + new_master + ')' if new_master and 'RedisFailoverHappened' in expect else ''}; "
          f"waited {waited:.1f} s after the drill")


def cmd_stop(_args):
    stop_running()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=19090)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("start")
    p.add_argument("--workdir", required=True)
    p.add_argument("--targets", required=True, help='JSON: {"redis": [...], "redis_sentinel": [...]}')
    p.add_argument("--master-name", required=True)
    p.add_argument("--settle", type=int, default=10)
    p.set_defaults(func=cmd_start)
    p = sub.add_parser("alerts")
    p.add_argument("--report", required=True)
    p.add_argument("--expect", default="", help="alerts that must fire after the fault")
    p.add_argument("--clear", default="", help="alerts that must fire and clear after the fault")
    p.add_argument("--timeout", type=int, default=120)
    p.set_defaults(func=cmd_alerts)
    p = sub.add_parser("stop")
    p.set_defaults(func=cmd_stop)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
