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

from lot_control import arguments, codes, signatures, unit_rules
from lot_control.arguments import refuse_bad_arguments
from lot_control.exceptions import UnitCodeRefusedError, UnitQualityStatusError
from lot_control.lot_status import signature_meaning
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
	rows = frappe.db.sql(
		"""
		select name, has_batch_no, warranty_period, serial_no_series from `tabItem`
		where name in %(codes)s and has_serial_no = 1 and track_serialized_units = 1
		""",
		{"codes": item_codes},
		as_dict=True,
	)
	return {row.name: row for row in rows}


def new_unit(item_code: str, company: str, work_order: str | None = None, code: str | None = None, note: str | None = None):
	"""Insert one unit (and, through its controller, its Serial No) in status Registered. A code given
	here comes from a build's row and was checked there (given_units_of)."""
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
	unit.flags.code_checked_by_the_build = bool(code)
	unit.insert()
	return unit


def code_for_new_unit(code: str, item_code: str, checked_by_the_build: bool = False) -> str:
	"""The code a unit being inserted with a given code is stored under. Given by a person (desk, REST,
	Data Import), it must be a serial number ERPNext has or a unit code whose check character matches
	(unit_rules.given_code_problem), so a typo is refused, naming the code and the item; a build checks
	the serials on its rows itself (given_units_of). A valid code is stored normalized, and a code that
	is already a unit under its other spelling is refused as taken."""
	code = code.strip()
	spellings = unit_spellings(code)
	if codes.is_valid_code(code):
		code = codes.normalize_code(code)
		taken = frappe.db.get_value(SERIALIZED_UNIT, {"name": ("in", spellings)})
		if taken:
			frappe.throw(
				_("Unit code {0} of item {1} is already unit {2}.").format(frappe.bold(code), frappe.bold(item_code), frappe.bold(taken)),
				exc=UnitCodeRefusedError,
				title=_("Unit Code Taken"),
			)
	serial_no = frappe.db.get_value("Serial No", {"name": ("in", spellings)})
	if checked_by_the_build:
		return serial_no or code
	problem = unit_rules.given_code_problem(code, bool(serial_no))
	if problem == unit_rules.MISTYPED_CODE:
		frappe.throw(
			_("{0} is not a valid unit code for item {1}: its check character does not match, so it is mistyped. Type the code again from the unit's label, or leave Code empty for a new one.").format(
				frappe.bold(code), frappe.bold(item_code)
			),
			exc=UnitCodeRefusedError,
			title=_("Unit Code Refused"),
		)
	if problem:
		frappe.throw(
			_("{0} cannot be the code of a unit of item {1}: it is neither a unit code nor a serial number ERPNext has. Leave Code empty for a new one.").format(
				frappe.bold(code), frappe.bold(item_code)
			),
			exc=UnitCodeRefusedError,
			title=_("Unit Code Refused"),
		)
	return serial_no or code


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
	given_by_row = given_units_of(doc, items)
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
		given = given_by_row.get(row.idx)
		if given:
			for code in given:
				bind_unit(adopt_unit(code, row, doc), doc)
			if not row.get("serial_and_batch_bundle"):
				row.serial_no = "\n".join(given)
			continue
		units = free_registered_units(doc.get("work_order"), row.item_code, round(qty), taken)
		while len(units) < round(qty):
			units.append(new_unit(row.item_code, doc.company, doc.get("work_order"), note=_("Made by {0}.").format(doc.name)).name)
		taken.update(units)
		for unit_name in units:
			bind_unit(unit_name, doc)
		row.serial_no = "\n".join(units)
		row.use_serial_batch_fields = 1


def check_given_serials(doc):
	"""Before validate of a Manufacture or Repack: serial numbers typed on its produced rows are checked
	as they are typed, not only at submit (bind_produced_units checks them again, under lock)."""
	from lot_control.build_rules import is_produced_row

	if doc.doctype != "Stock Entry" or doc.purpose not in REGISTRATION_PURPOSES or doc.docstatus == 2:
		return
	if frappe.flags.ignore_serial_batch_bundle_validation:
		return
	items = tracked_items(row.item_code for row in doc.items if is_produced_row(doc, row) and given_serial_nos(row))
	if items:
		given_units_of(doc, items)


def given_units_of(doc, items: dict) -> dict[int, list[str]]:
	"""row idx -> the serial numbers given on that produced row of a tracked item (typed, scanned or
	made by ERPNext from the Work Order), each in the form its unit is or will be stored under. One
	that cannot be a unit of this build is refused before anything is made, naming the row, item and
	serial (unit_rules.typed_serial_problem, unit_rules.adoption_problem)."""
	from lot_control.build_rules import is_produced_row

	given_by_row = {}
	for row in doc.items:
		if is_produced_row(doc, row) and row.item_code in items and flt(row.qty):
			serials = given_serial_nos(row)
			if serials:
				given_by_row[row.idx] = (row, serials)
	if not given_by_row:
		return {}
	typed = [serial for _row, serials in given_by_row.values() for serial in serials]
	units = units_spelt(typed)
	serial_nos = {name.casefold(): (name, item_code) for name, item_code in serial_nos_of(typed)}
	named_units = {unit.name for unit in (unit_of_serial(serial, units) for serial in typed) if unit}
	waiting = registered_units_waiting(doc.get("work_order"), items)

	stored_by_row = {}
	for row, serials in given_by_row.values():
		stored_by_row[row.idx] = stored = []
		for serial in serials:
			unit = unit_of_serial(serial, units)
			known = serial_nos.get(serial.casefold())
			if unit:
				problem = unit_rules.adoption_problem(
					unit.item_code, unit.status, unit.work_order, unit.stock_entry, row.item_code, doc.get("work_order"), doc.name
				)
				if problem:
					refuse_unit_serial(problem, row, serial, unit=unit.name, other=adoption_detail(problem, unit))
				name = unit.name
			elif known and known[1] == row.item_code:
				name = known[0]
			else:
				still_waiting = sorted(waiting.get(row.item_code, set()) - named_units)
				problem = unit_rules.typed_serial_problem(serial, bool(still_waiting))
				if problem:
					refuse_unit_serial(problem, row, serial, other=", ".join(still_waiting[:3]) + (" …" if len(still_waiting) > 3 else ""))
				name = codes.normalize_code(serial) if codes.is_valid_code(serial) else serial
			if name != serial and row.get("serial_and_batch_bundle"):
				frappe.throw(
					_("Row {0}: serial {1} of item {2} is unit {3}; enter it as {3} in the row's serial numbers.").format(
						row.idx, frappe.bold(serial), frappe.bold(row.item_code), frappe.bold(name)
					),
					exc=UnitCodeRefusedError,
					title=_("Unit Code Refused"),
				)
			stored.append(name)
	return stored_by_row


def refuse_unit_serial(problem: str, row, serial: str, unit: str | None = None, other: str | None = None):
	"""The refusal of a serial number on a build's row, saying what is wrong and what to do."""
	item = frappe.bold(row.item_code)
	messages = {
		unit_rules.MISTYPED_CODE: _(
			"Row {0}: {1} is not a valid unit code for item {2}: its check character does not match, so it is mistyped. Scan the unit's label or type its code again."
		),
		unit_rules.NOT_REGISTERED_HERE: _(
			"Row {0}: serial {1} of item {2} is not a unit of this Work Order, which has registered units waiting to be built ({3}). Scan their labels, or register more units first."
		),
		unit_rules.OF_ANOTHER_ITEM: _("Row {0}: serial {1} is unit {4} of item {3}, not of item {2}."),
		unit_rules.SCRAPPED_UNIT: _("Row {0}: unit {4} of item {2} was scrapped and cannot be built."),
		unit_rules.ALREADY_BUILT: _("Row {0}: unit {4} of item {2} was already built by {3}."),
		unit_rules.REGISTERED_ELSEWHERE: _(
			"Row {0}: unit {4} of item {2} is registered for Work Order {3}, so it cannot be built by another; build it there, or release it by closing that Work Order."
		),
	}
	frappe.throw(
		messages[problem].format(row.idx, frappe.bold(serial), item, frappe.bold(other or ""), frappe.bold(unit or serial)),
		exc=UnitCodeRefusedError,
		title=_("Unit Code Refused"),
	)


def adoption_detail(problem: str, unit) -> str | None:
	"""What a refusal of an existing unit names besides it: its item, its build or its Work Order."""
	return {
		unit_rules.OF_ANOTHER_ITEM: unit.item_code,
		unit_rules.ALREADY_BUILT: unit.stock_entry,
		unit_rules.REGISTERED_ELSEWHERE: unit.work_order,
	}.get(problem)


def unit_spellings(text: str) -> list[str]:
	"""Forms a unit named by this text may be stored under: the text as given, and, for a valid unit
	code, its normalized form in either spelling of the check symbol (codes.code_spellings)."""
	forms = [text]
	if codes.is_valid_code(text):
		forms.extend(form for form in codes.code_spellings(text) if form not in forms)
	return forms


def units_spelt(texts: list[str]) -> dict:
	"""casefolded name or serial -> unit, for the units any of these texts names; one query."""
	forms = list({form for text in texts for form in unit_spellings(text)})
	if not forms:
		return {}
	unit = frappe.qb.DocType(SERIALIZED_UNIT)
	rows = (
		frappe.qb.from_(unit)
		.select(unit.name, unit.serial_no, unit.item_code, unit.status, unit.work_order, unit.stock_entry)
		.where(unit.name.isin(forms) | unit.serial_no.isin(forms))
	).run(as_dict=True)
	found = {}
	for row in rows:
		found[row.name.casefold()] = row
		if row.serial_no:
			found.setdefault(row.serial_no.casefold(), row)
	return found


def unit_of_serial(text: str, units: dict):
	return next((units[form.casefold()] for form in unit_spellings(text) if form.casefold() in units), None)


def serial_nos_of(texts: list[str]) -> list[tuple[str, str]]:
	"""(name, item) of ERPNext's Serial Nos among these texts."""
	return frappe.get_all("Serial No", filters={"name": ("in", list(set(texts)))}, fields=["name", "item_code"], as_list=True)


def registered_units_waiting(work_order: str | None, item_codes) -> dict[str, set[str]]:
	"""item -> the Work Order's registered units not yet built."""
	if not work_order:
		return {}
	waiting = defaultdict(set)
	for name, item_code in frappe.get_all(
		SERIALIZED_UNIT,
		filters={
			"work_order": work_order,
			"item_code": ("in", list(item_codes)),
			"stock_entry": ("is", "not set"),
			"status": ("in", [unit_rules.REGISTERED, unit_rules.IN_PRODUCTION]),
		},
		fields=["name", "item_code"],
		as_list=True,
	):
		waiting[item_code].add(name)
	return waiting


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


def adopt_unit(code: str, row, doc) -> str:
	"""A serial number typed on the row, or made by ERPNext from the Work Order, is a unit too; the
	code was checked by given_units_of, and an existing unit is checked again here under lock."""
	name = frappe.db.get_value(SERIALIZED_UNIT, {"serial_no": code}, "name") or frappe.db.exists(SERIALIZED_UNIT, code)
	if not name:
		return new_unit(row.item_code, doc.company, doc.get("work_order"), code=code, note=_("Serial No given on {0}.").format(doc.name)).name
	unit = frappe.db.get_value(SERIALIZED_UNIT, name, ["item_code", "status", "stock_entry", "work_order"], as_dict=True, for_update=True)
	problem = unit_rules.adoption_problem(
		unit.item_code, unit.status, unit.work_order, unit.stock_entry, row.item_code, doc.get("work_order"), doc.name
	)
	if problem:
		refuse_unit_serial(problem, row, code, unit=name, other=adoption_detail(problem, unit))
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
	O for 0, either spelling of a legacy check symbol), its ERPNext serial number, or the customer's
	serial. A mistyped code (wrong check character) names no unit by its code. Only a unit the user
	may read is named: to anyone else the code names nothing."""
	text = arguments.as_name(text, "text")
	if not text or not frappe.has_permission(SERIALIZED_UNIT, "read"):
		return None
	unit = unit_of_serial(text, units_spelt([text]))
	if unit and frappe.has_permission(SERIALIZED_UNIT, "read", unit.name):
		return unit.name
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
def change_unit_quality_status(unit=None, status=None, reason: str | None = None, password: str | None = None) -> str:
	"""A user's change (the Serialized Unit form's Quality Status button): releasing a held unit
	needs the Lot Quality Manager role and a reason, as for a lot, and releasing or rejecting it is
	signed as for a lot: with `password`, here and now; without, by a fresh signature given just
	before (lot_control.signatures.sign). The app's own changes (set_unit_quality_status) are not."""
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
	signature = unit_signature(unit, item_code, current or "Released", status, reason, password)
	reference = (signatures.SIGNATURE, signature) if signature else (None, None)
	return set_unit_quality_status(unit, status, reason, *reference).quality_status


def unit_signature(unit: str, item_code: str, current: str, status: str, reason: str | None, password: str | None):
	"""The user's signature the change needs (a release from a held-back status, a rejection), used
	up; None when none is needed. The unit's history line of the change names it."""
	meaning = signature_meaning(current, status)
	if not meaning:
		return None
	return signatures.signed_decision(
		meaning,
		SERIALIZED_UNIT,
		unit,
		_("Setting unit {0} of item {1} to {2}").format(frappe.bold(unit), frappe.bold(item_code), _(status)),
		password,
		reason,
	)


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
