"""The house rules, read off the source with `ast`: the product's modules (importance/, ui/,
pages/, app.py) import each other without a circle (imports at module level and inside
functions both count; those under `if TYPE_CHECKING:` do not run and do not count), no module
is over `MAX_LINES` lines, and the library never imports streamlit."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("importance", "ui", "pages")
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def product_modules() -> dict[str, Path]:
    """Every product module by dotted name: the packages' files and app.py."""
    out = {"app": ROOT / "app.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out[_module_name(path)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that runs: at module level, in functions and classes, not under
    `if TYPE_CHECKING:`."""
    out: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(node, ast.If) and _is_type_checking(node) and child in node.body:
                continue
            stack.append(child)
    return out


def imported_names(name: str, path: Path) -> set[str]:
    """The dotted names a module imports: `import a.b` gives `a.b`; `from a import b, c`
    gives `a.b` and `a.c` where those are modules, else `a`."""
    modules = product_modules()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            anchor = parts[:len(parts) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            full = f"{base}.{alias.name}"
            out.add(full if full in modules else base)
    return out


def import_graph() -> dict[str, set[str]]:
    """Product module -> the product modules it imports."""
    modules = product_modules()
    return {name: {m for m in imported_names(name, path) if m in modules and m != name}
            for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as a list
    of its modules, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_the_walk_counts_the_imports_that_run() -> None:
    tree = ast.parse("import a\nif TYPE_CHECKING:\n    import b\nelse:\n    import c\n"
                     "def f():\n    from d import e\nclass G:\n    import h\n")
    found = {alias.name if isinstance(node, ast.Import) else node.module
             for node in _imports(tree) for alias in node.names}
    assert found == {"a", "c", "d", "h"}
    graph = import_graph()
    assert "importance.config" in graph["importance.experiment"]  # module level
    assert "importance.report" in graph["importance.report_cli"]  # inside a function
    assert graph["app"] >= {"ui.entry", "ui.sidebar"}  # from ui import entry, sidebar
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles() -> None:
    found = cycles(import_graph())
    assert not found, "import circles: " + "; ".join(" <-> ".join(c) for c in found)


def test_no_module_over_the_limit() -> None:
    over = {name: n for name, path in product_modules().items()
            if name != "app" and (n := len(path.read_text(encoding="utf-8").splitlines()))
            > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines: {over}"


def test_the_library_never_imports_streamlit() -> None:
    modules = product_modules()
    bad = sorted(name for name, path in modules.items() if name.startswith("importance")
                 and any(i == "streamlit" or i.startswith("streamlit.")
                         for i in imported_names(name, path)))
    assert not bad, f"importance/ modules importing streamlit: {bad}"
