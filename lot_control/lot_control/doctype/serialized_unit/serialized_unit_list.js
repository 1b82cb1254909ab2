// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.listview_settings["Serialized Unit"] = {
	add_fields: ["status", "item_code", "customer", "warehouse"],
	get_indicator(doc) {
		const colours = {
			Registered: "blue",
			"In Production": "orange",
			"In Stock": "green",
			Delivered: "purple",
			Returned: "yellow",
			Consumed: "gray",
			Scrapped: "red",
		};
		return [__(doc.status), colours[doc.status] || "blue", `status,=,${doc.status}`];
	},
};
