// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.query_reports["Lot Trace"] = {
	filters: [
		{
			fieldname: "direction",
			label: __("Direction"),
			fieldtype: "Select",
			options: "Forward\nBackward",
			default: "Forward",
			reqd: 1,
			description: __("Forward: what was made from it and where it went. Backward: what is inside it and where that came from."),
		},
		{ fieldname: "lot", label: __("Lot"), fieldtype: "Link", options: "Batch" },
		{ fieldname: "unit", label: __("Serialized Unit"), fieldtype: "Link", options: "Serialized Unit" },
		{ fieldname: "supplier", label: __("Supplier"), fieldtype: "Link", options: "Supplier" },
		{ fieldname: "supplier_batch_code", label: __("Supplier Batch / Date Code"), fieldtype: "Data" },
		{ fieldname: "purchase_receipt", label: __("Purchase Receipt"), fieldtype: "Link", options: "Purchase Receipt" },
		{ fieldname: "work_order", label: __("Work Order"), fieldtype: "Link", options: "Work Order" },
	],
	tree: true,
	name_field: "row_key",
	parent_field: "parent_row",
	initial_depth: 3,
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "node" && data && data.node_doctype && data.node) {
			const route = frappe.router.slug(data.node_doctype);
			return `<a href="/app/${route}/${encodeURIComponent(data.node)}">${frappe.utils.escape_html(data.node)}</a>`;
		}
		if (column.fieldname === "node" && data && !data.node_doctype) return `<b>${value}</b>`;
		return value;
	},
};
