"""Install and uninstall: custom fields on ERPNext DocTypes are data, created and removed by code."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from lot_control.constants.custom_fields import CUSTOM_FIELDS
from lot_control.constants.indexes import ERPNEXT_INDEXES

QUALITY_ROLE = "Lot Quality Manager"


SETTINGS = "Lot Control Settings"
# The Settings DocType and the child tables it holds, synced in this order when missing.
SETTINGS_DOCTYPES = ("lot_numbering_rule", "lot_control_settings")


def after_install():
	make_custom_fields()
	make_roles()
	set_settings_defaults()
	make_indexes()


def after_migrate():
	"""Every migrate brings the fields back to this version's definition, so a site is never left half-set."""
	make_custom_fields()
	make_roles()
	set_settings_defaults()
	make_indexes()


def ensure_settings_doctype():
	"""The Settings DocType before anything reads it, whatever order Frappe synced the app's
	DocTypes in (a directory listing's order, which differs between machines).

	Frappe finds a DocType's controller through a map of DocType -> module cached in Redis. A map
	built by another process (a web request, the scheduler) from a read taken just before the
	Settings DocType was committed hides it: "DocType Lot Control Settings not found" on the first
	install, gone on the retry. Clearing that DocType's cache drops the map, so it is rebuilt from
	what is committed now."""
	if not frappe.db.exists("DocType", SETTINGS):
		for doctype in SETTINGS_DOCTYPES:
			frappe.reload_doc("lot_control", "doctype", doctype, force=True)
	frappe.db.commit()
	frappe.clear_cache(doctype=SETTINGS)


def set_settings_defaults():
	"""A Single that was never saved reads as empty: store the declared defaults once, keep what users set."""
	ensure_settings_doctype()
	meta = frappe.get_meta(SETTINGS)
	singles = frappe.qb.Table("tabSingles")
	stored = set(
		frappe.qb.from_(singles).select(singles.field).where(singles.doctype == SETTINGS).run(pluck=True)
	)
	for field in meta.fields:
		if field.default is not None and field.fieldname not in stored:
			frappe.db.set_single_value(SETTINGS, field.fieldname, field.default)


def before_uninstall():
	delete_custom_fields()
	drop_indexes()
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


def make_indexes():
	"""The app's indexes on ERPNext's tables (lot_control.constants.indexes); one already there is kept."""
	for doctype, indexes in ERPNEXT_INDEXES.items():
		for index_name, columns in indexes.items():
			if not index_exists(doctype, index_name):
				frappe.db.add_index(doctype, list(columns), index_name=index_name)


def drop_indexes():
	for doctype, indexes in ERPNEXT_INDEXES.items():
		for index_name in indexes:
			if index_exists(doctype, index_name):
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{index_name}`")


def index_exists(doctype: str, index_name: str) -> bool:
	return bool(frappe.db.sql(f"show index from `tab{doctype}` where Key_name = %s", index_name))
