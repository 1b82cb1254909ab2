"""No stock path escapes lot control. A lot held back by quality (Quarantine, On Hold) stays on the
shelf whichever ERPNext path tries to use it: invoices that move stock, the till, fixed assets,
disassembly, items with serials and lots, stock reserved for an order, and units held back one by
one. Disposal and returns to the supplier still let it leave, recorded on the lot."""

from contextlib import contextmanager

import frappe
import pytest
from frappe.utils import nowdate, nowtime

from lot_control.exceptions import LotNotUsableError, LotShortageError
from lot_control.stock_queries import get_lot_on_hand
from lot_control.tests.integration.factories import (
	make_customer,
	make_delivery_note,
	make_item,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
	unique_suffix,
	work_order_entry,
)


def receive(shop, item, qty=10, rate=3, **line):
	receipt = make_purchase_receipt(shop.company, shop.supplier, [receipt_line(item, qty, rate, shop.stores, **line)])
	return receipt.items[0].batch_no


def hold(lot, status="On Hold", reason="Supplier recall notice"):
	frappe.get_doc("Lot", lot).change_status(status, reason)


def sales_line(item, qty, warehouse, **extra):
	return {"item_code": item, "qty": qty, "rate": 10, "warehouse": warehouse, **extra}


def invoice(doctype, shop, customer, lines, **fields):
	return frappe.get_doc(
		{
			"doctype": doctype,
			"company": shop.company.name,
			"customer": customer,
			"posting_date": nowdate(),
			"currency": "USD",
			"conversion_rate": 1,
			"update_stock": 1,
			"items": lines,
			**fields,
		}
	)


def posted_lots(doc, table="items"):
	bundles = [row.serial_and_batch_bundle for row in doc.get(table) if row.serial_and_batch_bundle]
	return sorted(
		frappe.get_all("Serial and Batch Entry", filters={"parent": ("in", bundles or [""])}, pluck="batch_no")
	)


@contextmanager
def refused(*exceptions):
	"""A refusal may come after ERPNext has posted (the final check): undo the attempt, as the
	request would have been undone, so the story goes on from the stock as it was."""
	frappe.db.savepoint("before_refusal")
	with pytest.raises(exceptions or (LotNotUsableError,)) as refusal:
		yield refusal
	frappe.db.rollback(save_point="before_refusal")


def assert_refused_naming(refusal, *words, way=None):
	message = str(refusal.value)
	for word in words:
		assert word in message, (way, word, message)


# Sales Invoice with Update Stock


def test_a_sales_invoice_that_ships_stock_refuses_a_held_lot_and_picks_the_released_one(shop):
	part = make_item()
	held, good = receive(shop, part), receive(shop, part)
	hold(held)
	clerk = make_user("Accounts User", "Sales User", "Stock User")
	frappe.set_user(clerk)

	chosen = invoice("Sales Invoice", shop, make_customer(), [sales_line(part, 2, shop.stores, batch_no=held, use_serial_batch_fields=1)])
	with refused() as refusal:
		chosen.insert()
	assert_refused_naming(refusal, held, part, "On Hold")

	picked = invoice("Sales Invoice", shop, make_customer(), [sales_line(part, 2, shop.stores)])
	picked.insert()
	picked.submit()
	assert posted_lots(picked) == [good]
	assert (get_lot_on_hand(held), get_lot_on_hand(good)) == (10, 8)


def test_a_held_lot_is_refused_even_when_erpnext_picks_it_for_a_product_bundle(shop):
	"""Packed items are not on the document's item rows: only the posted bundles show the lot."""
	part = make_item()
	lot = receive(shop, part)
	hold(lot)
	kit = make_item(lot_controlled=False, is_stock_item=0)
	frappe.get_doc({"doctype": "Product Bundle", "new_item_code": kit, "items": [{"item_code": part, "qty": 2}]}).insert()
	with refused() as refusal:
		make_delivery_note(shop.company, make_customer(), [sales_line(kit, 1, shop.stores)])
	assert_refused_naming(refusal, lot, part, "On Hold")
	assert get_lot_on_hand(lot) == 10


# The till


def open_till(shop):
	company = shop.company
	cash = frappe.db.get_value("Account", {"company": company.name, "account_type": "Cash", "is_group": 0})
	mode = frappe.get_doc("Mode of Payment", "Cash")
	if not any(row.company == company.name for row in mode.accounts):
		mode.append("accounts", {"company": company.name, "default_account": cash})
		mode.save()
	profile = frappe.get_doc(
		{
			"doctype": "POS Profile",
			"name": f"Till {unique_suffix()}",
			"company": company.name,
			"currency": "USD",
			"warehouse": shop.stores,
			"selling_price_list": frappe.db.get_value("Price List", {"selling": 1}),
			"cost_center": company.cost_center,
			"write_off_account": company.write_off_account or frappe.db.get_value("Account", {"company": company.name, "root_type": "Expense", "is_group": 0}),
			"write_off_cost_center": company.cost_center,
			"payments": [{"mode_of_payment": "Cash", "default": 1}],
		}
	).insert()
	opening = frappe.get_doc(
		{
			"doctype": "POS Opening Entry",
			"pos_profile": profile.name,
			"company": company.name,
			"user": frappe.session.user,
			"period_start_date": frappe.utils.now_datetime(),
			"posting_date": nowdate(),
			"balance_details": [{"mode_of_payment": "Cash", "opening_amount": 0}],
		}
	).insert()
	opening.submit()
	return profile, opening


def sale_at_till(shop, profile, item, qty, **row):
	sale = frappe.get_doc(
		{
			"doctype": "POS Invoice",
			"company": shop.company.name,
			"pos_profile": profile.name,
			"is_pos": 1,
			"customer": make_customer(),
			"posting_date": nowdate(),
			"currency": "USD",
			"conversion_rate": 1,
			"update_stock": 1,
			"items": [sales_line(item, qty, shop.stores, **row)],
			"payments": [{"mode_of_payment": "Cash", "amount": 10 * qty, "default": 1}],
		}
	)
	sale.insert()
	return sale


def test_the_till_refuses_a_held_lot_and_the_closing_posts_what_was_sold(shop, monkeypatch):
	from erpnext.accounts.doctype.pos_invoice_merge_log.pos_invoice_merge_log import consolidate_pos_invoices

	part = make_item()
	held, good = receive(shop, part), receive(shop, part)
	hold(held)
	profile, _opening = open_till(shop)
	with refused() as refusal:
		sale_at_till(shop, profile, part, 1, batch_no=held, use_serial_batch_fields=1)
	assert_refused_naming(refusal, held, part, "On Hold")

	sale = sale_at_till(shop, profile, part, 1, batch_no=good, use_serial_batch_fields=1)
	sale.submit()
	assert posted_lots(sale) == [good]

	# The lot is held after the sale: the closing still posts what the till sold, checked at the sale.
	hold(good, reason="Complaint after the sale")
	monkeypatch.setattr(frappe.db, "commit", lambda: None)  # the closing commits; this test rolls back
	consolidate_pos_invoices(
		[frappe._dict(pos_invoice=sale.name, customer=sale.customer, posting_date=sale.posting_date, grand_total=sale.grand_total, is_return=0, return_against=None)]
	)
	consolidated = frappe.db.get_value("POS Invoice", sale.name, "consolidated_invoice")
	assert consolidated and frappe.db.get_value("Sales Invoice", consolidated, "docstatus") == 1
	assert get_lot_on_hand(good) == 9


# Purchase Invoice with Update Stock


def test_a_purchase_invoice_receives_lots_and_returns_a_quarantined_one_on_the_record(shop):
	from erpnext.controllers.sales_and_purchase_return import make_return_doc

	part = make_item(quarantine_lots_on_receipt=1)
	bill = frappe.get_doc(
		{
			"doctype": "Purchase Invoice",
			"company": shop.company.name,
			"supplier": shop.supplier,
			"posting_date": nowdate(),
			"currency": "USD",
			"conversion_rate": 1,
			"update_stock": 1,
			"items": [receipt_line(part, 6, 4, shop.stores)],
		}
	).insert()
	bill.submit()
	lot = bill.items[0].batch_no
	assert frappe.db.get_value("Lot", lot, ["status", "unit_cost"]) == ("Quarantine", 4)

	sent_back = make_return_doc("Purchase Invoice", bill.name)
	sent_back.items[0].qty = -6
	sent_back.insert()
	sent_back.submit()
	assert get_lot_on_hand(lot) == 0
	events = [(row.event, row.qty) for row in frappe.get_doc("Lot", lot).history if row.event != "Status Change"]
	assert events == [("Return to Supplier", 6)]


# Fixed assets


def capitalize(shop, part, lot, qty=2, submit=True, user=None):
	"""A composite asset built from `qty` of the part (from `lot`, or naming none); the asset
	category and item are set up as Administrator, the capitalization made by `user` if given."""
	company = shop.company.name
	category = frappe.get_doc(
		{
			"doctype": "Asset Category",
			"asset_category_name": f"Test rigs {unique_suffix()}",
			"accounts": [
				{
					"company_name": company,
					"fixed_asset_account": frappe.db.get_value("Account", {"company": company, "account_type": "Fixed Asset", "is_group": 0}),
					"accumulated_depreciation_account": frappe.db.get_value("Account", {"company": company, "account_type": "Accumulated Depreciation", "is_group": 0}),
					"depreciation_expense_account": frappe.db.get_value("Account", {"company": company, "account_type": "Depreciation", "is_group": 0}),
					"capital_work_in_progress_account": frappe.db.get_value("Account", {"company": company, "account_type": "Capital Work in Progress", "is_group": 0}),
				}
			],
		}
	).insert()
	rig = make_item(lot_controlled=False, is_stock_item=0, is_fixed_asset=1, asset_category=category.name)
	location = frappe.db.get_value("Location", {}) or frappe.get_doc({"doctype": "Location", "location_name": f"Lab {unique_suffix()}"}).insert().name
	if user:
		frappe.set_user(user)
	capitalization = frappe.get_doc(
		{
			"doctype": "Asset Capitalization",
			"company": company,
			"capitalization_method": "Create a new composite asset",
			"posting_date": nowdate(),
			"posting_time": nowtime(),
			"target_item_code": rig,
			"target_asset_location": location,
			"target_qty": 1,
			"stock_items": [{"item_code": part, "warehouse": shop.stores, "stock_qty": qty, "batch_no": lot, "use_serial_batch_fields": 1}],
		}
	)
	try:
		capitalization.insert()
		if submit:
			capitalization.submit()
	finally:
		frappe.set_user("Administrator")
	return capitalization


def test_a_quarantined_lot_cannot_be_built_into_a_fixed_asset(shop):
	part = make_item()
	quarantined, released = receive(shop, part), receive(shop, part)
	hold(quarantined, "Quarantine", "incoming inspection")
	# Who capitalizes: ERPNext lets a Manufacturing Manager make one, and an Accounts User make the
	# Asset it creates (a Quality Manager may do both).
	builder = make_user("Manufacturing Manager", "Accounts User", "Stock User")
	with refused() as refusal:
		capitalize(shop, part, quarantined, user=builder)
	assert_refused_naming(refusal, quarantined, part, "Quarantine")
	assert get_lot_on_hand(quarantined) == 10

	capitalization = capitalize(shop, part, released, user=builder)
	assert posted_lots(capitalization, "stock_items") == [released]
	assert get_lot_on_hand(released) == 8

	# Naming no lot, the part comes from the released lot, not from the quarantined one ERPNext
	# would take first (it came in first).
	capitalization = capitalize(shop, part, None, qty=3, user=builder)
	assert posted_lots(capitalization, "stock_items") == [released]
	assert get_lot_on_hand(released) == 5 and get_lot_on_hand(quarantined) == 10


def repair(shop, asset, part, qty, user=None):
	"""An Asset Repair that consumes `qty` of the part naming no lot: ERPNext posts it through a
	Material Issue naming the repair, where the lots are picked."""
	repair = frappe.get_doc(
		{
			"doctype": "Asset Repair",
			"asset": asset,
			"company": shop.company.name,
			"failure_date": nowdate(),
			"completion_date": nowdate(),
			"repair_status": "Completed",
			"description": "Worn spindle bearing",
			"repair_cost": 0,
			"cost_center": shop.company.cost_center,
			"stock_consumption": 1,
			"stock_items": [{"item_code": part, "warehouse": shop.stores, "consumed_quantity": qty, "valuation_rate": 3}],
		}
	)
	if user:
		frappe.set_user(user)
	try:
		repair.insert()
		repair.submit()
	finally:
		frappe.set_user("Administrator")
	return repair


def repair_issue(repair):
	return frappe.get_doc("Stock Entry", {"asset_repair": repair.name, "docstatus": 1})


def test_an_asset_repair_uses_released_lots_and_never_a_held_one(shop):
	rig_part, part = make_item(), make_item()
	asset = capitalize(shop, rig_part, receive(shop, rig_part)).target_asset
	held, released = receive(shop, part, qty=4), receive(shop, part, qty=4)
	hold(held)
	maintenance = make_user("Manufacturing Manager", "Stock User")

	done = repair(shop, asset, part, 3, user=maintenance)
	issue = repair_issue(done)
	assert posted_lots(issue) == [released]
	assert get_lot_on_hand(released) == 1 and get_lot_on_hand(held) == 4

	# The one usable unit left is not enough: the held lot is named, not taken.
	with refused(LotShortageError) as refusal:
		repair(shop, asset, part, 2, user=maintenance)
	assert_refused_naming(refusal, held, part, "On Hold")
	assert get_lot_on_hand(held) == 4 and get_lot_on_hand(released) == 1


# Disassembly


def test_a_held_finished_lot_is_not_disassembled(shop):
	part, product = make_item(), make_item()
	receive(shop, part)
	work_order = make_work_order(shop.company, product, part, 2, shop.stores)
	for purpose in ("Material Transfer for Manufacture", "Manufacture"):
		entry = work_order_entry(work_order, purpose, 2)
		entry.insert()
		entry.submit()
	finished = next(row.batch_no for row in entry.items if row.is_finished_item)
	hold(finished)

	for chosen in (None, finished):
		disassembly = work_order_entry(work_order, "Disassemble", 1)
		for row in disassembly.items:
			if row.item_code == product and row.s_warehouse:
				row.update({"batch_no": chosen, "use_serial_batch_fields": 1} if chosen else {})
		with refused(LotNotUsableError, LotShortageError) as refusal:
			disassembly.insert()
			disassembly.submit()
		assert_refused_naming(refusal, finished, product, "On Hold")
	assert get_lot_on_hand(finished) == 2


# Items with both serials and lots


def receive_serials(shop, item, lot_code, count):
	serials = [f"{lot_code}-{n:03d}" for n in range(1, count + 1)]
	frappe.get_doc({"doctype": "Batch", "batch_id": lot_code, "item": item}).insert()
	make_purchase_receipt(
		shop.company,
		shop.supplier,
		[receipt_line(item, count, 50, shop.stores, batch_no=lot_code, serial_no="\n".join(serials), use_serial_batch_fields=1)],
	)
	return serials


def serial_bundle(shop, item, serials):
	from erpnext.stock.serial_batch_bundle import SerialBatchCreation

	return SerialBatchCreation(
		{
			"item_code": item,
			"warehouse": shop.stores,
			"voucher_type": "Delivery Note",
			"posting_date": nowdate(),
			"posting_time": nowtime(),
			"qty": -len(serials),
			"serial_nos": serials,
			"type_of_transaction": "Outward",
			"company": shop.company.name,
			"do_not_submit": True,
		}
	).make_serial_and_batch_bundle().name


def test_a_held_lot_of_a_serialized_item_is_refused_however_it_is_chosen(shop):
	radio = make_item(has_serial_no=1, track_serialized_units=0)
	held_code, good_code = f"RH{unique_suffix()}", f"RG{unique_suffix()}"
	held_serials = receive_serials(shop, radio, held_code, 3)
	good_serials = receive_serials(shop, radio, good_code, 3)
	hold(held_code)
	customer = make_customer()

	ways = {
		"batch field": {"batch_no": held_code, "serial_no": held_serials[0], "use_serial_batch_fields": 1},
		"serial only": {"serial_no": held_serials[0], "use_serial_batch_fields": 1},
		"bundle": {"serial_and_batch_bundle": serial_bundle(shop, radio, held_serials[:1]), "use_serial_batch_fields": 0},
	}
	for way, row in ways.items():
		with refused() as refusal:
			make_delivery_note(shop.company, customer, [sales_line(radio, 1, shop.stores, **row)])
		assert_refused_naming(refusal, held_code, radio, "On Hold", way=way)

	picked = make_delivery_note(shop.company, customer, [sales_line(radio, 2, shop.stores)])
	entries = frappe.get_all(
		"Serial and Batch Entry", filters={"parent": picked.items[0].serial_and_batch_bundle}, fields=["serial_no", "batch_no"]
	)
	assert {entry.batch_no for entry in entries} == {good_code}
	assert sorted(entry.serial_no for entry in entries) == good_serials[:2]
	assert get_lot_on_hand(held_code) == 3


def test_picking_a_serialized_item_with_no_usable_lot_names_the_held_lot(shop):
	radio = make_item(has_serial_no=1, track_serialized_units=0)
	held_code = f"RH{unique_suffix()}"
	receive_serials(shop, radio, held_code, 2)
	hold(held_code)
	with refused(LotShortageError) as refusal:
		make_delivery_note(shop.company, make_customer(), [sales_line(radio, 1, shop.stores)])
	assert_refused_naming(refusal, held_code, "status On Hold")


# Units held back one by one


def test_a_unit_held_back_by_quality_is_not_shipped(shop):
	if not frappe.db.has_column("Serialized Unit", "quality_status"):
		pytest.skip("Serialized Unit has no quality status on this site yet")
	from lot_control.units import new_unit

	device = make_item(lot_controlled=False, has_serial_no=1)
	units = [new_unit(device, shop.company.name) for _ in range(2)]
	stock_in = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"purpose": "Material Receipt",
			"company": shop.company.name,
			"items": [
				{
					"item_code": device,
					"qty": 2,
					"t_warehouse": shop.stores,
					"basic_rate": 100,
					"serial_no": "\n".join(unit.serial_no for unit in units),
					"use_serial_batch_fields": 1,
				}
			],
		}
	).insert()
	stock_in.submit()
	frappe.db.set_value("Serialized Unit", units[0].name, "quality_status", "On Hold")

	row = {"serial_no": units[0].serial_no, "use_serial_batch_fields": 1}
	with refused() as refusal:
		make_delivery_note(shop.company, make_customer(), [sales_line(device, 1, shop.stores, **row)])
	assert_refused_naming(refusal, units[0].name, device, "On Hold")
	make_delivery_note(
		shop.company, make_customer(), [sales_line(device, 1, shop.stores, serial_no=units[1].serial_no, use_serial_batch_fields=1)]
	)


# Stock reserved for an order


def test_a_reserved_lot_put_on_hold_is_not_delivered_against_the_order(shop):
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note as delivery_from_order

	frappe.db.set_single_value("Stock Settings", {"enable_stock_reservation": 1, "auto_reserve_serial_and_batch": 1})
	part = make_item()
	lot = receive(shop, part, qty=5)
	order = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"company": shop.company.name,
			"customer": make_customer(),
			"transaction_date": nowdate(),
			"delivery_date": nowdate(),
			"currency": "USD",
			"conversion_rate": 1,
			"set_warehouse": shop.stores,
			"reserve_stock": 1,
			"items": [{**sales_line(part, 3, shop.stores), "delivery_date": nowdate(), "reserve_stock": 1}],
		}
	).insert()
	order.submit()
	reserved = frappe.get_all(
		"Serial and Batch Entry",
		filters={"parenttype": "Stock Reservation Entry", "batch_no": lot},
		pluck="parent",
	)
	assert reserved, "ERPNext reserved the lot for the order"
	hold(lot)

	delivery = frappe.get_doc(delivery_from_order(order.name))
	delivery.insert()
	with refused() as refusal:
		delivery.submit()
	assert_refused_naming(refusal, lot, part, "On Hold")
	assert get_lot_on_hand(lot) == 5


# Customer-provided material


def test_customer_provided_material_received_by_stock_entry_is_theirs_and_kept_from_house_jobs(shop):
	customer = make_customer()
	resin = make_item(is_customer_provided_item=1, customer=customer, is_purchase_item=0, create_new_batch=1)
	receipt = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"purpose": "Material Receipt",
			"company": shop.company.name,
			"items": [{"item_code": resin, "qty": 5, "t_warehouse": shop.stores, "allow_zero_valuation_rate": 1}],
		}
	).insert()
	receipt.submit()
	lot = frappe.get_all("Lot", filters={"item": resin}, pluck="name")[0]
	assert frappe.db.get_value("Lot", lot, ["stock_owner", "consignment_customer"]) == ("Customer", customer)

	house_job = make_work_order(shop.company, make_item(), resin, 1, shop.stores)
	entry = work_order_entry(house_job, "Material Transfer for Manufacture", 1, batch_no=lot, use_serial_batch_fields=1)
	with refused() as refusal:
		entry.insert()
	assert_refused_naming(refusal, lot, customer)
