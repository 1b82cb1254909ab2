# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from lot_control.record_guard import refuse_direct_row_write


class RecallEvent(Document):
	"""One decision on a recall (opened, status changed, stock held or released, closed): who, when,
	from, to and why. Added by the app through the Recall and never written, edited or deleted on
	its own."""

	def before_insert(self):
		refuse_direct_row_write(self)

	def validate(self):
		refuse_direct_row_write(self)

	def on_trash(self):
		refuse_direct_row_write(self)
