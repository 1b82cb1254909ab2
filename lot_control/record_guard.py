"""Records an auditor can trust: a history table only grows, and only by the app's own services;
fields the app keeps change only through those services.

Checked in the parent's validate, so every write path is covered: desk save, REST PUT/POST,
frappe.client.save/set_value/insert (a child row written through frappe.client is saved through
its parent), Data Import. A service marks what it does on the document object itself (the rows it
appended, a flag for kept fields); nothing in a request's payload can set those marks.
"""

import frappe
from frappe import _
from frappe.model import no_value_fields
from frappe.model.document import Document
from frappe.utils import cint, cstr, flt, get_datetime, getdate, now_datetime

from lot_control.exceptions import HistoryTamperedError, KeptFieldChangedError

APPENDED_ROWS_FLAG = "rows_appended_by_app"
KEPT_FIELDS_FLAG = "kept_by_lot_control"
# Besides its own fields, who made a row and when: Frappe writes both back from the payload.
STANDARD_ROW_FIELDS = ("owner", "creation")


def append_history_row(doc, table_fieldname: str, values: dict):
	"""The one way a history row is added: stamped with the session user and the server's time,
	and marked as the app's, so the guard lets it through."""
	row = doc.append(
		table_fieldname, {**values, "changed_by": frappe.session.user, "changed_on": now_datetime()}
	)
	doc.flags.setdefault(APPENDED_ROWS_FLAG, []).append(row)
	return row


def is_appended_by_app(doc, row) -> bool:
	return any(marked is row for marked in doc.flags.get(APPENDED_ROWS_FLAG) or [])


def allow_kept_field_changes(doc, *fieldnames):
	"""For the app's services: what they set on this document object is theirs to set (only the
	named fields, when named: a document sent by the form may carry other edits)."""
	doc.flags[KEPT_FIELDS_FLAG] = set(fieldnames) if fieldnames else True


def refuse_history_edits(doc, table_fieldname: str):
	"""The rows already saved come back unchanged, complete and in order; new rows only after them
	and only appended by the app. Anything else is refused, whoever asks."""
	rows = doc.get(table_fieldname) or []
	stored = stored_rows(doc, table_fieldname)
	stored_names = [row.name for row in stored]
	incoming_names = [row.name for row in rows if row.name in stored_names]
	missing = [name for name in stored_names if name not in incoming_names]
	if missing:
		refuse(doc, table_fieldname, _("{0} of its entries would be removed").format(len(missing)))
	if incoming_names != stored_names or [row.name for row in rows[: len(stored)]] != stored_names:
		refuse(doc, table_fieldname, _("its entries would be reordered"))
	child_meta = frappe.get_meta(doc.meta.get_field(table_fieldname).options)
	for row, before in zip(rows, stored, strict=False):
		changed = changed_fields(child_meta, row, before, value_fieldnames(child_meta))
		if changed:
			refuse(
				doc,
				table_fieldname,
				_("entry {0} would change ({1})").format(before.idx, ", ".join(changed)),
			)
	for row in rows[len(stored) :]:
		if not is_appended_by_app(doc, row):
			refuse(doc, table_fieldname, _("entries are added only by the app's own actions"))


def refuse_kept_field_changes(doc, fieldnames, how_to_change: str | None = None):
	"""Fields the app keeps (from the ledger, the receipt, the build) change only through its
	services, which mark the document with allow_kept_field_changes."""
	allowed = doc.flags.get(KEPT_FIELDS_FLAG)
	if doc.is_new() or allowed is True:
		return
	# A field fetched from a link is the linked record's: Frappe fetches it again on every save.
	fieldnames = [
		fieldname
		for fieldname in fieldnames
		if fieldname not in (allowed or ()) and not (doc.meta.get_field(fieldname) or {}).get("fetch_from")
	]
	if not fieldnames:
		return
	stored = frappe.db.get_value(doc.doctype, doc.name, fieldnames, as_dict=True)
	if not stored:
		return
	changed = [
		fieldname
		for fieldname in fieldnames
		if not same_value(doc.meta.get_field(fieldname), doc.get(fieldname), stored.get(fieldname))
	]
	if changed:
		labels = ", ".join(_(doc.meta.get_label(fieldname)) for fieldname in changed)
		frappe.throw(
			_("{0} of {1} {2} are kept by Lot Control and cannot be edited.{3}").format(
				labels,
				_(doc.doctype),
				frappe.bold(doc.name),
				(" " + how_to_change) if how_to_change else "",
			),
			exc=KeptFieldChangedError,
			title=_("Kept by Lot Control"),
		)


def refuse_direct_row_write(row):
	"""A history row written on its own (not through its parent) is refused: its parent's guard
	would not see it."""
	frappe.throw(
		_("{0} entries are written only by Lot Control, through their {1}.").format(
			_(row.doctype), _(row.get("parenttype") or _("record"))
		),
		exc=HistoryTamperedError,
		title=_("History Cannot Be Edited"),
	)


class AppendOnlyRow(Document):
	"""The controller of a history line (Lot History, Unit Event, Recall Event): lines are added by
	the app through their parent and never written, edited or deleted on their own (REST on the
	row, frappe.client on the row)."""

	def before_insert(self):
		refuse_direct_row_write(self)

	def validate(self):
		refuse_direct_row_write(self)

	def on_trash(self):
		refuse_direct_row_write(self)


def table_changes(doc, table_fieldname: str, fieldnames) -> tuple[list, list, list]:
	"""(added rows, removed stored rows, [(stored, row) changed]) of a table a user may edit, so the
	change can be recorded."""
	if doc.is_new():
		return list(doc.get(table_fieldname) or []), [], []
	stored = {row.name: row for row in stored_rows(doc, table_fieldname)}
	child_meta = frappe.get_meta(doc.meta.get_field(table_fieldname).options)
	rows = doc.get(table_fieldname) or []
	added = [row for row in rows if row.name not in stored]
	kept = {row.name for row in rows}
	removed = [row for name, row in stored.items() if name not in kept]
	changed = [
		(stored[row.name], row)
		for row in rows
		if row.name in stored and changed_fields(child_meta, row, stored[row.name], fieldnames)
	]
	return added, removed, changed


def stored_rows(doc, table_fieldname: str) -> list:
	if doc.is_new():
		return []
	child_doctype = doc.meta.get_field(table_fieldname).options
	return frappe.get_all(
		child_doctype,
		filters={"parent": doc.name, "parenttype": doc.doctype, "parentfield": table_fieldname},
		fields=["*"],
		order_by="idx asc",
	)


def value_fieldnames(meta) -> list[str]:
	return [df.fieldname for df in meta.fields if df.fieldtype not in no_value_fields]


def changed_fields(child_meta, row, before, fieldnames) -> list[str]:
	names = [*fieldnames, *STANDARD_ROW_FIELDS, "idx"]
	return [
		fieldname
		for fieldname in dict.fromkeys(names)
		if not same_value(child_meta.get_field(fieldname), row.get(fieldname), before.get(fieldname), fieldname)
	]


def same_value(field, value, stored, fieldname: str | None = None) -> bool:
	"""Equal as stored: a date sent as text equals the date read from the database."""
	fieldtype = field.fieldtype if field else {"creation": "Datetime", "idx": "Int"}.get(fieldname, "Data")
	if fieldtype == "Date":
		return (getdate(value) if value else None) == (getdate(stored) if stored else None)
	if fieldtype == "Datetime":
		return (get_datetime(value) if value else None) == (get_datetime(stored) if stored else None)
	if fieldtype in ("Float", "Currency", "Percent"):
		return flt(value, 9) == flt(stored, 9)
	if fieldtype in ("Int", "Check"):
		return cint(value) == cint(stored)
	return cstr(value) == cstr(stored)


def refuse(doc, table_fieldname: str, reason: str):
	frappe.throw(
		_("The {0} of {1} {2} cannot be edited: {3}. Entries are added by the app and kept as written.").format(
			_(doc.meta.get_label(table_fieldname)), _(doc.doctype), frappe.bold(doc.name or ""), reason
		),
		exc=HistoryTamperedError,
		title=_("History Cannot Be Edited"),
	)
