"""Reads of many rows, each sent by MariaDB as one string.

pymysql decodes every value of a result in Python, one at a time: for a read of 100,000 rows of ten
values (a report over every lot in stock, the units of a wide recall) that costs more than MariaDB's
own work. Sent as one string a row, joined with the ASCII unit separator, the values are decoded
once per row and split in C. A NULL travels as the ASCII record separator (so a value that is that
character alone would read as NULL; no name, code or status is). Should a value hold the unit
separator, the rows are read again the ordinary way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import frappe

FIELD_SEPARATOR = "\x1f"
NULL = "\x1e"


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
