// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.listview_settings["Lot"] = {
	add_fields: ["status", "expiry_date", "item", "supplier", "supplier_batch_code"],
	filters: [["status", "!=", "Archived"]],
	onload(listview) {
		// Stock is the ledger's, never stored on the lot: read for the visible page after each refresh.
		lot_control.list.add_columns(listview, [
			{ fieldname: "lot_on_hand", label: __("On Hand"), fieldtype: "Float" },
			{ fieldname: "lot_warehouses", label: __("Warehouse"), fieldtype: "Data" },
		]);
		listview.page.add_actions_menu_item(__("Change Status"), () => bulk_change_status(listview), false);
		listview.page.add_actions_menu_item(__("Change Expiry Date"), () => bulk_change_expiry(listview), false);
		// Offer grouping by item, status and supplier in the sidebar until the user picks their own.
		const group_by = listview.list_sidebar && listview.list_sidebar.list_group_by;
		if (group_by && !group_by.user_settings.group_by_fields) {
			group_by.group_by_fields = ["assigned_to", "owner", "item", "status", "supplier"];
			group_by.render_group_by_items();
		}
	},
	get_indicator(doc) {
		const colours = {
			Released: "green",
			Quarantine: "orange",
			"On Hold": "yellow",
			Rejected: "red",
			Expired: "red",
			Consumed: "gray",
			Archived: "gray",
		};
		return [__(doc.status), colours[doc.status] || "blue", `status,=,${doc.status}`];
	},
	refresh(listview) {
		show_stock(listview);
	},
	formatters: {
		lot_on_hand(value, df, doc) {
			return `<span class="lot-control-on-hand" data-lot="${frappe.utils.escape_html(doc.name)}"></span>`;
		},
		lot_warehouses(value, df, doc) {
			return `<span class="lot-control-warehouses ellipsis" data-lot="${frappe.utils.escape_html(doc.name)}"></span>`;
		},
		expiry_date(value) {
			if (!value) return "";
			const expired = value < frappe.datetime.get_today();
			const shown = frappe.datetime.str_to_user(value);
			return expired ? `<span class="text-danger">${shown}</span>` : shown;
		},
	},
};

function show_stock(listview) {
	const lots = (listview.data || []).map((doc) => doc.name);
	if (!lots.length) return;
	frappe.xcall("lot_control.desk.lot_list_stock", { lots }).then((stock) => {
		const find = (selector, lot) => listview.$result.find(`${selector}[data-lot="${CSS.escape(lot)}"]`);
		for (const lot of lots) {
			const entry = stock[lot] || { qty: 0, warehouses: [] };
			find(".lot-control-on-hand", lot).text(format_number(entry.qty)).parent().addClass("text-right");
			const warehouses = entry.warehouses.join(", ");
			find(".lot-control-warehouses", lot).text(warehouses).attr("title", warehouses);
		}
	});
}

function selected_lots(listview) {
	return listview.get_checked_items().map((row) => row.name);
}

// Releasing held-back lots and rejecting lots are signed: the server says which of the chosen lots
// the new status needs a signature for; one password signs them all, then they change.
function bulk_change_status(listview) {
	const lots = selected_lots(listview);
	let to_sign = {};
	const show_signature = () => {
		const status = dialog.get_value("status");
		if (!status) return;
		frappe.xcall("lot_control.signatures.lots_to_sign", { lots, status }).then((needed) => {
			to_sign = needed || {};
			const count = Object.keys(to_sign).length;
			const meanings = [...new Set(Object.values(to_sign))].map((meaning) => __(meaning)).join(", ");
			// Redrawing a field puts back its last committed value: a reason typed while the server
			// answered (not yet committed, the desk waits for a pause in typing) is put back after.
			const typed_reason = dialog.get_field("reason").get_input_value();
			dialog.set_df_property("password", "hidden", count ? 0 : 1);
			dialog.set_df_property("password", "reqd", count ? 1 : 0);
			dialog.set_df_property("reason", "reqd", count ? 1 : 0);
			if (typed_reason) dialog.set_value("reason", typed_reason);
			dialog.set_df_property(
				"password",
				"label",
				count ? __("Password: sign {0} for {1} lots", [meanings, count]) : __("Password")
			);
			dialog.set_primary_action(count ? __("Sign and Change Status") : __("Change Status"));
		});
	};
	const dialog = new frappe.ui.Dialog({
		title: __("Change Status of {0} Lots", [lots.length]),
		fields: [
			{
				fieldname: "status",
				fieldtype: "Select",
				label: __("New Status"),
				reqd: 1,
				options: ["", "Released", "Quarantine", "On Hold", "Rejected", "Archived"].join("\n"),
				onchange: () => show_signature(),
			},
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason") },
			lot_control.signatures.password_field({ hidden: 1 }),
		],
		primary_action_label: __("Change Status"),
		primary_action(values) {
			const args = { lots, status: values.status, reason: values.reason };
			if (Object.keys(to_sign).length) args.password = values.password;
			frappe
				.call("lot_control.lot_control.doctype.lot.lot.bulk_change_status", args)
				.then(() => {
					dialog.hide();
					listview.refresh();
				});
		},
	});
	dialog.show();
	show_signature();
}

function bulk_change_expiry(listview) {
	const lots = selected_lots(listview);
	const dialog = new frappe.ui.Dialog({
		title: __("Change Expiry Date of {0} Lots", [lots.length]),
		fields: [
			{ fieldname: "expiry_date", fieldtype: "Date", label: __("New Expiry Date"), reqd: 1 },
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason") },
		],
		primary_action_label: __("Change Expiry Date"),
		primary_action(values) {
			frappe
				.call("lot_control.lot_control.doctype.lot.lot.bulk_change_expiry", { lots, ...values })
				.then(() => {
					dialog.hide();
					listview.refresh();
				});
		},
	});
	dialog.show();
}
