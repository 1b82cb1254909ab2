#!/usr/bin/env bash
# The trace benchmark, on demand (not part of the tests): on a site of its own it generates a history
# (100,000 lots, 20,000 Work Orders, 5 levels, 50,000 units, 20,000 deliveries), times forward and
# backward traces of typical and of the widest lots, doubles the history and times them again.
# See lot_control/benchmarks/trace_benchmark.py. Takes about 9 minutes on 2 cores; it first removes
# the rows an earlier run generated (names starting with BENCH-) and leaves its own on the site.
#   bash scripts/benchmark.sh [site]      site default trace-bench.localhost
#   LOT_CONTROL_BENCH             bench directory   (default /home/frappe/frappe-bench)
#   LOT_CONTROL_BENCHMARK_KWARGS  arguments of run(), e.g. "{'lots': 200000, 'runs': 30}"
# The site must exist with ERPNext and lot_control installed; this script creates nothing else:
#   bench new-site trace-bench.localhost && bench --site trace-bench.localhost install-app erpnext
#   bench --site trace-bench.localhost install-app lot_control
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=${LOT_CONTROL_BENCH:-/home/frappe/frappe-bench}
SITE=${1:-trace-bench.localhost}
KWARGS=${LOT_CONTROL_BENCHMARK_KWARGS:-"{}"}

if [ ! -d "$BENCH/apps/frappe" ] || [ ! -d "$BENCH/apps/erpnext" ] || [ ! -f "$BENCH/sites/$SITE/site_config.json" ]; then
	echo "No bench with ERPNext and site $SITE at $BENCH (set LOT_CONTROL_BENCH, pass the site); create the site first."
	exit 1
fi

owner=$(stat -c %U "$BENCH")
as_owner() {
	if [ "$(id -un)" = "$owner" ]; then "$@"; else runuser -u "$owner" -- "$@"; fi
}
APP="$BENCH/apps/lot_control"
PY="$BENCH/env/bin/python"
frappe_cli() { (cd "$BENCH/sites" && as_owner "$PY" -m frappe.utils.bench_helper frappe "$@"); }

if [ "$(readlink -f "$APP")" != "$(readlink -f "$ROOT")" ]; then
	as_owner mkdir -p "$APP"
	# Desk assets already built stay: this script does not rebuild them.
	rsync -a --delete --exclude .git --exclude __pycache__ --exclude '*.egg-info' --exclude /lot_control/public/dist "$ROOT/" "$APP/"
	chown -R "$owner": "$APP"
fi
as_owner "$PY" -c "import lot_control" 2>/dev/null || as_owner "$PY" -m pip install -q -e "$APP" || { echo "could not install lot_control into $BENCH"; exit 1; }
if ! grep -qx lot_control "$BENCH/sites/apps.txt"; then
	echo "lot_control is not in $BENCH/sites/apps.txt"
	exit 1
fi
if ! frappe_cli --site "$SITE" list-apps 2>/dev/null | grep -q '^lot_control'; then
	echo "lot_control is not installed on $SITE: bench --site $SITE install-app lot_control"
	exit 1
fi
frappe_cli --site "$SITE" migrate --skip-search-index >/dev/null || { echo "migrate failed"; exit 1; }

echo "== trace benchmark on $SITE in $BENCH ($(nproc) cores), run($KWARGS)"
start=$(date +%s)
frappe_cli --site "$SITE" execute lot_control.benchmarks.trace_benchmark.run --kwargs "$KWARGS" || exit 1
echo "== done in $(($(date +%s) - start)) s"
