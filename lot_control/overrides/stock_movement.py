"""Events of every stock document that moves lots: Purchase Receipt, Purchase Invoice, Stock Entry,
Delivery Note, Sales Invoice. Receipts get their lots (lot_control.receiving); movements out of
stock are picked, checked, locked and recorded (lot_control.usage). Each step is a no-op where it
does not apply."""

from lot_control import builds, receiving, units, usage


def before_validate(doc, method=None):
	"""Before ERPNext's own checks, so a wrong or unusable lot is refused as such. On submit the
	lots are locked here, first of all, before ERPNext's validation takes locks of its own: two
	documents for the same lot then queue instead of deadlocking."""
	if doc.docstatus == 2:
		return
	receiving.validate_receipt_lots(doc)
	usage.pick_unchosen_lots(doc)
	if doc.docstatus == 1:
		usage.lock_and_recheck_lots(doc)
	usage.check_lot_usage(doc)
	builds.check_work_order_holdings(doc)
	usage.carry_expired_lots_in_bundles(doc)


def before_submit(doc, method=None):
	receiving.assign_new_lots(doc)
	usage.check_lot_usage(doc)
	builds.assign_produced_lots(doc)
	units.bind_produced_units(doc)
	builds.check_unit_lot_assignments(doc)


def on_submit(doc, method=None):
	receiving.record_received_lots(doc)
	usage.check_lot_usage(doc, usage.outgoing_lot_lines_posted(doc))
	usage.record_overrides_and_disposals(doc)
	builds.record_build(doc)
	units.refresh_units_of(doc)
	usage.refresh_consumed_status(doc)


def on_cancel(doc, method=None):
	receiving.archive_lots_of_cancelled_receipt(doc)
	builds.reverse_build(doc)
	units.unbind_units_of_cancelled_build(doc)
	units.refresh_units_of(doc)
	usage.refresh_consumed_status(doc)
