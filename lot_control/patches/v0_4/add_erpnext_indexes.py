"""Sites installed before the app indexed ERPNext's tables get the indexes (lot_control.constants.indexes)."""

from lot_control.install import make_indexes


def execute():
	make_indexes()
