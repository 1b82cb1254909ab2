"""Refusals the app raises, each a ValidationError so Frappe rolls the request back whole."""

import frappe


class LotNumberTakenError(frappe.ValidationError):
	pass


class LotDatesError(frappe.ValidationError):
	pass


class LotQuantityMismatchError(frappe.ValidationError):
	pass


class LotHasStockHistoryError(frappe.ValidationError):
	pass


class LotHasStockError(frappe.ValidationError):
	pass


class InvalidLotPatternError(frappe.ValidationError):
	pass


class LotStatusChangeError(frappe.ValidationError):
	pass


class LotNotUsableError(frappe.ValidationError):
	pass


class LotShortageError(frappe.ValidationError):
	pass
