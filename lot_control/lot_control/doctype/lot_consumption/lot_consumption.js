// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Lot Consumption", {
	refresh(frm) {
		frm.disable_save();
		for (const field of ["consumed_lot", "produced_lot"]) {
			if (frm.doc[field]) {
				frm.add_custom_button(__("Open {0}", [frm.doc[field]]), () =>
					frappe.set_route("Form", "Lot", frm.doc[field])
				);
			}
		}
	},
});
