# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from lot_control.record_guard import refuse_direct_row_write


class UnitEvent(Document):
	"""One line of a unit's history. Lines are added by the app through their parent and never
	written, edited or deleted on their own (REST on the row, frappe.client on the row)."""

	def before_insert(self):
		refuse_direct_row_write(self)

	def validate(self):
		refuse_direct_row_write(self)

	def on_trash(self):
		refuse_direct_row_write(self)
