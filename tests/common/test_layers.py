"""Imports run down the layers: the backend never imports the Rasa side's `channels` package, the
workflow engine no service, and common/ neither SQLAlchemy nor pydantic (Rasa's environment has
other versions of both)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _importers(folder: str, *packages: str) -> list[str]:
    return sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / folder).rglob("*.py")
        if any(name == p or name.startswith(f"{p}.") for name in _imported(path) for p in packages)
    )


def test_the_backend_does_not_import_the_channels_package():
    assert _importers("backend", "channels") == []


def test_the_workflow_engine_imports_no_service():
    assert not {n for n in _imported(ROOT / "backend" / "workflow.py") if n.startswith("backend.services")}


def test_the_api_does_not_reach_into_the_outbox_worker():
    assert _importers("backend/api", "backend.outbox_worker") == []


@pytest.mark.parametrize("package", ["sqlalchemy", "pydantic", "backend", "channels", "actions", "locales"])
def test_common_depends_on_nothing_of_one_environment(package):
    assert _importers("common", package) == []


SERVICE_CODES = {p.stem for p in (ROOT / "backend" / "workflows").glob("*.yml")} | {p.stem for p in (ROOT / "catalog").glob("*.yml")}
# Modules that still name a service, each to move onto the catalog and its hooks (issue 15): the
# list only shrinks. Hooks (backend/services/hooks/) and migrations may name services.
STILL_NAMING_SERVICES: set[str] = set()


def _is_code(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in SERVICE_CODES


def _names_a_service(path: Path) -> bool:
    """A service's code compared with (`case.service == "grievance"`, `in (...)`), looked up in the
    workflows (`workflows["desludging"]`), or a key of a per-service table; not a word that only
    happens to spell one (the `certificate` an issued application keeps in its details)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare) and any(_is_code(n) or any(map(_is_code, getattr(n, "elts", []))) for n in (node.left, *node.comparators)):
            return True
        if isinstance(node, ast.Subscript) and _is_code(node.slice) and "workflow" in ast.unparse(node.value):
            return True
        if isinstance(node, ast.Dict) and any(k is not None and _is_code(k) for k in node.keys):
            return True
    return False


def test_no_module_outside_the_hooks_branches_on_a_service():
    naming = {
        str(path.relative_to(ROOT))
        for folder in ("backend", "actions", "channels", "locales", "common", "bot")
        for path in (ROOT / folder).rglob("*.py")
        if "hooks" not in path.parts and "migrations" not in path.parts and _names_a_service(path)
    }
    assert naming - STILL_NAMING_SERVICES == set(), "name the service's behaviour in its workflow's hooks, not in code"
    assert STILL_NAMING_SERVICES - naming == set(), "this module no longer names a service: take it off the list"
