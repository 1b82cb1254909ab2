"""How many of N Manufacture entries, submitted four at a time at the same moment on different lots
of the same components, fail with a deadlock.

Each round receives one lot per entry of every component (one Purchase Receipt), drafts the entries
(each drawing its own lots, each producing a lot of the same finished item into the same
warehouse) and commits them; then four connections submit them behind one barrier. Counts the
outcomes: submitted, deadlock (MariaDB 1213), lock wait timeout (1205), anything else.

	cd <bench>/sites && ../env/bin/python <app>/benchmarks/deadlock_count.py --site S [--rounds 25]
	    [--entries 4] [--lines 10] [--expect-app yes|no]

Writes BENCH-OVH master data and documents on the site (benchmarks/bench_data.py); deletes nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_data
import frappe


def prepare_round(world, entries: int) -> list[str]:
	receipt_name = bench_data.draft_purchase_receipt(world, lines_per_item=entries, qty=5)
	receipt = frappe.get_doc("Purchase Receipt", receipt_name)
	receipt.submit()
	lots_by_item = defaultdict(list)
	for item, lot in bench_data.lots_of_voucher("Purchase Receipt", receipt_name):
		lots_by_item[item].append(lot)
	drafts = [
		bench_data.draft_manufacture(world, {item: lots[index] for item, lots in lots_by_item.items()})
		for index in range(entries)
	]
	frappe.db.commit()
	return drafts


WHERE = Counter()
OTHER_ERRORS = Counter()


def where_raised(error: Exception) -> str:
	"""The innermost frames of the app or ERPNext the error came through (what took the lock)."""
	import traceback

	frames = [
		f"{os.path.basename(frame.filename)}:{frame.name}"
		for frame in traceback.extract_tb(error.__traceback__)
		if "/lot_control/" in frame.filename or "/erpnext/" in frame.filename
	]
	return " < ".join(reversed(frames[-3:]))


def outcome_of(error: Exception) -> str:
	if isinstance(error, frappe.QueryDeadlockError) or "1213" in str(error):
		WHERE[where_raised(error)] += 1
		return "deadlock"
	if isinstance(error, frappe.QueryTimeoutError) or "1205" in str(error):
		return "lock wait timeout"
	OTHER_ERRORS[f"{type(error).__name__} in {where_raised(error)}"] += 1
	return f"{type(error).__name__}: {str(error)[:120]}"


def submit_in_own_connection(site, sites_path, name, barrier, outcomes):
	bench_data.connect(site, sites_path)
	try:
		entry = frappe.get_doc("Stock Entry", name)
		barrier.wait(timeout=60)
		entry.submit()
		frappe.db.commit()
		outcomes[name] = "submitted"
	except Exception as error:
		frappe.db.rollback()
		outcomes[name] = outcome_of(error)
	finally:
		frappe.destroy()


def submit_at_once(site, sites_path, drafts) -> dict:
	barrier = threading.Barrier(len(drafts))
	outcomes = {}
	threads = [
		threading.Thread(target=submit_in_own_connection, args=(site, sites_path, name, barrier, outcomes))
		for name in drafts
	]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout=300)
	return outcomes


def main(argv=None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--sites-path", default=os.getcwd())
	parser.add_argument("--rounds", type=int, default=25)
	parser.add_argument("--entries", type=int, default=4)
	parser.add_argument("--lines", type=int, default=10)
	parser.add_argument("--expect-app", choices=("yes", "no"))
	args = parser.parse_args(argv)

	bench_data.connect(args.site, args.sites_path)
	has_app = "lot_control" in frappe.get_installed_apps()
	bench_data.check_site(args.site, has_app if args.expect_app is None else args.expect_app == "yes")
	world = bench_data.ensure_master_data(args.lines)
	counts = Counter()
	for round_no in range(args.rounds):
		drafts = prepare_round(world, args.entries)
		outcomes = submit_at_once(args.site, args.sites_path, drafts)
		bench_data.reconnect(args.site, args.sites_path)
		round_counts = Counter(outcomes.get(name, "no answer") for name in drafts)
		counts.update(round_counts)
		print(f"round {round_no + 1}: {dict(round_counts)}", flush=True)
	total = args.rounds * args.entries
	print(
		f"== {args.site} ({'with' if has_app else 'without'} lot_control): {counts['deadlock']} of {total} "
		f"submissions deadlocked; {dict(counts)}"
	)
	for place, count in WHERE.most_common():
		print(f"   {count:3d} deadlocked in {place}")
	for place, count in OTHER_ERRORS.most_common():
		print(f"   {count:3d} failed: {place}")
	return 0


if __name__ == "__main__":
	sys.exit(main())
