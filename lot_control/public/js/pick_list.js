// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// Pick List: a scanned lot or unit label marks that exact lot or unit picked on a row of its item
// (scanning.js). ERPNext's Pick List form reads and empties the scan field in a handler of its
// own, registered before this file loads, so ours is moved in front of it; ERPNext's then takes
// whatever names no lot or unit.

frappe.ui.form.on("Pick List", {
	scan_barcode: (frm) => lot_control.scan_for_issue(frm),
});
(function run_lot_scan_first() {
	const handlers = frappe.ui.form.get_event_handler_list("Pick List", "scan_barcode");
	handlers.unshift(handlers.pop());
})();
