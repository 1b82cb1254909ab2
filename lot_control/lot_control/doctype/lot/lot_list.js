// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.listview_settings["Lot"] = {
	add_fields: ["status", "expiry_date", "item", "supplier"],
	filters: [["status", "!=", "Archived"]],
	get_indicator(doc) {
		const colours = { Released: "green", Archived: "gray" };
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
