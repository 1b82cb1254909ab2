"""Install and uninstall: custom fields on ERPNext DocTypes are data, created and removed by code."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from lot_control.constants.custom_fields import CUSTOM_FIELDS

QUALITY_ROLE = "Lot Quality Manager"


def after_install():
	make_custom_fields()
	make_roles()
	set_settings_defaults()


def after_migrate():
	"""Every migrate brings the fields back to this version's definition, so a site is never left half-set."""
	make_custom_fields()
	make_roles()
	set_settings_defaults()


def set_settings_defaults():
	"""A Single that was never saved reads as empty: store the declared defaults once, keep what users set."""
	meta = frappe.get_meta("Lot Control Settings")
	singles = frappe.qb.Table("tabSingles")
	stored = set(
		frappe.qb.from_(singles).select(singles.field).where(singles.doctype == "Lot Control Settings").run(pluck=True)
	)
	for field in meta.fields:
		if field.default is not None and field.fieldname not in stored:
			frappe.db.set_single_value("Lot Control Settings", field.fieldname, field.default)


def before_uninstall():
	delete_custom_fields()
	if frappe.db.exists("Role", QUALITY_ROLE):
		frappe.delete_doc("Role", QUALITY_ROLE, ignore_permissions=True, force=True)


def make_roles():
	"""The quality role that alone may release a lot held back in Quarantine, On Hold or Rejected."""
	if not frappe.db.exists("Role", QUALITY_ROLE):
		frappe.get_doc({"doctype": "Role", "role_name": QUALITY_ROLE, "desk_access": 1}).insert(
			ignore_permissions=True
		)


def make_custom_fields():
	create_custom_fields(CUSTOM_FIELDS, ignore_validate=True, update=True)


def delete_custom_fields():
	"""Remove exactly the fields this app declared, so ERPNext is left as it was."""
	for doctype, fields in CUSTOM_FIELDS.items():
		doctypes = (doctype,) if isinstance(doctype, str) else doctype
		for dt in doctypes:
			fieldnames = [field["fieldname"] for field in fields]
			frappe.db.delete("Custom Field", {"dt": dt, "fieldname": ("in", fieldnames)})
			frappe.clear_cache(doctype=dt)
