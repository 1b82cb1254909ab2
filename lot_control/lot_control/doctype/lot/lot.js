// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

{% include "lot_control/public/js/build_cost.js" %}
{% include "lot_control/public/js/trace_buttons.js" %}

frappe.ui.form.on("Lot", {
	setup(frm) {
		// Everything under Connections is made by stock documents, never from the lot: no "+" there.
		const never = () => false;
		frm.can_make_methods = {};
		for (const group of (frm.meta.__dashboard && frm.meta.__dashboard.transactions) || []) {
			for (const doctype of group.items) frm.can_make_methods[doctype] = never;
		}
	},
	refresh(frm) {
		render_locations(frm);
		label_by_source(frm);
		if (frm.is_new()) return;
		frm.add_custom_button(__("Print Lot Label"), () => lot_control.print_labels("Lot", frm.doc.name, "Lot Label"));
		lot_control.render_build_cost(frm, "build_cost_html", { lot: frm.doc.name });
		if (!["Archived", "Consumed", "Rejected"].includes(frm.doc.status)) {
			frm.add_custom_button(__("Split Lot"), () => split_lot_dialog(frm));
		}

		frm.add_custom_button(__("Change Status"), () => change_status_dialog(frm));
		if ((frm.doc.__onload || {}).can_change_owner) {
			frm.add_custom_button(__("Change Owner"), () => change_owner_dialog(frm));
		}
		if (frm.doc.status === "Archived") {
			frm.add_custom_button(__("Restore"), () => call_and_reload(frm, "restore"));
		} else {
			frm.add_custom_button(__("Archive"), () =>
				frappe.confirm(
					__("Archive lot {0}? It leaves the default list but stays searchable and traceable.", [
						frm.doc.name,
					]),
					() => call_and_reload(frm, "archive")
				)
			);
		}
		frm.add_custom_button(
			__("Stock Ledger"),
			() =>
				frappe.set_route("query-report", "Stock Ledger", {
					company: frm.doc.company,
					item_code: frm.doc.item,
					batch_no: frm.doc.batch,
					from_date: frm.doc.received_date || frappe.datetime.add_months(frappe.datetime.get_today(), -12),
					to_date: frappe.datetime.get_today(),
				}),
			__("View")
		);
		frm.add_custom_button(__("Batch"), () => frappe.set_route("Form", "Batch", frm.doc.batch), __("View"));
		lot_control.add_trace_buttons(frm, { lot: frm.doc.name });
	},
});

// A lot built by a Work Order (or cut from another lot) paid no price and was not received: its
// cost and date are labelled for where it came from.
function label_by_source(frm) {
	const built = !frm.doc.purchase_receipt && !!(frm.doc.work_order || frm.doc.stock_entry) && !frm.doc.parent_lot;
	const split = !!frm.doc.parent_lot;
	const labels = built
		? [__("Unit Cost (built)"), __("Build cost per stock unit: the lots consumed at their own cost, other materials and additional costs, less scrap."), __("Built On")]
		: split
		? [__("Unit Cost"), __("Kept from the lot it was split from."), __("Split On")]
		: [__("Unit Cost"), __("Valuation rate per stock unit actually paid, in company currency."), __("Received Date")];
	frm.set_df_property("unit_cost", "label", labels[0]);
	frm.set_df_property("unit_cost", "description", labels[1]);
	frm.set_df_property("received_date", "label", labels[2]);
}

function split_lot_dialog(frm) {
	const locations = (frm.doc.__onload && frm.doc.__onload.locations) || [];
	const dialog = new frappe.ui.Dialog({
		title: __("Split Lot {0}", [frm.doc.name]),
		fields: [
			{
				fieldname: "warehouse",
				fieldtype: "Select",
				label: __("From Warehouse"),
				reqd: 1,
				options: locations.map((row) => row.warehouse).join("\n"),
				default: locations.length ? locations[0].warehouse : "",
				description: locations
					.map((row) => `${row.warehouse}: ${format_number(row.qty)}`)
					.join(", "),
			},
			{ fieldname: "qty", fieldtype: "Float", label: __("Quantity to Split Off"), reqd: 1 },
			{
				fieldname: "target_warehouse",
				fieldtype: "Link",
				options: "Warehouse",
				label: __("To Warehouse"),
				description: __("Leave empty to keep the new lot in the same warehouse."),
				get_query: () => ({ filters: { company: frm.doc.company, is_group: 0 } }),
			},
			{ fieldname: "storage_bin", fieldtype: "Data", label: __("Storage Bin") },
			{
				fieldname: "new_lot",
				fieldtype: "Data",
				label: __("New Lot Number"),
				description: __("Leave empty for {0}-1, {0}-2, ...", [frm.doc.name]),
			},
		],
		primary_action_label: __("Split"),
		primary_action(values) {
			frappe
				.call({
					method: "lot_control.lot_splitting.split_lot",
					args: { lot: frm.doc.name, ...values },
					freeze: true,
					freeze_message: __("Splitting lot..."),
				})
				.then((r) => {
					dialog.hide();
					frappe.show_alert({
						message: __("Lot {0} split off through {1}", [r.message.lot, r.message.stock_entry]),
						indicator: "green",
					});
					frappe.set_route("Form", "Lot", r.message.lot);
				});
		},
	});
	dialog.show();
}

// Releasing a held-back lot and rejecting one are signed: the server says which new statuses need
// the password (onload signature_meanings), signs with it and then changes the status.
function change_status_dialog(frm) {
	const held_back = ["Quarantine", "On Hold", "Rejected"].includes(frm.doc.status);
	const meanings = (frm.doc.__onload && frm.doc.__onload.signature_meanings) || {};
	const dialog = new frappe.ui.Dialog({
		title: __("Change Status of {0}", [frm.doc.name]),
		fields: [
			{
				fieldname: "status",
				fieldtype: "Select",
				label: __("New Status"),
				reqd: 1,
				// No status chosen until the user picks one, so each pick says whether it is signed.
				options: ["", "Released", "Quarantine", "On Hold", "Rejected", "Archived"]
					.filter((status) => status !== frm.doc.status)
					.join("\n"),
				onchange: () => show_signature(dialog, meanings, held_back),
			},
			{
				fieldname: "reason",
				fieldtype: "Small Text",
				label: __("Reason"),
				reqd: held_back ? 1 : 0,
				description: held_back
					? __("Required to take a lot out of {0}.", [__(frm.doc.status)])
					: "",
			},
			lot_control.signatures.password_field({ hidden: 1 }),
		],
		primary_action_label: __("Change Status"),
		primary_action(values) {
			const args = { status: values.status, reason: values.reason };
			if (meanings[values.status]) args.password = values.password;
			frappe
				.call({ doc: frm.doc, method: "change_status", args })
				.then(() => {
					dialog.hide();
					frm.reload_doc();
				});
		},
	});
	dialog.show();
	show_signature(dialog, meanings, held_back);
}

function show_signature(dialog, meanings, held_back) {
	lot_control.signatures.show_for_status(dialog, meanings[dialog.get_value("status")], {
		reason_required: held_back,
		sign_label: __("Sign and Change Status"),
		label: __("Change Status"),
	});
}

// Whose stock the lot is changes only here: the server checks the role and records the change.
function change_owner_dialog(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Change Owner of {0}", [frm.doc.name]),
		fields: [
			{
				fieldname: "stock_owner",
				fieldtype: "Select",
				label: __("Stock Owner"),
				reqd: 1,
				options: "House\nCustomer",
				default: frm.doc.stock_owner || "House",
			},
			{
				fieldname: "consignment_customer",
				fieldtype: "Link",
				options: "Customer",
				label: __("Consigning Customer"),
				default: frm.doc.consignment_customer,
				depends_on: "eval:doc.stock_owner == 'Customer'",
				mandatory_depends_on: "eval:doc.stock_owner == 'Customer'",
			},
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
		],
		primary_action_label: __("Change Owner"),
		primary_action(values) {
			frappe.call({ doc: frm.doc, method: "change_owner", args: values }).then(() => {
				dialog.hide();
				frm.reload_doc();
			});
		},
	});
	dialog.show();
}

function call_and_reload(frm, method) {
	frappe.call({ doc: frm.doc, method }).then(() => frm.reload_doc());
}

function render_locations(frm) {
	const wrapper = frm.get_field("locations_html").$wrapper;
	const locations = (frm.doc.__onload && frm.doc.__onload.locations) || [];
	if (!locations.length) {
		wrapper.html(`<p class="text-muted">${__("No stock of this lot on hand.")}</p>`);
		return;
	}
	const rows = locations
		.map(
			(row) => `<tr>
				<td><a href="/app/warehouse/${encodeURIComponent(row.warehouse)}">${frappe.utils.escape_html(row.warehouse)}</a></td>
				<td class="text-right">${format_number(row.qty)}</td>
				<td>${row.arrival_date ? frappe.datetime.str_to_user(row.arrival_date) : ""}</td>
			</tr>`
		)
		.join("");
	wrapper.html(`<table class="table table-bordered table-sm">
		<thead><tr><th>${__("Warehouse")}</th><th class="text-right">${__("On Hand")}</th><th>${__(
		"Arrived"
	)}</th></tr></thead>
		<tbody>${rows}</tbody></table>`);
}
