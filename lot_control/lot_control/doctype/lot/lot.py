# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, getdate, nowdate

from lot_control import arguments, lot_status, record_guard, signatures
from lot_control.arguments import refuse_bad_arguments
from lot_control.exceptions import (
	KeptFieldChangedError,
	LotDatesError,
	LotEnteredByHandError,
	LotHasStockError,
	LotHasStockHistoryError,
	LotStatusChangeError,
)
from lot_control.lot_events import (  # their old home: callers still import them here
	record_lot_event,
	set_lot_status_by_the_app,
)
from lot_control.stock_queries import count_stock_transactions, get_lot_locations, lot_balances

QUALITY_ROLE = "Lot Quality Manager"

# What the app keeps on a lot: where it came from, what it cost, whose it is and where it arrived.
# Set when the lot is made; afterwards only the app's services change them (status: change_status,
# owner: change_owner, cost: the ledger).
KEPT_FIELDS = (
	"item",
	"company",
	"unit_cost",
	"currency",
	"stock_owner",
	"consignment_customer",
	"purchase_receipt",
	"purchase_order",
	"received_date",
	"parent_lot",
	"warehouse",
	"supplier",
	"source_document_type",
	"source_document",
	"work_order",
	"stock_entry",
	"subcontracting_receipt",
	"subcontracting_order",
	"manufacturing_date",
	"expiry_warning_sent_for",
	"opening_qty",
)
# A lot entered by hand names none of these: only a receipt, a build or a split does.
SOURCE_FIELDS = (
	"purchase_receipt",
	"purchase_order",
	"parent_lot",
	"source_document_type",
	"source_document",
	"work_order",
	"stock_entry",
	"subcontracting_receipt",
	"subcontracting_order",
	"expiry_warning_sent_for",
)
DOCUMENT_FIELDS = ("document_type", "document_date", "reference", "file")
OWNER_ROLES = ("Stock Manager", QUALITY_ROLE, "System Manager")


class Lot(Document):
	"""What ERPNext's Batch lacks: source, price paid, arrival, owner, status. Quantities stay in the ledger."""

	def before_insert(self):
		self.flags.entered_by_hand = not self.made_by_the_app()
		if self.flags.entered_by_hand:
			self.check_entry_by_hand()
		self.make_missing_batch()
		self.take_expiry_from_batch()
		if self.flags.entered_by_hand:
			self.start_entry_by_hand()

	def after_insert(self):
		if self.flags.entered_by_hand and flt(self.opening_qty) > 0:
			self.receive_entered_quantity()

	def made_by_the_app(self) -> bool:
		"""Receipts, builds and splits make their lots with a first history entry of their own."""
		return self.flags.get(record_guard.KEPT_FIELDS_FLAG) is True or any(
			record_guard.is_appended_by_app(self, row) for row in self.history
		)

	def check_entry_by_hand(self):
		"""A lot entered by hand (New Lot, REST, Data Import) says what arrived; the app decides the rest:
		never a status only the app sets, a source document, or a cost the ledger does not carry."""
		from lot_control.lot_numbering import lot_code_problem

		name = frappe.bold(self.batch or "")
		if self.status not in (None, "", "Released", "Quarantine"):
			self.refuse_entry(
				_("Lot {0} cannot be entered as {1}: a new lot starts Released or in Quarantine, and only the app sets {1}.").format(
					name, _(self.status)
				)
			)
		given = [field for field in SOURCE_FIELDS if self.get(field)]
		if given:
			self.refuse_entry(
				_("Lot {0} cannot be entered with {1}: the app records these from the receipt, build or split that makes a lot.").format(
					name, ", ".join(_(self.meta.get_label(field)) for field in given)
				)
			)
		batch = frappe.db.get_value("Batch", self.batch, ["item"], as_dict=True) if self.batch else None
		if batch and self.item and batch.item != self.item:
			self.refuse_entry(
				_("Lot {0} is a batch of item {1}, not {2}.").format(name, frappe.bold(batch.item), frappe.bold(self.item))
			)
		if batch:
			self.item = batch.item
		elif self.batch and lot_code_problem(self.batch):
			self.refuse_entry(
				_("Lot number {0} cannot be used: {1}.").format(frappe.bold(repr(self.batch)), lot_code_problem(self.batch))
			)
		if flt(self.opening_qty) < 0 or flt(self.unit_cost) < 0:
			self.refuse_entry(_("Lot {0}: quantity and unit cost cannot be negative.").format(name))
		on_hand = lot_balances([self.batch]) if batch else []
		if on_hand:
			self.take_cost_from_ledger(on_hand)
		elif flt(self.opening_qty) > 0:
			self.check_receipt_details()
		elif flt(self.unit_cost):
			self.refuse_entry(
				_("Lot {0} of item {1} is entered with a unit cost but no quantity: give the quantity received, so the receipt posts the cost to the ledger.").format(
					name, frappe.bold(self.item)
				)
			)

	def take_cost_from_ledger(self, on_hand):
		"""A lot for a batch already in stock (from before Lot Control, or another system) costs what
		the ledger holds it at; its quantity is the ledger's."""
		name = frappe.bold(self.batch)
		qty = sum(flt(row.qty) for row in on_hand)
		if flt(self.opening_qty):
			self.refuse_entry(
				_("Lot {0} of item {1} already holds {2} in the ledger: leave Quantity Received empty, the ledger keeps its quantity.").format(
					name, frappe.bold(self.item), flt(qty, 6)
				)
			)
		ledger_cost = flt(sum(flt(row.qty) * flt(row.unit_cost) for row in on_hand) / qty) if qty else 0
		precision = self.precision("unit_cost") or 2
		if flt(self.unit_cost) and flt(self.unit_cost, precision) != flt(ledger_cost, precision):
			self.refuse_entry(
				_("Lot {0} of item {1} is valued at {2} in the ledger, not {3}: leave Unit Cost empty, the lot takes the ledger's.").format(
					name, frappe.bold(self.item), flt(ledger_cost, precision), flt(self.unit_cost, precision)
				)
			)
		self.unit_cost = ledger_cost
		if not self.company:
			self.company = frappe.db.get_value("Warehouse", on_hand[0].warehouse, "company")

	def check_receipt_details(self):
		name = frappe.bold(self.batch)
		if not self.item or not self.warehouse:
			self.refuse_entry(
				_("Lot {0} is entered with a quantity: give its Item and its Arrival Warehouse, so the stock can be received.").format(name)
			)
		# The warehouse the stock arrives in says whose books it is in (a company filled in from the
		# user's defaults may be another).
		self.company = frappe.db.get_value("Warehouse", self.warehouse, "company") or self.company
		frappe.has_permission("Stock Entry", "submit", throw=True)

	def start_entry_by_hand(self):
		"""Released or Quarantine by the item's rule, as a receipt's lot; the first history entry says so."""
		from lot_control.receiving import quarantines_on_receipt

		self.status = "Quarantine" if self.status == "Quarantine" or quarantines_on_receipt(self.item) else "Released"
		self.validate_owner()
		if flt(self.opening_qty) > 0:
			return  # its history starts with the receipt, once it is posted (after_insert)
		reason = _("Entered by hand.")
		if flt(self.unit_cost):
			reason = _("Entered by hand for a batch already in stock, at the ledger's cost.")
		self.add_history("Status Change", None, self.status, reason)

	def receive_entered_quantity(self):
		"""The quantity entered arrives through ERPNext: a submitted Material Receipt of this lot at
		the unit cost given, so the ledger carries both; the lot records it as its source."""
		stock_uom = frappe.get_cached_value("Item", self.item, "stock_uom")
		posting_date = self.received_date or nowdate()
		entry = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"purpose": "Material Receipt",
				"company": self.company,
				"posting_date": posting_date,
				"set_posting_time": 1 if self.received_date else 0,
				"remarks": _("Lot {0} entered by hand by {1}.").format(self.name, frappe.session.user),
				"items": [
					{
						"item_code": self.item,
						"t_warehouse": self.warehouse,
						"qty": flt(self.opening_qty),
						"uom": stock_uom,
						"stock_uom": stock_uom,
						"conversion_factor": 1,
						"basic_rate": flt(self.unit_cost),
						"set_basic_rate_manually": 1,
						"allow_zero_valuation_rate": 0 if flt(self.unit_cost) else 1,
						"batch_no": self.batch,
						"use_serial_batch_fields": 1,
						"lot_storage_bin": self.storage_bin,
					}
				],
			}
		)
		entry.insert()
		entry.submit()
		posted_cost = flt(entry.items[0].valuation_rate)
		row = self.add_history(
			"Status Change",
			None,
			self.status,
			_("Entered by hand: {0} received into {1} at {2}.").format(
				flt(self.opening_qty, 6), self.warehouse, flt(posted_cost, self.precision("unit_cost") or 2)
			),
			entry.doctype,
			entry.name,
			flt(self.opening_qty),
		)
		row.db_insert()
		self.db_set(
			{
				"unit_cost": posted_cost,
				"source_document_type": entry.doctype,
				"source_document": entry.name,
				"received_date": entry.posting_date,
			}
		)

	def refuse_entry(self, message: str):
		frappe.throw(message, exc=LotEnteredByHandError, title=_("Lot Cannot Be Entered"))

	def take_expiry_from_batch(self):
		read = self.flags.batch_expiry  # (expiry,) when read for all the lots of a voucher
		batch_expiry = read[0] if read else frappe.db.get_value("Batch", self.batch, "expiry_date")
		if batch_expiry or not self.expiry_date:
			self.expiry_date = batch_expiry
		else:
			frappe.db.set_value("Batch", self.batch, "expiry_date", self.expiry_date)

	def make_missing_batch(self):
		"""A lot imported from another system may name a batch ERPNext does not have yet: make it,
		so the Batch stays the record of item, supplier and dates."""
		if not self.batch or self.flags.batch_expiry or frappe.db.exists("Batch", self.batch):
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
		record_guard.refuse_history_edits(self, "history")
		record_guard.refuse_kept_field_changes(
			self,
			KEPT_FIELDS,
			_("Owner: use Change Owner. Cost, source and arrival follow the lot's receipt and the ledger."),
		)
		self.validate_batch()
		self.validate_owner()
		self.validate_status_unchanged()
		self.push_expiry_to_batch()
		self.record_document_changes()

	def push_expiry_to_batch(self):
		"""An expiry date changed on the lot (in bulk, or by Data Import) is the Batch's expiry."""
		if self.is_new():
			return
		before = self.stored_value("expiry_date")
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
		self.add_history(
			"Expiry Change",
			self.status,
			self.status,
			f"{reason} {self.flags.expiry_change_reason or ''}".strip(),
			from_value=str(before or ""),
			to_value=str(self.expiry_date or ""),
		)

	def record_document_changes(self):
		"""Users attach and remove a lot's documents; each change is a line in its history."""
		if self.is_new():
			return
		added, removed, changed = record_guard.table_changes(self, "documents", DOCUMENT_FIELDS)
		for row in added:
			self.add_history("Document Added", self.status, self.status, describe_document(row), to_value=row.file)
		for row in removed:
			self.add_history("Document Removed", self.status, self.status, describe_document(row), from_value=row.file)
		for before, row in changed:
			self.add_history(
				"Document Changed",
				self.status,
				self.status,
				f"{describe_document(before)} -> {describe_document(row)}",
				from_value=before.file,
				to_value=row.file,
			)

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

	def stored_value(self, fieldname: str):
		"""The value in the database: from the copy a save has just read (under a row lock, in
		check_if_latest), or read now."""
		before = self.get_doc_before_save()
		if before is not None and before.name == self.name:
			return before.get(fieldname)
		return frappe.db.get_value("Lot", self.name, fieldname)

	def validate_status_unchanged(self):
		"""Status moves only through change_status, so every change is checked and recorded."""
		if self.is_new() or self.flags.status_change_checked:
			return
		before = self.stored_value("status")
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
		self.set_onload("signature_meanings", signatures.lot_status_signatures(self.status))
		self.set_onload("can_change_owner", may_change_owner())

	def on_trash(self):
		"""A lot is deleted only if it never held stock and nothing happened to it after it was made
		(a lot entered by mistake); any other lot keeps its history: archive it instead."""
		transactions = count_stock_transactions(self.name)
		if not transactions and len(self.history) > 1:
			frappe.throw(
				_("Lot {0} of item {1} has {2} entries in its history and cannot be deleted. Archive it instead.").format(
					frappe.bold(self.name), frappe.bold(self.item), len(self.history)
				),
				exc=LotHasStockHistoryError,
				title=_("Lot Has History"),
			)
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
	def change_status(self, status: str | None = None, reason: str | None = None, password: str | None = None):
		"""A user's status change, with their permission and role checked. A release from a held-back
		status or a rejection is signed: with `password`, here and now; without, by a fresh signature
		given just before (lot_control.signatures.sign)."""
		self.check_permission("write")
		status = arguments.as_name(status, "status", required=True)
		self.apply_status_change(status, reason, password=password)

	def apply_status_change(
		self,
		status: str,
		reason: str | None = None,
		reference_doctype: str | None = None,
		reference_name: str | None = None,
		by_the_app: bool = False,
		password: str | None = None,
	):
		"""The one way a lot changes status: checked against the rules, recorded with who, when and why."""
		self.check_new_status(status, reason, by_the_app)
		signature = None if by_the_app else self.take_signature(status, reason, password)
		if signature and not reference_doctype:
			reference_doctype, reference_name = signatures.SIGNATURE, signature
		self.add_history("Status Change", self.status, status, reason, reference_doctype, reference_name)
		self.status = status
		self.flags.status_change_checked = True
		self.flags.ignore_permissions = True
		self.save()

	def check_new_status(self, status: str, reason: str | None = None, by_the_app: bool = False):
		"""Refuse a status change the rules do not allow (lot_control.lot_status)."""
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

	def take_signature(self, status: str, reason: str | None, password: str | None = None) -> str | None:
		"""The user's signature this change needs (releasing a held-back lot, rejecting a lot), used
		up; signed first when the password comes with the change. None when none is needed."""
		meaning = lot_status.signature_meaning(self.status, status)
		if not meaning:
			return None
		return signatures.signed_decision(
			meaning,
			"Lot",
			self.name,
			_("Setting lot {0} of item {1} to {2}").format(frappe.bold(self.name), frappe.bold(self.item), _(status)),
			password,
			reason,
		)

	def add_history(
		self,
		event: str,
		from_status: str | None = None,
		to_status: str | None = None,
		reason: str | None = None,
		reference_doctype: str | None = None,
		reference_name: str | None = None,
		qty: float | None = None,
		from_value: str | None = None,
		to_value: str | None = None,
	):
		"""The one way a line is added to a lot's history, by the session user at the server's time
		(record_guard refuses any other)."""
		return record_guard.append_history_row(
			self,
			"history",
			{
				"event": event,
				"from_status": from_status,
				"to_status": to_status,
				"from_value": from_value,
				"to_value": to_value,
				"reason": reason,
				"qty": qty,
				"reference_doctype": reference_doctype,
				"reference_name": reference_name,
			},
		)

	@frappe.whitelist()
	@refuse_bad_arguments
	def change_owner(
		self, stock_owner: str | None = None, consignment_customer: str | None = None, reason: str | None = None
	):
		"""Whose stock the lot is (the house's, or a customer's on consignment): a Stock Manager's or
		Lot Quality Manager's decision, with a reason, recorded."""
		self.check_permission("write")
		record_guard.refuse_kept_field_changes(self, KEPT_FIELDS)
		if not may_change_owner():
			frappe.throw(
				_("Only a Stock Manager or Lot Quality Manager can change the owner of lot {0}.").format(frappe.bold(self.name)),
				exc=frappe.PermissionError,
			)
		stock_owner = arguments.as_choice(stock_owner, "stock_owner", ("House", "Customer"), default="House")
		consignment_customer = arguments.as_name(consignment_customer, "consignment_customer")
		reason = (reason or "").strip()
		if not reason:
			frappe.throw(
				_("Give the reason for changing the owner of lot {0} of item {1}.").format(frappe.bold(self.name), frappe.bold(self.item)),
				exc=KeptFieldChangedError,
			)
		if stock_owner == "Customer" and consignment_customer and not frappe.db.exists("Customer", consignment_customer):
			frappe.throw(_("Customer {0} does not exist.").format(frappe.bold(consignment_customer)), exc=frappe.DoesNotExistError)
		before = owner_label(self.stock_owner, self.consignment_customer)
		self.stock_owner = stock_owner
		self.consignment_customer = consignment_customer if stock_owner == "Customer" else None
		self.validate_owner()
		after = owner_label(self.stock_owner, self.consignment_customer)
		if before == after:
			return self
		self.add_history("Owner Change", self.status, self.status, reason, from_value=before, to_value=after)
		record_guard.allow_kept_field_changes(self, "stock_owner", "consignment_customer")
		self.flags.ignore_permissions = True
		self.save()
		return self

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
def bulk_change_status(
	lots=None, status: str | None = None, reason: str | None = None, password: str | None = None
) -> int:
	"""Change many lots at once from the list, each by the same rules as one by one; all or none.
	With `password`, every lot whose change is a signed decision is signed first, the password
	checked once."""
	lots = arguments.as_names(lots, "lots", required=True)
	status = arguments.as_name(status, "status", required=True)
	with all_or_none():
		if password:
			current = dict(frappe.get_all("Lot", filters={"name": ("in", lots)}, fields=["name", "status"], as_list=True))
			signatures.sign_many(signatures.lot_signatures_needed(current, status), password, reason)
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


def may_change_owner() -> bool:
	return bool(set(frappe.get_roles()) & set(OWNER_ROLES))


def owner_label(stock_owner: str | None, consignment_customer: str | None) -> str:
	return _("Customer {0}").format(consignment_customer) if stock_owner == "Customer" else _("House")


def describe_document(row) -> str:
	return f"{_(row.document_type)}: {row.reference or row.file}"


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
