"""Serialized units on the shop floor: a Work Order of several devices, registered and labelled
before the build or made by it; lots attributed to each device; a device delivered, returned,
documented and found again by its code or its customer's serial."""

import frappe
import pytest
from frappe.utils import add_days, flt, getdate, nowdate

from lot_control import codes
from lot_control.tests.integration.factories import (
	make_company,
	make_customer,
	make_delivery_note,
	make_item,
	make_purchase_receipt,
	make_supplier,
	make_warehouse,
	make_work_order,
	receipt_line,
	work_order_entry,
)
from lot_control.units import find_unit, lots_in_unit, register_units, release_units

UNIT = "Serialized Unit"


def receive(shop, item, qty, rate, prefix="LOT"):
	lot = f"{prefix}-{frappe.generate_hash(length=6).upper()}"
	make_purchase_receipt(shop.company, shop.supplier, [receipt_line(item, qty, rate, shop.stores, lot_number=lot)])
	return lot


def device_item(**overrides):
	return make_item(lot_controlled=False, has_serial_no=1, **overrides)


def manufacture(work_order, qty, **row_values):
	entry = work_order_entry(work_order, "Manufacture", qty, **row_values)
	for key, value in row_values.pop("__entry", {}).items():
		entry.set(key, value)
	entry.insert()
	entry.submit()
	return entry


def outward_unit_bundle(shop, item_code, warehouse, serial_nos):
	from erpnext.stock.serial_batch_bundle import SerialBatchCreation

	return (
		SerialBatchCreation(
			{
				"item_code": item_code,
				"warehouse": warehouse,
				"voucher_type": "Stock Entry",
				"posting_date": nowdate(),
				"posting_time": "10:00:00",
				"qty": -len(serial_nos),
				"serial_nos": serial_nos,
				"type_of_transaction": "Outward",
				"company": shop.company.name,
				"do_not_submit": True,
			}
		)
		.make_serial_and_batch_bundle()
		.name
	)


def units_of(work_order):
	return frappe.get_all(UNIT, filters={"work_order": work_order.name}, pluck="name", order_by="creation, name")


def inside(unit):
	"""{lot: qty} of the lots directly inside a unit, from the genealogy."""
	rows = frappe.get_all(
		"Lot Consumption",
		filters={"produced_unit": unit, "is_cancelled": 0},
		fields=["consumed_node", "sum(qty) as qty"],
		group_by="consumed_node",
	)
	return {row.consumed_node: flt(row.qty, 6) for row in rows}


def test_a_work_order_of_several_units_makes_one_unit_each_with_its_share_of_every_lot(shop):
	resistor, device = make_item(), device_item()
	cheap = receive(shop, resistor, 4, 2.00, "RES")
	dear = receive(shop, resistor, 2, 3.00, "RES")
	work_order = make_work_order(shop.company, device, {resistor: 2}, 3, shop.stores, skip_transfer=1)

	entry = manufacture(work_order, 3)

	units = units_of(work_order)
	assert len(units) == 3
	for name in units:
		unit = frappe.get_doc(UNIT, name)
		assert codes.is_valid_code(unit.name) and len(unit.name) == codes.CODE_LENGTH
		assert unit.code_display == codes.format_code(unit.name)
		assert (unit.item_code, unit.status, unit.warehouse, unit.stock_entry) == (device, "In Stock", shop.fg, entry.name)
		serial = frappe.db.get_value("Serial No", unit.serial_no, ["item_code", "warehouse", "status"], as_dict=True)
		assert (serial.item_code, serial.warehouse, serial.status) == (device, shop.fg, "Active")
		# 6 resistors were drawn, 4 from the cheap lot and 2 from the dear one: each unit holds a third of each.
		assert inside(name) == {cheap: pytest.approx(4 / 3, abs=1e-6), dear: pytest.approx(2 / 3, abs=1e-6)}
	assert sum(inside(name)[cheap] for name in units) == pytest.approx(4, abs=1e-5)

	# Each unit's cost is its share of the lots at their own prices, and they add up to ERPNext's value.
	costs = [flt(frappe.db.get_value(UNIT, name, "unit_cost"), 2) for name in units]
	assert sum(costs) == pytest.approx(4 * 2.00 + 2 * 3.00, abs=0.005)
	ledger_value = flt(
		frappe.db.get_value(
			"Stock Ledger Entry",
			{"voucher_no": entry.name, "item_code": device, "is_cancelled": 0, "actual_qty": (">", 0)},
			"stock_value_difference",
		),
		2,
	)
	assert sum(costs) == pytest.approx(ledger_value, abs=0.005)
	history = frappe.get_doc(UNIT, units[0]).history
	assert [row.event for row in history] == ["Registered", "Built"]
	assert history[-1].reference_name == entry.name


def test_units_registered_up_front_are_the_ones_the_build_makes(shop):
	resistor, device = make_item(), device_item()
	lot = receive(shop, resistor, 10, 1.50)
	work_order = make_work_order(shop.company, device, {resistor: 1}, 3, shop.stores, skip_transfer=1)

	registered = register_units(work_order.name)
	assert len(registered) == 3
	for name in registered:
		unit = frappe.get_doc(UNIT, name)
		assert (unit.status, unit.work_order, unit.stock_entry) == ("Registered", work_order.name, None)
		# Labelled and scannable before any component is placed: the Serial No exists, out of stock.
		assert frappe.db.get_value("Serial No", name, ["status", "warehouse", "work_order"]) == ("Inactive", None, work_order.name)
	with pytest.raises(frappe.ValidationError, match="already registered"):
		register_units(work_order.name)

	first = manufacture(work_order, 2)
	assert frappe.get_all(UNIT, filters={"stock_entry": first.name}, pluck="name", order_by="creation, name") == registered[:2]
	assert frappe.db.get_value(UNIT, registered[2], "status") == "Registered"
	second = manufacture(work_order, 1)
	assert frappe.db.get_value(UNIT, registered[2], ["status", "stock_entry"]) == ("In Stock", second.name)
	assert units_of(work_order) == registered
	assert all(inside(name) == {lot: 1} for name in registered)


def test_the_user_can_say_exactly_which_lot_went_into_which_unit(shop):
	resistor, device = make_item(), device_item()
	first_lot = receive(shop, resistor, 2, 1.00)
	second_lot = receive(shop, resistor, 2, 5.00)
	work_order = make_work_order(shop.company, device, {resistor: 2}, 2, shop.stores, skip_transfer=1)
	one, two = register_units(work_order.name)

	entry = work_order_entry(work_order, "Manufacture", 2)
	entry.append("unit_lot_assignments", {"serialized_unit": one, "lot": first_lot, "qty": 1})
	entry.insert()
	frappe.db.savepoint("partial_assignment")
	with pytest.raises(frappe.ValidationError, match=f"1.0 of lot.*{first_lot}.*{resistor}.*consumes 2"):
		entry.submit()
	frappe.db.rollback(save_point="partial_assignment")  # as the refused request is rolled back

	entry.reload()
	entry.unit_lot_assignments = []
	entry.append("unit_lot_assignments", {"serialized_unit": one, "lot": first_lot, "qty": 2})
	entry.append("unit_lot_assignments", {"serialized_unit": two, "lot": second_lot, "qty": 2})
	entry.save()
	entry.submit()

	assert inside(one) == {first_lot: 2}
	assert inside(two) == {second_lot: 2}
	assert flt(frappe.db.get_value(UNIT, one, "unit_cost"), 2) == 2.00
	assert flt(frappe.db.get_value(UNIT, two, "unit_cost"), 2) == 10.00


def test_a_delivered_unit_has_its_customer_and_warranty_and_a_return_brings_it_back(shop):
	from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return

	resistor, device = make_item(), device_item(warranty_period=365)
	receive(shop, resistor, 5, 1.00)
	work_order = make_work_order(shop.company, device, {resistor: 1}, 2, shop.stores, skip_transfer=1)
	manufacture(work_order, 2)
	unit, other = units_of(work_order)
	customer = make_customer()

	note = make_delivery_note(
		shop.company,
		customer,
		[{"item_code": device, "qty": 1, "rate": 120, "warehouse": shop.fg, "serial_no": unit, "use_serial_batch_fields": 1}],
	)

	delivered = frappe.get_doc(UNIT, unit)
	assert (delivered.status, delivered.customer, delivered.warehouse) == ("Delivered", customer, None)
	assert (delivered.delivery_document_type, delivered.delivery_document) == ("Delivery Note", note.name)
	assert getdate(delivered.delivery_date) == getdate(nowdate())
	assert getdate(delivered.warranty_end) == getdate(add_days(nowdate(), 365))
	assert frappe.db.get_value(UNIT, other, ["status", "customer"]) == ("In Stock", None)

	returned_note = make_sales_return(note.name)
	returned_note.insert()
	returned_note.submit()
	returned = frappe.get_doc(UNIT, unit)
	assert (returned.status, returned.customer, returned.warehouse) == ("Returned", customer, shop.fg)
	assert getdate(returned.warranty_end) == getdate(add_days(nowdate(), 365))
	assert [row.event for row in returned.history][-3:] == ["Delivered", "Returned", "Quality Status"]
	assert returned.quality_status == "Quarantine"  # Quarantine Customer Returns is on by default

	# Cancelling the return puts the unit back with the customer.
	returned_note.cancel()
	assert frappe.db.get_value(UNIT, unit, ["status", "customer"]) == ("Delivered", customer)


def test_a_cancelled_build_gives_its_units_back_and_a_cancelled_work_order_releases_or_scraps_them(shop):
	resistor, device = make_item(), device_item()
	receive(shop, resistor, 10, 1.00)
	work_order = make_work_order(shop.company, device, {resistor: 1}, 2, shop.stores, skip_transfer=1)
	registered = register_units(work_order.name)
	entry = manufacture(work_order, 2)
	entry.cancel()
	for name in registered:
		unit = frappe.get_doc(UNIT, name)
		assert (unit.status, unit.stock_entry, unit.warehouse) == ("Registered", None, None)
		assert inside(name) == {}

	work_order.reload()
	work_order.db_set("registered_units_on_cancel", "Scrap")
	work_order.reload()
	work_order.cancel()
	assert {frappe.db.get_value(UNIT, name, "status") for name in registered} == {"Scrapped"}

	other = make_work_order(shop.company, device, {resistor: 1}, 1, shop.stores, skip_transfer=1)
	kept = register_units(other.name)
	other.reload()
	other.cancel()  # releases by default
	assert frappe.db.get_value(UNIT, kept[0], ["status", "work_order"]) == ("Registered", None)
	assert release_units(other.name, "Release") == []
	# The next Work Order of the item reuses the released unit: its label is still good.
	third = make_work_order(shop.company, device, {resistor: 1}, 1, shop.stores, skip_transfer=1)
	assert register_units(third.name) == kept


def test_serialized_sub_assemblies_are_traced_inside_the_assembly_units(shop):
	chip, module, product = make_item(), device_item(), device_item()
	chip_lot = receive(shop, chip, 10, 4.00, "CHIP")
	module_order = make_work_order(shop.company, module, {chip: 2}, 2, shop.stores, skip_transfer=1)
	manufacture(module_order, 2)
	modules = units_of(module_order)

	product_order = make_work_order(shop.company, product, {module: 1}, 2, shop.fg, skip_transfer=1, use_multi_level_bom=0)
	entry = work_order_entry(product_order, "Manufacture", 2)
	for row in entry.items:
		if row.item_code == module:  # the modules picked on the shop floor, by their codes
			row.serial_and_batch_bundle = outward_unit_bundle(shop, module, shop.fg, modules)
	entry.insert()
	entry.submit()
	products = units_of(product_order)

	assert {frappe.db.get_value(UNIT, name, "status") for name in modules} == {"Consumed"}
	nodes = {row.lot: row.depth for row in lots_in_unit(products[0])}
	assert nodes[chip_lot] == 2 and sum(1 for node, depth in nodes.items() if node in modules and depth == 1) == 1
	# Each product unit costs its module (two chips at 4.00).
	assert flt(frappe.db.get_value(UNIT, products[0], "unit_cost"), 2) == 8.00


def test_unit_documents_history_and_the_fields_the_app_keeps(shop):
	device = device_item()
	work_order = make_work_order(shop.company, device, {make_item(): 1}, 1, shop.stores, skip_transfer=1)
	(name,) = register_units(work_order.name)
	report = frappe.get_doc(
		{"doctype": "File", "file_name": f"test-{name}.txt", "content": b"burn-in passed", "is_private": 1, "attached_to_doctype": UNIT, "attached_to_name": name}
	).insert(ignore_permissions=True)

	unit = frappe.get_doc(UNIT, name)
	unit.append("documents", {"document_type": "Test Report", "reference": "BURN-IN 48h", "file": report.file_url})
	unit.notes = "Passed burn-in."
	unit.save()
	unit.reload()
	assert unit.documents[0].document_date and unit.documents[0].file == report.file_url
	assert unit.history[-1].event == "Document Attached" and "BURN-IN 48h" in unit.history[-1].note

	unit.status = "Delivered"
	with pytest.raises(frappe.ValidationError, match="cannot be edited"):
		unit.save()


def test_units_are_found_by_their_code_however_typed_and_by_the_customers_serial(shop):
	device = device_item()
	customer = make_customer()
	work_order = make_work_order(shop.company, device, {make_item(): 1}, 2, shop.stores, skip_transfer=1)
	first, second = register_units(work_order.name)
	serial = f"ACME-{frappe.generate_hash(length=8).upper()}"
	unit = frappe.get_doc(UNIT, first)
	unit.customer_serial = serial
	unit.customer_serial_customer = customer
	unit.save()

	assert find_unit(codes.format_code(first).lower()) == first
	assert find_unit(first.replace("0", "O")) == first
	assert find_unit(serial) == first
	assert find_unit("nothing-like-it") is None

	from frappe.desk.search import search_link
	from frappe.utils.global_search import search

	assert first in [row["value"] for row in search_link(UNIT, serial)]
	# The search bar's full text search: the unit is indexed (from the queue, here at once).
	from frappe.utils.global_search import update_global_search

	update_global_search(frappe.get_doc(UNIT, first))
	sync_global_search_now()
	assert first in [row.name for row in search(serial, doctype=UNIT)]

	other = frappe.get_doc(UNIT, second)
	other.customer_serial = serial
	other.customer_serial_customer = customer
	with pytest.raises(frappe.ValidationError, match=rf"{serial}.*already unit"):
		other.save()


def sync_global_search_now():
	from frappe.utils.global_search import sync_global_search

	sync_global_search()


def test_labels_print_with_a_barcode_and_a_qr_code(shop):
	device = device_item()
	work_order = make_work_order(shop.company, device, {make_item(): 1}, 3, shop.stores, skip_transfer=1)
	names = register_units(work_order.name)

	label = frappe.get_print(UNIT, names[0], print_format="Serialized Unit Label")
	assert codes.format_code(names[0]) in label
	assert 'class="lc-barcode"' in label and 'class="lc-qr"' in label

	sheet = frappe.get_print("Work Order", work_order.name, print_format="Unit Labels (A4)")
	assert all(codes.format_code(name) in sheet for name in names)
	assert sheet.count('class="lc-qr"') == 3


def test_registered_units_are_in_production_once_material_is_transferred(shop):
	resistor, device = make_item(), device_item()
	receive(shop, resistor, 10, 1.00)
	work_order = make_work_order(shop.company, device, {resistor: 1}, 2, shop.stores)
	registered = register_units(work_order.name)

	transfer = work_order_entry(work_order, "Material Transfer for Manufacture", 2)
	transfer.insert()
	transfer.submit()
	assert {frappe.db.get_value(UNIT, name, "status") for name in registered} == {"In Production"}
	assert frappe.get_doc(UNIT, registered[0]).history[-1].reference_name == transfer.name

	entry = manufacture(work_order, 2)
	assert {frappe.db.get_value(UNIT, name, "status") for name in registered} == {"In Stock"}
	entry.cancel()
	# Back to waiting, and still in production: the material is with the Work Order.
	assert {frappe.db.get_value(UNIT, name, "status") for name in registered} == {"In Production"}
	transfer.reload()
	transfer.cancel()
	assert {frappe.db.get_value(UNIT, name, "status") for name in registered} == {"Registered"}
