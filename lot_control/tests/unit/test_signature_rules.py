"""Which lot status changes are signed quality decisions (21 CFR Part 11), without a site."""

import pytest

from lot_control.constants import signatures
from lot_control.lot_status import ALLOWED_CHANGES, HELD_BACK, signature_meaning


@pytest.mark.parametrize("held_back", sorted(HELD_BACK - {"Rejected"}))
def test_releasing_a_held_back_lot_is_signed_as_released(held_back):
	assert signature_meaning(held_back, "Released") == signatures.RELEASED


def test_releasing_a_rejected_lot_is_signed_as_released():
	assert signature_meaning("Rejected", "Released") == signatures.RELEASED


@pytest.mark.parametrize("from_status", ["Released", "Quarantine", "On Hold", "Expired"])
def test_rejecting_a_lot_is_signed_as_rejected(from_status):
	assert signature_meaning(from_status, "Rejected") == signatures.REJECTED


@pytest.mark.parametrize(
	"from_status, to_status",
	[
		("Released", "Quarantine"),
		("Released", "On Hold"),
		("Quarantine", "On Hold"),
		("Expired", "Released"),
		("Archived", "Released"),
		("Consumed", "Released"),
		("Rejected", "Archived"),
	],
)
def test_holding_archiving_and_restoring_need_no_signature(from_status, to_status):
	assert signature_meaning(from_status, to_status) is None


def test_every_signed_change_is_an_allowed_change_with_a_meaning_the_record_knows():
	signed = {
		(from_status, to_status): signature_meaning(from_status, to_status)
		for from_status, targets in ALLOWED_CHANGES.items()
		for to_status in targets
		if signature_meaning(from_status, to_status)
	}
	assert set(signed.values()) == {signatures.RELEASED, signatures.REJECTED}
	assert all(meaning in signatures.MEANINGS for meaning in signed.values())
	assert all("Lot" in signatures.SIGNED_DOCTYPES[meaning] for meaning in signed.values())


def test_the_electronic_signature_doctype_offers_exactly_these_meanings_and_outcomes():
	import json
	from pathlib import Path

	doctype = Path(__file__).resolve().parents[2] / "lot_control/doctype/electronic_signature/electronic_signature.json"
	fields = {field["fieldname"]: field for field in json.loads(doctype.read_text())["fields"]}
	assert tuple(fields["meaning"]["options"].split("\n")) == signatures.MEANINGS
	assert fields["outcome"]["options"].split("\n") == [signatures.SIGNED, signatures.REFUSED_WRONG_PASSWORD]


def test_a_units_release_from_every_held_back_quality_status_and_its_rejection_are_signed_as_a_lots():
	from lot_control.receipt_rules import UNIT_HELD_BACK, UNIT_QUALITY_STATUSES

	signed = {
		(from_status, to_status): signature_meaning(from_status, to_status)
		for from_status in UNIT_QUALITY_STATUSES
		for to_status in UNIT_QUALITY_STATUSES
		if from_status != to_status and signature_meaning(from_status, to_status)
	}
	assert signed == {
		**{(held, "Released"): signatures.RELEASED for held in UNIT_HELD_BACK},
		**{(other, "Rejected"): signatures.REJECTED for other in set(UNIT_QUALITY_STATUSES) - {"Rejected"}},
	}
	assert all("Serialized Unit" in signatures.SIGNED_DOCTYPES[meaning] for meaning in signed.values())
