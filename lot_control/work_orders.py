"""Work Orders and the genealogy: ERPNext ticks Use Multi-Level BOM on new Work Orders, which replaces
each sub-assembly that has its own BOM by its raw parts. A sub-assembly built in lots or serialized
units and sitting in stock would then never be consumed, and the genealogy would skip its level."""

import frappe
from frappe import _
from frappe.query_builder.functions import Sum


def exploded_tracked_sub_assemblies(bom_no: str, company: str | None) -> list[str]:
	"""Sub-assemblies of the BOM (lines with their own BOM) that are tracked by lot or unit and have
	stock on hand in the company: the ones Use Multi-Level BOM would build again from raw parts."""
	bom_item = frappe.qb.DocType("BOM Item")
	item = frappe.qb.DocType("Item")
	tracked = (
		frappe.qb.from_(bom_item)
		.inner_join(item)
		.on(item.name == bom_item.item_code)
		.select(bom_item.item_code)
		.distinct()
		.where(
			(bom_item.parent == bom_no)
			& (bom_item.parenttype == "BOM")
			& (bom_item.bom_no.isnotnull())
			& (bom_item.bom_no != "")
			& ((item.has_batch_no == 1) | ((item.has_serial_no == 1) & (item.track_serialized_units == 1)))
		)
	).run(pluck=True)
	if not tracked:
		return []
	bin_ = frappe.qb.DocType("Bin")
	warehouse = frappe.qb.DocType("Warehouse")
	query = (
		frappe.qb.from_(bin_)
		.inner_join(warehouse)
		.on(warehouse.name == bin_.warehouse)
		.select(bin_.item_code)
		.where(bin_.item_code.isin(tracked))
		.groupby(bin_.item_code)
		.having(Sum(bin_.actual_qty) > 0)
	)
	if company:
		query = query.where(warehouse.company == company)
	in_stock = set(query.run(pluck=True))
	return [item_code for item_code in tracked if item_code in in_stock]


def warn_exploded_sub_assemblies(doc):
	"""A visible warning (not a refusal: building from raw parts can be what the planner wants)."""
	if not doc.get("use_multi_level_bom") or not doc.get("bom_no") or doc.docstatus != 0:
		return []
	items = exploded_tracked_sub_assemblies(doc.bom_no, doc.company)
	if items:
		frappe.msgprint(
			_(
				"Use Multi-Level BOM is ticked on {0}, so {1} will be built again from raw parts although there is stock of it in lots or units. "
				"Those lots would never be consumed and the genealogy would skip a level. Untick Use Multi-Level BOM to consume the built sub-assemblies."
			).format(doc.name or _("this Work Order"), ", ".join(frappe.bold(item) for item in items)),
			title=_("Sub-Assemblies in Stock"),
			indicator="orange",
		)
	return items
