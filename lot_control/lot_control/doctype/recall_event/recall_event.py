# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

from lot_control.record_guard import AppendOnlyRow


class RecallEvent(AppendOnlyRow):
	"""One decision on a recall (opened, status changed, stock held or released, closed): who, when,
	from, to and why (the rules: AppendOnlyRow)."""
