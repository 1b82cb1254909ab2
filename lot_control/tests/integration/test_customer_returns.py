"""A customer sends goods back. Until someone has looked at them, returned lots and units wait in
Quarantine, with the return in their history; a Quality Inspection of the return or the Lot
Quality Manager releases them; cancelling the return undoes it; a recall trace finds the lot back
on the shelf."""

import frappe
import pytest
from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return
from frappe.utils import nowdate

from lot_control.exceptions import LotStatusChangeError, UnitQualityStatusError
from lot_control.stock_queries import get_lot_on_hand
from lot_control.tests.integration.factories import (
	make_customer,
	make_delivery_note,
	make_item,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
	work_order_entry,
)
from lot_control.trace import trace_forward
from lot_control.units import change_unit_quality_status

UNIT = "Serialized Unit"


@pytest.fixture
def shop(receiving_shop):
	return receiving_shop

@pytest.fixture
def sale(shop):
	"""A lot of 10 received, and 6 of it delivered to a customer."""
	item = make_item()
	receipt = make_purchase_receipt(shop.company, shop.supplier, [receipt_line(item, 10, 3, shop.stores)])
	customer = make_customer()
	note = make_delivery_note(shop.company, customer, [delivery_line(item, 6, shop.stores)])
	return frappe._dict(item=item, lot=receipt.items[0].batch_no, customer=customer, note=note, receipt=receipt)


def delivery_line(item, qty, warehouse, **extra):
	return {"item_code": item, "qty": qty, "rate": 20, "warehouse": warehouse, **extra}


def return_of(note, qty=None, submit=True):
	"""The return the customer service clerk makes from the delivery (Create -> Return)."""
	returned = make_sales_return(note.name)
	if qty is not None:
		for row in returned.items:
			row.qty = -qty
	returned.insert()
	if submit:
		returned.submit()
	return returned


def lot_status(lot):
	return frappe.db.get_value("Lot", lot, "status")


def return_events(lot):
	return [row for row in frappe.get_doc("Lot", lot).history if row.event == "Customer Return"]


def set_quarantine_returns(on: bool):
	frappe.db.set_single_value("Lot Control Settings", "quarantine_customer_returns", int(on))


# Lots


def test_quarantining_customer_returns_is_on_by_default():
	meta = frappe.get_meta("Lot Control Settings")
	assert meta.get_field("quarantine_customer_returns").default == "1"


def test_a_returned_lot_waits_in_quarantine_with_the_return_in_its_history(shop, sale):
	clerk = make_user("Sales User", "Stock User")
	frappe.set_user(clerk)
	returned = return_of(sale.note, qty=2)
	frappe.set_user("Administrator")

	assert lot_status(sale.lot) == "Quarantine"
	[event] = return_events(sale.lot)
	assert (event.from_status, event.to_status, event.qty) == ("Released", "Quarantine", 2)
	assert (event.reference_doctype, event.reference_name, event.changed_by) == ("Delivery Note", returned.name, clerk)
	assert sale.customer in event.reason
	# Four stayed on the shelf with the two that came back: the whole lot is held, and it says so.
	assert get_lot_on_hand(sale.lot) == 6
	assert "4" in event.reason and "whole lot" in event.reason


def test_only_the_lot_quality_manager_releases_a_returned_lot(shop, sale):
	return_of(sale.note, qty=2)
	frappe.set_user(make_user("Stock User"))
	with pytest.raises(LotStatusChangeError, match="Lot Quality Manager"):
		frappe.get_doc("Lot", sale.lot).change_status("Released", "Looks fine")

	frappe.set_user(make_user("Stock User", "Lot Quality Manager"))
	frappe.get_doc("Lot", sale.lot).change_status("Released", "Seal intact, retested")
	assert lot_status(sale.lot) == "Released"


def test_a_fully_delivered_lot_comes_back_from_consumed_into_quarantine(shop):
	item = make_item()
	lot = make_purchase_receipt(shop.company, shop.supplier, [receipt_line(item, 5, 3, shop.stores)]).items[0].batch_no
	note = make_delivery_note(shop.company, make_customer(), [delivery_line(item, 5, shop.stores)])
	assert lot_status(lot) == "Consumed"

	returned = return_of(note, qty=1)
	assert lot_status(lot) == "Quarantine"

	# Cancelling the return takes the stock out again: the lot is consumed as before.
	returned.cancel()
	assert lot_status(lot) == "Consumed"
	assert [row.qty for row in return_events(lot)] == [1, -1]


def test_a_quality_inspection_of_the_return_releases_the_lot(shop, sale):
	frappe.db.set_single_value("Stock Settings", "allow_to_make_quality_inspection_after_purchase_or_delivery", 1)
	returned = return_of(sale.note, qty=2)
	inspection = frappe.get_doc(
		{
			"doctype": "Quality Inspection",
			"inspection_type": "Incoming",
			"reference_type": "Delivery Note",
			"reference_name": returned.name,
			"item_code": sale.item,
			"batch_no": sale.lot,
			"sample_size": 2,
			"inspected_by": "Administrator",
			"status": "Accepted",
			"manual_inspection": 1,
		}
	)
	inspection.insert()
	inspection.submit()

	assert lot_status(sale.lot) == "Released"
	assert frappe.get_doc("Lot", sale.lot).history[-1].reference_name == inspection.name


def test_a_sales_invoice_return_that_updates_stock_quarantines_too(shop):
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return as make_credit_note

	item = make_item()
	lot = make_purchase_receipt(shop.company, shop.supplier, [receipt_line(item, 8, 3, shop.stores)]).items[0].batch_no
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": shop.company.name,
			"customer": make_customer(),
			"posting_date": nowdate(),
			"set_posting_time": 1,
			"update_stock": 1,
			"currency": "USD",
			"conversion_rate": 1,
			"debit_to": frappe.db.get_value(
				"Account", {"company": shop.company.name, "account_type": "Receivable", "is_group": 0}
			),
			"items": [delivery_line(item, 3, shop.stores)],
		}
	)
	invoice.insert()
	invoice.submit()
	credit_note = make_credit_note(invoice.name)
	credit_note.insert()
	credit_note.submit()

	assert lot_status(lot) == "Quarantine"
	assert return_events(lot)[0].reference_name == credit_note.name


def test_with_the_setting_off_returns_come_back_as_they_are(shop, sale):
	set_quarantine_returns(False)
	returned = return_of(sale.note, qty=2)

	assert lot_status(sale.lot) == "Released"
	[event] = return_events(sale.lot)
	assert (event.from_status, event.to_status, event.reference_name) == ("Released", "Released", returned.name)


def test_cancelling_the_return_restores_the_status_unless_something_else_changed_it(shop, sale):
	first = return_of(sale.note, qty=1)
	first.cancel()
	assert lot_status(sale.lot) == "Released"

	second = return_of(sale.note, qty=1)
	frappe.get_doc("Lot", sale.lot).change_status("On Hold", "Customer complaint under review")
	second.cancel()
	assert lot_status(sale.lot) == "On Hold"
	assert "stays On Hold" in return_events(sale.lot)[-1].reason


def test_a_returned_lot_is_found_by_a_recall_trace_back_on_the_shelf_in_quarantine(shop, sale):
	return_of(sale.note, qty=2)

	answer = trace_forward(lot=sale.lot)

	[delivery] = [row for row in answer["deliveries"] if row.voucher_no == sale.note.name]
	assert (delivery.customer, delivery.qty) == (sale.customer, 6)
	[shelf] = [row for row in answer["on_hand"] if row.lot == sale.lot]
	assert (shelf.warehouse, shelf.qty, shelf.status) == (shop.stores, 6, "Quarantine")


# Serialized units


@pytest.fixture
def delivered_unit(shop):
	"""A device built with its own serialized unit and delivered to a customer."""
	part = make_item()
	device = make_item(lot_controlled=False, has_serial_no=1)
	make_purchase_receipt(shop.company, shop.supplier, [receipt_line(part, 2, 1, shop.stores)])
	work_order = make_work_order(shop.company, device, {part: 1}, 1, shop.stores, skip_transfer=1)
	entry = work_order_entry(work_order, "Manufacture", 1)
	entry.insert()
	entry.submit()
	[unit] = frappe.get_all(UNIT, filters={"work_order": work_order.name}, pluck="name")
	customer = make_customer()
	note = make_delivery_note(
		shop.company,
		customer,
		[delivery_line(device, 1, shop.fg, serial_no=unit, use_serial_batch_fields=1)],
	)
	return frappe._dict(unit=unit, note=note, customer=customer)


def test_a_returned_unit_waits_in_quarantine_until_the_quality_role_releases_it(shop, delivered_unit):
	assert frappe.db.get_value(UNIT, delivered_unit.unit, "quality_status") == "Released"
	returned = return_of(delivered_unit.note)

	unit = frappe.get_doc(UNIT, delivered_unit.unit)
	assert (unit.status, unit.quality_status) == ("Returned", "Quarantine")
	[event] = [row for row in unit.history if row.event == "Quality Status"]
	assert (event.from_status, event.to_status, event.reference_name) == ("Released", "Quarantine", returned.name)
	assert delivered_unit.customer in event.note

	frappe.set_user(make_user("Stock User"))
	with pytest.raises(UnitQualityStatusError, match="Lot Quality Manager"):
		change_unit_quality_status(delivered_unit.unit, "Released", "Powers on")

	quality_manager = make_user("Stock User", "Lot Quality Manager")
	frappe.set_user(quality_manager)
	with pytest.raises(UnitQualityStatusError, match="reason"):
		change_unit_quality_status(delivered_unit.unit, "Released", "")
	change_unit_quality_status(delivered_unit.unit, "Released", "Bench test passed")
	unit.reload()
	assert unit.quality_status == "Released"
	assert (unit.history[-1].changed_by, unit.history[-1].note) == (quality_manager, "Bench test passed")


def test_the_quality_status_of_a_unit_is_kept_by_the_app(shop, delivered_unit):
	unit = frappe.get_doc(UNIT, delivered_unit.unit)
	unit.quality_status = "Rejected"
	with pytest.raises(frappe.ValidationError, match="Quality Status"):
		unit.save()


def test_cancelling_the_return_releases_the_unit_it_quarantined(shop, delivered_unit):
	returned = return_of(delivered_unit.note)
	returned.cancel()

	unit = frappe.get_doc(UNIT, delivered_unit.unit)
	assert (unit.status, unit.quality_status) == ("Delivered", "Released")
