// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// Stock Entry: the lots each posted line moved, and Lots per Unit only where the entry builds
// serialized units (the server says which items those are).

frappe.ui.form.on("Stock Entry", {
	refresh(frm) {
		lot_control.render_line_lots(frm);
		toggle_lots_per_unit(frm);
	},
	purpose: toggle_lots_per_unit,
	work_order: toggle_lots_per_unit,
	// A scanned lot or unit label picks that exact lot or unit (scanning.js), before ERPNext's scanner.
	scan_barcode: (frm) => lot_control.scan_for_issue(frm),
});

frappe.ui.form.on("Stock Entry Detail", {
	item_code: toggle_lots_per_unit,
	is_finished_item: toggle_lots_per_unit,
	t_warehouse: toggle_lots_per_unit,
	items_remove: toggle_lots_per_unit,
});

function toggle_lots_per_unit(frm) {
	const show = (shown) => frm.toggle_display("unit_lot_assignment_section", shown);
	if ((frm.doc.unit_lot_assignments || []).length) return show(true);
	const produced = (frm.doc.items || [])
		.filter((row) => row.item_code && row.t_warehouse && (row.is_finished_item || !row.s_warehouse))
		.map((row) => row.item_code);
	if (frm.doc.purpose !== "Manufacture" || !produced.length) return show(false);
	const key = produced.slice().sort().join("\n");
	if (frm.__lots_per_unit && frm.__lots_per_unit.key === key) return show(frm.__lots_per_unit.tracked);
	frappe.xcall("lot_control.desk.items_track_units", { item_codes: produced }).then((tracked) => {
		frm.__lots_per_unit = { key, tracked: !!tracked };
		show(!!tracked);
	});
}
