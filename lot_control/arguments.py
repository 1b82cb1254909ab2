"""What a whitelisted method accepts, converted once at its door.

Anything can arrive over HTTP: a list where a name is expected, text that is not JSON, a quantity
of NaN or 1e308, a date of 0000-00-00. Each converter here returns the clean value or raises
ArgumentError naming the argument and what is wrong with it; `refuse_bad_arguments` turns that
into the app's InvalidArgumentError (HTTP 417) instead of a traceback. No database here.
"""

from __future__ import annotations

import functools
import json
import math
from datetime import date, datetime

MAX_NAME_LENGTH = 140
MAX_NAMES = 1000
MAX_DAYS = 36500  # a hundred years: further than any shelf life or report horizon
MAX_QUANTITY = 1e12
QUANTITY_DECIMALS = 6


class ArgumentError(ValueError):
	"""An argument of a whitelisted method that cannot be used, with the sentence that says why."""


def describe(value) -> str:
	text = repr(value)
	return text if len(text) <= 60 else text[:57] + "..."


def missing(value) -> bool:
	return value is None or (isinstance(value, str) and not value.strip())


def as_name(value, argument: str, required: bool = False) -> str | None:
	"""A document name: one line of text, not a list or a number's repr of one."""
	if missing(value):
		if required:
			raise ArgumentError(f"{argument} is required.")
		return None
	if isinstance(value, bool) or not isinstance(value, str | int):
		raise ArgumentError(f"{argument} must be one name, not {type(value).__name__} {describe(value)}.")
	text = str(value).strip()
	if len(text) > MAX_NAME_LENGTH:
		raise ArgumentError(f"{argument} is longer than {MAX_NAME_LENGTH} characters.")
	if any(ord(char) < 32 or ord(char) == 127 for char in text):
		raise ArgumentError(f"{argument} contains a control character.")
	return text


def as_choice(value, argument: str, choices, default: str | None = None) -> str:
	"""One of a fixed set of words (a status, an action)."""
	if missing(value):
		if default is None:
			raise ArgumentError(f"{argument} is required: one of {', '.join(choices)}.")
		return default
	if not isinstance(value, str) or value.strip() not in choices:
		raise ArgumentError(f"{argument} must be one of {', '.join(choices)}, not {describe(value)}.")
	return value.strip()


def parse_json(value, argument: str):
	if not isinstance(value, str):
		return value
	try:
		return json.loads(value)
	except ValueError:
		raise ArgumentError(f"{argument} is not valid JSON: {describe(value)}.") from None


def as_names(value, argument: str, required: bool = False) -> list[str]:
	"""A list of document names, given as a list or as its JSON text."""
	if missing(value):
		if required:
			raise ArgumentError(f"{argument} is required: a list of names.")
		return []
	parsed = parse_json(value, argument)
	if isinstance(parsed, str | int) and not isinstance(parsed, bool):
		parsed = [parsed]
	if not isinstance(parsed, list | tuple):
		raise ArgumentError(
			f"{argument} must be a list of names, not {type(parsed).__name__} {describe(parsed)}."
		)
	if len(parsed) > MAX_NAMES:
		raise ArgumentError(f"{argument} names {len(parsed)}; give at most {MAX_NAMES} at once.")
	names = [as_name(entry, f"{argument}[{index}]", required=True) for index, entry in enumerate(parsed)]
	return list(dict.fromkeys(names))


def as_filters(value, argument: str = "filters") -> dict:
	"""Report or chart filters: a JSON object (or nothing)."""
	if missing(value):
		return {}
	parsed = parse_json(value, argument)
	if parsed is None:
		return {}
	if not isinstance(parsed, dict):
		raise ArgumentError(
			f"{argument} must be an object of filters, not {type(parsed).__name__} {describe(parsed)}."
		)
	return parsed


def as_number(value, argument: str) -> float:
	if isinstance(value, bool) or (not isinstance(value, int | float | str)):
		raise ArgumentError(f"{argument} must be a number, not {describe(value)}.")
	try:
		number = float(value)
	except (TypeError, ValueError):
		raise ArgumentError(f"{argument} must be a number, not {describe(value)}.") from None
	if not math.isfinite(number):
		raise ArgumentError(f"{argument} must be a finite number, not {describe(value)}.")
	return number


def as_quantity(value, argument: str = "qty", required: bool = True) -> float | None:
	"""A stock quantity: finite, more than zero, at most MAX_QUANTITY, and not finer than the
	QUANTITY_DECIMALS places stock quantities are kept to (1e-9 would round to nothing)."""
	if missing(value):
		if required:
			raise ArgumentError(f"{argument} is required.")
		return None
	number = as_number(value, argument)
	if number <= 0:
		raise ArgumentError(f"{argument} must be more than 0, not {describe(value)}.")
	if number > MAX_QUANTITY:
		raise ArgumentError(f"{argument} {describe(value)} is beyond any stock ({MAX_QUANTITY:g} at most).")
	if round(number, QUANTITY_DECIMALS) == 0:
		raise ArgumentError(
			f"{argument} {describe(value)} is smaller than a stock quantity can be ({10**-QUANTITY_DECIMALS:g})."
		)
	return number


def as_whole_count(value, argument: str = "qty", required: bool = False) -> int | None:
	"""A count of pieces: a whole number of at least 1."""
	if missing(value):
		if required:
			raise ArgumentError(f"{argument} is required.")
		return None
	number = as_number(value, argument)
	if number != int(number) or number < 1:
		raise ArgumentError(f"{argument} must be a whole number of at least 1, not {describe(value)}.")
	if number > MAX_QUANTITY:
		raise ArgumentError(f"{argument} {describe(value)} is beyond any count ({MAX_QUANTITY:g} at most).")
	return int(number)


def as_days(value, argument: str = "days", default: int | None = 30) -> int | None:
	"""A number of days ahead: whole, 0 to MAX_DAYS."""
	if missing(value):
		return default
	number = as_number(value, argument)
	if number != int(number) or not 0 <= number <= MAX_DAYS:
		raise ArgumentError(
			f"{argument} must be a whole number of days from 0 to {MAX_DAYS}, not {describe(value)}."
		)
	return int(number)


def as_date(value, argument: str, required: bool = False) -> date | None:
	"""A calendar date as YYYY-MM-DD (a date or datetime passes as it is); 0000-00-00 is no date."""
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	if missing(value):
		if required:
			raise ArgumentError(f"{argument} is required: a date as YYYY-MM-DD.")
		return None
	if not isinstance(value, str):
		raise ArgumentError(f"{argument} must be a date as YYYY-MM-DD, not {describe(value)}.")
	text = value.strip()[:10]
	try:
		return date.fromisoformat(text)
	except ValueError:
		raise ArgumentError(f"{argument} must be a real date as YYYY-MM-DD, not {describe(value)}.") from None


def as_flag(value, argument: str) -> bool:
	if value in (None, "", 0, "0", False, "false", "False"):
		return False
	if value in (1, "1", True, "true", "True"):
		return True
	raise ArgumentError(f"{argument} must be 0 or 1, not {describe(value)}.")


def clean_report_filters(
	filters,
	names: dict[str, str | None] | None = None,
	dates: tuple = (),
	days: tuple = (),
	flags: tuple = (),
	choices: dict[str, tuple] | None = None,
	required: tuple = (),
) -> dict:
	"""A report's filters, each converted by its kind: names (fieldname -> the DocType it names,
	or None), dates, days ahead, flags and choices. Other keys pass as they came."""
	cleaned = dict(as_filters(filters))
	for fieldname in names or {}:
		cleaned[fieldname] = as_name(
			cleaned.get(fieldname), f"filters.{fieldname}", required=fieldname in required
		)
	for fieldname in dates:
		cleaned[fieldname] = as_date(
			cleaned.get(fieldname), f"filters.{fieldname}", required=fieldname in required
		)
	for fieldname in days:
		cleaned[fieldname] = as_days(cleaned.get(fieldname), f"filters.{fieldname}", default=None)
	for fieldname in flags:
		cleaned[fieldname] = as_flag(cleaned.get(fieldname), f"filters.{fieldname}")
	for fieldname, allowed in (choices or {}).items():
		value = cleaned.get(fieldname)
		cleaned[fieldname] = None if missing(value) else as_choice(value, f"filters.{fieldname}", allowed)
	return cleaned


def check_filter_permissions(filters: dict, names: dict[str, str | None]):
	"""A filter naming a record the user's User Permissions leave out (another company's, another
	warehouse) is refused, as ERPNext's reports refuse it; the rows themselves are filtered by
	Frappe. Needs a site: frappe is imported here only."""
	import frappe
	from frappe.permissions import get_user_permissions

	user_permissions = get_user_permissions(frappe.session.user)
	for fieldname, doctype in names.items():
		value = filters.get(fieldname)
		allowed = user_permissions.get(doctype) if doctype and value else None
		if allowed and value not in {permission.get("doc") for permission in allowed}:
			frappe.throw(
				frappe._("You do not have permission to access {0}: {1}.").format(frappe._(doctype), value),
				frappe.PermissionError,
			)


def refuse_bad_arguments(method):
	"""Wrap a whitelisted method so an ArgumentError reaches the caller as a clear 417 refusal."""

	@functools.wraps(method)
	def checked(*args, **kwargs):
		try:
			return method(*args, **kwargs)
		except ArgumentError as error:
			import frappe

			from lot_control.exceptions import InvalidArgumentError

			frappe.throw(frappe._(str(error)), exc=InvalidArgumentError, title=frappe._("Invalid Argument"))

	return checked
