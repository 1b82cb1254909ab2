# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

from lot_control.record_guard import AppendOnlyRow


class UnitEvent(AppendOnlyRow):
	"""One line of a unit's history (the rules: AppendOnlyRow)."""
