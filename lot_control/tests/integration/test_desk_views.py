"""What people see on the forms: connections that lead to the right records, the lots each posted
line got, a lot list with its stock, codes found from the search bar, and a planner warned before
Use Multi-Level BOM skips a sub-assembly lot."""

import frappe
from frappe.desk.notifications import get_open_count
from frappe.utils import flt

from lot_control.connections import get_lot_connections
from lot_control.desk import items_track_units, lot_list_stock, resolve_code, voucher_line_lots
from lot_control.tests.integration.factories import (
	make_bom,
	make_item,
	make_material_issue,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
	unique_suffix,
	work_order_entry,
)


def receive(shop, item, qty, rate, lot, **extra):
	receipt = make_purchase_receipt(
		shop.company, shop.supplier, [receipt_line(item, qty, rate, shop.stores, lot_number=lot, **extra)]
	)
	return receipt


def build(work_order, qty):
	entry = work_order_entry(work_order, "Manufacture", qty)
	entry.insert()
	entry.submit()
	return entry


def counts(answer):
	found = {row["doctype"]: row for row in answer["count"]["internal_links_found"]}
	found.update({row["doctype"]: row for row in answer["count"]["external_links_found"]})
	return found


def test_a_purchased_lot_connects_to_its_receipt_builds_and_both_sides_of_its_genealogy(shop):
	part, board = make_item(), make_item()
	part_lot = f"PART-{unique_suffix()}"
	receipt = receive(shop, part, 20, 2.0, part_lot)
	order = make_work_order(shop.company, board, {part: 2}, 3, shop.stores, skip_transfer=1)
	entry = build(order, 3)
	board_lot = frappe.get_all("Lot", filters={"stock_entry": entry.name}, pluck="name")[0]

	frappe.set_user(make_user("Stock User", "Manufacturing User"))
	part_links = counts(get_lot_connections("Lot", part_lot))
	assert part_links["Purchase Receipt"]["names"] == [receipt.name]
	assert part_links["Stock Entry"]["names"] == [entry.name]
	consumed = frappe.get_all(
		"Lot Consumption", filters={"consumed_lot": part_lot, "is_cancelled": 0}, pluck="name"
	)
	assert consumed and set(part_links["Lot Consumption"]["names"]) == set(consumed)
	bundles = frappe.get_all(
		"Serial and Batch Bundle", filters={"batch_no": part_lot}, pluck="name", distinct=True
	)
	assert part_links["Serial and Batch Bundle"]["count"] == len(bundles) == 2  # received, consumed

	board_links = counts(get_lot_connections("Lot", board_lot))
	produced = frappe.get_all(
		"Lot Consumption", filters={"produced_lot": board_lot, "is_cancelled": 0}, pluck="name"
	)
	assert produced and set(board_links["Lot Consumption"]["names"]) == set(produced)
	assert board_links["Stock Entry"]["names"] == [entry.name]
	assert board_links["Purchase Receipt"]["count"] == 0


def test_the_receipt_and_work_order_connections_count_their_own_lots(shop):
	part, board = make_item(), make_item()
	part_lot = f"PART-{unique_suffix()}"
	receipt = receive(shop, part, 10, 1.0, part_lot)
	receive(shop, part, 5, 1.0, f"PART-{unique_suffix()}")  # another receipt's lot is not this one's
	order = make_work_order(shop.company, board, {part: 1}, 2, shop.stores, skip_transfer=1)
	build(order, 2)

	frappe.set_user(make_user("Stock User", "Manufacturing User", "Purchase User"))
	try:
		receipt_links = counts(get_open_count("Purchase Receipt", receipt.name))
		order_links = counts(get_open_count("Work Order", order.name))
	finally:
		frappe.db.set_execution_timeout(0)  # get_open_count caps the session's statements at 1 s
	assert receipt_links["Lot"]["count"] == 1
	assert order_links["Lot"]["count"] == 1
	assert order_links["Lot Consumption"]["count"] == frappe.db.count(
		"Lot Consumption", {"work_order": order.name}
	)


def test_each_posted_receipt_line_shows_the_lot_it_got(shop):
	part, glue = make_item(), make_item()
	lot = f"REEL-{unique_suffix()}"
	receipt = make_purchase_receipt(
		shop.company,
		shop.supplier,
		[receipt_line(part, 12, 1.0, shop.stores, lot_number=lot), receipt_line(glue, 3, 4.0, shop.stores)],
	)
	frappe.set_user(make_user("Stock User"))
	lines = voucher_line_lots("Purchase Receipt", receipt.name)
	assert [(line["idx"], line["item_code"]) for line in lines] == [(1, part), (2, glue)]
	assert lines[0]["lots"] == [{"lot": lot, "qty": 12.0}]
	glue_lot = frappe.get_all("Lot", filters={"purchase_receipt": receipt.name, "item": glue}, pluck="name")
	assert [entry["lot"] for entry in lines[1]["lots"]] == glue_lot


def test_the_lot_list_shows_each_lots_stock_and_where_it_is(shop):
	part = make_item()
	full, used = f"A-{unique_suffix()}", f"B-{unique_suffix()}"
	receive(shop, part, 10, 1.0, full)
	receive(shop, part, 8, 1.0, used)
	make_material_issue(shop.company, part, shop.stores, 8, used)

	frappe.set_user(make_user("Stock User"))
	stock = lot_list_stock([full, used])
	assert stock[full] == {"qty": 10.0, "warehouses": [shop.stores]}
	assert stock[used] == {"qty": 0.0, "warehouses": []}


def test_a_scanned_lot_code_or_supplier_date_code_opens_the_lot(shop):
	part = make_item()
	lot, other = f"L{unique_suffix()}", f"L{unique_suffix()}"
	date_code, shared_code = f"DC{unique_suffix()}", f"DC{unique_suffix()}"
	receive(shop, part, 5, 1.0, lot, supplier_batch_code=date_code)
	receive(shop, part, 5, 1.0, other, supplier_batch_code=shared_code)
	receive(shop, part, 5, 1.0, f"L{unique_suffix()}", supplier_batch_code=shared_code)

	frappe.set_user(make_user("Stock User"))
	assert resolve_code(f" {lot.lower()} ") == {"route": ["Form", "Lot", lot]}
	assert resolve_code(date_code) == {"route": ["Form", "Lot", lot]}
	assert resolve_code(shared_code) == {
		"route": ["List", "Lot", "List"],
		"route_options": {"supplier_batch_code": shared_code},
	}
	assert resolve_code(f"NOTHING{unique_suffix(8)}") is None  # 15 characters: not shaped like a unit code


def test_lots_per_unit_is_offered_only_for_items_built_as_serialized_units(shop):
	serialized = make_item(lot_controlled=False, has_serial_no=1)
	plain = make_item()
	assert items_track_units([serialized]) is True
	assert items_track_units([plain]) is False
	assert items_track_units([]) is False


def test_a_planner_is_warned_when_multi_level_bom_would_rebuild_a_sub_assembly_in_stock(shop):
	part, sub_assembly, assembly = make_item(), make_item(), make_item()
	receive(shop, part, 20, 1.0, f"PART-{unique_suffix()}")
	sub_order = make_work_order(shop.company, sub_assembly, {part: 2}, 4, shop.stores, skip_transfer=1)
	top_bom = make_bom(shop.company, assembly, {sub_assembly: 1, part: 1})
	assert frappe.db.get_value("BOM Item", {"parent": top_bom, "item_code": sub_assembly}, "bom_no")

	planner = make_user("Manufacturing User", "Stock User")
	frappe.set_user(planner)

	def save_work_order(use_multi_level_bom):
		frappe.clear_messages()
		order = frappe.get_doc(
			{
				"doctype": "Work Order",
				"production_item": assembly,
				"bom_no": top_bom,
				"qty": 2,
				"company": shop.company.name,
				"use_multi_level_bom": use_multi_level_bom,
				"source_warehouse": shop.stores,
				"wip_warehouse": shop.wip,
				"fg_warehouse": shop.fg,
			}
		).insert()
		return order, " ".join(str(message) for message in frappe.message_log)

	# nothing of the sub-assembly built yet: building it from raw parts is the only way
	_, said = save_work_order(1)
	assert sub_assembly not in said

	frappe.set_user("Administrator")
	build(sub_order, 4)
	frappe.set_user(planner)
	order, said = save_work_order(1)
	assert "Use Multi-Level BOM" in said and sub_assembly in said and order.name in said
	assert flt(order.qty) == 2  # a warning, not a refusal

	_, said = save_work_order(0)
	assert sub_assembly not in said
