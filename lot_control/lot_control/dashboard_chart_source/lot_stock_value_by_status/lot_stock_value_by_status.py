# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.utils.dashboard import cache_source

from lot_control.dashboard import stock_value_by_status


@frappe.whitelist()
@cache_source
def get(
	chart_name=None,
	chart=None,
	no_cache=None,
	filters=None,
	from_date=None,
	to_date=None,
	timespan=None,
	time_interval=None,
	heatmap_year=None,
):
	"""Stock value by lot status: how much money sits in quarantine, on hold or expired."""
	frappe.has_permission("Lot", "read", throw=True)
	filters = frappe.parse_json(filters) or {}
	figures = stock_value_by_status(filters.get("company"))
	return {
		"labels": [_(status) for status in figures["labels"]],
		"datasets": [{"name": _("Stock Value"), "values": figures["values"]}],
	}
