# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt
"""Stock on hand valued lot by lot, at each lot's own cost, by item, warehouse and owner. The
company's own stock adds up to ERPNext's Stock Balance for the same items; a customer's consigned
stock is shown at its recorded value in a column of its own, not the company's."""

import frappe
from frappe import _
from frappe.utils import flt

from lot_control.stock_queries import company_lot_balances


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not filters.company:
		frappe.throw(_("Choose a company."))
	return columns(), rows(filters)


def columns():
	currency = {"fieldtype": "Currency", "options": "currency", "width": 130}
	return [
		{"fieldname": "item_code", "label": _("Item"), "fieldtype": "Link", "options": "Item", "width": 160},
		{"fieldname": "warehouse", "label": _("Warehouse"), "fieldtype": "Link", "options": "Warehouse", "width": 170},
		{"fieldname": "lot", "label": _("Lot"), "fieldtype": "Link", "options": "Lot", "width": 150},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 90},
		{"fieldname": "owner", "label": _("Owner"), "fieldtype": "Data", "width": 150},
		{"fieldname": "qty", "label": _("Qty"), "fieldtype": "Float", "width": 90},
		{"fieldname": "unit_cost", "label": _("Unit Cost"), **currency},
		{"fieldname": "value", "label": _("Value"), **currency},
		{"fieldname": "consigned_value", "label": _("Consigned Value"), **currency},
		{"fieldname": "currency", "label": _("Currency"), "fieldtype": "Link", "options": "Currency", "hidden": 1},
	]


def rows(filters):
	balances = company_lot_balances(filters.company, filters.item_code, filters.warehouse)
	lots = {row.batch_no for row in balances}
	facts = {
		lot.name: lot
		for lot in frappe.get_all(
			"Lot",
			filters={"name": ("in", list(lots) or [""])},
			fields=["name", "unit_cost", "status", "consignment_customer"],
		)
	}
	fallback_rates = ledger_rates([lot for lot in lots if lot not in facts])
	currency = frappe.get_cached_value("Company", filters.company, "default_currency")
	precision = frappe.get_precision("Stock Ledger Entry", "stock_value") or 2
	result = []
	for row in sorted(balances, key=lambda row: (row.item_code, row.warehouse, row.batch_no)):
		lot = facts.get(row.batch_no) or frappe._dict(status="Released", consignment_customer=None, unit_cost=fallback_rates.get(row.batch_no, 0))
		owner = lot.consignment_customer
		if filters.owner == "House" and owner:
			continue
		if filters.owner and filters.owner != "House" and owner != filters.owner:
			continue
		value = flt(flt(row.qty) * flt(lot.unit_cost), precision)
		result.append(
			{
				"item_code": row.item_code,
				"warehouse": row.warehouse,
				"lot": row.batch_no,
				"status": _(lot.status),
				"owner": owner or _("House"),
				"qty": flt(row.qty),
				"unit_cost": flt(lot.unit_cost),
				"value": 0 if owner else value,
				"consigned_value": value if owner else 0,
				"currency": currency,
			}
		)
	return result


def ledger_rates(lots) -> dict:
	"""A batch made before the app has no Lot: value it as ERPNext's bundles did."""
	if not lots:
		return {}
	rows = frappe.db.sql(
		"""
		select entry.batch_no, sum(entry.stock_value_difference) / nullif(sum(entry.qty), 0) as rate
		from `tabSerial and Batch Entry` entry
		inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
		where entry.batch_no in %(lots)s and bundle.docstatus = 1 and bundle.is_cancelled = 0
		group by entry.batch_no
		""",
		{"lots": lots},
		as_dict=True,
	)
	return {row.batch_no: flt(row.rate) for row in rows}
