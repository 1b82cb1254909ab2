frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Lot Stock Value by Status"] = {
	method: "lot_control.lot_control.dashboard_chart_source.lot_stock_value_by_status.lot_stock_value_by_status.get",
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
	],
};
