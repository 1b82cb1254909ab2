// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

{% include "lot_control/public/js/trace_buttons.js" %}

frappe.ui.form.on("Serialized Unit", {
	setup(frm) {
		// Its stock movements and genealogy are made by stock documents, and its signatures by its
		// quality decisions, never from Connections' "+".
		const never = () => false;
		frm.can_make_methods = Object.assign(frm.can_make_methods || {}, {
			"Lot Consumption": never,
			"Serial and Batch Bundle": never,
			"Electronic Signature": never,
		});
	},
	refresh(frm) {
		render_lots_inside(frm);
		if (frm.is_new()) return;
		frm.add_custom_button(
			__("Print Label"),
			() => lot_control.print_labels("Serialized Unit", frm.doc.name, "Serialized Unit Label")
		);
		frm.add_custom_button(__("Serial No"), () => frappe.set_route("Form", "Serial No", frm.doc.serial_no), __("View"));
		frm.add_custom_button(
			__("Stock Ledger"),
			() =>
				frappe.set_route("query-report", "Stock Ledger", {
					company: frm.doc.company,
					item_code: frm.doc.item_code,
					serial_no: frm.doc.serial_no,
					from_date: frm.doc.built_on || frappe.datetime.add_months(frappe.datetime.get_today(), -12),
					to_date: frappe.datetime.get_today(),
				}),
			__("View")
		);
		lot_control.add_trace_buttons(frm, { unit: frm.doc.name });
		add_quality_status_button(frm);
		if (frm.doc.work_order) {
			frm.add_custom_button(__("Work Order"), () => frappe.set_route("Form", "Work Order", frm.doc.work_order), __("View"));
		}
		if (frm.doc.stock_entry) {
			frm.set_df_property("inside_section", "label", __("Lots Inside and Build Cost"));
		}
	},
});

function add_quality_status_button(frm) {
	// Any user who may edit the unit can hold it; the server lets only a Lot Quality Manager release it.
	if (!frm.perm[0] || !frm.perm[0].write) return;
	const held = frm.doc.quality_status && frm.doc.quality_status !== "Released";
	const is_quality_manager = frm.doc.__onload && frm.doc.__onload.is_quality_manager;
	if (held && !is_quality_manager) return;
	const label = held ? __("Release") : __("Change Quality Status");
	frm.add_custom_button(label, () => unit_quality_status_dialog(frm, held));
}

// Releasing a held unit and rejecting one are signed, as for a lot: the server says which new
// statuses need the password (onload signature_meanings), signs with it and then changes the status.
function unit_quality_status_dialog(frm, held) {
	const meanings = (frm.doc.__onload && frm.doc.__onload.signature_meanings) || {};
	const current = frm.doc.quality_status || "Released";
	const dialog = new frappe.ui.Dialog({
		title: __("Quality Status of {0}", [frm.doc.name]),
		fields: [
			{
				fieldname: "status",
				fieldtype: "Select",
				label: __("New Quality Status"),
				options: frappe.meta
					.get_docfield("Serialized Unit", "quality_status")
					.options.split("\n")
					.filter((status) => status !== current)
					.join("\n"),
				default: held ? "Released" : "On Hold",
				reqd: 1,
				onchange: () => show_unit_signature(dialog, meanings, held),
			},
			{
				fieldname: "reason",
				fieldtype: "Small Text",
				label: __("Reason"),
				reqd: held ? 1 : 0,
				description: held ? __("Required to take a unit out of {0}.", [__(current)]) : "",
			},
			lot_control.signatures.password_field({ hidden: 1 }),
		],
		primary_action_label: __("Change"),
		primary_action(values) {
			const args = { unit: frm.doc.name, status: values.status, reason: values.reason };
			if (meanings[values.status]) args.password = values.password;
			frappe.call("lot_control.units.change_unit_quality_status", args).then(() => {
				dialog.hide();
				frm.reload_doc();
			});
		},
	});
	dialog.show();
	show_unit_signature(dialog, meanings, held);
}

function show_unit_signature(dialog, meanings, held) {
	lot_control.signatures.show_for_status(dialog, meanings[dialog.get_value("status")], {
		reason_required: held,
		sign_label: __("Sign and Change"),
		label: __("Change"),
	});
}

function render_lots_inside(frm) {
	const wrapper = frm.get_field("inside_html").$wrapper;
	const rows = (frm.doc.__onload && frm.doc.__onload.lots_inside) || [];
	if (!rows.length) {
		wrapper.html(`<p class="text-muted">${__("No lots are recorded inside this unit yet: they are attributed when it is built.")}</p>`);
		return;
	}
	const link = (row) =>
		row.unit
			? `<a href="/app/serialized-unit/${encodeURIComponent(row.unit)}">${frappe.utils.escape_html(row.unit)}</a>`
			: `<a href="/app/lot/${encodeURIComponent(row.batch)}">${frappe.utils.escape_html(row.batch)}</a>`;
	const body = rows
		.map(
			(row) => `<tr>
				<td>${"&nbsp;&nbsp;".repeat(row.depth - 1)}${link(row)}</td>
				<td>${frappe.utils.escape_html(row.item_code || "")}</td>
				<td class="text-right">${format_number(row.qty)}</td>
				<td>${frappe.utils.escape_html(row.supplier || "")}${row.supplier_batch_code ? ` <span class="text-muted">(${frappe.utils.escape_html(row.supplier_batch_code)})</span>` : ""}</td>
				<td>${row.purchase_receipt ? `<a href="/app/purchase-receipt/${encodeURIComponent(row.purchase_receipt)}">${frappe.utils.escape_html(row.purchase_receipt)}</a>` : ""}</td>
			</tr>`
		)
		.join("");
	wrapper.html(`<table class="table table-bordered table-sm">
		<thead><tr><th>${__("Lot / Unit")}</th><th>${__("Item")}</th><th class="text-right">${__("Qty in Unit")}</th><th>${__("Supplier (Code)")}</th><th>${__("Receipt")}</th></tr></thead>
		<tbody>${body}</tbody></table>`);
}
