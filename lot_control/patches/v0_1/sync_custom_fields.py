from lot_control.install import make_custom_fields


def execute():
	"""Bring the custom fields of an installed site up to this version's definition."""
	make_custom_fields()
