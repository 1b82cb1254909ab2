"""Taking a product apart: two controllers are built from a lot of boards and a lot of cases, then
one comes back from the field and is disassembled. The parts that come out lead back to the
product lot and its original parts; the product lot's recall reaches the parts it gave back."""

import frappe
from frappe.utils import flt

from lot_control.tests.integration.factories import (
	make_bom,
	make_item,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
	work_order_entry,
)
from lot_control.trace import trace_backward, trace_forward


def lot_code(prefix):
	return f"{prefix}-{frappe.generate_hash(length=6).upper()}"


def receive(shop, item, qty, rate, lot):
	make_purchase_receipt(
		shop.company, shop.supplier, [receipt_line(item, qty, rate, shop.stores, lot_number=lot)]
	)
	return lot


def build_controllers(shop, qty=5):
	board, case, controller = make_item(), make_item(), make_item()
	board_lot = receive(shop, board, 10, 2.00, lot_code("BOARD"))
	case_lot = receive(shop, case, 20, 3.00, lot_code("CASE"))
	work_order = make_work_order(
		shop.company, controller, {board: 1, case: 2}, qty, shop.stores, skip_transfer=1
	)
	entry = work_order_entry(work_order, "Manufacture", qty)
	entry.insert()
	entry.submit()
	[controller_lot] = frappe.get_all(
		"Lot", filters={"stock_entry": entry.name, "item": controller}, pluck="name"
	)
	return frappe._dict(
		board=board,
		case=case,
		controller=controller,
		board_lot=board_lot,
		case_lot=case_lot,
		work_order=work_order,
		build=entry,
		controller_lot=controller_lot,
	)


def disassemble(work_order, qty):
	entry = work_order_entry(work_order, "Disassemble", qty)
	entry.insert()
	entry.submit()
	return entry


def edges_of(entry):
	return {
		(row.consumed_lot, row.produced_lot): (row.kind, flt(row.qty, 6), row.closes_loop)
		for row in frappe.get_all(
			"Lot Consumption",
			filters={"voucher_no": entry.name, "is_cancelled": 0},
			fields=["consumed_lot", "produced_lot", "kind", "qty", "closes_loop"],
		)
	}


def test_parts_taken_out_of_a_product_lead_back_to_it_and_its_original_parts(shop):
	story = build_controllers(shop)
	frappe.set_user(make_user("Manufacturing User", "Stock User"))
	entry = disassemble(story.work_order, 2)
	frappe.set_user("Administrator")

	# ERPNext gives the parts back to the lots they were built from; each is an edge that closes a loop.
	edges = edges_of(entry)
	assert set(edges) == {(story.controller_lot, story.board_lot), (story.controller_lot, story.case_lot)}
	assert {kind for kind, _qty, _loop in edges.values()} == {"Disassemble"}
	assert all(loop for _kind, _qty, loop in edges.values())

	backward = trace_backward(lot=story.board_lot)
	assert {node.lot for node in backward["nodes"]} == {story.board_lot, story.controller_lot, story.case_lot}
	assert {row.lot for row in backward["sources"]} == {story.board_lot, story.case_lot}

	forward = trace_forward(lot=story.case_lot)
	assert set(forward["lots"]) == {story.case_lot, story.controller_lot, story.board_lot}
	assert {(build.stock_entry, build.kind) for build in forward["builds"]} == {
		(story.build.name, "Build"),
		(entry.name, "Disassemble"),
	}

	# The parts given back keep their own lot's source and cost, as ERPNext values them.
	assert (
		frappe.db.get_value("Lot", story.board_lot, "unit_cost"),
		frappe.db.get_value("Lot", story.case_lot, "unit_cost"),
	) == (2.0, 3.0)
	assert frappe.db.get_value("Lot", story.board_lot, "stock_entry") is None


def test_cancelling_a_disassembly_leaves_the_parts_lots_alone(shop):
	story = build_controllers(shop)
	entry = disassemble(story.work_order, 1)
	entry.reload()
	entry.cancel()

	assert edges_of(entry) == {}
	assert frappe.db.get_value("Lot", story.board_lot, "status") == "Released"
	assert story.board_lot not in {
		node.lot for node in trace_forward(lot=story.case_lot)["nodes"] if node.kind == "Disassemble"
	}


def test_a_disassembly_by_bom_gives_new_parts_lots_their_share_of_the_products_cost(shop):
	"""Without a Work Order the parts come out as new lots; together they carry what the product cost."""
	story = build_controllers(shop)
	bom = frappe.db.get_value("BOM", {"item": story.controller, "docstatus": 1}, "name") or make_bom(
		shop.company, story.controller, {story.board: 1, story.case: 2}
	)
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Disassemble",
			"purpose": "Disassemble",
			"company": shop.company.name,
			"from_bom": 1,
			"bom_no": bom,
			"fg_completed_qty": 2,
			"from_warehouse": shop.fg,
			"to_warehouse": shop.stores,
		}
	)
	entry.get_items()
	entry.insert()
	entry.submit()

	edges = edges_of(entry)
	new_lots = {produced for (_consumed, produced) in edges}
	assert {consumed for (consumed, _produced) in edges} == {story.controller_lot}
	assert len(new_lots) == 2 and not new_lots & {story.board_lot, story.case_lot}
	assert not any(loop for _kind, _qty, loop in edges.values())
	parts = frappe.get_all(
		"Lot", filters={"name": ("in", list(new_lots))}, fields=["name", "unit_cost", "stock_entry"]
	)
	assert {part.stock_entry for part in parts} == {entry.name}
	quantities = {row.batch_no: flt(row.transfer_qty) for row in entry.items if row.batch_no}
	# two controllers at 8.00 each (a board at 2.00, two cases at 3.00)
	assert flt(sum(flt(part.unit_cost) * quantities[part.name] for part in parts), 2) == 16.00
	backward = trace_backward(lot=next(iter(new_lots)))
	assert {node.lot for node in backward["nodes"]} == {
		next(iter(new_lots)),
		story.controller_lot,
		story.board_lot,
		story.case_lot,
	}
