# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime, nowdate

from lot_control import codes

# Facts the app keeps true from ERPNext's ledger and the builds; users change them only through
# stock documents, Work Orders and the app's actions.
APP_FIELDS = (
	"code",
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


class SerializedUnit(Document):
	def before_insert(self):
		"""The code is a fresh random one, or a serial number ERPNext already has; it is the name."""
		self.code = (self.code or "").strip() or unused_code()
		self.code_display = display_code(self.code)
		self.link_serial_no()

	def autoname(self):
		"""Name, code and ERPNext Serial No are one string, so ledger entries join the unit by name."""
		self.name = self.code

	def validate(self):
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
		if self.flags.by_the_app:
			return
		before = self.get_doc_before_save()
		if not before:
			return
		changed = [field for field in APP_FIELDS if (self.get(field) or None) != (before.get(field) or None)]
		if changed:
			frappe.throw(
				_("{0} of unit {1} follow its stock movements and builds and cannot be edited.").format(
					", ".join(_(self.meta.get_label(field)) for field in changed), frappe.bold(self.name)
				),
				title=_("Kept by Lot Control"),
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
		"""A newly attached file is a line in the unit's history, with its type and date."""
		before = self.get_doc_before_save()
		known = {row.name for row in before.documents} if before else set()
		for row in self.documents:
			row.document_date = row.document_date or nowdate()
			if row.name not in known or not before:
				self.add_event(
					"Document Attached",
					self.status,
					self.status,
					note=f"{_(row.document_type)}: {row.reference or row.file}",
					event_date=row.document_date,
				)

	def add_event(self, event, from_status, to_status, note=None, reference=None, event_date=None):
		reference_doctype, reference_name = reference or (None, None)
		self.append(
			"history",
			{
				"event": event,
				"from_status": from_status,
				"to_status": to_status,
				"warehouse": self.warehouse,
				"customer": self.customer,
				"event_date": event_date or nowdate(),
				"note": note,
				"changed_by": frappe.session.user,
				"changed_on": now_datetime(),
				"reference_doctype": reference_doctype,
				"reference_name": reference_name,
			},
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


def unused_code() -> str:
	"""A random code; the odds of meeting one already used are negligible, but a restored or merged
	site is checked anyway, against units and ERPNext serial numbers alike."""
	for _attempt in range(MAX_CODE_ATTEMPTS):
		code = codes.generate_unit_code()
		if not frappe.db.exists("Serial No", code) and not frappe.db.exists("Serialized Unit", code):
			return code
	frappe.throw(_("Could not find an unused unit code."))


def display_code(code: str) -> str:
	"""XXXX-XXXX-XXXX-X for the app's own codes; any other serial number as it is."""
	return codes.format_code(code) if codes.is_valid_code(code) else code
