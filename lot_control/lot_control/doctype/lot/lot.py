# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, getdate, now_datetime, nowdate

from lot_control import arguments, lot_status
from lot_control.arguments import refuse_bad_arguments
from lot_control.exceptions import (
	LotDatesError,
	LotHasStockError,
	LotHasStockHistoryError,
	LotStatusChangeError,
)
from lot_control.lot_events import (  # their old home: callers still import them here
	record_lot_event,
	set_lot_status_by_the_app,
)
from lot_control.stock_queries import count_stock_transactions, get_lot_locations

QUALITY_ROLE = "Lot Quality Manager"


class Lot(Document):
	"""What ERPNext's Batch lacks: source, price paid, arrival, owner, status. Quantities stay in the ledger."""

	def before_insert(self):
		self.make_missing_batch()
		self.take_expiry_from_batch()

	def take_expiry_from_batch(self):
		batch_expiry = frappe.db.get_value("Batch", self.batch, "expiry_date")
		if batch_expiry or not self.expiry_date:
			self.expiry_date = batch_expiry
		else:
			frappe.db.set_value("Batch", self.batch, "expiry_date", self.expiry_date)

	def make_missing_batch(self):
		"""A lot imported from another system may name a batch ERPNext does not have yet: make it,
		so the Batch stays the record of item, supplier and dates."""
		if not self.batch or frappe.db.exists("Batch", self.batch):
			return
		if not self.item:
			frappe.throw(_("Lot {0} has no Batch yet: give its Item so one can be made.").format(frappe.bold(self.batch)))
		frappe.get_doc(
			{
				"doctype": "Batch",
				"batch_id": self.batch,
				"item": self.item,
				"supplier": self.supplier,
				"manufacturing_date": self.manufacturing_date,
				"expiry_date": self.expiry_date,
			}
		).insert(ignore_permissions=True)

	def validate(self):
		self.validate_batch()
		self.validate_owner()
		self.validate_status_unchanged()
		self.push_expiry_to_batch()

	def push_expiry_to_batch(self):
		"""An expiry date changed on the lot (in bulk, or by Data Import) is the Batch's expiry."""
		if self.is_new():
			return
		before = frappe.db.get_value("Lot", self.name, "expiry_date")
		if as_date(before) == as_date(self.expiry_date):
			return
		if self.manufacturing_date and self.expiry_date and as_date(self.expiry_date) < as_date(self.manufacturing_date):
			frappe.throw(
				_("Lot {0} of item {1}: the new expiry date {2} is before its manufacturing date {3}.").format(
					frappe.bold(self.name),
					frappe.bold(self.item),
					frappe.format(self.expiry_date, "Date"),
					frappe.format(self.manufacturing_date, "Date"),
				),
				exc=LotDatesError,
			)
		batch = frappe.get_doc("Batch", self.batch)
		batch.expiry_date = self.expiry_date
		batch.flags.ignore_permissions = True
		batch.save()
		reason = _("Expiry {0} -> {1}.").format(before or "-", self.expiry_date or "-")
		self.add_history("Expiry Change", self.status, self.status, f"{reason} {self.flags.expiry_change_reason or ''}".strip())

	def validate_batch(self):
		if self.name and not self.is_new() and self.name != self.batch:
			frappe.throw(_("Lot {0} must keep the name of its Batch {1}.").format(self.name, self.batch))
		if not frappe.get_cached_value("Item", self.item, "has_batch_no"):
			frappe.throw(
				_("Item {0} of lot {1} is not lot-controlled: enable Has Batch No on the item.").format(
					frappe.bold(self.item), frappe.bold(self.batch)
				)
			)

	def validate_owner(self):
		if self.stock_owner != "Customer":
			self.stock_owner = "House"
			self.consignment_customer = None
		elif not self.consignment_customer:
			frappe.throw(
				_("Lot {0} of item {1} is a customer's consigned stock: name the consigning customer.").format(
					frappe.bold(self.name or self.batch), frappe.bold(self.item)
				)
			)

	def validate_status_unchanged(self):
		"""Status moves only through change_status, so every change is checked and recorded."""
		if self.is_new() or self.flags.status_change_checked:
			return
		before = frappe.db.get_value("Lot", self.name, "status")
		if before != self.status:
			frappe.throw(
				_("Change the status of lot {0} with Change Status, so the change is checked and recorded.").format(
					frappe.bold(self.name)
				),
				exc=LotStatusChangeError,
			)

	def onload(self):
		self.set_onload("locations", get_lot_locations(self.name))
		self.set_onload("can_release", QUALITY_ROLE in frappe.get_roles())

	def on_trash(self):
		transactions = count_stock_transactions(self.name)
		if transactions:
			frappe.throw(
				_(
					"Lot {0} of item {1} has stock history ({2} stock transactions) and cannot be deleted. Archive it instead."
				).format(frappe.bold(self.name), frappe.bold(self.item), transactions),
				exc=LotHasStockHistoryError,
				title=_("Lot Has Stock History"),
			)

	@frappe.whitelist()
	def archive(self, reason: str | None = None):
		"""Archive a lot once nothing of it is left, so it leaves the default list but stays traceable."""
		self.change_status("Archived", reason or _("Archived by {0}.").format(frappe.session.user))

	@frappe.whitelist()
	def restore(self, reason: str | None = None):
		reason = reason or _("Restored from archive by {0}.").format(frappe.session.user)
		if self.expiry_date and getdate(self.expiry_date) < getdate(nowdate()):
			self.check_permission("write")
			self.apply_status_change("Expired", reason, by_the_app=True)
		else:
			self.change_status("Released", reason)

	@frappe.whitelist()
	@refuse_bad_arguments
	def change_status(self, status: str | None = None, reason: str | None = None):
		"""A user's status change, with their permission and role checked."""
		self.check_permission("write")
		status = arguments.as_name(status, "status", required=True)
		self.apply_status_change(status, reason)

	def apply_status_change(
		self,
		status: str,
		reason: str | None = None,
		reference_doctype: str | None = None,
		reference_name: str | None = None,
		by_the_app: bool = False,
	):
		"""The one way a lot changes status: checked against the rules, recorded with who, when and why."""
		if status == "Archived":
			self.refuse_archiving_stock()
		if status == "Released" and self.status in lot_status.HELD_BACK:
			self.refuse_release_without_required_document()
		try:
			lot_status.check_status_change(
				self.status,
				status,
				reason=reason,
				has_quality_role=by_the_app or QUALITY_ROLE in frappe.get_roles(),
				by_the_app=by_the_app,
				expiry_date=getdate(self.expiry_date) if self.expiry_date else None,
				on_date=getdate(nowdate()),
			)
		except lot_status.StatusChangeRefused as refusal:
			frappe.throw(
				_("Lot {0} of item {1} cannot be set to {2}: {3}").format(
					frappe.bold(self.name), frappe.bold(self.item), _(status), _(str(refusal))
				),
				exc=LotStatusChangeError,
				title=_("Status Change Refused"),
			)
		self.add_history("Status Change", self.status, status, reason, reference_doctype, reference_name)
		self.status = status
		self.flags.status_change_checked = True
		self.flags.ignore_permissions = True
		self.save()

	def add_history(
		self,
		event: str,
		from_status: str | None = None,
		to_status: str | None = None,
		reason: str | None = None,
		reference_doctype: str | None = None,
		reference_name: str | None = None,
		qty: float | None = None,
	):
		self.append(
			"history",
			{
				"event": event,
				"from_status": from_status,
				"to_status": to_status,
				"reason": reason,
				"qty": qty,
				"changed_by": frappe.session.user,
				"changed_on": now_datetime(),
				"reference_doctype": reference_doctype,
				"reference_name": reference_name,
			},
		)

	def refuse_release_without_required_document(self):
		required = frappe.get_cached_value("Item", self.item, "required_lot_document")
		if required and not any(row.document_type == required for row in self.documents):
			frappe.throw(
				_("Lot {0} of item {1} cannot be released from {2}: it has no {3}. Attach it under Documents first.").format(
					frappe.bold(self.name), frappe.bold(self.item), _(self.status), _(required)
				),
				exc=LotStatusChangeError,
				title=_("Document Missing"),
			)

	def refuse_archiving_stock(self):
		locations = get_lot_locations(self.name)
		if locations:
			frappe.throw(
				_("Lot {0} of item {1} still holds {2}. Issue or move that stock before archiving the lot.").format(
					frappe.bold(self.name),
					frappe.bold(self.item),
					", ".join(f"{flt(row.qty, 6)} in {row.warehouse}" for row in locations),
				),
				exc=LotHasStockError,
				title=_("Lot Has Stock"),
			)


@frappe.whitelist()
@refuse_bad_arguments
def bulk_change_status(lots=None, status: str | None = None, reason: str | None = None) -> int:
	"""Change many lots at once from the list, each by the same rules as one by one; all or none."""
	lots = arguments.as_names(lots, "lots", required=True)
	status = arguments.as_name(status, "status", required=True)
	with all_or_none():
		for name in lots:
			frappe.get_doc("Lot", name).change_status(status, reason)
	return len(lots)


@frappe.whitelist()
@refuse_bad_arguments
def bulk_change_expiry(lots=None, expiry_date: str | None = None, reason: str | None = None) -> int:
	"""Move the expiry date of many lots; the date lives on each lot's Batch and the change is recorded.
	The date is required and real: an empty one would read as today, 0000-00-00 as no expiry."""
	lots = arguments.as_names(lots, "lots", required=True)
	expiry_date = arguments.as_date(expiry_date, "expiry_date", required=True)
	with all_or_none():
		for name in lots:
			change_expiry(name, expiry_date, reason)
	return len(lots)


def change_expiry(name: str, expiry_date, reason: str | None = None):
	lot = frappe.get_doc("Lot", name)
	lot.check_permission("write")
	lot.expiry_date = expiry_date
	lot.flags.expiry_change_reason = reason
	lot.flags.ignore_permissions = True
	lot.save()


def as_date(value):
	return getdate(value) if value else None


@contextmanager
def all_or_none():
	"""A refusal part-way through a bulk action undoes the lots already changed."""
	savepoint = "lot_bulk_action"
	frappe.db.savepoint(savepoint)
	try:
		yield
	except Exception:
		frappe.db.rollback(save_point=savepoint)
		raise
