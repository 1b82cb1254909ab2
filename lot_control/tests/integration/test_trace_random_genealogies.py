"""The recursive genealogy walks agree with a plain breadth-first walk: on a sample of random
genealogies every run (the thousand-genealogy check is `bash scripts/trace_check.sh`), and on a
genealogy made through real documents (a reel received, cut, built into module units, the modules
built into products, one build cancelled and made again)."""

import os
import random

import frappe
import pytest

from lot_control.tests.integration import genealogy_check
from lot_control.tests.integration.factories import make_work_order, work_order_entry
from lot_control.tests.integration.test_trace import recall_world
from lot_control.tests.integration.test_units import units_of

SAMPLE = int(os.environ.get("LOT_CONTROL_TRACE_SAMPLE", "30"))


def test_the_walks_match_a_brute_force_walk_on_a_sample_of_random_genealogies():
	seed = int(os.environ.get("LOT_CONTROL_TRACE_SEED") or random.SystemRandom().randrange(10**9))
	result = genealogy_check.run(count=SAMPLE, seed=seed, quiet=True)
	assert result["genealogies"] == SAMPLE
	assert result["counterexample"] is None, f"seed {seed}: {frappe.as_json(result['counterexample'])}"
	assert result["comparisons"] >= SAMPLE * 12


def recorded_edges(vouchers):
	"""The genealogy records of these vouchers, as the brute force reads them."""
	rows = frappe.get_all(
		"Lot Consumption",
		filters={"voucher_no": ("in", vouchers)},
		fields=[
			"consumed_node",
			"consumed_lot",
			"consumed_unit",
			"produced_node",
			"produced_lot",
			"produced_unit",
			"qty",
			"kind",
			"voucher_no",
			"is_cancelled",
		],
	)
	return [
		genealogy_check.Edge(
			genealogy_check.Node(row.consumed_node, row.consumed_lot, row.consumed_unit),
			genealogy_check.Node(row.produced_node, row.produced_lot, row.produced_unit)
			if row.produced_node
			else None,
			row.qty,
			row.kind,
			row.voucher_no,
			bool(row.is_cancelled),
		)
		for row in rows
	]


def test_the_walks_match_a_brute_force_walk_on_a_genealogy_made_through_real_documents(shop, recall_world):  # noqa: F811
	world = recall_world
	# One more module built from the reel itself, cancelled and built again: the cancelled build's
	# records stay, marked cancelled, and no walk follows them.
	spare_order = make_work_order(
		shop.company, world.module, {world.chip: 2}, 1, shop.stores, skip_transfer=1
	)
	cancelled = work_order_entry(
		spare_order, "Manufacture", 1, batch_no=world.reel, use_serial_batch_fields=1
	)
	cancelled.insert()
	cancelled.submit()
	cancelled.cancel()
	again = work_order_entry(spare_order, "Manufacture", 1, batch_no=world.reel, use_serial_batch_fields=1)
	again.insert()
	again.submit()
	orders = [world.module_order.name, world.product_order.name, spare_order.name]
	vouchers = sorted(
		set(frappe.get_all("Lot Consumption", filters={"work_order": ("in", orders)}, pluck="voucher_no"))
		| set(
			frappe.get_all(
				"Lot Consumption", filters={"consumed_lot": world.reel, "kind": "Split"}, pluck="voucher_no"
			)
		)
	)
	edges = recorded_edges(vouchers)
	assert len(edges) >= len(world.modules) + len(world.products)
	spare = units_of(spare_order)
	starts = [
		[world.reel],
		[world.cut],
		[world.modules[0]],
		[world.products[-1]],
		[world.reel, world.modules[1]],
		spare,
	]
	for seeds in starts:
		for forward in (True, False):
			assert genealogy_check.compare(edges, seeds, forward) is None, (seeds, forward)
	# Every product unit reaches the reel, through its module and the cut.
	depth, _via = genealogy_check.brute_force(edges, [world.reel], forward=True)
	assert set(units_of(world.product_order)) <= set(depth)
	assert any(edge.cancelled for edge in edges)
