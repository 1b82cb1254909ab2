# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, get_datetime, now_datetime

from lot_control import recall_evidence, record_guard, signatures, trace
from lot_control.constants.signatures import RECALL_CLOSED
from lot_control.exceptions import MockRecallHoldsNothingError, RecallSuspectsFixedError

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
		record_guard.refuse_history_edits(self, "events")
		self.record_status_change()

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
		if (
			before.trace_json != self.trace_json
			or str(before.traced_on or "") != str(self.traced_on or "")
			or flt(before.trace_seconds, 3) != flt(self.trace_seconds, 3)
			or balance_lines(before) != balance_lines(self)
		):
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
		# Closing is a signed decision (lot_control.signatures): the closer's fresh signature is used up.
		signature = signatures.take_signature(
			RECALL_CLOSED, self.doctype, self.name, _("Closing recall {0}").format(frappe.bold(self.name))
		)
		if signature:
			# The closing event says why, in the closer's words, and which signature made it.
			reason = frappe.db.get_value("Electronic Signature", signature, "reason")
			self.flags.decision_reason = _("{0} (signature {1})").format(reason or _("Closed"), signature)

	def on_update(self):
		if self.status == "Closed" and self.has_value_changed("status"):
			self.release_held_stock()
		self.flags.status_change_recorded = False

	def record_status_change(self):
		"""Every change of status is a decision on the record: who, when, from, to and why."""
		before = self.get_doc_before_save()
		if not before or before.status == self.status or self.flags.get("status_change_recorded"):
			return
		self.record_event(
			"Closed" if self.status == "Closed" else "Status Change",
			before.status,
			self.status,
			self.flags.get("decision_reason") or _("Status set to {0} on recall {1}").format(self.status, self.name),
		)

	def record_event(self, event: str, from_status=None, to_status=None, reason=None, qty=None):
		"""The one way a decision is added to the recall's events (record_guard refuses any other)."""
		return record_guard.append_history_row(
			self,
			"events",
			{
				"event": event,
				"from_status": from_status,
				"to_status": to_status,
				"qty": qty,
				"reason": reason,
				"reference_doctype": self.doctype,
				"reference_name": self.name,
			},
		)

	def before_insert(self):
		self.take_trace()

	def after_insert(self):
		# The name is known only now: the opening event refers to its recall.
		for row in self.events:
			if not row.reference_name:
				row.db_set("reference_name", self.name, update_modified=False)

	def take_trace(self):
		"""The forward trace and each lot's mass balance, frozen as they are now, and how long the
		answer took from opening the recall."""
		answer = recall_trace(self)
		balances = recall_evidence.mass_balance_of(
			answer["lots"], suspects=recall_lots(self), show_customers="Delivery Note" not in answer["restricted"]
		)
		self.traced_on = now_datetime()
		self.trace_seconds = max((self.traced_on - get_datetime(self.creation or self.traced_on)).total_seconds(), 0)
		self.set_mass_balance(balances)
		suspects = ", ".join(recall_lots(self))
		self.record_event(
			"Opened",
			None,
			self.status or "Open",
			(_("Mock recall (drill) of {0}: {1}") if self.is_mock_recall else _("Recall of {0}: {1}")).format(suspects, self.reason),
			qty=len(answer["lots"]),
		)
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

	def report_tree(self) -> list[dict]:
		"""For the Recall Report print format: the frozen trace as indented rows."""
		return trace_tree_rows(frappe.parse_json(self.trace_json or "{}"))

	def report_builds(self) -> list[dict]:
		return frappe.parse_json(self.trace_json or "{}").get("builds") or []

	def set_mass_balance(self, balances):
		uoms = dict(
			frappe.get_all("Item", filters={"name": ("in", list({balance.item_code for balance in balances if balance.item_code}) or [""])}, fields=["name", "stock_uom"], as_list=True)
		)
		self.set("mass_balance", [])
		for balance in balances:
			for line in balance.lines:
				self.append(
					"mass_balance",
					{
						"lot": line.lot,
						"item": balance.item_code,
						"movement": line.movement,
						"detail": line.detail,
						"qty": line.qty,
						"uom": uoms.get(balance.item_code),
						"flagged": 1 if line.flagged else 0,
						"documents": ", ".join(line.documents),
					},
				)
		self.unaccounted_lots = sum(1 for balance in balances if balance.unaccounted)

	@frappe.whitelist()
	def hold_affected_stock(self, status: str | None = None) -> list[str]:
		"""Every affected lot and serialized unit still in stock, descendants included, goes On Hold
		(or Quarantine), with this recall as the reason. What is already held back is left as it is."""
		from lot_control import units

		self.check_permission("write")
		if self.is_mock_recall:
			frappe.throw(
				_("Recall {0} is a mock recall (a drill): it traces and balances the stock but holds none of it.").format(frappe.bold(self.name)),
				exc=MockRecallHoldsNothingError,
				title=_("A Drill Holds Nothing"),
			)
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
		before_status = self.status
		if self.status == "Open":
			self.status = "Contained"
		self.record_event(
			"Stock Held", before_status, self.status, _("Held as {0}: {1}").format(status, ", ".join(held) or _("none")), qty=len(held)
		)
		self.flags.status_change_recorded = True
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
			# on_update: the recall row is written already, so the event row is written on its own.
			self.record_event("Stock Released", None, self.status, reason + ": " + ", ".join(released), qty=len(released)).db_insert()
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


TREE_ROW_LIMIT = 2000


def trace_tree_rows(answer: dict, limit: int = TREE_ROW_LIMIT) -> list[dict]:
	"""The frozen forward trace as a tree, depth first from each suspect lot: what was made from
	what (splits, builds, units), each row with its indent, for the printed report."""
	made_from = {}
	for node in answer.get("nodes") or []:
		if node.get("from_lot"):
			made_from.setdefault(node["from_lot"], []).append(node)
	starts = [node for node in answer.get("nodes") or [] if not node.get("from_lot")]
	rows = []

	def visit(node, indent, path):
		if len(rows) >= limit:
			return
		rows.append({**node, "indent": indent})
		for child in sorted(made_from.get(node["lot"], []), key=lambda child: child["lot"]):
			if child["lot"] not in path:
				visit(child, indent + 1, path | {child["lot"]})

	for start in starts:
		visit(start, 0, {start["lot"]})
	return rows


def balance_lines(recall) -> list[tuple]:
	return [(row.lot, row.movement, row.detail, flt(row.qty, 6), row.flagged) for row in recall.get("mass_balance") or []]


def recall_lots(recall) -> list[str]:
	lots = [row.lot for row in recall.suspect_lots if row.lot]
	if recall.supplier_batch_code:
		lots += trace.forward_start(supplier=recall.supplier, supplier_batch_code=recall.supplier_batch_code)
	return list(dict.fromkeys(lots))


def recall_trace(recall) -> dict:
	return trace.trace_forward(lots=recall_lots(recall))
