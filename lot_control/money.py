"""Money rounded the way the site's System Settings say, in one place.

The rule itself is lot_control.costing.round_money (pure, the method passed in); this module only
reads the site's method and currency precision, so reports and services round as ERPNext posts."""

from decimal import Decimal

import frappe
from frappe.utils import cint, flt

from lot_control import costing


def rounding_method() -> str:
	"""System Settings > Rounding Method; a site without one rounds as Frappe's flt does then."""
	return frappe.get_system_settings("rounding_method") or costing.BANKERS_ROUNDING_LEGACY


def currency_precision() -> int:
	"""System Settings > Currency Precision, else the number format's (2 when unset), as ERPNext's currency fields use."""
	return cint(frappe.db.get_default("currency_precision")) or 2


def round_money(value, precision: int | None = None) -> float:
	"""value rounded to the currency precision (or the one given) by the site's rounding method."""
	number = value if isinstance(value, Decimal | float | int) and not isinstance(value, bool) else flt(value)
	precision = currency_precision() if precision is None else precision
	return float(costing.round_money(number, precision, rounding_method()))
