"""The genealogy walks (lot_control.genealogy.lots_inside / lots_made_from, one recursive query
each) checked against a plain breadth-first walk in Python, on random genealogies: splits, builds
several levels deep, builds of serialized units and units built into units, paths that part and
meet again, cancelled builds (and their amended repeat), consumption waiting for its build.

The genealogies are written straight into Lot Consumption, the records the walks read, so a
thousand of them take minutes; the tests beside this file also build genealogies through real
documents. Each genealogy is rolled back once checked.

On demand (prints its seed and the first counterexample, if any):
    bash scripts/trace_check.sh [count] [seed]
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass

import frappe
from frappe.utils import flt, nowdate

from lot_control.genealogy import MAX_DEPTH, lots_inside, lots_made_from

EDGE_FIELDS = (
	"name",
	"kind",
	"consumed_lot",
	"consumed_unit",
	"consumed_item",
	"consumed_node",
	"qty",
	"produced_lot",
	"produced_unit",
	"produced_item",
	"produced_node",
	"voucher_type",
	"voucher_no",
	"produced_by",
	"is_cancelled",
	"closes_loop",
	"posting_date",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"docstatus",
)


@dataclass(frozen=True)
class Node:
	name: str
	lot: str | None  # the lot a unit carries, or the lot itself
	unit: str | None = None


@dataclass(frozen=True)
class Edge:
	consumed: Node
	produced: Node | None  # None: consumed before its build produced anything
	qty: float
	kind: str
	voucher: str
	cancelled: bool = False


def random_genealogy(rng: random.Random, prefix: str) -> list[Edge]:
	"""A random history of one shop: received lots, split, built level by level into lots and
	serialized units, some builds cancelled (and some of those amended), some paths meeting again."""
	counter = iter(range(10**6))

	def new_lot():
		name = f"{prefix}-L{next(counter):03d}"
		return Node(name, name)

	def new_unit(carrying_lot: bool):
		number = next(counter)
		return Node(
			f"{prefix}-U{number:03d}",
			f"{prefix}-UL{number:03d}" if carrying_lot else None,
			f"{prefix}-U{number:03d}",
		)

	edges: list[Edge] = []
	voucher_numbers = iter(range(10**6))
	levels: list[list[Node]] = [[new_lot() for _ in range(rng.randint(2, 6))]]
	for _level in range(rng.randint(2, min(7, MAX_DEPTH - 1))):
		made: list[Node] = []
		available = [node for level in levels for node in level]
		for _build in range(rng.randint(1, 5)):
			voucher = f"{prefix}-V{next(voucher_numbers):03d}"
			roll = rng.random()
			if roll < 0.25:
				# A split: part of one lot into a child lot.
				parent = rng.choice([node for node in available if not node.unit] or available)
				child = new_lot()
				edges.append(Edge(parent, child, round(rng.uniform(0.1, 5), 3), "Split", voucher))
				made.append(child)
				continue
			# Recent nodes are likelier inputs, so builds go deep; older ones make paths meet again.
			inputs = rng.sample(available, k=min(len(available), rng.randint(1, 4)))
			if roll < 0.5:
				outputs = [new_unit(carrying_lot=rng.random() < 0.5) for _ in range(rng.randint(1, 3))]
			else:
				outputs = [new_lot()]
			cancelled = rng.random() < 0.12
			for output in outputs:
				for node in inputs:
					edges.append(
						Edge(node, output, round(rng.uniform(0.01, 9), 3), "Build", voucher, cancelled)
					)
			if cancelled and rng.random() < 0.5:
				# Amended: the same outputs made again, maybe from other inputs.
				again = f"{prefix}-V{next(voucher_numbers):03d}"
				for output in outputs:
					for node in rng.sample(available, k=min(len(available), rng.randint(1, 3))):
						edges.append(Edge(node, output, round(rng.uniform(0.01, 9), 3), "Build", again))
			elif cancelled:
				continue
			made.extend(outputs)
			if rng.random() < 0.08:
				# Material consumed before its build: waits without a produced lot.
				edges.append(
					Edge(rng.choice(available), None, 1.0, "Build", f"{prefix}-P{next(voucher_numbers):03d}")
				)
		if made:
			levels.append(made)
	return edges


def insert_edges(edges: list[Edge], prefix: str):
	"""Straight into the table (the walks' input): no document per edge, so thousands are quick."""
	now = frappe.utils.now()
	user = frappe.session.user
	rows = []
	for index, edge in enumerate(edges):
		produced = edge.produced
		rows.append(
			(
				f"{prefix}-E{index:04d}",
				edge.kind,
				edge.consumed.lot,
				edge.consumed.unit,
				"BF-ITEM",
				edge.consumed.name,
				edge.qty,
				produced.lot if produced else None,
				produced.unit if produced else None,
				"BF-ITEM" if produced else None,
				produced.name if produced else None,
				"Stock Entry",
				edge.voucher,
				edge.voucher if produced else None,
				int(edge.cancelled),
				0,
				nowdate(),
				now,
				now,
				user,
				user,
				0,
			)
		)
	frappe.db.bulk_insert("Lot Consumption", EDGE_FIELDS, rows)


def brute_force(edges: list[Edge], seeds: list[str], forward: bool):
	"""Breadth-first over live edges in plain Python: node -> min depth, and node -> {the node it
	was reached from: total qty over every live edge between them}."""
	out = defaultdict(list)
	for edge in edges:
		if edge.cancelled or edge.produced is None:
			continue
		if forward:
			out[edge.consumed.name].append((edge.produced.name, edge.qty))
		else:
			out[edge.produced.name].append((edge.consumed.name, edge.qty))
	depth: dict[str, int] = {}
	via = defaultdict(lambda: defaultdict(float))
	frontier, level, expanded = list(dict.fromkeys(seeds)), 0, set()
	while frontier:
		level += 1
		next_frontier = []
		for node in frontier:
			if node in expanded:
				continue
			expanded.add(node)
			for neighbour, qty in out[node]:
				via[neighbour][node] += qty
				if neighbour not in depth:
					depth[neighbour] = level
					next_frontier.append(neighbour)
		frontier = next_frontier
	return depth, via


def rounded(mapping):
	return {node: {other: round(qty, 6) for other, qty in by.items()} for node, by in mapping.items()}


def compare(edges: list[Edge], seeds: list[str], forward: bool) -> str | None:
	"""None when the recursive walk and the brute force agree; else what differs."""
	depth, via = brute_force(edges, seeds, forward)
	rows = lots_made_from(seeds) if forward else lots_inside(seeds)
	walked_depth: dict[str, int] = {}
	walked = defaultdict(lambda: defaultdict(float))
	for row in rows:
		walked_depth[row.lot] = min(walked_depth.get(row.lot, 10**6), row.depth)
		walked[row.lot][row.from_lot if forward else row.parent_lot] += flt(row.qty)
	if walked_depth != depth:
		missing = sorted(set(depth) - set(walked_depth))
		extra = sorted(set(walked_depth) - set(depth))
		wrong = sorted(node for node in set(depth) & set(walked_depth) if depth[node] != walked_depth[node])
		return f"depths differ: missing {missing}, extra {extra}, wrong depth {wrong}"
	if rounded(walked) != rounded(via):
		differing = sorted(
			node for node in set(via) | set(walked) if rounded(via).get(node) != rounded(walked).get(node)
		)
		return f"quantities differ at {differing[:5]}: walked {[dict(walked[n]) for n in differing[:2]]}, expected {[dict(via[n]) for n in differing[:2]]}"
	nodes = {edge.consumed.name: edge.consumed for edge in edges} | {
		edge.produced.name: edge.produced for edge in edges if edge.produced
	}
	for row in rows:
		node = nodes[row.lot]
		if (row.unit or None, row.batch or None) != (node.unit, node.lot):
			return f"node {row.lot} answered as unit {row.unit} / lot {row.batch}, is unit {node.unit} / lot {node.lot}"
	return None


def check_genealogy(rng: random.Random, prefix: str, starts: int = 6) -> tuple[int, dict | None]:
	"""Write one random genealogy, compare both walks from several starts (one node, or several
	at once), and roll it back. Returns (comparisons made, the counterexample or None)."""
	edges = random_genealogy(rng, prefix)
	insert_edges(edges, prefix)
	try:
		names = sorted(
			{edge.consumed.name for edge in edges} | {edge.produced.name for edge in edges if edge.produced}
		)
		comparisons = 0
		for _start in range(starts):
			seeds = rng.sample(names, k=1 if rng.random() < 0.8 else min(len(names), 3))
			for forward in (True, False):
				comparisons += 1
				difference = compare(edges, seeds, forward)
				if difference:
					return comparisons, {
						"seeds": seeds,
						"direction": "forward" if forward else "backward",
						"difference": difference,
						"edges": [
							(
								e.consumed.name,
								e.produced.name if e.produced else None,
								e.qty,
								e.kind,
								e.voucher,
								e.cancelled,
							)
							for e in edges
						],
					}
		return comparisons, None
	finally:
		frappe.db.rollback()


def run(count: int = 1000, seed: int | None = None, quiet: bool = False) -> dict:
	"""Check `count` random genealogies from `seed` (a new one if not given), print the seed and
	the first counterexample. `bench --site S execute lot_control.tests.integration.genealogy_check.run
	--kwargs "{'count': 1000, 'seed': 7}"` or scripts/trace_check.sh."""
	count, seed = int(count), int(seed) if seed not in (None, "") else random.SystemRandom().randrange(10**9)
	print(f"trace check: {count} random genealogies, seed {seed}")
	rng = random.Random(seed)
	started = time.monotonic()
	comparisons = 0
	for index in range(count):
		made, counterexample = check_genealogy(rng, f"GC{seed % 10**6}-{index:05d}")
		comparisons += made
		if counterexample:
			print(f"COUNTEREXAMPLE in genealogy {index} (seed {seed}):")
			print(frappe.as_json(counterexample))
			return {
				"seed": seed,
				"genealogies": index + 1,
				"comparisons": comparisons,
				"counterexample": counterexample,
			}
		if not quiet and (index + 1) % 100 == 0:
			print(f"  {index + 1} genealogies, {comparisons} comparisons, {time.monotonic() - started:.0f}s")
	print(
		f"trace check passed: {count} genealogies, {comparisons} comparisons, seed {seed}, {time.monotonic() - started:.0f}s"
	)
	return {"seed": seed, "genealogies": count, "comparisons": comparisons, "counterexample": None}
