"""The hooks of one save or submit ask the same questions of the same rows (which items are
lot-controlled, which warehouses are external, whose stock a Work Order may use): each is read from
the database once per save or submit, and forgotten when the next one starts."""

import frappe

from lot_control import usage
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_item,
	make_material_issue,
	make_purchase_receipt,
	receipt_line,
)


def counting(answer: set[str]):
	asked = []

	def ask(names):
		asked.append(set(names))
		return answer & set(names)

	return ask, asked


def draft_like(entry):
	"""A new draft of the same issue, naming the lot by its batch field (ERPNext makes its bundle)."""
	draft = frappe.copy_doc(entry)
	draft.docstatus = 0
	for row in draft.items:
		row.serial_and_batch_bundle = None
	return draft


def test_a_question_is_asked_once_per_save_and_only_of_names_not_yet_asked():
	entry = frappe.new_doc("Stock Entry")
	ask, asked = counting({"A", "C"})
	assert usage.asked_once(entry, "lot_controlled", ["A", "B", None], ask) == {"A"}
	assert usage.asked_once(entry, "lot_controlled", ["A", "B", "C"], ask) == {"A", "C"}
	assert usage.asked_once(entry, "lot_controlled", ["B", "C"], ask) == {"C"}
	assert asked == [{"A", "B"}, {"C"}]

	usage.forget_document_answers(entry)
	assert usage.asked_once(entry, "lot_controlled", ["A"], ask) == {"A"}
	assert asked[-1] == {"A"}


def test_what_is_no_document_asks_every_time():
	use = frappe._dict(doctype="Delivery Note", customer=None)
	ask, asked = counting({"A"})
	assert usage.asked_once(use, "lot_controlled", ["A"], ask) == {"A"}
	assert usage.asked_once(use, "lot_controlled", ["A"], ask) == {"A"}
	assert len(asked) == 2
	assert usage.allowed_owners(use, "Build") == frozenset({None})


def test_a_submit_asks_which_items_are_lot_controlled_once_and_the_next_submit_asks_again(monkeypatch):
	world = lot_fixture_world()
	item = make_item()
	receipt = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 10, 2, world.warehouse)])
	lot = receipt.items[0].batch_no
	asked = []
	lot_controlled = usage.lot_controlled

	def counted(item_codes):
		codes = set(item_codes)
		asked.append(codes)
		return lot_controlled(codes)

	monkeypatch.setattr(usage, "lot_controlled", counted)
	issue = draft_like(make_material_issue(world.company, item, world.warehouse, 4, lot))
	issue.insert(ignore_permissions=True)
	asked.clear()
	issue.submit()
	# Every hook of the submit that asks (usage checks, picking, locks, the build's records) is told
	# by one query.
	assert asked == [{item}]
	assert issue.flags.get(usage.DOCUMENT_ANSWERS) is None  # nothing kept once submitted

	# A later submit of the same object starts afresh, whatever an earlier save was told.
	draft = draft_like(issue)
	draft.items[0].qty = 1
	draft.insert(ignore_permissions=True)
	draft.flags[usage.DOCUMENT_ANSWERS] = {"lot_controlled": {item: False}}
	asked.clear()
	draft.submit()
	assert asked == [{item}]
