# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, now_datetime

from lot_control import trace
from lot_control.exceptions import RecallSuspectsFixedError

HOLD_STATUSES = ("On Hold", "Quarantine")
QUALITY_ROLE = "Lot Quality Manager"


class Recall(Document):
	"""A recall keeps the forward trace as it was on the day it was recorded, so the record shows
	what was known then even after later movements; holding the stock acts on today's lots."""

	def validate(self):
		if not self.suspect_lots and not self.supplier_batch_code:
			frappe.throw(_("Name the suspect lots, or the supplier's batch or date code."), title=_("Nothing to Recall"))
		if self.is_new():
			self.list_lots_of_the_date_code()
		self.keep_suspects()
		self.check_closing()

	def list_lots_of_the_date_code(self):
		"""A recall by supplier and date code shows the lots that code found, as suspects."""
		if not self.supplier_batch_code:
			return
		listed = {row.lot for row in self.suspect_lots}
		for lot in trace.forward_start(supplier=self.supplier, supplier_batch_code=self.supplier_batch_code):
			if lot not in listed:
				self.append("suspect_lots", {"lot": lot, "item": frappe.db.get_value("Batch", lot, "item")})

	def keep_suspects(self):
		"""The frozen trace answers for the suspects it was taken for; other suspects are another recall."""
		before = self.get_doc_before_save()
		if not before:
			return
		suspects = lambda doc: (doc.supplier or None, (doc.supplier_batch_code or "").strip() or None, sorted(row.lot for row in doc.suspect_lots))  # noqa: E731
		if suspects(before) != suspects(self):
			frappe.throw(
				_("The suspect stock of recall {0} cannot change after it was traced; record a new recall for other lots.").format(frappe.bold(self.name)),
				exc=RecallSuspectsFixedError,
				title=_("Suspects Are Fixed"),
			)
		if before.trace_json != self.trace_json or str(before.traced_on or "") != str(self.traced_on or ""):
			frappe.throw(
				_("The trace of recall {0} was frozen on {1} and cannot be edited.").format(frappe.bold(self.name), before.traced_on),
				exc=RecallSuspectsFixedError,
				title=_("Trace Is Frozen"),
			)

	def check_closing(self):
		"""Closing releases what the recall held, which needs the Lot Quality Manager."""
		if self.status != "Closed" or self.is_new() or not self.has_value_changed("status"):
			return
		if any(row.held for row in self.affected_stock) and QUALITY_ROLE not in frappe.get_roles():
			frappe.throw(
				_("Closing recall {0} releases the stock it held, which needs the {1} role.").format(frappe.bold(self.name), QUALITY_ROLE),
				frappe.PermissionError,
				title=_("Not Allowed"),
			)

	def on_update(self):
		if self.status == "Closed" and self.has_value_changed("status"):
			self.release_held_stock()

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
		"""Every affected lot and serialized unit still in stock, descendants included, goes On Hold
		(or Quarantine), with this recall as the reason. What is already held back is left as it is."""
		from lot_control import units

		self.check_permission("write")
		if self.status == "Closed":
			frappe.throw(_("Recall {0} is closed; it holds nothing any more.").format(frappe.bold(self.name)))
		status = status or self.hold_as or "On Hold"
		if status not in HOLD_STATUSES:
			frappe.throw(_("Hold affected stock as On Hold or Quarantine, not {0}.").format(status))
		answer = trace.trace_forward(lots=recall_lots(self))
		held = []
		reason = _("Recall {0}: {1}").format(self.name, self.reason)
		for lot_name in sorted({row.lot for row in answer["on_hand"] if row.lot and not row.unit}):
			if not frappe.db.exists("Lot", lot_name):
				continue
			lot = frappe.get_doc("Lot", lot_name)
			if lot.status in ("On Hold", "Quarantine", "Rejected", "Expired"):
				continue
			lot.apply_status_change(status, reason, self.doctype, self.name, by_the_app=True)
			held.append(lot_name)
		unit_status = dict(
			frappe.get_all(
				"Serialized Unit",
				filters={"name": ("in", [row.unit for row in answer["on_hand"] if row.unit] or [""])},
				fields=["name", "quality_status"],
				as_list=True,
			)
		)
		for unit_name in sorted(unit_status):
			if (unit_status[unit_name] or "Released") != "Released":
				continue
			units.set_unit_quality_status(unit_name, status, reason, self.doctype, self.name)
			held.append(unit_name)
		held_now = set(held)
		known = {row.unit or row.lot for row in self.affected_stock}
		for row in answer["on_hand"]:
			if row.unit and row.unit not in known:
				# A unit built after the trace was frozen: it is held, so it is listed as held.
				self.append("affected_stock", {"lot": row.lot, "unit": row.unit, "item": row.item_code, "warehouse": row.warehouse, "qty": 1})
		for row in self.affected_stock:
			if row.unit:
				row.held = 1 if (row.unit in held_now or unit_status.get(row.unit) in HOLD_STATUSES) else row.held
			elif row.lot and (row.lot in held_now or frappe.db.get_value("Lot", row.lot, "status") in HOLD_STATUSES):
				row.held = 1
		if self.status == "Open":
			self.status = "Contained"
		self.add_comment("Info", _("Held {0} lots and units as {1}: {2}").format(len(held), status, ", ".join(held) or _("none")))
		self.save()
		return held

	def release_held_stock(self) -> list[str]:
		"""On closing: every lot and unit this recall held goes back to Released, unless another open
		recall still holds it or someone changed its status since (then that hold stands)."""
		from lot_control import units

		reason = _("Recall {0} closed").format(self.name)
		others = held_by_other_recalls(self.name)
		released = []
		for lot_name in sorted({row.lot for row in self.affected_stock if row.held and row.lot and not row.unit}):
			if lot_name in others or not frappe.db.exists("Lot", lot_name):
				continue
			lot = frappe.get_doc("Lot", lot_name)
			last = last_status_change(lot.history)
			if lot.status in HOLD_STATUSES and last and last.reference_doctype == self.doctype:
				lot.apply_status_change("Released", reason, self.doctype, self.name, by_the_app=True)
				released.append(lot_name)
		for unit_name in sorted({row.unit for row in self.affected_stock if row.held and row.unit}):
			if unit_name in others or not frappe.db.exists("Serialized Unit", unit_name):
				continue
			unit = frappe.get_doc("Serialized Unit", unit_name)
			last = last_quality_change(unit.history)
			if unit.get("quality_status") in HOLD_STATUSES and last and last.reference_doctype == self.doctype:
				units.set_unit_quality_status(unit_name, "Released", reason, self.doctype, self.name)
				released.append(unit_name)
		if released:
			self.add_comment("Info", _("Released {0} lots and units on closing: {1}").format(len(released), ", ".join(released)))
		return released


def last_status_change(history):
	changes = [row for row in history or [] if row.event == "Status Change"]
	return changes[-1] if changes else None


def last_quality_change(events):
	changes = [row for row in events or [] if row.event in ("Quality Status", "Status Change")]
	return changes[-1] if changes else None


def held_by_other_recalls(recall: str) -> set[str]:
	"""Lots and units another recall, not closed, still holds."""
	rows = frappe.get_all(
		"Recall Affected Stock",
		filters={"parenttype": "Recall", "held": 1, "parent": ("!=", recall)},
		fields=["parent", "lot", "unit"],
	)
	open_recalls = set(
		frappe.get_all("Recall", filters={"name": ("in", list({row.parent for row in rows}) or [""]), "status": ("!=", "Closed")}, pluck="name")
	)
	return {row.unit or row.lot for row in rows if row.parent in open_recalls}


def recall_lots(recall) -> list[str]:
	lots = [row.lot for row in recall.suspect_lots if row.lot]
	if recall.supplier_batch_code:
		lots += trace.forward_start(supplier=recall.supplier, supplier_batch_code=recall.supplier_batch_code)
	return list(dict.fromkeys(lots))


def recall_trace(recall) -> dict:
	return trace.trace_forward(lots=recall_lots(recall))
