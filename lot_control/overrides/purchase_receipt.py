"""Purchase Receipt events: lots are checked on save, numbered before submit, recorded after;
a return to the supplier is a movement out of stock like any other."""

from frappe import _

from lot_control import receiving
from lot_control.overrides import stock_movement


def before_validate(doc, method=None):
	"""Before ERPNext's own checks, so a wrong lot is named as such rather than as a bundle error."""
	receiving.validate_receipt_lots(doc)
	stock_movement.before_validate(doc, method)


def before_submit(doc, method=None):
	receiving.assign_new_lots(doc)
	stock_movement.before_submit(doc, method)


def on_submit(doc, method=None):
	receiving.record_received_lots(doc)
	stock_movement.on_submit(doc, method)


def on_cancel(doc, method=None):
	receiving.archive_lots_of_cancelled_receipt(doc)
	if doc.get("is_return"):
		stock_movement.on_cancel(doc, method)


def get_dashboard_data(data):
	data.setdefault("non_standard_fieldnames", {})
	data["transactions"].append({"label": _("Lot Control"), "items": ["Lot"]})
	return data
