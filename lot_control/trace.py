"""Traceability: from a supplier's lot forward to every split, build, lot and unit made from it,
every delivery and the stock still on the shelf; from a unit or lot back to every lot inside it and
the receipts, orders and suppliers they came from, with their documents.

The genealogy is walked by lot_control.genealogy in one recursive query each way; stock on hand and
deliveries are read from ERPNext's Serial and Batch Bundles in one query each, for all the lots and
units of the answer at once. The cost of a trace follows the size of its answer, not of the history.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt

from lot_control.genealogy import lots_inside, lots_made_from

SALES_VOUCHERS = ("Delivery Note", "Sales Invoice")


# Where a trace starts --------------------------------------------------------------------------


def forward_start(lot=None, supplier=None, supplier_batch_code=None, purchase_receipt=None) -> list[str]:
	"""The lots a recall starts from: one lot, a supplier's batch or date code, or a receipt."""
	if lot:
		if not frappe.db.exists("Batch", lot):
			frappe.throw(_("Lot {0} does not exist.").format(frappe.bold(lot)))
		return [lot]
	filters = {}
	if supplier_batch_code:
		filters["supplier_batch_code"] = supplier_batch_code.strip()
		if supplier:
			filters["supplier"] = supplier
	elif purchase_receipt:
		filters["purchase_receipt"] = purchase_receipt
	else:
		frappe.throw(_("Start a trace from a lot, a supplier's batch code or a Purchase Receipt."))
	found = frappe.get_all("Lot", filters=filters, fields=["name", "parent_lot"], order_by="name")
	names = {lot.name for lot in found}
	# A piece cut from a lot carries its code too, but it is found by the walk from its parent.
	lots = [lot.name for lot in found if lot.parent_lot not in names]
	if not lots:
		described = ", ".join(f"{key}: {value}" for key, value in filters.items())
		frappe.throw(_("No lot found for {0}.").format(described), title=_("Nothing to Trace"))
	return lots


def check_can_trace():
	if not frappe.has_permission("Lot", "read"):
		frappe.throw(_("Tracing needs permission to read Lots."), frappe.PermissionError)


# Forward ---------------------------------------------------------------------------------------


def trace_forward(lot=None, supplier=None, supplier_batch_code=None, purchase_receipt=None, lots=None) -> dict:
	"""Everything made from the starting lots, at any depth, where it went and what is left."""
	check_can_trace()
	starts = list(lots) if lots else forward_start(lot, supplier, supplier_batch_code, purchase_receipt)
	items = dict(frappe.get_all("Batch", filters={"name": ("in", starts)}, fields=["name", "item"], as_list=True))
	nodes = [
		frappe._dict(lot=start, batch=start, unit=None, item_code=items.get(start), from_lot=None, qty=None, kind="Start", depth=0)
		for start in starts
	]
	nodes += lots_made_from(starts)
	restricted = []
	answer = {
		"direction": "forward",
		"start": {"lot": lot, "supplier": supplier, "supplier_batch_code": supplier_batch_code, "purchase_receipt": purchase_receipt},
		"start_lots": starts,
		"nodes": nodes,
		"builds": builds_of(nodes),
		"lots": sorted({node.batch for node in nodes if node.batch}),
		"units": [],
		"deliveries": [],
		"customers": [],
		"on_hand": [],
		"restricted": restricted,
	}
	unit_names = sorted({node.unit for node in nodes if node.unit})
	if frappe.has_permission("Serialized Unit", "read"):
		answer["units"] = unit_facts(unit_names)
	elif unit_names:
		restricted.append("Serialized Unit")
	if all(frappe.has_permission(doctype, "read") for doctype in SALES_VOUCHERS):
		answer["deliveries"] = deliveries_of(answer["lots"], unit_names)
		answer["customers"] = sorted({row.customer for row in answer["deliveries"] if row.customer})
	else:
		restricted.append("Delivery Note")
	answer["on_hand"] = stock_on_hand(answer["lots"], unit_names)
	answer["documents"] = documents_of(answer["lots"], unit_names)
	return answer


def builds_of(nodes) -> list[dict]:
	"""Each build, repack or split on the way, with what it produced."""
	builds = {}
	for node in nodes:
		if node.kind in (None, "Start") or not node.get("stock_entries"):
			continue
		for entry in node.stock_entries.split(","):
			build = builds.setdefault(
				entry,
				frappe._dict(stock_entry=entry, work_order=None, kind=node.kind, depth=node.depth, produced=[]),
			)
			build.work_order = build.work_order or (node.work_orders or "").split(",")[0] or None
			build.depth = min(build.depth, node.depth)
			if node.lot not in build.produced:
				build.produced.append(node.lot)
	return sorted(builds.values(), key=lambda build: (build.depth, build.stock_entry))


def unit_facts(units: list[str]) -> list[dict]:
	if not units:
		return []
	return frappe.get_all(
		"Serialized Unit",
		filters={"name": ("in", units)},
		fields=["name", "item_code", "status", "work_order", "warehouse", "customer", "delivery_document", "delivery_date", "lot"],
		order_by="name",
	)


DELIVERIES_BY_LOT = """
	select bundle.voucher_type, bundle.voucher_no, bundle.item_code, bundle.posting_date,
		entry.batch_no, entry.serial_no, entry.qty
	from `tabSerial and Batch Entry` entry
	inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
	where entry.batch_no in %(keys)s and bundle.voucher_type in %(vouchers)s
		and bundle.type_of_transaction = 'Outward' and bundle.docstatus = 1 and bundle.is_cancelled = 0
"""
DELIVERIES_BY_UNIT = """
	select bundle.voucher_type, bundle.voucher_no, bundle.item_code, bundle.posting_date,
		entry.batch_no, entry.serial_no, entry.qty
	from `tabSerial and Batch Entry` entry
	inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
	where entry.serial_no in %(keys)s and bundle.voucher_type in %(vouchers)s
		and bundle.type_of_transaction = 'Outward' and bundle.docstatus = 1 and bundle.is_cancelled = 0
"""


def deliveries_of(lots: list[str], units: list[str]) -> list[dict]:
	"""Every submitted delivery of these lots and units: customer, document, date, quantity, units."""
	if not lots and not units:
		return []
	# Two index lookups (by lot, by serial number) rather than one OR, which could scan the table.
	rows = []
	if lots:
		rows += frappe.db.sql(DELIVERIES_BY_LOT, {"keys": lots, "vouchers": SALES_VOUCHERS}, as_dict=True)
	if units:
		seen = {(row.voucher_no, row.serial_no) for row in rows if row.serial_no}
		rows += [
			row
			for row in frappe.db.sql(DELIVERIES_BY_UNIT, {"keys": units, "vouchers": SALES_VOUCHERS}, as_dict=True)
			if (row.voucher_no, row.serial_no) not in seen
		]
	rows.sort(key=lambda row: (row.posting_date, row.voucher_no))
	customers = {}
	for doctype in SALES_VOUCHERS:
		names = list({row.voucher_no for row in rows if row.voucher_type == doctype})
		if names:
			customers.update(
				{(doctype, name): customer for name, customer in frappe.get_all(doctype, filters={"name": ("in", names)}, fields=["name", "customer"], as_list=True)}
			)
	deliveries = {}
	for row in rows:
		key = (row.voucher_type, row.voucher_no, row.item_code, row.batch_no)
		delivery = deliveries.setdefault(
			key,
			frappe._dict(
				voucher_type=row.voucher_type,
				voucher_no=row.voucher_no,
				customer=customers.get((row.voucher_type, row.voucher_no)),
				posting_date=row.posting_date,
				item_code=row.item_code,
				lot=row.batch_no,
				qty=0.0,
				units=[],
			),
		)
		delivery.qty += abs(flt(row.qty))
		if row.serial_no:
			delivery.units.append(row.serial_no)
	return list(deliveries.values())


def stock_on_hand(lots: list[str], units: list[str]) -> list[dict]:
	"""What is still on the shelf: each lot by warehouse, with its status, owner and bin; each unit
	in stock by its warehouse."""
	on_hand = []
	if lots:
		rows = frappe.db.sql(
			"""
			select entry.batch_no as lot, entry.warehouse, sum(entry.qty) as qty, bundle.item_code
			from `tabSerial and Batch Entry` entry
			inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
			where entry.batch_no in %(lots)s and bundle.docstatus = 1 and bundle.is_cancelled = 0
			group by entry.batch_no, entry.warehouse, bundle.item_code
			having sum(entry.qty) > 0.000001
			order by entry.batch_no, entry.warehouse
			""",
			{"lots": lots},
			as_dict=True,
		)
		facts = {
			lot.name: lot
			for lot in frappe.get_all(
				"Lot",
				filters={"name": ("in", list({row.lot for row in rows}) or [""])},
				fields=["name", "status", "stock_owner", "consignment_customer", "storage_bin"],
			)
		}
		for row in rows:
			fact = facts.get(row.lot) or frappe._dict()
			row.update(
				status=fact.get("status") or "Released",
				owner=fact.get("consignment_customer") if fact.get("stock_owner") == "Customer" else "House",
				storage_bin=fact.get("storage_bin"),
				unit=None,
			)
			on_hand.append(row)
	if units:
		for unit in frappe.get_all(
			"Serial No",
			filters={"name": ("in", units), "warehouse": ("is", "set")},
			fields=["name", "item_code", "warehouse", "batch_no"],
			order_by="name",
		):
			on_hand.append(
				frappe._dict(lot=unit.batch_no, unit=unit.name, warehouse=unit.warehouse, qty=1, item_code=unit.item_code, status=None, owner=None, storage_bin=None)
			)
	return on_hand


# Backward --------------------------------------------------------------------------------------


def trace_backward(lot=None, unit=None) -> dict:
	"""Every lot and unit inside this one, at any depth, down to the receipts, orders and suppliers
	they came from, with the documents attached to each lot on the way."""
	check_can_trace()
	if unit:
		if not frappe.db.exists("Serialized Unit", unit):
			frappe.throw(_("Serialized Unit {0} does not exist.").format(frappe.bold(unit)))
		frappe.has_permission("Serialized Unit", "read", unit, throw=True)
		seed, seed_batch, seed_item = unit, frappe.db.get_value("Serialized Unit", unit, "lot"), frappe.db.get_value("Serialized Unit", unit, "item_code")
	elif lot:
		if not frappe.db.exists("Batch", lot):
			frappe.throw(_("Lot {0} does not exist.").format(frappe.bold(lot)))
		seed, seed_batch, seed_item = lot, lot, frappe.db.get_value("Batch", lot, "item")
	else:
		frappe.throw(_("Start a backward trace from a lot or a serialized unit."))
	nodes = [frappe._dict(lot=seed, batch=seed_batch, unit=unit, item_code=seed_item, parent_lot=None, qty=None, kind="Start", depth=0)]
	nodes += lots_inside(seed)
	lots = sorted({node.batch for node in nodes if node.batch})
	restricted = []
	sources = []
	if frappe.has_permission("Purchase Receipt", "read"):
		sources = frappe.get_all(
			"Lot",
			filters={"name": ("in", lots or [""]), "purchase_receipt": ("is", "set"), "parent_lot": ("is", "not set")},
			fields=["name as lot", "item", "supplier", "supplier_batch_code", "purchase_receipt", "purchase_order", "received_date", "unit_cost", "parent_lot"],
			order_by="name",
		)
	else:
		restricted.append("Purchase Receipt")
	return {
		"direction": "backward",
		"start": {"lot": lot, "unit": unit},
		"nodes": nodes,
		"lots": lots,
		"units": sorted({node.unit for node in nodes if node.unit}),
		"sources": sources,
		"suppliers": sorted({row.supplier for row in sources if row.supplier}),
		"documents": documents_of(lots, [node.unit for node in nodes if node.unit]),
		"restricted": restricted,
	}


def documents_of(lots: list[str], units: list[str]) -> list[dict]:
	"""The certificates and reports attached to each lot and unit of a trace."""
	documents = []
	if lots:
		documents += frappe.get_all(
			"Lot Document",
			filters={"parent": ("in", lots), "parenttype": "Lot"},
			fields=["parent as lot", "document_type", "document_date", "reference", "file"],
			order_by="parent, idx",
		)
	if units:
		documents += frappe.get_all(
			"Unit Document",
			filters={"parent": ("in", units), "parenttype": "Serialized Unit"},
			fields=["parent as lot", "document_type", "document_date", "reference", "file"],
			order_by="parent, idx",
		)
	return documents

