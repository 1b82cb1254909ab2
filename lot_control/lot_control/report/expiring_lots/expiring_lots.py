# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

"""Expiring Lots: stock on hand that expires within the window or already has, so nobody has to
hunt for it. Quantities come from the ledger; value is quantity x the lot's own unit cost."""

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, getdate, nowdate

from lot_control import picking, usage
from lot_control.arguments import check_filter_permissions, clean_report_filters, refuse_bad_arguments
from lot_control.money import round_money
from lot_control.stock_queries import lot_balances, lot_facts

FILTER_NAMES = {"company": "Company", "item_code": "Item", "warehouse": "Warehouse", "owner": None}


@refuse_bad_arguments
def execute(filters=None):
	if isinstance(filters, dict) and filters.get("include_expired") in (None, ""):
		filters = {**filters, "include_expired": 1}  # expired lots are shown unless unticked, as on the form
	filters = frappe._dict(
		clean_report_filters(
			filters, names=FILTER_NAMES, dates=("as_on_date",), days=("days",), flags=("include_expired",)
		)
	)
	check_filter_permissions(filters, FILTER_NAMES)
	return get_columns(), get_data(filters)


def get_columns() -> list[dict]:
	return [
		{"label": _("Lot"), "fieldname": "lot", "fieldtype": "Link", "options": "Lot", "width": 140},
		{"label": _("Item"), "fieldname": "item_code", "fieldtype": "Link", "options": "Item", "width": 160},
		{"label": _("Warehouse"), "fieldname": "warehouse", "fieldtype": "Link", "options": "Warehouse", "width": 160},
		{"label": _("Owner"), "fieldname": "stock_owner", "fieldtype": "Data", "width": 140},
		{"label": _("Status"), "fieldname": "status", "fieldtype": "Data", "width": 90},
		{"label": _("Expiry Date"), "fieldname": "expiry_date", "fieldtype": "Date", "width": 105},
		{"label": _("Days Left"), "fieldname": "days_left", "fieldtype": "Int", "width": 90},
		{"label": _("Shelf Life Left (%)"), "fieldname": "shelf_life_left", "fieldtype": "Percent", "width": 130},
		{"label": _("On Hand"), "fieldname": "qty", "fieldtype": "Float", "width": 100},
		{"label": _("Unit Cost"), "fieldname": "unit_cost", "fieldtype": "Currency", "width": 100},
		{"label": _("Value"), "fieldname": "value", "fieldtype": "Currency", "width": 110},
		{"label": _("Urgency"), "fieldname": "urgency", "fieldtype": "Data", "width": 100},
	]


def urgency(days_left: int) -> str:
	"""Expired, within a week, or later in the window: the colours of the report."""
	if days_left < 0:
		return "Expired"
	if days_left <= 7:
		return "This Week"
	return "Soon"


def get_data(filters) -> list[dict]:
	if not filters.get("company"):
		return []
	today = getdate(filters.get("as_on_date") or nowdate())
	window_days = cint(filters.get("days")) if filters.get("days") not in (None, "") else cint(
		frappe.db.get_single_value("Lot Control Settings", "expiry_warning_days")
	)
	horizon = getdate(add_days(today, window_days))
	# Only the lots that expire by the horizon are looked up in the ledger, not every lot in stock.
	expiring = frappe.db.sql_list(
		f"""select name from `tabBatch` where expiry_date <= %(horizon)s
		{"and item = %(item_code)s" if filters.get("item_code") else ""}""",
		{"horizon": horizon, "item_code": filters.get("item_code")},
	)
	balances = [
		row
		for row in lot_balances(
			expiring, item_code=filters.get("item_code"), warehouse=filters.get("warehouse"), company=filters.company
		)
		if row.qty > 0
	]
	facts = lot_facts(row.lot for row in balances)
	owner_filter = filters.get("owner")
	shelf_lives = dict(
		frappe.get_all(
			"Item",
			filters={"name": ("in", list({row.item_code for row in balances}) or [""])},
			fields=["name", "shelf_life_in_days"],
			as_list=True,
		)
	)
	rows = []
	for balance in balances:
		lot = facts.get(balance.lot)
		if not lot or not lot.expiry_date or getdate(lot.expiry_date) > horizon:
			continue
		owner = lot.owner or "House"
		if owner_filter and owner != owner_filter:
			continue
		days_left = (getdate(lot.expiry_date) - today).days
		if days_left < 0 and not cint(filters.get("include_expired", 1)):
			continue
		candidate = usage.candidate_for(lot, balance.warehouse, flt(balance.qty), set(), True)
		unit_cost = balance.unit_cost
		rows.append(
			{
				"lot": balance.lot,
				"item_code": balance.item_code,
				"warehouse": balance.warehouse,
				"stock_owner": owner,
				"status": lot.status,
				"expiry_date": lot.expiry_date,
				"days_left": days_left,
				"shelf_life_left": shelf_life_left(candidate, lot, shelf_lives.get(balance.item_code), today),
				"qty": flt(balance.qty, 6),
				"unit_cost": unit_cost,
				"value": round_money(flt(balance.qty) * unit_cost),
				"urgency": _(urgency(days_left)),
			}
		)
	return sorted(rows, key=lambda row: (row["expiry_date"], row["lot"], row["warehouse"]))


def shelf_life_left(candidate, lot, shelf_life_in_days, today) -> float | None:
	"""From what is known: the span from manufacture to expiry; without a manufacturing date the
	item's shelf life; with neither, unknown (blank), never a made-up 100 %."""
	if lot.manufacturing_date:
		return flt(picking.remaining_shelf_life_percent(candidate, today), 1)
	if cint(shelf_life_in_days) > 0:
		days_left = (getdate(lot.expiry_date) - today).days
		return flt(min(100.0, max(0.0, days_left * 100.0 / cint(shelf_life_in_days))), 1)
	return None
