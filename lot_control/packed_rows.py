"""Reads of many rows, each sent by MariaDB as one string.

pymysql decodes every value of a result in Python, one at a time: for a read of 100,000 rows of ten
values (a report over every lot in stock, the units of a wide recall) that costs more than MariaDB's
own work. Sent as one string a row, joined with the ASCII unit separator, the values are decoded
once per row and split in C. A NULL travels as the ASCII record separator (so a value that is that
character alone would read as NULL; no name, code or status is). Should a value hold the unit
separator, the rows are read again the ordinary way.

Such reads are mostly for thousands of names (the frontier of a genealogy walk, the units of a
recall): those go to MariaDB as one JSON array, read as a table (names_table) and joined to by the
index, rather than as IN lists of a few hundred names. For an IN list MariaDB analyses the range of
every value before it reads anything, and pymysql escapes every value in Python: for 20,000 units
that was more than half the time of the read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import frappe

FIELD_SEPARATOR = "\x1f"
NULL = "\x1e"

# Frappe's names are varchar(140): a longer one is no record's name (the table would cut it short).
NAME_LENGTH = 140
NAMES_PER_QUERY = 10_000


def names_table(param: str) -> str:
	"""A table of the names given in %(param)s (one of names_in_json's arrays), its column
	`given_name`, to put first in a query with STRAIGHT_JOIN and join to by an index. Compared as
	Frappe's tables compare (utf8mb4_unicode_ci, case-insensitive)."""
	return (
		f"json_table(%({param})s, '$[*]' columns (`given_name` varchar({NAME_LENGTH}) "
		"character set utf8mb4 collate utf8mb4_unicode_ci path '$')) as `given`"
	)


def names_in_json(names) -> list[str]:
	"""The names as JSON arrays of at most NAMES_PER_QUERY, for names_table: each name once (as the
	database compares, regardless of case, so that a join gives each row once, as IN does), in order."""
	unique = {}
	for name in names:
		if name and len(name) <= NAME_LENGTH:
			unique.setdefault(name.casefold(), name)
	values = list(unique.values())
	return [
		json.dumps(values[start : start + NAMES_PER_QUERY])
		for start in range(0, len(values), NAMES_PER_QUERY)
	]


def as_date(text: str) -> date | None:
	"""A DATE column's text as a date; MariaDB's zero date (a value pymysql does not read as a date
	either) as None."""
	try:
		return date.fromisoformat(text)
	except ValueError:
		return None


def read_packed(
	columns: dict[str, str],
	rest: str,
	params: dict | None = None,
	types: dict[str, Callable] | None = None,
	as_dict: bool = True,
) -> list:
	"""`select <columns> <rest>`, columns being {key: SQL expression}, as frappe._dicts (or tuples in
	the columns' order). A value comes as a str, or None for NULL; `types` turns a column's value
	(not None) into what it is: float, as_date, int."""
	keys = list(columns)
	width = len(keys)
	types = types or {}
	convert = [(index, types[key]) for index, key in enumerate(keys) if key in types]
	packed = ", ".join(f"ifnull({expression}, char(30 using utf8mb4))" for expression in columns.values())
	rows = []
	for (text,) in sql(f"select concat_ws(char(31 using utf8mb4), {packed}) {rest}", params):
		values = text.split(FIELD_SEPARATOR)
		if len(values) != width:
			return read_plain(columns, rest, params, as_dict)
		if NULL in text:
			values = [None if value == NULL else value for value in values]
		for index, to_type in convert:
			if values[index] is not None:
				values[index] = to_type(values[index])
		rows.append(frappe._dict(zip(keys, values, strict=True)) if as_dict else tuple(values))
	return rows


def read_plain(columns: dict[str, str], rest: str, params: dict | None, as_dict: bool) -> list:
	query = f"select {', '.join(f'{expression} as `{key}`' for key, expression in columns.items())} {rest}"
	return sql(query, params, as_dict=as_dict)


def sql(query: str, params: dict | None, as_dict: bool = False) -> list:
	# frappe.db.sql would take None for one value to put in the query
	if params:
		return frappe.db.sql(query, params, as_dict=as_dict)
	return frappe.db.sql(query, as_dict=as_dict)
