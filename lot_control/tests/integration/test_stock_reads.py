"""One way to ask the ledger: a site upgraded from ERPNext v14 still has batches whose stock sits on
Stock Ledger Entries without a Serial and Batch Bundle. The Lot form, the Usable Stock report, the
daily expiry watch, the workspace figures and the Lot Inventory Value report all read "on hand"
through lot_control.stock_queries.lot_balances, so they agree on such a lot, before and after a v15
movement draws from it."""

import time

import frappe
import pytest
from frappe.utils import add_days, flt, nowdate, nowtime

from lot_control.dashboard import lots_expiring_soon, stock_value_by_status
from lot_control.lot_control.report.lot_inventory_value.lot_inventory_value import execute as inventory_value
from lot_control.lot_control.report.usable_stock.usable_stock import execute as usable_stock
from lot_control.stock_queries import lot_balances
from lot_control.tasks import lots_entering_warning_window
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_item,
	make_material_issue,
	make_user,
	unique_suffix,
)


def new_world():
	"""A company of its own. Helpers' test runs share the site, and two companies made at once can
	deadlock on the company tree; the loser's transaction is rolled back whole, so it is made again."""
	for attempt in range(5):
		try:
			return lot_fixture_world()
		except frappe.QueryDeadlockError:
			frappe.db.rollback()
			time.sleep(1 + attempt)
	return lot_fixture_world()


def post_pre_v15_stock(world, item_code, batch_no, qty, rate):
	"""A batch's stock as an upgrade from v14 leaves it: a submitted Stock Ledger Entry carrying the
	batch_no and no bundle, posted the way ERPNext's own old-batch tests post it."""
	previous = frappe.db.get_value(
		"Stock Ledger Entry",
		{"item_code": item_code, "warehouse": world.warehouse, "is_cancelled": 0},
		["qty_after_transaction", "stock_value"],
		order_by="posting_datetime desc, creation desc",
		as_dict=True,
	) or frappe._dict(qty_after_transaction=0, stock_value=0)
	frappe.flags.ignore_serial_batch_bundle_validation = True
	try:
		entry = frappe.get_doc(
			{
				"doctype": "Stock Ledger Entry",
				"company": world.company.name,
				"posting_date": nowdate(),
				"posting_time": nowtime(),
				"voucher_type": "Stock Reconciliation",
				"voucher_no": f"V14-OPENING-{unique_suffix()}",
				"item_code": item_code,
				"warehouse": world.warehouse,
				"batch_no": batch_no,
				"actual_qty": qty,
				"incoming_rate": rate,
				"valuation_rate": rate,
				"qty_after_transaction": flt(previous.qty_after_transaction) + qty,
				"stock_value_difference": qty * rate,
				"stock_value": flt(previous.stock_value) + qty * rate,
				"stock_queue": frappe.as_json([[qty, rate]]),
			}
		)
		entry.set_posting_datetime()
		entry.flags.ignore_permissions = True
		entry.flags.ignore_mandatory = True
		entry.flags.ignore_links = True
		entry.flags.ignore_validate = True
		entry.submit()
	finally:
		frappe.flags.ignore_serial_batch_bundle_validation = False
	from erpnext.stock.utils import get_or_make_bin

	bin_name = get_or_make_bin(item_code, world.warehouse)
	frappe.db.set_value("Bin", bin_name, "actual_qty", flt(previous.qty_after_transaction) + qty)
	frappe.get_doc("Batch", batch_no).recalculate_batch_qty()  # the Batch form's Recalculate Batch Qty
	return entry


@pytest.fixture
def upgraded_site():
	"""Batch OLD of an item, 10 on hand at 4.00 from before v15, expiring in 10 days, with its Lot
	imported afterwards (as the README's Data Import section describes)."""
	world = new_world()
	world.item = make_item()
	world.batch = (
		frappe.get_doc(
			{
				"doctype": "Batch",
				"batch_id": f"OLD-{unique_suffix()}",
				"item": world.item,
				"expiry_date": add_days(nowdate(), 10),
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
	post_pre_v15_stock(world, world.item, world.batch, 10, 4)
	lot = frappe.get_doc(
		{
			"doctype": "Lot",
			"batch": world.batch,
			"item": world.item,
			"company": world.company.name,
			"status": "Released",
			"unit_cost": 4,
		}
	)
	lot.insert(ignore_permissions=True)
	world.lot = lot.name
	world.stock_user = make_user("Stock User")
	return world


def what_each_screen_says(world) -> dict:
	"""On hand of the lot as the Lot form, the Usable Stock report, the expiry watch, the workspace
	and the Lot Inventory Value report each show it, read as a Stock User where a user reads it."""
	frappe.set_user(world.stock_user)
	lot = frappe.get_doc("Lot", world.lot)
	lot.run_method("onload")
	form = sum(flt(row.qty) for row in lot.get_onload()["locations"])
	_columns, rows = usable_stock({"company": world.company.name, "item_code": world.item})
	report = next(row for row in rows if row.get("lot") == world.lot)
	frappe.set_user("Administrator")
	watch = next((row for row in lots_entering_warning_window() if row.name == world.lot), None)
	_columns, valued, *_ = inventory_value(frappe._dict(company=world.company.name, item_code=world.item))
	valued = [row for row in valued if not row.get("is_total_row")]
	return {
		"lot form": form,
		"usable stock": report["on_hand"],
		"usable stock, usable": report["usable"],
		"expiry watch": flt(watch.qty) if watch else 0,
		"inventory value": sum(flt(row["qty"]) for row in valued if row["lot"] == world.lot),
		"workspace value": sum(stock_value_by_status(world.company.name)["values"]) / 4,
	}


def test_pre_v15_ledger_stock_is_on_hand_on_every_screen(upgraded_site):
	expiring_before = lots_expiring_soon({"days": 30})["value"]
	assert set(what_each_screen_says(upgraded_site).values()) == {10}
	assert lot_balances([upgraded_site.lot])[0].arrival_date is not None
	frappe.db.set_value("Batch", upgraded_site.batch, "expiry_date", add_days(nowdate(), 60))
	assert lots_expiring_soon({"days": 30})["value"] == expiring_before - 1, (
		"the workspace counted the old lot"
	)


def test_a_v15_issue_from_an_old_batch_leaves_every_screen_agreeing(upgraded_site):
	"""ERPNext v15 draws the old batch through a bundle; old and new records add up the same everywhere."""
	make_material_issue(
		upgraded_site.company, upgraded_site.item, upgraded_site.warehouse, 4, upgraded_site.lot
	)
	assert set(what_each_screen_says(upgraded_site).values()) == {6}


def test_a_batch_without_a_lot_is_released_house_stock_at_the_ledger_rate():
	"""Said once in stock_queries: the Usable Stock report, Lot Inventory Value and the workspace read it alike."""
	world = new_world()
	world.item = make_item()
	batch = frappe.get_doc(
		{"doctype": "Batch", "batch_id": f"OLD-{unique_suffix()}", "item": world.item}
	).insert(ignore_permissions=True)
	post_pre_v15_stock(world, world.item, batch.name, 5, 2.5)
	assert not frappe.db.exists("Lot", batch.name)

	_columns, rows = usable_stock({"company": world.company.name, "item_code": world.item})
	row = next(row for row in rows if row.get("lot") == batch.name)
	assert (row["status"], row["on_hand"], row["usable"]) == ("Released", 5, 5)
	_columns, valued, *_ = inventory_value(frappe._dict(company=world.company.name))
	valued = [row for row in valued if not row.get("is_total_row")]
	assert [(row["lot"], row["status"], row["owner"], row["unit_cost"], row["value"]) for row in valued] == [
		(batch.name, "Released", "House", 2.5, 12.5)
	]
	assert stock_value_by_status(world.company.name) == {"labels": ["Released"], "values": [12.5]}


def test_the_submit_path_reads_the_ledger_with_a_lock(upgraded_site):
	"""The locking read answers the same as the plain one (it waits for other submits instead of
	reading an old snapshot, which test_concurrent_submit shows with two connections)."""
	assert lot_balances([upgraded_site.lot], lock=True) == lot_balances([upgraded_site.lot])
	assert [
		(row.warehouse, row.qty, row.owner, row.status)
		for row in lot_balances([upgraded_site.lot], lock=True)
	] == [(upgraded_site.warehouse, 10, None, "Released")]
