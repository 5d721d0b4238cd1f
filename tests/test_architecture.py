"""The shape of the house: rules about packages and imports that every app obeys.

The floors, top to bottom. A module may import from its own floor or any floor below, never
from one above; docs/architecture.md describes the same order. Apps on the features floor may
use each other (meetings uses the forum's upload checks, lessons build on meetings), but no two
project modules may import each other, directly or round a longer circle, also not from inside
a function: such an import hides a seam that wants to be a module of its own. Imports made for
type checking only (under ``if TYPE_CHECKING:``) run nothing and are not counted.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FLOORS: list[set[str]] = [
    {"web"},
    {"forum", "mailboxes", "meetings", "lessons", "branch", "membership"},  # the features
    {"moderation"},
    {"realtime"},
    {"members"},
    {"kernel"},
]
NOT_APPS = {"tests", "bench"}


def project_packages() -> set[str]:
    return {path.parent.name for path in ROOT.glob("*/__init__.py")}


def floor_of(package: str) -> int:
    """0 is the ground floor."""
    for height, floor in enumerate(reversed(FLOORS)):
        if package in floor:
            return height
    raise AssertionError(f"{package}/ is on no floor: add it to FLOORS here and to docs/architecture.md")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in project_packages() - NOT_APPS:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(tree: ast.AST) -> list[str]:
    """Every module name an import statement names, at any depth (functions, methods,
    branches), skipping ``if TYPE_CHECKING:`` blocks; ``from a import b`` names ``a.b``."""
    names: list[str] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking_only(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        stack.extend(ast.iter_child_nodes(node))
    return names


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = {resolve(name) for name in imported_names(ast.parse(path.read_text(), str(path)))}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_project_packages_are_found() -> None:
    assert {"kernel", "web", "members", "realtime", "moderation", "forum", "mailboxes", "meetings", "lessons"} <= (
        project_packages()
    )


def test_no_project_package_shadows_a_standard_library_module() -> None:
    # A package named like a standard-library module (`mailbox` was one) is imported instead of it,
    # or not, depending on the directory a program starts from.
    assert project_packages() & set(sys.stdlib_module_names) == set()


def test_every_app_is_on_a_floor() -> None:
    for package in project_packages() - NOT_APPS:
        floor_of(package)


def test_imports_only_go_down_the_floors() -> None:
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in targets
        if floor_of(target.split(".")[0]) > floor_of(module.split(".")[0])
    )
    assert upward == []


def test_no_two_project_modules_import_each_other() -> None:
    assert cycles(import_graph()) == []


def test_the_checks_see_imports_inside_functions_and_find_a_circle() -> None:
    tree = ast.parse("import a\n\ndef f():\n    from b import c\n\nif TYPE_CHECKING:\n    import d\n")
    assert sorted(imported_names(tree)) == ["a", "b.c"]
    assert cycles({"x": {"y"}, "y": {"z"}, "z": {"x"}, "w": {"x"}}) == [["x", "y", "z"]]
