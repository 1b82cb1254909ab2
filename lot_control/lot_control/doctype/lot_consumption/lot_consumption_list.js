// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// Genealogy records read as "what went into what": the lot or unit consumed and the one produced,
// each with its item's name, instead of the records' random IDs.

frappe.listview_settings["Lot Consumption"] = {
	add_fields: ["consumed_lot", "consumed_unit", "consumed_item", "produced_lot", "produced_unit", "produced_item", "is_cancelled", "kind"],
	hide_name_column: true,
	get_indicator(doc) {
		return doc.is_cancelled ? [__("Cancelled"), "red", "is_cancelled,=,1"] : [__("Active"), "green", "is_cancelled,=,0"];
	},
	onload(listview) {
		lot_control.list.add_columns(listview, [
			{ fieldname: "consumed_item", label: __("Consumed Item"), fieldtype: "Data" },
			{ fieldname: "produced_item", label: __("Produced Item"), fieldtype: "Data" },
		]);
	},
	refresh(listview) {
		lot_control.list.fill_item_names(listview);
	},
	formatters: {
		consumed_lot(value, df, doc) {
			return doc.consumed_unit || value || doc.name;
		},
		produced_lot(value, df, doc) {
			const [doctype, name] = doc.produced_unit ? ["Serialized Unit", doc.produced_unit] : ["Lot", value];
			if (!name) return "";
			return `<a href="/app/${frappe.router.slug(doctype)}/${encodeURIComponent(name)}">${frappe.utils.escape_html(name)}</a>`;
		},
		consumed_item(value) {
			return lot_control.list.item_html(value);
		},
		produced_item(value) {
			return lot_control.list.item_html(value);
		},
	},
};
