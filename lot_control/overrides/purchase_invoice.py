"""Purchase Invoice events: an invoice that updates stock receives lots like a Purchase Receipt."""

from lot_control import receiving
from lot_control.overrides import stock_movement


def before_validate(doc, method=None):
	receiving.validate_receipt_lots(doc)
	stock_movement.before_validate(doc, method)


def before_submit(doc, method=None):
	receiving.assign_new_lots(doc)
	stock_movement.before_submit(doc, method)


def on_submit(doc, method=None):
	receiving.record_received_lots(doc)
	stock_movement.on_submit(doc, method)


def on_cancel(doc, method=None):
	stock_movement.on_cancel(doc, method)
