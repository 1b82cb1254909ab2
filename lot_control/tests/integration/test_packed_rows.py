"""Rows sent one string a row (lot_control.packed_rows) read back as MariaDB's own rows do: NULLs,
dates, numbers and any text, and a value holding the separator makes the read fall back whole. Names
given as a table (names_table) match as an IN list of them does."""

from datetime import date

import frappe
import pytest

from lot_control import packed_rows
from lot_control.packed_rows import (
	ReadsAlongside,
	as_date,
	cycle_collection_paused,
	names_in_json,
	names_table,
	read_packed,
	read_plain,
)

VALUES = """from (
	select 1 as position, 'BATCH-Ä/1' as name, null as owner, cast('2027-03-01' as date) as expiry,
		cast(2.5 as decimal(21, 9)) as qty, 0 as looped
	union all
	select 2, 'Ünit ; "quoted", comma', 'Customer A', null, cast(-0.000001 as decimal(21, 9)), 1
	union all
	select 3, '', '', cast('1999-12-31' as date), cast(1000000 as decimal(21, 9)), 0
) given order by position"""
COLUMNS = {"name": "name", "owner": "owner", "expiry": "expiry", "qty": "qty", "looped": "looped"}
TYPES = {"expiry": as_date, "qty": float, "looped": int}


def test_packed_rows_read_as_plain_rows():
	packed = read_packed(COLUMNS, VALUES, types=TYPES)
	plain = read_plain(COLUMNS, VALUES, None, as_dict=True)
	assert packed == plain
	assert packed[0] == {"name": "BATCH-Ä/1", "owner": None, "expiry": date(2027, 3, 1), "qty": 2.5, "looped": 0}
	assert packed[1].expiry is None and packed[1].qty == -0.000001 and packed[1].looped == 1
	assert packed[2].name == "" and packed[2].owner == ""  # empty text stays text, not NULL
	assert [type(value) for value in packed[0].values()] == [type(value) for value in plain[0].values()]


def test_packed_rows_as_tuples_keep_the_columns_order():
	rows = read_packed(COLUMNS, VALUES, types=TYPES, as_dict=False)
	assert rows[1] == ('Ünit ; "quoted", comma', "Customer A", None, -0.000001, 1)


def test_a_value_holding_the_separator_reads_every_row_the_ordinary_way():
	with_separator = VALUES.replace("'Customer A'", "%(owner)s")
	params = {"owner": "Customer\x1fA"}
	rows = read_packed(COLUMNS, with_separator, params, types=TYPES)
	assert rows[1].owner == "Customer\x1fA"
	assert rows == read_plain(COLUMNS, with_separator, params, as_dict=True)


def test_parameters_pass_through():
	rows = read_packed(
		{"name": "name", "creation": "creation"},
		"from `tabCompany` where name in %(names)s",
		{"names": [frappe.db.get_value("Company", {}, "name")]},
		as_dict=False,
	)
	assert len(rows) == 1


def test_a_zero_date_reads_as_none():
	rows = read_packed({"day": "day"}, "from (select '0000-00-00' as day) given", types={"day": as_date})
	assert rows == [{"day": None}]


def as_set(rows) -> list[tuple]:
	return sorted(tuple(row) for row in rows)


def test_rows_read_at_once_are_the_rows_read_one_string_a_row():
	"""One string for the whole read (a genealogy walk's depth); rows come in no order, as any read
	without an order."""
	unordered = VALUES.removesuffix(" order by position")
	at_once = read_packed(COLUMNS, unordered, types=TYPES, as_dict=False, at_once=True)
	assert len(at_once) == 3
	assert as_set(at_once) == as_set(read_packed(COLUMNS, unordered, types=TYPES, as_dict=False))
	assert as_set(at_once) == as_set(read_plain(COLUMNS, unordered, None, as_dict=False))
	assert read_packed(COLUMNS, f"{unordered} where 1 = 0", types=TYPES, at_once=True) == []
	dicts = read_packed(COLUMNS, unordered, types=TYPES, at_once=True)
	assert {row.name: row.expiry for row in dicts}["BATCH-Ä/1"] == date(2027, 3, 1)


def test_a_read_at_once_holding_a_separator_or_cut_short_reads_again(monkeypatch):
	"""A value holding the row separator, even one that would pass for a row of the right width,
	and a string cut at its length: the rows are read again, one string a row."""
	unordered = VALUES.removesuffix(" order by position").replace("'Customer A'", "%(owner)s")
	for owner in ("Customer\x1dA", "Customer\x1fA", "\x1dforged\x1fx\x1f\x1e\x1f1\x1f0"):
		params = {"owner": owner}
		rows = read_packed(COLUMNS, unordered, params, types=TYPES, as_dict=False, at_once=True)
		assert as_set(rows) == as_set(read_plain(COLUMNS, unordered, params, as_dict=False))
		assert len(rows) == 3
	monkeypatch.setattr(packed_rows, "CHUNK_LENGTH", 40)
	params = {"owner": "Customer A"}
	cut = read_packed(COLUMNS, unordered, params, types=TYPES, as_dict=False, at_once=True)
	assert as_set(cut) == as_set(read_plain(COLUMNS, unordered, params, as_dict=False))


def test_cycle_collection_is_paused_inside_and_as_it_was_after():
	import gc

	assert gc.isenabled()
	with pytest.raises(ZeroDivisionError):
		with cycle_collection_paused():
			assert not gc.isenabled()
			with cycle_collection_paused():
				assert not gc.isenabled()
			assert not gc.isenabled()  # the inner block does not turn it on under the outer
			1 / 0
	assert gc.isenabled()
	gc.disable()
	try:
		with cycle_collection_paused():
			pass
		assert not gc.isenabled()  # off before, off after
	finally:
		gc.enable()


def given_matches(names: list[str], table_of_names: str) -> list[str]:
	"""The rows of a table joined to names_table, each array of names_in_json in turn."""
	return [
		name
		for array in names_in_json(names)
		for (name,) in frappe.db.sql(
			f"select named.name from {names_table('names')} "
			f"straight_join ({table_of_names}) named on named.name = given.given_name",
			{"names": array},
		)
	]


WAREHOUSES = "select name from `tabWarehouse`"


def test_given_names_match_as_an_in_list_does():
	warehouses = frappe.db.sql_list("select name from `tabWarehouse` order by name limit 3")
	assert len(warehouses) == 3
	odd_names = ['it\'s "quoted" \\ back', "Ünit été 日本", "tab\there"]
	for name in odd_names:
		assert names_in_json([name]) and frappe.db.sql(
			f"select given_name from {names_table('names')}", {"names": names_in_json([name])[0]}
		) == ((name,),)
	# Regardless of case, each record once, though named twice; names of no record match nothing.
	asked = [warehouses[0].upper(), warehouses[0].lower(), warehouses[1], "no such warehouse", *odd_names]
	in_list = frappe.db.sql_list(f"select name from ({WAREHOUSES}) named where name in %(names)s", {"names": asked})
	assert sorted(given_matches(asked, WAREHOUSES)) == sorted(in_list) == sorted(warehouses[:2])


def test_a_name_longer_than_any_record_s_matches_nothing():
	warehouse = frappe.db.get_value("Warehouse", {}, "name")
	too_long = warehouse + "x" * (packed_rows.NAME_LENGTH + 1 - len(warehouse))
	# The table's column would cut it to a length a record's name may have.
	assert names_in_json([too_long]) == []
	assert given_matches([too_long, warehouse], WAREHOUSES) == [warehouse]


def test_many_names_go_in_several_arrays(monkeypatch):
	monkeypatch.setattr(packed_rows, "NAMES_PER_QUERY", 2)
	warehouses = frappe.db.sql_list("select name from `tabWarehouse` order by name limit 5")
	assert len(names_in_json(warehouses)) == 3
	assert given_matches(warehouses, WAREHOUSES) == warehouses


# Reads alongside, on a second connection --------------------------------------------------------

USERS_BY_NAME = f"from {names_table('keys')} straight_join `tabUser` user on user.name = given.given_name"
USER_COLUMNS = {"name": "user.name", "enabled": "user.enabled", "tagged": "concat(user.name, %(suffix)s)"}


def read_alongside(sets, **options):
	with ReadsAlongside(USER_COLUMNS, USERS_BY_NAME, {"enabled": int}, as_dict=False, **options) as reads:
		for params in sets:
			reads.read(params)
		answer = reads.result()
	assert reads.reader is None or not reads.reader.is_alive()
	return reads, answer


def user_sets(suffix=""):
	names = [["Administrator", "no such user"], ["Guest", "administrator"]]
	return [{"keys": names_in_json(some)[0], "suffix": suffix} for some in names]


def read_here(sets):
	return [row for params in sets for row in read_packed(USER_COLUMNS, USERS_BY_NAME, params, {"enabled": int}, as_dict=False)]


def test_reads_alongside_give_what_this_connection_reads(monkeypatch):
	"""On a second connection, in a thread, each set's rows in the order given, put through `then`
	there; the rows sent a string per row, or a string per chunk of names."""
	opened = []
	create_connection = frappe.db.create_connection
	monkeypatch.setattr(frappe.db, "create_connection", lambda: opened.append(1) or create_connection())
	sets = user_sets()
	expected = read_here(sets)
	assert sorted(row[0] for row in expected) == ["Administrator", "Administrator", "Guest"]
	reads, rows = read_alongside(sets)
	assert reads.reader is not None and opened == [1]
	assert rows == expected
	monkeypatch.setattr(packed_rows, "NAMES_PER_CHUNK", 1)
	_reads, (count, rows) = read_alongside(sets, names_param="keys", then=lambda rows: (len(rows), rows))
	assert count == 3 and sorted(rows) == sorted(expected) and opened == [1, 1]


def test_a_value_holding_a_separator_reads_again_the_ordinary_way(monkeypatch):
	monkeypatch.setattr(packed_rows, "NAMES_PER_CHUNK", 1)
	# The last would pass for two rows of the right width, were the rows of a chunk not counted.
	for suffix in ("\x1d", "\x1f", "\x1e\x1d\x1f", "\x1dforged\x1f1\x1fforged"):
		sets = user_sets(suffix)
		expected = [("Administrator", 1, f"Administrator{suffix}"), ("Guest", 1, f"Guest{suffix}"), ("Administrator", 1, f"Administrator{suffix}")]
		for options in ({}, {"names_param": "keys"}):
			_reads, rows = read_alongside(sets, **options)
			assert sorted(tuple(row) for row in rows) == sorted(expected)


def test_with_this_transaction_s_writes_pending_the_sets_are_read_here():
	"""A second connection would not see them."""
	user = frappe.get_doc({"doctype": "User", "email": f"alongside-{frappe.generate_hash(length=8)}@example.com", "first_name": "Alongside"})
	user.flags.no_welcome_mail = True
	user.insert(ignore_permissions=True)
	assert frappe.db.transaction_writes
	sets = [{"keys": names_in_json([user.name, "Guest"])[0], "suffix": ""}]
	reads, rows = read_alongside(sets, names_param="keys")
	assert reads.reader is None
	assert sorted(row[0] for row in rows) == sorted([user.name, "Guest"])


def test_a_failed_second_connection_is_read_again_here_and_a_bad_query_raised(monkeypatch):
	from pymysql.err import MySQLError, OperationalError

	sets = user_sets()
	expected = read_here(sets)

	def lost(*_arguments):
		raise OperationalError(2013, "Lost connection to MySQL server during query")

	with monkeypatch.context() as patched:
		patched.setattr(ReadsAlongside, "read_set", lost)
		reads, rows = read_alongside(sets, names_param="keys")
	assert reads.reader is not None and "error" in reads.outcome
	assert rows == expected

	with pytest.raises(MySQLError, match="no_such_column"):
		with ReadsAlongside({"name": "no_such_column"}, USERS_BY_NAME) as reads:
			reads.read(user_sets()[0])
			reads.result()
	assert not reads.reader.is_alive()
	# Left without asking for the answer, the thread still ends with the block.
	with ReadsAlongside(USER_COLUMNS, USERS_BY_NAME) as reads:
		reads.read(user_sets()[0])
	assert not reads.reader.is_alive()
