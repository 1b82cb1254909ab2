"""What the app itself writes on a Lot: a status it sets (nothing left, stock came back, expired,
inspected) and the events kept in the lot's history (disposals, returns, overrides).

A service, so services can call it without importing the Lot controller (an entry point); the
controller re-exports the first two. Every status change still goes through Lot.apply_status_change."""

import frappe
from frappe import _
from frappe.utils import flt

from lot_control.record_guard import allow_kept_field_changes


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


def set_lot_unit_cost_by_the_app(lot_name: str, unit_cost: float, voucher):
	"""The ledger's new rate for a lot (a Landed Cost Voucher submitted or cancelled), recorded."""
	lot = frappe.get_doc("Lot", lot_name)
	precision = lot.precision("unit_cost") or 2
	if flt(lot.unit_cost, 9) == flt(unit_cost, 9):
		return
	reason = _("{0} {1} {2}.").format(
		voucher.doctype, voucher.name, _("cancelled") if voucher.docstatus == 2 else _("submitted")
	)
	lot.add_history(
		"Cost Change",
		lot.status,
		lot.status,
		reason,
		voucher.doctype,
		voucher.name,
		from_value=str(flt(lot.unit_cost, precision)),
		to_value=str(flt(unit_cost, precision)),
	)
	lot.unit_cost = flt(unit_cost)
	allow_kept_field_changes(lot, "unit_cost")
	lot.flags.ignore_permissions = True
	lot.flags.status_change_checked = True
	lot.save()
