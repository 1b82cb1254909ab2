// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.query_reports["Build Cost"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -1),
		},
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "item_code", label: __("Produced Item"), fieldtype: "Link", options: "Item" },
		{ fieldname: "work_order", label: __("Work Order"), fieldtype: "Link", options: "Work Order" },
		{
			fieldname: "owner",
			label: __("Owner"),
			fieldtype: "Data",
			description: __("House, or a customer whose consigned stock was built"),
		},
		{ fieldname: "show_lots", label: __("Show Consumed Lots"), fieldtype: "Check", default: 1 },
	],
	tree: true,
	name_field: "row_key",
	parent_field: "parent_row",
	initial_depth: 1,
};
