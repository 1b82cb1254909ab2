"""Figures for the Lot Control workspace, each one query over the one "on hand" query."""

import frappe
from frappe.utils import add_days, nowdate

from lot_control import arguments
from lot_control.arguments import refuse_bad_arguments
from lot_control.money import round_money
from lot_control.picking import LOT_STATUSES
from lot_control.stock_queries import LOT_STATUS_SQL, LOT_UNIT_COST_SQL, on_hand_sql


@frappe.whitelist()
@refuse_bad_arguments
def lots_expiring_soon(filters=None) -> dict:
	"""Lots with stock on hand that expire between today and `days` (default 30) from now."""
	frappe.has_permission("Lot", "read", throw=True)
	days = arguments.as_days(arguments.as_filters(filters).get("days"), "filters.days")
	on_hand, params = on_hand_sql(per_warehouse=False)
	count = frappe.db.sql(
		f"""
		select count(*)
		from ({on_hand}) on_hand
		inner join `tabBatch` batch on batch.name = on_hand.lot
		where on_hand.qty > 0 and batch.expiry_date between %(today)s and %(horizon)s
		""",
		{**params, "today": nowdate(), "horizon": add_days(nowdate(), days)},
	)[0][0]
	return {"value": count, "fieldtype": "Int", "route": ["query-report", "Expiring Lots"]}


def stock_value_by_status(company: str | None = None) -> dict:
	"""On-hand quantity x each lot's own unit cost, summed per lot status."""
	on_hand, params = on_hand_sql(company=company or None)
	rows = frappe.db.sql(
		f"""
		select {LOT_STATUS_SQL} as status, sum(on_hand.qty * {LOT_UNIT_COST_SQL}) as value
		from ({on_hand}) on_hand
		left join `tabLot` lot on lot.name = on_hand.lot
		where on_hand.qty > 0
		group by {LOT_STATUS_SQL}
		""",
		params,
	)
	values = dict(rows)
	statuses = [status for status in LOT_STATUSES if status in values]
	return {"labels": statuses, "values": [round_money(values[status]) for status in statuses]}
