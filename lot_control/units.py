"""Serialized units: every device a Work Order builds is a Serialized Unit whose code is its ERPNext
Serial No. Units can be registered before the build (so they can be labelled first); the
Manufacture entry binds to them or creates the rest. Where a unit is, and who has it, is read from
ERPNext's Serial No and ledger after every movement; the rules are in lot_control.unit_rules.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from lot_control import arguments, codes, unit_rules
from lot_control.arguments import refuse_bad_arguments
from lot_control.exceptions import UnitQualityStatusError
from lot_control.receipt_rules import (
	UNIT_QUALITY_STATUSES,
	UnitQualityChangeRefused,
	check_unit_quality_change,
)

SERIALIZED_UNIT = "Serialized Unit"
QUALITY_ROLE = "Lot Quality Manager"
REGISTRATION_PURPOSES = ("Manufacture", "Repack")


def tracked_items(item_codes) -> dict:
	"""Items whose units are tracked: serialized in ERPNext, and not opted out of units."""
	item_codes = list({code for code in item_codes if code})
	if not item_codes:
		return {}
	rows = frappe.get_all(
		"Item",
		filters={"name": ("in", item_codes), "has_serial_no": 1, "track_serialized_units": 1},
		fields=["name", "has_batch_no", "warranty_period", "serial_no_series"],
	)
	return {row.name: row for row in rows}


def new_unit(item_code: str, company: str, work_order: str | None = None, code: str | None = None, note: str | None = None):
	"""Insert one unit (and, through its controller, its Serial No) in status Registered."""
	unit = frappe.get_doc(
		{
			"doctype": SERIALIZED_UNIT,
			"item_code": item_code,
			"company": company,
			"work_order": work_order,
			"code": code,
		}
	)
	unit.add_event("Registered", None, unit_rules.REGISTERED, note=note, reference=("Work Order", work_order) if work_order else None)
	unit.flags.ignore_permissions = True
	unit.insert()
	return unit


# Registering before the build ------------------------------------------------------------------


@frappe.whitelist()
@refuse_bad_arguments
def register_units(work_order=None, qty=None) -> list[str]:
	"""Create the Work Order's units now, in status Registered, so each can be labelled and scanned
	before the first component is placed. Units released by a cancelled Work Order of the same item
	are taken first, so labels already printed are used. No qty registers all that are missing; a
	qty must be a whole number of at least 1 and within what is left."""
	work_order = arguments.as_name(work_order, "work_order", required=True)
	qty = arguments.as_whole_count(qty, "qty")
	frappe.has_permission("Work Order", "write", work_order, throw=True)
	frappe.has_permission(SERIALIZED_UNIT, "create", throw=True)
	# Lock the Work Order: two people pressing the button at once register the units once.
	frappe.db.get_value("Work Order", work_order, "name", for_update=True)
	wo = frappe.get_doc("Work Order", work_order)
	if wo.docstatus == 2 or wo.status in ("Closed", "Stopped", "Completed"):
		frappe.throw(_("Work Order {0} is {1}: no units can be registered for it.").format(frappe.bold(wo.name), wo.status))
	if wo.production_item not in tracked_items([wo.production_item]):
		frappe.throw(
			_("Item {0} of Work Order {1} is not tracked by serialized units: tick Has Serial No and Track Serialized Units on the item.").format(
				frappe.bold(wo.production_item), frappe.bold(wo.name)
			)
		)
	already = frappe.db.count(SERIALIZED_UNIT, {"work_order": wo.name, "status": ("!=", unit_rules.SCRAPPED)})
	try:
		count = unit_rules.units_to_register(wo.qty, already, qty)
	except ValueError:
		frappe.throw(
			_("Work Order {0} makes {1} of {2} and already has {3} units: {4} more cannot be registered.").format(
				frappe.bold(wo.name), flt(wo.qty), frappe.bold(wo.production_item), already, qty
			)
		)
	if not count:
		frappe.throw(_("Every unit of Work Order {0} is already registered.").format(frappe.bold(wo.name)))

	registered = []
	for unit_name in released_units(wo.production_item, wo.company, count):
		unit = frappe.get_doc(SERIALIZED_UNIT, unit_name)
		unit.work_order = wo.name
		unit.add_event("Registered", unit.status, unit_rules.REGISTERED, reference=("Work Order", wo.name), note=_("Reused a released unit."))
		unit.status = unit_rules.REGISTERED
		unit.save_by_the_app()
		frappe.db.set_value("Serial No", unit.serial_no, "work_order", wo.name, update_modified=False)
		registered.append(unit.name)
	for _index in range(count - len(registered)):
		registered.append(new_unit(wo.production_item, wo.company, wo.name).name)
	return registered


def released_units(item_code: str, company: str, limit: int) -> list[str]:
	unit = frappe.qb.DocType(SERIALIZED_UNIT)
	rows = (
		frappe.qb.from_(unit)
		.select(unit.name)
		.where(
			(unit.item_code == item_code)
			& (unit.company == company)
			& unit.work_order.isnull()
			& unit.stock_entry.isnull()
			& (unit.status == unit_rules.REGISTERED)
		)
		.orderby(unit.creation)
		.limit(limit)
		.for_update()
	).run(pluck=True)
	return rows


# Binding to the build ---------------------------------------------------------------------------


def bind_produced_units(doc):
	"""Before submit of a Manufacture or Repack: each produced row of a tracked item gets its units.
	Serial numbers already on the row become units; otherwise the Work Order's registered units
	are bound in order and new ones are made for the rest, and their codes go on the row for ERPNext
	to build the bundle from."""
	from lot_control.build_rules import is_produced_row

	if doc.doctype != "Stock Entry" or doc.purpose not in REGISTRATION_PURPOSES:
		return
	if frappe.flags.ignore_serial_batch_bundle_validation:
		return
	items = tracked_items(row.item_code for row in doc.items if is_produced_row(doc, row))
	if not items:
		return
	taken: set[str] = set()
	for row in doc.items:
		if not is_produced_row(doc, row) or row.item_code not in items or not flt(row.qty):
			continue
		qty = flt(row.get("transfer_qty") or row.qty, 9)
		if abs(qty - round(qty)) > 1e-9:
			frappe.throw(
				_("Row {0}: {1} units of {2} cannot be built; serialized units are counted whole.").format(
					row.idx, qty, frappe.bold(row.item_code)
				)
			)
		given = given_serial_nos(row)
		if given:
			for code in given:
				bind_unit(adopt_unit(code, row.item_code, doc), doc)
			continue
		units = free_registered_units(doc.get("work_order"), row.item_code, round(qty), taken)
		while len(units) < round(qty):
			units.append(new_unit(row.item_code, doc.company, doc.get("work_order"), note=_("Made by {0}.").format(doc.name)).name)
		taken.update(units)
		for unit_name in units:
			bind_unit(unit_name, doc)
		row.serial_no = "\n".join(units)
		row.use_serial_batch_fields = 1


def given_serial_nos(row) -> list[str]:
	from erpnext.stock.doctype.serial_no.serial_no import get_serial_nos

	if row.get("serial_and_batch_bundle"):
		return frappe.get_all(
			"Serial and Batch Entry",
			filters={"parent": row.serial_and_batch_bundle, "serial_no": ("is", "set")},
			pluck="serial_no",
			order_by="idx",
		)
	return get_serial_nos(row.serial_no) if row.get("serial_no") else []


def free_registered_units(work_order: str | None, item_code: str, qty: int, taken: set[str]) -> list[str]:
	"""The Work Order's registered units not yet built, oldest first, locked so two entries of one
	Work Order submitted at once never bind the same unit."""
	if not work_order:
		return []
	unit = frappe.qb.DocType(SERIALIZED_UNIT)
	rows = (
		frappe.qb.from_(unit)
		.select(unit.name)
		.where(
			(unit.work_order == work_order)
			& (unit.item_code == item_code)
			& unit.stock_entry.isnull()
			& unit.status.isin([unit_rules.REGISTERED, unit_rules.IN_PRODUCTION])
		)
		.orderby(unit.creation)
		.orderby(unit.name)
		.for_update()
	).run(pluck=True)
	return [name for name in rows if name not in taken][:qty]


def adopt_unit(code: str, item_code: str, doc) -> str:
	"""A serial number typed on the row, or made by ERPNext from the Work Order, is a unit too."""
	name = frappe.db.get_value(SERIALIZED_UNIT, {"serial_no": code}, "name") or frappe.db.exists(SERIALIZED_UNIT, code)
	if not name:
		return new_unit(item_code, doc.company, doc.get("work_order"), code=code, note=_("Serial No given on {0}.").format(doc.name)).name
	unit = frappe.db.get_value(SERIALIZED_UNIT, name, ["item_code", "status", "stock_entry"], as_dict=True, for_update=True)
	if unit.item_code != item_code:
		frappe.throw(_("Unit {0} is of item {1}, not {2}.").format(frappe.bold(name), frappe.bold(unit.item_code), frappe.bold(item_code)))
	if unit.status == unit_rules.SCRAPPED:
		frappe.throw(_("Unit {0} of item {1} was scrapped and cannot be built.").format(frappe.bold(name), frappe.bold(item_code)))
	if unit.stock_entry and unit.stock_entry != doc.name:
		frappe.throw(
			_("Unit {0} of item {1} was already built by {2}.").format(frappe.bold(name), frappe.bold(item_code), frappe.bold(unit.stock_entry))
		)
	return name


def bind_unit(unit_name: str, doc):
	unit = frappe.get_doc(SERIALIZED_UNIT, unit_name)
	unit.stock_entry = doc.name
	if doc.get("work_order") and not unit.work_order:
		unit.work_order = doc.work_order
	unit.save_by_the_app()


def units_built_by(stock_entry: str) -> list[str]:
	return frappe.get_all(SERIALIZED_UNIT, filters={"stock_entry": stock_entry}, pluck="name", order_by="creation, name")


def unbind_units_of_cancelled_build(doc):
	"""A cancelled build's units go back to waiting for the next build of their Work Order, codes
	and labels unchanged, as a cancelled build's lots keep their numbers."""
	if doc.doctype != "Stock Entry" or doc.purpose not in REGISTRATION_PURPOSES:
		return
	for unit_name in units_built_by(doc.name):
		unit = frappe.get_doc(SERIALIZED_UNIT, unit_name)
		unit.stock_entry = None
		unit.built_on = None
		unit.unit_cost = 0
		unit.lot = None
		unit.save_by_the_app()


# After every stock movement ------------------------------------------------------------------


def units_in_document(doc) -> list[str]:
	"""Units moved by a document, read from all its Serial and Batch Bundles, in one query."""
	entry = frappe.qb.DocType("Serial and Batch Entry")
	bundle = frappe.qb.DocType("Serial and Batch Bundle")
	unit = frappe.qb.DocType(SERIALIZED_UNIT)
	return (
		frappe.qb.from_(entry)
		.inner_join(bundle)
		.on(bundle.name == entry.parent)
		.inner_join(unit)
		.on(unit.name == entry.serial_no)
		.select(unit.name)
		.distinct()
		.where((bundle.voucher_type == doc.doctype) & (bundle.voucher_no == doc.name))
	).run(pluck=True)


def refresh_units_of(doc, method=None):
	"""On submit and cancel of any stock document: its units' status and place are read again."""
	if doc.doctype == "Stock Entry" and doc.purpose == "Material Transfer for Manufacture" and doc.get("work_order"):
		mark_in_production(doc)
	names = units_in_document(doc)
	if not names:
		return
	cancelled = doc.docstatus == 2
	for name in names:
		refresh_unit(name, doc, cancelled)


def unit_movements(serial_nos: list[str]) -> dict[str, list]:
	"""Every live ledger line of these serial numbers, oldest first, with what it means."""
	if not serial_nos:
		return {}
	rows = frappe.db.sql(
		"""
		select entry.serial_no, sle.voucher_type, sle.voucher_no, sle.actual_qty, sle.warehouse,
			sle.posting_date, stock_entry.purpose, stock_entry.work_order
		from `tabStock Ledger Entry` sle
		inner join `tabSerial and Batch Entry` entry on entry.parent = sle.serial_and_batch_bundle
		left join `tabStock Entry` stock_entry on sle.voucher_type = 'Stock Entry' and stock_entry.name = sle.voucher_no
		where entry.serial_no in %(serial_nos)s and sle.is_cancelled = 0
		order by sle.posting_date, sle.posting_time, sle.creation, sle.actual_qty
		""",
		{"serial_nos": serial_nos},
		as_dict=True,
	)
	movements = defaultdict(list)
	for row in rows:
		row.movement = unit_rules.movement_of(row.voucher_type, row.purpose, flt(row.actual_qty), bool(row.work_order))
		if row.movement:
			movements[row.serial_no].append(row)
	return movements


EVENT_OF_MOVEMENT = {
	unit_rules.BUILT: "Built",
	unit_rules.DELIVERY: "Delivered",
	unit_rules.CUSTOMER_RETURN: "Returned",
	unit_rules.CONSUMED_IN_BUILD: "Consumed",
	unit_rules.ISSUED: "Scrapped",
	unit_rules.TRANSFER: "Moved",
	unit_rules.RECEIVED: "Moved",
	unit_rules.OTHER_OUT: "Moved",
}


def refresh_unit(name: str, doc=None, cancelled: bool = False):
	"""Status from the unit's live movements; warehouse from ERPNext's Serial No; customer,
	delivery date and warranty from its last delivery. One history line for the movement."""
	unit = frappe.get_doc(SERIALIZED_UNIT, name)
	movements = unit_movements([unit.serial_no]).get(unit.serial_no, [])
	before = (unit.status, unit.warehouse, unit.customer)
	unbuilt = unit.status if unit.status in unit_rules.UNBUILT_STATUSES else unbuilt_status(unit)
	unit.status = unit_rules.fold_status(unbuilt, (row.movement for row in movements))
	unit.warehouse = frappe.db.get_value("Serial No", unit.serial_no, "warehouse")
	deliveries = [row for row in movements if row.movement == unit_rules.DELIVERY]
	if deliveries and unit.status in (unit_rules.DELIVERED, unit_rules.RETURNED):
		last = deliveries[-1]
		unit.customer = frappe.db.get_value(last.voucher_type, last.voucher_no, "customer")
		unit.delivery_document_type, unit.delivery_document = last.voucher_type, last.voucher_no
		unit.delivery_date = last.posting_date
		warranty_days = frappe.get_cached_value("Item", unit.item_code, "warranty_period")
		unit.warranty_end = unit_rules.warranty_end(getdate(last.posting_date), cint(warranty_days))
		if not unit.customer_serial_customer and unit.customer_serial:
			unit.customer_serial_customer = unit.customer
	elif not deliveries:
		unit.customer = unit.delivery_document_type = unit.delivery_document = None
		unit.delivery_date = unit.warranty_end = None
	built = [row for row in movements if row.movement == unit_rules.BUILT]
	if built and not unit.built_on:
		unit.built_on = built[0].posting_date
	if doc is not None and before != (unit.status, unit.warehouse, unit.customer):
		if cancelled:
			event = "Movement Cancelled"
		else:
			mine = [row for row in movements if row.voucher_no == doc.name]
			event = EVENT_OF_MOVEMENT.get(mine[-1].movement, "Moved") if mine else "Status Change"
		unit.add_event(event, before[0], unit.status, reference=(doc.doctype, doc.name), event_date=doc.get("posting_date"))
	unit.save_by_the_app()


def unbuilt_status(unit) -> str:
	"""A unit whose build was cancelled waits again: In Production if its Work Order has material."""
	if unit.work_order and flt(frappe.db.get_value("Work Order", unit.work_order, "material_transferred_for_manufacturing")):
		return unit_rules.IN_PRODUCTION
	return unit_rules.REGISTERED


def mark_in_production(doc):
	"""Material transferred for a Work Order: its registered units are in production (and back to
	Registered when that transfer is cancelled and nothing else was transferred)."""
	target, source = (
		(unit_rules.IN_PRODUCTION, unit_rules.REGISTERED) if doc.docstatus == 1 else (unit_rules.REGISTERED, unit_rules.IN_PRODUCTION)
	)
	if doc.docstatus == 2 and flt(frappe.db.get_value("Work Order", doc.work_order, "material_transferred_for_manufacturing")):
		return
	for name in frappe.get_all(SERIALIZED_UNIT, filters={"work_order": doc.work_order, "status": source, "stock_entry": ("is", "not set")}, pluck="name"):
		unit = frappe.get_doc(SERIALIZED_UNIT, name)
		unit.add_event("In Production" if target == unit_rules.IN_PRODUCTION else "Status Change", source, target, reference=(doc.doctype, doc.name))
		unit.status = target
		unit.save_by_the_app()


# Work Order cancelled -------------------------------------------------------------------------


def on_work_order_cancel(doc, method=None):
	"""Units registered but never built are released or scrapped, as the Work Order says."""
	action = doc.get("registered_units_on_cancel") or "Release"
	release_or_scrap(doc.name, action)


@frappe.whitelist()
@refuse_bad_arguments
def release_units(work_order=None, action=None) -> list[str]:
	"""For a cancelled or closed Work Order: release (or scrap) the units it registered and never built."""
	work_order = arguments.as_name(work_order, "work_order", required=True)
	action = arguments.as_choice(action, "action", ("Release", "Scrap"), default="Release")
	frappe.has_permission("Work Order", "write", work_order, throw=True)
	status, docstatus = frappe.db.get_value("Work Order", work_order, ["status", "docstatus"])
	if docstatus != 2 and status not in ("Closed", "Stopped", "Completed"):
		frappe.throw(_("Units of Work Order {0} can be released only once it is cancelled, stopped, closed or completed.").format(frappe.bold(work_order)))
	return release_or_scrap(work_order, action)


def release_or_scrap(work_order: str, action: str) -> list[str]:
	if action not in ("Release", "Scrap"):
		frappe.throw(_("Choose Release or Scrap, not {0}.").format(action))
	names = frappe.get_all(
		SERIALIZED_UNIT,
		filters={"work_order": work_order, "stock_entry": ("is", "not set"), "status": ("in", [unit_rules.REGISTERED, unit_rules.IN_PRODUCTION])},
		pluck="name",
	)
	for name in names:
		unit = frappe.get_doc(SERIALIZED_UNIT, name)
		if action == "Scrap":
			unit.add_event("Scrapped", unit.status, unit_rules.SCRAPPED, reference=("Work Order", work_order), note=_("Work Order cancelled."))
			unit.status = unit_rules.SCRAPPED
		else:
			unit.add_event("Released", unit.status, unit_rules.REGISTERED, reference=("Work Order", work_order), note=_("Work Order cancelled."))
			unit.status = unit_rules.REGISTERED
			unit.work_order = None
			frappe.db.set_value("Serial No", unit.serial_no, "work_order", None, update_modified=False)
		unit.save_by_the_app()
	return names


# Search ---------------------------------------------------------------------------------------


@frappe.whitelist()
@refuse_bad_arguments
def find_unit(text=None) -> str | None:
	"""The unit a scanned or typed text names: its code in any printed form (groups, lower case,
	O for 0), its ERPNext serial number, or the customer's serial. Only a unit the user may read is
	named: to anyone else the code names nothing."""
	text = arguments.as_name(text, "text")
	if not text or not frappe.has_permission(SERIALIZED_UNIT, "read"):
		return None
	candidates = [text]
	try:
		candidates.insert(0, codes.normalize_code(text))
	except codes.InvalidUnitCodeError:
		pass
	for candidate in candidates:
		name = frappe.db.get_value(SERIALIZED_UNIT, {"name": candidate}) or frappe.db.get_value(SERIALIZED_UNIT, {"serial_no": candidate})
		if name and frappe.has_permission(SERIALIZED_UNIT, "read", name):
			return name
	names = frappe.get_all(SERIALIZED_UNIT, filters={"customer_serial": text}, pluck="name", limit=2)
	return names[0] if len(names) == 1 and frappe.has_permission(SERIALIZED_UNIT, "read", names[0]) else None



def lots_in_unit(unit: str) -> list[dict]:
	"""Every lot and unit inside this unit, at any depth, with the quantity in it, for its form."""
	from lot_control.genealogy import lots_inside

	rows = lots_inside(unit)
	lots = frappe.get_all(
		"Lot",
		filters={"name": ("in", [row.batch for row in rows if row.batch] or [""])},
		fields=["name", "supplier", "supplier_batch_code", "purchase_receipt", "status"],
	)
	facts = {lot.name: lot for lot in lots}
	for row in rows:
		fact = facts.get(row.batch) or {}
		row.update({key: fact.get(key) for key in ("supplier", "supplier_batch_code", "purchase_receipt", "status")})
	return rows


# Quality status -------------------------------------------------------------------------------


QUALITY_EVENT = "Quality Status"


def set_unit_quality_status(unit, status: str, reason: str | None, voucher_type: str | None = None, voucher_no: str | None = None):
	"""The one way a unit's quality status changes: recorded in its history with who, when, from
	what, to what and why. A returned unit waits in Quarantine; a recalled one is put On Hold; only
	Released units leave the shelf. Callers check who may make the change (change_unit_quality_status)."""
	if status not in UNIT_QUALITY_STATUSES:
		frappe.throw(_("{0} is not a quality status of a unit.").format(status), exc=UnitQualityStatusError)
	doc = frappe.get_doc(SERIALIZED_UNIT, unit) if isinstance(unit, str) else unit
	before = doc.quality_status or "Released"
	if before == status:
		return doc
	doc.add_event(
		QUALITY_EVENT, before, status, note=reason, reference=(voucher_type, voucher_no) if voucher_type and voucher_no else None
	)
	doc.quality_status = status
	doc.save_by_the_app()
	return doc


@frappe.whitelist()
@refuse_bad_arguments
def change_unit_quality_status(unit=None, status=None, reason: str | None = None) -> str:
	"""A user's change (the Serialized Unit form's Quality Status button): releasing a held unit
	needs the Lot Quality Manager role and a reason, as for a lot."""
	unit = arguments.as_name(unit, "unit", required=True)
	status = arguments.as_name(status, "status", required=True)
	frappe.has_permission(SERIALIZED_UNIT, "write", unit, throw=True)
	item_code, current = frappe.db.get_value(SERIALIZED_UNIT, unit, ["item_code", "quality_status"])
	try:
		check_unit_quality_change(
			current or "Released", status, reason=reason, has_quality_role=QUALITY_ROLE in frappe.get_roles()
		)
	except UnitQualityChangeRefused as refusal:
		frappe.throw(
			_("Unit {0} of item {1} cannot be set to {2}: {3}").format(
				frappe.bold(unit), frappe.bold(item_code), _(status), _(str(refusal))
			),
			exc=UnitQualityStatusError,
			title=_("Quality Status Change Refused"),
		)
	return set_unit_quality_status(unit, status, reason).quality_status


def undo_unit_quality_changes_of(doc, reason: str):
	"""A cancelled document gives back each unit the quality status it had before the document
	changed it, unless something changed the unit since."""
	events = frappe.get_all(
		"Unit Event",
		filters={
			"parenttype": SERIALIZED_UNIT,
			"event": QUALITY_EVENT,
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
		},
		fields=["parent", "idx", "from_status", "to_status"],
		order_by="parent, idx",
	)
	for event in events:
		unit = frappe.get_doc(SERIALIZED_UNIT, event.parent)
		later = [row for row in unit.history if row.idx > event.idx and row.event == QUALITY_EVENT]
		if later or unit.quality_status != event.to_status:
			unit.add_event(
				QUALITY_EVENT,
				unit.quality_status,
				unit.quality_status,
				note=reason + " " + _("The unit stays {0}: its quality status changed since.").format(_(unit.quality_status)),
				reference=(doc.doctype, doc.name),
			)
			unit.save_by_the_app()
			continue
		set_unit_quality_status(unit, event.from_status, reason, doc.doctype, doc.name)
