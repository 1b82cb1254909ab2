// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// Scanning into a document. Receiving (purchase_receipt.js) and picking share clear_scan_field.
// Picking by scan in a Stock Entry, Delivery Note or Pick List: a supplier's label, a GS1 label or
// Digital Link, or our own lot or unit label goes to lot_control.issue_scanning first. The server
// picks the exact lot or unit and the line, or refuses at once saying why the movement may not take
// it. A text that names no lot or unit (a plain item barcode) is left in the field for ERPNext's own
// scanner, which runs next.

frappe.provide("lot_control");

// The order the values are set in: the switch to serial/batch fields, the place, then the quantity
// and last the lot and serials, so no ERPNext handler of an earlier field clears a later one.
const ISSUE_SCAN_FIELD_ORDER = [
	"use_serial_batch_fields",
	"s_warehouse",
	"warehouse",
	"qty",
	"picked_qty",
	"batch_no",
	"serial_no",
];

lot_control.scan_for_issue = async function (frm) {
	const scanned = frm.doc.scan_barcode;
	if (!scanned) return;
	let answer;
	try {
		answer = (
			await frappe.call({
				method: "lot_control.issue_scanning.resolve_issue_scan",
				args: { barcode: scanned, doctype: frm.doctype, document: frm.doc },
				freeze: true,
			})
		).message;
	} catch (error) {
		lot_control.clear_scan_field(frm); // refused: the server's message already says why
		return;
	}
	if (!answer) return;
	lot_control.clear_scan_field(frm);
	await lot_control.apply_issue_scan(frm, answer);
};

lot_control.apply_issue_scan = async function (frm, answer) {
	const lines = frm.doc[answer.table] || [];
	let row = answer.row && lines.find((line) => line.name === answer.row);
	// As ERPNext's own scanner: no serial/batch selector while the scan sets the lot itself.
	frappe.flags.hide_serial_batch_dialog = true;
	frappe.flags.trigger_from_barcode_scanner = true;
	try {
		if (!row) {
			row = lines.find((line) => !line.item_code) || frm.add_child(answer.table);
			await frappe.model.set_value(row.doctype, row.name, "item_code", answer.item_code);
			await frappe.after_ajax();
		}
		for (const fieldname of ISSUE_SCAN_FIELD_ORDER) {
			if (fieldname in answer.values) {
				await frappe.model.set_value(row.doctype, row.name, fieldname, answer.values[fieldname]);
			}
		}
		await frappe.after_ajax();
	} finally {
		frappe.flags.hide_serial_batch_dialog = false;
		frappe.flags.trigger_from_barcode_scanner = false;
	}
	frm.refresh_field(answer.table);
	frappe.show_alert({ message: answer.message, indicator: "green" });
	if ((answer.warnings || []).length) {
		frappe.msgprint({
			title: __("Scanned Lot"),
			message: answer.warnings.join("<br>"),
			indicator: "orange",
		});
	}
};

lot_control.clear_scan_field = function (frm) {
	// Emptied without firing the change event again; ERPNext's handler then finds nothing to do.
	frm.doc.scan_barcode = "";
	frm.fields_dict.scan_barcode.set_input("");
};
