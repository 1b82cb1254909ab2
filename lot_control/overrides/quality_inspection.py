"""Quality Inspection events: an accepted incoming inspection releases the lot, a rejected one rejects it."""

from lot_control import quality


def on_submit(doc, method=None):
	quality.apply_inspection_to_lots(doc)
