// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Work Order", {
	setup(frm) {
		// Lots, units and genealogy records come from the build itself, never from Connections' "+".
		const never = () => false;
		frm.can_make_methods = Object.assign(frm.can_make_methods || {}, {
			Lot: never,
			"Serialized Unit": never,
			"Lot Consumption": never,
		});
	},
	refresh(frm) {
		if (frm.is_new() || frm.doc.docstatus === 0) return;
		if (frm.doc.docstatus === 1) {
			lot_control.render_build_cost(frm, "lot_build_cost_html", { work_order: frm.doc.name });
		}
		frm.add_custom_button(
			__("Build Cost"),
			() => frappe.set_route("query-report", "Build Cost", { work_order: frm.doc.name, from_date: "", show_lots: 1 }),
			__("View")
		);
		frm.add_custom_button(
			__("Lot Genealogy"),
			() => frappe.set_route("List", "Lot Consumption", { work_order: frm.doc.name }),
			__("View")
		);
		for (const direction of ["Forward", "Backward"]) {
			frm.add_custom_button(
				direction === "Forward" ? __("Trace Forward") : __("Trace Backward"),
				() => frappe.set_route("query-report", "Lot Trace", { direction, work_order: frm.doc.name }),
				__("View")
			);
		}
		if (frm.doc.has_serial_no) add_unit_buttons(frm);
	},
});

function add_unit_buttons(frm) {
	frm.add_custom_button(
		__("Serialized Units"),
		() => frappe.set_route("List", "Serialized Unit", { work_order: frm.doc.name }),
		__("View")
	);
	const open = frm.doc.docstatus === 1 && !["Completed", "Stopped", "Closed"].includes(frm.doc.status);
	if (open) {
		frm.add_custom_button(__("Register Units"), () => register_units_dialog(frm), __("Units"));
		frm.add_custom_button(
			__("Print Unit Labels"),
			() => lot_control.print_labels("Work Order", frm.doc.name, "Unit Labels (A4)"),
			__("Units")
		);
	} else {
		for (const action of ["Release", "Scrap"]) {
			frm.add_custom_button(
				action === "Release" ? __("Release Unbuilt Units") : __("Scrap Unbuilt Units"),
				() =>
					frappe.confirm(
						action === "Release"
							? __("Release the units of {0} that were registered and never built? They will be reused by the next Work Order of {1}.", [frm.doc.name, frm.doc.production_item])
							: __("Scrap the units of {0} that were registered and never built? Their codes will not be used again.", [frm.doc.name]),
						() =>
							frappe.call({
								method: "lot_control.units.release_units",
								args: { work_order: frm.doc.name, action },
								freeze: true,
								callback: (r) => {
									frappe.show_alert({ message: __("{0} units", [(r.message || []).length]), indicator: "green" });
									frm.reload_doc();
								},
							})
					),
				__("Units")
			);
		}
	}
}

function register_units_dialog(frm) {
	frappe.db.count("Serialized Unit", { filters: { work_order: frm.doc.name, status: ["!=", "Scrapped"] } }).then((already) => {
		const missing = Math.max(Math.ceil(frm.doc.qty) - already, 0);
		if (!missing) {
			frappe.msgprint(__("Every unit of {0} is already registered.", [frm.doc.name]));
			return;
		}
		frappe.prompt(
			[
				{
					fieldname: "qty",
					fieldtype: "Int",
					label: __("Units to Register"),
					default: missing,
					reqd: 1,
					description: __("{0} of {1} registered so far.", [already, Math.ceil(frm.doc.qty)]),
				},
			],
			(values) =>
				frappe.call({
					method: "lot_control.units.register_units",
					args: { work_order: frm.doc.name, qty: values.qty },
					freeze: true,
					freeze_message: __("Registering units..."),
					callback: (r) => {
						const units = r.message || [];
						frappe.msgprint({
							title: __("{0} Units Registered", [units.length]),
							indicator: "green",
							message: __("Their labels can be printed now: Units > Print Unit Labels."),
						});
						frm.reload_doc();
					},
				}),
			__("Register Units for {0}", [frm.doc.name]),
			__("Register")
		);
	});
}
