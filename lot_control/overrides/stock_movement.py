"""Events shared by every stock document that takes lots out of stock (Stock Entry, Delivery
Note, Sales Invoice, returns): pick, check, lock, then record. The rules live in lot_control.usage."""

from lot_control import usage


def before_validate(doc, method=None):
	"""Before ERPNext's own checks, so a lot that may not be used is refused as such."""
	if doc.docstatus == 2:
		return
	usage.pick_unchosen_lots(doc)
	usage.check_lot_usage(doc)
	usage.carry_expired_lots_in_bundles(doc)


def before_submit(doc, method=None):
	usage.check_lot_usage(doc)
	usage.lock_and_recheck_lots(doc)


def on_submit(doc, method=None):
	usage.check_lot_usage(doc, usage.outgoing_lot_lines_posted(doc))
	usage.record_overrides_and_disposals(doc)
	usage.refresh_consumed_status(doc)


def on_cancel(doc, method=None):
	usage.refresh_consumed_status(doc)
