# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class LotConsumption(Document):
	"""Written by the app when a transformation (build, repack, split, disassembly, subcontracting
	receipt) is submitted; a cancelled voucher marks its edges cancelled, as ERPNext marks its
	ledger entries, so history is never rewritten."""

	def before_insert(self):
		self.set_nodes()
		self.set_voucher()
		if not self.flags.cycle_checked and not self.is_cancelled and not self.closes_loop:
			from lot_control.genealogy import refuse_cycles

			if self.consumed_node and self.consumed_node == self.produced_node:
				frappe.throw(
					frappe._("Lot {0} cannot be made from itself.").format(frappe.bold(self.consumed_node))
				)
			refuse_cycles([self.consumed_node], [self.produced_node])

	def set_nodes(self):
		"""A serialized unit is a node of its own even when it also carries a lot: the genealogy is
		walked by these keys, so a unit built into another unit is followed like a lot."""
		self.consumed_node = self.consumed_unit or self.consumed_serial_no or self.consumed_lot
		self.produced_node = self.produced_unit or self.produced_lot

	def set_voucher(self):
		"""Records written by older code name only the Stock Entry; any voucher is named by
		voucher_type and voucher_no, and a Stock Entry keeps its own link too."""
		if self.stock_entry and not self.voucher_no:
			self.voucher_type, self.voucher_no = "Stock Entry", self.stock_entry
		if self.voucher_type == "Stock Entry" and not self.stock_entry:
			self.stock_entry = self.voucher_no
		if self.produced_by and not self.voucher_type:
			self.voucher_type = "Stock Entry"


def on_doctype_update():
	"""Each genealogy question is one index lookup: what did this lot go into, what went into it."""
	frappe.db.add_index("Lot Consumption", ["consumed_lot", "is_cancelled"], "consumed_lot_live")
	frappe.db.add_index("Lot Consumption", ["produced_lot", "is_cancelled"], "produced_lot_live")
	frappe.db.add_index("Lot Consumption", ["consumed_node", "is_cancelled"], "consumed_node_live")
	frappe.db.add_index("Lot Consumption", ["produced_node", "is_cancelled"], "produced_node_live")
	frappe.db.add_index("Lot Consumption", ["consumed_unit", "is_cancelled"], "consumed_unit_live")
	frappe.db.add_index("Lot Consumption", ["produced_unit", "is_cancelled"], "produced_unit_live")
	frappe.db.add_index("Lot Consumption", ["consumed_serial_no", "is_cancelled"], "consumed_serial_no_live")
