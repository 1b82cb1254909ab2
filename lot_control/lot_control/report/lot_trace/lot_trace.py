# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

"""The trace as a tree the user can open node by node, export to CSV or Excel and print as PDF."""

import frappe
from frappe import _

from lot_control import trace


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not any(filters.get(key) for key in ("lot", "unit", "supplier_batch_code", "purchase_receipt", "work_order")):
		return columns(), [], _("Choose a lot, unit, supplier batch code, Purchase Receipt or Work Order to trace.")
	if filters.direction == "Backward":
		return columns(), backward_rows(filters)
	return columns(), forward_rows(filters)


def columns():
	return [
		{"fieldname": "node", "label": _("Lot / Unit / Document"), "fieldtype": "Data", "width": 260},
		{"fieldname": "node_type", "label": _("What"), "fieldtype": "Data", "width": 110},
		{"fieldname": "item_code", "label": _("Item"), "fieldtype": "Link", "options": "Item", "width": 150},
		{"fieldname": "qty", "label": _("Qty"), "fieldtype": "Float", "width": 90},
		{"fieldname": "via", "label": _("Via"), "fieldtype": "Data", "width": 200},
		{"fieldname": "place", "label": _("Where / Who"), "fieldtype": "Data", "width": 200},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 100},
		{"fieldname": "date", "label": _("Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "node_doctype", "label": _("Type"), "fieldtype": "Data", "hidden": 1},
		{"fieldname": "row_key", "label": _("Key"), "fieldtype": "Data", "hidden": 1},
		{"fieldname": "parent_row", "label": _("Parent"), "fieldtype": "Data", "hidden": 1},
	]


def start_nodes(filters) -> list[str]:
	if filters.unit:
		return [filters.unit]
	if filters.work_order:
		produced = frappe.get_all("Lot", filters={"work_order": filters.work_order}, pluck="name")
		produced += frappe.get_all("Serialized Unit", filters={"work_order": filters.work_order, "stock_entry": ("is", "set")}, pluck="name")
		if not produced:
			frappe.throw(_("Work Order {0} has produced no lot or unit yet.").format(frappe.bold(filters.work_order)))
		return produced
	return trace.forward_start(filters.lot, filters.supplier, filters.supplier_batch_code, filters.purchase_receipt)


def node_row(node, key, parent, via=None):
	return {
		"node": node.lot,
		"node_type": _("Unit") if node.unit else (_("Lot") if node.kind in ("Start", None) else _(node.kind)),
		"node_doctype": "Serialized Unit" if node.unit else "Lot",
		"item_code": node.item_code,
		"qty": node.qty,
		"via": via,
		"row_key": key,
		"parent_row": parent,
		"indent": node.depth or 0,
	}


def tree_rows(nodes, parent_field):
	"""One row per edge; a node reached along several edges appears under each parent, and what is
	below it hangs under its first appearance."""
	rows, first_key = [], {}
	for index, node in enumerate(nodes):
		parent = node.get(parent_field)
		key = node.lot if node.lot not in first_key else f"{node.lot}@{index}"
		first_key.setdefault(node.lot, key)
		via = ", ".join(filter(None, [node.get("work_orders"), node.get("stock_entries")])) or None
		rows.append(node_row(node, key, first_key.get(parent) if parent else None, via))
	return rows


def forward_rows(filters):
	answer = trace.trace_forward(lots=start_nodes(filters)) if (filters.unit or filters.work_order) else trace.trace_forward(
		lot=filters.lot, supplier=filters.supplier, supplier_batch_code=filters.supplier_batch_code, purchase_receipt=filters.purchase_receipt
	)
	rows = tree_rows(answer["nodes"], "from_lot")
	units = {unit.name: unit for unit in answer["units"]}
	for row in rows:
		unit = units.get(row["node"])
		if unit:
			row.update(status=unit.status, place=unit.customer or unit.warehouse)
	if answer["deliveries"]:
		rows.append({"node": _("Deliveries"), "row_key": "deliveries", "indent": 0, "node_type": _("{0} customers").format(len(answer["customers"]))})
		for index, delivery in enumerate(answer["deliveries"]):
			rows.append(
				{
					"node": delivery.voucher_no,
					"node_doctype": delivery.voucher_type,
					"node_type": _(delivery.voucher_type),
					"item_code": delivery.item_code,
					"qty": delivery.qty,
					"via": ", ".join(delivery.units) or delivery.lot,
					"place": delivery.customer,
					"date": delivery.posting_date,
					"row_key": f"delivery-{index}",
					"parent_row": "deliveries",
					"indent": 1,
				}
			)
	if answer["on_hand"]:
		rows.append({"node": _("Still in Stock"), "row_key": "on_hand", "indent": 0})
		for index, stock in enumerate(answer["on_hand"]):
			rows.append(
				{
					"node": stock.unit or stock.lot,
					"node_doctype": "Serialized Unit" if stock.unit else "Lot",
					"node_type": _("Unit") if stock.unit else _("Lot"),
					"item_code": stock.item_code,
					"qty": stock.qty,
					"place": " / ".join(filter(None, [stock.warehouse, stock.storage_bin])),
					"status": stock.status,
					"via": stock.owner,
					"row_key": f"stock-{index}",
					"parent_row": "on_hand",
					"indent": 1,
				}
			)
	if answer["restricted"]:
		rows.append({"node": _("Not shown (no permission): {0}").format(", ".join(answer["restricted"])), "row_key": "restricted"})
	return rows


def backward_rows(filters):
	if filters.work_order:
		answers = [trace.trace_backward(unit=node) if frappe.db.exists("Serialized Unit", node) else trace.trace_backward(lot=node) for node in start_nodes(filters)]
	else:
		answers = [trace.trace_backward(lot=None if filters.unit else (filters.lot or None), unit=filters.unit or None)] if (filters.lot or filters.unit) else [
			trace.trace_backward(lot=lot) for lot in start_nodes(filters)
		]
	rows = []
	for number, answer in enumerate(answers):
		for row in tree_rows(answer["nodes"], "parent_lot"):
			row["row_key"] = f"{number}:{row['row_key']}"
			row["parent_row"] = f"{number}:{row['parent_row']}" if row["parent_row"] else None
			rows.append(row)
		sources = {source.lot: source for source in answer["sources"]}
		documents = {}
		for document in answer["documents"]:
			documents.setdefault(document.lot, []).append(f"{_(document.document_type)}: {document.reference or document.file}")
		for row in rows:
			source = sources.get(row["node"])
			if source and row["row_key"].startswith(f"{number}:"):
				row.update(
					place=source.supplier + (f" ({source.supplier_batch_code})" if source.supplier_batch_code else ""),
					via=", ".join(filter(None, [source.purchase_receipt, source.purchase_order])),
					date=source.received_date,
				)
			if row["node"] in documents and row["row_key"].startswith(f"{number}:"):
				row["status"] = "; ".join(documents[row["node"]])
		if answer["restricted"]:
			rows.append({"node": _("Not shown (no permission): {0}").format(", ".join(answer["restricted"])), "row_key": f"{number}:restricted"})
	return rows
