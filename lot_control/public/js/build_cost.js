// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// The build cost of a produced lot or a Work Order, broken down by consumed lot, drawn into an HTML field.

frappe.provide("lot_control");

lot_control.render_build_cost = function (frm, fieldname, args) {
	const field = frm.get_field(fieldname);
	if (!field) return;
	const wrapper = field.$wrapper;
	wrapper.empty();
	frappe.call({ method: "lot_control.builds.get_build_cost", args }).then((r) => {
		const cost = r.message;
		if (!cost || !cost.lines.length) {
			wrapper.html(`<p class="text-muted small">${__("No build has consumed lots for this yet.")}</p>`);
			return;
		}
		const money = (value) => format_currency(value, cost.currency);
		const rows = cost.lines
			.map(
				(line) => `<tr>
					<td>${
						line.consumed_unit
							? `<a href="/app/serialized-unit/${encodeURIComponent(line.consumed_unit)}">${frappe.utils.escape_html(line.consumed_unit)}</a>`
							: `<a href="/app/lot/${encodeURIComponent(line.consumed_lot)}">${frappe.utils.escape_html(line.consumed_lot)}</a>`
					}</td>
					<td>${frappe.utils.escape_html(line.consumed_item)}</td>
					<td class="text-right">${format_number(line.qty)}</td>
					<td class="text-right">${money(line.unit_cost)}</td>
					<td class="text-right">${line.consumed_owner ? `<span class="text-muted">${money(0)}</span>` : money(line.amount)}</td>
					<td>${line.consumed_owner ? __("Consigned by {0} ({1})", [frappe.utils.escape_html(line.consumed_owner), money(line.consigned_value)]) : __("House")}</td>
				</tr>`
			)
			.join("");
		const summary = [
			[__("Lot materials"), cost.materials_cost],
			[__("Other materials"), cost.unlotted_materials_cost],
			[__("Additional costs"), cost.additional_cost],
			[__("Scrap"), -cost.scrap_value],
		]
			.filter(([, value]) => value)
			.map(([label, value]) => `<tr><td colspan="4" class="text-right">${label}</td><td class="text-right">${money(value)}</td><td></td></tr>`)
			.join("");
		wrapper.html(`
			<table class="table table-bordered table-sm small">
				<thead><tr>
					<th>${__("Lot")}</th><th>${__("Item")}</th><th class="text-right">${__("Qty")}</th>
					<th class="text-right">${__("Unit Cost")}</th><th class="text-right">${__("Amount")}</th><th>${__("Owner")}</th>
				</tr></thead>
				<tbody>${rows}${summary}
					<tr class="font-weight-bold"><td colspan="4" class="text-right">${__("Build cost")} (${format_number(cost.produced_qty)} ${__("produced")}, ${money(cost.unit_cost)} ${__("each")})</td>
					<td class="text-right">${money(cost.total_cost)}</td><td></td></tr>
				</tbody>
			</table>`);
	});
};
