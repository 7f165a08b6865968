"""The tests' own layering: a test module never imports another test module. What several modules share
lives in tests/helpers/ (or tests/browser/helpers.py) or is a fixture of a conftest.py; importing a test
module runs and re-collects its tests, and ties one test file's refactoring to another's."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"

# Imports of a test module still waiting for their owner's change: {importer: reason}. Each runs as an
# expected failure until fixed (then it passes and shows as XPASS: remove its entry).
PENDING: dict[str, str] = {}  # test modules allowed to break the rule for now, with the reason


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def is_test_module(name: str) -> bool:
    """`tests.test_x`, `tests.browser.test_y`, or a bare `test_x` (pytest's rootdir insertion), when such a
    file exists (`from lib.x import test_connection` names a function, not a test module)."""
    last = name.rsplit(".", 1)[-1]
    if not last.startswith("test_"):
        return False
    if "." in name:
        return ROOT.joinpath(*name.split(".")).with_suffix(".py").is_file()
    return any((ROOT / "tests").rglob(f"{last}.py"))


def imported_names(path: Path) -> set[str]:
    """Every module `path` may import (at top level or inside a function), relative imports resolved;
    for `from a import b`, both `a` and `a.b` (b may be a module)."""
    package = module_name(path).split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            if module:
                found.add(module)
            found.update(f"{module}.{alias.name}".lstrip(".") for alias in node.names)
    return found


def test_modules_imported_by(path: Path) -> list[str]:
    return sorted(name for name in imported_names(path) if is_test_module(name))


test_modules_imported_by.__test__ = False  # a helper, not a test


def python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def case(path: Path):
    relative = str(path.relative_to(ROOT))
    if relative in PENDING:
        return pytest.param(path, id=relative, marks=pytest.mark.xfail(reason=PENDING[relative], strict=False))
    return pytest.param(path, id=relative)


def test_the_rule_sees_files():
    # Guards the guard: an empty glob would make every check below pass vacuously.
    files = {str(p.relative_to(ROOT)) for p in python_files()}
    assert {"tests/conftest.py", "tests/test_pages.py", "tests/helpers/apptest.py"} <= files
    assert any(f.startswith("tests/browser/test_") for f in files)


@pytest.mark.parametrize("path", [case(p) for p in python_files()])
def test_no_test_module_imports_another(path):
    assert test_modules_imported_by(path) == [], (
        "move what is shared to tests/helpers/ (or a conftest.py fixture) and import it from there"
    )


@pytest.mark.parametrize(
    "source",
    [
        "from tests.test_pages import button",
        "from tests import test_pages",
        "import tests.test_pages",
        "from . import test_pages",
        "from .test_pages import button",
        "import test_pages",
        "def f():\n    from tests.browser.test_resume import x\n",
    ],
)
def test_detector_catches_an_import_of_a_test_module(tmp_path, monkeypatch, source):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "tests" / "browser").mkdir(parents=True)
    for other in ("test_pages.py", "browser/test_resume.py"):
        (tmp_path / "tests" / other).write_text("")
    sample = tmp_path / "tests" / "test_sample.py"
    sample.write_text(source)
    assert test_modules_imported_by(sample)


def test_detector_lets_helpers_and_fixtures_through(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    sample = tmp_path / "tests" / "test_sample.py"
    sample.parent.mkdir()
    sample.write_text(
        "from tests.helpers.apptest import button\nfrom tests.browser.helpers import idle\n"
        "from tests.helpers import sandbox\nfrom . import conftest\nimport pytest\n"
        "from lib.connection import test_connection\n"
    )
    assert test_modules_imported_by(sample) == []
