"""A receipt's lots, a build's genealogy and the lots a delivery empties are written together, for
speed (lot_control.bulk_insert, lot_events): each record must be the one the controller writes."""

import json

import frappe
import pytest

from lot_control.exceptions import LotHasStockError
from lot_control.lot_events import set_lot_status_by_the_app, set_lots_status_by_the_app
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_item,
	make_item_group,
	make_purchase_receipt,
	make_user,
	receipt_line,
)

# What differs between two records of two lots made one after the other.
OWN_FIELDS = {"name", "batch", "creation", "modified", "parent", "changed_on", "reference_name"}


@pytest.fixture
def world():
	return lot_fixture_world()


def stored(doctype: str, **filters) -> list[dict]:
	return frappe.get_all(doctype, filters=filters, fields=["*"], order_by="idx asc")


def without_own_fields(record: dict) -> dict:
	return {field: value for field, value in record.items() if field not in OWN_FIELDS}


def lot_by_its_controller(receipt, row) -> str:
	"""The Lot a receipt line gets, made as the controller makes it (Lot.insert), for a new Batch."""
	facts = frappe.db.get_value(
		"Batch", row.batch_no, ["supplier", "manufacturing_date", "expiry_date"], as_dict=True
	)
	batch = frappe.get_doc(
		{"doctype": "Batch", "batch_id": f"{row.batch_no}-C", "item": row.item_code, **facts}
	)
	if not facts.manufacturing_date:
		batch.dont_update_if_missing.append("manufacturing_date")
	batch.insert(ignore_permissions=True)
	lot = frappe.get_doc(
		{
			"doctype": "Lot",
			"batch": batch.name,
			"company": receipt.company,
			"purchase_receipt": receipt.name,
			"source_document_type": receipt.doctype,
			"source_document": receipt.name,
			"received_date": receipt.posting_date,
			"unit_cost": row.valuation_rate,
			"warehouse": row.warehouse,
			"stock_owner": "House",
		}
	)
	lot.status = frappe.db.get_value("Lot", row.batch_no, "status")
	first = frappe.get_doc("Lot", row.batch_no).history[0]
	lot.add_history(first.event, None, lot.status, first.reason, receipt.doctype, receipt.name)
	lot.flags.ignore_permissions = True
	lot.insert()
	return lot.name


def test_a_receipts_lots_are_the_records_the_controller_makes(world):
	held_group = make_item_group(is_group=1)
	frappe.db.set_value("Item Group", held_group, "quarantine_lots_on_receipt", 1)
	held = make_item(item_group=make_item_group(parent=held_group))
	plain = make_item()
	frappe.set_user(make_user("Stock User"))  # who receives
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[receipt_line(plain, 4, 2.5, world.warehouse), receipt_line(held, 6, 1.25, world.warehouse)],
	)

	statuses = {row.item_code: frappe.db.get_value("Lot", row.batch_no, "status") for row in receipt.items}
	assert statuses == {plain: "Released", held: "Quarantine"}
	for row in receipt.items:
		by_controller = lot_by_its_controller(receipt, row)
		made, expected = stored("Lot", name=row.batch_no)[0], stored("Lot", name=by_controller)[0]
		assert made.owner == frappe.session.user and made.docstatus == 0
		assert made.item == row.item_code and made.supplier == world.supplier
		assert without_own_fields(made) == without_own_fields(expected)
		history, expected_history = (
			stored("Lot History", parent=made.name),
			stored("Lot History", parent=by_controller),
		)
		assert len(history) == len(expected_history) == 1
		assert (history[0].parenttype, history[0].parentfield, history[0].idx) == ("Lot", "history", 1)
		assert history[0].creation == made.creation and history[0].reference_name == receipt.name
		assert without_own_fields(history[0]) == without_own_fields(expected_history[0])


def test_lots_the_app_empties_together_are_saved_as_one_by_one(world, monkeypatch):
	monkeypatch.setattr(frappe.flags, "in_test", False)  # a Version is made outside tests
	item = make_item()
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[receipt_line(item, 1, 1, world.warehouse), receipt_line(item, 1, 1, world.warehouse)],
	)
	one_by_one, together = (row.batch_no for row in receipt.items)

	set_lot_status_by_the_app(one_by_one, "Consumed", "Nothing left.", receipt.doctype, receipt.name)
	set_lots_status_by_the_app({together: ("Consumed", "Nothing left.")}, receipt.doctype, receipt.name)

	saved, written = stored("Lot", name=one_by_one)[0], stored("Lot", name=together)[0]
	assert written.status == "Consumed" and written.modified > written.creation
	assert without_own_fields(written) == without_own_fields(saved)
	saved_history, written_history = (
		stored("Lot History", parent=one_by_one),
		stored("Lot History", parent=together),
	)
	assert [row.idx for row in written_history] == [1, 2]
	for saved_row, written_row in zip(saved_history, written_history, strict=True):
		assert without_own_fields(written_row) == without_own_fields(saved_row)
		assert written_row.modified == written.modified and written_row.creation == written.creation
	versions = [
		json.loads(frappe.get_all("Version", filters={"ref_doctype": "Lot", "docname": lot}, pluck="data")[0])
		for lot in (one_by_one, together)
	]
	for version in versions:
		assert version["changed"] == [["status", "Released", "Consumed"]]
		for field in ("name", "parent", "creation", "modified", "changed_on"):
			version["added"][0][1].pop(field)
	assert versions[0] == versions[1]


def test_a_status_the_rules_refuse_is_refused_together_too(world):
	item = make_item()
	receipt = make_purchase_receipt(
		world.company, world.supplier, [receipt_line(item, 1, 1, world.warehouse)]
	)
	lot = receipt.items[0].batch_no

	with pytest.raises(LotHasStockError, match="still holds"):
		set_lots_status_by_the_app({lot: ("Archived", "Tidy up.")}, receipt.doctype, receipt.name)
	assert frappe.db.get_value("Lot", lot, "status") == "Released"
	assert len(stored("Lot History", parent=lot)) == 1
