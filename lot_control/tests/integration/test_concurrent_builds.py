"""Four production stations submit their Manufacture entries at the same moment, each building from
its own lots of the same components into the same finished goods warehouse. In plain ERPNext a
good part of them fail with a deadlock (they lock the gaps of the ledger where their entries go,
then wait for each other to insert there); with the app, each submit takes its lots and Bins first,
in one order (lot_control.submit_locks), so they queue and all four go through.

The documents are prepared and committed first, then submitted from four real database connections
behind one barrier; this test therefore leaves its (uniquely named) records behind."""

import os
import threading
from collections import defaultdict

import frappe

from lot_control.stock_queries import get_lot_on_hand
from lot_control.tests.integration.conftest import BENCH, SITE
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_item,
	make_purchase_receipt,
	make_user,
	make_warehouse,
	receipt_line,
)

STATIONS = 4
ROUNDS = 3
COMPONENTS = 4


def draft_build(world, lots_by_item: dict, finished_item: str, finished_goods: str, user: str) -> str:
	frappe.set_user(user)
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Manufacture",
			"purpose": "Manufacture",
			"company": world.company.name,
			"items": [
				*(
					{"item_code": item, "qty": 2, "s_warehouse": world.warehouse, "batch_no": lot, "use_serial_batch_fields": 1}
					for item, lot in lots_by_item.items()
				),
				{"item_code": finished_item, "qty": 1, "t_warehouse": finished_goods, "is_finished_item": 1},
			],
		}
	)
	entry.insert()
	frappe.set_user("Administrator")
	return entry.name


def submit_in_own_connection(user, entry_name, start, outcomes):
	frappe.init(site=SITE, sites_path=os.path.join(BENCH, "sites"))
	frappe.connect()
	frappe.flags.in_test = True
	frappe.set_user(user)
	try:
		entry = frappe.get_doc("Stock Entry", entry_name)
		start.wait(timeout=60)
		entry.submit()
		frappe.db.commit()
		outcomes[entry_name] = "submitted"
	except Exception as refusal:
		frappe.db.rollback()
		outcomes[entry_name] = refusal
	finally:
		frappe.destroy()


def test_four_builds_submitted_at_once_on_different_lots_all_go_through():
	world = lot_fixture_world()
	finished_goods = make_warehouse(world.company)
	components = [make_item() for _component in range(COMPONENTS)]
	finished_item = make_item()
	builder = make_user("Stock User", "Manufacturing User")
	frappe.db.commit()

	for _round in range(ROUNDS):
		receipt = make_purchase_receipt(
			world.company,
			world.supplier,
			[receipt_line(item, 2, 3, world.warehouse) for item in components for _station in range(STATIONS)],
		)
		lots = defaultdict(list)
		for row in receipt.items:
			lots[row.item_code].append(row.batch_no)
		drafts = [
			draft_build(world, {item: lots[item][station] for item in components}, finished_item, finished_goods, builder)
			for station in range(STATIONS)
		]
		frappe.db.commit()

		start = threading.Barrier(STATIONS)
		outcomes = {}
		threads = [threading.Thread(target=submit_in_own_connection, args=(builder, name, start, outcomes)) for name in drafts]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(timeout=300)

		assert outcomes == {name: "submitted" for name in drafts}, outcomes
		frappe.db.rollback()
		assert all(get_lot_on_hand(lot) == 0 for item_lots in lots.values() for lot in item_lots)
		produced = frappe.get_all(
			"Lot Consumption", filters={"stock_entry": ("in", drafts), "is_cancelled": 0}, fields=["stock_entry", "produced_lot"]
		)
		assert {row.stock_entry for row in produced} == set(drafts)
		assert len({row.produced_lot for row in produced}) == STATIONS
