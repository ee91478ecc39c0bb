"""The house rules of `chalicelib/`, enforced: layers only import downwards, domain packages only import the
domains below them, and no module takes part in an import cycle (imports inside functions count too: a cycle
hidden in a function is still a cycle).

The rules are the table in ARCHITECTURE.md ("Layers and import rules"); change both together.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "chalicelib"

# layer → the layers it may import (itself included). Top-level modules (config, errors, observability) are
# the foundation every layer may use.
FOUNDATION = {"config", "errors", "observability"}
LAYERS: dict[str, set[str]] = {
    "api": {"api", "services", "schemas", "integrations"},
    "handlers": {"services", "integrations", "schemas"},  # an adapter may validate its event with a schema
    "services": {"services", "models", "integrations", "schemas"},
    "schemas": {"schemas"},
    "models": {"models"},
    "integrations": {"integrations"},
    **{name: set() for name in FOUNDATION},
}
# domain package → the domain packages it may import (besides itself).
DOMAINS: dict[str, set[str]] = {
    "core": set(),
    "accounts": {"core"},
    "access": {"core"},
    "catalog": {"core", "access", "accounts", "payouts"},
    "courses": {"core", "access", "accounts", "catalog"},
    "learning": {"core", "access", "accounts", "catalog", "courses", "analytics"},
    "video": {"core", "access", "accounts", "catalog", "courses", "learning"},
    "reviews": {"core", "access", "accounts", "catalog"},
    "ai": {"core", "accounts", "catalog", "courses"},
    "analytics": {"core"},
    "commerce": {"core", "access", "accounts", "catalog", "ai", "reviews", "messaging", "analytics", "payouts"},
    "creator": {"core", "accounts", "catalog", "commerce", "ai"},
    "search": {"core", "access", "accounts", "catalog", "courses"},
    "messaging": {"core", "access", "accounts"},
    "payouts": {"core", "accounts"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str) -> set[str]:
    """Every `chalicelib.*` module `path` imports, anywhere in the file (`from a import b` counts as a.b when b
    is a module, else as a)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found |= {f"{base}.{alias.name}" for alias in node.names} | {base}
    return {name for name in found if name == PACKAGE or name.startswith(PACKAGE + ".")}


@functools.cache
def _graph() -> dict[str, set[str]]:
    """module → the chalicelib modules it imports; read when a test asks (not at collection, in every worker)."""
    files = {_module_name(path): path for path in (ROOT / PACKAGE).rglob("*.py")}
    graph = {}
    for module, path in files.items():
        targets = set()
        for name in _imports(path, module):
            while name and name not in files:  # `from pkg import Class` → pkg
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "services" else None


def test_the_graph_is_read():
    assert len(_graph()) > 100
    assert "chalicelib.services.core.db" in _graph()["chalicelib.services.core.pagination"] or \
        "chalicelib.config" in _graph()["chalicelib.services.core.pagination"]


def test_layers_only_import_downwards():
    wrong = []
    for module, targets in _graph().items():
        layer = _layer(module)
        if layer is None:
            continue
        allowed = LAYERS[layer] | FOUNDATION
        wrong += [f"{module} → {target}" for target in targets
                  if _layer(target) is not None and _layer(target) not in allowed]
    assert not wrong, "upward or sideways imports:\n" + "\n".join(sorted(wrong))


def test_domain_packages_only_import_the_domains_below_them():
    assert set(DOMAINS) >= {_domain(m) for m in _graph() if _domain(m)}, "a new domain package: add it to DOMAINS"
    wrong = []
    for module, targets in _graph().items():
        domain = _domain(module)
        if domain is None:
            continue
        wrong += [f"{module} → {target}" for target in targets
                  if _domain(target) not in (None, domain) and _domain(target) not in DOMAINS[domain]]
    assert not wrong, "imports against the domain order:\n" + "\n".join(sorted(wrong))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert _cycles(_graph()) == []


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert _cycles(graph) == expected
