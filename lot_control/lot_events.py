"""What the app itself writes on a Lot: a status it sets (nothing left, stock came back, expired,
inspected) and the events kept in the lot's history (disposals, returns, overrides).

A service, so services can call it without importing the Lot controller (an entry point); the
controller re-exports the first two. Every status change still goes through Lot.apply_status_change."""

import frappe
from frappe import _
from frappe.utils import flt, now

from lot_control import bulk_insert
from lot_control.record_guard import allow_kept_field_changes


def record_lot_event(
	lot_name: str, event: str, reason: str, reference_doctype: str, reference_name: str, qty=None
):
	"""Disposals, returns and overrides are kept on the lot beside its status changes."""
	lot = frappe.get_doc("Lot", lot_name)
	lot.add_history(event, lot.status, lot.status, reason, reference_doctype, reference_name, qty)
	lot.flags.ignore_permissions = True
	lot.flags.status_change_checked = True
	lot.save()


def set_lot_status_by_the_app(
	lot_name: str, status: str, reason: str, reference_doctype=None, reference_name=None
):
	lot = frappe.get_doc("Lot", lot_name)
	if lot.status != status:
		lot.apply_status_change(status, reason, reference_doctype, reference_name, by_the_app=True)


def set_lot_unit_cost_by_the_app(lot_name: str, unit_cost: float, voucher):
	"""The ledger's new rate for a lot (a Landed Cost Voucher submitted or cancelled), recorded."""
	lot = frappe.get_doc("Lot", lot_name)
	precision = lot.precision("unit_cost") or 2
	if flt(lot.unit_cost, 9) == flt(unit_cost, 9):
		return
	reason = _("{0} {1} {2}.").format(
		voucher.doctype, voucher.name, _("cancelled") if voucher.docstatus == 2 else _("submitted")
	)
	lot.add_history(
		"Cost Change",
		lot.status,
		lot.status,
		reason,
		voucher.doctype,
		voucher.name,
		from_value=str(flt(lot.unit_cost, precision)),
		to_value=str(flt(unit_cost, precision)),
	)
	lot.unit_cost = flt(unit_cost)
	allow_kept_field_changes(lot, "unit_cost")
	lot.flags.ignore_permissions = True
	lot.flags.status_change_checked = True
	lot.save()


def insert_lots_made_by_the_app(lots: list):
	"""The lots a receipt or a build makes (each with its first history entry, appended by the
	app), inserted together through the same steps as insert() (lot_control.bulk_insert); the
	expiry of their Batches read in one query."""
	if not lots:
		return
	expiries = dict(
		frappe.get_all(
			"Batch",
			filters={"name": ("in", list({lot.batch for lot in lots if lot.batch}) or [""])},
			fields=["name", "expiry_date"],
			as_list=True,
		)
	)
	for lot in lots:
		if not lot.made_by_the_app():
			frappe.throw(
				_("Lot {0} is not made by the app: insert it on its own.").format(frappe.bold(lot.batch))
			)
		if lot.batch in expiries:
			lot.flags.batch_expiry = (expiries[lot.batch],)
	bulk_insert.insert_all(lots)


def set_lots_status_by_the_app(changes: dict, reference_doctype=None, reference_name=None):
	"""Lots the app sets to a status at once (nothing left of them, or stock come back): lot ->
	(status, reason). Each change is checked as Lot.apply_status_change checks it and written as
	save() writes it (the lot's status and timestamps, its rows' timestamps, the new history line,
	the Version of the change, the same hooks after it), with the lots read in one query per table
	and written in one statement per table and status."""
	lots = [lot for lot in load_lots_for_update(sorted(changes)) if lot.status != changes[lot.name][0]]
	if not lots:
		return
	new_rows = []
	for lot in lots:
		status, reason = changes[lot.name]
		lot.check_new_status(status, reason, by_the_app=True)
		lot._doc_before_save = frappe.get_doc(lot.as_dict())
		lot._action = "save"
		lot.flags.ignore_version = frappe.flags.in_test
		new_rows.append(
			lot.add_history("Status Change", lot.status, status, reason, reference_doctype, reference_name)
		)
		lot.status = status
	timestamp, user = now(), frappe.session.user
	for lot in lots:
		lot._set_defaults()
		lot.modified, lot.modified_by = timestamp, user
		for child in lot.get_all_children():
			child.modified, child.modified_by = timestamp, user
			child.owner = child.owner or lot.owner
			child.creation = child.creation or lot.creation
		lot.set_parent_in_children()
		lot.set_name_in_children()
		lot._validate()
	names_by_status = {}
	for lot in lots:
		names_by_status.setdefault(lot.status, []).append(lot.name)
	for status, names in names_by_status.items():
		frappe.db.sql(
			"update `tabLot` set status = %(status)s, modified = %(modified)s, modified_by = %(user)s where name in %(names)s",
			{"status": status, "modified": timestamp, "user": user, "names": names},
		)
	names = [lot.name for lot in lots]
	for table in lots[0].meta.get_table_fields():
		frappe.db.sql(
			f"update `tab{table.options}` set modified = %(modified)s, modified_by = %(user)s "
			"where parenttype = 'Lot' and parentfield = %(field)s and parent in %(names)s",
			{"modified": timestamp, "user": user, "field": table.fieldname, "names": names},
		)
	bulk_insert.insert_rows(new_rows)
	for lot in lots:
		lot.run_post_save_methods()


def load_lots_for_update(names: list[str]) -> list:
	"""Lots with their rows, as frappe.get_doc loads them, in one query per table; each lot's row
	locked, as a save locks it before writing."""
	if not names:
		return []
	lot_table = frappe.qb.DocType("Lot")
	records = (
		frappe.qb.from_(lot_table)
		.select("*")
		.where(lot_table.name.isin(names))
		.for_update()
		.run(as_dict=True)
	)
	meta = frappe.get_meta("Lot")
	rows = {}
	for table in meta.get_table_fields():
		for row in frappe.get_all(
			table.options,
			filters={"parenttype": "Lot", "parentfield": table.fieldname, "parent": ("in", names)},
			fields=["*"],
			order_by="parent asc, idx asc",
		):
			rows.setdefault((row.parent, table.fieldname), []).append(row)
	return [
		frappe.get_doc(
			{
				**record,
				"doctype": "Lot",
				**{
					table.fieldname: rows.get((record.name, table.fieldname), [])
					for table in meta.get_table_fields()
				},
			}
		)
		for record in sorted(records, key=lambda record: record.name)
	]
