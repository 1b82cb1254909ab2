"""What the desk shows that no field stores: the lots each line of a voucher got, the stock of the
lots on a list page, what a scanned or typed code names. Read from ERPNext's own records each time,
one call per page, so nothing here can drift from the ledger."""

import frappe
from frappe import _
from frappe.utils import flt

from lot_control import arguments, codes, stock_queries
from lot_control.arguments import missing, refuse_bad_arguments
from lot_control.constants.vouchers import STOCK_VOUCHERS
from lot_control.units import find_unit, tracked_items

BUNDLE_FIELDS = ("serial_and_batch_bundle", "rejected_serial_and_batch_bundle")


@frappe.whitelist()
@refuse_bad_arguments
def voucher_line_lots(doctype=None, name=None) -> list[dict]:
	"""Each line of a receipt, stock entry or delivery with the lots it got or gave, from its bundles
	(one query for the whole voucher), or from Batch No where the line names the lot itself."""
	doctype = arguments.as_choice(doctype, "doctype", sorted(STOCK_VOUCHERS))
	name = arguments.as_name(name, "name", required=True)
	doc = frappe.get_doc(doctype, name)
	doc.check_permission("read")
	bundle_rows = {}
	for row in doc.get("items") or []:
		for fieldname in BUNDLE_FIELDS:
			if row.get(fieldname):
				bundle_rows[row.get(fieldname)] = (row, fieldname)
	lots_by_bundle: dict[str, list[dict]] = {}
	for entry in stock_queries.lots_of_bundles(list(bundle_rows)):
		lots_by_bundle.setdefault(entry.bundle, []).append(
			{"lot": entry.batch_no, "qty": abs(flt(entry.qty))}
		)

	lines = []
	for row in doc.get("items") or []:
		for fieldname in BUNDLE_FIELDS:
			lots = lots_by_bundle.get(row.get(fieldname)) if row.get(fieldname) else None
			if fieldname == "serial_and_batch_bundle" and not lots and row.get("batch_no"):
				lots = [
					{
						"lot": row.batch_no,
						"qty": abs(flt(row.get("stock_qty") or row.get("transfer_qty") or row.get("qty"))),
					}
				]
			if not lots:
				continue
			lines.append(
				{
					"idx": row.idx,
					"item_code": row.item_code,
					"item_name": row.get("item_name"),
					"rejected": fieldname == "rejected_serial_and_batch_bundle",
					"source_warehouse": row.get("s_warehouse"),
					"target_warehouse": row.get("t_warehouse") or row.get("warehouse"),
					"lots": lots,
				}
			)
	return lines


@frappe.whitelist()
@refuse_bad_arguments
def lot_list_stock(lots=None) -> dict:
	"""On-hand quantity and the warehouses holding it for each lot of a list page, in one read."""
	lots = arguments.as_names(lots, "lots")
	readable = (
		frappe.get_list("Lot", filters={"name": ("in", lots)}, pluck="name", limit_page_length=0)
		if lots
		else []
	)
	stock = {lot: {"qty": 0.0, "warehouses": []} for lot in readable}
	for (lot, warehouse), qty in stock_queries.get_lot_balances(readable).items():
		if round(qty, 6) <= 0:
			continue
		stock[lot]["qty"] += qty
		stock[lot]["warehouses"].append(warehouse)
	for entry in stock.values():
		entry["qty"] = flt(entry["qty"], 6)
		entry["warehouses"].sort()
	return stock


@frappe.whitelist()
@refuse_bad_arguments
def items_track_units(item_codes=None) -> bool:
	"""Whether any of these items gets a Serialized Unit per piece built (the entry shows Lots per Unit)."""
	item_codes = arguments.as_names(item_codes, "item_codes")
	return any(tracked_items([code for code in item_codes if code]).values()) if item_codes else False


@frappe.whitelist()
@refuse_bad_arguments
def resolve_code(text=None) -> dict | None:
	"""Where a scanned or typed code leads: a unit (its code in any printed form, its serial or the
	customer's serial), a lot (its code), or the lots carrying that supplier batch / date code (one
	opens its form, several open the list). A unit code whose check character does not match, naming
	none of them, gets {"problem": why} rather than a search. None when the code names nothing."""
	if missing(text) or (isinstance(text, str) and len(text.strip()) > arguments.MAX_NAME_LENGTH):
		return None
	text = arguments.as_name(text, "text")
	unit = find_unit(text)
	if unit:
		return {"route": ["Form", "Serialized Unit", unit]}
	if frappe.has_permission("Lot", "read"):
		lot = frappe.db.get_value("Lot", {"name": text})
		if lot and frappe.has_permission("Lot", "read", lot):
			return {"route": ["Form", "Lot", lot]}
		lots = frappe.get_list(
			"Lot", filters={"supplier_batch_code": text}, pluck="name", limit_page_length=2
		)
		if len(lots) == 1:
			return {"route": ["Form", "Lot", lots[0]]}
		if lots:
			return {"route": ["List", "Lot", "List"], "route_options": {"supplier_batch_code": text}}
	if codes.looks_like_code(text) and not codes.is_valid_code(text):
		return {
			"problem": _(
				"{0} is not a valid unit code: its check character does not match, so it is mistyped. Scan the label again or check the code."
			).format(frappe.bold(text))
		}
	return None
