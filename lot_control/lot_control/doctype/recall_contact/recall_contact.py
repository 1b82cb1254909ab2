# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class RecallContact(Document):
	pass
