#!/usr/bin/env bash
# The trace benchmark, on demand (not part of the tests): on a site of its own it generates a history
# (100,000 lots, 20,000 Work Orders, 5 levels, 50,000 units, 20,000 deliveries), times forward and
# backward traces of typical and of the widest lots, doubles the history and times them again.
# Then times FEFO picking of an item with 10,000 lots in stock and the Usable Stock, Expiring Lots and
# Lot Inventory Value reports. See benchmarks/trace_benchmark.py (beside the app, never installed; run
# in the site by benchmarks/run_in_site.py). Takes about 20 minutes on 2 cores; it first removes the
# rows an earlier run generated (names starting with BENCH-) and leaves its own on the site.
#   bash scripts/benchmark.sh [trace] [site]      site default trace-bench.localhost
#   bash scripts/benchmark.sh again [site]        time again on the history already there (kwargs: history, runs)
#   LOT_CONTROL_BENCH             bench directory   (default /home/frappe/frappe-bench)
#   LOT_CONTROL_BENCHMARK_KWARGS  arguments of run(), e.g. "{'lots': 200000, 'runs': 30}"
# The site must exist with ERPNext and lot_control installed, and be marked as made for the benchmark
# (it deletes BENCH- rows; it refuses a site without the mark); this script creates nothing else:
#   bench new-site trace-bench.localhost --install-app erpnext
#   bench --site trace-bench.localhost install-app lot_control
#   bench --site trace-bench.localhost set-config -p lot_control_benchmark_site 1
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=${LOT_CONTROL_BENCH:-/home/frappe/frappe-bench}
if [ "${1:-}" = overhead ]; then
	# Submit overhead: the same documents submitted alternately on a site with lot_control and one
	# without, in one run; medians and ratios (benchmarks/overhead_benchmark.py: BENCH-OVH data made
	# once on each site and reused, nothing deleted; each site is checked before anything is written).
	#   bash scripts/benchmark.sh overhead [app-site [plain-site]]  (lot-control.localhost plain.localhost)
	#   LOT_CONTROL_OVERHEAD_PAIRS  pairs per document (default 5)
	shift
	overhead=("$BENCH/env/bin/python" "$ROOT/benchmarks/overhead_benchmark.py" --bench "$BENCH"
		--app-site "${1:-lot-control.localhost}" --plain-site "${2:-plain.localhost}")
	cd "$BENCH/sites" || { echo "No bench at $BENCH (set LOT_CONTROL_BENCH)"; exit 1; }
	if [ "$(id -un)" = "$(stat -c %U "$BENCH")" ]; then exec "${overhead[@]}"; fi
	exec runuser -u "$(stat -c %U "$BENCH")" -- "${overhead[@]}"
fi
METHOD=trace_benchmark.run
case "${1:-}" in
	trace) shift ;;
	# The same timings on the history an earlier run left, generating and deleting nothing (minutes).
	again) METHOD=trace_benchmark.time_again; shift ;;
esac
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
if ! apps=$(frappe_cli --site "$SITE" list-apps 2>&1); then
	echo "could not list the apps of $SITE:"; echo "$apps"
	exit 1
fi
if ! grep -q '^lot_control' <<<"$apps"; then
	echo "lot_control is not installed on $SITE: bench --site $SITE install-app lot_control"
	exit 1
fi
if ! "$PY" -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1])).get("lot_control_benchmark_site") else 1)' "$BENCH/sites/$SITE/site_config.json"; then
	echo "$SITE is not marked as a benchmark site; the benchmark deletes its BENCH- rows. If the site was made for it:"
	echo "  bench --site $SITE set-config -p lot_control_benchmark_site 1"
	exit 1
fi
frappe_cli --site "$SITE" migrate --skip-search-index >/dev/null || { echo "migrate failed"; exit 1; }

echo "== trace benchmark on $SITE in $BENCH ($(nproc) cores), $METHOD($KWARGS)"
start=$(date +%s)
(cd "$BENCH/sites" && as_owner "$PY" "$APP/benchmarks/run_in_site.py" --site "$SITE" "$METHOD" --kwargs "$KWARGS") || exit 1
echo "== done in $(($(date +%s) - start)) s"
