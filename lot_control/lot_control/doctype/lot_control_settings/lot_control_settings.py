# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from lot_control import lot_numbering
from lot_control.exceptions import InvalidLotPatternError
from lot_control.lot_naming import (  # their old home: numbering is a service now
	SEQUENCE_KEY_PREFIX,
	batch_exists,
	erpnext_batch_series,
	item_group_ancestry,
	next_lot_code,
	next_sequence,
	numbering_rule_for,
	unused_code,
	uses_erpnext_batch_naming,
)


class LotControlSettings(Document):
	def validate(self):
		self.validate_patterns()

	def validate_patterns(self):
		check_pattern(self.default_lot_pattern, _("Default Lot Pattern"))
		seen = set()
		for rule in self.numbering_rules:
			target = rule.item if rule.applies_to == "Item" else rule.item_group
			if not target:
				frappe.throw(
					_("Row {0}: choose the {1} the numbering rule applies to.").format(rule.idx, _(rule.applies_to)),
					exc=InvalidLotPatternError,
				)
			if (rule.applies_to, target) in seen:
				frappe.throw(
					_("Row {0}: {1} {2} already has a numbering rule.").format(rule.idx, _(rule.applies_to), target),
					exc=InvalidLotPatternError,
				)
			seen.add((rule.applies_to, target))
			check_pattern(rule.pattern, _("Row {0}").format(rule.idx))


def check_pattern(pattern: str, where: str):
	try:
		lot_numbering.validate_pattern(pattern)
	except lot_numbering.InvalidLotPatternError as error:
		frappe.throw(_("{0}: {1}").format(where, str(error)), exc=InvalidLotPatternError)
