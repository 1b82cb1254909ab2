"""An auditor's questions: can anyone rewrite a lot's or a unit's history, or the facts the app keeps
(cost, owner, source), through the desk, REST, frappe.client or Data Import? No one can, System
Manager included; the app's own actions still write their lines, and a lot entered by hand arrives
through a real receipt. The Audit Trail report reads it all back in plain words."""

import json

import frappe
import frappe.client
import pytest
from frappe.api import v1 as rest
from frappe.utils import add_days, flt, nowdate

from lot_control import units
from lot_control.exceptions import (
	HistoryTamperedError,
	KeptFieldChangedError,
	LotEnteredByHandError,
	LotHasStockHistoryError,
)
from lot_control.lot_control.report.audit_trail import audit_trail
from lot_control.lot_splitting import split_lot
from lot_control.stock_queries import get_lot_on_hand
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_customer,
	make_item,
	make_purchase_receipt,
	make_user,
	receipt_line,
	unique_suffix,
)
from lot_control.tests.integration.test_stock_reads import upgraded_site

LOT, UNIT = "Lot", "Serialized Unit"
TAMPERING_ROLES = [("Stock User",), ("Lot Quality Manager",), ("System Manager",)]


@pytest.fixture
def world():
	return lot_fixture_world()


def receive_lot(world, qty=10, rate=11, **item_settings):
	item = make_item(**item_settings)
	receipt = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, qty, rate, world.warehouse)])
	return frappe.get_doc(LOT, receipt.items[0].batch_no)


def stored_history(doctype, name):
	child = "Lot History" if doctype == LOT else "Unit Event"
	return frappe.get_all(
		child,
		filters={"parent": name, "parenttype": doctype},
		fields=["name", "idx", "event", "from_status", "to_status", "changed_by", "changed_on"],
		order_by="idx",
	)


def rest_put(doctype, name, payload):
	"""What PUT /api/resource/<doctype>/<name> runs, with the request's JSON body."""
	frappe.local.form_dict = frappe._dict(data=json.dumps(payload))
	try:
		return rest.update_doc(doctype, name)
	finally:
		frappe.local.form_dict = frappe._dict()


def rest_post(doctype, payload):
	"""What POST /api/resource/<doctype> runs."""
	frappe.local.form_dict = frappe._dict(data=json.dumps(payload))
	try:
		return rest.create_doc(doctype)
	finally:
		frappe.local.form_dict = frappe._dict()


# Lot history ----------------------------------------------------------------------------------


@pytest.mark.parametrize("roles", TAMPERING_ROLES)
def test_no_one_rewrites_a_lots_history_on_any_path(world, roles):
	lot = receive_lot(world)
	lot.change_status("On Hold", "supplier notice")
	before = stored_history(LOT, lot.name)
	assert len(before) == 2
	first = before[0].name
	frappe.set_user(make_user(*roles))

	def emptied_by_desk_save():
		doc = frappe.get_doc(LOT, lot.name)
		doc.set("history", [])
		doc.save()

	def edited_by_desk_save():
		doc = frappe.get_doc(LOT, lot.name)
		doc.history[0].reason = "nothing happened"
		doc.history[0].changed_by = "Administrator"
		doc.save()

	def reordered_by_desk_save():
		doc = frappe.get_doc(LOT, lot.name)
		doc.history.reverse()
		for idx, row in enumerate(doc.history, 1):
			row.idx = idx
		doc.save()

	def forged_by_desk_save():
		doc = frappe.get_doc(LOT, lot.name)
		doc.append("history", {"event": "Status Change", "from_status": "On Hold", "to_status": "Released", "changed_by": "Administrator"})
		doc.save()

	def emptied_by_client_save():
		doc = frappe.get_doc(LOT, lot.name).as_dict()
		doc["history"] = []
		frappe.client.save(doc)

	def forged_by_client_save():
		doc = frappe.get_doc(LOT, lot.name).as_dict()
		doc["history"].append({"doctype": "Lot History", "event": "Disposal", "reason": "forged", "changed_by": "Administrator"})
		frappe.client.save(doc)

	def emptied_by_set_value():
		frappe.client.set_value(LOT, lot.name, "history", [])

	def emptied_by_rest_put():
		rest_put(LOT, lot.name, {"history": []})

	def row_edited_by_rest_put():
		rest_put(LOT, lot.name, {"history": [{"name": first, "reason": "forged", "changed_on": "2020-01-01 00:00:00"}]})

	def row_edited_by_set_value_on_the_child():
		frappe.client.set_value("Lot History", first, "reason", "forged")

	def row_saved_on_its_own():
		row = frappe.get_doc("Lot History", first)
		row.reason = "forged"
		row.save()

	def row_inserted_through_frappe_client():
		frappe.client.insert(
			{
				"doctype": "Lot History",
				"parenttype": LOT,
				"parent": lot.name,
				"parentfield": "history",
				"event": "Status Change",
				"from_status": "On Hold",
				"to_status": "Released",
				"changed_by": "Administrator",
			}
		)

	for tamper in (
		emptied_by_desk_save,
		edited_by_desk_save,
		reordered_by_desk_save,
		forged_by_desk_save,
		emptied_by_client_save,
		forged_by_client_save,
		emptied_by_set_value,
		emptied_by_rest_put,
		row_edited_by_rest_put,
		row_edited_by_set_value_on_the_child,
		row_saved_on_its_own,
		row_inserted_through_frappe_client,
	):
		with pytest.raises(HistoryTamperedError):
			tamper()
		assert stored_history(LOT, lot.name) == before, tamper.__name__

	with pytest.raises((HistoryTamperedError, frappe.PermissionError)):
		frappe.client.delete("Lot History", first)
	frappe.set_user("Administrator")
	assert stored_history(LOT, lot.name) == before


def test_a_lot_cannot_be_inserted_with_a_history_of_its_own(world):
	item = make_item()
	frappe.set_user(make_user("Stock User"))
	for insert in (
		lambda doc: frappe.client.insert(doc),
		lambda doc: rest_post(LOT, doc),
	):
		with pytest.raises(HistoryTamperedError):
			insert(
				{
					"doctype": LOT,
					"batch": f"FORGED-{unique_suffix()}",
					"item": item,
					"history": [{"event": "Status Change", "to_status": "Released", "changed_by": "Administrator", "changed_on": "2020-01-01"}],
				}
			)


# Fields the app keeps -------------------------------------------------------------------------


@pytest.mark.parametrize("roles", TAMPERING_ROLES)
def test_no_one_rewrites_what_the_app_keeps_on_a_lot(world, roles):
	lot = receive_lot(world)
	other_lot = receive_lot(world)
	kept = {field: lot.get(field) for field in ("unit_cost", "stock_owner", "purchase_receipt", "received_date", "warehouse", "supplier")}
	frappe.set_user(make_user(*roles))
	customer = make_customer()
	edits = {
		"unit_cost": 0.01,
		"stock_owner": "Customer",
		"consignment_customer": customer,
		"purchase_receipt": None,
		"received_date": add_days(nowdate(), -30),
		"parent_lot": other_lot.name,
		"warehouse": None,
		"source_document": None,
	}
	for field, value in edits.items():
		with pytest.raises(KeptFieldChangedError):
			frappe.client.set_value(LOT, lot.name, field, value)
		with pytest.raises(KeptFieldChangedError):
			rest_put(LOT, lot.name, {field: value})
		with pytest.raises(KeptFieldChangedError):
			doc = frappe.get_doc(LOT, lot.name)
			doc.set(field, value)
			if field == "consignment_customer":
				doc.stock_owner = "Customer"
			doc.save()
	frappe.client.set_value(LOT, lot.name, "supplier", None)  # fetched back from the lot's Batch
	frappe.set_user("Administrator")
	assert {field: frappe.db.get_value(LOT, lot.name, field) for field in kept} == kept

	# What users do keep: a bin, notes and the expiry (recorded).
	frappe.set_user(make_user("Stock User"))
	frappe.client.set_value(LOT, lot.name, {"storage_bin": "B-7", "notes": "moved to rack B"})
	frappe.client.set_value(LOT, lot.name, "expiry_date", add_days(nowdate(), 200))
	lot.reload()
	assert lot.storage_bin == "B-7" and lot.history[-1].event == "Expiry Change"


def test_data_import_cannot_rewrite_a_lots_cost_or_history(world):
	"""Frappe's importer commits as it goes, so this test leaves its (uniquely named) records behind."""
	from frappe.core.doctype.data_import.data_import import start_import

	lot = receive_lot(world)
	before = stored_history(LOT, lot.name)
	import_file = frappe.get_doc(
		{"doctype": "File", "file_name": f"lots-{unique_suffix()}.csv", "content": f"ID,Unit Cost\n{lot.name},0.01", "is_private": 1}
	).insert(ignore_permissions=True)
	result = frappe.get_doc(
		{"doctype": "Data Import", "reference_doctype": LOT, "import_type": "Update Existing Records", "import_file": import_file.file_url}
	).insert(ignore_permissions=True)
	frappe.db.commit()  # a refused row rolls the importer's transaction back: the lot and import must outlive it
	start_import(result.name)
	result.reload()
	assert result.status != "Success"
	logs = frappe.get_all("Data Import Log", filters={"data_import": result.name}, fields=["success", "messages"])
	assert logs and not any(log.success for log in logs) and "Unit Cost" in (logs[0].messages or "")
	assert flt(frappe.db.get_value(LOT, lot.name, "unit_cost")) == pytest.approx(11)
	assert stored_history(LOT, lot.name) == before


def test_the_owner_changes_only_through_change_owner_with_a_reason_and_is_recorded(world):
	lot = receive_lot(world)
	customer = make_customer()
	frappe.set_user(make_user("Stock User"))
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(LOT, lot.name).change_owner("Customer", customer, "consigned after all")

	frappe.set_user(make_user("Stock User", "Stock Manager"))
	doc = frappe.get_doc(LOT, lot.name)
	with pytest.raises(KeptFieldChangedError):
		doc.change_owner("Customer", customer, "")
	doc = frappe.get_doc(LOT, lot.name)
	doc.unit_cost = 0.01  # a form carrying another edit: only the owner goes through
	with pytest.raises(KeptFieldChangedError):
		doc.change_owner("Customer", customer, "consigned after all")

	doc = frappe.get_doc(LOT, lot.name)
	doc.change_owner("Customer", customer, "consigned after all")
	lot.reload()
	assert (lot.stock_owner, lot.consignment_customer) == ("Customer", customer)
	last = lot.history[-1]
	assert (last.event, last.from_value, last.to_value, last.reason, last.changed_by) == (
		"Owner Change",
		"House",
		f"Customer {customer}",
		"consigned after all",
		frappe.session.user,
	)
	assert flt(lot.unit_cost) == pytest.approx(11)


def test_documents_added_and_removed_are_recorded(world):
	lot = receive_lot(world)
	frappe.set_user(make_user("Stock User"))
	file_url = (
		frappe.get_doc({"doctype": "File", "file_name": f"coa-{unique_suffix()}.txt", "content": "CoA", "is_private": 1})
		.insert(ignore_permissions=True)
		.file_url
	)
	doc = frappe.get_doc(LOT, lot.name)
	doc.append("documents", {"document_type": "Certificate of Analysis", "file": file_url, "reference": "COA-7"})
	doc.save()
	doc = frappe.get_doc(LOT, lot.name)
	doc.set("documents", [])
	doc.save()
	events = [(row.event, row.reason) for row in frappe.get_doc(LOT, lot.name).history[-2:]]
	assert events == [
		("Document Added", "Certificate of Analysis: COA-7"),
		("Document Removed", "Certificate of Analysis: COA-7"),
	]


@pytest.mark.parametrize("roles", TAMPERING_ROLES)
def test_no_one_rewrites_a_units_history_or_its_printed_code(world, roles):
	device = make_item(lot_controlled=False, has_serial_no=1)
	unit = units.new_unit(device, world.company.name)
	units.set_unit_quality_status(unit.name, "Quarantine", "bench test pending")
	before = stored_history(UNIT, unit.name)
	assert [row.event for row in before] == ["Registered", "Quality Status"]
	frappe.set_user(make_user(*roles))

	for tamper in (
		lambda: frappe.client.set_value(UNIT, unit.name, "history", []),
		lambda: rest_put(UNIT, unit.name, {"history": []}),
		lambda: frappe.client.set_value("Unit Event", before[1].name, "to_status", "Released"),
		lambda: frappe.client.insert(
			{"doctype": "Unit Event", "parenttype": UNIT, "parent": unit.name, "parentfield": "history", "event": "Released"}
		),
	):
		with pytest.raises(HistoryTamperedError):
			tamper()
	for field, value in (("code_display", "FAKE-CODE"), ("quality_status", "Released"), ("unit_cost", 0.01), ("warehouse", world.warehouse)):
		with pytest.raises(KeptFieldChangedError):
			frappe.client.set_value(UNIT, unit.name, field, value)
	frappe.set_user("Administrator")
	assert stored_history(UNIT, unit.name) == before
	assert frappe.db.get_value(UNIT, unit.name, "quality_status") == "Quarantine"


# The app's own actions still write history ----------------------------------------------------


def test_receipt_quarantine_release_and_split_are_recorded_with_who_and_when(world):
	lot = receive_lot(world, quarantine_lots_on_receipt=1)
	inspector = make_user("Stock User", "Lot Quality Manager")
	frappe.set_user(inspector)
	frappe.get_doc(LOT, lot.name).change_status("Released", "incoming inspection passed")
	split = split_lot(lot.name, 4)
	frappe.set_user("Administrator")
	history = frappe.get_doc(LOT, lot.name).history
	assert [(row.event, row.from_status, row.to_status) for row in history] == [
		("Status Change", None, "Quarantine"),
		("Status Change", "Quarantine", "Released"),
		("Split", "Released", "Released"),
	]
	assert {row.changed_by for row in history[1:]} == {inspector}
	assert all(row.changed_on for row in history)
	child = frappe.get_doc(LOT, split["lot"])
	assert (child.parent_lot, child.history[0].event, child.history[0].reference_name) == (lot.name, "Split", split["stock_entry"])


def test_a_landed_cost_is_recorded_as_a_cost_change(world):
	lot = receive_lot(world, qty=10, rate=5)
	receipt = frappe.get_doc("Purchase Receipt", lot.purchase_receipt)
	voucher = frappe.get_doc(
		{
			"doctype": "Landed Cost Voucher",
			"company": world.company.name,
			"distribute_charges_based_on": "Qty",
			"purchase_receipts": [
				{"receipt_document_type": "Purchase Receipt", "receipt_document": receipt.name, "supplier": world.supplier, "grand_total": receipt.grand_total}
			],
			"taxes": [
				{
					"description": "Freight",
					"expense_account": frappe.db.get_value(
						"Account", {"company": world.company.name, "account_type": "Expenses Included In Valuation", "is_group": 0}
					),
					"amount": 7.50,
				}
			],
		}
	)
	voucher.get_items_from_purchase_receipts()
	voucher.insert()
	voucher.submit()
	voucher.cancel()
	changes = [row for row in frappe.get_doc(LOT, lot.name).history if row.event == "Cost Change"]
	assert [(row.from_value, row.to_value, row.reference_name) for row in changes] == [
		("5.0", "5.75", voucher.name),
		("5.75", "5.0", voucher.name),
	]


# A lot entered by hand ------------------------------------------------------------------------


def test_a_lot_entered_by_hand_is_received_through_erpnext_at_its_cost(world):
	item = make_item()
	number = f"HAND-{unique_suffix()}"
	frappe.set_user(make_user("Stock User"))
	lot = frappe.get_doc(
		{
			"doctype": LOT,
			"batch": number,
			"item": item,
			"opening_qty": 12,
			"unit_cost": 3.5,
			"supplier": world.supplier,
			"warehouse": world.warehouse,
			"storage_bin": "A-1",
			"manufacturing_date": add_days(nowdate(), -10),
			"expiry_date": add_days(nowdate(), 300),
		}
	).insert()
	lot.reload()
	assert frappe.db.get_value("Batch", number, ["item", "supplier"]) == (item, world.supplier)
	assert (lot.status, lot.company, lot.source_document_type) == ("Released", world.company.name, "Stock Entry")
	entry = frappe.get_doc("Stock Entry", lot.source_document)
	assert (entry.purpose, entry.docstatus, entry.items[0].batch_no) == ("Material Receipt", 1, number)
	assert get_lot_on_hand(number) == 12
	ledger_value = frappe.db.get_value(
		"Stock Ledger Entry", {"voucher_no": entry.name, "is_cancelled": 0}, "stock_value_difference"
	)
	assert flt(ledger_value) == pytest.approx(42) and flt(lot.unit_cost) == pytest.approx(3.5)
	first = lot.history[0]
	assert (first.event, first.to_status, first.reference_name, flt(first.qty)) == ("Status Change", "Released", entry.name, 12)

	quarantined = frappe.get_doc(
		{
			"doctype": LOT,
			"batch": f"HAND-{unique_suffix()}",
			"item": make_item(quarantine_lots_on_receipt=1),
			"opening_qty": 2,
			"unit_cost": 1,
			"warehouse": world.warehouse,
		}
	).insert()
	assert quarantined.status == "Quarantine"


def test_a_lot_entered_by_hand_cannot_claim_a_status_a_source_or_a_cost_the_ledger_lacks(world):
	item = make_item()
	received = receive_lot(world, qty=5, rate=11)
	frappe.set_user(make_user("Stock User"))
	base = {"doctype": LOT, "item": item, "opening_qty": 1, "unit_cost": 2, "warehouse": world.warehouse}
	refused = [
		{**base, "status": "Expired"},
		{**base, "status": "Consumed"},
		{**base, "purchase_receipt": received.purchase_receipt},
		{**base, "parent_lot": received.name},
		{"doctype": LOT, "item": item, "unit_cost": 2},  # a cost without a quantity the receipt would post
		{"doctype": LOT, "batch": received.name, "unit_cost": 0.01},  # the ledger holds it at 11
		{"doctype": LOT, "batch": received.name, "opening_qty": 3},  # the ledger keeps its quantity
	]
	for values in refused:
		values.setdefault("batch", f"HAND-{unique_suffix()}")
		with pytest.raises(LotEnteredByHandError):
			frappe.client.insert(dict(values))
	frappe.set_user("Administrator")
	assert not frappe.get_all(LOT, filters={"batch": ("like", "HAND-%"), "item": item})


def test_a_lot_for_a_batch_already_in_stock_takes_the_ledgers_cost(upgraded_site):  # noqa: F811  (the fixture imported above)
	"""A batch with stock posted before v15 at 4 a unit: its Lot (entered at 4) says so."""
	lot = frappe.get_doc(LOT, upgraded_site.lot)
	assert (lot.status, flt(lot.unit_cost), lot.history[0].event) == ("Released", 4, "Status Change")
	assert lot.history[0].reason == "Entered by hand for a batch already in stock, at the ledger's cost."


def test_a_lot_with_a_history_cannot_be_deleted(world):
	item = make_item()
	number = f"HAND-{unique_suffix()}"
	frappe.get_doc({"doctype": LOT, "batch": number, "item": item}).insert()
	frappe.get_doc(LOT, number).change_status("On Hold", "held at once")
	with pytest.raises(LotHasStockHistoryError):
		frappe.delete_doc(LOT, number)
	mistake = f"HAND-{unique_suffix()}"
	frappe.get_doc({"doctype": LOT, "batch": mistake, "item": item}).insert()
	frappe.delete_doc(LOT, mistake)
	assert not frappe.db.exists(LOT, mistake)


# The Audit Trail report -----------------------------------------------------------------------


def test_the_audit_trail_reads_a_lots_story_in_plain_words(world):
	lot = receive_lot(world, quarantine_lots_on_receipt=1)
	inspector = make_user("Stock User", "Lot Quality Manager")
	frappe.set_user(inspector)
	frappe.get_doc(LOT, lot.name).change_status("Released", "incoming inspection passed")
	frappe.set_user(make_user("Stock User"))
	columns, rows = audit_trail.execute({"lot": lot.name})
	assert [column["label"] for column in columns][:10] == [
		"When", "Who", "Record Type", "Record", "Item", "What Happened", "From", "To", "Quantity", "Why",
	]
	assert [(row.what_happened, row.from_value, row.to_value, row.why) for row in rows] == [
		("Lot created", None, "Quarantine", "Awaiting incoming inspection."),
		("Status changed", "Quarantine", "Released", "incoming inspection passed"),
	]
	assert rows[0].document_type == "Purchase Receipt" and rows[0].document == lot.purchase_receipt
	assert rows[1].who == frappe.db.get_value("User", inspector, "full_name")
	assert all(row.item == lot.item and row.record == lot.name for row in rows)

	_columns, by_item = audit_trail.execute({"item": lot.item, "from_date": nowdate(), "to_date": nowdate()})
	assert len(by_item) == 2

	frappe.set_user(make_user("Sales User"))
	_columns, unreadable = audit_trail.execute({"lot": lot.name})
	assert unreadable == []
