"""Electronic signatures (21 CFR Part 11): what a signature means, and how its attempt ended.

Plain data, shared by the pure status rules (lot_control.lot_status), the signing service
(lot_control.signatures) and the Electronic Signature DocType, whose Select options repeat these words."""

RELEASED = "Released"
REJECTED = "Rejected"
OVERRIDE_APPROVED = "Override approved"
RECALL_CLOSED = "Recall closed"
MEANINGS = (RELEASED, REJECTED, OVERRIDE_APPROVED, RECALL_CLOSED)

SIGNED = "Signed"
REFUSED_WRONG_PASSWORD = "Refused: wrong password"

# What each meaning is a signature on (a release or rejection: of a lot or of a serialized unit).
SIGNED_DOCTYPES = {
	RELEASED: ("Lot", "Serialized Unit"),
	REJECTED: ("Lot", "Serialized Unit"),
	OVERRIDE_APPROVED: ("Stock Entry", "Delivery Note", "Sales Invoice"),
	RECALL_CLOSED: ("Recall",),
}

# A signature is given for the decision about to be made: one older than this is not used for it.
FRESH_MINUTES = 10
