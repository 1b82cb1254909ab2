// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Lot Control Settings", {
	refresh(frm) {
		frm.set_query("item", "numbering_rules", () => ({ filters: { has_batch_no: 1 } }));
	},
});
