// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Work Order", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.docstatus === 0) return;
		lot_control.render_build_cost(frm, "lot_build_cost_html", { work_order: frm.doc.name });
		frm.add_custom_button(
			__("Build Cost"),
			() => frappe.set_route("query-report", "Build Cost", { work_order: frm.doc.name, from_date: "", show_lots: 1 }),
			__("View")
		);
		frm.add_custom_button(
			__("Lot Genealogy"),
			() => frappe.set_route("List", "Lot Consumption", { work_order: frm.doc.name }),
			__("View")
		);
	},
});
