// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// Delivery Note: a scanned lot or unit label picks that exact lot or unit (scanning.js); this
// handler runs before ERPNext's own scanner, which takes whatever names no lot or unit.

frappe.ui.form.on("Delivery Note", {
	scan_barcode: (frm) => lot_control.scan_for_issue(frm),
});
