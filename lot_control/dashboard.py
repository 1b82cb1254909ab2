"""Figures for the Lot Control workspace, each one query."""

import frappe
from frappe.utils import add_days, cint, flt, nowdate

from lot_control.picking import LOT_STATUSES


@frappe.whitelist()
def lots_expiring_soon(filters=None) -> dict:
	"""Lots with stock on hand that expire between today and `days` (default 30) from now."""
	frappe.has_permission("Lot", "read", throw=True)
	days = cint((frappe.parse_json(filters) or {}).get("days") or 30)
	count = frappe.db.sql(
		"""
		select count(*) from (
			select entry.batch_no
			from `tabSerial and Batch Entry` entry
			inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
			where bundle.docstatus = 1 and bundle.is_cancelled = 0 and entry.batch_no is not null
			group by entry.batch_no
			having sum(entry.qty) > 0
		) on_hand
		inner join `tabBatch` batch on batch.name = on_hand.batch_no
		inner join `tabLot` lot on lot.name = on_hand.batch_no
		where batch.expiry_date between %(today)s and %(horizon)s
		""",
		{"today": nowdate(), "horizon": add_days(nowdate(), days)},
	)[0][0]
	return {"value": count, "fieldtype": "Int", "route": ["query-report", "Expiring Lots"]}


def stock_value_by_status(company: str | None = None) -> dict:
	"""On-hand quantity x each lot's own unit cost, summed per lot status."""
	rows = frappe.db.sql(
		"""
		select lot.status, sum(on_hand.qty * lot.unit_cost) as value
		from (
			select entry.batch_no, sum(entry.qty) as qty
			from `tabSerial and Batch Entry` entry
			inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
			where bundle.docstatus = 1 and bundle.is_cancelled = 0 and entry.batch_no is not null
			group by entry.batch_no
			having sum(entry.qty) > 0
		) on_hand
		inner join `tabLot` lot on lot.name = on_hand.batch_no
		where (%(company)s is null or lot.company = %(company)s)
		group by lot.status
		""",
		{"company": company or None},
	)
	values = dict(rows)
	statuses = [status for status in LOT_STATUSES if status in values]
	return {"labels": statuses, "values": [flt(values[status], 2) for status in statuses]}
