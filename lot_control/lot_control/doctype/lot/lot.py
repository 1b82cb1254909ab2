# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt

from lot_control.exceptions import LotHasStockError, LotHasStockHistoryError
from lot_control.stock_queries import count_stock_transactions, get_lot_locations


class Lot(Document):
	"""What ERPNext's Batch lacks: source, price paid, arrival, status. Quantities stay in the ledger."""

	def validate(self):
		self.validate_batch()

	def validate_batch(self):
		if self.name and not self.is_new() and self.name != self.batch:
			frappe.throw(_("Lot {0} must keep the name of its Batch {1}.").format(self.name, self.batch))
		if not frappe.get_cached_value("Item", self.item, "has_batch_no"):
			frappe.throw(
				_("Item {0} of lot {1} is not lot-controlled: enable Has Batch No on the item.").format(
					frappe.bold(self.item), frappe.bold(self.batch)
				)
			)

	def onload(self):
		self.set_onload("locations", get_lot_locations(self.name))

	def on_trash(self):
		transactions = count_stock_transactions(self.name)
		if transactions:
			frappe.throw(
				_(
					"Lot {0} of item {1} has stock history ({2} stock transactions) and cannot be deleted. Archive it instead."
				).format(frappe.bold(self.name), frappe.bold(self.item), transactions),
				exc=LotHasStockHistoryError,
				title=_("Lot Has Stock History"),
			)

	@frappe.whitelist()
	def archive(self):
		"""Archive a lot once nothing of it is left, so it leaves the default list but stays traceable."""
		self.check_permission("write")
		locations = get_lot_locations(self.name)
		if locations:
			frappe.throw(
				_("Lot {0} of item {1} still holds {2}. Issue or move that stock before archiving the lot.").format(
					frappe.bold(self.name),
					frappe.bold(self.item),
					", ".join(f"{flt(row.qty, 6)} in {row.warehouse}" for row in locations),
				),
				exc=LotHasStockError,
				title=_("Lot Has Stock"),
			)
		self.set_status("Archived", _("Archived by {0}.").format(frappe.session.user))

	@frappe.whitelist()
	def restore(self):
		self.check_permission("write")
		self.set_status("Released", _("Restored from archive by {0}.").format(frappe.session.user))

	def set_status(self, status: str, comment: str):
		if self.status == status:
			return
		self.db_set("status", status)
		self.add_comment("Info", comment)
