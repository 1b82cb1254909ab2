// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Recall", {
	refresh(frm) {
		// The trace was taken for these suspects: fixed once saved (the server refuses changes too).
		frm.set_df_property("suspect_lots", "read_only", frm.is_new() ? 0 : 1);
		if (frm.is_new()) return;
		if (frm.doc.status !== "Closed") {
			frm.add_custom_button(__("Hold Affected Stock"), () =>
				frappe.confirm(
					__("Set every affected lot and unit still in stock to {0}, with this recall as the reason?", [__(frm.doc.hold_as || "On Hold")]),
					() =>
						frm.call("hold_affected_stock", { status: frm.doc.hold_as }).then((r) => {
							frappe.show_alert({ message: __("{0} lots and units held", [(r.message || []).length]), indicator: "orange" });
							frm.reload_doc();
						})
				)
			);
		}
		const lots = (frm.doc.suspect_lots || []).map((row) => row.lot);
		frm.add_custom_button(
			__("Trace Today"),
			() =>
				frappe.set_route("query-report", "Lot Trace", {
					direction: "Forward",
					lot: lots.length === 1 ? lots[0] : undefined,
					supplier: frm.doc.supplier,
					supplier_batch_code: lots.length === 1 ? undefined : frm.doc.supplier_batch_code,
				}),
			__("View")
		);
	},
});
