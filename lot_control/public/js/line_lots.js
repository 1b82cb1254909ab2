// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// Which lots each line of a posted receipt or stock entry got or gave. ERPNext keeps them in the
// line's Serial and Batch Bundle, so the Batch No column stays empty; the server reads the bundles
// of the whole document in one call and this draws them under the lines.

frappe.provide("lot_control");

lot_control.render_line_lots = function (frm) {
	const field = frm.get_field("lot_lines_html");
	if (!field) return;
	const wrapper = field.$wrapper;
	if (frm.is_new() || frm.doc.docstatus === 0) {
		wrapper.empty();
		return;
	}
	frappe
		.xcall("lot_control.desk.voucher_line_lots", { doctype: frm.doctype, name: frm.doc.name })
		.then((lines) => {
			if (!lines || !lines.length) {
				frm.toggle_display("lot_lines_section", false);
				return;
			}
			frm.toggle_display("lot_lines_section", true);
			const link = (doctype, name) =>
				`<a href="/app/${frappe.router.slug(doctype)}/${encodeURIComponent(name)}">${frappe.utils.escape_html(name)}</a>`;
			const is_entry = frm.doctype === "Stock Entry";
			const body = lines
				.map((line) => {
					const lots = line.lots
						.map((lot) => `${link("Lot", lot.lot)} <span class="text-muted">× ${format_number(lot.qty)}</span>`)
						.join("<br>");
					const where = is_entry
						? [line.source_warehouse ? `${__("from")} ${frappe.utils.escape_html(line.source_warehouse)}` : "",
						   line.target_warehouse ? `${__("to")} ${frappe.utils.escape_html(line.target_warehouse)}` : ""].join(" ")
						: frappe.utils.escape_html(line.target_warehouse || "");
					return `<tr data-idx="${line.idx}">
						<td>${line.idx}${line.rejected ? ` <span class="text-muted">(${__("rejected")})</span>` : ""}</td>
						<td>${link("Item", line.item_code)}${line.item_name && line.item_name !== line.item_code ? `<div class="text-muted small">${frappe.utils.escape_html(line.item_name)}</div>` : ""}</td>
						<td class="lot-control-line-lots">${lots}</td>
						<td>${where}</td>
					</tr>`;
				})
				.join("");
			wrapper.html(`<table class="table table-bordered table-sm small lot-control-line-lots-table">
				<thead><tr><th style="width: 6%">${__("Row")}</th><th>${__("Item")}</th><th>${__("Lots")}</th><th>${__("Warehouse")}</th></tr></thead>
				<tbody>${body}</tbody></table>`);
		});
};
