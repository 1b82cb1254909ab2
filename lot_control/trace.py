"""Traceability: from a supplier's lot forward to every split, build, lot and unit made from it,
every delivery and the stock still on the shelf; from a unit or lot back to every lot inside it and
the receipts, orders and suppliers they came from, with their documents.

The genealogy is walked by lot_control.genealogy in one recursive query each way; stock on hand and
deliveries are read from ERPNext's Serial and Batch Bundles in one query each, for all the lots and
units of the answer at once. The cost of a trace follows the size of its answer, not of the history.
"""

from __future__ import annotations

from contextlib import ExitStack

import frappe
from frappe import _
from frappe.utils import flt

from lot_control.genealogy import (
	collation_key,
	lots_inside,
	lots_made_from,
	serial_sources,
	serials_received_by,
)
from lot_control.packed_rows import (
	ReadsAlongside,
	as_date,
	cycle_collection_paused,
	names_in_json,
	names_table,
	read_packed,
	unique_names_in_json,
)
from lot_control.stock_queries import in_slices, lot_balances

SALES_VOUCHERS = ("Delivery Note", "Sales Invoice")


# Where a trace starts --------------------------------------------------------------------------


def forward_start(
	lot=None, supplier=None, supplier_batch_code=None, purchase_receipt=None, serial_no=None
) -> list[str]:
	"""The lots a recall starts from: one lot, a bought serial, a supplier's batch or date code, or a
	receipt (its lots and the serials it brought in without a lot)."""
	if serial_no:
		if not frappe.db.exists("Serial No", serial_no):
			frappe.throw(_("Serial No {0} does not exist.").format(frappe.bold(serial_no)))
		return [serial_no]
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
	if purchase_receipt and not supplier_batch_code:
		lots += serials_received_by("Purchase Receipt", purchase_receipt)
	if not lots:
		described = ", ".join(f"{key}: {value}" for key, value in filters.items())
		frappe.throw(_("No lot found for {0}.").format(described), title=_("Nothing to Trace"))
	return lots


def check_can_trace():
	if not frappe.has_permission("Lot", "read"):
		frappe.throw(_("Tracing needs permission to read Lots."), frappe.PermissionError)


# Forward ---------------------------------------------------------------------------------------


def trace_forward(
	lot=None, supplier=None, supplier_batch_code=None, purchase_receipt=None, lots=None, serial_no=None
) -> dict:
	"""Everything made from the starting lots, at any depth, where it went and what is left."""
	check_can_trace()
	starts = (
		list(lots) if lots else forward_start(lot, supplier, supplier_batch_code, purchase_receipt, serial_no)
	)
	items = dict(
		frappe.get_all("Batch", filters={"name": ("in", starts)}, fields=["name", "item"], as_list=True)
	)
	start_units = {
		unit.name: unit
		for unit in frappe.get_all(
			"Serialized Unit", filters={"name": ("in", starts)}, fields=["name", "item_code", "lot"]
		)
	}
	nodes = [
		frappe._dict(
			lot=start,
			batch=start_units[start].lot if start in start_units else start,
			unit=start if start in start_units else None,
			item_code=start_units[start].item_code if start in start_units else items.get(start),
			from_lot=None,
			qty=None,
			kind="Start",
			depth=0,
		)
		for start in starts
	]
	start = {
		"lot": lot,
		"supplier": supplier,
		"supplier_batch_code": supplier_batch_code,
		"purchase_receipt": purchase_receipt,
	}
	with cycle_collection_paused(), UnitsReadAlongside() as units_read:
		units_read.reached([node["unit"] for node in nodes if node["unit"]])
		nodes += lots_made_from(starts, units_read.reached)
		units_read.all_reached()
		return forward_answer(start, starts, nodes, units_read)


def forward_answer(start: dict, starts: list[str], nodes: list[dict], units_read: UnitsReadAlongside) -> dict:
	"""The answer of trace_forward from its walk: builds, lots, units, deliveries, customers, stock
	on hand and documents, with what the user may not see left out (and named in `restricted`)."""
	lots = sorted({node["batch"] for node in nodes if node["batch"]})
	unit_names = sorted({node["unit"] for node in nodes if node["unit"]})
	restricted = []
	answer = {
		"direction": "forward",
		"start": start,
		"start_lots": starts,
		"nodes": nodes,
		"builds": builds_of(nodes),
		"lots": lots,
		"units": [],
		"deliveries": [],
		"customers": [],
		"on_hand": [],
		"restricted": restricted,
	}
	can_read_sales = all(frappe.has_permission(doctype, "read") for doctype in SALES_VOUCHERS)
	lot_deliveries = lot_delivery_rows(lots) if can_read_sales else []
	lots_on_hand = stock_on_hand(lots, [])
	answer["documents"] = documents_of(lots, unit_names)
	unit_rows, units_in_stock, unit_deliveries = units_read.result()
	if frappe.has_permission("Serialized Unit", "read"):
		answer["units"] = unit_rows
	elif unit_names:
		restricted.append("Serialized Unit")
	if can_read_sales:
		answer["deliveries"] = deliveries_of(lot_deliveries, unit_deliveries)
		answer["customers"] = sorted({row["customer"] for row in answer["deliveries"] if row["customer"]})
	else:
		restricted.append("Delivery Note")
	answer["on_hand"] = lots_on_hand + stock_on_hand([], units_in_stock)
	return answer


def builds_of(nodes) -> list[dict]:
	"""Each build, repack or split on the way, with what it produced."""
	builds = {}
	produced = set()
	for node in nodes:
		kind, entries = node.get("kind"), node.get("stock_entries")
		if kind in (None, "Start") or not entries:
			continue
		lot, depth = node.get("lot"), node.get("depth")
		for entry in entries.split(","):
			build = builds.get(entry)
			if build is None:
				build = builds[entry] = frappe._dict(
					stock_entry=entry, voucher_type=None, work_order=None, kind=kind, depth=depth, produced=[]
				)
			if not build["voucher_type"]:
				build["voucher_type"] = (node.get("voucher_types") or "").split(",")[0] or None
			if not build["work_order"]:
				build["work_order"] = (node.get("work_orders") or "").split(",")[0] or None
			if depth < build["depth"]:
				build["depth"] = depth
			if (entry, lot) not in produced:
				produced.add((entry, lot))
				build["produced"].append(lot)
	return sorted(builds.values(), key=lambda build: (build["depth"], build["stock_entry"]))


UNIT_FACTS = (
	"name",
	"code_display",
	"item_code",
	"status",
	"work_order",
	"warehouse",
	"customer",
	"delivery_document",
	"delivery_date",
	"lot",
)
SERIAL_NO_STOCK = ("name", "item_code", "warehouse", "batch_no")

# A delivery, as read by lot and with a unit: the customer comes with it, read by the voucher's name.
# An outward entry's quantity is negative (ERPNext's on-hand sums them): only those are joined to
# their bundles, not a unit's every receipt and build.
DELIVERY_COLUMNS = (
	("voucher_type", "bundle.voucher_type"),
	("voucher_no", "bundle.voucher_no"),
	("item_code", "bundle.item_code"),
	("posting_date", "bundle.posting_date"),
	("batch_no", "entry.batch_no"),
	("serial_no", "entry.serial_no"),
	("qty", "entry.qty"),
	("customer", "coalesce(delivery.customer, invoice.customer)"),
)
DELIVERY_TYPES = {"posting_date": as_date, "qty": float}
SOLD = """
	bundle.voucher_type in %(vouchers)s and bundle.type_of_transaction = 'Outward'
	and bundle.docstatus = 1 and bundle.is_cancelled = 0"""
CUSTOMER_OF_VOUCHER = """
	left join `tabDelivery Note` delivery
		on bundle.voucher_type = 'Delivery Note' and delivery.name = bundle.voucher_no
	left join `tabSales Invoice` invoice
		on bundle.voucher_type = 'Sales Invoice' and invoice.name = bundle.voucher_no"""
DELIVERIES_BY_LOT = f"""
	from {names_table("keys")} straight_join `tabSerial and Batch Entry` entry
		on entry.batch_no = given.given_name
	inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
	{CUSTOMER_OF_VOUCHER}
	where entry.qty < 0 and {SOLD}
"""
# Each unit's facts, its Serial No (a unit's code is its serial; a unit whose record is gone may still
# have one) and its deliveries, in one read: a row per delivery, or one with none.
UNITS_WITH_DELIVERIES = f"""
	from {names_table("keys")}
	left join `tabSerialized Unit` unit on unit.name = given.given_name
	left join `tabSerial No` serial on serial.name = given.given_name
	left join (
		`tabSerial and Batch Entry` entry
		inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent and {SOLD}
	) on entry.serial_no = given.given_name and entry.qty < 0
	{CUSTOMER_OF_VOUCHER}
"""
UNIT_COLUMNS = {
	**{f"unit_{column}": f"unit.`{column}`" for column in UNIT_FACTS},
	**{f"serial_{column}": f"serial.`{column}`" for column in SERIAL_NO_STOCK},
	**{f"delivery_{key}": expression for key, expression in DELIVERY_COLUMNS},
}
UNIT_TYPES = {
	"unit_delivery_date": as_date,
	**{f"delivery_{key}": to_type for key, to_type in DELIVERY_TYPES.items()},
}


# From this many units on, a forward trace reads them alongside its other reads (UnitsReadAlongside).
UNITS_READ_ALONGSIDE = 200


def read_units(units: list[str]) -> tuple[list[dict], list[dict], list[tuple]]:
	"""Each unit's facts, the units in stock (their Serial No's warehouse, item and lot), and the
	units' deliveries (tuples in DELIVERY_COLUMNS' order, for deliveries_of): one read by name per
	unit, its Serial No and its outward entries joined by the same name."""
	return units_from_rows(
		[
			row
			for params in unit_read_params(units)
			for row in read_packed(UNIT_COLUMNS, UNITS_WITH_DELIVERIES, params, UNIT_TYPES, as_dict=False)
		]
	)


class UnitsReadAlongside:
	"""read_units' answer for the units a forward walk reaches, given depth by depth (`reached`) and
	read meanwhile on a second connection (packed_rows.ReadsAlongside) once they are
	UNITS_READ_ALONGSIDE or more: for the 20,000 units of the widest recall that read is about as
	much MariaDB's work as the walk and the rest of the trace are Python's (a connection costs
	under a millisecond here; a trace of 650 units took a fifth less time). Fewer units are read
	here, at the end, in one go. A context manager: the second connection is closed whatever happens."""

	def __init__(self):
		self.given: set[str] = set()
		self.waiting: list[str] = []
		self.reads = None
		self.stack = ExitStack()

	def __enter__(self):
		return self

	def __exit__(self, *exception):
		self.stack.close()

	def reached(self, units: list[str]):
		for unit in units:
			folded = unit.casefold()
			if folded not in self.given:
				self.given.add(folded)
				self.waiting.append(unit)
		if self.reads is None and len(self.given) >= UNITS_READ_ALONGSIDE:
			self.reads = self.stack.enter_context(
				ReadsAlongside(
					UNIT_COLUMNS,
					UNITS_WITH_DELIVERIES,
					UNIT_TYPES,
					as_dict=False,
					names_param="keys",
					then=units_from_rows,
				)
			)
		if self.reads is not None:
			for params in unit_read_params(self.waiting, unique=True):
				self.reads.read(params)
			self.waiting = []

	def all_reached(self):
		"""The walk is over: the units' answer is made alongside while the trace reads the rest."""
		if self.reads is not None:
			self.reads.close()

	def result(self) -> tuple[list[dict], list[dict], list[tuple]]:
		if self.reads is None:
			return read_units(self.waiting)
		return self.reads.result()


def unit_read_params(units: list[str], unique: bool = False) -> list[dict]:
	"""`unique`: the units are already unique as the database compares names."""
	arrays = unique_names_in_json(units) if unique else names_in_json(units)
	return [{"keys": some_units, "vouchers": SALES_VOUCHERS} for some_units in arrays]


def units_from_rows(rows: list[tuple]) -> tuple[list[dict], list[dict], list[tuple]]:
	facts_end = len(UNIT_FACTS)
	serial_end = facts_end + len(SERIAL_NO_STOCK)
	facts, in_stock, deliveries = [], [], []
	seen = set()
	for row in rows:
		if row[serial_end + 1] is not None:  # the voucher of a delivery
			deliveries.append(row[serial_end:])
		name = row[0] or row[facts_end]
		if name is None or name in seen:
			continue
		seen.add(name)
		if row[0] is not None:
			facts.append(frappe._dict(zip(UNIT_FACTS, row[:facts_end], strict=True)))
		if row[facts_end + 2]:  # the Serial No's warehouse
			in_stock.append(frappe._dict(zip(SERIAL_NO_STOCK, row[facts_end:serial_end], strict=True)))
	# As collation_key orders them, spelt out and read by key: a wide recall sorts 20,000 units.
	facts.sort(key=lambda row: (row["name"].casefold(), row["name"]))
	in_stock.sort(key=lambda row: (row["name"].casefold(), row["name"]))
	return facts, in_stock, deliveries


def rows_in_slices(columns, rest: str, names: list[str], **params) -> list[dict]:
	"""`select <columns> <rest>` for the names (its %(keys)s) IN_LIST_SIZE at a time, the rows put
	together as dicts. Columns are names, or (key, expression) pairs."""
	pairs = [column if isinstance(column, tuple) else (column, f"`{column}`") for column in columns]
	keys = [key for key, _expression in pairs]
	query = f"select {', '.join(expression for _key, expression in pairs)} {rest}"
	return [
		frappe._dict(zip(keys, row, strict=True))
		for some_names in in_slices(names)
		for row in frappe.db.sql(query, {**params, "keys": some_names})
	]


def lot_delivery_rows(lots: list[str]) -> list[tuple]:
	"""The submitted sales deliveries of these lots, as tuples in DELIVERY_COLUMNS' order (a dict per
	row is a third of the time here)."""
	columns = dict(DELIVERY_COLUMNS)
	return [
		row
		for some_lots in names_in_json(lots)
		for row in read_packed(
			columns,
			DELIVERIES_BY_LOT,
			{"keys": some_lots, "vouchers": SALES_VOUCHERS},
			DELIVERY_TYPES,
			as_dict=False,
		)
	]


def deliveries_of(lot_rows: list[tuple], unit_deliveries: list[tuple]) -> list[dict]:
	"""Every submitted delivery of the lots (lot_delivery_rows) and of the units (read_units'
	deliveries): customer, document, date, quantity, units."""
	rows = list(lot_rows)
	if unit_deliveries:
		# A unit of a lot is delivered with its lot's entry: the same entry read twice.
		seen = {(row[1], row[5]) for row in rows if row[5]}  # (voucher_no, serial_no)
		rows += [row for row in unit_deliveries if (row[1], row[5]) not in seen]
	rows.sort(key=lambda row: (row[3], row[1]))  # posting_date, voucher_no
	deliveries = {}
	for voucher_type, voucher_no, item_code, posting_date, batch_no, serial_no, qty, customer in rows:
		key = (voucher_type, voucher_no, item_code, batch_no)
		delivery = deliveries.get(key)
		if delivery is None:
			delivery = deliveries[key] = frappe._dict(
				voucher_type=voucher_type,
				voucher_no=voucher_no,
				customer=customer,
				posting_date=posting_date,
				item_code=item_code,
				lot=batch_no,
				qty=0.0,
				units=[],
			)
		delivery["qty"] += abs(flt(qty))
		if serial_no:
			delivery["units"].append(serial_no)
	return list(deliveries.values())


def stock_on_hand(lots: list[str], units_in_stock: list[dict]) -> list[dict]:
	"""What is still on the shelf: each lot by warehouse, with its status, owner and bin; each unit
	in stock by its warehouse (as read_units gives them)."""
	on_hand = []
	if lots:
		# On hand as every screen reads it (pre-v15 ledger batches too), with status and owner by
		# the one rule for a batch without a Lot; only the bin is the trace's own.
		rows = sorted(
			(row for row in lot_balances(lots) if row.qty > 0), key=lambda row: (row.lot, row.warehouse)
		)
		for row in rows:
			on_hand.append(
				frappe._dict(
					lot=row.lot,
					warehouse=row.warehouse,
					qty=row.qty,
					item_code=row.item_code,
					status=row.status,
					owner=row.owner or "House",
					storage_bin=row.storage_bin,
					unit=None,
				)
			)
	for unit in units_in_stock:
		on_hand.append(
			frappe._dict(
				lot=unit.batch_no,
				unit=unit.name,
				warehouse=unit.warehouse,
				qty=1,
				item_code=unit.item_code,
				status=None,
				owner=None,
				storage_bin=None,
			)
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
		seed, seed_batch, seed_item = (
			unit,
			frappe.db.get_value("Serialized Unit", unit, "lot"),
			frappe.db.get_value("Serialized Unit", unit, "item_code"),
		)
	elif lot:
		if not frappe.db.exists("Batch", lot):
			frappe.throw(_("Lot {0} does not exist.").format(frappe.bold(lot)))
		seed, seed_batch, seed_item = lot, lot, frappe.db.get_value("Batch", lot, "item")
	else:
		frappe.throw(_("Start a backward trace from a lot or a serialized unit."))
	nodes = [
		frappe._dict(
			lot=seed,
			batch=seed_batch,
			unit=unit,
			item_code=seed_item,
			parent_lot=None,
			qty=None,
			kind="Start",
			depth=0,
		)
	]
	nodes += lots_inside(seed)
	lots = sorted({node.batch for node in nodes if node.batch})
	restricted = []
	sources = []
	if frappe.has_permission("Purchase Receipt", "read"):
		sources = frappe.get_all(
			"Lot",
			filters={
				"name": ("in", lots or [""]),
				"purchase_receipt": ("is", "set"),
				"parent_lot": ("is", "not set"),
			},
			fields=[
				"name as lot",
				"item",
				"supplier",
				"supplier_batch_code",
				"purchase_receipt",
				"purchase_order",
				"received_date",
				"unit_cost",
				"parent_lot",
			],
			order_by="name",
		)
		# A serial bought without a lot (a module with its maker's serial) is its own source.
		sources += serial_sources(
			[node.get("serial_no") or node.unit for node in nodes[1:] if node.get("serial_no") or node.unit]
		)
	else:
		restricted.append("Purchase Receipt")
	return {
		"direction": "backward",
		"start": {"lot": lot, "unit": unit},
		"nodes": nodes,
		"lots": lots,
		"units": sorted({node.unit for node in nodes if node.unit}),
		"serial_nos": sorted({node.serial_no for node in nodes if node.get("serial_no")}),
		"sources": sources,
		"suppliers": sorted({row.supplier for row in sources if row.supplier}),
		"documents": documents_of(lots, [node.unit for node in nodes if node.unit]),
		"restricted": restricted,
	}


def documents_of(lots: list[str], units: list[str]) -> list[dict]:
	"""The certificates and reports attached to each lot and unit of a trace."""
	documents = []
	for doctype, parenttype, parents in (
		("Lot Document", "Lot", lots),
		("Unit Document", "Serialized Unit", units),
	):
		# Most lots and units have none: one read tells when none has any, before asking for each.
		if parents and frappe.db.sql(
			f"select name from `tab{doctype}` where parenttype = %s limit 1", parenttype
		):
			rows = rows_in_slices(
				(("lot", "parent"), "document_type", "document_date", "reference", "file", "idx"),
				f"from `tab{doctype}` where parent in %(keys)s and parenttype = %(parenttype)s",
				list(parents),
				parenttype=parenttype,
			)
			rows.sort(key=lambda row: (collation_key(row.lot), row.idx))
			for row in rows:
				del row["idx"]
			documents += rows
	return documents


PRODUCED_QTY = """
	select entry.batch_no as lot, sum(entry.qty) as qty
	from `tabSerial and Batch Entry` entry
	inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
	where entry.batch_no in %(lots)s and bundle.voucher_no in %(entries)s
		and bundle.type_of_transaction = 'Inward' and bundle.docstatus = 1 and bundle.is_cancelled = 0
	group by entry.batch_no
"""


def produced_qty(lots: list[str]) -> dict[str, float]:
	"""How much the builds, repacks and splits that made each lot produced of it: what a part's
	quantity in that build is shared among. Two queries for all the lots."""
	if not lots:
		return {}
	entries = {
		row.produced_by
		for row in frappe.get_all(
			"Lot Consumption",
			filters={
				"produced_lot": ("in", lots),
				"produced_unit": ("is", "not set"),
				"is_cancelled": 0,
				"produced_by": ("is", "set"),
			},
			fields=["produced_by"],
			distinct=True,
		)
	}
	if not entries:
		return {}
	rows = frappe.db.sql(PRODUCED_QTY, {"lots": lots, "entries": list(entries)}, as_dict=True)
	return {row.lot: flt(row.qty) for row in rows if flt(row.qty) > 0}


# The picture -----------------------------------------------------------------------------------

GRAPH_LIMIT = 300


def genealogy_graph(node: str, limit: int = GRAPH_LIMIT) -> dict:
	"""Nodes and edges around a lot or unit, both ways (what went into it, what was made from it),
	for the form's picture: edges run from what was used to what was made. The nearest `limit`
	nodes are kept; `truncated` says when more exist (the Lot Trace report lists them all)."""
	check_can_trace()
	inside, made = lots_inside(node), lots_made_from(node)
	depth = {node: 0}
	for row in inside:
		depth[row.lot] = min(depth.get(row.lot, 10**6), row.depth)
	for row in made:
		depth[row.lot] = min(depth.get(row.lot, 10**6), row.depth)
	kept = set(sorted(depth, key=lambda name: (depth[name], name))[:limit])
	edges = {}
	for consumed, produced, row in [(row.lot, row.parent_lot, row) for row in inside] + [
		(row.from_lot, row.lot, row) for row in made
	]:
		if consumed in kept and produced in kept:
			# A loop's edge can be met both ways: it is one edge.
			edges.setdefault(
				(consumed, produced, row.kind),
				{"from": consumed, "to": produced, "qty": flt(row.qty, 6), "kind": row.kind},
			)
	units = {
		unit.name: unit
		for unit in frappe.get_all(
			"Serialized Unit",
			filters={"name": ("in", list(kept))},
			fields=["name", "code_display", "item_code", "status"],
		)
	}
	lots = {
		lot.name: lot
		for lot in frappe.get_all(
			"Lot",
			filters={"name": ("in", [name for name in kept if name not in units] or [""])},
			fields=["name", "item", "status", "purchase_receipt", "parent_lot"],
		)
	}
	items = {row.lot: row.item_code for row in inside + made}
	nodes = []
	for name in sorted(kept, key=lambda name: (depth[name], name)):
		unit, lot = units.get(name), lots.get(name)
		nodes.append(
			{
				"id": name,
				"label": (unit.code_display or name) if unit else name,
				"doctype": "Serialized Unit" if unit else ("Lot" if lot else "Batch"),
				"item_code": unit.item_code if unit else (lot.item if lot else items.get(name)),
				"status": unit.status if unit else (lot.status if lot else None),
				"source": "Receipt" if lot and lot.purchase_receipt and not lot.parent_lot else None,
				"is_start": name == node,
			}
		)
	return {
		"nodes": nodes,
		"edges": list(edges.values()),
		"truncated": len(depth) > len(kept),
		"total_nodes": len(depth),
	}
