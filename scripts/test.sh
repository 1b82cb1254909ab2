#!/usr/bin/env bash
# The one test command. Unit tests always; where a bench with the site exists, this checkout is
# installed into that bench, the site migrated, and the integration tests run against it.
#   LOT_CONTROL_BENCH  bench directory   (default /home/frappe/frappe-bench)
#   LOT_CONTROL_SITE   site name         (default lot-control.localhost)
# Extra arguments are passed to the integration pytest run (e.g. -k receipt).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=${LOT_CONTROL_BENCH:-/home/frappe/frappe-bench}
SITE=${LOT_CONTROL_SITE:-lot-control.localhost}
UNIT_VENV=${LOT_CONTROL_UNIT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/lot_control/unit-venv}
failed=0

echo "== unit tests"
if [ ! -x "$UNIT_VENV/bin/python" ]; then
	python3 -m venv "$UNIT_VENV" || { echo "could not create $UNIT_VENV"; exit 1; }
fi
"$UNIT_VENV/bin/python" -m pip install -q -e "$ROOT[test]" || { echo "could not install lot_control[test]"; exit 1; }
(cd "$ROOT" && "$UNIT_VENV/bin/python" -m pytest -q -p no:cacheprovider lot_control/tests/unit) || failed=1

if [ ! -d "$BENCH/apps/frappe" ] || [ ! -d "$BENCH/apps/erpnext" ] || [ ! -f "$BENCH/sites/$SITE/site_config.json" ]; then
	echo "Integration tests NOT run: no bench with ERPNext and site $SITE at $BENCH (set LOT_CONTROL_BENCH and LOT_CONTROL_SITE)."
	exit $failed
fi

echo "== integration tests on $SITE in $BENCH"
owner=$(stat -c %U "$BENCH")
as_owner() {
	if [ "$(id -un)" = "$owner" ]; then "$@"; else runuser -u "$owner" -- "$@"; fi
}
APP="$BENCH/apps/lot_control"
PY="$BENCH/env/bin/python"
frappe_cli() { (cd "$BENCH/sites" && as_owner "$PY" -m frappe.utils.bench_helper frappe "$@"); }

if [ "$(readlink -f "$APP")" != "$(readlink -f "$ROOT")" ]; then
	as_owner mkdir -p "$APP"
	rsync -a --delete --exclude .git --exclude __pycache__ --exclude '*.egg-info' "$ROOT/" "$APP/"
	chown -R "$owner": "$APP"
fi
as_owner "$PY" -m pip --version >/dev/null 2>&1 || as_owner "$PY" -m ensurepip -q >/dev/null
as_owner "$PY" -m pip install -q -e "$APP[test]" || { echo "could not install lot_control into $BENCH"; exit 1; }
if ! grep -qx lot_control "$BENCH/sites/apps.txt"; then
	{ [ -n "$(tail -c1 "$BENCH/sites/apps.txt")" ] && echo; echo lot_control; } | as_owner tee -a "$BENCH/sites/apps.txt" >/dev/null
fi

if ! frappe_cli --site "$SITE" list-apps 2>/dev/null | grep -q '^lot_control'; then
	frappe_cli --site "$SITE" install-app lot_control || exit 1
fi
frappe_cli --site "$SITE" migrate --skip-search-index >/dev/null || { echo "migrate failed"; exit 1; }
# The desk script (scanning a unit code in the search bar) is a bundle, as in any Frappe app.
frappe_cli build --app lot_control >/dev/null 2>&1 || echo "note: could not build lot_control's desk assets (node/yarn missing?)"

(cd "$BENCH/sites" && as_owner env LOT_CONTROL_BENCH="$BENCH" LOT_CONTROL_SITE="$SITE" \
	"$PY" -m pytest -q -p no:cacheprovider --rootdir "$APP" "$APP/lot_control/tests/integration" "$@") || failed=1

# What people see, in headless Chromium (Debian's, never a downloaded one): the desk is served by
# bench serve on $LOT_CONTROL_BROWSER_PORT (default 8011), started by the tests if nothing listens.
echo "== browser tests on $SITE"
CHROMIUM=${LOT_CONTROL_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	echo "Browser tests NOT run: no Chromium at $CHROMIUM (apt-get install -y chromium, or set LOT_CONTROL_CHROMIUM)."
else
	as_owner "$PY" -c "import playwright" 2>/dev/null || as_owner "$PY" -m pip install -q playwright \
		|| { echo "could not install playwright into $BENCH"; failed=1; }
	(cd "$BENCH/sites" && as_owner env LOT_CONTROL_BENCH="$BENCH" LOT_CONTROL_SITE="$SITE" LOT_CONTROL_CHROMIUM="$CHROMIUM" \
		"$PY" -m pytest -q -p no:cacheprovider --rootdir "$APP" "$APP/lot_control/tests/browser") || failed=1
fi

echo "== install, migrate and uninstall on $SITE"
(cd "$BENCH/sites" && as_owner env LOT_CONTROL_BENCH="$BENCH" LOT_CONTROL_SITE="$SITE" \
	"$PY" -m pytest -q -p no:cacheprovider --rootdir "$APP" "$APP/lot_control/tests/lifecycle") || failed=1

exit $failed
