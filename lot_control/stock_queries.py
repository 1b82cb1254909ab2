"""Questions about lots answered from ERPNext's own stock records (Serial and Batch Bundles and,
for stock posted before v15, Stock Ledger Entries carrying a batch_no). Nothing here is stored."""

import frappe
from frappe.query_builder.functions import Count, Min, Sum
from frappe.utils import flt


def get_lot_locations(lot: str) -> list[dict]:
	"""On-hand quantity of a lot per warehouse, with the date stock first arrived there."""
	rows = frappe.db.sql(
		"""
		select warehouse, sum(qty) as qty, min(case when qty > 0 then posting_date end) as arrival_date
		from (
			select entry.warehouse, entry.qty, bundle.posting_date
			from `tabSerial and Batch Entry` entry
			inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
			where entry.batch_no = %(lot)s and bundle.docstatus = 1 and bundle.is_cancelled = 0
			union all
			select sle.warehouse, sle.actual_qty, sle.posting_date
			from `tabStock Ledger Entry` sle
			where sle.batch_no = %(lot)s and sle.is_cancelled = 0
				and ifnull(sle.serial_and_batch_bundle, '') = ''
		) movements
		group by warehouse
		order by arrival_date, warehouse
		""",
		{"lot": lot},
		as_dict=True,
	)
	return [row for row in rows if flt(row.qty, 6) != 0]


def get_lot_on_hand(lot: str) -> float:
	return flt(sum(row.qty for row in get_lot_locations(lot)), 6)


def count_stock_transactions(lot: str) -> int:
	"""Every stock movement that ever named the lot, cancelled ones included: they are history too."""
	entry = frappe.qb.DocType("Serial and Batch Entry")
	bundle = frappe.qb.DocType("Serial and Batch Bundle")
	bundled = (
		frappe.qb.from_(entry)
		.inner_join(bundle)
		.on(bundle.name == entry.parent)
		.select(Count(entry.name))
		.where((entry.batch_no == lot) & (bundle.docstatus > 0))
	).run()[0][0]
	sle = frappe.qb.DocType("Stock Ledger Entry")
	legacy = (frappe.qb.from_(sle).select(Count(sle.name)).where(sle.batch_no == lot)).run()[0][0]
	return int(bundled or 0) + int(legacy or 0)


def get_bundle_lot_quantities(bundle_name: str) -> list[dict]:
	"""The lots of a Serial and Batch Bundle with their quantities, in row order."""
	entry = frappe.qb.DocType("Serial and Batch Entry")
	return (
		frappe.qb.from_(entry)
		.select(entry.batch_no, Sum(entry.qty).as_("qty"), Min(entry.idx).as_("first_idx"))
		.where((entry.parent == bundle_name) & (entry.parenttype == "Serial and Batch Bundle"))
		.groupby(entry.batch_no)
		.orderby(Min(entry.idx))
	).run(as_dict=True)
