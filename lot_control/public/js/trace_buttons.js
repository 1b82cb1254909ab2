// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// "Trace Forward / Trace Backward" under View on the forms a recall starts from.

frappe.provide("lot_control");

lot_control.add_trace_buttons = function (frm, filters, directions) {
	for (const direction of directions || ["Forward", "Backward"]) {
		frm.add_custom_button(
			direction === "Forward" ? __("Trace Forward") : __("Trace Backward"),
			() => frappe.set_route("query-report", "Lot Trace", Object.assign({ direction }, filters)),
			__("View")
		);
	}
};
