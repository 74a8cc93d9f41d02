"""The names a Python module's imports bind, read with :mod:`ast` (nothing imported): what the route
graph (:mod:`.health`), the Django URLconf walk (:mod:`.djangourls`) and the settings classes
(:mod:`.pysettings`) resolve names through."""

from __future__ import annotations

import ast


def absolute_module(module: str, name: str, level: int, package: bool) -> str:
    """The dotted module ``from {"." * level}{name} import ...`` names in *module* (*package*: *module*
    is a package's ``__init__``); *name* itself for an absolute import."""
    if not level:
        return name
    parts = module.split(".") if module else []
    keep = len(parts) - level + (1 if package else 0)
    base = parts[: max(keep, 0)]
    return ".".join([*base, name] if name else base)


def import_table(tree: ast.AST, module: str, package: bool) -> dict[str, tuple[str, str]]:
    """{local name: (module, attribute, "" for the module itself)} of every import anywhere in *tree*
    (a factory imports inside the function that uses them), the first binding of a name kept:
    ``from .views import bp`` -> ``bp: (pkg.views, bp)``, ``import a.b`` -> ``a: (a, "")``,
    ``import a.b as c`` -> ``c: (a.b, "")``."""
    found: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = absolute_module(module, node.module or "", node.level, package)
            for alias in node.names:
                found.setdefault(alias.asname or alias.name, (base, alias.name))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                found.setdefault(alias.asname or top, (alias.name if alias.asname else top, ""))
    return found
