# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt
"""Stock on hand valued lot by lot, at each lot's own cost, by item, warehouse and owner. The
company's own stock adds up to ERPNext's Stock Balance for the same items; a customer's consigned
stock is shown at its recorded value in a column of its own, not the company's."""

from operator import itemgetter

import frappe
from frappe import _

from lot_control import costing
from lot_control.arguments import check_filter_permissions, clean_report_filters, refuse_bad_arguments
from lot_control.money import rounding_method
from lot_control.packed_rows import cycle_collection_paused
from lot_control.stock_queries import company_lot_balances

FILTER_NAMES = {"company": "Company", "item_code": "Item", "warehouse": "Warehouse", "owner": None}


@refuse_bad_arguments
def execute(filters=None):
	filters = frappe._dict(clean_report_filters(filters, names=FILTER_NAMES))
	check_filter_permissions(filters, FILTER_NAMES)
	if not filters.company:
		frappe.throw(_("Choose a company."))
	with cycle_collection_paused():  # a row per lot in stock, 100,000 and more
		lots = rows(filters)
	# Frappe's own total row (desk and export) would add up quantities and unit costs of different
	# items; this one totals only what adds up, the same in the desk and in the export.
	return columns(), [*lots, total_row(lots)] if lots else lots, None, None, None, 1


def total_row(lots: list[dict]) -> dict:
	return {
		"status": _("Total"),
		"value": sum(row["value"] for row in lots),
		"consigned_value": sum(row["consigned_value"] for row in lots),
		"currency": lots[0]["currency"],
		"is_total_row": 1,
	}


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
		{"fieldname": "currency", "label": _("Currency"), "fieldtype": "Data", "hidden": 1},
	]


def rows(filters):
	"""Status, owner and unit cost come with the balances (a batch without a Lot is released house
	stock at the ledger's rate, as lot_control.stock_queries says it once)."""
	balances = company_lot_balances(filters.company, filters.item_code, filters.warehouse)
	currency = frappe.get_cached_value("Company", filters.company, "default_currency")
	precision = frappe.get_precision("Stock Ledger Entry", "stock_value") or 2
	# Translated and read once, not once per lot; quantities and costs come as floats.
	status_labels = {status: _(status) for status in {row["status"] for row in balances}}
	house = _("House")
	method = rounding_method()
	result = []
	only_house, only_owner = filters.owner == "House", filters.owner if filters.owner != "House" else None
	# Rows read by key: a frappe._dict's attribute read costs several times as much, per lot.
	for row in sorted(balances, key=itemgetter("item_code", "warehouse", "lot")):
		owner = row["owner"]
		if (only_house and owner) or (only_owner and owner != only_owner):
			continue
		qty, unit_cost = row["qty"], row["unit_cost"]
		value = costing.round_money_float(qty * unit_cost, precision, method)
		result.append(
			{
				"item_code": row["item_code"],
				"warehouse": row["warehouse"],
				"lot": row["lot"],
				"status": status_labels[row["status"]],
				"owner": owner or house,
				"qty": qty,
				"unit_cost": unit_cost,
				"value": 0 if owner else value,
				"consigned_value": value if owner else 0,
				"currency": currency,
			}
		)
	return result
