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
	// Rows come depth first with their indent; everything is shown expanded, so what is shown is
	// what Export writes (it writes only the visible rows).
	onload(report) {
		// The FSMA 204 records of every lot the trace shows (the server checks what the user may read).
		report.page.add_inner_button(__("FSMA 204 Spreadsheet"), () => {
			const lots = [
				...new Set(
					(report.data || [])
						.filter((row) => ["Lot", "Batch"].includes(row.node_doctype))
						.map((row) => row.node_name || row.node)
				),
			];
			if (!lots.length) {
				frappe.msgprint(__("Run a trace first: the spreadsheet lists the events of the lots it shows."));
				return;
			}
			open_url_post("/api/method/lot_control.api.traceability_spreadsheet", { lots: JSON.stringify(lots), format: "xlsx" });
		});
	},
	tree: true,
	name_field: "row_key",
	parent_field: "parent_row",
	formatter(value, row, column, data, default_formatter) {
		if (!data) return default_formatter(value, row, column, data);
		if (column.fieldname === "node") {
			if (!data.node_doctype) return `<b>${frappe.utils.escape_html(value || "")}</b>`;
			return lot_trace_link_to(data.node_doctype, data.node_name || value, value);
		}
		if (column.fieldname === "work_order" && value) return lot_trace_links_to("Work Order", value);
		if (column.fieldname === "voucher_no" && value && data.voucher_type) return lot_trace_links_to(data.voucher_type, value);
		return default_formatter(value, row, column, data);
	},
};

function lot_trace_link_to(doctype, name, label) {
	const route = frappe.router.slug(doctype);
	return `<a href="/app/${route}/${encodeURIComponent(name)}" data-doctype="${frappe.utils.escape_html(doctype)}"
		data-name="${frappe.utils.escape_html(name)}">${frappe.utils.escape_html(label || name)}</a>`;
}

// A row reached through several builds names them all ("WO-1, WO-2"): each one is its own link.
function lot_trace_links_to(doctype, names) {
	return String(names)
		.split(",")
		.map((name) => name.trim())
		.filter(Boolean)
		.map((name) => lot_trace_link_to(doctype, name))
		.join(", ");
}
