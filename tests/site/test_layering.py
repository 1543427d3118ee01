"""Imports run one way (DESIGN, "Layout"): accounts → grids → patrols → incidents → stats, the
foundation (geo, audit, workflow, cli, uploads) below everything, layers/ below the apps it publishes, and
only the project package (home, navigation, urls) and the demo loader read every app. A module that
imports upwards is named here; a second copy of a rule usually starts as such an import."""
import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FOUNDATION = {"geo", "audit", "workflow", "cli", "uploads"}
BELOW = {
    "geo": set(), "cli": set(), "audit": set(), "workflow": {"audit"}, "requestguard": set(), "ops": set(), "uploads": set(), "offline": set(),
    "unavailable": set(),  # the 503 while the database is down
    "layers": {"geo"},
    "accounts": FOUNDATION,
    "grids": FOUNDATION | {"accounts", "layers"},
    "placenames": FOUNDATION | {"accounts", "layers", "grids", "patrols"},
    "boundaries": FOUNDATION | {"accounts", "layers", "grids", "patrols", "notifications"},  # reminders
    "facilities": FOUNDATION | {"accounts", "layers", "grids"},
    "patrols": FOUNDATION | {"accounts", "layers", "grids"},
    "incidents": FOUNDATION | {"accounts", "layers", "grids", "patrols"},
    "stats": FOUNDATION | {"accounts", "layers", "grids", "patrols", "incidents"},
    "notifications": FOUNDATION | {"accounts", "layers", "grids", "patrols", "incidents"},
    "care": FOUNDATION | {"accounts", "layers", "grids", "patrols", "incidents", "notifications"},
}
TOP = {"demo", "views", "overview", "navigation", "urls", "settings", "wsgi", "asgi"}  # may read every app


def component(module):
    """The app (or foundation module) a dotted module name belongs to, or None if not ours."""
    parts = module.split(".")
    if parts[0] == "layers":
        return "layers"
    if parts[0] == "geogrid":
        return parts[1] if len(parts) > 1 else "settings"  # the project package itself
    return None


def imports_of(path, package):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield ".".join(base + ([node.module] if node.module else []))
            elif node.module:
                yield node.module


def test_imports_run_one_way():
    wrong = []
    for path in sorted([*(REPO / "geogrid").rglob("*.py"), *(REPO / "layers").rglob("*.py")]):
        rel = path.relative_to(REPO).with_suffix("")
        package = ".".join(rel.parts[:-1])
        module = package if path.name == "__init__.py" else ".".join(rel.parts)
        here = component(module)
        if here is None or here in TOP or "migrations" in rel.parts:
            continue
        assert here in BELOW, f"{module}: a new app? place it in BELOW"
        for imported in imports_of(path, package):
            there = component(imported)
            if there is not None and there != here and there not in BELOW[here]:
                wrong.append(f"{module} imports {imported} ({here} → {there})")
    assert wrong == []
