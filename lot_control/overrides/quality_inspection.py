"""Quality Inspection events: an accepted incoming inspection releases the lot, a rejected one rejects it.

Not re-signed with a password (lot_control.signatures): the submitted inspection is ERPNext's own
signed-off record of the decision (inspector, readings, status, submitted by whom and when, never
edited after, only cancelled), and each lot it releases or rejects names it in its history."""

from lot_control import quality


def on_submit(doc, method=None):
	quality.apply_inspection_to_lots(doc)
