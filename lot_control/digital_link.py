"""The GS1 Digital Link resolver: /01/<gtin>/10/<lot> and /01/<gtin>/21/<serial> on this site.

A label's QR code points here. A signed-in desk user who may read the lot or unit is sent to its
form; a Guest is sent to the login page and comes back here after it. Anyone else gets the same
"not permitted" page whether or not the record exists, with nothing named on it, so the URL
tells an outsider nothing. Frappe calls this as a page renderer (hooks.py `page_renderer`), before
its own renderers, so no 404 is cached for a link a later visitor may open.
"""

from __future__ import annotations

from urllib.parse import quote

import frappe
from frappe import _
from frappe.website.page_renderers.not_permitted_page import NotPermittedPage
from frappe.website.page_renderers.redirect_page import RedirectPage

from lot_control import codes, gs1_labels
from lot_control.labels import item_gtins

RECORD_OF_AI = {gs1_labels.BATCH_AI: ("Lot", "item"), gs1_labels.SERIAL_AI: ("Serialized Unit", "item_code")}


class DigitalLinkPage:
	"""Frappe's page renderer interface: can_render() decides from the path alone, render() answers."""

	def __init__(self, path, http_status_code=None):
		self.path = path
		self.key = gs1_labels.parse_digital_link_path(path)

	def can_render(self) -> bool:
		return self.key is not None

	def render(self):
		frappe.local.no_cache = 1
		if frappe.session.user == "Guest":
			return redirect(f"/login?redirect-to={quote('/' + self.path.strip('/'), safe='')}")
		desk_path = desk_path_of(self.key)
		if not desk_path:
			return NotPermittedPage(
				self.path, exception=_("You are not permitted to open this link, or it leads nowhere.")
			).render()
		return redirect(desk_path)


def desk_path_of(key: gs1_labels.DigitalLinkKey) -> str | None:
	"""The desk form the link names, if the user may read it and it is of an item with that GTIN."""
	if frappe.get_cached_value("User", frappe.session.user, "user_type") != "System User":
		return None
	doctype, item_field = RECORD_OF_AI[key.ai]
	name = stored_name_of(doctype, key.value)
	item_code = name and frappe.db.get_value(doctype, name, item_field)
	if not item_code or item_gtins({item_code}).get(item_code) != key.gtin:
		return None
	if not frappe.has_permission(doctype, "read", doc=name):
		return None
	return f"/app/{frappe.scrub(doctype).replace('_', '-')}/{quote(name, safe='')}"


def stored_name_of(doctype: str, value: str) -> str | None:
	"""A unit issued with a legacy check symbol is labelled in today's spelling (GS1 allows no ~ or
	$): either spelling finds it."""
	if doctype != "Serialized Unit" or not codes.looks_like_code(value):
		return value if frappe.db.exists(doctype, value) else None
	for spelling in codes.code_spellings(value):
		if frappe.db.exists(doctype, spelling):
			return spelling
	return None


def redirect(location: str):
	frappe.flags.redirect_location = location
	return RedirectPage(location, 302).render()
