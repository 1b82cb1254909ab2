"""The records one voucher makes (its Lots, its Lot Consumption edges) written together.

Each document goes through the steps of Frappe's Document.insert, in the same order and with the
same hooks (defaults, owner and timestamps, before_insert, naming, validate and Frappe's field
checks, after_insert, on_update, global search, version), so the rows written are the ones insert()
writes. What differs: the values its links fetch (an Item's name, a Company's currency) are read in
one query per linked DocType for all the documents, instead of one per document and link, and the
rows are written in one statement per table. Used by the app's own services only: what a person
enters (desk, REST, Data Import) is still inserted one by one.
"""

from collections import defaultdict

import frappe
from frappe.core.doctype.file.utils import relink_mismatched_files
from frappe.desk.form.document_follow import follow_document
from frappe.model.document import Document


def insert_all(docs: list[Document]):
	"""Insert documents of one DocType made by the app, together. Documents whose linked records
	are missing are inserted one by one, so insert() refuses them as it would."""
	if not docs:
		return
	doctype = docs[0].doctype
	if any(doc.doctype != doctype for doc in docs):
		frappe.throw(
			f"insert_all takes documents of one DocType, not {sorted({doc.doctype for doc in docs})}"
		)
	for doc in docs:
		doc.flags.notifications_executed = []
		doc.flags.ignore_permissions = True
		doc.set("__islocal", True)
		doc._set_defaults()
		doc.set_user_and_timestamp()
		doc.set_docstatus()
		doc.check_permission("create")
		doc.check_if_latest()
	unlinked = set() if docs[0].flags.ignore_links else fetch_linked_values(docs)
	for doc in [doc for doc in docs if id(doc) in unlinked]:
		doc.insert()
	docs = [doc for doc in docs if id(doc) not in unlinked]
	for doc in docs:
		doc.run_method("before_insert")
		doc.set_new_name(set_child_names=True)
		doc.set_parent_in_children()
		doc.validate_higher_perm_levels()
		doc.flags.in_insert = True
		doc.run_before_save_methods()
		doc._validate()
		doc.set_docstatus()
		doc.flags.in_insert = False
	write_rows(docs)
	for doc in docs:
		doc.run_method("after_insert")
		doc.flags.in_insert = True
		relink_mismatched_files(doc)
		doc.run_post_save_methods()
		doc.flags.in_insert = False
		for attribute in ("__islocal", "__unsaved"):
			if hasattr(doc, attribute):
				delattr(doc, attribute)
		if frappe.get_cached_value("User", frappe.session.user, "follow_created_documents"):
			follow_document(doc.doctype, doc.name, frappe.session.user)


def insert_ledger_rows(docs: list[Document]):
	"""Records the app keeps as a ledger keeps its entries (a build's Lot Consumption edges: no role may
	create or edit them, and each comes from bundles ERPNext has just validated and posted), written
	as ERPNext writes the Serial Nos it makes in bulk (SerialBatchCreation.make_serial_nos): each
	named, stamped and given its controller's before_insert, then all in one statement, without the
	rest of Document.insert (validation hooks, version, search, realtime), which cost most of a
	build's own time. Their DocType has no defaults, fetched values or version to set."""
	if not docs:
		return
	for doc in docs:
		doc.set("__islocal", True)
		doc.set_user_and_timestamp()
		doc.set_docstatus()
		doc.run_method("before_insert")
		doc.set_new_name()
	insert_rows(docs)
	for doc in docs:
		delattr(doc, "__islocal")


def write_rows(docs: list[Document]):
	"""One INSERT per table: the documents', then each child table's rows."""
	rows = []
	for doc in docs:
		rows.append(doc)
		rows.extend(doc.get_all_children())
	insert_rows(rows)


def insert_rows(rows: list):
	"""Rows ready to be written (named, stamped, checked), in one INSERT per table."""
	by_table = defaultdict(list)
	for row in rows:
		by_table[row.doctype].append(row)
	for doctype, rows in by_table.items():
		values = [row.get_valid_dict(convert_dates_to_str=True, ignore_virtual=True) for row in rows]
		columns = list(values[0])
		frappe.db.bulk_insert(
			doctype, columns, [[value.get(column) for column in columns] for value in values]
		)
		for row in rows:
			row.set("__islocal", False)


def fetch_linked_values(docs: list[Document]) -> set[int]:
	"""Set what each Link field fetches (its "fetch from" fields), as Document._validate_links does,
	with one query per link field for all the documents; links are followed in the DocType's field
	order, so a value fetched by one link (a Lot's item, from its Batch) is there for the next.
	Returns the ids of documents whose linked record does not exist."""
	meta = docs[0].meta
	missing = set()
	for field in meta.get_link_fields():
		targets = meta.get_fields_to_fetch(field.fieldname)
		if not targets:
			continue
		names = list({doc.get(field.fieldname) for doc in docs if doc.get(field.fieldname)})
		if not names:
			continue
		sources = list(dict.fromkeys(target.fetch_from.split(".")[-1] for target in targets))
		# Plain SQL (the columns are the DocType's own field names): frappe.get_all would build the
		# query in Python, for each link of each voucher's records.
		columns = ", ".join(f"`{column}`" for column in dict.fromkeys(["name", *sources]))
		found = {
			row.name.casefold(): row
			for row in frappe.db.sql(
				f"select {columns} from `tab{field.options}` where name in %(names)s",
				{"names": names},
				as_dict=True,
			)
		}
		for doc in docs:
			name = doc.get(field.fieldname)
			if not name:
				continue
			values = found.get(name.casefold())
			if not values:
				missing.add(id(doc))
				continue
			doc.set(field.fieldname, values.name)
			for target in targets:
				if target.get("fetch_if_empty") and doc.get(target.fieldname):
					continue
				doc.set_fetch_from_value(field.options, target, values)
	return missing
