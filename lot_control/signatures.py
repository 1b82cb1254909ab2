"""Electronic signatures on quality decisions (21 CFR Part 11): releasing a held-back lot, rejecting
a lot, approving a shelf-life override on a voucher, closing a recall.

The user signs first, re-entering their password with the reason; the decision then takes the fresh
signature (same user, meaning and record, at most FRESH_MINUTES old, not used yet) and marks it used.
Signing and acting are separate steps, so a wrong password never shares a transaction with the
action: its refusal is recorded on a connection of its own and outlives the request's rollback.
Lot Control Settings can turn signatures off; then nothing is asked and nothing recorded."""

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.utils import add_to_date, cint, escape_html, format_datetime, get_fullname, now_datetime
from frappe.utils.password import check_password

from lot_control import arguments
from lot_control.arguments import refuse_bad_arguments
from lot_control.constants import signatures as meanings
from lot_control.constants.signatures import (
	FRESH_MINUTES,
	MEANINGS,
	REFUSED_WRONG_PASSWORD,
	SIGNED,
	SIGNED_DOCTYPES,
)
from lot_control.exceptions import SignatureRefusedError, SignatureRequiredError
from lot_control.lot_status import signature_meaning
from lot_control.picking import LOT_STATUSES
from lot_control.receipt_rules import UNIT_QUALITY_STATUSES

SIGNATURE = "Electronic Signature"
SETTINGS = "Lot Control Settings"
QUALITY_ROLE = "Lot Quality Manager"
# Meanings only the quality role may sign: the decision itself is theirs.
QUALITY_MEANINGS = (meanings.RELEASED, meanings.OVERRIDE_APPROVED)


def signatures_required() -> bool:
	return bool(cint(frappe.db.get_single_value(SETTINGS, "require_electronic_signatures")))


@frappe.whitelist()
def signature_settings() -> dict:
	"""What the desk needs to know before it asks for a password; the server checks again on acting."""
	return {"required": signatures_required(), "fresh_minutes": FRESH_MINUTES}


@frappe.whitelist(methods=["POST"])
@refuse_bad_arguments
def sign(
	meaning: str | None = None,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	password: str | None = None,
	reason: str | None = None,
) -> dict:
	"""The session user signs a decision about one record: password checked, signature recorded."""
	refuse_when_turned_off()
	meaning = arguments.as_choice(meaning, "meaning", MEANINGS)
	reference_doctype = arguments.as_choice(reference_doctype, "reference_doctype", SIGNED_DOCTYPES[meaning])
	reference_name = arguments.as_name(reference_name, "reference_name", required=True)
	reason = required_text(reason, "reason")
	password = required_text(password, "password", strip=False)
	check_may_sign(meaning, reference_doctype, reference_name)
	verify_password(password, meaning, [(reference_doctype, reference_name)], reason)
	name = record(signature_row(meaning, reference_doctype, reference_name, reason, SIGNED))
	return {"name": name, "meaning": meaning, "signer_name": get_fullname(frappe.session.user)}


def refuse_when_turned_off():
	"""With signatures off nothing is signed, and nothing (not even a wrong password) recorded."""
	if not signatures_required():
		frappe.throw(
			_("Electronic signatures are turned off in Lot Control Settings: there is nothing to sign."),
			exc=SignatureRequiredError,
			title=_("Signatures Off"),
		)


def sign_many(meaning_by_record: dict, password: str, reason: str | None) -> list[str]:
	"""One password, several records (a bulk status change): checked once, one signature per record."""
	if not meaning_by_record:
		return []
	password = required_text(password, "password", strip=False)
	reason = required_text(reason, "reason")
	for (doctype, name), meaning in meaning_by_record.items():
		check_may_sign(meaning, doctype, name)
	verify_password(password, None, list(meaning_by_record), reason, meaning_by_record)
	return [
		record(signature_row(meaning, doctype, name, reason, SIGNED))
		for (doctype, name), meaning in meaning_by_record.items()
	]


def required_text(value, argument: str, strip: bool = True) -> str:
	if arguments.missing(value):
		raise arguments.ArgumentError(f"{argument} is required to sign.")
	if not isinstance(value, str):
		raise arguments.ArgumentError(f"{argument} must be text, not {type(value).__name__}.")
	return value.strip() if strip else value


def check_may_sign(meaning: str, doctype: str, name: str):
	if not frappe.db.exists(doctype, name):
		frappe.throw(_("{0} {1} does not exist.").format(_(doctype), frappe.bold(name)), frappe.DoesNotExistError)
	frappe.has_permission(doctype, "read", name, throw=True)
	if meaning in QUALITY_MEANINGS and QUALITY_ROLE not in frappe.get_roles():
		frappe.throw(
			_("Only a {0} may sign {1} for {2} {3}.").format(QUALITY_ROLE, _(meaning), _(doctype), frappe.bold(name)),
			frappe.PermissionError,
			title=_("Not Allowed"),
		)


def verify_password(password: str, meaning: str | None, records: list, reason: str, meaning_by_record=None):
	"""Frappe's own password check, without touching the login lock-out counters (a signature is not
	a login). A wrong password is refused, and each refused signature recorded for good."""
	try:
		check_password(frappe.session.user, password, delete_tracker_cache=False)
	except frappe.AuthenticationError:
		refusals = [
			signature_row((meaning_by_record or {}).get(key) or meaning, key[0], key[1], reason, REFUSED_WRONG_PASSWORD)
			for key in records
		]
		record_in_own_transaction(refusals)
		frappe.throw(
			_("Wrong password: the signature of {0} ({1}) on {2} is refused, and the refusal is recorded.").format(
				get_fullname(frappe.session.user),
				", ".join(sorted({_(row["meaning"]) for row in refusals})),
				", ".join(f"{_(doctype)} {name}" for doctype, name in records),
			),
			exc=SignatureRefusedError,
			title=_("Signature Refused"),
		)


def signature_row(meaning: str, doctype: str, name: str, reason: str, outcome: str) -> dict:
	user = frappe.session.user
	return {
		"doctype": SIGNATURE,
		"signer": user,
		"signer_name": get_fullname(user),
		"signed_on": now_datetime(),
		"meaning": meaning,
		"reason": reason,
		"reference_doctype": doctype,
		"reference_name": name,
		"outcome": outcome,
		"ip_address": getattr(frappe.local, "request_ip", None),
	}


def record(values: dict, ignore_links: bool = False) -> str:
	signature = frappe.get_doc(values)
	signature.flags.recorded_by_the_app = True
	signature.flags.ignore_permissions = True
	signature.flags.ignore_links = ignore_links
	signature.insert()
	return signature.name


@contextmanager
def own_connection():
	"""frappe.db is, for the duration, a second connection to the site's database: what is written
	and committed there is kept whatever the request's own transaction does next."""
	from frappe.database import get_db

	request_db = frappe.local.db
	conf = frappe.local.conf
	frappe.local.db = get_db(
		socket=conf.db_socket,
		host=conf.db_host,
		port=conf.db_port,
		user=conf.db_name,
		password=conf.db_password,
		cur_db_name=conf.db_name,
	)
	try:
		yield frappe.local.db
	finally:
		frappe.local.db.close()
		frappe.local.db = request_db


def record_in_own_transaction(rows: list[dict]):
	"""A refused signature must outlive the rollback of the request it refused, and nothing else of
	that request may be committed with it (Frappe's own login refusals commit the whole request)."""
	with own_connection() as db:
		try:
			for values in rows:
				# The record may have been made in the request's transaction, not visible from here.
				record(values, ignore_links=True)
			db.commit()
		except Exception:
			db.rollback()
			raise


def take_signature(meaning: str, doctype: str, name: str, decision: str) -> str | None:
	"""The decision about to be made needs the session user's fresh signature for it: the latest
	unused one is marked used and returned. None when signatures are off."""
	if not signatures_required():
		return None
	user = frappe.session.user
	table = frappe.qb.DocType(SIGNATURE)
	found = (
		frappe.qb.from_(table)
		.select(table.name)
		.where(
			(table.reference_name == name)
			& (table.reference_doctype == doctype)
			& (table.signer == user)
			& (table.meaning == meaning)
			& (table.outcome == SIGNED)
			& table.used_on.isnull()
			& (table.signed_on >= add_to_date(now_datetime(), minutes=-FRESH_MINUTES))
		)
		.orderby(table.signed_on, order=Order.desc)
		.limit(1)
		.for_update()
	).run(pluck=True)
	if not found:
		frappe.throw(
			_(
				"{0} needs the electronic signature of {1} ({2}): sign with your password and the reason, then try again. A signature counts for {3} minutes."
			).format(decision, get_fullname(user), _(meaning), FRESH_MINUTES),
			exc=SignatureRequiredError,
			title=_("Signature Required"),
		)
	frappe.db.set_value(SIGNATURE, found[0], "used_on", now_datetime(), update_modified=False)
	return found[0]


def signed_decision(
	meaning: str, doctype: str, name: str, decision: str, password: str | None = None, reason: str | None = None
) -> str | None:
	"""The signature a user's decision needs, used up: signed here first when the password comes with
	the decision (one call from a script or REST), else the one signed just before. None when off."""
	if not signatures_required():
		return None
	if password:
		sign_many({(doctype, name): meaning}, password, reason)
	return take_signature(meaning, doctype, name, decision)


def lot_signatures_needed(lots: dict[str, str], to_status: str) -> dict:
	"""For lots and their current status: the signature each needs to go to to_status, if any."""
	if not signatures_required():
		return {}
	needed = {}
	for lot, from_status in lots.items():
		meaning = signature_meaning(from_status, to_status)
		if meaning:
			needed[("Lot", lot)] = meaning
	return needed


def status_signatures(from_status: str, statuses) -> dict[str, str]:
	"""For a form's status dialog: which new statuses are signed decisions from this one, and their meaning."""
	if not signatures_required():
		return {}
	return {status: meaning for status in statuses if (meaning := signature_meaning(from_status, status))}


def lot_status_signatures(from_status: str) -> dict[str, str]:
	return status_signatures(from_status, LOT_STATUSES)


def unit_status_signatures(from_quality_status: str) -> dict[str, str]:
	"""A unit's quality status follows the lots' rules: its release and rejection are signed alike."""
	return status_signatures(from_quality_status, UNIT_QUALITY_STATUSES)


@frappe.whitelist()
@refuse_bad_arguments
def lots_to_sign(lots=None, status: str | None = None) -> dict:
	"""For the desk's bulk status change: which of these lots the change needs a signature for."""
	lots = arguments.as_names(lots, "lots", required=True)
	status = arguments.as_name(status, "status", required=True)
	current = dict(frappe.get_list("Lot", filters={"name": ("in", lots)}, fields=["name", "status"], as_list=True))
	return {name: meaning for (_doctype, name), meaning in lot_signatures_needed(current, status).items()}


def signatures_of(doctype: str, name: str) -> list:
	table = frappe.qb.DocType(SIGNATURE)
	return (
		frappe.qb.from_(table)
		.select(
			table.name, table.signer, table.signer_name, table.signed_on, table.meaning, table.reason, table.outcome, table.used_on
		)
		.where((table.reference_name == name) & (table.reference_doctype == doctype))
		.orderby(table.signed_on)
	).run(as_dict=True)


def timeline_signatures(doctype: str, docname: str) -> list[dict]:
	"""Frappe's additional_timeline_content: each signature (and refusal) shown on the signed record."""
	if not frappe.has_permission(SIGNATURE, "read"):
		return []
	items = []
	for row in signatures_of(doctype, docname):
		signed = row.outcome == SIGNED
		words = (
			_("{0} signed: {1}").format(escape_html(row.signer_name or row.signer), frappe.bold(_(row.meaning)))
			if signed
			else _("{0}: signature {1} refused, wrong password").format(escape_html(row.signer_name or row.signer), frappe.bold(_(row.meaning)))
		)
		link = f'<a href="/app/electronic-signature/{escape_html(row.name)}">{escape_html(row.name)}</a>'
		items.append(
			{
				"icon": "es-line-edit" if signed else "es-line-close",
				"is_card": True,
				"creation": row.signed_on,
				"content": f"{words} ({format_datetime(row.signed_on)}). {_('Reason')}: {escape_html(row.reason or '')} &middot; {link}",
			}
		)
	return items
