"""Usable stock on the shop floor: lots held back, expired, sent out or owned by a customer are
never drawn into a build or a delivery, however the lot was chosen."""

import re

import frappe
import pytest
from frappe.utils import add_days, nowdate

from lot_control.exceptions import LotNotUsableError, LotShortageError, LotStatusChangeError
from lot_control.stock_queries import get_lot_locations, get_lot_on_hand
from lot_control.tasks import mark_expired_lots
from lot_control.tests.integration.factories import (
	expire_lot,
	lot_fixture_world,
	make_customer,
	make_delivery_note,
	make_item,
	make_item_group,
	make_material_issue,
	make_purchase_receipt,
	make_user,
	make_warehouse,
	make_work_order,
	receipt_line,
	work_order_entry,
)


@pytest.fixture
def world():
	world = lot_fixture_world()
	world.part = make_item()
	world.product = make_item(lot_controlled=False)
	return world


def receive_lot(world, qty=10, item=None, warehouse=None, **line):
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[receipt_line(item or world.part, qty, 2, warehouse or world.warehouse, **line)],
		consignment_customer=line.pop("consignment_customer", None),
	)
	return receipt.items[0].batch_no


def picked_lots(doc):
	"""The lots a submitted document drew, in bundle order."""
	return [
		(entry.batch_no, abs(entry.qty))
		for row in doc.items
		if row.serial_and_batch_bundle and (row.get("s_warehouse") or doc.doctype != "Stock Entry")
		for entry in frappe.get_doc("Serial and Batch Bundle", row.serial_and_batch_bundle).entries
	]


def lot_status(lot):
	return frappe.db.get_value("Lot", lot, "status")


def on_hand_in(lot, warehouse):
	return sum(row.qty for row in get_lot_locations(lot) if row.warehouse == warehouse)


def build(world, lot=None, qty=2, **work_order_fields):
	"""Transfer material to a new Work Order for the world's product, from `lot` or picked automatically."""
	work_order = make_work_order(world.company, world.product, world.part, qty, world.warehouse, **work_order_fields)
	row_values = {"batch_no": lot, "use_serial_batch_fields": 1} if lot else {}
	entry = work_order_entry(work_order, "Material Transfer for Manufacture", qty, **row_values)
	entry.insert()
	entry.submit()
	return entry


# Status and its history


def test_a_lot_can_be_held_and_only_the_quality_role_releases_it_with_a_reason(world):
	lot = receive_lot(world)
	storekeeper = make_user("Stock User", "Stock Manager")
	inspector = make_user("Stock User", "Lot Quality Manager")

	frappe.set_user(storekeeper)
	frappe.get_doc("Lot", lot).change_status("On Hold", "Customer complaint about date code")
	with pytest.raises(LotStatusChangeError, match="Lot Quality Manager"):
		frappe.get_doc("Lot", lot).change_status("Released", "Looks fine")

	frappe.set_user(inspector)
	with pytest.raises(LotStatusChangeError, match="reason"):
		frappe.get_doc("Lot", lot).change_status("Released", "")
	frappe.get_doc("Lot", lot).change_status("Released", "Retested: within spec")

	history = frappe.get_doc("Lot", lot).history
	assert [(row.from_status, row.to_status) for row in history] == [
		(None, "Released"),
		("Released", "On Hold"),
		("On Hold", "Released"),
	]
	assert history[1].changed_by == storekeeper and history[1].reason == "Customer complaint about date code"
	assert history[2].changed_by == inspector and history[2].reason == "Retested: within spec"
	assert all(row.changed_on for row in history)


@pytest.mark.parametrize(
	"path",
	[
		["Quarantine", "Rejected", "Released"],
		["On Hold", "Quarantine", "Released"],
		["Rejected", "Quarantine", "On Hold", "Released"],
	],
)
def test_every_held_back_status_is_left_only_with_a_reason(world, path):
	lot = receive_lot(world)
	for status in path:
		doc = frappe.get_doc("Lot", lot)
		if doc.status in ("Quarantine", "On Hold", "Rejected"):
			with pytest.raises(LotStatusChangeError, match=re.escape(doc.status)):
				doc.change_status(status)
			doc.reload()
		doc.change_status(status, f"moving to {status}")
		assert lot_status(lot) == status


def test_expired_and_consumed_are_set_by_the_app_not_by_hand(world):
	lot = receive_lot(world)
	for status in ("Expired", "Consumed"):
		with pytest.raises(LotStatusChangeError, match="set by the app"):
			frappe.get_doc("Lot", lot).change_status(status, "because")
	doc = frappe.get_doc("Lot", lot)
	doc.status = "Quarantine"
	with pytest.raises(LotStatusChangeError, match="Change Status"):
		doc.save()
	assert lot_status(lot) == "Released"


def test_the_daily_job_marks_expired_lots_and_use_is_checked_live(world):
	fresh, stale = receive_lot(world), receive_lot(world)
	expire_lot(stale)
	assert stale in mark_expired_lots()
	assert lot_status(stale) == "Expired" and lot_status(fresh) == "Released"
	assert frappe.get_doc("Lot", stale).history[-1].to_status == "Expired"


def test_a_lot_with_nothing_left_is_consumed_and_released_when_stock_comes_back(world):
	lot = receive_lot(world, qty=3)
	issue = make_material_issue(world.company, world.part, world.warehouse, 3, lot)
	assert lot_status(lot) == "Consumed"
	issue.cancel()
	assert lot_status(lot) == "Released"
	assert get_lot_on_hand(lot) == 3


# Quarantine on receipt and incoming inspection


def test_items_set_to_quarantine_receive_lots_in_quarantine(world):
	item = make_item(quarantine_lots_on_receipt=1)
	group = make_item_group()
	frappe.db.set_value("Item Group", group, "quarantine_lots_on_receipt", 1)
	in_group = make_item(item_group=group)
	assert lot_status(receive_lot(world, item=item)) == "Quarantine"
	assert lot_status(receive_lot(world, item=in_group)) == "Quarantine"
	assert lot_status(receive_lot(world)) == "Released"


def make_inspection(receipt_name, item, status):
	inspection = frappe.get_doc(
		{
			"doctype": "Quality Inspection",
			"inspection_type": "Incoming",
			"reference_type": "Purchase Receipt",
			"reference_name": receipt_name,
			"item_code": item,
			"sample_size": 1,
			"inspected_by": "Administrator",
			"manual_inspection": 1,
			"status": status,
		}
	)
	inspection.insert()
	inspection.submit()
	return inspection


@pytest.mark.parametrize("verdict, expected", [("Accepted", "Released"), ("Rejected", "Rejected")])
def test_an_incoming_inspection_releases_or_rejects_the_quarantined_lot(world, verdict, expected):
	frappe.db.set_single_value("Stock Settings", "allow_to_make_quality_inspection_after_purchase_or_delivery", 1)
	item = make_item(quarantine_lots_on_receipt=1)
	lot = receive_lot(world, item=item)
	receipt = frappe.db.get_value("Lot", lot, "purchase_receipt")
	inspection = make_inspection(receipt, item, verdict)
	assert lot_status(lot) == expected
	last = frappe.get_doc("Lot", lot).history[-1]
	assert last.reference_name == inspection.name and inspection.name in last.reason


def test_an_inspection_required_before_purchase_decides_the_lot_on_receipt(world):
	item = make_item(inspection_required_before_purchase=1, quarantine_lots_on_receipt=1)
	receipt = make_purchase_receipt(
		world.company, world.supplier, [receipt_line(item, 4, 2, world.warehouse)], submit=False
	)
	inspection = make_inspection(receipt.name, item, "Accepted")
	receipt.reload()
	receipt.items[0].quality_inspection = inspection.name
	receipt.save()
	receipt.submit()
	assert lot_status(receipt.items[0].batch_no) == "Released"


# Builds


def test_a_build_refuses_a_quarantined_lot_naming_lot_item_and_reason(world):
	lot = receive_lot(world)
	frappe.get_doc("Lot", lot).change_status("Quarantine", "incoming inspection")
	with pytest.raises(LotNotUsableError) as refusal:
		build(world, lot)
	message = str(refusal.value)
	assert lot in message and world.part in message and "Quarantine" in message
	assert get_lot_on_hand(lot) == 10


def test_strict_expiry_refuses_every_build_movement_through_the_batch_field(world):
	lot = receive_lot(world)
	expire_lot(lot)
	with pytest.raises(LotNotUsableError, match="expired"):
		build(world, lot)

	work_order = make_work_order(world.company, world.product, world.part, 1, world.warehouse)
	for purpose in ("Material Issue", "Material Consumption for Manufacture"):
		entry = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": purpose,
				"purpose": purpose,
				"company": world.company.name,
				"work_order": work_order.name,
				"items": [
					{"item_code": world.part, "qty": 1, "s_warehouse": world.warehouse, "batch_no": lot, "use_serial_batch_fields": 1}
				],
			}
		)
		with pytest.raises(LotNotUsableError, match=re.escape(lot)):
			entry.insert()


def outward_bundle(world, lot, qty, voucher_type="Stock Entry"):
	from erpnext.stock.serial_batch_bundle import SerialBatchCreation

	return SerialBatchCreation(
		{
			"item_code": world.part,
			"warehouse": world.warehouse,
			"voucher_type": voucher_type,
			"posting_date": nowdate(),
			"posting_time": "23:00:00",
			"qty": -qty,
			"batches": frappe._dict({lot: qty}),
			"type_of_transaction": "Outward",
			"company": world.company.name,
			"do_not_submit": True,
		}
	).make_serial_and_batch_bundle().name


def test_strict_expiry_refuses_an_expired_lot_given_through_a_serial_and_batch_bundle(world):
	"""ERPNext v15 lets a bundle carry an expired batch into a build; the app does not."""
	lot = receive_lot(world)
	expire_lot(lot)
	repack = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Repack",
			"purpose": "Repack",
			"company": world.company.name,
			"items": [
				{
					"item_code": world.part,
					"qty": 2,
					"s_warehouse": world.warehouse,
					"serial_and_batch_bundle": outward_bundle(world, lot, 2),
					"use_serial_batch_fields": 0,
				},
				{"item_code": world.product, "qty": 1, "t_warehouse": world.warehouse, "is_finished_item": 1},
			],
		}
	)
	with pytest.raises(LotNotUsableError) as refusal:
		repack.insert()
	assert lot in str(refusal.value) and "expired" in str(refusal.value)


def test_strict_expiry_is_on_by_default():
	assert frappe.db.get_single_value("Lot Control Settings", "strict_expiry") == 1


def test_with_strict_expiry_off_a_build_goes_through_with_a_warning(world):
	frappe.db.set_single_value("Lot Control Settings", "strict_expiry", 0)
	lot = receive_lot(world)
	expire_lot(lot)
	mark_expired_lots()
	frappe.local.message_log = []
	build(world, lot)
	assert any("strict expiry is off" in str(message) for message in frappe.local.message_log)
	assert on_hand_in(lot, world.warehouse) == 8


def test_expired_stock_leaves_the_honest_way_and_is_recorded(world):
	lot = receive_lot(world, qty=6)
	receipt = frappe.db.get_value("Lot", lot, "purchase_receipt")
	expire_lot(lot)
	mark_expired_lots()

	make_material_issue(world.company, world.part, world.warehouse, 2, lot)
	from erpnext.controllers.sales_and_purchase_return import make_return_doc

	supplier_return = make_return_doc("Purchase Receipt", receipt)
	supplier_return.items[0].qty = -4
	supplier_return.items[0].received_qty = -4
	supplier_return.insert()
	supplier_return.submit()

	events = [(row.event, row.qty) for row in frappe.get_doc("Lot", lot).history if row.event != "Status Change"]
	assert events == [("Disposal", 2), ("Return to Supplier", 4)]
	assert get_lot_on_hand(lot) == 0


def test_a_lot_in_an_external_location_is_on_hand_but_not_usable(world):
	contract_manufacturer = make_warehouse(world.company, is_external_location=1)
	lot = receive_lot(world, warehouse=contract_manufacturer)
	work_order = make_work_order(world.company, world.product, world.part, 1, contract_manufacturer)
	entry = work_order_entry(work_order, "Material Transfer for Manufacture", 1, batch_no=lot, use_serial_batch_fields=1)
	with pytest.raises(LotNotUsableError, match="external location"):
		entry.insert()
	assert get_lot_on_hand(lot) == 10


# Ownership


def test_a_receipt_marked_consigned_makes_customer_owned_lots(world):
	customer = make_customer()
	lot = receive_lot(world, consignment_customer=customer)
	assert frappe.db.get_value("Lot", lot, ["stock_owner", "consignment_customer"]) == ("Customer", customer)
	assert frappe.db.get_value("Lot", receive_lot(world), "stock_owner") == "House"


def test_customer_provided_material_received_by_stock_entry_is_the_customers(world):
	customer = make_customer()
	item = make_item(is_customer_provided_item=1, customer=customer, is_purchase_item=0, create_new_batch=1)
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"purpose": "Material Receipt",
			"company": world.company.name,
			"items": [{"item_code": item, "qty": 5, "t_warehouse": world.warehouse, "allow_zero_valuation_rate": 1}],
		}
	)
	entry.insert()
	entry.submit()
	lots = frappe.get_all("Lot", filters={"item": item}, fields=["name", "stock_owner", "consignment_customer"])
	assert [(lot.stock_owner, lot.consignment_customer) for lot in lots] == [("Customer", customer)]
	assert get_lot_on_hand(lots[0].name) == 5


def test_a_house_job_may_not_build_from_consigned_stock(world):
	customer = make_customer()
	consigned = receive_lot(world, consignment_customer=customer)
	with pytest.raises(LotNotUsableError) as refusal:
		build(world, consigned)
	message = str(refusal.value)
	assert consigned in message and customer in message and "Work Order" in message


def test_a_customers_job_builds_from_their_consigned_stock_and_not_from_house_stock(world):
	customer = make_customer()
	consigned, house = receive_lot(world, consignment_customer=customer), receive_lot(world)
	policy = {"lot_owner_policy": "Customer's consigned stock only", "consignment_customer": customer}
	build(world, consigned, **policy)
	assert on_hand_in(consigned, world.warehouse) == 8
	with pytest.raises(LotNotUsableError, match="house stock"):
		build(world, house, **policy)


def test_a_job_allowed_both_builds_from_house_and_consigned_stock(world):
	customer = make_customer()
	consigned, house = receive_lot(world, consignment_customer=customer), receive_lot(world)
	policy = {"lot_owner_policy": "House and customer's consigned stock", "consignment_customer": customer}
	build(world, consigned, **policy)
	build(world, house, **policy)
	assert (on_hand_in(consigned, world.warehouse), on_hand_in(house, world.warehouse)) == (8, 8)


def test_one_customers_consigned_stock_never_ships_to_another(world):
	owner, other = make_customer(), make_customer()
	consigned = receive_lot(world, consignment_customer=owner)
	line = {"item_code": world.part, "qty": 1, "rate": 5, "warehouse": world.warehouse, "batch_no": consigned, "use_serial_batch_fields": 1}
	with pytest.raises(LotNotUsableError) as refusal:
		make_delivery_note(world.company, other, [dict(line)])
	assert consigned in str(refusal.value) and owner in str(refusal.value)
	make_delivery_note(world.company, owner, [dict(line)])
	assert get_lot_on_hand(consigned) == 9


def test_a_delivery_of_an_expired_lot_is_refused(world):
	lot = receive_lot(world)
	expire_lot(lot)
	with pytest.raises(LotNotUsableError, match="expired"):
		make_delivery_note(
			world.company,
			make_customer(),
			[{"item_code": world.part, "qty": 1, "rate": 5, "warehouse": world.warehouse, "batch_no": lot, "use_serial_batch_fields": 1}],
		)


# Shelf life


def test_minimum_shelf_life_keeps_short_dated_lots_out_unless_quality_overrides(world):
	item = make_item(min_remaining_shelf_life_percent=60)
	world.part = item
	short = receive_lot(world, item=item, lot_manufacturing_date=add_days(nowdate(), -90), lot_expiry_date=add_days(nowdate(), 10))
	with pytest.raises(LotNotUsableError, match="shelf life"):
		build(world, short)

	inspector = make_user("Stock User", "Stock Manager", "Manufacturing User", "Lot Quality Manager")
	frappe.set_user(inspector)
	work_order = make_work_order(world.company, world.product, item, 1, world.warehouse)
	entry = work_order_entry(
		work_order, "Material Transfer for Manufacture", 1, batch_no=short, use_serial_batch_fields=1,
		lot_override_reason="Customer accepted short-dated resin in writing",
	)
	entry.insert()
	entry.submit()
	override = [row for row in frappe.get_doc("Lot", short).history if row.event == "Shelf Life Override"]
	assert override and override[0].reason.startswith("Customer accepted") and override[0].changed_by == inspector


def test_a_customers_minimum_shelf_life_applies_to_their_deliveries(world):
	lot = receive_lot(world, lot_manufacturing_date=add_days(nowdate(), -50), lot_expiry_date=add_days(nowdate(), 50))
	fussy, relaxed = make_customer(min_remaining_shelf_life_percent=60), make_customer()
	line = {"item_code": world.part, "qty": 1, "rate": 5, "warehouse": world.warehouse, "batch_no": lot, "use_serial_batch_fields": 1}
	with pytest.raises(LotNotUsableError, match="60"):
		make_delivery_note(world.company, fussy, [dict(line)])
	make_delivery_note(world.company, relaxed, [dict(line)])


# Automatic picking


def test_unchosen_lots_are_picked_first_expiring_first_and_never_unusable(world):
	soon = receive_lot(world, qty=3, lot_expiry_date=add_days(nowdate(), 20))
	later = receive_lot(world, qty=5, lot_expiry_date=add_days(nowdate(), 200))
	held = receive_lot(world, qty=50, lot_expiry_date=add_days(nowdate(), 5))
	frappe.get_doc("Lot", held).change_status("On Hold", "supplier recall notice")

	entry = build(world, qty=6)
	assert picked_lots(entry) == [(soon, 3), (later, 3)]
	assert [on_hand_in(lot, world.warehouse) for lot in (soon, later, held)] == [0, 2, 50]


def test_a_delivery_with_no_lot_chosen_is_picked_for_the_customer(world):
	customer = make_customer()
	theirs = receive_lot(world, qty=4, consignment_customer=customer)
	other = receive_lot(world, qty=4, consignment_customer=make_customer())
	note = make_delivery_note(
		world.company, customer, [{"item_code": world.part, "qty": 4, "rate": 5, "warehouse": world.warehouse}]
	)
	assert picked_lots(note) == [(theirs, 4)]
	assert get_lot_on_hand(other) == 4


def test_not_enough_usable_stock_is_refused_naming_each_unusable_lot_and_why(world):
	receive_lot(world, qty=2)
	held = receive_lot(world, qty=10)
	stale = receive_lot(world, qty=4)
	frappe.get_doc("Lot", held).change_status("Quarantine", "incoming inspection")
	expire_lot(stale)
	with pytest.raises(LotShortageError) as refusal:
		build(world, qty=5)
	message = str(refusal.value)
	assert world.part in message and "only 2" in message
	assert re.search(rf"{held}(</strong>)? \(10(\.0)?: status Quarantine\)", message), message
	assert re.search(rf"{stale}(</strong>)? \(4(\.0)?: expired on ", message), message


# Strict expiry on every movement that builds or ships, by batch field and by bundle

BUILD_AND_SHIP = [
	("Stock Entry", "Material Transfer for Manufacture"),
	("Stock Entry", "Manufacture"),
	("Stock Entry", "Material Consumption for Manufacture"),
	("Stock Entry", "Repack"),
	("Stock Entry", "Send to Subcontractor"),
	("Stock Entry", "Material Issue"),
	("Delivery Note", None),
	("Sales Invoice", None),
]


def movement(world, doctype, purpose, lot, via_bundle, work_order=None):
	row = {"item_code": world.part, "qty": 1}
	if via_bundle:
		row.update(serial_and_batch_bundle=outward_bundle(world, lot, 1, doctype), use_serial_batch_fields=0)
	else:
		row.update(batch_no=lot, use_serial_batch_fields=1)
	if doctype == "Stock Entry":
		row["s_warehouse"] = world.warehouse
		doc = {"stock_entry_type": purpose, "purpose": purpose, "work_order": work_order, "items": [row]}
		if purpose in ("Repack", "Manufacture"):
			doc["items"].append({"item_code": world.product, "qty": 1, "t_warehouse": world.warehouse, "is_finished_item": 1})
	else:
		row.update(warehouse=world.warehouse, rate=5)
		doc = {"customer": make_customer(), "items": [row], "update_stock": 1, "currency": "USD", "conversion_rate": 1}
	return frappe.get_doc({"doctype": doctype, "company": world.company.name, "posting_date": nowdate(), **doc})


@pytest.mark.parametrize("via_bundle", [False, True], ids=["batch-field", "bundle"])
def test_strict_expiry_refuses_every_build_and_shipping_movement(world, via_bundle):
	lot = receive_lot(world)
	expire_lot(lot)
	work_order = make_work_order(world.company, world.product, world.part, 1, world.warehouse)
	for doctype, purpose in BUILD_AND_SHIP:
		needs_work_order = purpose in ("Material Issue", "Manufacture", "Material Consumption for Manufacture", "Material Transfer for Manufacture")
		doc = movement(world, doctype, purpose, lot, via_bundle, work_order.name if needs_work_order else None)
		with pytest.raises(LotNotUsableError) as refusal:
			doc.insert()
		message = str(refusal.value)
		assert lot in message and world.part in message and "expired" in message, (doctype, purpose, message)
	assert get_lot_on_hand(lot) == 10


def test_a_lot_inside_its_warning_window_is_used_with_a_warning(world):
	frappe.db.set_value("Item", world.part, "lot_expiry_warning_days", 15)
	lot = receive_lot(world, lot_expiry_date=add_days(nowdate(), 10))
	frappe.local.message_log = []
	build(world, lot)
	assert any("expires on" in str(message) for message in frappe.local.message_log)
