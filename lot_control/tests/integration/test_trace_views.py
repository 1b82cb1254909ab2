"""What a quality manager sees of a trace and a recall: the Lot Trace tree as the desk draws it
(each row right under its parent), what is inside one unit rather than its whole build, where each
lot came from, the picture of the genealogy, and a recall that stops units as well as lots."""

import re

import frappe
import pytest
from frappe.utils import add_days, flt, nowdate

from lot_control import api
from lot_control.lot_control.report.lot_trace.lot_trace import execute as lot_trace
from lot_control.tests.integration.factories import (
	make_customer,
	make_delivery_note,
	make_item,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
)
from lot_control.tests.integration.test_trace import DATE_CODE, recall_world
from lot_control.tests.integration.test_units import device_item, manufacture, units_of


def live_edges() -> set[tuple[str, str]]:
	return {
		(row.consumed_node, row.produced_node)
		for row in frappe.get_all(
			"Lot Consumption", filters={"is_cancelled": 0}, fields=["consumed_node", "produced_node"]
		)
	}


def shown_parents(rows):
	"""The parent the desk shows for each row: the nearest row above with one indent less."""
	parents, stack = [], []
	for row in rows:
		indent = row.get("indent") or 0
		del stack[indent:]
		parents.append(stack[indent - 1] if indent else None)
		stack.append(row)
	return parents


def genealogy_rows(rows):
	"""The tree part of a forward trace (above Deliveries and Still in Stock)."""
	return [row for row in rows if str(row["row_key"]).isdigit() or ":" in str(row["row_key"])]


def test_forward_trace_rows_come_each_right_under_the_lot_or_unit_they_were_made_from(shop, recall_world):  # noqa: F811
	world = recall_world
	_columns, rows, message = lot_trace({"direction": "Forward", "lot": world.reel})
	tree = genealogy_rows(rows)
	edges = live_edges()

	assert tree[0]["node_name"] == world.reel and tree[0]["indent"] == 0
	for row, parent in zip(tree[1:], shown_parents(tree)[1:], strict=True):
		assert parent is not None and row["parent_row"] == parent["row_key"]
		assert (parent["node_name"], row["node_name"]) in edges, (
			f"{row['node']} is shown under {parent['node']}"
		)
		assert row["parent_node"] == parent["node"] and row["level"] == row["indent"] == parent["indent"] + 1
	# Every product unit is shown under the module unit built into it, not under the row above.
	for product in world.products:
		(row,) = [row for row in tree if row["node_name"] == product]
		(module,) = [consumed for consumed, produced in edges if produced == product]
		assert next(r for r in tree if r["row_key"] == row["parent_row"])["node_name"] == module
	assert {row["node_name"] for row in tree} == {world.reel, world.cut, *world.modules, *world.products}
	assert "Qty of Parent Used" in message


def test_forward_trace_columns_say_how_each_row_was_made_with_links_and_printed_codes(shop, recall_world):  # noqa: F811
	world = recall_world
	columns, rows, _message = lot_trace({"direction": "Forward", "lot": world.reel})
	by_name = {row["node_name"]: row for row in genealogy_rows(rows)}
	labels = {column["fieldname"]: column for column in columns}

	assert labels["qty_used"]["label"] == "Qty of Parent Used"
	assert (labels["work_order"]["fieldtype"], labels["voucher_no"]["fieldtype"]) == ("Link", "Dynamic Link")
	assert not labels["parent_node"].get("hidden") and not labels["level"].get("hidden")
	assert (by_name[world.reel]["source"], by_name[world.reel]["voucher_type"]) == (
		"Receipt",
		"Purchase Receipt",
	)
	assert by_name[world.cut]["source"] == "Split" and flt(by_name[world.cut]["qty_used"]) == 6
	product = by_name[world.products[0]]
	printed = frappe.db.get_value("Serialized Unit", world.products[0], "code_display")
	assert (
		product["node"] == printed
		and product["node_type"] == "Unit"
		and product["node_doctype"] == "Serialized Unit"
	)
	assert product["work_order"] == world.product_order.name
	assert product["voucher_type"] == "Stock Entry" and frappe.db.exists("Stock Entry", product["voucher_no"])
	delivered = [row for row in rows if row.get("parent_row") == "deliveries"]
	assert {row["voucher_no"] for row in delivered} == {note.name for note in world.notes}
	assert printed in {code.strip() for row in delivered for code in (row["units"] or "").split(",")}


def test_a_units_backward_trace_shows_what_is_in_this_unit_and_where_it_came_from(shop, recall_world):  # noqa: F811
	world = recall_world
	columns, rows, message = lot_trace({"direction": "Backward", "unit": world.products[0]})
	by_name = {row["node_name"]: row for row in rows}
	labels = {column["fieldname"]: column["label"] for column in columns}

	assert (labels["qty_used"], labels["qty_in_start"]) == ("Qty Used in Parent", "Qty in Traced")
	assert "this unit" in message
	for row, parent in zip(rows[1:], shown_parents(rows)[1:], strict=True):
		assert row["parent_row"] == parent["row_key"]
	(module,) = [row for row in rows if row["node_type"] == "Unit" and row["indent"] == 1]
	assert flt(module["qty_in_start"]) == 1
	# The module holds 2 chips of the cut piece; the piece (6) was cut from the reel: 2 of the reel.
	cut, reel = by_name[world.cut], by_name[world.reel]
	assert (flt(cut["qty_used"]), flt(cut["qty_in_start"])) == (2, 2)
	assert (cut["source"], reel["source"]) == ("Split", "Receipt")
	assert flt(reel["qty_in_start"]) == 2 and flt(reel["qty_used"]) == 6
	assert (reel["voucher_type"], reel["voucher_no"]) == (
		"Purchase Receipt",
		frappe.db.get_value("Lot", world.reel, "purchase_receipt"),
	)
	assert shop.supplier in reel["place"] and DATE_CODE in reel["place"]
	assert "COC-7781" in reel["note"]


def test_a_unit_built_in_a_batch_of_three_holds_a_third_of_its_sub_assembly_lots_inputs(shop):
	"""Paste goes into a board lot of 3; one board goes into a unit: the unit holds a third of the paste."""
	paste, board, device = make_item(), make_item(), device_item()
	paste_lot = f"PASTE-{frappe.generate_hash(length=6).upper()}"
	make_purchase_receipt(
		shop.company, shop.supplier, [receipt_line(paste, 30, 1.0, shop.stores, lot_number=paste_lot)]
	)
	board_order = make_work_order(shop.company, board, {paste: 3}, 3, shop.stores, skip_transfer=1)
	built = manufacture(board_order, 3)
	board_lot = frappe.get_all("Lot", filters={"stock_entry": built.name}, pluck="name")[0]
	device_order = make_work_order(
		shop.company, device, {board: 1}, 1, shop.fg, skip_transfer=1, use_multi_level_bom=0
	)
	manufacture(device_order, 1)
	(unit,) = units_of(device_order)

	_columns, rows, _message = lot_trace({"direction": "Backward", "unit": unit})
	by_name = {row["node_name"]: row for row in rows}
	assert (flt(by_name[board_lot]["qty_in_start"]), by_name[board_lot]["source"]) == (1, "Build")
	assert flt(by_name[paste_lot]["qty_used"]) == 9 and flt(by_name[paste_lot]["qty_in_start"]) == 3
	assert by_name[paste_lot]["source"] == "Receipt"


def test_the_genealogy_picture_has_every_lot_and_unit_around_a_unit_with_its_edges(shop, recall_world):  # noqa: F811
	world = recall_world
	module = next(consumed for consumed, produced in live_edges() if produced == world.products[0])
	graph = api.genealogy_graph(unit=module)
	ids = {node["id"]: node for node in graph["nodes"]}
	assert {world.reel, world.cut, module, world.products[0]} <= set(ids)
	assert ids[module]["is_start"] and ids[module]["label"] == frappe.db.get_value(
		"Serialized Unit", module, "code_display"
	)
	assert ids[world.reel]["source"] == "Receipt"
	edges = {(edge["from"], edge["to"]): edge for edge in graph["edges"]}
	assert (world.cut, module) in edges and flt(edges[(world.cut, module)]["qty"]) == 2
	assert (world.reel, world.cut) in edges and (module, world.products[0]) in edges
	assert not graph["truncated"]


# Recall ----------------------------------------------------------------------------------------


@pytest.fixture
def units_on_the_shelf(shop):
	"""Two controllers built from a reel with the bad date code, still in stock."""
	chip, controller = make_item(), device_item()
	reel = f"REEL-{frappe.generate_hash(length=6).upper()}"
	make_purchase_receipt(
		shop.company,
		shop.supplier,
		[receipt_line(chip, 10, 1.0, shop.stores, lot_number=reel, supplier_batch_code=DATE_CODE)],
	)
	work_order = make_work_order(shop.company, controller, {chip: 2}, 2, shop.stores, skip_transfer=1)
	manufacture(work_order, 2)
	return frappe._dict(
		reel=reel, chip=chip, controller=controller, units=units_of(work_order), customer=make_customer()
	)


def deliver_unit(shop, world, unit):
	line = {
		"item_code": world.controller,
		"qty": 1,
		"rate": 100,
		"warehouse": shop.fg,
		"serial_no": unit,
		"use_serial_batch_fields": 1,
	}
	return make_delivery_note(shop.company, world.customer, [line])


def test_a_recall_holds_the_units_built_from_the_lot_and_closing_it_lets_them_go(shop, units_on_the_shelf):
	world = units_on_the_shelf
	quality = make_user("Lot Quality Manager", "Stock User")
	frappe.set_user(quality)
	recall = frappe.get_doc(
		{
			"doctype": "Recall",
			"reason": "Cracked dies in DC2544",
			"supplier": shop.supplier,
			"supplier_batch_code": DATE_CODE,
		}
	).insert()
	held = recall.hold_affected_stock()

	assert set(world.units) <= set(held) and world.reel in held
	for unit in world.units:
		doc = frappe.get_doc("Serialized Unit", unit)
		assert doc.quality_status == "On Hold"
		assert any(event.reference_name == recall.name for event in doc.history)
	recall.reload()
	assert {row.unit for row in recall.affected_stock if row.unit and row.held} == set(world.units)

	frappe.set_user("Administrator")
	frappe.db.savepoint("before_refused_delivery")
	with pytest.raises(frappe.ValidationError, match=re.escape(world.units[0])):
		deliver_unit(shop, world, world.units[0])
	frappe.db.rollback(save_point="before_refused_delivery")

	frappe.set_user(quality)
	recall.reload()
	recall.status = "Closed"
	recall.save()
	assert {frappe.db.get_value("Serialized Unit", unit, "quality_status") for unit in world.units} == {
		"Released"
	}
	assert frappe.db.get_value("Lot", world.reel, "status") == "Released"

	frappe.set_user("Administrator")
	note = deliver_unit(shop, world, world.units[0])
	assert (
		note.docstatus == 1
		and frappe.db.get_value("Serialized Unit", world.units[0], "status") == "Delivered"
	)


def test_closing_a_recall_leaves_held_what_another_open_recall_still_holds(shop, units_on_the_shelf):
	world = units_on_the_shelf
	first = frappe.get_doc(
		{"doctype": "Recall", "reason": "Supplier notice", "suspect_lots": [{"lot": world.reel}]}
	).insert()
	first.hold_affected_stock()
	second = frappe.get_doc(
		{"doctype": "Recall", "reason": "Customer complaint", "suspect_lots": [{"lot": world.reel}]}
	).insert()
	second.hold_affected_stock()

	first.reload()
	first.status = "Closed"
	first.save()
	assert frappe.db.get_value("Lot", world.reel, "status") == "On Hold"
	assert frappe.db.get_value("Serialized Unit", world.units[0], "quality_status") == "On Hold"
	second.reload()
	second.status = "Closed"
	second.save()
	assert frappe.db.get_value("Lot", world.reel, "status") == "Released"
	assert frappe.db.get_value("Serialized Unit", world.units[0], "quality_status") == "Released"


def test_closing_a_recall_that_holds_stock_needs_the_lot_quality_manager(shop, units_on_the_shelf):
	world = units_on_the_shelf
	recall = frappe.get_doc(
		{"doctype": "Recall", "reason": "Supplier notice", "suspect_lots": [{"lot": world.reel}]}
	).insert()
	recall.hold_affected_stock()
	frappe.set_user(make_user("Stock Manager"))
	recall.reload()
	recall.status = "Closed"
	with pytest.raises(frappe.PermissionError, match="Lot Quality Manager"):
		recall.save()


def test_a_recall_by_date_code_lists_the_lots_found_and_its_suspects_stay_fixed(shop, units_on_the_shelf):
	from lot_control.exceptions import RecallSuspectsFixedError

	world = units_on_the_shelf
	recall = frappe.get_doc(
		{
			"doctype": "Recall",
			"reason": "Date code flagged",
			"supplier": shop.supplier,
			"supplier_batch_code": DATE_CODE,
		}
	).insert()
	assert [(row.lot, row.item) for row in recall.suspect_lots] == [(world.reel, world.chip)]

	recall.supplier_batch_code = "DC9999"
	with pytest.raises(RecallSuspectsFixedError, match=recall.name):
		recall.save()
	recall.reload()
	recall.trace_json = "{}"
	with pytest.raises(RecallSuspectsFixedError, match="frozen"):
		recall.save()
	assert frappe.get_meta("Recall").get_field("supplier_batch_code").set_only_once


def test_the_open_recalls_card_counts_what_the_recall_shortcut_counts(shop, units_on_the_shelf):
	import json

	from frappe.desk.doctype.number_card.number_card import get_result

	world = units_on_the_shelf
	frappe.get_doc(
		{"doctype": "Recall", "reason": "Open one", "suspect_lots": [{"lot": world.reel}]}
	).insert()
	contained = frappe.get_doc(
		{"doctype": "Recall", "reason": "Held one", "suspect_lots": [{"lot": world.reel}]}
	).insert()
	contained.hold_affected_stock()

	card = frappe.get_doc("Number Card", "Open Recalls")
	shortcut = next(
		row for row in frappe.get_doc("Workspace", "Lot Control").shortcuts if row.link_to == "Recall"
	)
	shortcut_count = frappe.db.count("Recall", json.loads(shortcut.stats_filter))
	assert (
		get_result(card.as_dict(), card.filters_json)
		== shortcut_count
		== frappe.db.count("Recall", {"status": "Open"})
	)


# Reports ---------------------------------------------------------------------------------------


def test_a_received_lot_without_a_manufacturing_date_keeps_it_empty_and_its_shelf_life_is_not_made_up(shop):
	from lot_control.lot_control.report.expiring_lots.expiring_lots import execute as expiring_lots

	plain, dated = make_item(), make_item(shelf_life_in_days=100)
	receipt = make_purchase_receipt(
		shop.company,
		shop.supplier,
		[
			receipt_line(plain, 5, 1.0, shop.stores, lot_expiry_date=add_days(nowdate(), 16)),
			receipt_line(dated, 5, 1.0, shop.stores, lot_expiry_date=add_days(nowdate(), 16)),
		],
	)
	plain_lot, dated_lot = (row.batch_no for row in receipt.items)
	assert frappe.db.get_value("Batch", plain_lot, "manufacturing_date") is None

	_columns, rows = expiring_lots({"company": shop.company.name, "days": 30})
	by_lot = {row["lot"]: row for row in rows}
	assert by_lot[plain_lot]["shelf_life_left"] is None
	assert by_lot[dated_lot]["shelf_life_left"] == 16.0


def test_lot_inventory_values_total_only_the_value(shop):
	"""Quantities and unit costs of different items do not add up: the one total row, the same in the
	desk and in the export, totals the value only."""
	from lot_control.lot_control.report.lot_inventory_value.lot_inventory_value import execute

	first, second = make_item(), make_item()
	make_purchase_receipt(
		shop.company, shop.supplier, [receipt_line(first, 5, 2.0, shop.stores), receipt_line(second, 3, 7.0, shop.stores)]
	)
	_columns, rows, _message, _chart, _summary, skip_frappe_total = execute({"company": shop.company.name})
	*lots, total = rows
	assert skip_frappe_total == 1
	assert len(lots) == 2 and total["status"] == "Total"
	assert total["value"] == 31.0 and "qty" not in total and "unit_cost" not in total
