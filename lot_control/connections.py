"""The counts behind Connections on the Lot and Serialized Unit forms.

Frappe counts a connection by one field of the linked DocType that names this record. Some
connections have no such field: a receipt, stock entry or delivery names a lot only inside its
Serial and Batch Bundles, and a genealogy record names a lot (or unit) on either side, consumed or
produced. Those are listed by name (Frappe then opens the list filtered to exactly these names);
every other connection is counted the standard way."""

import frappe
from frappe.desk.notifications import get_external_links

from lot_control import arguments, stock_queries
from lot_control.arguments import refuse_bad_arguments

LOT_VOUCHER_DOCTYPES = (
	"Purchase Receipt",
	"Purchase Invoice",
	"Stock Entry",
	"Delivery Note",
	"Sales Invoice",
)


def lot_documents(lot: str) -> dict[str, list[str]]:
	"""Documents of each voucher type that moved the lot, read from its bundles and ledger."""
	found: dict[str, list[str]] = {}
	for row in stock_queries.vouchers_of_lot(lot):
		names = found.setdefault(row.voucher_type, [])
		if row.voucher_no not in names:
			names.append(row.voucher_no)
	receipt = frappe.db.get_value("Lot", lot, "purchase_receipt")
	if receipt and receipt not in found.setdefault("Purchase Receipt", []):
		found["Purchase Receipt"].append(receipt)
	return found


def genealogy_records(consumed_field: str, produced_field: str, value: str) -> list[str]:
	"""Genealogy records where the lot or unit went in or came out (both directions), cancelled
	builds left out. Two lookups on indexed fields rather than one OR scan."""
	names = []
	for fieldname in (consumed_field, produced_field):
		names += frappe.get_all(
			"Lot Consumption",
			filters={fieldname: value, "is_cancelled": 0},
			pluck="name",
			order_by="creation",
		)
	return list(dict.fromkeys(names))


def lot_named_links(lot: str) -> dict[str, list[str]]:
	documents = lot_documents(lot)
	named = {doctype: documents.get(doctype, []) for doctype in LOT_VOUCHER_DOCTYPES}
	named["Lot Consumption"] = genealogy_records("consumed_lot", "produced_lot", lot)
	return named


def unit_named_links(unit: str) -> dict[str, list[str]]:
	return {"Lot Consumption": genealogy_records("consumed_unit", "produced_unit", unit)}


@frappe.whitelist()
@refuse_bad_arguments
def get_lot_connections(doctype=None, name=None, items=None) -> dict:
	"""Frappe's get_open_count for the Lot form (its dashboard's `method`)."""
	return connection_counts("Lot", arguments.as_name(name, "name", required=True), items, lot_named_links)


@frappe.whitelist()
@refuse_bad_arguments
def get_unit_connections(doctype=None, name=None, items=None) -> dict:
	"""Frappe's get_open_count for the Serialized Unit form (its dashboard's `method`)."""
	return connection_counts(
		"Serialized Unit", arguments.as_name(name, "name", required=True), items, unit_named_links
	)


def connection_counts(doctype: str, name: str, items, named_links) -> dict:
	"""The answer of frappe.desk.notifications.get_open_count: connections listed by name go out
	as internal links (the form opens the list filtered by those names), the rest as Frappe counts
	them. Only documents the user may read are counted."""
	doc = frappe.get_doc(doctype, name)
	doc.check_permission("read")
	links = doc.meta.get_dashboard_data()
	known = [item for group in links.transactions for item in group.get("items")]
	items = (
		[item for item in arguments.as_names(items, "items") if item in known] if items is not None else known
	)

	named = named_links(name)
	internal, external = [], []
	for linked_doctype in items:
		if not frappe.has_permission(linked_doctype, "read"):
			continue
		if linked_doctype in named:
			names = readable(linked_doctype, named[linked_doctype])
			internal.append({"doctype": linked_doctype, "open_count": 0, "count": len(names), "names": names})
		else:
			external.append(get_external_links(linked_doctype, name, links))
	return {"count": {"internal_links_found": internal, "external_links_found": external}}


def readable(doctype: str, names: list[str]) -> list[str]:
	"""The given records the user may read, in one query (the list they open applies the same)."""
	if not names:
		return []
	allowed = set(
		frappe.get_list(doctype, filters={"name": ("in", names)}, pluck="name", limit_page_length=0)
	)
	return [name for name in names if name in allowed]
