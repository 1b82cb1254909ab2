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


class RecallSuspectsFixedError(frappe.ValidationError):
	"""A recall's suspects cannot change once its trace is frozen."""


class LotShortageError(BatchNegativeStockError, NegativeStockError):
	"""Too little usable stock in a lot; ERPNext code that catches its own stock shortages catches this too."""


class UnitQualityStatusError(frappe.ValidationError):
	"""A serialized unit's quality status change that the rules refuse (e.g. a release without the quality role)."""


class InvalidArgumentError(frappe.ValidationError):
	"""An argument of a whitelisted method that cannot be used (lot_control.arguments says which and why)."""


class InvalidLotNumberError(frappe.ValidationError):
	"""A lot number with a character that does not print, scan or survive a URL (lot_numbering.lot_code_problem)."""


class LotOfAnotherItemError(frappe.ValidationError):
	"""A line names a lot (Batch No) that belongs to another item."""


class ScannedLabelRefusedError(frappe.ValidationError):
	"""A scanned supplier label that cannot be received: unknown part, lot already received, expired, wrong order."""


class UnitCodeRefusedError(frappe.ValidationError):
	"""A unit code or serial number that cannot name a unit: a mistyped code (its check character does not
	match), or a serial that is not a unit of that build (unit_rules says which)."""


class HistoryTamperedError(frappe.ValidationError):
	"""An edit, removal, reordering or forged entry of a history the app keeps (lot, unit, recall)."""


class KeptFieldChangedError(frappe.ValidationError):
	"""A field the app keeps (cost, owner, source, place) written other than through the app's own action."""


class LotEnteredByHandError(frappe.ValidationError):
	"""A lot entered by hand that cannot be received as given (status, cost or quantity the ledger would not carry)."""


class SignatureRequiredError(frappe.ValidationError):
	"""A quality decision made without the fresh electronic signature that Lot Control Settings require."""


class SignatureRefusedError(frappe.ValidationError):
	"""A signature refused because the password was wrong (the refusal itself is recorded). Not an
	AuthenticationError: that would end the user's session in the desk."""


class SignatureRecordError(frappe.ValidationError):
	"""An Electronic Signature written, changed or deleted other than by the app signing a decision."""


class MockRecallHoldsNothingError(frappe.ValidationError):
	"""A mock recall (a drill) asked to hold stock: a drill traces and balances, it never holds."""


class StockRecordBusyError(frappe.ValidationError):
	"""Another document is making the same item's first stock record (Bin) in a warehouse at this moment."""
