# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import nowdate

from lot_control import codes, record_guard, signatures
from lot_control.exceptions import HistoryTamperedError

# Facts the app keeps true from ERPNext's ledger and the builds; users change them only through
# stock documents, Work Orders and the app's actions.
APP_FIELDS = (
	"code",
	"code_display",
	"item_code",
	"company",
	"serial_no",
	"status",
	"quality_status",
	"work_order",
	"stock_entry",
	"built_on",
	"lot",
	"unit_cost",
	"warehouse",
	"customer",
	"delivery_document_type",
	"delivery_document",
	"delivery_date",
	"warranty_end",
)
MAX_CODE_ATTEMPTS = 5
DOCUMENT_FIELDS = ("document_type", "document_date", "reference", "file")


class SerializedUnit(Document):
	def before_insert(self):
		"""The code is a fresh random one, or one given that passes its check character, or a serial
		number ERPNext already has (units.code_for_new_unit); it is the name."""
		from lot_control.units import code_for_new_unit

		given = (self.code or "").strip()
		self.code = code_for_new_unit(given, self.item_code, self.flags.code_checked_by_the_build) if given else unused_code()
		self.code_display = display_code(self.code)
		self.link_serial_no()

	def autoname(self):
		"""Name, code and ERPNext Serial No are one string, so ledger entries join the unit by name."""
		self.name = self.code

	def validate(self):
		record_guard.refuse_history_edits(self, "history")
		if not self.is_new():
			self.refuse_app_field_changes()
		self.validate_customer_serial()
		self.validate_documents()

	def link_serial_no(self):
		"""Each unit is backed by an ERPNext Serial No of its item, named by the code, so stock,
		deliveries and returns work as ERPNext users expect."""
		existing = frappe.db.get_value("Serial No", self.code, ["item_code"], as_dict=True)
		if existing:
			if existing.item_code != self.item_code:
				frappe.throw(
					_("Serial No {0} belongs to item {1}, so it cannot be a unit of {2}.").format(
						frappe.bold(self.code), frappe.bold(existing.item_code), frappe.bold(self.item_code)
					)
				)
			if self.work_order:
				frappe.db.set_value("Serial No", self.code, "work_order", self.work_order, update_modified=False)
		else:
			serial_no = frappe.get_doc(
				{
					"doctype": "Serial No",
					"serial_no": self.code,
					"item_code": self.item_code,
					"company": self.company,
					"status": "Inactive",
					"work_order": self.work_order,
				}
			)
			serial_no.flags.ignore_permissions = True
			serial_no.insert()
		self.serial_no = self.code

	def refuse_app_field_changes(self):
		"""Compared with the database, not the form's copy: every write path (REST, frappe.client,
		Data Import) is refused alike."""
		if self.flags.by_the_app:
			return
		record_guard.refuse_kept_field_changes(
			self,
			APP_FIELDS,
			_("They follow the unit's stock movements and builds; its quality status changes with Quality Status."),
		)

	def validate_customer_serial(self):
		"""A customer's serial names one unit of an item for that customer."""
		self.customer_serial = (self.customer_serial or "").strip() or None
		if not self.customer_serial:
			return
		if not self.customer_serial_customer and self.customer:
			self.customer_serial_customer = self.customer
		filters = {
			"item_code": self.item_code,
			"customer_serial": self.customer_serial,
			"name": ("!=", self.name),
			"customer_serial_customer": self.customer_serial_customer or ("is", "not set"),
		}
		other = frappe.db.get_value("Serialized Unit", filters, "name")
		if other:
			frappe.throw(
				_("Customer serial {0} of item {1} is already unit {2}{3}.").format(
					frappe.bold(self.customer_serial),
					frappe.bold(self.item_code),
					frappe.bold(other),
					_(" for customer {0}").format(frappe.bold(self.customer_serial_customer)) if self.customer_serial_customer else "",
				),
				title=_("Customer Serial Taken"),
			)

	def validate_documents(self):
		"""Each file attached, removed or replaced is a line in the unit's history, with its type and date."""
		for row in self.documents:
			row.document_date = row.document_date or nowdate()
		added, removed, changed = record_guard.table_changes(self, "documents", DOCUMENT_FIELDS)
		for row in added:
			self.add_event("Document Attached", self.status, self.status, note=describe_document(row), event_date=row.document_date)
		for row in removed:
			self.add_event("Document Removed", self.status, self.status, note=describe_document(row))
		for before, row in changed:
			self.add_event(
				"Document Changed",
				self.status,
				self.status,
				note=f"{describe_document(before)} -> {describe_document(row)}",
				event_date=row.document_date,
			)

	def add_event(self, event, from_status, to_status, note=None, reference=None, event_date=None):
		"""The one way a line is added to a unit's history (record_guard refuses any other)."""
		reference_doctype, reference_name = reference or (None, None)
		return record_guard.append_history_row(
			self,
			"history",
			{
				"event": event,
				"from_status": from_status,
				"to_status": to_status,
				"warehouse": self.warehouse,
				"customer": self.customer,
				"event_date": event_date or nowdate(),
				"note": note,
				"reference_doctype": reference_doctype,
				"reference_name": reference_name,
			},
		)

	def on_trash(self):
		"""Only a unit registered by mistake, never built nor moved, may be deleted; any other keeps its history."""
		if self.stock_entry or self.status != "Registered" or len(self.history) > 1:
			frappe.throw(
				_("Unit {0} of item {1} has a history ({2} entries) and cannot be deleted.").format(
					frappe.bold(self.name), frappe.bold(self.item_code), len(self.history)
				),
				exc=HistoryTamperedError,
				title=_("Unit Has History"),
			)

	def save_by_the_app(self):
		self.flags.by_the_app = True
		self.flags.ignore_permissions = True
		self.save()
		self.flags.by_the_app = False

	def onload(self):
		from lot_control.units import lots_in_unit

		self.set_onload("lots_inside", lots_in_unit(self.name))
		self.set_onload("is_quality_manager", "Lot Quality Manager" in frappe.get_roles())
		self.set_onload("signature_meanings", signatures.unit_status_signatures(self.quality_status or "Released"))


def unused_code() -> str:
	"""A random code; the odds of meeting one already used are negligible, but a restored or merged
	site is checked anyway, against units and ERPNext serial numbers alike."""
	for _attempt in range(MAX_CODE_ATTEMPTS):
		code = codes.generate_unit_code()
		spellings = codes.code_spellings(code)  # a code issued before codes were GS1-safe may hold the other
		if not frappe.db.exists("Serial No", {"name": ("in", spellings)}) and not frappe.db.exists("Serialized Unit", {"name": ("in", spellings)}):
			return code
	frappe.throw(_("Could not find an unused unit code."))


def describe_document(row) -> str:
	return f"{_(row.document_type)}: {row.reference or row.file}"


def display_code(code: str) -> str:
	"""XXXX-XXXX-XXXX-X for the app's own codes; any other serial number as it is."""
	return codes.format_code(code) if codes.is_valid_code(code) else code
