"""Events of every voucher type in lot_control.constants.vouchers.STOCK_VOUCHERS (hooks.py maps
them). Receipts get their lots (lot_control.receiving); movements out of stock are picked, checked
early, locked and recorded (lot_control.usage); builds write their genealogy (lot_control.builds).
Each step is a no-op for voucher types it does not concern.

The final check of every outward use, against the bundles ERPNext actually posted, is not here: it
runs for any voucher in lot_control.movements."""

from lot_control import builds, receiving, submit_locks, units, usage


def before_validate(doc, method=None):
	"""Before ERPNext's own checks, so a wrong or unusable lot is refused as such. On submit the
	Bins the document moves and then its lots are locked here, in one order, before ERPNext's
	validation and posting take locks of their own (lot_control.submit_locks): two documents for the
	same Bins or lots then queue instead of deadlocking."""
	usage.forget_document_answers(doc)
	if doc.docstatus == 2:
		return
	if doc.docstatus == 1:
		submit_locks.lock_bins(doc)
	usage.refuse_lots_of_other_items(doc)
	receiving.validate_receipt_lots(doc)
	usage.pick_unchosen_lots(doc)
	if doc.docstatus == 1:
		submit_locks.lock_lots_of(doc)
		usage.lock_and_recheck_lots(doc)
	usage.check_lot_usage(doc)
	usage.check_work_order_holdings(doc)
	usage.carry_expired_lots_in_bundles(doc)
	units.check_given_serials(doc)


def before_submit(doc, method=None):
	receiving.assign_new_lots(doc)
	usage.check_lot_usage(doc)
	builds.assign_produced_lots(doc)
	units.bind_produced_units(doc)
	builds.check_unit_lot_assignments(doc)


def on_submit(doc, method=None):
	receiving.record_received_lots(doc)
	usage.record_overrides_and_disposals(doc)
	builds.record_build(doc)
	units.refresh_units_of(doc)
	usage.refresh_consumed_status(doc)
	usage.forget_document_answers(doc)


def on_cancel(doc, method=None):
	usage.forget_document_answers(doc)
	receiving.archive_lots_of_cancelled_receipt(doc)
	builds.reverse_build(doc)
	units.unbind_units_of_cancelled_build(doc)
	units.refresh_units_of(doc)
	usage.refresh_consumed_status(doc)
