// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.query_reports["Usable Stock"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
			reqd: 1,
		},
		{
			fieldname: "item_code",
			label: __("Item"),
			fieldtype: "Link",
			options: "Item",
			get_query: () => ({ filters: { has_batch_no: 1 } }),
		},
		{
			fieldname: "warehouse",
			label: __("Warehouse"),
			fieldtype: "Link",
			options: "Warehouse",
			get_query: () => {
				const company = frappe.query_report.get_filter_value("company");
				return { filters: company ? { company } : {} };
			},
		},
		{
			fieldname: "owner",
			label: __("Owner"),
			fieldtype: "Data",
			description: __("House for the company's own stock, or the consigning customer"),
		},
		{
			fieldname: "as_on_date",
			label: __("Usable On"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
	],
	tree: true,
	name_field: "group_key",
	parent_field: "parent_group",
	initial_depth: 1,
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (data && data.indent === 0) {
			value = `<b>${value}</b>`;
		}
		return value;
	},
};
