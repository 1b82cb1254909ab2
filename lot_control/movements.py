"""The one place that sees every movement.

In ERPNext v15 every batch and serial movement, whatever the voucher, is a Serial and Batch Bundle
that the voucher submits while it posts its ledger. Each submitted bundle is noted here, per
request; once the voucher's own on_submit has run (the "*" event comes after it), every outward
use of a lot or unit the voucher posted is checked against the usability rules in one batch
(lot_control.usage.check_posted_uses). A voucher type nobody named in the registry is checked too.
"""

import frappe

from lot_control import usage

POSTED_VOUCHERS_FLAG = "lot_control_posted_vouchers"


def note_posted_bundle(bundle, method=None):
	"""Serial and Batch Bundle on_submit: remember which voucher posted it."""
	if not (bundle.voucher_type and bundle.voucher_no):
		return
	posted = frappe.flags.get(POSTED_VOUCHERS_FLAG)
	if posted is None:
		posted = frappe.flags[POSTED_VOUCHERS_FLAG] = set()
	posted.add((bundle.voucher_type, bundle.voucher_no))


def after_posting(doc, method=None):
	"""Any document's on_submit: a set lookup, and nothing more unless it posted bundles."""
	posted = frappe.flags.get(POSTED_VOUCHERS_FLAG)
	if not posted or (doc.doctype, doc.name) not in posted:
		return
	posted.discard((doc.doctype, doc.name))
	usage.check_posted_uses(doc)
