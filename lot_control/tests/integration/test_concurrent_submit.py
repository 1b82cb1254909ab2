"""Two storekeepers submit at the same moment for the last units of one lot: only one may take them.

The documents are prepared and committed first, then submitted from two real database
connections at once; this test therefore leaves its (uniquely named) records behind."""

import os
import threading

import frappe

from lot_control.exceptions import LotShortageError
from lot_control.stock_queries import get_lot_on_hand
from lot_control.tests.integration.conftest import BENCH, SITE
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_item,
	make_purchase_receipt,
	receipt_line,
)


def draft_issue(world, item, lot, qty):
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Issue",
			"purpose": "Material Issue",
			"company": world.company.name,
			"items": [
				{"item_code": item, "qty": qty, "s_warehouse": world.warehouse, "batch_no": lot, "use_serial_batch_fields": 1}
			],
		}
	)
	entry.insert()
	return entry.name


def submit_in_own_connection(entry_name, start, outcomes, doctype="Stock Entry"):
	frappe.init(site=SITE, sites_path=os.path.join(BENCH, "sites"))
	frappe.connect()
	frappe.flags.in_test = True
	frappe.set_user("Administrator")
	try:
		entry = frappe.get_doc(doctype, entry_name)
		start.wait(timeout=30)
		entry.submit()
		frappe.db.commit()
		outcomes[entry_name] = "submitted"
	except Exception as refusal:
		frappe.db.rollback()
		outcomes[entry_name] = refusal
	finally:
		frappe.destroy()


def test_two_submits_for_the_last_units_of_a_lot_cannot_both_succeed():
	world = lot_fixture_world()
	item = make_item()
	receipt = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 5, 1, world.warehouse)])
	lot = receipt.items[0].batch_no
	first, second = draft_issue(world, item, lot, 4), draft_issue(world, item, lot, 4)
	frappe.db.commit()

	start = threading.Barrier(2)
	outcomes = {}
	threads = [threading.Thread(target=submit_in_own_connection, args=(name, start, outcomes)) for name in (first, second)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout=120)

	results = sorted(outcomes.values(), key=lambda outcome: outcome != "submitted")
	assert results[0] == "submitted"
	assert isinstance(results[1], LotShortageError), results[1]
	assert lot in str(results[1]) and item in str(results[1])
	frappe.db.rollback()
	assert get_lot_on_hand(lot) == 1
	assert sorted(frappe.db.get_value("Stock Entry", name, "docstatus") for name in (first, second)) == [0, 1]


def register_in_own_connection(work_order, start, outcomes, key):
	from lot_control.units import register_units

	frappe.init(site=SITE, sites_path=os.path.join(BENCH, "sites"))
	frappe.connect()
	frappe.flags.in_test = True
	frappe.set_user("Administrator")
	try:
		start.wait(timeout=30)
		outcomes[key] = register_units(work_order)
		frappe.db.commit()
	except Exception as refusal:
		frappe.db.rollback()
		outcomes[key] = refusal
	finally:
		frappe.destroy()


def test_two_people_registering_the_units_of_one_work_order_at_once_register_them_once():
	from lot_control.tests.integration.factories import make_work_order

	world = lot_fixture_world()
	device = make_item(lot_controlled=False, has_serial_no=1)
	work_order = make_work_order(world.company, device, {make_item(): 1}, 3, world.warehouse, skip_transfer=1)
	frappe.db.commit()

	start = threading.Barrier(2)
	outcomes = {}
	threads = [
		threading.Thread(target=register_in_own_connection, args=(work_order.name, start, outcomes, key)) for key in ("a", "b")
	]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout=120)

	registered = [outcome for outcome in outcomes.values() if isinstance(outcome, list)]
	refused = [outcome for outcome in outcomes.values() if not isinstance(outcome, list)]
	assert len(registered) == 1 and len(registered[0]) == 3, outcomes
	assert len(refused) == 1 and "already registered" in str(refused[0])
	frappe.db.rollback()
	assert frappe.db.count("Serialized Unit", {"work_order": work_order.name}) == 3


def test_two_capitalizations_of_the_last_units_of_a_lot_cannot_both_succeed(shop):
	"""Consuming a lot into a fixed asset is a use like a build's: the second of two at once is
	refused naming the lot and what is left (ERPNext alone refuses it later, as negative batch
	stock), before anything is posted."""
	from lot_control.tests.integration.test_every_stock_path import capitalize, receive

	rig_part, part = make_item(), make_item()
	rig_lot = receive(shop, rig_part)
	lot = receive(shop, part, qty=5)
	first = capitalize(shop, part, lot, qty=4, submit=False).name
	second = capitalize(shop, part, lot, qty=4, submit=False).name
	frappe.db.commit()

	start = threading.Barrier(2)
	outcomes = {}
	threads = [
		threading.Thread(target=submit_in_own_connection, args=(name, start, outcomes, "Asset Capitalization"))
		for name in (first, second)
	]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout=120)

	results = sorted(outcomes.values(), key=lambda outcome: outcome != "submitted")
	assert results[0] == "submitted", outcomes
	assert isinstance(results[1], LotShortageError), results[1]
	assert lot in str(results[1]) and part in str(results[1])
	frappe.db.rollback()
	assert get_lot_on_hand(lot) == 1
	assert rig_lot
