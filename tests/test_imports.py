"""Import contracts: the library never imports the command line or draws, and no import cycle exists.

The contracts are declared in ``.importlinter`` (checked here through import-linter's own API, as
``lint-imports`` would); cycles are found on the same import graph (grimp, import-linter's graph
library), counting imports inside functions too.
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]


def strongly_connected(graph: grimp.ImportGraph, package: str = "heatneed") -> list[set[str]]:
    """Groups of ``package`` modules that import each other in a cycle (Tarjan, iterative)."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    edges = {m: sorted(x for x in graph.find_modules_directly_imported_by(m) if x in modules) for m in modules}
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter[0]
                counter[0] += 1
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            for nxt in edges[node]:
                if nxt in on_stack:
                    low[node] = min(low[node], low[nxt])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("heatneed")


def test_no_import_cycle_in_the_package(graph):
    assert strongly_connected(graph) == []


def test_a_cycle_would_be_found(graph):
    graph.add_import(importer="heatneed.config", imported="heatneed.pipeline")  # pipeline imports config
    try:
        assert any({"heatneed.config", "heatneed.pipeline"} <= group for group in strongly_connected(graph))
    finally:
        graph.remove_import(importer="heatneed.config", imported="heatneed.pipeline")


def test_import_contracts_are_kept(monkeypatch):
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True) == 0


def test_library_importing_the_cli_breaks_the_contract(tmp_path, monkeypatch):
    """The contract is not vacuous: a library module that imports the CLI is reported."""
    from importlinter.cli import lint_imports

    package = tmp_path / "heatneed"
    package.mkdir()
    for path in (ROOT / "heatneed").rglob("*.py"):
        target = package / path.relative_to(ROOT / "heatneed")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    (package / "export.py").write_text((package / "export.py").read_text() + "\nfrom . import cli  # noqa\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in list(__import__("sys").modules) if m == "heatneed" or m.startswith("heatneed.")]:
        monkeypatch.delitem(__import__("sys").modules, name)
    assert lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True) == 1
