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
