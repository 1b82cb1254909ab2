# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, now_datetime

from lot_control import trace


class Recall(Document):
	"""A recall keeps the forward trace as it was on the day it was recorded, so the record shows
	what was known then even after later movements; holding the stock acts on today's lots."""

	def validate(self):
		if not self.suspect_lots and not self.supplier_batch_code:
			frappe.throw(_("Name the suspect lots, or the supplier's batch or date code."), title=_("Nothing to Recall"))
		self.keep_suspects()

	def keep_suspects(self):
		"""The frozen trace answers for the suspects it was taken for; other suspects are another recall."""
		before = self.get_doc_before_save()
		if not before:
			return
		suspects = lambda doc: (doc.supplier or None, (doc.supplier_batch_code or "").strip() or None, sorted(row.lot for row in doc.suspect_lots))  # noqa: E731
		if suspects(before) != suspects(self):
			frappe.throw(
				_("The suspect stock of recall {0} cannot change after it was traced; record a new recall for other lots.").format(frappe.bold(self.name)),
				title=_("Suspects Are Fixed"),
			)

	def before_insert(self):
		self.take_trace()

	def take_trace(self):
		answer = recall_trace(self)
		self.traced_on = now_datetime()
		self.trace_json = frappe.as_json(answer, indent=1)
		self.lots_affected = len(answer["lots"])
		self.units_affected = len({node["unit"] for node in answer["nodes"] if node.get("unit")})
		self.builds_affected = len(answer["builds"])
		self.customers_affected = len(answer["customers"])
		self.affected_units = "\n".join(sorted({node["unit"] for node in answer["nodes"] if node.get("unit")}))
		self.set("affected_stock", [])
		for row in answer["on_hand"]:
			self.append(
				"affected_stock",
				{
					"lot": row.get("lot"),
					"unit": row.get("unit"),
					"item": row.get("item_code"),
					"warehouse": row.get("warehouse"),
					"storage_bin": row.get("storage_bin"),
					"qty": flt(row.get("qty")),
					"status_at_recall": row.get("status"),
					"stock_owner": row.get("owner"),
				},
			)
		self.set("contacts", [])
		for row in answer["deliveries"]:
			self.append(
				"contacts",
				{
					"customer": row.get("customer"),
					"voucher_type": row.get("voucher_type"),
					"voucher_no": row.get("voucher_no"),
					"posting_date": row.get("posting_date"),
					"item": row.get("item_code"),
					"lot": row.get("lot"),
					"qty": flt(row.get("qty")),
					"units": "\n".join(row.get("units") or []),
				},
			)

	@frappe.whitelist()
	def hold_affected_stock(self, status: str | None = None) -> list[str]:
		"""Every affected lot still in stock, descendants included, goes On Hold (or Quarantine),
		with this recall as the reason. Lots already held back are left as they are."""
		self.check_permission("write")
		status = status or self.hold_as or "On Hold"
		if status not in ("On Hold", "Quarantine"):
			frappe.throw(_("Hold affected stock as On Hold or Quarantine, not {0}.").format(status))
		answer = trace.trace_forward(lots=recall_lots(self))
		held = []
		reason = _("Recall {0}: {1}").format(self.name, self.reason)
		for lot_name in sorted({row.lot for row in answer["on_hand"] if row.lot}):
			if not frappe.db.exists("Lot", lot_name):
				continue
			lot = frappe.get_doc("Lot", lot_name)
			if lot.status in ("On Hold", "Quarantine", "Rejected", "Expired"):
				continue
			lot.apply_status_change(status, reason, self.doctype, self.name, by_the_app=True)
			held.append(lot_name)
		for row in self.affected_stock:
			if row.lot and (row.lot in held or frappe.db.get_value("Lot", row.lot, "status") in ("On Hold", "Quarantine")):
				row.held = 1
		if self.status == "Open":
			self.status = "Contained"
		self.add_comment("Info", _("Held {0} lots as {1}: {2}").format(len(held), status, ", ".join(held) or _("none")))
		self.save()
		return held


def recall_lots(recall) -> list[str]:
	lots = [row.lot for row in recall.suspect_lots if row.lot]
	if recall.supplier_batch_code:
		lots += trace.forward_start(supplier=recall.supplier, supplier_batch_code=recall.supplier_batch_code)
	return list(dict.fromkeys(lots))


def recall_trace(recall) -> dict:
	return trace.trace_forward(lots=recall_lots(recall))
