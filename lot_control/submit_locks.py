"""The locks a stock document takes first when it is submitted, in one fixed order: its lots (the
Batch rows, then the Lot rows, by name), then the Bins of the item and warehouse pairs it moves (by
name).

ERPNext takes its own locks later, while it posts: the Bin it updates, and locking reads of the
ledger after the posting time, which lock the gap where the next entry for that item and warehouse
goes. Two documents posting the same item and warehouse each take that gap lock and then each wait
to insert into it: a deadlock, one of them refused. Taken here first, in one order, the lots and
Bins make the second document wait for the first to commit instead.

A service below the entry points: lot_control.overrides.stock_movement calls it on submit.
"""

from __future__ import annotations

import frappe
from pypika.terms import Tuple

WAREHOUSE_FIELDS = ("warehouse", "s_warehouse", "t_warehouse", "from_warehouse", "target_warehouse", "rejected_warehouse")


def lock_lots_and_bins(doc):
	"""On submit, before ERPNext's own checks: the document's lots, then its Bins, each by name."""
	places = item_warehouse_pairs(doc)
	if not places:
		return
	make_missing_bins(places)
	lots = sorted(lots_of_document(doc))
	if lots:
		frappe.db.sql("select name from `tabBatch` where name in %(lots)s order by name for update", {"lots": lots})
		frappe.db.sql("select name from `tabLot` where name in %(lots)s order by name for update", {"lots": lots})
	bin_table = frappe.qb.DocType("Bin")
	(
		frappe.qb.from_(bin_table)
		.select(bin_table.name)
		.where(Tuple(bin_table.item_code, bin_table.warehouse).isin([Tuple(*place) for place in sorted(places)]))
		.orderby(bin_table.name)
		.for_update()
	).run()


def stock_rows(doc):
	"""Every row of every table that names a stock item (items, packed items, supplied raw materials)."""
	for table in doc.meta.get_table_fields():
		for row in doc.get(table.fieldname) or []:
			item_code = row.get("rm_item_code") or row.get("item_code")
			if item_code:
				yield item_code, row


def item_warehouse_pairs(doc) -> set[tuple[str, str]]:
	"""The (item, warehouse) pairs the document may post, for stock items only."""
	pairs = {
		(item_code, row.get(field))
		for item_code, row in stock_rows(doc)
		for field in WAREHOUSE_FIELDS
		if row.get(field)
	}
	if not pairs:
		return set()
	stock_items = set(
		frappe.get_all("Item", filters={"name": ("in", list({item for item, _warehouse in pairs})), "is_stock_item": 1}, pluck="name")
	)
	return {pair for pair in pairs if pair[0] in stock_items}


def lots_of_document(doc) -> set[str]:
	"""The lots named on the rows and in their draft bundles, read in one query."""
	lots, bundles = set(), set()
	for _item_code, row in stock_rows(doc):
		if row.get("batch_no"):
			lots.add(row.batch_no)
		for field in ("serial_and_batch_bundle", "rejected_serial_and_batch_bundle"):
			if row.get(field):
				bundles.add(row.get(field))
	if bundles:
		lots.update(
			frappe.get_all(
				"Serial and Batch Entry",
				filters={"parent": ("in", sorted(bundles)), "batch_no": ("is", "set")},
				pluck="batch_no",
			)
		)
	return lots


def make_missing_bins(places: set[tuple[str, str]]):
	"""A pair never stocked before has no Bin to lock yet: make it, as ERPNext would while posting."""
	from erpnext.stock.utils import get_or_make_bin

	bin_table = frappe.qb.DocType("Bin")
	existing = {
		(row[0], row[1])
		for row in (
			frappe.qb.from_(bin_table)
			.select(bin_table.item_code, bin_table.warehouse)
			.where(Tuple(bin_table.item_code, bin_table.warehouse).isin([Tuple(*place) for place in sorted(places)]))
		).run()
	}
	for item_code, warehouse in sorted(places - existing):
		get_or_make_bin(item_code, warehouse)
