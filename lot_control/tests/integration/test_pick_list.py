"""A picker's day with Pick Lists: for a customer's order, a Work Order and a Material Request, the
list sends them only to lots the delivery or entry will accept, first expiring first; a lot typed
by hand that would be refused is refused at save; and what is made from the list goes through."""

import json

import frappe
import pytest
from erpnext.manufacturing.doctype.work_order.work_order import create_pick_list as pick_list_for_work_order
from erpnext.selling.doctype.sales_order.sales_order import create_pick_list as pick_list_for_sales_order
from erpnext.stock.doctype.material_request.material_request import create_pick_list as pick_list_for_request
from erpnext.stock.doctype.pick_list.pick_list import create_delivery_note, create_stock_entry
from frappe.utils import add_days, nowdate

from lot_control.exceptions import LotNotUsableError
from lot_control.tests.integration.factories import (
	expire_lot,
	make_customer,
	make_item,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
	work_order_entry,
)


def receive_lot(shop, item, qty, expiry_in_days=None, manufactured_days_ago=None, consignment_customer=None):
	line = {}
	if expiry_in_days is not None:
		line["lot_expiry_date"] = add_days(nowdate(), expiry_in_days)
	if manufactured_days_ago is not None:
		line["lot_manufacturing_date"] = add_days(nowdate(), -manufactured_days_ago)
	receipt = make_purchase_receipt(
		shop.company,
		shop.supplier,
		[receipt_line(item, qty, 2, shop.stores, **line)],
		consignment_customer=consignment_customer,
	)
	return receipt.items[0].batch_no


def selling_price_list():
	name = frappe.db.get_value("Price List", {"selling": 1, "enabled": 1})
	if name:
		return name
	price_list = frappe.get_doc(
		{"doctype": "Price List", "price_list_name": "Lot Control Selling", "selling": 1, "currency": "USD"}
	)
	price_list.insert(ignore_permissions=True)
	return price_list.name


def make_sales_order(shop, customer, item, qty):
	order = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"company": shop.company.name,
			"customer": customer,
			"transaction_date": nowdate(),
			"delivery_date": add_days(nowdate(), 7),
			"currency": "USD",
			"conversion_rate": 1,
			"selling_price_list": selling_price_list(),
			"items": [
				{
					"item_code": item,
					"qty": qty,
					"rate": 5,
					"warehouse": shop.stores,
					"delivery_date": add_days(nowdate(), 7),
				}
			],
		}
	)
	order.insert(ignore_permissions=True)
	order.submit()
	return order


def stock_entry_from(pick_list):
	"""The Stock Entry the list's "Create Stock Entry" opens: ERPNext maps it, and the form ticks Use
	Serial / Batch Fields on its rows as Stock Settings say (on here), so the lots named are drawn."""
	entry = frappe.get_doc(create_stock_entry(json.dumps(pick_list.as_dict(), default=str)))
	assert frappe.db.get_single_value("Stock Settings", "use_serial_batch_fields")
	for row in entry.items:
		if not row.serial_and_batch_bundle:
			row.use_serial_batch_fields = 1
	return entry


def suggested(pick_list):
	return [(row.batch_no, row.warehouse, row.stock_qty) for row in pick_list.locations]


def drawn_lots(doc):
	"""The lots a submitted delivery or entry drew from stock, from its posted bundles."""
	return sorted(
		(entry.batch_no, abs(entry.qty))
		for row in doc.items
		if row.serial_and_batch_bundle and (doc.doctype != "Stock Entry" or row.s_warehouse)
		for entry in frappe.get_doc("Serial and Batch Bundle", row.serial_and_batch_bundle).entries
	)


def messages():
	return " ".join(str(message) for message in frappe.local.message_log)


@pytest.fixture
def shelf(shop):
	"""A part in five lots on the Stores shelf, and a customer who wants 60% of shelf life left:
	the first lots received are the ones ERPNext's first-in-first-out would send the picker to."""
	shop.customer = make_customer(min_remaining_shelf_life_percent=60)
	shop.part = make_item()
	shop.quarantined = receive_lot(shop, shop.part, 5, expiry_in_days=30)
	frappe.get_doc("Lot", shop.quarantined).change_status("Quarantine", "Supplier flagged the resin")
	shop.expired = receive_lot(shop, shop.part, 5, expiry_in_days=60)
	expire_lot(shop.expired)
	shop.short_dated = receive_lot(shop, shop.part, 5, expiry_in_days=10, manufactured_days_ago=90)
	shop.good_later = receive_lot(shop, shop.part, 5, expiry_in_days=300)
	shop.good_soon = receive_lot(shop, shop.part, 3, expiry_in_days=100)
	return shop


def test_a_pick_list_for_an_order_sends_the_picker_only_to_usable_lots_first_expiring_first(shelf):
	order = make_sales_order(shelf, shelf.customer, shelf.part, 6)
	picker = make_user("Stock User", "Sales User")
	frappe.set_user(picker)

	pick_list = pick_list_for_sales_order(order.name)
	assert suggested(pick_list) == [(shelf.good_soon, shelf.stores, 3), (shelf.good_later, shelf.stores, 3)]

	pick_list.insert()
	assert suggested(pick_list) == [(shelf.good_soon, shelf.stores, 3), (shelf.good_later, shelf.stores, 3)]
	pick_list.submit()

	note = create_delivery_note(pick_list.name)
	note.submit()
	assert drawn_lots(note) == sorted([(shelf.good_soon, 3), (shelf.good_later, 3)])
	assert frappe.db.get_value("Sales Order", order.name, "per_delivered") == 100


def test_when_usable_stock_runs_short_the_list_is_short_and_says_which_lots_were_skipped(shelf):
	order = make_sales_order(shelf, shelf.customer, shelf.part, 12)
	frappe.local.message_log = []

	pick_list = pick_list_for_sales_order(order.name)

	assert suggested(pick_list) == [(shelf.good_soon, shelf.stores, 3), (shelf.good_later, shelf.stores, 5)]
	told = messages()
	assert shelf.part in told and "8" in told
	assert shelf.quarantined in told and "Quarantine" in told
	assert shelf.short_dated in told and "shelf life" in told and "60" in told


def test_the_same_lots_are_right_for_a_relaxed_customer(shelf):
	"""The minimum shelf life is the customer's: another customer gets the short-dated lot first."""
	order = make_sales_order(shelf, make_customer(), shelf.part, 6)

	pick_list = pick_list_for_sales_order(order.name)

	assert suggested(pick_list) == [(shelf.short_dated, shelf.stores, 5), (shelf.good_soon, shelf.stores, 1)]


def test_a_lot_typed_by_hand_that_the_delivery_would_refuse_is_refused_at_save(shelf):
	order = make_sales_order(shelf, shelf.customer, shelf.part, 2)
	frappe.set_user(make_user("Stock User", "Sales User"))
	pick_list = frappe.get_doc(
		{
			"doctype": "Pick List",
			"company": shelf.company.name,
			"purpose": "Delivery",
			"customer": shelf.customer,
			"pick_manually": 1,
			"locations": [
				{
					"item_code": shelf.part,
					"qty": 2,
					"stock_qty": 2,
					"conversion_factor": 1,
					"uom": "Nos",
					"stock_uom": "Nos",
					"warehouse": shelf.stores,
					"batch_no": shelf.quarantined,
					"use_serial_batch_fields": 1,
					"sales_order": order.name,
					"sales_order_item": order.items[0].name,
				}
			],
		}
	)

	with pytest.raises(LotNotUsableError) as refusal:
		pick_list.insert()
	message = str(refusal.value)
	assert shelf.quarantined in message and shelf.part in message and "Quarantine" in message

	pick_list.locations[0].batch_no = shelf.short_dated
	with pytest.raises(LotNotUsableError, match="shelf life"):
		pick_list.insert()

	pick_list.locations[0].batch_no = shelf.good_later
	pick_list.insert()
	assert suggested(pick_list) == [(shelf.good_later, shelf.stores, 2)]


def test_a_pick_list_for_a_work_order_skips_other_owners_and_other_work_orders_lots(shop):
	shop.part = make_item()
	product = make_item(lot_controlled=False)
	# Another customer's consigned stock expires first: it is not this house job's to use.
	receive_lot(shop, shop.part, 10, expiry_in_days=20, consignment_customer=make_customer())
	held = receive_lot(shop, shop.part, 5, expiry_in_days=40)
	house = receive_lot(shop, shop.part, 10, expiry_in_days=300)
	other_job = make_work_order(shop.company, product, shop.part, 5, shop.stores)
	transfer = work_order_entry(
		other_job, "Material Transfer for Manufacture", 5, batch_no=held, use_serial_batch_fields=1
	)
	transfer.insert()
	transfer.submit()

	job = make_work_order(shop.company, product, shop.part, 4, shop.stores)
	frappe.set_user(make_user("Manufacturing User", "Stock User"))
	pick_list = pick_list_for_work_order(job.name, for_qty=4)

	assert suggested(pick_list) == [(house, shop.stores, 4)]

	pick_list.insert()
	pick_list.submit()
	entry = stock_entry_from(pick_list)
	entry.insert()
	entry.submit()
	assert drawn_lots(entry) == [(house, 4)]
	assert frappe.db.get_value("Work Order", job.name, "material_transferred_for_manufacturing") == 4


def test_a_lot_of_another_work_order_typed_by_hand_is_refused_naming_that_work_order(shop):
	shop.part = make_item()
	product = make_item(lot_controlled=False)
	held = receive_lot(shop, shop.part, 5, expiry_in_days=40)
	other_job = make_work_order(shop.company, product, shop.part, 5, shop.stores)
	transfer = work_order_entry(
		other_job, "Material Transfer for Manufacture", 5, batch_no=held, use_serial_batch_fields=1
	)
	transfer.insert()
	transfer.submit()
	job = make_work_order(shop.company, product, shop.part, 2, shop.stores)

	pick_list = pick_list_for_work_order(job.name, for_qty=2)
	pick_list.pick_manually = 1
	pick_list.locations = []
	pick_list.append(
		"locations",
		{
			"item_code": shop.part,
			"qty": 2,
			"stock_qty": 2,
			"conversion_factor": 1,
			"uom": "Nos",
			"stock_uom": "Nos",
			"warehouse": shop.wip,
			"batch_no": held,
			"use_serial_batch_fields": 1,
		},
	)

	with pytest.raises(LotNotUsableError) as refusal:
		pick_list.insert()
	message = str(refusal.value)
	assert held in message and shop.part in message and other_job.name in message


def test_a_pick_list_for_a_material_request_picks_released_house_stock_first_expiring_first(shop):
	shop.part = make_item()
	on_hold = receive_lot(shop, shop.part, 10, expiry_in_days=15)
	frappe.get_doc("Lot", on_hold).change_status("On Hold", "Label misprint under review")
	consigned = receive_lot(shop, shop.part, 10, expiry_in_days=20, consignment_customer=make_customer())
	later = receive_lot(shop, shop.part, 10, expiry_in_days=200)
	sooner = receive_lot(shop, shop.part, 2, expiry_in_days=90)
	request = frappe.get_doc(
		{
			"doctype": "Material Request",
			"material_request_type": "Material Transfer",
			"company": shop.company.name,
			"transaction_date": nowdate(),
			"schedule_date": add_days(nowdate(), 3),
			"items": [
				{
					"item_code": shop.part,
					"qty": 5,
					"warehouse": shop.wip,
					"schedule_date": add_days(nowdate(), 3),
				}
			],
		}
	)
	request.insert()
	request.submit()

	pick_list = pick_list_for_request(request.name)

	assert suggested(pick_list) == [(sooner, shop.stores, 2), (later, shop.stores, 3)]
	pick_list.insert()
	pick_list.submit()
	entry = stock_entry_from(pick_list)
	entry.insert()
	entry.submit()
	assert drawn_lots(entry) == sorted([(sooner, 2), (later, 3)])
	assert consigned not in [lot for lot, _qty in drawn_lots(entry)]
