"""Purchase Receipt events: lots are checked on save, numbered before submit, recorded after."""

from frappe import _

from lot_control import receiving


def before_validate(doc, method=None):
	"""Before ERPNext's own checks, so a wrong lot is named as such rather than as a bundle error."""
	receiving.validate_receipt_lots(doc)


def before_submit(doc, method=None):
	receiving.assign_new_lots(doc)


def on_submit(doc, method=None):
	receiving.record_received_lots(doc)


def on_cancel(doc, method=None):
	receiving.archive_lots_of_cancelled_receipt(doc)


def get_dashboard_data(data):
	data.setdefault("non_standard_fieldnames", {})
	data["transactions"].append({"label": _("Lot Control"), "items": ["Lot"]})
	return data
