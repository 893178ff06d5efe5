#!/usr/bin/env bash
# Check the Prometheus rules in prometheus/rules and run their unit tests in
# prometheus/tests with promtool; fail when an alert or a recording rule has no
# test. promtool comes from PATH, else from Debian's prometheus package
# (scripts/prometheus-bin.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

rules_dir=prometheus/rules
tests_dir=prometheus/tests
promtool=$(scripts/prometheus-bin.sh promtool)

shopt -s nullglob
rule_files=("$rules_dir"/*.yml)
test_files=("$tests_dir"/*.yml)
shopt -u nullglob
[ ${#rule_files[@]} -gt 0 ] || { echo "promtool.sh: no rule files in $rules_dir" >&2; exit 1; }
[ ${#test_files[@]} -gt 0 ] || { echo "promtool.sh: no test files in $tests_dir" >&2; exit 1; }

if ! out=$("$promtool" check rules "${rule_files[@]}" 2>&1); then
  printf '%s\n' "$out" >&2
  echo "promtool.sh: promtool check rules failed" >&2
  exit 1
fi
if ! out=$("$promtool" test rules "${test_files[@]}" 2>&1); then
  printf '%s\n' "$out" >&2
  echo "promtool.sh: promtool test rules failed" >&2
  exit 1
fi

# Every alert needs a case where it fires and one where it must not, and must
# stay silent in the healthy site (healthy_site.yml); every recording rule needs
# a promql_expr_test whose expr uses it.
# alert_cases prints "<file> <alertname> fires|silent" for each alert_rule_test
# item: "fires" when it expects an alert (exp_labels/exp_annotations).
alert_cases() {
  awk '
    function flush() { if (name != "") print file, name, (fires ? "fires" : "silent"); name = ""; fires = 0; inside = 0 }
    FNR == 1 { flush(); sec = 0 }
    /^[[:space:]]*alert_rule_test:/ { flush(); sec = 1; ind = -1; next }
    /^[[:space:]]*(-[[:space:]]+)?(name|interval|input_series|promql_expr_test|external_labels):/ { flush(); sec = 0 }
    sec && /^[[:space:]]*-[[:space:]]/ {
      match($0, /^[[:space:]]*/); if (ind < 0) ind = RLENGTH
      if (RLENGTH == ind) { flush(); inside = 1; file = FILENAME }
    }
    inside && match($0, /alertname:[[:space:]]*[A-Za-z0-9_]+/) { name = substr($0, RSTART, RLENGTH); sub(/alertname:[[:space:]]*/, "", name) }
    inside && /exp_(labels|annotations):/ { fires = 1 }
    END { flush() }
  ' "$@"
}
mapfile -t alerts < <(sed -nE 's/^[[:space:]]*-[[:space:]]+alert:[[:space:]]*([A-Za-z0-9_]+).*/\1/p' "${rule_files[@]}" | sort -u)
mapfile -t records < <(sed -nE 's/^[[:space:]]*-[[:space:]]+record:[[:space:]]*([A-Za-z0-9_:]+).*/\1/p' "${rule_files[@]}" | sort -u)
cases=$(alert_cases "${test_files[@]}")
healthy="$tests_dir/healthy_site.yml"
missing=()
for a in "${alerts[@]}"; do
  grep -qE " $a fires$" <<<"$cases" || missing+=("alert $a: no case where it fires (exp_alerts not empty)")
  grep -qE " $a silent$" <<<"$cases" || missing+=("alert $a: no case where it must not fire (exp_alerts: [])")
  grep -qE "^$healthy $a silent$" <<<"$cases" || missing+=("alert $a: not checked silent in the healthy site ($healthy)")
done
for r in "${records[@]}"; do
  grep -qE "^[[:space:]]*-?[[:space:]]*expr:.*(^|[^A-Za-z0-9_:])$r([^A-Za-z0-9_:]|$)" "${test_files[@]}" \
    || missing+=("recording rule $r: no promql_expr_test whose expr uses it")
done
if [ ${#missing[@]} -gt 0 ]; then
  printf 'promtool.sh: untested: %s\n' "${missing[@]}" >&2
  exit 1
fi

groups=$(cat "${test_files[@]}" | grep -cE '^[[:space:]]*(-[[:space:]]+)?input_series:' || true)
expr_checks=$(cat "${test_files[@]}" | grep -cE '^[[:space:]]*-?[[:space:]]*expr:' || true)
echo "promtool: ${#alerts[@]} alerts and ${#records[@]} recording rules OK;" \
  "${#test_files[@]} test files, $groups test groups, $(wc -l <<<"$cases") alert checks, $expr_checks expression checks passed"
