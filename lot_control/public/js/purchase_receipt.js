// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// The receipt's lots: under its lines, under View, and on a sheet of labels.

frappe.ui.form.on("Purchase Receipt", {
	setup(frm) {
		// A lot is made by the receipt itself, never from its Connections.
		frm.can_make_methods = Object.assign(frm.can_make_methods || {}, { Lot: () => false });
	},
	refresh(frm) {
		lot_control.render_line_lots(frm);
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
			frm.add_custom_button(__("Print Lot Labels"), () => lot_control.print_labels(frm.doctype, frm.doc.name, "Lot Labels (A4)"));
		}
	},
});

// Receiving by scan: a supplier's label (GS1, DigiKey/Mouser DataMatrix, LCSC or TME QR) goes to
// lot_control.scanning first; the server picks the item, the line and the lot data, or refuses with
// the reason. A plain item barcode is left in the field for ERPNext's own scan handler, which runs next.
frappe.ui.form.on("Purchase Receipt", {
	async scan_barcode(frm) {
		const scanned = frm.doc.scan_barcode;
		if (!scanned || frm.doc.docstatus !== 0) return;
		let answer;
		try {
			answer = (
				await frappe.call({
					method: "lot_control.scanning.resolve_receipt_scan",
					args: { barcode: scanned, receipt: frm.doc },
					freeze: true,
				})
			).message;
		} catch (error) {
			lot_control.clear_scan_field(frm); // refused: the server's message already says why
			return;
		}
		if (!answer) return;
		lot_control.clear_scan_field(frm);
		await lot_control.apply_receipt_scan(frm, answer);
	},
});

frappe.provide("lot_control");

lot_control.apply_receipt_scan = async function (frm, answer) {
	let row = answer.row && (frm.doc.items || []).find((line) => line.name === answer.row);
	if (!row) {
		row = (frm.doc.items || []).find((line) => !line.item_code) || frm.add_child("items");
		frappe.flags.trigger_from_barcode_scanner = true;
		await frappe.model.set_value(row.doctype, row.name, "item_code", answer.item_code);
		await frappe.after_ajax();
		frappe.flags.trigger_from_barcode_scanner = false;
	}
	const { item_code, ...values } = answer.values;
	await frappe.model.set_value(row.doctype, row.name, values);
	frm.refresh_field("items");
	frappe.show_alert({ message: answer.message, indicator: "green" });
};
