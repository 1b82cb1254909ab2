"""Transformations: what each Manufacture, Material Consumption for Manufacture, Repack,
Disassemble, lot split or Subcontracting Receipt consumed, lot by lot and serial by serial, into
which produced lot or unit, and what the produced lot cost.

The genealogy is kept as Lot Consumption records (one per consumed lot, unit or serial and produced
lot or unit), written when the voucher is submitted and marked cancelled when it is cancelled. They
are read from the voucher's POSTED Serial and Batch Bundles, whatever the voucher: outward is
consumed, inward is produced, so every transformation goes through the same code. Quantities and
values in stock stay in ERPNext's ledger; what the records add is the link between a lot and what it
became. The rules (expiry, owner, shares, work-in-progress holdings) are in lot_control.build_rules
and the cost formula in lot_control.costing.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import flt, getdate

from lot_control import arguments, build_rules, bulk_insert, costing, money
from lot_control.arguments import refuse_bad_arguments
from lot_control.build_rules import is_produced_row
from lot_control.exceptions import InvalidArgumentError
from lot_control.lot_events import insert_lots_made_by_the_app

KIND_BUILD = "Build"
KIND_REPACK = "Repack"
KIND_SPLIT = "Split"
KIND_DISASSEMBLE = "Disassemble"
KIND_SUBCONTRACT = "Subcontract"
SUBCONTRACTING_RECEIPT = "Subcontracting Receipt"


def build_kind(doc) -> str | None:
	"""The kind of transformation a voucher is, or None for anything else (builds return early)."""
	if doc.doctype == SUBCONTRACTING_RECEIPT:
		return None if doc.get("is_return") else KIND_SUBCONTRACT
	if doc.doctype != "Stock Entry":
		return None
	if doc.get("lot_split_from"):
		return KIND_SPLIT
	if doc.purpose in ("Manufacture", "Material Consumption for Manufacture"):
		return KIND_BUILD
	if doc.purpose == "Repack":
		return KIND_REPACK
	if doc.purpose == "Disassemble":
		return KIND_DISASSEMBLE
	return None


def produced_warehouse(row) -> str | None:
	return row.get("t_warehouse") or row.get("warehouse")


def currency_precision() -> int:
	return money.currency_precision()


def lot_source_field(doc) -> str:
	"""The field of a Lot that names the voucher that made it."""
	return "subcontracting_receipt" if doc.doctype == SUBCONTRACTING_RECEIPT else "stock_entry"


# Before submit -------------------------------------------------------------------------------


def assign_produced_lots(doc):
	"""Every produced row of a lot-controlled item without a lot gets a new one, with the expiry its
	inputs allow, before ERPNext builds its bundles on submit. A Disassemble against a Work Order
	is left alone: ERPNext gives the components back to the lots they were built from."""
	kind = build_kind(doc)
	if kind not in (KIND_BUILD, KIND_REPACK, KIND_DISASSEMBLE, KIND_SUBCONTRACT):
		return
	if frappe.flags.ignore_serial_batch_bundle_validation or (
		kind == KIND_DISASSEMBLE and doc.get("work_order")
	):
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
		code = reusable.pop(row.item_code, None) or create_produced_batch(
			doc, row, items[row.item_code], input_expiries
		)
		row.batch_no = code
		row.use_serial_batch_fields = 1


def consumed_lot_expiries(doc) -> list:
	lots = set(drawn_lots_before_posting(doc)) | set(pending_consumption_lots(doc))
	if not lots:
		return []
	return [
		getdate(expiry)
		for expiry in frappe.get_all("Batch", filters={"name": ("in", list(lots))}, pluck="expiry_date")
		if expiry
	]


def drawn_lots_before_posting(doc) -> list[str]:
	"""The lots a transformation draws, as chosen before submit: a Stock Entry's source rows, a
	Subcontracting Receipt's supplied items (their batch field or draft bundle)."""
	if doc.doctype != SUBCONTRACTING_RECEIPT:
		from lot_control.usage import outgoing_lot_lines

		return [line.lot for line in outgoing_lot_lines(doc)]
	lots = [row.batch_no for row in doc.get("supplied_items") or [] if row.get("batch_no")]
	bundles = [
		row.serial_and_batch_bundle
		for row in doc.get("supplied_items") or []
		if row.get("serial_and_batch_bundle")
	]
	if bundles:
		lots += frappe.get_all(
			"Serial and Batch Entry",
			filters={"parent": ("in", bundles), "batch_no": ("is", "set")},
			pluck="batch_no",
		)
	return lots


def pending_consumption_lots(doc) -> list[str]:
	"""Lots a Work Order's consumption entries drew before this Manufacture entry."""
	if doc.get("purpose") != "Manufacture" or not doc.get("work_order"):
		return []
	return frappe.get_all(
		"Lot Consumption",
		filters={"work_order": doc.work_order, "produced_by": ("is", "not set"), "is_cancelled": 0},
		pluck="consumed_lot",
	)


def create_produced_batch(doc, row, item, input_expiries) -> str:
	from lot_control.lot_naming import next_lot_code
	from lot_control.receiving import batch_reference

	manufacturing_date = getdate(doc.posting_date)
	rule = frappe.get_cached_value("Item", row.item_code, "produced_lot_expiry_rule")
	expiry_date = build_rules.produced_lot_expiry(
		input_expiries, manufacturing_date, item.shelf_life_in_days, rule
	)
	batch = frappe.get_doc(
		{
			"doctype": "Batch",
			"batch_id": next_lot_code(row.item_code, doc.posting_date),
			"item": row.item_code,
			"manufacturing_date": manufacturing_date,
			"expiry_date": expiry_date,
			"supplier": doc.get("supplier"),
			**batch_reference(doc),
		}
	)
	batch.flags.ignore_permissions = True
	batch.insert()
	return batch.name


def lots_of_cancelled_original(doc) -> dict:
	"""An amended transformation takes back the lot codes of the voucher it replaces, so labels stay true."""
	if not doc.get("amended_from"):
		return {}
	from lot_control.stock_queries import get_lot_on_hand

	lots = frappe.get_all(
		"Lot", filters={lot_source_field(doc): doc.amended_from}, fields=["name", "item"], order_by="creation"
	)
	return {lot.item: lot.name for lot in lots if not get_lot_on_hand(lot.name)}


# Work-in-progress holdings -------------------------------------------------------------------
# A usage rule, decided in lot_control.usage; these names stay for their callers.


def wip_holdings(lots, warehouses) -> dict:
	from lot_control.usage import wip_holdings as holdings

	return holdings(lots, warehouses)


def free_for_work_order(candidates, warehouse: str, work_order: str | None):
	from lot_control.usage import free_for_work_order as free

	return free(candidates, warehouse, work_order)


# On submit -----------------------------------------------------------------------------------


def record_build(doc):
	"""Write the genealogy of a submitted transformation and give each produced lot and unit its
	cost. A Subcontracting Receipt is one transformation per received row: each row consumes the
	supplied items that name it."""
	kind = build_kind(doc)
	if not kind:
		return
	precision = currency_precision()
	outward = posted_entries(doc, "Outward")
	pending = take_pending_consumption(doc)
	for group in transformation_groups(doc, outward):
		record_group(doc, kind, group, pending if group.takes_pending else [], precision)


def transformation_groups(doc, outward) -> list:
	"""What was consumed into what: for a Stock Entry everything drawn into everything produced; for
	a Subcontracting Receipt each received row with the supplied items that name it."""
	produced_rows = [row for row in doc.items if is_produced_row(doc, row)]
	if doc.doctype != SUBCONTRACTING_RECEIPT:
		return [frappe._dict(rows=produced_rows, outward=outward, takes_pending=True, receipt_row=None)]
	supplied = frappe.get_all(
		"Subcontracting Receipt Supplied Item",
		filters={"parent": doc.name, "parenttype": doc.doctype},
		fields=["name", "reference_name", "rm_item_code", "amount"],
	)
	groups = []
	for row in produced_rows:
		details = {line.name for line in supplied if line.reference_name == row.name}
		groups.append(
			frappe._dict(
				rows=[row],
				outward=[entry for entry in outward if entry.voucher_detail_no in details],
				supplied=[line for line in supplied if line.name in details],
				takes_pending=False,
				receipt_row=frappe.db.get_value(
					"Subcontracting Receipt Item",
					row.name,
					["qty", "service_cost_per_qty", "additional_cost_per_qty", "scrap_cost_per_qty", "rate"],
					as_dict=True,
				),
			)
		)
	return groups


def record_group(doc, kind, group, pending, precision):
	from lot_control.genealogy import loops_back, refuse_cycles
	from lot_control.units import tracked_items

	# Serialized Units are made by Work Order builds only; a subcontractor's goods are lots.
	tracked = (
		tracked_items(row.item_code for row in group.rows) if doc.doctype != SUBCONTRACTING_RECEIPT else {}
	)
	consumed = consumed_from_entries(doc, group.outward, precision)
	produced = produced_lots(doc, exclude_items=set(tracked), rows=group.rows)
	units = produced_units(doc, set(tracked), rows=group.rows)
	if not consumed and not produced and not units and not pending:
		return
	targets = {**produced, **{code: (item, 1) for code, (item, _lot) in units.items()}}
	whole_items = {row.item_code for row in consumed if row.unit or row.serial_no}
	cost = build_cost_of(doc, consumed, pending, targets, precision, whole_items, group)

	consumed_nodes = [row.lot for row in consumed] + [row.lot for row in pending_as_consumed(pending)]
	# A disassembly may give components back to the very lots they were built from: such an edge
	# closes a loop on purpose, and the walks take it once per path.
	returning = loops_back(consumed_nodes, targets) if kind == KIND_DISASSEMBLE else set()
	refuse_cycles(consumed_nodes, set(targets) - returning)
	assignments = unit_lot_assignments(doc)
	consumed_keys = {row.lot for row in consumed}
	materials_by_target = defaultdict(float)
	records = []
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
			record = consumption_record(
				doc,
				kind,
				row,
				share,
				targets,
				units,
				consumed_in or row.stock_entry,
				share.produced_lot in returning,
			)
			if record:
				records.append(record)
	bulk_insert.insert_ledger_rows(records)

	if targets:
		make_produced_lots(
			doc,
			kind,
			consumed + pending_as_consumed(pending),
			produced,
			units,
			cost,
			precision,
			materials_by_target,
		)


def attribute(rows, produced, units, assignments, precision):
	"""Even shares among everything produced; among units, the user's exact assignment where given."""
	from lot_control.unit_rules import AttributionError, attribute_to_units

	triples = [(row.lot, row.qty, row.amount + row.consigned_value) for row in rows]
	if units and not produced:
		try:
			whole = {row.lot: row.item_code for row in rows if row.get("unit") or row.get("serial_no")}
			return attribute_to_units(triples, list(units), assignments, precision, whole)
		except AttributionError as error:
			refuse_assignment(error)
	return build_rules.share_consumption(
		triples,
		[*((lot, qty) for lot, (_item, qty) in produced.items()), *((code, 1) for code in units)],
		precision,
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
		filters={
			"work_order": doc.get("work_order") or "",
			"produced_by": ("is", "not set"),
			"is_cancelled": 0,
		},
		fields=["consumed_lot", "qty"],
	):
		if row.consumed_lot not in quantities:
			quantities[row.consumed_lot] += flt(row.qty)
	try:
		attribute_to_units(
			[(lot, qty, 0) for lot, qty in quantities.items()], units_built_by(doc.name), assignments
		)
	except AttributionError as error:
		refuse_assignment(error)


def refuse_assignment(error):
	details = error.details
	item = frappe.db.get_value("Batch", details.get("lot"), "item") if details.get("lot") else None
	messages = {
		"unit_not_built_here": _(
			"Lots per Unit: unit {unit} is not built by this entry (lot {lot} of item {item})."
		).format(
			unit=frappe.bold(details.get("unit")), lot=frappe.bold(details.get("lot")), item=frappe.bold(item)
		),
		"lot_not_consumed_here": _(
			"Lots per Unit: lot {lot} of item {item} is not consumed by this entry, so it cannot be in unit {unit}."
		).format(
			unit=frappe.bold(details.get("unit")), lot=frappe.bold(details.get("lot")), item=frappe.bold(item)
		),
		"qty_not_positive": _(
			"Lots per Unit: the quantity of lot {lot} of item {item} in unit {unit} must be more than 0."
		).format(
			unit=frappe.bold(details.get("unit")), lot=frappe.bold(details.get("lot")), item=frappe.bold(item)
		),
		"qty_mismatch": _(
			"Lots per Unit: {assigned} of lot {lot} of item {item} is assigned to units, but this build consumes {consumed} of it; assign all of it or none."
		).format(
			lot=frappe.bold(details.get("lot")),
			item=frappe.bold(item),
			assigned=flt(details.get("assigned"), 6),
			consumed=flt(details.get("consumed"), 6),
		),
	}
	frappe.throw(messages.get(error.reason, error.reason), title=_("Lots per Unit"))


class ConsumedLotRow(frappe._dict):
	"""A consumed lot, unit or serial of this voucher: lot (the genealogy key: the unit's code for a
	unit, the serial for a bought serial), unit, serial_no, batch, item, qty, unit_cost, amount,
	consigned_value, owner."""


def posted_entries(doc, direction: str) -> list:
	"""The voucher's posted bundle entries one way ('Outward' consumed, 'Inward' produced), each with
	the row it belongs to and, for a serialized unit, the unit and its build cost."""
	return frappe.db.sql(
		"""
		select bundle.name as bundle, bundle.voucher_detail_no, bundle.item_code, entry.batch_no, entry.serial_no,
			entry.qty, entry.stock_value_difference, entry.warehouse, unit.name as unit, unit.unit_cost as unit_cost
		from `tabSerial and Batch Bundle` bundle
		inner join `tabSerial and Batch Entry` entry on entry.parent = bundle.name
		left join `tabSerialized Unit` unit on unit.name = entry.serial_no
		where bundle.voucher_type = %(doctype)s and bundle.voucher_no = %(name)s
			and bundle.docstatus = 1 and bundle.is_cancelled = 0 and bundle.type_of_transaction = %(direction)s
		order by bundle.creation, entry.idx
		""",
		{"doctype": doc.doctype, "name": doc.name, "direction": direction},
		as_dict=True,
	)


def consumed_from_entries(doc, entries, precision) -> list:
	"""What the voucher drew, as ERPNext posted it: each lot once at the lot's own unit cost; each
	serialized unit at its own build cost; each serial bought without a lot (a module with its
	maker's serial) as a node of its own at the rate ERPNext took it out at. A serial that also
	carries a lot travels with its lot: the lot is the edge, so nothing is counted twice."""
	consumed = []
	quantities = defaultdict(float)
	values = defaultdict(float)
	for entry in entries:
		qty = abs(flt(entry.qty)) or 1
		if entry.unit or (entry.serial_no and not entry.batch_no):
			unit_cost = flt(entry.unit_cost) if entry.unit else 0
			unit_cost = unit_cost or abs(flt(entry.stock_value_difference)) / qty
			consumed.append(
				ConsumedLotRow(
					lot=entry.serial_no,
					unit=entry.unit,
					serial_no=None if entry.unit else entry.serial_no,
					batch=entry.batch_no,
					item_code=entry.item_code,
					qty=qty,
					unit_cost=unit_cost,
					owner=None,
					amount=flt(qty * unit_cost, precision),
					consigned_value=0,
				)
			)
		elif entry.batch_no:
			quantities[entry.batch_no] += qty
			values[entry.batch_no] += abs(flt(entry.stock_value_difference))
	if not quantities:
		return consumed
	from lot_control.stock_queries import lot_facts

	facts = lot_facts(quantities)
	unit_costs = dict(
		frappe.get_all(
			"Lot", filters={"name": ("in", list(quantities))}, fields=["name", "unit_cost"], as_list=True
		)
	)
	items = {entry.batch_no: entry.item_code for entry in entries if entry.batch_no}
	lots = []
	for lot, qty in quantities.items():
		# A batch made before the app has no Lot: its rate is the one ERPNext valued it at.
		unit_cost = flt(unit_costs[lot]) if lot in unit_costs else values[lot] / qty
		owner = facts[lot].owner if lot in facts else None
		value = flt(qty * unit_cost, precision)
		lots.append(
			ConsumedLotRow(
				lot=lot,
				unit=None,
				serial_no=None,
				batch=lot,
				item_code=facts[lot].item_code if lot in facts else items[lot],
				qty=flt(qty, 9),
				unit_cost=unit_cost,
				owner=owner,
				amount=0 if owner else value,
				consigned_value=value if owner else 0,
			)
		)
	return lots + consumed


def consumed_units(doc) -> list:
	"""Serialized units and bought serials the voucher built into something else."""
	return [
		row
		for row in consumed_from_entries(doc, posted_entries(doc, "Outward"), currency_precision())
		if row.unit or row.serial_no
	]


def produced_lots(doc, exclude_items=frozenset(), rows=None) -> dict:
	"""lot -> (item, qty) of every lot the voucher produced, read from its posted inward bundles;
	items built as serialized units are left to produced_units; what a subcontractor delivered
	rejected is not produced."""
	rows = {
		row.name: row
		for row in (doc.items if rows is None else rows)
		if is_produced_row(doc, row) and row.item_code not in exclude_items
	}
	if not rows:
		return {}
	rejected = {row.get("rejected_serial_and_batch_bundle") for row in rows.values()} - {None, ""}
	produced = {}
	for entry in posted_entries(doc, "Inward"):
		if entry.voucher_detail_no in rows and entry.batch_no and entry.bundle not in rejected:
			item, qty = produced.get(entry.batch_no, (entry.item_code, 0))
			produced[entry.batch_no] = (item, flt(qty + abs(flt(entry.qty)), 9))
	return produced


def produced_units(doc, items, rows=None) -> dict:
	"""unit -> (item, lot) of every serialized unit the voucher built, read from its posted bundles."""
	rows = {
		row.name
		for row in (doc.items if rows is None else rows)
		if is_produced_row(doc, row) and row.item_code in items
	}
	if not rows:
		return {}
	return {
		entry.unit: (entry.item_code, entry.batch_no)
		for entry in posted_entries(doc, "Inward")
		if entry.unit and entry.voucher_detail_no in rows
	}


def take_pending_consumption(doc) -> list:
	"""A Work Order's consumption entries drew lots before anything was produced: those records
	now go to this entry's produced lots. Returned as they were, and removed to be re-written."""
	if doc.get("purpose") != "Manufacture" or not doc.get("work_order"):
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
			lot=row.consumed_node or row.consumed_unit or row.consumed_serial_no or row.consumed_lot,
			unit=row.consumed_unit,
			serial_no=row.consumed_serial_no,
			batch=row.consumed_lot,
			stock_entry=row.voucher_no or row.stock_entry,
			item_code=row.consumed_item,
			qty=flt(row.qty),
			unit_cost=flt(row.unit_cost),
			owner=row.consumed_owner,
			amount=flt(row.amount),
			consigned_value=flt(row.consigned_value),
		)
		for row in pending
	]


def consumption_record(doc, kind, consumed, share, targets, units, consumed_in, closes_loop=False):
	"""One genealogy record, to be inserted with the voucher's others (its cycles are checked for
	the whole voucher). A transformation whose product carries no lot still names the voucher
	and item it produced; only a consumption entry's records wait for their Manufacture."""
	target = share.produced_lot
	if target and target == share.consumed_lot:
		return None  # stock repacked into its own lot is no genealogy
	produced_item = targets.get(target, (None, 0))[0] if target else None
	produces = bool(target) or kind != KIND_BUILD or doc.get("purpose") == "Manufacture"
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
			"consumed_serial_no": consumed.get("serial_no"),
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
			"voucher_type": doc.doctype,
			"voucher_no": consumed_in,
			"stock_entry": consumed_in if doc.doctype == "Stock Entry" else None,
			"produced_by": doc.name if produces else None,
			"company": doc.company,
			"posting_date": doc.posting_date,
			"closes_loop": 1 if closes_loop else 0,
		}
	)
	record.flags.ignore_permissions = True
	record.flags.ignore_links = True
	record.flags.cycle_checked = True
	return record


def unlotted_materials_cost(doc, unit_items=frozenset(), group=None) -> float:
	"""What ERPNext valued the inputs that carry no lot and are no unit or serial at (screws from a
	bin): a Stock Entry's source rows, a Subcontracting Receipt row's supplied items."""
	from lot_control.usage import lot_controlled_of

	if doc.doctype == SUBCONTRACTING_RECEIPT:
		supplied = group.supplied if group else []
		batch_items = lot_controlled_of(doc, (line.rm_item_code for line in supplied)) | set(unit_items)
		return sum(flt(line.amount) for line in supplied if line.rm_item_code not in batch_items)
	batch_items = lot_controlled_of(doc, (row.item_code for row in doc.items)) | set(unit_items)
	return sum(
		flt(row.basic_amount)
		for row in doc.items
		if row.get("s_warehouse") and not row.get("t_warehouse") and row.item_code not in batch_items
	)


def voucher_cost_parts(doc, unit_items=frozenset(), group=None) -> frappe._dict:
	"""The parts of a transformation's cost that are not lots: other materials, additional costs
	(a subcontractor's service and the receipt's additional costs) and scrap given back."""
	if doc.doctype == SUBCONTRACTING_RECEIPT:
		row = group.receipt_row if group else frappe._dict()
		qty = flt(row.get("qty"))
		return frappe._dict(
			unlotted=unlotted_materials_cost(doc, unit_items, group),
			additional=qty * (flt(row.get("service_cost_per_qty")) + flt(row.get("additional_cost_per_qty"))),
			scrap=qty * flt(row.get("scrap_cost_per_qty")),
		)
	if doc.get("lot_split_from"):
		return frappe._dict(unlotted=0, additional=0, scrap=0)
	return frappe._dict(
		unlotted=unlotted_materials_cost(doc, unit_items),
		additional=max(flt(doc.get("total_additional_costs")), 0),
		scrap=sum(flt(row.basic_amount) for row in doc.items if row.get("is_scrap_item")),
	)


def build_cost_of(
	doc, consumed, pending, produced, precision, unit_items=frozenset(), group=None
) -> costing.BuildCost | None:
	if not produced:
		return None
	produced_qty = sum(qty for _item, qty in produced.values())
	rows = [
		costing.ConsumedLot(lot.lot, lot.item_code, lot.qty, lot.unit_cost, lot.owner)
		for lot in [*consumed, *pending_as_consumed(pending)]
	]
	parts = voucher_cost_parts(doc, unit_items, group)
	return costing.roll_up_build_cost(
		rows if doc.get("lot_split_from") else merge_rows_by_lot(rows),
		produced_qty,
		additional_cost=parts.additional,
		currency_precision=precision,
		unlotted_materials_cost=parts.unlotted,
		scrap_value=parts.scrap,
		rounding_method=money.rounding_method(),
	)


def merge_rows_by_lot(rows):
	merged = {}
	for row in rows:
		if row.lot in merged:
			first = merged[row.lot]
			merged[row.lot] = costing.ConsumedLot(
				row.lot, row.item_code, flt(first.qty) + flt(row.qty), first.unit_cost, first.owner
			)
		else:
			merged[row.lot] = row
	return list(merged.values())


def make_produced_lots(doc, kind, consumed, produced, units, cost, precision, materials_by_target=None):
	"""Each produced lot gets its Lot: the Work Order or subcontractor as source, its share of the
	build cost, the owner of the stock it was built from. Each unit gets its share too (one unit's
	worth). A split child takes everything from its parent. The components of a disassembly share
	the consumed lot's cost in proportion to what ERPNext valued each at."""
	if kind == KIND_SPLIT:
		from lot_control.lot_splitting import make_child_lot

		for lot, (_item, qty) in produced.items():
			make_child_lot(doc, lot, qty)
		return
	owner = build_rules.produced_lot_owner(lot.owner for lot in consumed)
	quantities = [qty for _item, qty in produced.values()] + [1] * len(units)
	if kind == KIND_DISASSEMBLE and produced and not units:
		values = posted_inward_values(doc)
		weights = [values.get(lot, 0) for lot in produced]
		if all(weight > 0 for weight in weights):
			quantities = weights
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


def posted_inward_values(doc) -> dict:
	"""lot -> what ERPNext valued the voucher's inward stock of it at."""
	values = defaultdict(float)
	for entry in posted_entries(doc, "Inward"):
		if entry.batch_no:
			values[entry.batch_no] += abs(flt(entry.stock_value_difference))
	return values


def unit_cost_shares(units, materials_by_target, total_cost, precision):
	"""Each unit costs the lots attributed to it, at their own prices, plus an even share of what
	the build cost besides (parts without lots, additional costs, less scrap)."""
	materials = [flt(materials_by_target.get(unit), precision) for unit in units]
	rest = flt(flt(total_cost) - sum(materials), precision)
	even = costing.split_build_cost(abs(rest), [1] * len(units), precision)
	sign = -1 if rest < 0 else 1
	return [
		flt(material + sign * flt(share), precision) for material, share in zip(materials, even, strict=True)
	]


def produced_lot_source(doc, item_code) -> dict:
	"""Where a produced lot comes from: the Work Order and Stock Entry, or the subcontractor, the
	Subcontracting Receipt and its Subcontracting Order and Purchase Order."""
	row = next((row for row in doc.items if is_produced_row(doc, row) and row.item_code == item_code), None)
	values = {"received_date": doc.posting_date, "warehouse": produced_warehouse(row) if row else None}
	if doc.doctype == SUBCONTRACTING_RECEIPT:
		order = row.get("subcontracting_order") if row else None
		purchase_order = row.get("purchase_order") if row else None
		if order and not purchase_order:
			purchase_order = frappe.db.get_value("Subcontracting Order", order, "purchase_order")
		values.update(
			subcontracting_receipt=doc.name,
			subcontracting_order=order,
			purchase_order=purchase_order,
			supplier=doc.supplier,
		)
		return values
	values.update(work_order=doc.get("work_order"), stock_entry=doc.name)
	return values


def has_other_source(lot, doc) -> bool:
	"""A lot received or made by another voucher keeps its own source and cost when more of it is
	produced (a Repack into it, components a disassembly gives back to it)."""
	sources = {lot.get("stock_entry"), lot.get("purchase_receipt"), lot.get("subcontracting_receipt")} - {
		None,
		"",
	}
	return bool(sources - {doc.name, doc.get("amended_from")})


def upsert_produced_lot(doc, lot_name, item_code, unit_cost, owner):
	from lot_control.receiving import fill_batch_reference, quarantines_on_receipt

	fill_batch_reference(doc, lot_name)  # a build inserted and submitted in one save
	values = {
		**produced_lot_source(doc, item_code),
		"unit_cost": unit_cost,
		"stock_owner": "Customer" if owner else "House",
		"consignment_customer": owner,
	}
	if doc.doctype == SUBCONTRACTING_RECEIPT:
		reason = _("Made by {0}, received on {1}.").format(doc.supplier, doc.name)
	elif doc.get("purpose") == "Disassemble":
		reason = _("Given back by disassembly {0}.").format(doc.name)
	else:
		reason = _("Built by {0}.").format(
			(doc.get("work_order") and _("Work Order {0}").format(doc.work_order)) or doc.name
		)
	if frappe.db.exists("Lot", lot_name):
		lot = frappe.get_doc("Lot", lot_name)
		if has_other_source(lot, doc):
			lot.add_history("Produced", lot.status, lot.status, reason, doc.doctype, doc.name)
			lot.flags.ignore_permissions = True
			lot.flags.status_change_checked = True
			lot.save()
			return  # more stock of an existing lot keeps that lot's source and cost
		lot.update(values)
		lot.flags.kept_by_lot_control = True  # the build sets the lot's source, cost and owner (record_guard)
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
	insert_lots_made_by_the_app([lot])


# On cancel -----------------------------------------------------------------------------------


def reverse_build(doc):
	"""A cancelled transformation's genealogy is marked cancelled; what a Manufacture took over from
	earlier consumption entries goes back to waiting for the next one; its produced lots are archived."""
	if not build_kind(doc):
		return
	consumption = frappe.qb.DocType("Lot Consumption")
	(
		frappe.qb.update(consumption)
		.set(consumption.is_cancelled, 1)
		.where(
			(consumption.voucher_type == doc.doctype)
			& (consumption.voucher_no == doc.name)
			& (consumption.is_cancelled == 0)
		)
	).run()
	taken_over = frappe.get_all(
		"Lot Consumption",
		filters={
			"voucher_type": doc.doctype,
			"produced_by": doc.name,
			"voucher_no": ("!=", doc.name),
			"is_cancelled": 0,
		},
		fields=["*"],
	)
	regrouped = {}
	for row in taken_over:
		key = (row.voucher_no, row.consumed_node or row.consumed_lot)
		if key in regrouped:
			first = regrouped[key]
			first.qty = flt(first.qty) + flt(row.qty)
			first.amount = flt(first.amount) + flt(row.amount)
			first.consigned_value = flt(first.consigned_value) + flt(row.consigned_value)
		else:
			regrouped[key] = row
		frappe.delete_doc("Lot Consumption", row.name, ignore_permissions=True, force=True)
	for row in regrouped.values():
		record = frappe.get_doc(
			{
				**row,
				"doctype": "Lot Consumption",
				"name": None,
				"produced_lot": None,
				"produced_unit": None,
				"produced_node": None,
				"produced_item": None,
				"produced_by": None,
			}
		)
		record.flags.ignore_permissions = True
		record.flags.ignore_links = True
		record.insert()
	archive_produced_lots(doc)


def archive_produced_lots(doc):
	"""Lots this voucher made and nothing else holds are archived; a lot received or made by another
	voucher (components a disassembly gave back) is left as it is."""
	from lot_control.stock_queries import get_lot_on_hand

	produced = set(frappe.get_all("Lot", filters={lot_source_field(doc): doc.name}, pluck="name"))
	produced |= set(
		frappe.get_all(
			"Lot Consumption",
			filters={"voucher_type": doc.doctype, "produced_by": doc.name},
			pluck="produced_lot",
		)
	)
	for lot_name in sorted(lot for lot in produced if lot and frappe.db.exists("Lot", lot)):
		if get_lot_on_hand(lot_name):
			continue
		lot = frappe.get_doc("Lot", lot_name)
		if lot.status != "Archived" and not has_other_source(lot, doc):
			lot.apply_status_change("Archived", _("Build cancelled."), doc.doctype, doc.name, by_the_app=True)


# Questions -----------------------------------------------------------------------------------


def went_into(lot: str) -> list[dict]:
	"""What this lot went into, one level: one indexed query."""
	return frappe.get_all(
		"Lot Consumption",
		filters={"consumed_lot": lot, "is_cancelled": 0},
		fields=[
			"produced_lot",
			"produced_item",
			"qty",
			"kind",
			"work_order",
			"voucher_type",
			"voucher_no",
			"stock_entry",
			"produced_by",
		],
		order_by="posting_date, creation",
	)


def entry_targets(doc, rows=None) -> dict:
	"""Everything a submitted voucher (or these rows of it) produced: lot -> (item, qty) and unit -> (item, 1)."""
	from lot_control.units import tracked_items

	rows = [row for row in (doc.items if rows is None else rows) if is_produced_row(doc, row)]
	tracked = (
		set(tracked_items(row.item_code for row in rows)) if doc.doctype != SUBCONTRACTING_RECEIPT else set()
	)
	units = produced_units(doc, tracked, rows=rows)
	return {
		**produced_lots(doc, exclude_items=tracked, rows=rows),
		**{code: (item, 1) for code, (item, _lot) in units.items()},
	}


def went_into_lot(lot: str) -> list[dict]:
	"""What went into this lot, one level: one indexed query."""
	return frappe.get_all(
		"Lot Consumption",
		filters={"produced_lot": lot, "is_cancelled": 0},
		fields=[
			"consumed_lot",
			"consumed_serial_no",
			"consumed_item",
			"qty",
			"unit_cost",
			"amount",
			"consigned_value",
			"consumed_owner",
			"kind",
			"work_order",
			"voucher_type",
			"voucher_no",
			"stock_entry",
		],
		order_by="consumed_item, consumed_lot",
	)


def voucher_figures(voucher_type: str, voucher_no: str, node: str | None = None) -> frappe._dict | None:
	"""The non-lot parts of a submitted transformation's cost and what it produced, for the whole
	voucher or the share of one produced lot or unit (by quantity, as the build cost is split)."""
	doc = frappe.get_doc(voucher_type, voucher_no)
	if doc.docstatus != 1:
		return None
	figures = frappe._dict(additional=0.0, unlotted=0.0, scrap=0.0, produced_qty=0.0)
	outward = posted_entries(doc, "Outward")
	for group in transformation_groups(doc, outward):
		produced = entry_targets(doc, group.rows)
		group_qty = sum(qty for _item, qty in produced.values())
		if node and node not in produced:
			continue
		qty = produced[node][1] if node else group_qty
		share = qty / group_qty if group_qty else 0
		whole_items = {
			row.item_code
			for row in consumed_from_entries(doc, group.outward, currency_precision())
			if row.unit or row.serial_no
		}
		parts = voucher_cost_parts(doc, whole_items, group)
		figures.produced_qty += qty
		figures.additional += share * parts.additional
		figures.unlotted += share * parts.unlotted
		figures.scrap += share * parts.scrap
	return figures


@frappe.whitelist()
@refuse_bad_arguments
def get_build_cost(lot=None, work_order=None, unit=None) -> dict:
	"""The cost of a produced lot, a serialized unit or a Work Order's builds, broken down by
	consumed lot.

	Materials come from the genealogy records, at each lot's own unit cost; additional costs,
	unlotted inputs and scrap from the submitted vouchers, a lot taking its share by quantity; the
	total is costing.total_build_cost, the one formula. The lines name lots and their costs: only
	a user who may read lots and genealogy records sees them."""
	lot = arguments.as_name(lot, "lot")
	work_order = arguments.as_name(work_order, "work_order")
	unit = arguments.as_name(unit, "unit")
	frappe.has_permission("Lot", "read", throw=True)
	frappe.has_permission("Lot Consumption", "read", throw=True)
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
		frappe.throw(_("Give a lot, a serialized unit or a Work Order."), exc=InvalidArgumentError)
	lines = frappe.get_all(
		"Lot Consumption",
		filters=filters,
		fields=[
			"consumed_lot",
			"consumed_unit",
			"consumed_serial_no",
			"consumed_item",
			"sum(qty) as qty",
			"unit_cost",
			"sum(amount) as amount",
			"sum(consigned_value) as consigned_value",
			"consumed_owner",
		],
		group_by="consumed_lot, consumed_unit, consumed_serial_no, consumed_item, unit_cost, consumed_owner",
		order_by="consumed_item, consumed_lot",
	)
	vouchers = {
		(row.voucher_type or "Stock Entry", row.produced_by)
		for row in frappe.get_all("Lot Consumption", filters=filters, fields=["voucher_type", "produced_by"])
		if row.produced_by
	}
	additional = unlotted = scrap = produced_qty = 0.0
	for voucher_type, voucher_no in sorted(vouchers):
		figures = voucher_figures(voucher_type, voucher_no, lot)
		if not figures:
			continue
		produced_qty += figures.produced_qty
		additional += figures.additional
		unlotted += figures.unlotted
		scrap += figures.scrap
	precision = currency_precision()
	rounding = money.rounding_method()
	materials = sum(flt(row.amount) for row in lines)
	total = costing.total_build_cost(materials, unlotted, additional, scrap, precision, rounding)
	return {
		"lines": lines,
		"materials_cost": flt(materials, precision),
		"consigned_value": flt(sum(flt(row.consigned_value) for row in lines), precision),
		"additional_cost": flt(additional, precision),
		"unlotted_materials_cost": flt(unlotted, precision),
		"scrap_value": flt(scrap, precision),
		"total_cost": float(total),
		"produced_qty": produced_qty,
		"unit_cost": float(costing.unit_cost_of(total, produced_qty, 9, rounding)),
		"currency": frappe.get_cached_value(
			"Company", frappe.db.get_value("Lot Consumption", filters, "company"), "default_currency"
		)
		if lines
		else None,
	}
