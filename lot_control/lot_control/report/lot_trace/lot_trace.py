# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

"""The trace as a tree the user can open node by node, export to CSV or Excel and print as PDF.

The desk draws a tree from the order and indent of the rows alone (each row hangs under the nearest
row above it with a smaller indent), so rows come depth first, every child right under its parent.
A lot or unit reached from several parents (a reel feeding two builds) is listed under each of
them; what is below it is listed once, under its first appearance, and the later appearances say
so in Note. Level and Under (the parent) are columns of their own, so an export keeps the tree.
"""

import frappe
from frappe import _
from frappe.utils import flt

from lot_control import trace
from lot_control.arguments import check_filter_permissions, clean_report_filters, refuse_bad_arguments

ROOT_KINDS = ("Start", None)


FILTER_NAMES = {
	"lot": "Lot",
	"unit": "Serialized Unit",
	"supplier": "Supplier",
	"supplier_batch_code": None,
	"purchase_receipt": "Purchase Receipt",
	"work_order": "Work Order",
}


@refuse_bad_arguments
def execute(filters=None):
	filters = frappe._dict(
		clean_report_filters(filters, names=FILTER_NAMES, choices={"direction": ("Forward", "Backward")})
	)
	check_filter_permissions(filters, FILTER_NAMES)
	if not any(filters.get(key) for key in ("lot", "unit", "supplier_batch_code", "purchase_receipt", "work_order")):
		return columns(filters), [], _("Choose a lot, unit, supplier batch code, Purchase Receipt or Work Order to trace.")
	if filters.direction == "Backward":
		return columns(filters), backward_rows(filters), backward_message(filters)
	return columns(filters), forward_rows(filters), forward_message()


def forward_message():
	return _(
		"Each row is under what it was made from. Qty of Parent Used: how much of the row above went into it. "
		"Qty Delivered / On Hand: under Deliveries and Still in Stock."
	)


def backward_message(filters):
	what = _("this unit") if filters.unit else _("the traced lot")
	return _(
		"Each row is inside the row above it. Qty Used in Parent: how much went into the whole build of the row above. "
		"Qty in Traced: how much of it is inside {0} (its share, where the row above was built in a larger batch)."
	).format(what)


def columns(filters=None):
	filters = filters or frappe._dict()
	backward = filters.get("direction") == "Backward"
	result = [
		{"fieldname": "node", "label": _("Lot / Unit / Document"), "fieldtype": "Data", "width": 230},
		{"fieldname": "node_type", "label": _("What"), "fieldtype": "Data", "width": 80},
		{"fieldname": "source", "label": _("Made By"), "fieldtype": "Data", "width": 90},
		{"fieldname": "item_code", "label": _("Item"), "fieldtype": "Link", "options": "Item", "width": 140},
	]
	if backward:
		result += [
			{"fieldname": "qty_used", "label": _("Qty Used in Parent"), "fieldtype": "Float", "width": 110},
			{"fieldname": "qty_in_start", "label": _("Qty in Traced"), "fieldtype": "Float", "width": 110},
		]
	else:
		result += [
			{"fieldname": "qty_used", "label": _("Qty of Parent Used"), "fieldtype": "Float", "width": 110},
			{"fieldname": "qty", "label": _("Qty Delivered / On Hand"), "fieldtype": "Float", "width": 110},
		]
	return [
		*result,
		{"fieldname": "work_order", "label": _("Work Order"), "fieldtype": "Link", "options": "Work Order", "width": 150},
		{"fieldname": "voucher_type", "label": _("Document Type"), "fieldtype": "Data", "width": 120},
		{"fieldname": "voucher_no", "label": _("Document"), "fieldtype": "Dynamic Link", "options": "voucher_type", "width": 170},
		{"fieldname": "place", "label": _("Where / Who"), "fieldtype": "Data", "width": 180},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 100},
		{"fieldname": "date", "label": _("Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "units", "label": _("Units"), "fieldtype": "Data", "width": 160},
		{"fieldname": "level", "label": _("Level"), "fieldtype": "Int", "width": 60},
		{"fieldname": "parent_node", "label": _("Under"), "fieldtype": "Data", "width": 150},
		{"fieldname": "note", "label": _("Note"), "fieldtype": "Data", "width": 200},
		{"fieldname": "node_doctype", "label": _("Type"), "fieldtype": "Data", "hidden": 1},
		{"fieldname": "node_name", "label": _("Name"), "fieldtype": "Data", "hidden": 1},
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


# What each node is -----------------------------------------------------------------------------


def node_facts(nodes) -> dict:
	"""How each lot and unit of the answer was made, its printed code and where it is: two queries."""
	names = list({node.lot for node in nodes})
	facts = {}
	for unit in frappe.get_all(
		"Serialized Unit",
		filters={"name": ("in", names or [""])},
		fields=["name", "code_display", "status", "customer", "warehouse", "work_order", "stock_entry", "built_on"],
	):
		facts[unit.name] = frappe._dict(
			display=unit.code_display or unit.name,
			doctype="Serialized Unit",
			source=_("Build"),
			work_order=unit.work_order,
			voucher_type="Stock Entry" if unit.stock_entry else None,
			voucher_no=unit.stock_entry,
			status=unit.status,
			place=unit.customer or unit.warehouse,
			date=unit.built_on,
		)
	for lot in frappe.get_all(
		"Lot",
		filters={"name": ("in", [name for name in names if name not in facts] or [""])},
		fields=["name", "purchase_receipt", "parent_lot", "work_order", "stock_entry", "supplier", "supplier_batch_code", "received_date", "status"],
	):
		fact = frappe._dict(display=lot.name, doctype="Lot", status=lot.status, work_order=lot.work_order, date=lot.received_date)
		if lot.parent_lot:
			fact.update(source=_("Split"), voucher_type="Stock Entry" if lot.stock_entry else None, voucher_no=lot.stock_entry)
		elif lot.purchase_receipt:
			fact.update(
				source=_("Receipt"),
				voucher_type="Purchase Receipt",
				voucher_no=lot.purchase_receipt,
				place=lot.supplier + (f" ({lot.supplier_batch_code})" if lot.supplier_batch_code else "") if lot.supplier else None,
			)
		elif lot.work_order or lot.stock_entry:
			fact.update(source=_("Build"), voucher_type="Stock Entry" if lot.stock_entry else None, voucher_no=lot.stock_entry)
		else:
			fact.update(source=_("Other"))
		facts[lot.name] = fact
	return facts


def node_row(node, facts, edge_vouchers=False):
	"""A lot or unit. Forward, the edge says how the row was made from its parent (the Work Orders and
	Stock Entries of that edge); backward, the row's own record says how it was made."""
	fact = facts.get(node.lot) or frappe._dict(
		display=node.lot, doctype="Serial No" if node.get("serial_no") else "Lot", source=_("Other")
	)
	row = {
		"node": fact.display,
		"node_name": node.lot,
		"node_doctype": fact.doctype,
		"node_type": {"Serialized Unit": _("Unit"), "Serial No": _("Serial No")}.get(fact.doctype, _("Lot")),
		"source": fact.source,
		"item_code": node.item_code,
		"work_order": fact.get("work_order"),
		"voucher_type": fact.get("voucher_type"),
		"voucher_no": fact.get("voucher_no"),
		"place": fact.get("place"),
		"status": fact.get("status"),
		"date": fact.get("date"),
	}
	if edge_vouchers and node.kind not in ROOT_KINDS:
		row["source"] = _(node.kind) if fact.get("source") != _("Receipt") else fact.source
		if node.get("work_orders"):
			row["work_order"] = ", ".join(node.work_orders.split(","))
		if node.get("stock_entries"):
			voucher_type = (node.get("voucher_types") or "Stock Entry").split(",")[0]
			row.update(voucher_type=voucher_type, voucher_no=", ".join(node.stock_entries.split(",")))
	return row


# The tree --------------------------------------------------------------------------------------


def tree_rows(nodes, parent_field, facts, prefix="", on_row=None, edge_vouchers=False):
	"""Rows depth first from the starts (depth 0), every child right under its parent with the
	parent's indent + 1. A node met again is listed again, but its subtree only the first time."""
	starts = [node for node in nodes if node.kind == "Start"]
	children = {}
	for node in nodes:
		if node.kind != "Start" and node.get(parent_field):
			children.setdefault(node.get(parent_field), []).append(node)
	for edges in children.values():
		edges.sort(key=lambda node: (bool(node.unit), node.item_code or "", (facts.get(node.lot) or {}).get("display") or node.lot))

	rows, first_row = [], {}

	def visit(node, level, parent_key, parent_display, parent_share):
		key = f"{prefix}{len(rows)}"
		row = node_row(node, facts, edge_vouchers)
		row.update(row_key=key, parent_row=parent_key, indent=level, level=level, parent_node=parent_display)
		share = on_row(row, node, parent_share) if on_row else None
		rows.append(row)
		if node.lot in first_row:
			row["note"] = _("What is below it is listed under {0}").format(first_row[node.lot])
			return
		first_row[node.lot] = parent_display or _("the start")
		for child in children.get(node.lot, []):
			visit(child, level + 1, key, row["node"], share)

	for start in starts:
		visit(start, 0, None, None, 1.0)
	return rows


def forward_rows(filters):
	answer = trace.trace_forward(lots=start_nodes(filters)) if (filters.unit or filters.work_order) else trace.trace_forward(
		lot=filters.lot, supplier=filters.supplier, supplier_batch_code=filters.supplier_batch_code, purchase_receipt=filters.purchase_receipt
	)
	facts = node_facts(answer["nodes"])

	def used(row, node, _share):
		row["qty_used"] = node.qty

	rows = tree_rows(answer["nodes"], "from_lot", facts, on_row=used, edge_vouchers=True)
	displays = {name: fact.display for name, fact in facts.items()}
	if answer["deliveries"]:
		rows.append(section_row(_("Deliveries"), "deliveries", _("{0} customers").format(len(answer["customers"]))))
		for index, delivery in enumerate(answer["deliveries"]):
			rows.append(
				{
					"node": delivery.voucher_no,
					"node_name": delivery.voucher_no,
					"node_doctype": delivery.voucher_type,
					"node_type": _(delivery.voucher_type),
					"item_code": delivery.item_code,
					"qty": delivery.qty,
					"voucher_type": delivery.voucher_type,
					"voucher_no": delivery.voucher_no,
					"units": ", ".join(displays.get(unit, unit) for unit in delivery.units) or None,
					"place": delivery.customer,
					"date": delivery.posting_date,
					"row_key": f"delivery-{index}",
					"parent_row": "deliveries",
					"parent_node": _("Deliveries"),
					"indent": 1,
					"level": 1,
					"note": None if delivery.units else _("Lot {0}").format(delivery.lot),
				}
			)
	if answer["on_hand"]:
		rows.append(section_row(_("Still in Stock"), "on_hand"))
		for index, stock in enumerate(answer["on_hand"]):
			name = stock.unit or stock.lot
			rows.append(
				{
					"node": displays.get(name, name),
					"node_name": name,
					"node_doctype": "Serialized Unit" if stock.unit else "Lot",
					"node_type": _("Unit") if stock.unit else _("Lot"),
					"item_code": stock.item_code,
					"qty": stock.qty,
					"place": " / ".join(filter(None, [stock.warehouse, stock.storage_bin])),
					"status": stock.status,
					"note": _("Owner: {0}").format(stock.owner) if stock.owner else None,
					"row_key": f"stock-{index}",
					"parent_row": "on_hand",
					"parent_node": _("Still in Stock"),
					"indent": 1,
					"level": 1,
				}
			)
	if answer["restricted"]:
		rows.append(section_row(_("Not shown (no permission): {0}").format(", ".join(answer["restricted"])), "restricted"))
	return rows


def section_row(title, key, node_type=None):
	return {"node": title, "row_key": key, "indent": 0, "level": 0, "node_type": node_type}


def backward_rows(filters):
	if filters.work_order:
		answers = [trace.trace_backward(unit=node) if frappe.db.exists("Serialized Unit", node) else trace.trace_backward(lot=node) for node in start_nodes(filters)]
	elif filters.lot or filters.unit:
		answers = [trace.trace_backward(lot=None if filters.unit else filters.lot, unit=filters.unit or None)]
	else:
		answers = [trace.trace_backward(lot=lot) for lot in start_nodes(filters)]
	rows = []
	for number, answer in enumerate(answers):
		facts = node_facts(answer["nodes"])
		made = produced_quantities([node.lot for node in answer["nodes"] if node.kind != "Start"], facts)
		documents = {}
		for document in answer["documents"]:
			documents.setdefault(document.lot, []).append(f"{_(document.document_type)}: {document.reference or document.file}")

		def share_of(row, node, parent_share, made=made, documents=documents):
			"""What of this node is in the traced one: the edge's quantity times the parent's share
			(the parent's quantity in the traced one over all the parent's build made)."""
			if node.kind == "Start":
				row["qty_in_start"] = 1 if node.unit else None
				return 1.0
			row["qty_used"] = node.qty
			qty_in_start = flt(node.qty) * parent_share if parent_share is not None else None
			row["qty_in_start"] = flt(qty_in_start, 6) if qty_in_start is not None else None
			if node.lot in documents:
				row["note"] = "; ".join(documents[node.lot])
			made_qty = made.get(node.lot)
			return qty_in_start / made_qty if (qty_in_start is not None and made_qty) else None

		rows += tree_rows(answer["nodes"], "parent_lot", facts, prefix=f"{number}:", on_row=share_of)
		if answer["restricted"]:
			rows.append(section_row(_("Not shown (no permission): {0}").format(", ".join(answer["restricted"])), f"{number}:restricted"))
	return rows


def produced_quantities(nodes, facts) -> dict:
	"""How much each built lot's builds made (a unit is one), to know a part's share in it."""
	made = {node: 1.0 for node in nodes if (facts.get(node) or {}).get("doctype") == "Serialized Unit"}
	lots = [node for node in nodes if node not in made]
	made.update(trace.produced_qty(lots))
	return made
