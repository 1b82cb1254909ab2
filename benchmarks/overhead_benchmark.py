"""What lot_control costs at submit: the same documents submitted on two sites of one bench, one with
the app and one without, alternately, in one run.

Per pair and site: a Purchase Receipt of N batch lines (new lots), a Material Transfer for
Manufacture of a Work Order (N lot lines, named), its Manufacture (N lot components, a produced lot),
and a Delivery Note of N lines naming no lot (the app picks them on its site, ERPNext's own batch
picking on the other). Only the submit (and its commit) is timed, each in a fresh request state.
Prints the median of each document on each site, the ratio app / plain of the medians and the
median of the pairs' ratios.

	python overhead_benchmark.py [--bench B] [--app-site S] [--plain-site S] [--pairs 5] [--lines 10]
	                             [--warmup 1] [--profile-dir D]

Run from scripts/benchmark.sh overhead. One worker process per site (frappe holds one site per
process), driven in turn by this parent over a pipe; both use the bench's Python. The parent itself
needs no frappe. Master data: benchmarks/bench_data.py (named BENCH-OVH, made once, never deleted).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

STEPS = (
	("purchase_receipt", "Purchase Receipt"),
	("transfer", "Material Transfer for Manufacture"),
	("manufacture", "Manufacture"),
	("delivery", "Delivery Note"),
)
WIP_QTY = 2  # what each Work Order builds: 2 of each component
DELIVERED_QTY = 3  # of each component, per Delivery Note


# Worker: one site, one process ---------------------------------------------------------------


class SiteWorker:
	"""Prepares each document (untimed) and times its submit, keeping the chain of one pair:
	the receipt's lots go to the transfer, the transferred lots to the Manufacture."""

	def __init__(self, site: str, sites_path: str, expect_app: bool, profile_dir: str | None):
		import bench_data

		self.data = bench_data
		self.site, self.sites_path, self.expect_app = site, sites_path, expect_app
		self.profile_dir = profile_dir
		bench_data.connect(site, sites_path)
		bench_data.check_site(site, expect_app)
		self.world = None
		self.lots = {}
		self.work_order = None

	def setup(self, lines: int) -> dict:
		self.world = self.data.ensure_master_data(lines)
		return {"components": len(self.world.components)}

	def step(self, step: str, pair: int) -> dict:
		"""Other sessions share the site: a deadlock or lock timeout with them, while preparing or
		while submitting, makes this step try again (the draft, once committed, is kept), at most
		three times."""
		import frappe

		draft = None
		for attempt in range(3):
			try:
				if draft is None:
					self.data.reconnect(self.site, self.sites_path)
					self.data.check_site(self.site, self.expect_app)
					draft = self.prepare(step)
					frappe.db.commit()
				seconds, queries, app_queries = self.timed_submit(*draft, f"{step}-{pair}")
				break
			except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
				frappe.db.rollback()
				if attempt == 2:
					raise
				print(f"{self.site}: {step} {pair} met a lock of another session; again", file=sys.stderr)
				time.sleep(1)
		if step == "purchase_receipt":
			self.lots = dict(self.data.lots_of_voucher(*draft))
		return {"seconds": seconds, "queries": queries, "app_queries": app_queries, "name": draft[1]}

	def prepare(self, step: str) -> tuple[str, str]:
		"""The draft to submit, untimed: (doctype, name)."""
		data, world = self.data, self.world
		if step == "purchase_receipt":
			return "Purchase Receipt", data.draft_purchase_receipt(world)
		if step == "transfer":
			self.work_order = data.draft_work_order(world, WIP_QTY)
			return "Stock Entry", data.draft_work_order_entry(
				self.work_order, "Material Transfer for Manufacture", WIP_QTY, self.lots
			)
		if step == "manufacture":
			return "Stock Entry", data.draft_work_order_entry(
				self.work_order, "Manufacture", WIP_QTY, self.lots
			)
		if step == "delivery":
			return "Delivery Note", data.draft_delivery_note(world, DELIVERED_QTY)
		raise ValueError(step)

	def timed_submit(self, doctype: str, name: str, label: str) -> tuple[float, int, int]:
		"""Submit and commit, from a fresh request state, as a desk user's submit would be."""
		import frappe

		self.data.reconnect(self.site, self.sites_path)
		doc = frappe.get_doc(doctype, name)
		queries = count_queries()
		profiler = None
		if self.profile_dir:
			import cProfile

			profiler = cProfile.Profile()
			profiler.enable()
		start = time.perf_counter()
		try:
			doc.submit()
			frappe.db.commit()
		except Exception:
			frappe.db.rollback()
			raise
		seconds = time.perf_counter() - start
		if profiler:
			profiler.disable()
			profiler.dump_stats(os.path.join(self.profile_dir, f"{self.site}-{label}.prof"))
		return seconds, queries[0], queries[1]


def serve(args):
	"""Answer the parent's requests, one JSON line each way; everything else printed goes to stderr."""
	protocol = os.fdopen(os.dup(1), "w", buffering=1)
	os.dup2(2, 1)
	sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
	try:
		worker = SiteWorker(args.site, args.sites_path, args.expect_app == "yes", args.profile_dir)
		protocol.write(json.dumps({"ok": True}) + "\n")
	except Exception as error:
		protocol.write(json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"}) + "\n")
		return
	for line in sys.stdin:
		request = json.loads(line)
		try:
			if request["cmd"] == "setup":
				answer = worker.setup(request["lines"])
			elif request["cmd"] == "step":
				answer = worker.step(request["step"], request["pair"])
			else:
				break
			protocol.write(json.dumps({"ok": True, **answer}) + "\n")
		except Exception as error:
			import traceback

			traceback.print_exc()
			protocol.write(json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"}) + "\n")


def count_queries() -> list[int]:
	"""Count the SQL statements of this connection from now on (a cheap wrapper, alike on both sites):
	[all, those run from the app's own code]. A statement is the app's when a frame of its stack is
	in the lot_control package; on the plain site there is none."""
	import frappe

	import lot_control

	package = os.path.dirname(lot_control.__file__)
	app_sources = tuple({package + os.sep, os.path.realpath(package) + os.sep})
	counter = [0, 0]
	run_sql = frappe.db.sql

	def counted_sql(*args, **kwargs):
		counter[0] += 1
		frame = sys._getframe(1)
		while frame is not None:
			if frame.f_code.co_filename.startswith(app_sources):
				counter[1] += 1
				break
			frame = frame.f_back
		return run_sql(*args, **kwargs)

	frappe.db.sql = counted_sql
	return counter


# Parent: two workers, in turn ----------------------------------------------------------------


class WorkerProcess:
	def __init__(self, site: str, bench: str, expect_app: bool, log, profile_dir: str | None):
		self.site = site
		command = [
			sys.executable,
			os.path.abspath(__file__),
			"worker",
			"--site",
			site,
			"--sites-path",
			os.path.join(bench, "sites"),
			"--expect-app",
			"yes" if expect_app else "no",
		]
		if profile_dir:
			command += ["--profile-dir", profile_dir]
		self.process = subprocess.Popen(
			command,
			cwd=os.path.join(bench, "sites"),
			stdin=subprocess.PIPE,
			stdout=subprocess.PIPE,
			stderr=log,
			text=True,
			bufsize=1,
		)
		self.answer()

	def answer(self) -> dict:
		line = self.process.stdout.readline()
		if not line:
			raise SystemExit(f"the worker for {self.site} stopped")
		reply = json.loads(line)
		if not reply.get("ok"):
			raise SystemExit(f"{self.site}: {reply.get('error')}")
		return reply

	def ask(self, **request) -> dict:
		self.process.stdin.write(json.dumps(request) + "\n")
		return self.answer()

	def close(self):
		if self.process.poll() is None:
			self.process.stdin.write(json.dumps({"cmd": "stop"}) + "\n")
			self.process.stdin.close()
			self.process.wait(timeout=60)


def missing_sites(bench: str, sites: list[str]) -> list[str]:
	return [
		site for site in sites if not os.path.isfile(os.path.join(bench, "sites", site, "site_config.json"))
	]


def run(args) -> int:
	missing = missing_sites(args.bench, [args.app_site, args.plain_site])
	if missing:
		print(f"No site {', '.join(missing)} in {args.bench}. Create them (from {args.bench}):")
		print(f"  bench new-site {args.app_site} && bench --site {args.app_site} install-app erpnext")
		print(f"  bench --site {args.app_site} install-app lot_control")
		print(f"  bench new-site {args.plain_site} && bench --site {args.plain_site} install-app erpnext")
		return 1
	log = tempfile.NamedTemporaryFile("w", prefix="overhead-benchmark-", suffix=".log", delete=False)
	print(
		f"== submit overhead: {args.app_site} (with lot_control) vs {args.plain_site} (without), "
		f"{args.pairs} pairs + {args.warmup} warm-up, {args.lines} lines, {os.cpu_count()} cores; worker log {log.name}"
	)
	workers = {}
	try:
		workers["app"] = WorkerProcess(args.app_site, args.bench, True, log, args.profile_dir)
		workers["plain"] = WorkerProcess(args.plain_site, args.bench, False, log, args.profile_dir)
		for worker in workers.values():
			worker.ask(cmd="setup", lines=args.lines)
		times = {step: {"app": [], "plain": []} for step, _label in STEPS}
		queries = {step: {"app": [], "plain": []} for step, _label in STEPS}
		by_app = {step: [] for step, _label in STEPS}
		for pair in range(-args.warmup, args.pairs):
			order = ("app", "plain") if pair % 2 == 0 else ("plain", "app")
			for step, _label in STEPS:
				for role in order:
					reply = workers[role].ask(cmd="step", step=step, pair=pair)
					if pair >= 0:
						times[step][role].append(reply["seconds"])
						queries[step][role].append(reply["queries"])
						if role == "app":
							by_app[step].append(reply["app_queries"])
			if pair >= 0:
				print(
					f"   pair {pair + 1}: "
					+ ", ".join(
						f"{step} {times[step]['app'][-1] * 1000:.0f}/{times[step]['plain'][-1] * 1000:.0f} ms"
						for step, _label in STEPS
					),
					flush=True,
				)
	finally:
		for worker in workers.values():
			worker.close()
	# The ratio of the medians, and the median of each pair's ratio (the two submits of a pair run
	# next to each other, so a pair is timed on a machine as busy for both).
	print(
		f"{'document':<36}{'app ms':>9}{'plain ms':>10}{'ratio':>8}{'pair ratios':>13}"
		f"{'queries app/plain':>20}{'by the app':>12}"
	)
	for step, label in STEPS:
		app, plain = statistics.median(times[step]["app"]), statistics.median(times[step]["plain"])
		pair_ratio = statistics.median(
			mine / theirs for mine, theirs in zip(times[step]["app"], times[step]["plain"], strict=True)
		)
		app_queries, plain_queries = (statistics.median(queries[step][role]) for role in ("app", "plain"))
		print(
			f"{label:<36}{app * 1000:>9.0f}{plain * 1000:>10.0f}{app / plain:>7.2f}x{pair_ratio:>12.2f}x"
			f"{app_queries:>11.0f} / {plain_queries:<6.0f}{statistics.median(by_app[step]):>11.0f}"
		)
	return 0


def parse_args(argv):
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	sub = parser.add_subparsers(dest="mode")
	worker = sub.add_parser("worker")
	worker.add_argument("--site", required=True)
	worker.add_argument("--sites-path", required=True)
	worker.add_argument("--expect-app", choices=("yes", "no"), required=True)
	worker.add_argument("--profile-dir")
	for target in (parser,):
		target.add_argument(
			"--bench", default=os.environ.get("LOT_CONTROL_BENCH", "/home/frappe/frappe-bench")
		)
		target.add_argument(
			"--app-site", default=os.environ.get("LOT_CONTROL_APP_SITE", "lot-control.localhost")
		)
		target.add_argument(
			"--plain-site", default=os.environ.get("LOT_CONTROL_PLAIN_SITE", "plain.localhost")
		)
		target.add_argument("--pairs", type=int, default=int(os.environ.get("LOT_CONTROL_OVERHEAD_PAIRS", 5)))
		target.add_argument("--warmup", type=int, default=1)
		target.add_argument("--lines", type=int, default=10)
		target.add_argument("--profile-dir", dest="profile_dir_parent")
	return parser.parse_args(argv)


def main(argv=None) -> int:
	args = parse_args(sys.argv[1:] if argv is None else argv)
	if args.mode == "worker":
		serve(args)
		return 0
	args.profile_dir = args.profile_dir_parent
	if args.profile_dir:
		os.makedirs(args.profile_dir, exist_ok=True)
	return run(args)


if __name__ == "__main__":
	sys.exit(main())
