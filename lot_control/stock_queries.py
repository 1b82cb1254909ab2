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


def company_lot_balances(company: str, item_code: str | None = None, warehouse: str | None = None) -> list[dict]:
	"""Every lot's balance per item and warehouse of a company (a warehouse filter takes its
	children too), in one query: submitted bundles, plus batch Stock Ledger Entries from before v15."""
	bounds = (frappe.db.get_value("Warehouse", warehouse, ["lft", "rgt"]) if warehouse else None) or (None, None)
	return frappe.db.sql(
		"""
		select item_code, warehouse, batch_no, sum(qty) as qty from (
			select bundle.item_code, entry.warehouse, entry.batch_no, entry.qty
			from `tabSerial and Batch Entry` entry
			inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
			inner join `tabWarehouse` warehouse on warehouse.name = entry.warehouse
			where bundle.docstatus = 1 and bundle.is_cancelled = 0 and ifnull(entry.batch_no, '') != ''
				and warehouse.company = %(company)s
				and (%(item_code)s is null or bundle.item_code = %(item_code)s)
				and (%(lft)s is null or (warehouse.lft >= %(lft)s and warehouse.rgt <= %(rgt)s))
			union all
			select sle.item_code, sle.warehouse, sle.batch_no, sle.actual_qty
			from `tabStock Ledger Entry` sle
			inner join `tabWarehouse` warehouse on warehouse.name = sle.warehouse
			where sle.is_cancelled = 0 and ifnull(sle.batch_no, '') != ''
				and ifnull(sle.serial_and_batch_bundle, '') = ''
				and warehouse.company = %(company)s
				and (%(item_code)s is null or sle.item_code = %(item_code)s)
				and (%(lft)s is null or (warehouse.lft >= %(lft)s and warehouse.rgt <= %(rgt)s))
		) movements
		group by item_code, warehouse, batch_no
		having round(sum(qty), 6) > 0
		""",
		{"company": company, "item_code": item_code or None, "lft": bounds[0], "rgt": bounds[1]},
		as_dict=True,
	)


def get_lot_balances(lots: list[str]) -> dict:
	"""On-hand quantity of each (lot, warehouse) for the given lots, in two grouped queries."""
	if not lots:
		return {}
	entry = frappe.qb.DocType("Serial and Batch Entry")
	bundle = frappe.qb.DocType("Serial and Batch Bundle")
	bundled = (
		frappe.qb.from_(entry)
		.inner_join(bundle)
		.on(bundle.name == entry.parent)
		.select(entry.batch_no, entry.warehouse, Sum(entry.qty).as_("qty"))
		.where(entry.batch_no.isin(lots) & (bundle.docstatus == 1) & (bundle.is_cancelled == 0))
		.groupby(entry.batch_no, entry.warehouse)
	).run(as_dict=True)
	sle = frappe.qb.DocType("Stock Ledger Entry")
	legacy = (
		frappe.qb.from_(sle)
		.select(sle.batch_no, sle.warehouse, Sum(sle.actual_qty).as_("qty"))
		.where(
			sle.batch_no.isin(lots)
			& (sle.is_cancelled == 0)
			& ((sle.serial_and_batch_bundle.isnull()) | (sle.serial_and_batch_bundle == ""))
		)
		.groupby(sle.batch_no, sle.warehouse)
	).run(as_dict=True)
	balances = {}
	for row in [*bundled, *legacy]:
		key = (row.batch_no, row.warehouse)
		balances[key] = balances.get(key, 0) + flt(row.qty)
	return balances
