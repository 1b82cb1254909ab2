"""Builds: what each Manufacture, Material Consumption for Manufacture, Repack or lot split
consumed, lot by lot, into which produced lot, and what the produced lot cost.

The genealogy is kept as Lot Consumption records (one per consumed lot and produced lot), written
when the entry is submitted and marked cancelled when it is cancelled. Quantities and values in
stock stay in ERPNext's ledger; what the records add is the link between a lot and what it became.
The rules (expiry, owner, shares, work-in-progress holdings) are in lot_control.build_rules and the
cost roll-up in lot_control.costing.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from lot_control import build_rules, costing
from lot_control.exceptions import LotNotUsableError

KIND_BUILD = "Build"
KIND_REPACK = "Repack"
KIND_SPLIT = "Split"
CLOSED_WORK_ORDER_STATUSES = ("Completed", "Stopped", "Closed", "Cancelled")


def build_kind(doc) -> str | None:
	if doc.doctype != "Stock Entry":
		return None
	if doc.get("lot_split_from"):
		return KIND_SPLIT
	if doc.purpose in ("Manufacture", "Material Consumption for Manufacture"):
		return KIND_BUILD
	if doc.purpose == "Repack":
		return KIND_REPACK
	return None


def is_produced_row(doc, row) -> bool:
	"""The finished goods of a Manufacture, the targets of a Repack; scrap is not a product."""
	if not row.get("t_warehouse") or row.get("is_scrap_item"):
		return False
	if doc.purpose == "Manufacture":
		return bool(row.get("is_finished_item"))
	return doc.purpose == "Repack" and not row.get("s_warehouse")


def currency_precision() -> int:
	return cint(frappe.db.get_default("currency_precision")) or 2


# Before submit -------------------------------------------------------------------------------


def assign_produced_lots(doc):
	"""Every produced row of a lot-controlled item without a lot gets a new one, with the expiry its
	inputs allow, before ERPNext builds its bundles on submit."""
	kind = build_kind(doc)
	if kind not in (KIND_BUILD, KIND_REPACK) or frappe.flags.ignore_serial_batch_bundle_validation:
		return
	from lot_control.receiving import lot_controlled_items

	items = lot_controlled_items(row.item_code for row in doc.items if is_produced_row(doc, row))
	rows = [
		row
		for row in doc.items
		if is_produced_row(doc, row)
		and row.item_code in items
		and not items[row.item_code].has_serial_no
		and not row.get("batch_no")
		and not row.get("serial_and_batch_bundle")
		and flt(row.qty)
	]
	if not rows:
		return
	input_expiries = consumed_lot_expiries(doc)
	reusable = lots_of_cancelled_original(doc)
	for row in rows:
		code = reusable.pop(row.item_code, None) or create_produced_batch(doc, row, items[row.item_code], input_expiries)
		row.batch_no = code
		row.use_serial_batch_fields = 1


def consumed_lot_expiries(doc) -> list:
	from lot_control.usage import outgoing_lot_lines

	lots = list({line.lot for line in outgoing_lot_lines(doc)} | set(pending_consumption_lots(doc)))
	if not lots:
		return []
	return [getdate(expiry) for expiry in frappe.get_all("Batch", filters={"name": ("in", lots)}, pluck="expiry_date") if expiry]


def pending_consumption_lots(doc) -> list[str]:
	"""Lots a Work Order's consumption entries drew before this Manufacture entry."""
	if doc.purpose != "Manufacture" or not doc.get("work_order"):
		return []
	return frappe.get_all(
		"Lot Consumption",
		filters={"work_order": doc.work_order, "produced_by": ("is", "not set"), "is_cancelled": 0},
		pluck="consumed_lot",
	)


def create_produced_batch(doc, row, item, input_expiries) -> str:
	from lot_control.lot_control.doctype.lot_control_settings.lot_control_settings import next_lot_code

	manufacturing_date = getdate(doc.posting_date)
	rule = frappe.get_cached_value("Item", row.item_code, "produced_lot_expiry_rule")
	expiry_date = build_rules.produced_lot_expiry(input_expiries, manufacturing_date, item.shelf_life_in_days, rule)
	batch = frappe.get_doc(
		{
			"doctype": "Batch",
			"batch_id": next_lot_code(row.item_code, doc.posting_date),
			"item": row.item_code,
			"manufacturing_date": manufacturing_date,
			"expiry_date": expiry_date,
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
		}
	)
	batch.flags.ignore_permissions = True
	batch.insert()
	return batch.name


def lots_of_cancelled_original(doc) -> dict:
	"""An amended build takes back the lot codes of the entry it replaces, so labels stay true."""
	if not doc.get("amended_from"):
		return {}
	from lot_control.stock_queries import get_lot_on_hand

	lots = frappe.get_all("Lot", filters={"stock_entry": doc.amended_from}, fields=["name", "item"], order_by="creation")
	return {lot.item: lot.name for lot in lots if not get_lot_on_hand(lot.name)}


# Work-in-progress holdings -------------------------------------------------------------------


def wip_holdings(lots, warehouses) -> dict:
	"""For each (lot, warehouse), what open Work Orders still hold of it in their work-in-progress
	warehouse, in one query; stock returned to a store is nobody's."""
	lots, warehouses = list(set(lots)), list(set(warehouses))
	if not lots or not warehouses:
		return {}
	movements = frappe.db.sql(
		"""
		select stock_entry.work_order, entry.batch_no, entry.warehouse, sum(entry.qty) as qty
		from `tabSerial and Batch Entry` entry
		inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
		inner join `tabStock Entry` stock_entry on stock_entry.name = bundle.voucher_no
		inner join `tabWork Order` work_order on work_order.name = stock_entry.work_order
		where bundle.voucher_type = 'Stock Entry' and bundle.docstatus = 1 and bundle.is_cancelled = 0
			and entry.batch_no in %(lots)s and entry.warehouse in %(warehouses)s
			and entry.warehouse = work_order.wip_warehouse and work_order.status not in %(closed)s
		group by stock_entry.work_order, entry.batch_no, entry.warehouse
		""",
		{"lots": lots, "warehouses": warehouses, "closed": CLOSED_WORK_ORDER_STATUSES},
		as_dict=True,
	)
	by_place = defaultdict(list)
	for row in movements:
		by_place[(row.batch_no, row.warehouse)].append((row.work_order, row.batch_no, row.qty))
	return {place: build_rules.held_by_work_orders(rows) for place, rows in by_place.items()}


def check_work_order_holdings(doc):
	"""Lots transferred to a Work Order are that Work Order's: another build may not consume them,
	even from a work-in-progress warehouse the two share."""
	from lot_control.stock_queries import get_lot_balances
	from lot_control.usage import movement_kind, outgoing_lot_lines

	if movement_kind(doc) != "build" or doc.purpose == "Material Transfer for Manufacture":
		return
	lines = outgoing_lot_lines(doc)
	if not lines:
		return
	holdings = wip_holdings((line.lot for line in lines), (line.warehouse for line in lines))
	if not any(holdings.values()):
		return
	needed = defaultdict(float)
	for line in lines:
		needed[(line.lot, line.warehouse)] += line.qty
	on_hand = get_lot_balances([lot for lot, _warehouse in needed])
	for (lot, warehouse), qty in needed.items():
		held = holdings.get((lot, warehouse)) or {}
		free = build_rules.usable_by_work_order(on_hand.get((lot, warehouse), 0), held, lot, doc.get("work_order"))
		if flt(qty, 6) <= flt(free, 6):
			continue
		holders = sorted({holder for holder, _lot in held if holder != doc.get("work_order")})
		frappe.throw(
			_(
				"Lot {0} of item {1} in {2} was transferred for Work Order {3}; only {4} of it is free for {5}, but {6} is needed."
			).format(
				frappe.bold(lot),
				frappe.bold(frappe.db.get_value("Batch", lot, "item")),
				warehouse,
				", ".join(frappe.bold(holder) for holder in holders),
				flt(free, 6),
				_("Work Order {0}").format(doc.work_order) if doc.get("work_order") else _("this entry"),
				flt(qty, 6),
			),
			exc=LotNotUsableError,
			title=_("Lot Belongs to Another Work Order"),
		)


def free_for_work_order(candidates, warehouse: str, work_order: str | None):
	"""Picking candidates less what other Work Orders hold of them in this warehouse."""
	holdings = wip_holdings((candidate.lot for candidate in candidates), [warehouse])
	if not any(holdings.values()):
		return candidates
	from dataclasses import replace

	free = []
	for candidate in candidates:
		held = holdings.get((candidate.lot, warehouse)) or {}
		qty = float(build_rules.usable_by_work_order(candidate.qty, held, candidate.lot, work_order))
		if qty > 0:
			free.append(replace(candidate, qty=qty))
	return free


# On submit -----------------------------------------------------------------------------------


def record_build(doc):
	"""Write the genealogy of a submitted build and give each produced lot and unit its cost."""
	from lot_control.units import tracked_items

	kind = build_kind(doc)
	if not kind:
		return
	tracked = tracked_items(row.item_code for row in doc.items if is_produced_row(doc, row))
	consumed_units_rows = consumed_units(doc)
	consumed = consumed_lots(doc, consumed_units_rows) + consumed_units_rows
	produced = produced_lots(doc, exclude_items=set(tracked))
	units = produced_units(doc, set(tracked))
	if not consumed and not produced and not units:
		return
	precision = currency_precision()
	pending = take_pending_consumption(doc)
	targets = {**produced, **{code: (item, 1) for code, (item, _lot) in units.items()}}
	cost = build_cost_of(doc, consumed, pending, targets, precision, {row.item_code for row in consumed_units_rows})

	from lot_control.genealogy import refuse_cycles

	refuse_cycles([row.lot for row in consumed] + [row.lot for row in pending_as_consumed(pending)], targets)
	assignments = unit_lot_assignments(doc)
	consumed_keys = {row.lot for row in consumed}
	materials_by_target = defaultdict(float)
	for rows, consumed_in, given in (
		(consumed, doc.name, [a for a in assignments if a.lot in consumed_keys]),
		(pending_as_consumed(pending), None, [a for a in assignments if a.lot not in consumed_keys]),
	):
		if not rows:
			continue
		by_key = {}
		for row in rows:
			by_key.setdefault(row.lot, row)
		for share in attribute(rows, produced, units, given, precision):
			row = by_key[share.consumed_lot]
			materials_by_target[share.produced_lot] += flt(share.amount)
			insert_consumption(doc, kind, row, share, targets, units, consumed_in or row.stock_entry)

	if targets:
		make_produced_lots(doc, kind, consumed + pending_as_consumed(pending), produced, units, cost, precision, materials_by_target)


def attribute(rows, produced, units, assignments, precision):
	"""Even shares among everything produced; among units, the user's exact assignment where given."""
	from lot_control.unit_rules import AttributionError, attribute_to_units

	triples = [(row.lot, row.qty, row.amount + row.consigned_value) for row in rows]
	if units and not produced:
		try:
			whole = {row.lot: row.item_code for row in rows if row.get("unit")}
			return attribute_to_units(triples, list(units), assignments, precision, whole)
		except AttributionError as error:
			refuse_assignment(error)
	return build_rules.share_consumption(
		triples, [*((lot, qty) for lot, (_item, qty) in produced.items()), *((code, 1) for code in units)], precision
	)


def unit_lot_assignments(doc) -> list:
	from lot_control.unit_rules import UnitAssignment

	return [
		UnitAssignment(row.serialized_unit, row.lot, flt(row.qty, 9))
		for row in doc.get("unit_lot_assignments") or []
		if row.serialized_unit and row.lot
	]


def check_unit_lot_assignments(doc):
	"""Before submit: an exact assignment must name units this entry builds and lots it consumes,
	and account for all of each lot it names."""
	from lot_control.unit_rules import AttributionError, attribute_to_units
	from lot_control.units import units_built_by
	from lot_control.usage import outgoing_lot_lines

	assignments = unit_lot_assignments(doc)
	if not assignments:
		return
	if doc.purpose != "Manufacture":
		frappe.throw(_("Lots per Unit can only be given on a Manufacture entry."))
	quantities = defaultdict(float)
	for line in outgoing_lot_lines(doc):
		quantities[line.lot] += line.qty
	for row in frappe.get_all(
		"Lot Consumption",
		filters={"work_order": doc.get("work_order") or "", "produced_by": ("is", "not set"), "is_cancelled": 0},
		fields=["consumed_lot", "qty"],
	):
		if row.consumed_lot not in quantities:
			quantities[row.consumed_lot] += flt(row.qty)
	try:
		attribute_to_units([(lot, qty, 0) for lot, qty in quantities.items()], units_built_by(doc.name), assignments)
	except AttributionError as error:
		refuse_assignment(error)


def refuse_assignment(error):
	details = error.details
	item = frappe.db.get_value("Batch", details.get("lot"), "item") if details.get("lot") else None
	messages = {
		"unit_not_built_here": _("Lots per Unit: unit {unit} is not built by this entry (lot {lot} of item {item}).").format(
			unit=frappe.bold(details.get("unit")), lot=frappe.bold(details.get("lot")), item=frappe.bold(item)
		),
		"lot_not_consumed_here": _("Lots per Unit: lot {lot} of item {item} is not consumed by this entry, so it cannot be in unit {unit}.").format(
			unit=frappe.bold(details.get("unit")), lot=frappe.bold(details.get("lot")), item=frappe.bold(item)
		),
		"qty_not_positive": _("Lots per Unit: the quantity of lot {lot} of item {item} in unit {unit} must be more than 0.").format(
			unit=frappe.bold(details.get("unit")), lot=frappe.bold(details.get("lot")), item=frappe.bold(item)
		),
		"qty_mismatch": _("Lots per Unit: {assigned} of lot {lot} of item {item} is assigned to units, but this build consumes {consumed} of it; assign all of it or none.").format(
			lot=frappe.bold(details.get("lot")),
			item=frappe.bold(item),
			assigned=flt(details.get("assigned"), 6),
			consumed=flt(details.get("consumed"), 6),
		),
	}
	frappe.throw(messages.get(error.reason, error.reason), title=_("Lots per Unit"))


class ConsumedLotRow(frappe._dict):
	"""A consumed lot or unit of this entry: lot (the genealogy key: the unit's code for a unit),
	unit, batch, item, qty, unit_cost, amount, consigned_value, owner."""


def consumed_lots(doc, unit_rows=()) -> list:
	"""The lots the entry drew, as ERPNext posted them, one per lot, at each lot's own unit cost.
	Serialized units that carry a lot are left to consumed_units, each at its own cost."""
	from lot_control.usage import lot_facts, outgoing_lot_lines_posted

	quantities = defaultdict(float)
	rates = {}
	for line in outgoing_lot_lines_posted(doc):
		quantities[line.lot] += line.qty
	for row in unit_rows:
		if row.batch in quantities:
			quantities[row.batch] -= row.qty
	quantities = {lot: qty for lot, qty in quantities.items() if flt(qty, 9) > 0}
	if not quantities:
		return []
	facts = lot_facts(quantities)
	unit_costs = dict(
		frappe.get_all("Lot", filters={"name": ("in", list(quantities))}, fields=["name", "unit_cost"], as_list=True)
	)
	missing = [lot for lot in quantities if lot not in unit_costs]
	if missing:
		rates = posted_lot_rates(doc, missing)
	precision = currency_precision()
	consumed = []
	for lot, qty in quantities.items():
		unit_cost = flt(unit_costs.get(lot, rates.get(lot)))
		owner = facts[lot].owner if lot in facts else None
		value = flt(qty * unit_cost, precision)
		consumed.append(
			ConsumedLotRow(
				lot=lot,
				unit=None,
				batch=lot,
				item_code=facts[lot].item_code if lot in facts else frappe.db.get_value("Batch", lot, "item"),
				qty=flt(qty, 9),
				unit_cost=unit_cost,
				owner=owner,
				amount=0 if owner else value,
				consigned_value=value if owner else 0,
			)
		)
	return consumed


def consumed_units(doc) -> list:
	"""Serialized units the entry built into something else, each at its own build cost (or, for a
	unit bought in, the rate ERPNext took it out at)."""
	rows = frappe.db.sql(
		"""
		select entry.serial_no, entry.batch_no, bundle.item_code, entry.stock_value_difference, entry.qty,
			unit.unit_cost
		from `tabSerial and Batch Bundle` bundle
		inner join `tabSerial and Batch Entry` entry on entry.parent = bundle.name
		inner join `tabSerialized Unit` unit on unit.name = entry.serial_no
		where bundle.voucher_type = %(doctype)s and bundle.voucher_no = %(name)s
			and bundle.docstatus = 1 and bundle.is_cancelled = 0 and bundle.type_of_transaction = 'Outward'
		order by entry.idx
		""",
		{"doctype": doc.doctype, "name": doc.name},
		as_dict=True,
	)
	precision = currency_precision()
	consumed = []
	for row in rows:
		qty = abs(flt(row.qty)) or 1
		unit_cost = flt(row.unit_cost) or abs(flt(row.stock_value_difference)) / qty
		consumed.append(
			ConsumedLotRow(
				lot=row.serial_no,
				unit=row.serial_no,
				batch=row.batch_no,
				item_code=row.item_code,
				qty=qty,
				unit_cost=unit_cost,
				owner=None,
				amount=flt(qty * unit_cost, precision),
				consigned_value=0,
			)
		)
	return consumed


def posted_lot_rates(doc, lots) -> dict:
	"""A batch made before the app has no Lot: its rate is the one ERPNext valued it at."""
	rows = frappe.db.sql(
		"""
		select entry.batch_no, sum(entry.stock_value_difference) / sum(entry.qty) as rate
		from `tabSerial and Batch Entry` entry
		inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
		where bundle.voucher_type = %(doctype)s and bundle.voucher_no = %(name)s and bundle.is_cancelled = 0
			and bundle.type_of_transaction = 'Outward' and entry.batch_no in %(lots)s
		group by entry.batch_no
		""",
		{"doctype": doc.doctype, "name": doc.name, "lots": lots},
		as_dict=True,
	)
	return {row.batch_no: abs(flt(row.rate)) for row in rows}


def produced_lots(doc, exclude_items=frozenset()) -> dict:
	"""lot -> (item, qty) of every lot the entry produced, read from its posted inward bundles;
	items built as serialized units are left to produced_units."""
	rows = {row.name: row for row in doc.items if is_produced_row(doc, row) and row.item_code not in exclude_items}
	if not rows:
		return {}
	entries = frappe.db.sql(
		"""
		select bundle.voucher_detail_no, bundle.item_code, entry.batch_no, sum(entry.qty) as qty
		from `tabSerial and Batch Bundle` bundle
		inner join `tabSerial and Batch Entry` entry on entry.parent = bundle.name
		where bundle.voucher_type = %(doctype)s and bundle.voucher_no = %(name)s
			and bundle.docstatus = 1 and bundle.is_cancelled = 0
			and bundle.type_of_transaction = 'Inward' and entry.batch_no is not null
		group by bundle.voucher_detail_no, bundle.item_code, entry.batch_no
		order by min(entry.idx)
		""",
		{"doctype": doc.doctype, "name": doc.name},
		as_dict=True,
	)
	produced = {}
	for entry in entries:
		if entry.voucher_detail_no in rows:
			item, qty = produced.get(entry.batch_no, (entry.item_code, 0))
			produced[entry.batch_no] = (item, flt(qty + abs(flt(entry.qty)), 9))
	return produced


def produced_units(doc, items) -> dict:
	"""unit -> (item, lot) of every serialized unit the entry built, read from its posted bundles."""
	rows = {row.name for row in doc.items if is_produced_row(doc, row) and row.item_code in items}
	if not rows:
		return {}
	entries = frappe.db.sql(
		"""
		select bundle.voucher_detail_no, bundle.item_code, entry.batch_no, unit.name as unit
		from `tabSerial and Batch Bundle` bundle
		inner join `tabSerial and Batch Entry` entry on entry.parent = bundle.name
		inner join `tabSerialized Unit` unit on unit.name = entry.serial_no
		where bundle.voucher_type = %(doctype)s and bundle.voucher_no = %(name)s
			and bundle.docstatus = 1 and bundle.is_cancelled = 0 and bundle.type_of_transaction = 'Inward'
		order by entry.idx
		""",
		{"doctype": doc.doctype, "name": doc.name},
		as_dict=True,
	)
	return {entry.unit: (entry.item_code, entry.batch_no) for entry in entries if entry.voucher_detail_no in rows}


def take_pending_consumption(doc) -> list:
	"""A Work Order's consumption entries drew lots before anything was produced: those records
	now go to this entry's produced lots. Returned as they were, and removed to be re-written."""
	if doc.purpose != "Manufacture" or not doc.get("work_order"):
		return []
	pending = frappe.get_all(
		"Lot Consumption",
		filters={"work_order": doc.work_order, "produced_by": ("is", "not set"), "is_cancelled": 0},
		fields=["*"],
	)
	for row in pending:
		frappe.delete_doc("Lot Consumption", row.name, ignore_permissions=True, force=True)
	return pending


def pending_as_consumed(pending) -> list:
	return [
		ConsumedLotRow(
			lot=row.consumed_node or row.consumed_unit or row.consumed_lot,
			unit=row.consumed_unit,
			batch=row.consumed_lot,
			stock_entry=row.stock_entry,
			item_code=row.consumed_item,
			qty=flt(row.qty),
			unit_cost=flt(row.unit_cost),
			owner=row.consumed_owner,
			amount=flt(row.amount),
			consigned_value=flt(row.consigned_value),
		)
		for row in pending
	]


def insert_consumption(doc, kind, consumed, share, targets, units, consumed_in):
	"""One genealogy record. A Manufacture or Repack whose product carries no lot still names the
	entry and item it produced; only a consumption entry's records wait for their Manufacture."""
	target = share.produced_lot
	if target and target == share.consumed_lot:
		return  # stock repacked into its own lot is no genealogy
	produced_item = targets.get(target, (None, 0))[0] if target else None
	produces = bool(target) or doc.purpose in ("Manufacture", "Repack")
	if not produced_item and produces:
		produced_item = next((row.item_code for row in doc.items if is_produced_row(doc, row)), None)
	produced_unit = target if target in units else None
	produced_lot = units[target][1] if produced_unit else target
	consigned = bool(consumed.get("owner"))
	record = frappe.get_doc(
		{
			"doctype": "Lot Consumption",
			"kind": kind,
			"consumed_lot": consumed.get("batch"),
			"consumed_unit": consumed.get("unit"),
			"consumed_item": consumed.get("item_code"),
			"qty": flt(share.qty, 9),
			"unit_cost": consumed.unit_cost,
			"amount": 0 if consigned else flt(share.amount),
			"consigned_value": flt(share.amount) if consigned else 0,
			"consumed_owner": consumed.get("owner"),
			"produced_lot": produced_lot,
			"produced_unit": produced_unit,
			"produced_item": produced_item,
			"work_order": doc.get("work_order"),
			"stock_entry": consumed_in,
			"produced_by": doc.name if produces else None,
			"company": doc.company,
			"posting_date": doc.posting_date,
		}
	)
	record.flags.ignore_permissions = True
	record.flags.ignore_links = True
	record.flags.cycle_checked = True
	record.insert()


def unlotted_materials_cost(doc, unit_items=frozenset()) -> float:
	"""What ERPNext valued the inputs that carry no lot and are no tracked unit at (screws from a bin)."""
	from lot_control.usage import lot_controlled

	batch_items = lot_controlled(row.item_code for row in doc.items) | set(unit_items)
	return sum(
		flt(row.basic_amount)
		for row in doc.items
		if row.get("s_warehouse") and not row.get("t_warehouse") and row.item_code not in batch_items
	)


def build_cost_of(doc, consumed, pending, produced, precision, unit_items=frozenset()) -> costing.BuildCost | None:
	if not produced:
		return None
	produced_qty = sum(qty for _item, qty in produced.values())
	rows = [
		costing.ConsumedLot(lot.lot, lot.item_code, lot.qty, lot.unit_cost, lot.owner)
		for lot in [*consumed, *pending_as_consumed(pending)]
	]
	if doc.get("lot_split_from"):
		return costing.roll_up_build_cost(rows, produced_qty, currency_precision=precision)
	return costing.roll_up_build_cost(
		merge_rows_by_lot(rows),
		produced_qty,
		additional_cost=max(flt(doc.get("total_additional_costs")), 0),
		currency_precision=precision,
		unlotted_materials_cost=unlotted_materials_cost(doc, unit_items),
		scrap_value=sum(flt(row.basic_amount) for row in doc.items if row.get("is_scrap_item")),
	)


def merge_rows_by_lot(rows):
	merged = {}
	for row in rows:
		if row.lot in merged:
			first = merged[row.lot]
			merged[row.lot] = costing.ConsumedLot(row.lot, row.item_code, flt(first.qty) + flt(row.qty), first.unit_cost, first.owner)
		else:
			merged[row.lot] = row
	return list(merged.values())


def make_produced_lots(doc, kind, consumed, produced, units, cost, precision, materials_by_target=None):
	"""Each produced lot gets its Lot: the Work Order as source, its share of the build cost, the
	owner of the stock it was built from. Each unit gets its share too (one unit's worth). A split
	child takes everything from its parent."""
	if kind == KIND_SPLIT:
		from lot_control.lot_splitting import make_child_lot

		for lot, (_item, qty) in produced.items():
			make_child_lot(doc, lot, qty)
		return
	owner = build_rules.produced_lot_owner(lot.owner for lot in consumed)
	quantities = [qty for _item, qty in produced.values()] + [1] * len(units)
	if units and not produced and materials_by_target:
		shares = unit_cost_shares(list(units), materials_by_target, cost.total_cost, precision)
	else:
		shares = costing.split_build_cost(cost.total_cost, quantities, precision)
	lot_shares, unit_shares = shares[: len(produced)], shares[len(produced) :]
	for (lot, (item_code, qty)), share in zip(produced.items(), lot_shares, strict=True):
		upsert_produced_lot(doc, lot, item_code, flt(share) / qty if qty else 0, owner)
	unit_lots = defaultdict(list)
	for (unit_name, (item_code, lot)), share in zip(units.items(), unit_shares, strict=True):
		frappe.db.set_value(
			"Serialized Unit",
			unit_name,
			{"unit_cost": flt(share), "lot": lot, "built_on": doc.posting_date, "stock_entry": doc.name},
			update_modified=False,
		)
		if lot:
			unit_lots[(lot, item_code)].append(flt(share))
	for (lot, item_code), unit_costs in unit_lots.items():
		upsert_produced_lot(doc, lot, item_code, sum(unit_costs) / len(unit_costs), owner)


def unit_cost_shares(units, materials_by_target, total_cost, precision):
	"""Each unit costs the lots attributed to it, at their own prices, plus an even share of what
	the build cost besides (parts without lots, additional costs, less scrap)."""
	materials = [flt(materials_by_target.get(unit), precision) for unit in units]
	rest = flt(flt(total_cost) - sum(materials), precision)
	even = costing.split_build_cost(abs(rest), [1] * len(units), precision)
	sign = -1 if rest < 0 else 1
	return [flt(material + sign * flt(share), precision) for material, share in zip(materials, even, strict=True)]


def upsert_produced_lot(doc, lot_name, item_code, unit_cost, owner):
	from lot_control.receiving import quarantines_on_receipt

	warehouse = next(
		(row.t_warehouse for row in doc.items if is_produced_row(doc, row) and row.item_code == item_code), None
	)
	values = {
		"work_order": doc.get("work_order"),
		"stock_entry": doc.name,
		"received_date": doc.posting_date,
		"unit_cost": unit_cost,
		"warehouse": warehouse,
		"stock_owner": "Customer" if owner else "House",
		"consignment_customer": owner,
	}
	reason = _("Built by {0}.").format((doc.work_order and _("Work Order {0}").format(doc.work_order)) or doc.name)
	if frappe.db.exists("Lot", lot_name):
		lot = frappe.get_doc("Lot", lot_name)
		if lot.stock_entry and lot.stock_entry != doc.get("amended_from") and lot.stock_entry != doc.name:
			lot.add_history("Produced", lot.status, lot.status, reason, doc.doctype, doc.name)
			lot.flags.ignore_permissions = True
			lot.flags.status_change_checked = True
			lot.save()
			return  # more stock built into an existing lot keeps that lot's source and cost
		lot.update(values)
		lot.add_history("Produced", lot.status, lot.status, reason, doc.doctype, doc.name)
		if lot.status in ("Archived", "Consumed"):
			lot.apply_status_change("Released", reason, doc.doctype, doc.name, by_the_app=True)
		else:
			lot.flags.ignore_permissions = True
			lot.flags.status_change_checked = True
			lot.save()
		return
	lot = frappe.get_doc({"doctype": "Lot", "batch": lot_name, "company": doc.company, **values})
	lot.status = "Quarantine" if quarantines_on_receipt(item_code) else "Released"
	lot.add_history("Produced", None, lot.status, reason, doc.doctype, doc.name)
	lot.flags.ignore_permissions = True
	lot.insert()


# On cancel -----------------------------------------------------------------------------------


def reverse_build(doc):
	"""A cancelled entry's genealogy is marked cancelled; what a Manufacture took over from earlier
	consumption entries goes back to waiting for the next one; its produced lots are archived."""
	if not build_kind(doc):
		return
	consumption = frappe.qb.DocType("Lot Consumption")
	(
		frappe.qb.update(consumption)
		.set(consumption.is_cancelled, 1)
		.where((consumption.stock_entry == doc.name) & (consumption.is_cancelled == 0))
	).run()
	taken_over = frappe.get_all(
		"Lot Consumption",
		filters={"produced_by": doc.name, "stock_entry": ("!=", doc.name), "is_cancelled": 0},
		fields=["*"],
	)
	regrouped = {}
	for row in taken_over:
		key = (row.stock_entry, row.consumed_node or row.consumed_lot)
		if key in regrouped:
			first = regrouped[key]
			first.qty = flt(first.qty) + flt(row.qty)
			first.amount = flt(first.amount) + flt(row.amount)
			first.consigned_value = flt(first.consigned_value) + flt(row.consigned_value)
		else:
			regrouped[key] = row
		frappe.delete_doc("Lot Consumption", row.name, ignore_permissions=True, force=True)
	for row in regrouped.values():
		record = frappe.get_doc({**row, "doctype": "Lot Consumption", "name": None, "produced_lot": None, "produced_unit": None, "produced_node": None, "produced_item": None, "produced_by": None})
		record.flags.ignore_permissions = True
		record.flags.ignore_links = True
		record.insert()
	archive_produced_lots(doc)


def archive_produced_lots(doc):
	from lot_control.stock_queries import get_lot_on_hand

	produced = set(frappe.get_all("Lot", filters={"stock_entry": doc.name}, pluck="name"))
	produced |= set(frappe.get_all("Lot Consumption", filters={"produced_by": doc.name}, pluck="produced_lot"))
	for lot_name in sorted(lot for lot in produced if lot and frappe.db.exists("Lot", lot)):
		if get_lot_on_hand(lot_name):
			continue
		lot = frappe.get_doc("Lot", lot_name)
		if lot.status != "Archived":
			lot.apply_status_change("Archived", _("Build cancelled."), doc.doctype, doc.name, by_the_app=True)


# Questions -----------------------------------------------------------------------------------


def went_into(lot: str) -> list[dict]:
	"""What this lot went into, one level: one indexed query."""
	return frappe.get_all(
		"Lot Consumption",
		filters={"consumed_lot": lot, "is_cancelled": 0},
		fields=["produced_lot", "produced_item", "qty", "kind", "work_order", "stock_entry", "produced_by"],
		order_by="posting_date, creation",
	)


def entry_targets(doc) -> dict:
	"""Everything a submitted entry produced: lot -> (item, qty) and unit -> (item, 1)."""
	from lot_control.units import tracked_items

	tracked = set(tracked_items(row.item_code for row in doc.items if is_produced_row(doc, row)))
	units = produced_units(doc, tracked)
	return {**produced_lots(doc, exclude_items=tracked), **{code: (item, 1) for code, (item, _lot) in units.items()}}


def went_into_lot(lot: str) -> list[dict]:
	"""What went into this lot, one level: one indexed query."""
	return frappe.get_all(
		"Lot Consumption",
		filters={"produced_lot": lot, "is_cancelled": 0},
		fields=["consumed_lot", "consumed_item", "qty", "unit_cost", "amount", "consigned_value", "consumed_owner", "kind", "work_order", "stock_entry"],
		order_by="consumed_item, consumed_lot",
	)


@frappe.whitelist()
def get_build_cost(lot: str | None = None, work_order: str | None = None, unit: str | None = None) -> dict:
	"""The cost of a produced lot, a serialized unit or a Work Order's builds, broken down by
	consumed lot.

	Materials come from the genealogy records, at each lot's own unit cost; additional costs,
	unlotted inputs and scrap from the submitted entries, a lot taking its share by quantity."""
	if unit:
		frappe.has_permission("Serialized Unit", "read", unit, throw=True)
		filters = {"produced_unit": unit, "is_cancelled": 0}
		lot = unit
	elif lot:
		frappe.has_permission("Lot", "read", lot, throw=True)
		filters = {"produced_lot": lot, "is_cancelled": 0}
	elif work_order:
		frappe.has_permission("Work Order", "read", work_order, throw=True)
		filters = {"work_order": work_order, "is_cancelled": 0, "produced_by": ("is", "set")}
	else:
		frappe.throw(_("Give a lot or a Work Order."))
	lines = frappe.get_all(
		"Lot Consumption",
		filters=filters,
		fields=[
			"consumed_lot",
			"consumed_unit",
			"consumed_item",
			"sum(qty) as qty",
			"unit_cost",
			"sum(amount) as amount",
			"sum(consigned_value) as consigned_value",
			"consumed_owner",
		],
		group_by="consumed_lot, consumed_unit, consumed_item, unit_cost, consumed_owner",
		order_by="consumed_item, consumed_lot",
	)
	entries = set(frappe.get_all("Lot Consumption", filters=filters, pluck="produced_by")) - {None, ""}
	additional = unlotted = scrap = produced_qty = 0.0
	for entry in sorted(entries):
		doc = frappe.get_doc("Stock Entry", entry)
		if doc.docstatus != 1:
			continue
		produced = entry_targets(doc)
		entry_qty = sum(qty for _item, qty in produced.values())
		share = (produced.get(lot, (None, 0))[1] / entry_qty if entry_qty else 0) if lot else 1
		produced_qty += produced.get(lot, (None, 0))[1] if lot else entry_qty
		if doc.get("lot_split_from"):
			continue
		additional += share * flt(doc.total_additional_costs)
		unlotted += share * unlotted_materials_cost(doc, {row.item_code for row in consumed_units(doc)})
		scrap += share * sum(flt(row.basic_amount) for row in doc.items if row.get("is_scrap_item"))
	precision = currency_precision()
	materials = sum(flt(row.amount) for row in lines)
	total = flt(materials + unlotted + additional - scrap, precision)
	return {
		"lines": lines,
		"materials_cost": flt(materials, precision),
		"consigned_value": flt(sum(flt(row.consigned_value) for row in lines), precision),
		"additional_cost": flt(additional, precision),
		"unlotted_materials_cost": flt(unlotted, precision),
		"scrap_value": flt(scrap, precision),
		"total_cost": total,
		"produced_qty": produced_qty,
		"unit_cost": flt(total / produced_qty, 9) if produced_qty else 0,
		"currency": frappe.get_cached_value("Company", frappe.db.get_value("Lot Consumption", filters, "company"), "default_currency")
		if lines
		else None,
	}
