// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.query_reports["Audit Trail"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -1),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
		{
			fieldname: "record_type",
			label: __("Record Type"),
			fieldtype: "Select",
			options: ["", "Lot", "Serialized Unit", "Recall"].join("\n"),
		},
		{ fieldname: "lot", label: __("Lot"), fieldtype: "Link", options: "Lot" },
		{ fieldname: "unit", label: __("Unit"), fieldtype: "Link", options: "Serialized Unit" },
		{ fieldname: "item", label: __("Item"), fieldtype: "Link", options: "Item" },
		{ fieldname: "user", label: __("By User"), fieldtype: "Link", options: "User" },
	],
};
