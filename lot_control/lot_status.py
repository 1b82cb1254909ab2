"""Which lot status changes are allowed, and who may make them, independent of the database.

Only Released lots are usable. Expired and Consumed are facts the app derives (expiry date,
nothing left in stock); people move lots between the other statuses, and releasing a lot that
was held back (Quarantine, On Hold, Rejected) is a quality decision that needs a reason.
"""

from __future__ import annotations

from datetime import date

from lot_control.constants import signatures as signature_meanings
from lot_control.picking import LOT_STATUSES, USABLE_STATUS

SET_BY_THE_APP = frozenset({"Expired", "Consumed"})
HELD_BACK = frozenset({"Quarantine", "On Hold", "Rejected"})

ALLOWED_CHANGES: dict[str, frozenset[str]] = {
	"Released": frozenset({"Quarantine", "On Hold", "Rejected", "Expired", "Consumed", "Archived"}),
	"Quarantine": frozenset({"Released", "On Hold", "Rejected", "Archived"}),
	"On Hold": frozenset({"Released", "Quarantine", "Rejected", "Archived"}),
	"Rejected": frozenset({"Released", "Quarantine", "On Hold", "Archived"}),
	"Expired": frozenset({"Released", "Quarantine", "On Hold", "Rejected", "Archived"}),
	"Consumed": frozenset({"Released", "Quarantine", "Archived"}),
	"Archived": frozenset({"Released", "Quarantine", "Expired"}),
}


class StatusChangeRefused(ValueError):
	"""The change is not allowed; the message says why in words a user understands."""


def check_status_change(
	from_status: str,
	to_status: str,
	*,
	reason: str | None,
	has_quality_role: bool,
	by_the_app: bool = False,
	expiry_date: date | None = None,
	on_date: date | None = None,
) -> None:
	if to_status not in LOT_STATUSES:
		raise StatusChangeRefused(f"{to_status!r} is not a lot status.")
	if from_status == to_status:
		raise StatusChangeRefused(f"the lot is already {to_status}.")
	if to_status not in ALLOWED_CHANGES.get(from_status, frozenset()):
		raise StatusChangeRefused(f"a lot cannot go from {from_status} to {to_status}.")
	if to_status in SET_BY_THE_APP and not by_the_app:
		raise StatusChangeRefused(f"{to_status} is set by the app from the expiry date and the stock on hand.")
	if from_status in HELD_BACK and to_status != "Archived" and not (reason or "").strip():
		raise StatusChangeRefused(f"a reason is required to take a lot out of {from_status}.")
	if to_status == USABLE_STATUS and from_status in HELD_BACK and not has_quality_role:
		raise StatusChangeRefused(f"only a Lot Quality Manager may release a lot from {from_status}.")
	if to_status == USABLE_STATUS and expiry_date and on_date and expiry_date < on_date:
		raise StatusChangeRefused(
			f"the lot expired on {expiry_date.isoformat()}; extend its expiry date before releasing it."
		)


def signature_meaning(from_status: str, to_status: str) -> str | None:
	"""The electronic signature a user's change needs, if any: releasing a lot that was held back
	(Quarantine, On Hold, Rejected) and rejecting a lot are signed quality decisions."""
	if to_status == USABLE_STATUS and from_status in HELD_BACK:
		return signature_meanings.RELEASED
	if to_status == "Rejected" and from_status != "Rejected":
		return signature_meanings.REJECTED
	return None
