# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.utils.dashboard import cache_source

from lot_control import arguments
from lot_control.arguments import refuse_bad_arguments
from lot_control.dashboard import stock_value_by_status


@frappe.whitelist()
@refuse_bad_arguments
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
	refresh=None,
):
	"""Stock value by lot status: how much money sits in quarantine, on hold or expired. The chart
	is named (chart_name) or given (chart, a JSON object) before Frappe's cache looks it up."""
	frappe.has_permission("Lot", "read", throw=True)
	chart_name = arguments.as_name(chart_name, "chart_name")
	if not chart_name:
		chart = arguments.as_filters(chart, "chart")
		if not chart.get("name"):
			raise arguments.ArgumentError("chart_name or chart (with its name) is required.")
	filters = arguments.as_filters(filters)
	company = arguments.as_name(filters.get("company"), "filters.company")
	arguments.check_filter_permissions({"company": company}, {"company": "Company"})
	return cached_figures(
		chart_name=chart_name, chart=frappe.as_json(chart) if chart else None, no_cache=no_cache, filters={"company": company}, refresh=refresh
	)


@cache_source
def cached_figures(chart_name=None, chart=None, no_cache=None, filters=None, refresh=None, **kwargs):
	filters = frappe.parse_json(filters) or {}
	figures = stock_value_by_status(filters.get("company"))
	return {
		"labels": [_(status) for status in figures["labels"]],
		"datasets": [{"name": _("Stock Value"), "values": figures["values"]}],
	}
