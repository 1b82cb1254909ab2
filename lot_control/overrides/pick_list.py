"""Pick List: the lots it suggests, and the lots a picker chooses, are ones the app will accept when
the delivery or Stock Entry made from it is posted (lot_control.pick_suggestions)."""

import frappe
from erpnext.stock.doctype.pick_list.pick_list import PickList

from lot_control import pick_suggestions


class LotControlPickList(PickList):
	"""ERPNext's Pick List whose suggested lots follow the app's usability rules and FEFO order.

	A class override, not a document event, because ERPNext fills the locations in
	set_item_locations, which the "Create Pick List" of a Sales Order, Work Order and Material
	Request call directly on an unsaved document handed back to the desk: no document event runs
	there, and the picker would be shown ERPNext's lots. Overriding this one method covers those,
	the form's "Get Item Locations" and "Update Current Stock", and every save (ERPNext's
	before_save calls it). What each line asks for is read before ERPNext fills it, because ERPNext
	drops a line it finds no stock for.
	"""

	@frappe.whitelist()
	def set_item_locations(self, save=False):
		requirements = pick_suggestions.requirements_to_suggest(self)
		super().set_item_locations(save=False)
		pick_suggestions.suggest_usable_lots(self, requirements)
		if save:
			self.save()


def before_validate(doc, method=None):
	"""Before ERPNext's own checks, so an unusable lot chosen by hand is refused with its reason."""
	pick_suggestions.refuse_unusable_chosen_lots(doc)
