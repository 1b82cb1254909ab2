#!/usr/bin/env bash
# The genealogy walks against a brute-force walk on many random genealogies (default 1000), on the
# test site; prints the seed and the first counterexample. Nothing is kept: each genealogy is
# rolled back once checked.
#   bash scripts/trace_check.sh [count] [seed]
set -euo pipefail
COUNT=${1:-1000}
SEED=${2:-}
BENCH=${LOT_CONTROL_BENCH:-/home/frappe/frappe-bench}
SITE=${LOT_CONTROL_SITE:-lot-control.localhost}
owner=$(stat -c %U "$BENCH")
cmd=("$BENCH/env/bin/python" -m frappe.utils.bench_helper frappe --site "$SITE" execute
	lot_control.tests.integration.genealogy_check.run --kwargs "{'count': $COUNT, 'seed': '${SEED}'}")
cd "$BENCH/sites"
if [ "$(id -un)" = "$owner" ]; then "${cmd[@]}"; else runuser -u "$owner" -- "${cmd[@]}"; fi
