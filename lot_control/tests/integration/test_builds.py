"""A day on the shop floor: parts arrive in lots at different prices, Work Orders build them into
sub-assemblies and assemblies, reels are cut, a build is cancelled and done again. Every build
leaves the exact lots it consumed, and the produced lot costs what those lots cost."""

import frappe
import pytest
from frappe.utils import add_days, flt, getdate, nowdate

from lot_control.builds import get_build_cost, went_into, went_into_lot
from lot_control.exceptions import LotNotUsableError, LotShortageError
from lot_control.lot_splitting import split_lot
from lot_control.stock_queries import get_lot_locations, get_lot_on_hand
from lot_control.tests.integration.factories import (
	make_company,
	make_customer,
	make_item,
	make_purchase_receipt,
	make_supplier,
	make_user,
	make_warehouse,
	make_work_order,
	receipt_line,
	work_order_entry,
)


def receive(shop, item, qty, rate, lot, expiry=None, **extra):
	make_purchase_receipt(
		shop.company,
		shop.supplier,
		[receipt_line(item, qty, rate, shop.stores, lot_number=lot, lot_expiry_date=expiry, **extra)],
	)
	return lot


def lot_code(prefix):
	return f"{prefix}-{frappe.generate_hash(length=6).upper()}"


def manufacture(work_order, qty, **row_values):
	entry = work_order_entry(work_order, "Manufacture", qty, **row_values)
	entry.insert()
	entry.submit()
	return entry


def consumption_of(entry_name, produced_too=False):
	filters = {"stock_entry": entry_name, "is_cancelled": 0}
	fields = ["consumed_lot", "sum(qty) as qty", "sum(amount) as amount", "produced_lot"]
	return {
		(row.consumed_lot, row.produced_lot) if produced_too else row.consumed_lot: flt(row.qty, 6)
		for row in frappe.get_all("Lot Consumption", filters=filters, fields=fields, group_by="consumed_lot, produced_lot")
	}


def produced_lot_of(entry):
	row = next(row for row in entry.items if row.is_finished_item)
	lots = frappe.get_all("Lot", filters={"stock_entry": entry.name, "item": row.item_code}, pluck="name")
	assert len(lots) == 1, lots
	return lots[0]


def fg_stock_value(entry, lot):
	"""What ERPNext's stock ledger carries for the produced lot, from the inward bundle."""
	return flt(
		frappe.db.sql(
			"""
			select sum(entry.stock_value_difference) from `tabSerial and Batch Entry` entry
			inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
			where bundle.voucher_no = %s and bundle.is_cancelled = 0 and entry.batch_no = %s
			""",
			(entry.name, lot),
		)[0][0],
		2,
	)


def sle_value(entry, item_code):
	return flt(
		frappe.db.get_value(
			"Stock Ledger Entry",
			{"voucher_no": entry.name, "item_code": item_code, "is_cancelled": 0, "actual_qty": (">", 0)},
			"stock_value_difference",
		),
		2,
	)


def test_a_build_records_each_lot_it_consumed_and_costs_the_product_at_those_lots_prices(shop):
	"""Two lots of one part at different prices, partly consumed; ERPNext's ledger agrees to the cent."""
	resistor, capacitor, screw, board = (
		make_item(),
		make_item(),
		make_item(lot_controlled=False),
		make_item(shelf_life_in_days=720),
	)
	soon = add_days(nowdate(), 90)
	cheap = receive(shop, resistor, 6, 2.00, lot_code("RES"), expiry=add_days(nowdate(), 200))
	dear = receive(shop, resistor, 10, 3.10, lot_code("RES"), expiry=add_days(nowdate(), 400))
	caps = receive(shop, capacitor, 5, 0.35, lot_code("CAP"), expiry=soon)
	make_purchase_receipt(shop.company, shop.supplier, [receipt_line(screw, 20, 0.05, shop.stores)])

	work_order = make_work_order(
		shop.company, board, {resistor: 2, capacitor: 1, screw: 1}, 5, shop.stores, skip_transfer=1
	)
	entry = work_order_entry(work_order, "Manufacture", 5)
	entry.append("additional_costs", {"expense_account": frappe.db.get_value("Account", {"company": shop.company.name, "account_type": "Expenses Included In Valuation"}) or frappe.db.get_value("Account", {"company": shop.company.name, "root_type": "Expense", "is_group": 0}), "description": "Soldering", "amount": 7.25})
	entry.insert()
	entry.submit()

	# FEFO: the cheap lot expires first and is used up, the rest comes from the dear one
	assert consumption_of(entry.name) == {cheap: 6, dear: 4, caps: 5}
	board_lot = produced_lot_of(entry)
	lot = frappe.get_doc("Lot", board_lot)
	assert lot.work_order == work_order.name and lot.item == board
	assert lot.stock_owner == "House" and lot.status == "Released"
	assert getdate(lot.expiry_date) == getdate(soon)  # the capacitors expire first

	expected = 6 * 2.00 + 4 * 3.10 + 5 * 0.35 + 5 * 0.05 + 7.25
	cost = get_build_cost(work_order=work_order.name)
	assert flt(cost["total_cost"], 2) == flt(expected, 2)
	assert flt(cost["additional_cost"], 2) == 7.25
	assert {line.consumed_lot: flt(line.amount, 2) for line in cost["lines"]} == {cheap: 12.0, dear: 12.4, caps: 1.75}
	assert flt(lot.unit_cost * 5, 2) == flt(expected, 2)
	assert fg_stock_value(entry, board_lot) == flt(expected, 2)
	assert sle_value(entry, board) == flt(expected, 2)
	assert went_into(cheap)[0].produced_lot == board_lot
	assert {row.consumed_lot for row in went_into_lot(board_lot)} == {cheap, dear, caps}


def test_the_produced_lot_s_bundle_is_posted_whole(shop):
	"""The app names the produced lot before ERPNext makes the row's bundle: the posted bundle has
	the warehouse, rate and totals the ledger has, linked to the row."""
	part, product = make_item(), make_item()
	lot = receive(shop, part, 8, 2.5, lot_code("PART"))
	work_order = make_work_order(shop.company, product, {part: 2}, 4, shop.stores, skip_transfer=1)
	frappe.set_user(make_user("Manufacturing User", "Stock User"))
	entry = manufacture(work_order, 4)
	row = next(row for row in entry.items if row.is_finished_item)
	bundle = frappe.get_doc("Serial and Batch Bundle", row.serial_and_batch_bundle)
	assert (bundle.docstatus, bundle.is_cancelled, bundle.type_of_transaction) == (1, 0, "Inward")
	assert (bundle.voucher_type, bundle.voucher_no, bundle.voucher_detail_no) == ("Stock Entry", entry.name, row.name)
	assert (bundle.item_code, bundle.warehouse, bundle.total_qty) == (product, row.t_warehouse, 4)
	[produced] = bundle.entries
	assert (produced.batch_no, produced.qty, produced.is_outward) == (row.batch_no, 4, 0)
	assert produced_lot_of(entry) == row.batch_no
	assert flt(bundle.total_amount, 2) == flt(8 * 2.5, 2) == fg_stock_value(entry, row.batch_no)
	assert sle_value(entry, product) == flt(bundle.total_amount, 2)
	assert flt(produced.incoming_rate, 2) == flt(bundle.avg_rate, 2) == 5.0
	assert consumption_of(entry.name) == {lot: 8}


def test_a_build_s_genealogy_records_are_those_insert_writes(shop):
	"""A build's Lot Consumption edges are written as ledger rows (bulk_insert.insert_ledger_rows):
	each stored record holds what Document.insert of the same record stores."""
	part, other, product = make_item(), make_item(), make_item()
	receive(shop, part, 4, 1.5, lot_code("PART"))
	receive(shop, other, 2, 0.25, lot_code("OTHER"))
	work_order = make_work_order(shop.company, product, {part: 2, other: 1}, 2, shop.stores, skip_transfer=1)
	entry = manufacture(work_order, 2)
	written = frappe.get_all(
		"Lot Consumption", filters={"stock_entry": entry.name}, fields=["*"], order_by="consumed_item"
	)
	assert len(written) == 2
	own = {"name", "creation", "modified"}
	for record in written:
		copy = frappe.get_doc(
			{**{field: value for field, value in record.items() if field not in own}, "doctype": "Lot Consumption"}
		)
		copy.flags.cycle_checked = True
		copy.insert(ignore_permissions=True)
		[inserted] = frappe.get_all("Lot Consumption", filters={"name": copy.name}, fields=["*"])
		assert {field: value for field, value in inserted.items() if field not in own} == {
			field: value for field, value in record.items() if field not in own
		}
		assert record.owner == frappe.session.user and record.creation == record.modified
		assert len(record.name) == len(copy.name)  # named by hash, as the DocType says
		copy.delete(ignore_permissions=True)


def test_a_build_posted_in_one_call_through_the_api_gets_its_produced_lot(shop):
	"""REST's insert with docstatus 1 names, validates and submits a Manufacture in one save: its
	produced lot is made before the entry is written, and names it as its reference once it is."""
	from frappe.client import insert

	part, product = make_item(), make_item()
	lot = receive(shop, part, 6, 2.0, lot_code("PART"))
	work_order = make_work_order(shop.company, product, {part: 2}, 3, shop.stores, skip_transfer=1)
	frappe.set_user(make_user("Manufacturing User", "Stock User"))
	draft = work_order_entry(work_order, "Manufacture", 3)
	posted = insert({**draft.as_dict(convert_dates_to_str=True), "docstatus": 1})
	entry = frappe.get_doc("Stock Entry", posted["name"])
	assert entry.docstatus == 1
	produced = produced_lot_of(entry)
	assert consumption_of(entry.name) == {lot: 6}
	assert frappe.db.get_value("Batch", produced, ["reference_doctype", "reference_name"]) == (
		"Stock Entry",
		entry.name,
	)
	assert fg_stock_value(entry, produced) == 12.0


def test_a_sub_assembly_consumed_into_an_assembly_links_the_two_levels(shop):
	part, sub_assembly, assembly = make_item(), make_item(), make_item()
	part_lot = receive(shop, part, 20, 1.50, lot_code("PART"))
	sub_order = make_work_order(shop.company, sub_assembly, {part: 2}, 4, shop.stores, skip_transfer=1)
	sub_entry = manufacture(sub_order, 4)
	sub_lot = produced_lot_of(sub_entry)
	assert flt(frappe.db.get_value("Lot", sub_lot, "unit_cost"), 2) == 3.00

	# the sub-assembly goes back to the store and is built into the assembly
	top_order = make_work_order(
		shop.company, assembly, {sub_assembly: 1, part: 1}, 3, shop.fg, skip_transfer=1, use_multi_level_bom=0
	)
	transfer = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"purpose": "Material Transfer",
			"stock_entry_type": "Material Transfer",
			"company": shop.company.name,
			"items": [{"item_code": part, "qty": 3, "s_warehouse": shop.stores, "t_warehouse": shop.fg, "batch_no": part_lot, "use_serial_batch_fields": 1}],
		}
	)
	transfer.insert()
	transfer.submit()
	top_entry = manufacture(top_order, 3)
	top_lot = produced_lot_of(top_entry)

	assert consumption_of(top_entry.name) == {sub_lot: 3, part_lot: 3}
	assert [row.produced_lot for row in went_into(sub_lot)] == [top_lot]
	assert {row.produced_lot for row in went_into(part_lot)} == {sub_lot, top_lot}
	assert flt(frappe.db.get_value("Lot", top_lot, "unit_cost"), 2) == 4.50  # 3.00 + 1.50
	assert sle_value(top_entry, assembly) == 13.50


def test_a_repack_records_consumed_lots_into_produced_lots(shop):
	bulk, packed = make_item(), make_item()
	drum = receive(shop, bulk, 10, 4.00, lot_code("DRUM"), expiry=add_days(nowdate(), 120))
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"purpose": "Repack",
			"stock_entry_type": "Repack",
			"company": shop.company.name,
			"items": [
				{"item_code": bulk, "qty": 4, "s_warehouse": shop.stores, "batch_no": drum, "use_serial_batch_fields": 1},
				{"item_code": packed, "qty": 8, "t_warehouse": shop.stores, "is_finished_item": 1},
			],
		}
	)
	entry.insert()
	entry.submit()
	[packed_lot] = frappe.get_all("Lot", filters={"stock_entry": entry.name}, pluck="name")
	assert consumption_of(entry.name, produced_too=True) == {(drum, packed_lot): 4}
	assert frappe.db.get_value("Lot Consumption", {"stock_entry": entry.name}, "kind") == "Repack"
	assert flt(frappe.db.get_value("Lot", packed_lot, "unit_cost"), 2) == 2.00
	assert getdate(frappe.db.get_value("Lot", packed_lot, "expiry_date")) == getdate(add_days(nowdate(), 120))
	assert sle_value(entry, packed) == 16.00


def test_cancelling_a_build_reverses_its_record_and_the_amended_build_keeps_the_lot_code(shop):
	part, product = make_item(), make_item()
	part_lot = receive(shop, part, 10, 2.00, lot_code("PART"))
	work_order = make_work_order(shop.company, product, part, 4, shop.stores, skip_transfer=1)
	entry = manufacture(work_order, 4)
	product_lot = produced_lot_of(entry)

	entry.reload()
	entry.cancel()
	assert consumption_of(entry.name) == {}
	assert frappe.db.count("Lot Consumption", {"stock_entry": entry.name, "is_cancelled": 1}) == 1
	assert frappe.db.get_value("Lot", product_lot, "status") == "Archived"
	assert went_into(part_lot) == []
	assert get_lot_on_hand(part_lot) == 10

	amended = frappe.copy_doc(entry)
	amended.docstatus = 0
	amended.amended_from = entry.name
	for row in amended.items:
		row.batch_no = None
		row.serial_and_batch_bundle = None
	amended.insert()
	amended.submit()
	assert produced_lot_of(amended) == product_lot
	lot = frappe.get_doc("Lot", product_lot)
	assert lot.status == "Released" and lot.stock_entry == amended.name
	assert consumption_of(amended.name) == {part_lot: 4}


def test_a_split_and_a_split_of_the_split_keep_cost_dates_source_and_documents(shop):
	tape = make_item()
	expiry = add_days(nowdate(), 300)
	reel = receive(shop, tape, 5000, 0.02, lot_code("REEL"), expiry=expiry, supplier_batch_code="DC2347")
	parent = frappe.get_doc("Lot", reel)
	parent.append("documents", {"document_type": "Certificate of Conformance", "document_date": nowdate(), "reference": "COC-1", "file": "/files/coc-1.pdf"})
	parent.save()
	line = make_warehouse(shop.company, "Line 1")

	first = split_lot(reel, 1200, target_warehouse=line, storage_bin="FEEDER-3")
	child = frappe.get_doc("Lot", first["lot"])
	assert child.parent_lot == reel and child.name == f"{reel}-1"
	assert child.unit_cost == parent.unit_cost and child.purchase_receipt == parent.purchase_receipt
	assert child.supplier_batch_code == "DC2347" and getdate(child.expiry_date) == getdate(expiry)
	assert child.status == parent.status and child.stock_owner == "House"
	assert child.storage_bin == "FEEDER-3" and child.warehouse == line
	assert [(d.document_type, d.file) for d in child.documents] == [("Certificate of Conformance", "/files/coc-1.pdf")]
	assert get_lot_on_hand(reel) == 3800 and get_lot_on_hand(child.name) == 1200
	assert [(row.warehouse, flt(row.qty)) for row in get_lot_locations(child.name)] == [(line, 1200)]
	stock_entry = frappe.get_doc("Stock Entry", first["stock_entry"])
	assert stock_entry.lot_split_from == reel
	assert sle_value(stock_entry, tape) == 24.00

	second = split_lot(child.name, 200)
	grandchild = frappe.get_doc("Lot", second["lot"])
	assert grandchild.parent_lot == child.name and grandchild.unit_cost == parent.unit_cost
	assert len(grandchild.documents) == 1
	assert [(row.consumed_lot, row.produced_lot, row.kind) for row in frappe.get_all(
		"Lot Consumption", filters={"produced_lot": ("in", [child.name, grandchild.name])}, fields=["consumed_lot", "produced_lot", "kind"], order_by="creation"
	)] == [(reel, child.name, "Split"), (child.name, grandchild.name, "Split")]

	with pytest.raises(LotShortageError, match="less than all"):
		split_lot(grandchild.name, 200)


def test_a_build_from_a_customers_consigned_stock_costs_only_the_companys_inputs(shop):
	customer = make_customer()
	chip, pcb, module = make_item(), make_item(), make_item()
	consigned = lot_code("CHIP")
	make_purchase_receipt(
		shop.company, shop.supplier, [receipt_line(chip, 10, 8.00, shop.stores, lot_number=consigned)], consignment_customer=customer
	)
	house_pcb = receive(shop, pcb, 10, 1.25, lot_code("PCB"))
	work_order = make_work_order(
		shop.company,
		module,
		{chip: 1, pcb: 1},
		4,
		shop.stores,
		skip_transfer=1,
		lot_owner_policy="House and customer's consigned stock",
		consignment_customer=customer,
	)
	entry = manufacture(work_order, 4)
	module_lot = frappe.get_doc("Lot", produced_lot_of(entry))
	assert module_lot.stock_owner == "Customer" and module_lot.consignment_customer == customer

	cost = get_build_cost(work_order=work_order.name)
	by_lot = {line.consumed_lot: line for line in cost["lines"]}
	assert flt(by_lot[consigned].amount) == 0 and flt(by_lot[consigned].consigned_value) == 32.00
	assert flt(by_lot[house_pcb].amount) == 5.00
	assert flt(cost["total_cost"]) == 5.00 and flt(cost["consigned_value"]) == 32.00
	assert flt(module_lot.unit_cost, 4) == 1.25


def test_lots_transferred_to_a_work_order_are_not_consumed_by_another(shop):
	part, product = make_item(), make_item()
	part_lot = receive(shop, part, 10, 1.00, lot_code("PART"))
	first = make_work_order(shop.company, product, part, 6, shop.stores)
	second = make_work_order(shop.company, product, part, 4, shop.stores)
	transfer = work_order_entry(first, "Material Transfer for Manufacture", 6)
	transfer.insert()
	transfer.submit()

	entry = work_order_entry(second, "Manufacture", 4)
	for row in entry.items:
		if row.s_warehouse:
			row.s_warehouse = shop.wip
			row.batch_no = part_lot
			row.use_serial_batch_fields = 1
	with pytest.raises(LotNotUsableError) as refusal:
		entry.insert()
		entry.submit()
	assert part_lot in str(refusal.value) and first.name in str(refusal.value)

	built = manufacture(first, 6)
	assert consumption_of(built.name) == {part_lot: 6}


def test_consumption_entries_before_the_manufacture_are_attributed_to_the_produced_lot(shop):
	frappe.db.set_single_value("Manufacturing Settings", "material_consumption", 1)
	part, product = make_item(), make_item()
	part_lot = receive(shop, part, 10, 2.00, lot_code("PART"))
	work_order = make_work_order(shop.company, product, part, 3, shop.stores)
	transfer = work_order_entry(work_order, "Material Transfer for Manufacture", 3)
	transfer.insert()
	transfer.submit()
	consume = work_order_entry(work_order, "Material Consumption for Manufacture", 3)
	consume.insert()
	consume.submit()
	assert frappe.db.get_value("Lot Consumption", {"stock_entry": consume.name}, "produced_lot") is None

	built = manufacture(work_order, 3)
	product_lot = produced_lot_of(built)
	assert {row.consumed_lot for row in went_into_lot(product_lot)} == {part_lot}

	built.reload()
	built.cancel()
	assert frappe.db.get_value("Lot Consumption", {"stock_entry": consume.name, "is_cancelled": 0}, "produced_lot") is None


def test_inventory_value_by_lot_adds_up_to_erpnexts_stock_balance(shop):
	"""Each lot at its own price; the company's total is the Stock Balance value, to the cent."""
	from erpnext.stock.report.stock_balance.stock_balance import execute as stock_balance

	from lot_control.lot_control.report.lot_inventory_value.lot_inventory_value import (
		execute as lot_inventory_value,
	)

	resistor, board = make_item(), make_item()
	first = receive(shop, resistor, 7, 1.37, lot_code("RES"), expiry=add_days(nowdate(), 30))
	second = receive(shop, resistor, 11, 2.19, lot_code("RES"), expiry=add_days(nowdate(), 60))
	work_order = make_work_order(shop.company, board, {resistor: 3}, 3, shop.stores, skip_transfer=1)
	built = manufacture(work_order, 3)
	split_lot(second, 4)

	_columns, shown, *_ = lot_inventory_value({"company": shop.company.name})
	*lots, total = shown
	assert total["status"] == "Total" and "qty" not in total and "unit_cost" not in total
	assert flt(total["value"], 2) == flt(sum(row["value"] for row in lots), 2)
	by_lot = {row["lot"]: row for row in lots}
	assert first not in by_lot  # FEFO used the first lot up
	assert by_lot[second]["unit_cost"] == 2.19
	board_lot = produced_lot_of(built)
	assert flt(by_lot[board_lot]["value"], 2) == flt(7 * 1.37 + 2 * 2.19, 2)

	_columns, balance = stock_balance(
		frappe._dict(company=shop.company.name, from_date=add_days(nowdate(), -1), to_date=nowdate())
	)
	erpnext_total = sum(flt(row["bal_val"]) for row in balance if row["item_code"] in (resistor, board))
	assert flt(sum(row["value"] for row in lots), 2) == flt(erpnext_total, 2)


def test_the_build_cost_report_shows_each_build_with_its_lots(shop):
	from lot_control.lot_control.report.build_cost.build_cost import execute as build_cost_report

	part, product = make_item(), make_item()
	part_lot = receive(shop, part, 10, 2.50, lot_code("PART"))
	work_order = make_work_order(shop.company, product, {part: 2}, 2, shop.stores, skip_transfer=1)
	entry = manufacture(work_order, 2)
	_columns, rows = build_cost_report(
		{"company": shop.company.name, "item_code": product, "show_lots": 1, "owner": "House"}
	)
	assert [(row["stock_entry"], row["indent"]) for row in rows] == [(entry.name, 0), (part_lot, 1)]
	assert rows[0]["total_cost"] == 10.0 and rows[0]["unit_cost"] == 5.0 and rows[0]["qty"] == 2
	assert rows[1]["qty"] == 4 and rows[1]["materials_cost"] == 10.0
	_columns, nobody = build_cost_report({"company": shop.company.name, "item_code": product, "owner": make_customer()})
	assert nobody == []


def test_a_landed_cost_voucher_moves_the_lots_cost_with_erpnexts_valuation(shop):
	part = make_item()
	lot = lot_code("PART")
	receipt = make_purchase_receipt(shop.company, shop.supplier, [receipt_line(part, 10, 5.00, shop.stores, lot_number=lot)])
	voucher = frappe.get_doc(
		{
			"doctype": "Landed Cost Voucher",
			"company": shop.company.name,
			"distribute_charges_based_on": "Qty",
			"purchase_receipts": [
				{"receipt_document_type": "Purchase Receipt", "receipt_document": receipt.name, "supplier": shop.supplier, "grand_total": receipt.grand_total}
			],
			"taxes": [
				{
					"description": "Freight",
					"expense_account": frappe.db.get_value("Account", {"company": shop.company.name, "account_type": "Expenses Included In Valuation", "is_group": 0}),
					"amount": 7.50,
				}
			],
		}
	)
	voucher.get_items_from_purchase_receipts()
	voucher.insert()
	voucher.submit()
	assert flt(frappe.db.get_value("Lot", lot, "unit_cost"), 4) == 5.75
	voucher.cancel()
	assert flt(frappe.db.get_value("Lot", lot, "unit_cost"), 4) == 5.00


def test_consuming_a_split_child_counts_as_consuming_from_its_ancestors_receipt(shop):
	from lot_control.genealogy import lots_inside, lots_made_from, source_receipts

	tape, module = make_item(), make_item()
	reel = receive(shop, tape, 500, 0.04, lot_code("REEL"))
	child = split_lot(reel, 100)["lot"]
	grandchild = split_lot(child, 40)["lot"]
	work_order = make_work_order(shop.company, module, {tape: 10}, 4, shop.stores, skip_transfer=1)
	entry = work_order_entry(work_order, "Manufacture", 4)
	for row in entry.items:
		if row.s_warehouse:
			row.batch_no = grandchild
			row.use_serial_batch_fields = 1
	entry.insert()
	entry.submit()
	module_lot = produced_lot_of(entry)

	inside = {(row.lot, row.depth) for row in lots_inside(module_lot)}
	assert inside == {(grandchild, 1), (child, 2), (reel, 3)}
	assert [row.name for row in source_receipts(module_lot)] == [reel]
	assert source_receipts(module_lot)[0].purchase_receipt == frappe.db.get_value("Lot", reel, "purchase_receipt")
	assert {(row.lot, row.depth) for row in lots_made_from(reel)} == {(child, 1), (grandchild, 2), (module_lot, 3)}
	assert flt(frappe.db.get_value("Lot", module_lot, "unit_cost"), 2) == 0.40


def test_a_build_of_an_item_without_lots_still_records_what_it_consumed(shop):
	part, gadget = make_item(), make_item(lot_controlled=False)
	part_lot = receive(shop, part, 10, 1.00, lot_code("PART"))
	work_order = make_work_order(shop.company, gadget, part, 3, shop.stores, skip_transfer=1)
	entry = manufacture(work_order, 3)
	[record] = frappe.get_all(
		"Lot Consumption", filters={"stock_entry": entry.name}, fields=["consumed_lot", "qty", "produced_lot", "produced_item", "produced_by"]
	)
	assert (record.consumed_lot, flt(record.qty), record.produced_lot) == (part_lot, 3, None)
	assert (record.produced_item, record.produced_by) == (gadget, entry.name)
	assert flt(get_build_cost(work_order=work_order.name)["total_cost"]) == 3.00
