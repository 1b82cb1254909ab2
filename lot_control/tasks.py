"""Scheduled work."""

import frappe
from frappe import _
from frappe.utils import nowdate

from lot_control.lot_control.doctype.lot.lot import set_lot_status_by_the_app


def mark_expired_lots():
	"""Daily: lots past their expiry date become Expired (uses are also checked live, at every use)."""
	lot = frappe.qb.DocType("Lot")
	batch = frappe.qb.DocType("Batch")
	expired = (
		frappe.qb.from_(lot)
		.inner_join(batch)
		.on(batch.name == lot.batch)
		.select(lot.name)
		.where((lot.status == "Released") & (batch.expiry_date < nowdate()))
	).run(pluck=True)
	for name in expired:
		set_lot_status_by_the_app(name, "Expired", _("Expiry date passed."))
	return expired
