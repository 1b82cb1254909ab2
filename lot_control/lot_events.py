"""What the app itself writes on a Lot: a status it sets (nothing left, stock came back, expired,
inspected) and the events kept in the lot's history (disposals, returns, overrides).

A service, so services can call it without importing the Lot controller (an entry point); the
controller re-exports both names. Every status change still goes through Lot.apply_status_change."""

import frappe


def record_lot_event(
	lot_name: str, event: str, reason: str, reference_doctype: str, reference_name: str, qty=None
):
	"""Disposals, returns and overrides are kept on the lot beside its status changes."""
	lot = frappe.get_doc("Lot", lot_name)
	lot.add_history(event, lot.status, lot.status, reason, reference_doctype, reference_name, qty)
	lot.flags.ignore_permissions = True
	lot.flags.status_change_checked = True
	lot.save()


def set_lot_status_by_the_app(
	lot_name: str, status: str, reason: str, reference_doctype=None, reference_name=None
):
	lot = frappe.get_doc("Lot", lot_name)
	if lot.status != status:
		lot.apply_status_change(status, reason, reference_doctype, reference_name, by_the_app=True)
