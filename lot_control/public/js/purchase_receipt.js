// Lots received on this receipt, one click away.
frappe.ui.form.on("Purchase Receipt", {
	refresh(frm) {
		if (frm.doc.docstatus === 1) {
			frm.add_custom_button(
				__("Lots"),
				() => frappe.set_route("List", "Lot", { purchase_receipt: frm.doc.name }),
				__("View")
			);
			frm.add_custom_button(
				__("Trace Forward"),
				() => frappe.set_route("query-report", "Lot Trace", { direction: "Forward", purchase_receipt: frm.doc.name }),
				__("View")
			);
		}
	},
});
