"""The layers a newcomer can see stay as drawn: entry points -> services -> stock reads -> pure rules
-> constants, no import upward and no cycle (a function-level import counts too). import-linter
reads the contracts from pyproject.toml and analyses lot_control's own imports only."""

import ast
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "lot_control"
PURE_RULE_LAYER = 4  # index in the layers contract


def contracts() -> list[dict]:
	return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def layers() -> list[list[str]]:
	contract = next(contract for contract in contracts() if contract["type"] == "layers")
	return [[name.strip() for name in layer.replace("|", ":").split(":")] for layer in contract["layers"]]


def test_the_import_contracts_hold():
	run = subprocess.run(
		[
			sys.executable,
			"-c",
			"import sys; from importlinter.cli import lint_imports; "
			"sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))",
		],
		cwd=ROOT,
		capture_output=True,
		text=True,
	)
	assert run.returncode == 0, run.stdout + run.stderr
	assert "BROKEN" not in run.stdout and "KEPT" in run.stdout


def test_every_module_has_its_layer():
	"""A new module has to be placed in a layer, so it cannot slip past the contract."""
	declared = {name for layer in layers() for name in layer}
	modules = {
		f"lot_control.{path.stem if path.is_file() else path.name}"
		for path in PACKAGE.iterdir()
		if (path.suffix == ".py" and path.stem != "__init__")
		or (path.is_dir() and (path / "__init__.py").exists())
	}
	assert modules - declared - {"lot_control.tests", "lot_control.config", "lot_control.templates"} == set()


def test_pure_rules_never_touch_the_database():
	"""The rule modules are plain Python: no frappe, no erpnext, so they are tested without a site."""
	for module in layers()[PURE_RULE_LAYER]:
		source = (ROOT / (module.replace(".", "/") + ".py")).read_text()
		imported = set()
		for node in ast.walk(ast.parse(source)):
			if isinstance(node, ast.Import):
				imported |= {alias.name.split(".")[0] for alias in node.names}
			elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
				imported.add(node.module.split(".")[0])
		assert not imported & {"frappe", "erpnext"}, f"{module} imports {imported & {'frappe', 'erpnext'}}"
