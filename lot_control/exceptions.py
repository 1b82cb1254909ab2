"""Refusals the app raises, each a ValidationError so Frappe rolls the request back whole."""

import frappe
from erpnext.stock.doctype.serial_and_batch_bundle.serial_and_batch_bundle import BatchNegativeStockError
from erpnext.stock.stock_ledger import NegativeStockError


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


class LotShortageError(BatchNegativeStockError, NegativeStockError):
	"""Too little usable stock in a lot; ERPNext code that catches its own stock shortages catches this too."""
