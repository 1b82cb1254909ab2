"""No stock path slips by unnoticed: every ERPNext voucher type that can carry a Serial and Batch
Bundle is either handled by the app or deliberately ignored with a reason, read from ERPNext's own
metadata on the real site, so a path a new ERPNext version adds fails here first."""

import frappe
import pytest

from lot_control import movements
from lot_control.constants.vouchers import IGNORED_VOUCHERS, STOCK_VOUCHERS

BUNDLE = "Serial and Batch Bundle"
STOCK_EVENTS = ("before_validate", "before_submit", "on_submit", "on_cancel")


def fields_of(fieldtypes, options=None) -> list[tuple[str, str]]:
	"""(doctype, options) of every standard and custom field of these types."""
	filters = {"fieldtype": ("in", fieldtypes)}
	if options:
		filters["options"] = options
	standard = frappe.get_all("DocField", filters={**filters, "parenttype": "DocType"}, fields=["parent", "options"], as_list=True)
	custom = frappe.get_all("Custom Field", filters=filters, fields=["dt", "options"], as_list=True)
	return [tuple(row) for row in [*standard, *custom]]


def vouchers_that_can_carry_a_bundle() -> set[str]:
	"""Every DocType with a link to a bundle, a child table's link counted for the DocTypes that hold
	that table (at any depth)."""
	child_tables = set(frappe.get_all("DocType", filters={"istable": 1}, pluck="name"))
	holders = {}
	for parent, child in fields_of(("Table", "Table MultiSelect")):
		holders.setdefault(child, set()).add(parent)
	found, seen = set(), set()
	pending = [doctype for doctype, _options in fields_of(("Link",), BUNDLE)]
	while pending:
		doctype = pending.pop()
		if doctype in seen:
			continue
		seen.add(doctype)
		if doctype in child_tables:
			pending.extend(holders.get(doctype, ()))
		else:
			found.add(doctype)
	return found


def test_every_voucher_type_that_can_carry_a_bundle_is_handled_or_ignored_with_a_reason():
	carriers = vouchers_that_can_carry_a_bundle()
	assert {"Stock Entry", "Delivery Note", "Purchase Receipt", "POS Invoice"} <= carriers  # the metadata is read
	unhandled = sorted(carriers - set(STOCK_VOUCHERS) - set(IGNORED_VOUCHERS))
	assert not unhandled, (
		f"ERPNext voucher types that can move lots or serials but are neither in STOCK_VOUCHERS nor in "
		f"IGNORED_VOUCHERS (lot_control/constants/vouchers.py): {', '.join(unhandled)}"
	)


def test_the_registry_names_only_real_doctypes_and_every_handled_one_has_the_apps_events():
	assert not [doctype for doctype in [*STOCK_VOUCHERS, *IGNORED_VOUCHERS] if not frappe.db.exists("DocType", doctype)]
	hooks = frappe.get_hooks("doc_events")
	for voucher_type in STOCK_VOUCHERS:
		for event in STOCK_EVENTS:
			assert f"lot_control.overrides.stock_movement.{event}" in hooks.get(voucher_type, {}).get(event, []), (
				voucher_type,
				event,
			)
	assert "lot_control.movements.note_posted_bundle" in hooks[BUNDLE]["on_submit"]
	assert "lot_control.movements.after_posting" in hooks["*"]["on_submit"]


def test_the_after_posting_step_does_nothing_for_a_document_that_posted_no_bundle(monkeypatch):
	"""Every submitted document of every DocType passes through it: a set lookup must be all it costs."""

	def must_not_run(doc):
		raise AssertionError(f"checked {doc.doctype} {doc.name}")

	monkeypatch.setattr(movements.usage, "check_posted_uses", must_not_run)
	todo = frappe.get_doc({"doctype": "ToDo", "description": "count the shelf"}).insert()
	movements.after_posting(todo)
	frappe.flags[movements.POSTED_VOUCHERS_FLAG] = {("Stock Entry", "MAT-STE-NOT-THIS-ONE")}
	movements.after_posting(todo)
	with pytest.raises(AssertionError, match="checked ToDo"):
		movements.note_posted_bundle(frappe._dict(voucher_type="ToDo", voucher_no=todo.name))
		movements.after_posting(todo)
	frappe.flags.pop(movements.POSTED_VOUCHERS_FLAG, None)
