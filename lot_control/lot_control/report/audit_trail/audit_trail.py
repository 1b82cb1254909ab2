# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

"""Audit Trail: every line of the histories the app keeps (lots, units, and recall decisions when
the Recall keeps its events), in plain words, for a lot, a unit, an item or a period. The lines are the
records themselves (record_guard keeps them as written); only records the user may read are shown."""

from dataclasses import dataclass

import frappe
from frappe import _
from frappe.query_builder import Criterion
from frappe.utils import add_days, getdate

from lot_control.arguments import check_filter_permissions, clean_report_filters, refuse_bad_arguments

FILTER_NAMES = {"lot": "Lot", "unit": "Serialized Unit", "item": "Item", "user": "User"}
RECORD_TYPES = ("Lot", "Serialized Unit", "Recall")


@dataclass(frozen=True)
class HistorySource:
	"""A record whose history table is kept by the app, and where its item is. A new kind of
	record with a kept history is one more line in HISTORY_SOURCES."""

	doctype: str
	table_fieldname: str = "history"
	item_field: str | None = None
	lot_field: str | None = None


HISTORY_SOURCES = (
	HistorySource("Lot", item_field="item", lot_field="name"),
	HistorySource("Serialized Unit", item_field="item_code"),
	HistorySource("Recall", table_fieldname="events"),  # its decisions; read only where the table exists
)

# The history tables name their columns a little differently: the first one present is used.
COLUMN_CANDIDATES = {
	"event": ("event", "decision", "action"),
	"from_value": ("from_value",),
	"to_value": ("to_value",),
	"from_status": ("from_status",),
	"to_status": ("to_status",),
	"why": ("reason", "note", "remarks", "comment"),
	"qty": ("qty",),
	"who": ("changed_by", "signed_by", "decided_by"),
	"when": ("changed_on", "signed_on", "decided_on"),
	"reference_doctype": ("reference_doctype",),
	"reference_name": ("reference_name",),
}

# What an auditor reads for each event the app records.
PLAIN_EVENTS = {
	"Status Change": "Status changed",
	"Disposal": "Issued or written off",
	"Return to Supplier": "Returned to the supplier",
	"Shelf Life Override": "Shelf-life rule overridden",
	"Expired Use": "Expired stock used",
	"Expiry Change": "Expiry date changed",
	"Produced": "Made by a build",
	"Split": "Split",
	"Customer Return": "Returned by a customer",
	"Stock Count": "Stock count adjustment",
	"Owner Change": "Owner changed",
	"Cost Change": "Cost changed",
	"Document Added": "Document attached",
	"Document Attached": "Document attached",
	"Document Removed": "Document removed",
	"Document Changed": "Document replaced",
	"Registered": "Unit registered",
	"In Production": "Unit went into production",
	"Built": "Unit built",
	"Moved": "Unit moved",
	"Delivered": "Unit delivered to a customer",
	"Returned": "Unit returned by a customer",
	"Consumed": "Unit built into another",
	"Scrapped": "Unit scrapped",
	"Released": "Unit released for reuse",
	"Movement Cancelled": "Movement cancelled",
	"Quality Status": "Quality status changed",
	"Opened": "Recall opened",
	"Stock Held": "Stock held by the recall",
	"Stock Released": "Stock released by the recall",
	"Closed": "Recall closed",
}
CREATION_EVENTS = ("Status Change", "Produced", "Split")


@refuse_bad_arguments
def execute(filters=None):
	filters = frappe._dict(
		clean_report_filters(
			filters,
			names=FILTER_NAMES,
			dates=("from_date", "to_date"),
			choices={"record_type": RECORD_TYPES},
		)
	)
	check_filter_permissions(filters, FILTER_NAMES)
	return get_columns(), get_data(filters)


def get_columns() -> list[dict]:
	return [
		{"label": _("When"), "fieldname": "when", "fieldtype": "Datetime", "width": 160},
		{"label": _("Who"), "fieldname": "who", "fieldtype": "Data", "width": 150},
		{"label": _("Record Type"), "fieldname": "record_type", "fieldtype": "Data", "width": 110},
		{"label": _("Record"), "fieldname": "record", "fieldtype": "Dynamic Link", "options": "record_type", "width": 150},
		{"label": _("Item"), "fieldname": "item", "fieldtype": "Link", "options": "Item", "width": 140},
		{"label": _("What Happened"), "fieldname": "what_happened", "fieldtype": "Data", "width": 200},
		{"label": _("From"), "fieldname": "from_value", "fieldtype": "Data", "width": 120},
		{"label": _("To"), "fieldname": "to_value", "fieldtype": "Data", "width": 120},
		{"label": _("Quantity"), "fieldname": "qty", "fieldtype": "Float", "width": 90},
		{"label": _("Why"), "fieldname": "why", "fieldtype": "Data", "width": 260},
		{"label": _("Document Type"), "fieldname": "document_type", "fieldtype": "Data", "width": 120},
		{"label": _("Document"), "fieldname": "document", "fieldtype": "Dynamic Link", "options": "document_type", "width": 160},
		{"label": _("User ID"), "fieldname": "user", "fieldtype": "Link", "options": "User", "width": 150},
	]


def get_data(filters) -> list[dict]:
	rows = []
	for source in HISTORY_SOURCES:
		if wanted(source, filters):
			rows += history_rows(source, filters)
	names = {row.user for row in rows if row.user}
	full_names = dict(
		frappe.get_all("User", filters={"name": ("in", list(names) or [""])}, fields=["name", "full_name"], as_list=True)
	)
	for row in rows:
		row.who = full_names.get(row.user) or row.user
	rows.sort(key=lambda row: (row.when is None, row.when or 0, row.record_type, row.record, row.idx))
	return rows


def wanted(source: HistorySource, filters) -> bool:
	"""A source is read when its record has a history table, the user may read such records, and
	no filter names another kind of record."""
	if filters.record_type and filters.record_type != source.doctype:
		return False
	if filters.lot and not source.lot_field:
		return False
	if filters.unit and source.doctype != "Serialized Unit":
		return False
	if filters.item and not source.item_field:
		return False
	if not frappe.db.exists("DocType", source.doctype) or not frappe.has_permission(source.doctype, "read"):
		return False
	field = frappe.get_meta(source.doctype).get_field(source.table_fieldname)
	return bool(field and field.fieldtype == "Table")


def history_rows(source: HistorySource, filters) -> list[dict]:
	meta = frappe.get_meta(source.doctype)
	child_doctype = meta.get_field(source.table_fieldname).options
	child_meta = frappe.get_meta(child_doctype)
	columns = {
		key: next((name for name in names if child_meta.has_field(name)), None)
		for key, names in COLUMN_CANDIDATES.items()
	}
	history = frappe.qb.DocType(child_doctype)
	record = frappe.qb.DocType(source.doctype)
	when = history[columns["when"]] if columns["when"] else history.creation
	who = history[columns["who"]] if columns["who"] else history.owner
	selected = [
		history.parent.as_("record"),
		history.idx,
		when.as_("when"),
		who.as_("user"),
		*(history[name].as_(key) for key, name in columns.items() if name and key not in ("when", "who")),
	]
	if source.item_field:
		selected.append(record[source.item_field].as_("item"))
	conditions = [
		history.parenttype == source.doctype,
		history.parentfield == source.table_fieldname,
	]
	if filters.from_date:
		conditions.append(when >= getdate(filters.from_date))
	if filters.to_date:
		conditions.append(when < add_days(getdate(filters.to_date), 1))
	if filters.user:
		conditions.append(who == filters.user)
	if filters.lot:
		conditions.append(record[source.lot_field] == filters.lot)
	if filters.unit:
		conditions.append(history.parent == filters.unit)
	if filters.item:
		conditions.append(record[source.item_field] == filters.item)
	rows = (
		frappe.qb.from_(history)
		.inner_join(record)
		.on(record.name == history.parent)
		.select(*selected)
		.where(Criterion.all(conditions))
		.orderby(when)
		.orderby(history.idx)
	).run(as_dict=True)
	readable = readable_records(source.doctype, {row.record for row in rows})
	return [describe(source, row) for row in rows if row.record in readable]


def readable_records(doctype: str, names: set) -> set:
	"""The records among these the user may read (their roles, User Permissions, sharing)."""
	if not names:
		return set()
	return set(
		frappe.get_list(doctype, filters={"name": ("in", sorted(names))}, pluck="name", limit_page_length=0)
	)


def describe(source: HistorySource, row) -> dict:
	event = row.get("event") or ""
	from_value = row.get("from_value") or row.get("from_status")
	to_value = row.get("to_value") or row.get("to_status")
	what = _(PLAIN_EVENTS.get(event, event))
	if event in CREATION_EVENTS and not row.get("from_status") and not row.get("from_value"):
		what = _("{0} created").format(_(source.doctype))
	return frappe._dict(
		when=row.when,
		user=row.user,
		record_type=source.doctype,
		record=row.record,
		idx=row.idx,
		item=row.get("item"),
		what_happened=what,
		from_value=_(from_value) if from_value else None,
		to_value=_(to_value) if to_value else None,
		qty=row.get("qty"),
		why=row.get("why"),
		document_type=row.get("reference_doctype"),
		document=row.get("reference_name"),
	)
