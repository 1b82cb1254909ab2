"""Which code a new lot gets: the numbering rule of Lot Control Settings that applies to the item
(its own, then the nearest item group up the tree, then the default pattern), or ERPNext's own batch
naming where the user set that up and no rule names the item.

A service: receiving, builds and the Batch hook call it; the rules themselves are in
lot_control.lot_numbering (pure)."""

import frappe
from frappe.model.naming import getseries, make_autoname
from frappe.utils import getdate

from lot_control import lot_numbering

SEQUENCE_KEY_PREFIX = "LOT::"


def next_lot_code(item_code: str, on_date, supplier_batch_code: str | None = None) -> str:
	"""A new, unused lot code for an item, from the rule that applies to it.

	Batch naming configured in ERPNext itself (the item's Batch Number Series, or the naming
	series in Stock Settings) is kept unless a rule here names the item or its group.
	"""
	settings = frappe.get_cached_doc("Lot Control Settings")
	rule = numbering_rule_for(item_code, settings)
	if not rule and (series := erpnext_batch_series(item_code)):
		return unused_code(lambda: make_autoname(series, "Batch", frappe._dict(item=item_code)))

	pattern = rule.pattern if rule else (settings.default_lot_pattern or lot_numbering.DEFAULT_LOT_PATTERN)

	def render(pattern_to_render):
		return lot_numbering.render_lot_code(
			pattern_to_render,
			on_date=getdate(on_date),
			next_sequence=next_sequence,
			supplier_batch_code=supplier_batch_code,
			item_code=item_code,
		)

	def render_with_fallback():
		try:
			return render(pattern)
		except lot_numbering.MissingSupplierBatchCodeError:
			return render(settings.default_lot_pattern or lot_numbering.DEFAULT_LOT_PATTERN)

	if lot_numbering.has_sequence(pattern):
		return unused_code(render_with_fallback)
	return lot_numbering.disambiguate(render_with_fallback(), batch_exists)


def numbering_rule_for(item_code: str, settings=None) -> lot_numbering.NumberingRule | None:
	settings = settings or frappe.get_cached_doc("Lot Control Settings")
	rules = [
		lot_numbering.NumberingRule(
			pattern=row.pattern,
			item_code=row.item if row.applies_to == "Item" else None,
			item_group=row.item_group if row.applies_to == "Item Group" else None,
		)
		for row in settings.numbering_rules
	]
	if not rules:
		return None  # no rule to choose from: the item's group need not be read
	item_group = frappe.get_cached_value("Item", item_code, "item_group")
	return lot_numbering.select_rule(rules, item_code, item_group_ancestry(item_group))


def erpnext_batch_series(item_code: str) -> str | None:
	from erpnext.stock.doctype.batch.batch import batch_uses_naming_series, get_batch_naming_series

	series = frappe.get_cached_value("Item", item_code, "batch_number_series")
	if series:
		return series
	if batch_uses_naming_series():
		return get_batch_naming_series() or None
	return None


def uses_erpnext_batch_naming(item_code: str) -> bool:
	return not numbering_rule_for(item_code) and bool(erpnext_batch_series(item_code))


def unused_code(make_code) -> str:
	"""Skip codes someone already took by hand, as ERPNext's Batch naming does."""
	while True:
		code = make_code()
		if not batch_exists(code):
			return code


def batch_exists(code: str) -> bool:
	return bool(frappe.db.exists("Batch", code))


def next_sequence(prefix: str) -> int:
	"""Frappe's series table: one row per rendered prefix, incremented under a row lock."""
	return int(getseries(SEQUENCE_KEY_PREFIX + prefix, 1))


def item_group_ancestry(item_group: str | None) -> list[str]:
	"""The item's group, then its parents up to the root, in one nested-set query."""
	if not item_group:
		return []
	return frappe.db.sql_list(
		"""
		select ancestor.name
		from `tabItem Group` item_group
		inner join `tabItem Group` ancestor on ancestor.lft <= item_group.lft and ancestor.rgt >= item_group.rgt
		where item_group.name = %(item_group)s
		order by ancestor.lft desc
		""",
		{"item_group": item_group},
	) or [item_group]
