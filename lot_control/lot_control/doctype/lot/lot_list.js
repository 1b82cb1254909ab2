// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.listview_settings["Lot"] = {
	add_fields: ["status", "expiry_date", "item", "supplier"],
	filters: [["status", "!=", "Archived"]],
	onload(listview) {
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
	formatters: {
		expiry_date(value) {
			if (!value) return "";
			const expired = value < frappe.datetime.get_today();
			const shown = frappe.datetime.str_to_user(value);
			return expired ? `<span class="text-danger">${shown}</span>` : shown;
		},
	},
};
