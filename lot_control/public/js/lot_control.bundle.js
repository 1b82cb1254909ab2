// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// Scanning a unit's or a lot's label (or a supplier's date code) into the desk's search bar opens it. A unit code is recognised by
// its check character (the same rule as lot_control/codes.py), however it was typed.

import "./genealogy_graph.js";
import "./signatures.js";

frappe.provide("lot_control.scan");

// Copied from codes.py: ALPHABET, CHECK_ALPHABET, LEGACY_CHECK_SYMBOLS (codes issued before they were GS1-safe).
lot_control.scan.ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
lot_control.scan.CHECK_ALPHABET = lot_control.scan.ALPHABET + "*._=U";
lot_control.scan.LEGACY_CHECK_SYMBOLS = { "~": ".", $: "_" };

// The text as a unit code's 13 symbols, if it has that shape, whatever its check symbol.
lot_control.scan.shaped_code = function (text) {
	const cleaned = (text || "")
		.replace(/[\s-]/g, "")
		.toUpperCase()
		.replace(/O/g, "0")
		.replace(/[IL]/g, "1");
	if (cleaned.length !== 13) return null;
	for (let i = 0; i < 12; i++) {
		if (lot_control.scan.ALPHABET.indexOf(cleaned[i]) < 0) return null;
	}
	const check = lot_control.scan.LEGACY_CHECK_SYMBOLS[cleaned[12]] || cleaned[12];
	return lot_control.scan.CHECK_ALPHABET.indexOf(check) < 0 ? null : cleaned;
};

lot_control.scan.normalize = function (text) {
	const cleaned = lot_control.scan.shaped_code(text);
	if (!cleaned) return null;
	let total = 0;
	for (let i = 0; i < 12; i++) total += (i + 1) * lot_control.scan.ALPHABET.indexOf(cleaned[i]);
	const check = lot_control.scan.LEGACY_CHECK_SYMBOLS[cleaned[12]] || cleaned[12];
	total += 13 * lot_control.scan.CHECK_ALPHABET.indexOf(check);
	return total % 37 === 0 ? cleaned : null;
};

// Anything else that looks like a code (no spaces, a digit in it) is asked of the server, which
// knows lots, supplier batch / date codes, serials and customer serials; what it does not know
// goes to the full-text search, as the search bar would have done.
lot_control.scan.looks_like_code = function (text) {
	return /^[A-Za-z0-9][A-Za-z0-9._/#-]{1,139}$/.test(text) && /[0-9]/.test(text);
};

lot_control.scan.open = function (text) {
	return frappe.xcall("lot_control.desk.resolve_code", { text }).then((target) => {
		if (target && target.problem) {
			frappe.msgprint({ message: target.problem, indicator: "red", title: __("Unit Code Refused") });
			return null;
		}
		if (!target) {
			frappe.searchdialog.search.init_search(text, "global_search");
			return null;
		}
		if (target.route_options) frappe.route_options = target.route_options;
		frappe.set_route(...target.route);
		return target;
	});
};

$(document).on("app_ready", () => {
	const input = document.getElementById("navbar-search");
	if (!input) return;
	// Before the search bar's own Enter handling: a unit code or another code goes to whatever the
	// server finds for it (a unit under either spelling of a legacy check symbol; a mistyped code is refused).
	input.addEventListener(
		"keydown",
		(event) => {
			if (event.key !== "Enter") return;
			const text = input.value.trim();
			const code = lot_control.scan.normalize(text);
			if (!code && !lot_control.scan.shaped_code(text) && !lot_control.scan.looks_like_code(text)) return;
			event.preventDefault();
			event.stopImmediatePropagation();
			input.value = "";
			input.blur();
			lot_control.scan.open(code || text);
		},
		true
	);
});

// Labels print in their own format: Frappe's desk print view opens with the doctype's default
// format whatever a route asks for, so the label sheet opens in the print view that takes one.
lot_control.print_labels = function (doctype, name, print_format) {
	frappe.utils.print(doctype, name, print_format, "");
};

// List views: columns no field stores (a lot's stock, an item's name), filled for the visible page
// by one call after each refresh.
lot_control.list = {
	// Columns appended after Frappe's own (which it rebuilds when list settings change).
	add_columns(listview, columns) {
		const setup_columns = listview.setup_columns.bind(listview);
		listview.setup_columns = () => {
			setup_columns();
			for (const df of columns) listview.columns.push({ type: "Field", df });
		};
		listview.setup_columns();
		listview.render_header(true);
	},
	item_html(item_code) {
		if (!item_code) return "";
		const code = frappe.utils.escape_html(item_code);
		return `<span class="ellipsis lot-control-item-name" data-item="${code}" title="${code}">${code}</span>`;
	},
	fill_item_names(listview) {
		const cells = listview.$result.find(".lot-control-item-name[data-item]");
		const codes = [...new Set(cells.map((i, el) => $(el).attr("data-item")).get())];
		if (!codes.length) return;
		frappe.db
			.get_list("Item", { filters: { name: ["in", codes] }, fields: ["name", "item_name"], limit: codes.length })
			.then((items) => {
				const names = Object.fromEntries(items.map((item) => [item.name, item.item_name]));
				cells.each((i, el) => {
					const name = names[$(el).attr("data-item")];
					if (name) $(el).text(name).attr("title", `${$(el).attr("data-item")}: ${name}`);
				});
			});
	},
};
