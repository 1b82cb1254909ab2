# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from lot_control.exceptions import SignatureRecordError


class ElectronicSignature(Document):
	"""Evidence of a signed quality decision, or of a refused attempt: the app writes it once, when a
	user signs (lot_control.signatures), and nobody changes or deletes it, System Manager included,
	on any path (desk, REST, frappe.client, Data Import). No role has create, write or delete
	permission; these checks also hold for Administrator, whom permissions do not stop."""

	def before_insert(self):
		if not self.flags.recorded_by_the_app:
			frappe.throw(
				_("Electronic signatures are recorded by the app when a user signs a decision with their password; they cannot be entered."),
				exc=SignatureRecordError,
				title=_("Not Allowed"),
			)

	def validate(self):
		if not self.is_new():
			frappe.throw(
				_("Electronic signature {0} of {1} is a record of what was signed and cannot be changed.").format(
					frappe.bold(self.name), self.signer_name or self.signer
				),
				exc=SignatureRecordError,
				title=_("Not Allowed"),
			)

	def before_rename(self, old, new, merge=False):
		self.on_trash()

	def on_trash(self):
		frappe.throw(
			_("Electronic signature {0} of {1} is a record of what was signed and cannot be deleted.").format(
				frappe.bold(self.name), self.signer_name or self.signer
			),
			exc=SignatureRecordError,
			title=_("Not Allowed"),
		)
