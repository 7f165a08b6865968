"""The dependency rule: only lib/ui imports streamlit; lib/apimart imports neither streamlit nor pandas;
pages never talk HTTP themselves."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_the_rule_sees_files():
    # Guards the guards: an empty glob would make every check below pass vacuously.
    assert len(python_files("lib")) > 10
    assert python_files("pages")


@pytest.mark.parametrize("path", python_files("lib"), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_lib_ui_imports_streamlit(path):
    if (ROOT / "lib" / "ui") in path.parents:
        return
    assert "streamlit" not in imported_modules(path)


@pytest.mark.parametrize("path", python_files("lib/apimart"), ids=lambda p: str(p.relative_to(ROOT)))
def test_client_imports_no_streamlit_or_pandas(path):
    assert not {"streamlit", "pandas"} & imported_modules(path)


@pytest.mark.parametrize("path", python_files("pages"), ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_do_not_talk_http(path):
    assert not {"requests", "urllib3", "http", "httpx"} & imported_modules(path)


def test_detector_catches_a_streamlit_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import os\nfrom streamlit import session_state\n")
    assert "streamlit" in imported_modules(sample)
