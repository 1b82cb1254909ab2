# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class RecallMassBalance(Document):
	"""One line of a suspect lot's mass balance, as the ledger stood when the recall was traced."""
