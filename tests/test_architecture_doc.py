"""docs/architecture.md lists every module of src/ and js/, and nothing that is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
CODE_SUFFIXES = (".py", ".js", ".css", ".d.ts")


def documented_files() -> set[str]:
    """The files the doc's tree names, as paths from the repository root."""
    tree = DOC.read_text().split("## The tree", 1)[1].split("```")[1]
    folders: list[str] = []  # the folder open at each depth
    files = set()
    for line in tree.splitlines():
        match = re.match(r"( *)(\S+)", line)
        if not match:
            continue
        depth, name = len(match.group(1)) // 2, match.group(2)
        folders = folders[:depth]
        if name.endswith("/"):
            folders.append(name)
        elif name.endswith(CODE_SUFFIXES):
            files.add("".join(folders) + name)
    return files


def code_files() -> set[str]:
    found = set()
    for top, pattern in (("src/digitwidget", "*.py"), ("js", "*")):
        for path in (ROOT / top).rglob(pattern):
            if path.is_file() and path.name.endswith(CODE_SUFFIXES) and "static" not in path.parts:
                found.add(path.relative_to(ROOT).as_posix())
    return found


def test_the_tree_names_every_module_and_no_other() -> None:
    documented, actual = documented_files(), code_files()
    assert documented, "the tree in docs/architecture.md was not found"
    assert not actual - documented, f"not in docs/architecture.md: {sorted(actual - documented)}"
    assert not documented - actual, (
        f"in docs/architecture.md but gone: {sorted(documented - actual)}"
    )
