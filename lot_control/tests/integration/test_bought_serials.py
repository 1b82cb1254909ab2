"""Bought serialized parts: radio modules arrive with their maker's serials, no lot, and are built
into devices. A device, or a lot of a product, knows which module is inside it, from which receipt
and supplier; a recall of the receipt or of one module finds the devices it went into."""

import frappe
from frappe.utils import flt

from lot_control.builds import get_build_cost
from lot_control.tests.integration.factories import (
	make_item,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
	work_order_entry,
)
from lot_control.trace import trace_backward, trace_forward

UNIT = "Serialized Unit"
MODULE_PRICE = 25.00


def maker_serials(item_code, count, prefix="RM"):
	"""The serials printed on the modules by their maker."""
	serials = [f"{prefix}-{frappe.generate_hash(length=8).upper()}" for _ in range(count)]
	for serial in serials:
		frappe.get_doc({"doctype": "Serial No", "serial_no": serial, "item_code": item_code}).insert(
			ignore_permissions=True
		)
	return serials


def receive_modules(shop, count=2, **item):
	module = make_item(lot_controlled=False, has_serial_no=1, **item)
	serials = maker_serials(module, count)
	receipt = make_purchase_receipt(
		shop.company,
		shop.supplier,
		[
			receipt_line(
				module,
				count,
				MODULE_PRICE,
				shop.stores,
				serial_no="\n".join(serials),
				use_serial_batch_fields=1,
			)
		],
	)
	return frappe._dict(module=module, serials=serials, receipt=receipt.name)


def build(work_order, qty, **row_values):
	entry = work_order_entry(work_order, "Manufacture", qty, **row_values)
	entry.insert()
	entry.submit()
	return entry


def ledger_value(entry, item_code):
	return flt(
		frappe.db.sql(
			"""select sum(stock_value_difference) from `tabStock Ledger Entry`
			where voucher_no = %s and item_code = %s and is_cancelled = 0 and actual_qty > 0""",
			(entry.name, item_code),
		)[0][0],
		2,
	)


def test_a_device_knows_the_module_inside_it_with_its_receipt_and_supplier(shop):
	modules = receive_modules(shop)
	device = make_item(lot_controlled=False, has_serial_no=1)
	work_order = make_work_order(shop.company, device, {modules.module: 1}, 2, shop.stores, skip_transfer=1)
	frappe.set_user(make_user("Manufacturing User", "Stock User"))
	entry = build(work_order, 2, serial_no="\n".join(modules.serials), use_serial_batch_fields=1)
	frappe.set_user("Administrator")

	units = frappe.get_all(
		UNIT, filters={"work_order": work_order.name}, pluck="name", order_by="creation, name"
	)
	edges = frappe.get_all(
		"Lot Consumption",
		filters={"voucher_no": entry.name, "is_cancelled": 0},
		fields=["consumed_serial_no", "consumed_node", "consumed_lot", "produced_unit", "qty", "amount"],
	)
	# one module, whole, in each device
	assert sorted((edge.consumed_serial_no, edge.consumed_node, flt(edge.qty)) for edge in edges) == [
		(serial, serial, 1) for serial in sorted(modules.serials)
	]
	assert sorted(edge.produced_unit for edge in edges) == sorted(units)
	assert {edge.consumed_lot for edge in edges} == {None}

	for unit in units:
		[module_serial] = [edge.consumed_serial_no for edge in edges if edge.produced_unit == unit]
		backward = trace_backward(unit=unit)
		assert backward["serial_nos"] == [module_serial]
		assert [(row.lot, row.purchase_receipt, row.supplier) for row in backward["sources"]] == [
			(module_serial, modules.receipt, shop.supplier)
		]
		assert backward["suppliers"] == [shop.supplier]

	# Each device costs the module inside it; together what ERPNext valued the build at.
	costs = [flt(frappe.db.get_value(UNIT, unit, "unit_cost"), 2) for unit in units]
	assert costs == [MODULE_PRICE, MODULE_PRICE]
	assert sum(costs) == ledger_value(entry, device)

	forward = trace_forward(serial_no=modules.serials[0])
	assert [unit.name for unit in forward["units"]] == [
		edge.produced_unit for edge in edges if edge.consumed_serial_no == modules.serials[0]
	]
	assert sorted(unit.name for unit in trace_forward(purchase_receipt=modules.receipt)["units"]) == sorted(
		units
	)


def test_a_product_lot_lists_the_modules_built_into_it(shop):
	modules = receive_modules(shop, count=3)
	beacon = make_item()
	work_order = make_work_order(shop.company, beacon, {modules.module: 1}, 3, shop.stores, skip_transfer=1)
	entry = build(work_order, 3, serial_no="\n".join(modules.serials), use_serial_batch_fields=1)
	[beacon_lot] = frappe.get_all("Lot", filters={"stock_entry": entry.name}, pluck="name")

	backward = trace_backward(lot=beacon_lot)
	assert sorted(backward["serial_nos"]) == sorted(modules.serials)
	assert sorted((row.lot, row.purchase_receipt, row.supplier) for row in backward["sources"]) == sorted(
		(serial, modules.receipt, shop.supplier) for serial in modules.serials
	)
	assert beacon_lot in trace_forward(purchase_receipt=modules.receipt)["lots"]

	# The modules are counted once: as nodes of the genealogy, not again as parts without a lot.
	cost = get_build_cost(lot=beacon_lot)
	assert (cost["materials_cost"], cost["unlotted_materials_cost"], cost["total_cost"]) == (75.0, 0.0, 75.0)
	assert (
		flt(frappe.db.get_value("Lot", beacon_lot, "unit_cost") * 3, 2) == ledger_value(entry, beacon) == 75.0
	)


def test_a_part_with_both_serial_and_lot_is_one_lot_edge_and_counted_once(shop):
	"""Sensors come in a lot, each with its own serial: the lot is the edge, the serials travel in it."""
	sensor = make_item(has_serial_no=1, track_serialized_units=0)
	serials = maker_serials(sensor, 3, prefix="SN")
	sensor_lot = (
		frappe.get_doc(
			{"doctype": "Batch", "batch_id": f"SENS-{frappe.generate_hash(length=6).upper()}", "item": sensor}
		)
		.insert()
		.name
	)
	make_purchase_receipt(
		shop.company,
		shop.supplier,
		[
			receipt_line(
				sensor,
				3,
				5.00,
				shop.stores,
				batch_no=sensor_lot,
				serial_no="\n".join(serials),
				use_serial_batch_fields=1,
			)
		],
	)
	gauge = make_item()
	work_order = make_work_order(shop.company, gauge, {sensor: 1}, 3, shop.stores, skip_transfer=1)
	entry = build(work_order, 3, serial_no="\n".join(serials), batch_no=sensor_lot, use_serial_batch_fields=1)

	edges = frappe.get_all(
		"Lot Consumption",
		filters={"voucher_no": entry.name, "is_cancelled": 0},
		fields=["consumed_lot", "consumed_serial_no", "qty", "amount"],
	)
	assert [
		(edge.consumed_lot, edge.consumed_serial_no, flt(edge.qty), flt(edge.amount)) for edge in edges
	] == [(sensor_lot, None, 3, 15.0)]
	[gauge_lot] = frappe.get_all("Lot", filters={"stock_entry": entry.name}, pluck="name")
	cost = get_build_cost(lot=gauge_lot)
	assert (cost["materials_cost"], cost["unlotted_materials_cost"], cost["total_cost"]) == (15.0, 0.0, 15.0)
	assert ledger_value(entry, gauge) == 15.0
	assert [row.lot for row in trace_backward(lot=gauge_lot)["sources"]] == [sensor_lot]


def test_the_build_cost_report_shows_builds_of_serialized_devices_without_lots(shop):
	"""Issue #14: a build of serialized items without lots made the report fail for everyone."""
	from lot_control.lot_control.report.build_cost.build_cost import execute as build_cost_report

	modules = receive_modules(shop)
	device = make_item(lot_controlled=False, has_serial_no=1)
	work_order = make_work_order(shop.company, device, {modules.module: 1}, 2, shop.stores, skip_transfer=1)
	entry = build(work_order, 2, serial_no="\n".join(modules.serials), use_serial_batch_fields=1)
	units = sorted(frappe.get_all(UNIT, filters={"work_order": work_order.name}, pluck="name"))

	_columns, rows = build_cost_report({"company": shop.company.name, "item_code": device, "show_lots": 1})
	assert [(row["link_doctype"], row["stock_entry"], row["indent"]) for row in rows[:1]] == [
		("Stock Entry", entry.name, 0)
	]
	assert sorted((row["link_doctype"], row["stock_entry"], row["indent"]) for row in rows[1:]) == sorted(
		("Serial No", serial, 1) for serial in modules.serials
	)
	assert rows[0]["produced_lots"] == ", ".join(units)
	assert (rows[0]["qty"], rows[0]["total_cost"], rows[0]["unit_cost"]) == (2, 50.0, 25.0)
