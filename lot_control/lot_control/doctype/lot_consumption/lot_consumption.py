# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class LotConsumption(Document):
	"""Written by the app when a build, repack or split is submitted; a cancelled entry marks its
	edges cancelled, as ERPNext marks its ledger entries, so history is never rewritten."""

	def before_insert(self):
		self.set_nodes()
		if not self.flags.cycle_checked and not self.is_cancelled:
			from lot_control.genealogy import refuse_cycles

			if self.consumed_node and self.consumed_node == self.produced_node:
				frappe.throw(frappe._("Lot {0} cannot be made from itself.").format(frappe.bold(self.consumed_node)))
			refuse_cycles([self.consumed_node], [self.produced_node])

	def set_nodes(self):
		"""A serialized unit is a node of its own even when it also carries a lot: the genealogy is
		walked by these keys, so a unit built into another unit is followed like a lot."""
		self.consumed_node = self.consumed_unit or self.consumed_lot
		self.produced_node = self.produced_unit or self.produced_lot


def on_doctype_update():
	"""Each genealogy question is one index lookup: what did this lot go into, what went into it."""
	frappe.db.add_index("Lot Consumption", ["consumed_lot", "is_cancelled"], "consumed_lot_live")
	frappe.db.add_index("Lot Consumption", ["produced_lot", "is_cancelled"], "produced_lot_live")
	frappe.db.add_index("Lot Consumption", ["consumed_node", "is_cancelled"], "consumed_node_live")
	frappe.db.add_index("Lot Consumption", ["produced_node", "is_cancelled"], "produced_node_live")
	frappe.db.add_index("Lot Consumption", ["consumed_unit", "is_cancelled"], "consumed_unit_live")
	frappe.db.add_index("Lot Consumption", ["produced_unit", "is_cancelled"], "produced_unit_live")
