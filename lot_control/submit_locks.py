"""The locks a stock document takes first when it is submitted, in one fixed order: the Bins of the
item and warehouse pairs it moves (by name), then its lots (the Batch rows, then the Lot rows, by
name), lots the app picks included.

ERPNext takes its own locks later, while it posts: the Bin it updates, and locking reads of the
ledger after the posting time, which lock the gap where the next entry for that item and warehouse
goes; the app's own check of a lot's stock reads the lot's entries with a locking read too. Two
documents moving the same item in the same warehouse each take such a gap lock and then each wait
to insert into it: a deadlock, one of them refused. Taken here first, in one order, the Bins and
lots make the second document wait for the first to commit instead.

Bins come first because they are known before the lots are: the app picks lots while it holds the
Bins of the rows it picks for, and locks the lots it chose before it writes their bundles. A
transaction that holds lots therefore holds all its Bins already and never waits for one.

A service below the entry points: lot_control.overrides.stock_movement calls it on submit.
"""

from __future__ import annotations

import frappe
from frappe import _
from pypika.terms import Tuple

from lot_control.exceptions import StockRecordBusyError

BIN_SAVEPOINT = "lot_control_make_bin"
WAREHOUSE_FIELDS = ("warehouse", "s_warehouse", "t_warehouse", "from_warehouse", "target_warehouse", "rejected_warehouse")


def lock_bins(doc):
	"""On submit, first of all: the Bins of every (item, warehouse) the document may post. Found by
	a plain read, then locked by primary key in name order, so only those rows are locked (no gap,
	no row scanned on the way) and always in the same order."""
	places = item_warehouse_pairs(doc)
	if not places:
		return
	names = bins_of(places)
	missing = places - set(names.values())
	if missing:
		make_missing_bins(missing)
		names = bins_of(places)
	frappe.db.sql(
		"select name from `tabBin` where name in %(names)s order by name for update", {"names": sorted(names)}
	)


def bins_of(places: set[tuple[str, str]]) -> dict:
	"""Bin name -> (item, warehouse) of the Bins that exist for these pairs."""
	bin_table = frappe.qb.DocType("Bin")
	rows = (
		frappe.qb.from_(bin_table)
		.select(bin_table.name, bin_table.item_code, bin_table.warehouse)
		.where(Tuple(bin_table.item_code, bin_table.warehouse).isin([Tuple(*place) for place in sorted(places)]))
	).run()
	return {name: (item_code, warehouse) for name, item_code, warehouse in rows}


def lock_lots(lots):
	"""The lots' Batch rows, then their Lot rows, by name (after the Bins). A batch made before the
	app has no Lot: only Lots that exist are locked, so no gap of the Lot table is (a new lot's Lot
	is inserted there)."""
	lots = sorted({lot for lot in lots if lot})
	if not lots:
		return
	frappe.db.sql("select name from `tabBatch` where name in %(lots)s order by name for update", {"lots": lots})
	with_lot = sorted(frappe.get_all("Lot", filters={"name": ("in", lots)}, pluck="name"))
	if with_lot:
		frappe.db.sql("select name from `tabLot` where name in %(lots)s order by name for update", {"lots": with_lot})


def lock_lots_of(doc):
	"""Every lot the document names, on its rows or in their draft bundles."""
	lock_lots(lots_of_document(doc))


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
	"""A pair never stocked before has no Bin to lock yet: make it, as ERPNext would while posting
	(erpnext.stock.utils._create_bin).

	When another document makes the same Bin at the same moment, this insert waits for it and then
	finds it taken, and this transaction cannot read the other's Bin: its snapshot is older. ERPNext's
	posting would fail on it later with "Bin not found"; the submit is refused here instead, with
	nothing written, in words that say to submit again."""
	for item_code, warehouse in sorted(places):
		frappe.db.savepoint(BIN_SAVEPOINT)
		try:
			bin_record = frappe.get_doc(doctype="Bin", item_code=item_code, warehouse=warehouse)
			bin_record.flags.ignore_permissions = True
			bin_record.insert()
		except frappe.UniqueValidationError:
			frappe.db.rollback(save_point=BIN_SAVEPOINT)
			frappe.throw(
				_(
					"Item {0} is being stocked in warehouse {1} for the first time by another document at this"
					" moment. Nothing was posted: submit again."
				).format(frappe.bold(item_code), frappe.bold(warehouse)),
				exc=StockRecordBusyError,
				title=_("Submit Again"),
			)
