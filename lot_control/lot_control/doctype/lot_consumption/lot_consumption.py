# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class LotConsumption(Document):
	"""Written by the app when a build, repack or split is submitted; a cancelled entry marks its
	edges cancelled, as ERPNext marks its ledger entries, so history is never rewritten."""


def on_doctype_update():
	"""Each genealogy question is one index lookup: what did this lot go into, what went into it."""
	frappe.db.add_index("Lot Consumption", ["consumed_lot", "is_cancelled"], "consumed_lot_live")
	frappe.db.add_index("Lot Consumption", ["produced_lot", "is_cancelled"], "produced_lot_live")
