"""The evidence a recall is answered with, read from the ledger: each lot's mass balance (where
every unit went) and the FSMA 204 records of its Critical Tracking Events. The movements come from
lot_control.stock_queries in one query (two when a split or a build brings in lots outside the
set); what they mean is decided by the pure modules mass_balance and fsma."""

from __future__ import annotations

import frappe

from lot_control import fsma, mass_balance
from lot_control.constants.vouchers import TRANSFORMATION_PURPOSES
from lot_control.stock_queries import lot_balances, lot_movements_by_voucher

RESTRICTED = "(restricted)"


def with_whole_vouchers(movements, vouchers) -> list[dict]:
	"""The movements plus every other lot the given vouchers moved (the child of a split, the
	inputs and outputs of a build), without counting a movement twice."""
	vouchers = sorted(set(vouchers))
	if not vouchers:
		return list(movements)
	seen = {(row.lot, row.voucher_type, row.voucher_no, row.warehouse) for row in movements}
	extra = [
		row
		for row in lot_movements_by_voucher(vouchers=vouchers)
		if (row.lot, row.voucher_type, row.voucher_no, row.warehouse) not in seen
	]
	return [*movements, *extra]


def mass_balance_of(lots, suspects=(), show_customers: bool = True) -> list[mass_balance.LotBalance]:
	"""The balance of each lot, suspects and their split children first. Without show_customers
	(a user who may not read sales documents, as the trace says) what was shipped is counted but
	not to whom."""
	lots = list(dict.fromkeys(lot for lot in lots if lot))
	if not lots:
		return []
	movements = lot_movements_by_voucher(lots)
	movements = with_whole_vouchers(movements, {row.voucher_no for row in movements if row.lot_split_from})
	if not show_customers:
		for row in movements:
			if row.customer:
				row.customer = row.customer_name = RESTRICTED
	on_hand = lot_balances(lots)
	items = dict(frappe.get_all("Batch", filters={"name": ("in", lots)}, fields=["name", "item"], as_list=True))
	return mass_balance.mass_balances(lots, movements, on_hand, items, suspects=list(suspects))


def is_transformation(row) -> bool:
	return row.voucher_type == "Stock Entry" and (row.purpose in TRANSFORMATION_PURPOSES or bool(row.lot_split_from))


def readable_lots(lots) -> set[str]:
	"""The lots the session user may read: a Lot by its permissions (user permissions included), a
	batch without a Lot by the Batch's."""
	lots = sorted({lot for lot in lots if lot})
	if not lots:
		return set()
	with_lot = set(frappe.get_all("Lot", filters={"name": ("in", lots)}, pluck="name"))
	readable = set(frappe.get_list("Lot", filters={"name": ("in", sorted(with_lot) or [""])}, pluck="name", limit_page_length=0))
	without_lot = [lot for lot in lots if lot not in with_lot]
	if without_lot:
		readable |= set(frappe.get_list("Batch", filters={"name": ("in", without_lot)}, pluck="name", limit_page_length=0))
	return readable


def traceability_records(lots=None, items=None, from_date=None, to_date=None) -> list[dict]:
	"""The FSMA 204 rows of the given lots (or of every lot of the given items), within the dates,
	only for lots the user may read; a lot used in a transformation the user may not read shows
	as restricted."""
	movements = lot_movements_by_voucher(lots or None, items=items or None, from_date=from_date, to_date=to_date)
	selected = set(lots) if lots else {row.lot for row in movements}
	movements = with_whole_vouchers(movements, {row.voucher_no for row in movements if is_transformation(row)})
	every_lot = sorted({row.lot for row in movements})
	readable = readable_lots(every_lot)
	lot_rows = {
		row.name: row
		for row in frappe.get_all(
			"Lot",
			filters={"name": ("in", every_lot or [""])},
			fields=["name", "supplier_batch_code", "purchase_receipt", "parent_lot", "warehouse"],
		)
	}
	receipts = {
		row.name: row
		for row in frappe.get_all(
			"Purchase Receipt",
			filters={"name": ("in", sorted({row.purchase_receipt for row in lot_rows.values() if row.purchase_receipt}) or [""])},
			fields=["name", "supplier", "supplier_name", "address_display"],
		)
	}
	item_codes = sorted({row.item_code for row in movements if row.item_code})
	items_facts = {
		row.name: {"description": row.item_name or row.name, "uom": row.stock_uom}
		for row in frappe.get_all("Item", filters={"name": ("in", item_codes or [""])}, fields=["name", "item_name", "stock_uom"])
	}
	warehouses = sorted({row.warehouse for row in movements if row.warehouse} | {row.warehouse for row in lot_rows.values() if row.warehouse})
	places = {
		row.name: fsma.location_description(
			row.company, row.warehouse_name, row.address_line_1, row.address_line_2, row.city, row.state, row.pin, row.phone_no
		)
		for row in frappe.get_all(
			"Warehouse",
			filters={"name": ("in", warehouses or [""])},
			fields=["name", "warehouse_name", "company", "address_line_1", "address_line_2", "city", "state", "pin", "phone_no"],
		)
	}
	first_place = {}
	for row in sorted(movements, key=lambda row: str(row.posting_date)):
		if row.qty > 0 and row.lot not in first_place:
			first_place[row.lot] = row.warehouse
	lots_facts = {}
	for lot in every_lot:
		facts = lot_rows.get(lot)
		receipt = receipts.get(facts.purchase_receipt) if facts and facts.purchase_receipt and not facts.parent_lot else None
		if lot not in readable:
			lots_facts[lot] = {"tlc": RESTRICTED, "tlc_source_location": RESTRICTED}
			continue
		code = fsma.traceability_lot_code(lot, facts.supplier_batch_code if facts else None, received_from_supplier=bool(receipt))
		if receipt and code != lot:
			source = fsma.location_description(receipt.supplier_name or receipt.supplier, receipt.address_display)
		else:
			warehouse = first_place.get(lot) or (facts.warehouse if facts else None)
			source = places.get(warehouse) or warehouse or ""
		lots_facts[lot] = {"tlc": code, "tlc_source_location": source}
	rows = fsma.traceability_rows(movements, lots_facts, items_facts, places, selected=selected & readable)
	return [row for row in rows if row["lot"] in readable]
