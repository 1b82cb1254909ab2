"""Run a function of a benchmark module inside a site, as `bench execute` would, for modules that
are not part of any installed app (bench execute imports only from installed apps).

	cd <bench>/sites && ../env/bin/python <app>/benchmarks/run_in_site.py --site S \
	    trace_benchmark.run [--kwargs "{'lots': 20000}"]

The module is imported from this folder by path; the function's return value is printed when it is
not None. Commits at the end, as bench execute does.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_data
import frappe


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--sites-path", default=os.getcwd())
	parser.add_argument("method", help="module.function, the module a file of this folder")
	parser.add_argument("--kwargs", default="{}", help="a Python dict literal of keyword arguments")
	arguments = parser.parse_args()
	module_name, _, function_name = arguments.method.rpartition(".")
	kwargs = ast.literal_eval(arguments.kwargs)
	bench_data.connect(arguments.site, arguments.sites_path)
	try:
		function = getattr(importlib.import_module(module_name), function_name)
		result = function(**kwargs)
		frappe.db.commit()
		if result is not None:
			print(result)
	finally:
		frappe.destroy()
	return 0


if __name__ == "__main__":
	sys.exit(main())
