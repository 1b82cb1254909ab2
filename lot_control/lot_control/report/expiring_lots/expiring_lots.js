// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.query_reports["Expiring Lots"] = {
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
			fieldname: "days",
			label: __("Expiring Within (Days)"),
			fieldtype: "Int",
			default: 30,
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
			fieldname: "include_expired",
			label: __("Include Expired"),
			fieldtype: "Check",
			default: 1,
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (data && ["urgency", "days_left", "expiry_date"].includes(column.fieldname)) {
			const colour = data.days_left < 0 ? "red" : data.days_left <= 7 ? "orange" : "#b7791f";
			value = `<span style="color: ${colour}; font-weight: 600">${value}</span>`;
		}
		return value;
	},
};
