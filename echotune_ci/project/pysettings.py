"""pydantic settings classes, read statically: the variables they read, those the app cannot start without.

A settings class inherits pydantic's ``BaseSettings`` directly or through
classes of the project's own, in other modules (``class AppSettings(BaseAppSettings)``,
``BaseAppSettings(BaseSettings)``): bases are followed through the imports
as far as static reading can. Each field reads the variable of its name in
capitals after the class's ``env_prefix`` (pydantic v1 ``class Config:``, v2
``model_config = SettingsConfigDict(...)`` or class keywords, inherited as
pydantic merges them), or the one a literal alias names (v1 ``Field(...,
env="X")``; v2 ``Field(validation_alias="X")``, ``AliasChoices``, ``alias``).
A field without a default is required: pydantic stops with ValidationError
when no variable (nor a committed ``env_file``) gives it. ``Optional[X]``
without a value is required only in v2 (v1 gives it None).

:func:`settings_reads` lists every field's read, for what reads a variable
with a default; :func:`required_settings` the required fields of the classes
the app makes when it is imported or starts: a call of the class, or of a
function annotated to return it (``get_app_settings() -> AppSettings``), in
code that runs on import (followed through the project's imports and the
functions it calls), in the factory the server calls, or in a startup hook
(``lifespan=``, ``on_startup=``, ``@app.on_event("startup")``,
``add_event_handler("startup", ...)``). Bounded and never raising: a file
that does not parse says nothing.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .dotenv import dotenv_file
from .files import read_text, rel
from .pyimports import absolute_module, import_table

_MAX_DEPTH = 8
_MAX_UNITS = 400
_FIELD_CALLS = ("Field",)
_DEFAULT_KEYWORDS = ("default", "default_factory")
_STARTUP_KEYWORDS = ("lifespan", "on_startup")
_STARTUP_DECORATORS = ("on_startup", "before_serving", "startup")


@dataclass(frozen=True)
class SettingsField:
    """One field: ``attr`` its name in the class, ``env`` the variables that set it (any one; the first is
    the one to name), ``required`` when pydantic stops without one, ``has_value`` when its default is a
    value (not None or ""), ``where`` its ``file:line``."""

    attr: str
    env: tuple[str, ...]
    required: bool
    has_value: bool
    where: str


@dataclass
class SettingsClass:
    """A class inheriting ``BaseSettings``: ``name``, its ``fields`` (own and inherited, a subclass's first),
    ``prefix`` its ``env_prefix`` (own or inherited; None when none is set), ``env_files`` its literal
    ``env_file`` values, ``version`` 1 or 2 by where BaseSettings came from (``pydantic`` or
    ``pydantic_settings``; 0 unknown)."""

    name: str
    fields: list[SettingsField] = field(default_factory=list)
    prefix: str | None = None
    env_files: tuple[str, ...] = ()
    version: int = 0


@dataclass(frozen=True)
class Made:
    """A settings class the app makes: its key (module, class), where (``file:line`` of the call), the
    keyword names the call gives, the ``_env_file`` it names; ``opaque`` when it passes ``**values``."""

    key: tuple[str, str]
    where: str
    given: frozenset[str]
    env_file: str | None
    opaque: bool


class _Project:
    """The project's Python modules by dotted name, each parsed when first asked for."""

    def __init__(self, sources: list[Path], root: Path) -> None:
        from .pyapp import module_name

        self.root = root
        self.paths: dict[str, Path] = {}
        for path in sources:
            if path.suffix == ".py":
                self.paths.setdefault(module_name(path, root), path)
        self._texts: dict[str, str] = {}
        self._trees: dict[str, ast.Module | None] = {}
        self._imports: dict[str, dict[str, tuple[str, str]]] = {}
        self._classes: dict[str, dict[str, ast.ClassDef]] = {}
        self._functions: dict[str, dict[str, ast.FunctionDef | ast.AsyncFunctionDef]] = {}

    def text(self, module: str) -> str:
        if module not in self._texts:
            self._texts[module] = read_text(self.paths[module]) if module in self.paths else ""
        return self._texts[module]

    def tree(self, module: str) -> ast.Module | None:
        if module not in self._trees:
            try:
                self._trees[module] = ast.parse(self.text(module)) if module in self.paths else None
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._trees[module] = None
            self._declarations(module)
        return self._trees[module]

    def where(self, module: str, node: ast.AST) -> str:
        return f"{rel(self.paths[module], self.root)}:{getattr(node, 'lineno', 0)}"

    def module(self, name: str) -> str | None:
        """The module of the sources named *name*, also when the sources' root is above the package's."""
        if name in self.paths:
            return name
        ends = [m for m in self.paths if m.endswith("." + name)]
        return ends[0] if len(ends) == 1 else None

    def imports(self, module: str) -> dict[str, tuple[str, str]]:
        self.tree(module)
        return self._imports.get(module, {})

    def classes(self, module: str) -> dict[str, ast.ClassDef]:
        self.tree(module)
        return self._classes.get(module, {})

    def functions(self, module: str) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
        self.tree(module)
        return self._functions.get(module, {})

    def _declarations(self, module: str) -> None:
        tree = self._trees.get(module)
        imports: dict[str, tuple[str, str]] = {}
        classes: dict[str, ast.ClassDef] = {}
        functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        if tree is not None:
            # imports anywhere: a factory imports its settings inside the function that makes them
            imports = import_table(tree, module, self.paths[module].name == "__init__.py")
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    classes.setdefault(node.name, node)
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    classes[node.name] = node
                elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    functions[node.name] = node
        self._imports[module], self._classes[module], self._functions[module] = imports, classes, functions

    def symbol(self, module: str, expr: ast.expr, depth: int = 0) -> tuple[str, str] | None:
        """Where the name *expr* (``Settings``, ``config.Settings``, ``pydantic.BaseSettings``) as seen in
        *module* is defined: (project module, name); for a name from outside the project ("", its dotted
        name); (module, "") for a module; None when static reading cannot tell."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, ast.Attribute):
            owner = self.symbol(module, expr.value, depth + 1)
            if owner is None:
                return None
            if owner[0] == "":
                return "", f"{owner[1]}.{expr.attr}"
            if owner[1]:  # an attribute of a class or an object: not a module's name
                return None
            return self._name_in(owner[0], expr.attr, depth + 1)
        if isinstance(expr, ast.Name):
            if expr.id in self.classes(module) or expr.id in self.functions(module):
                return module, expr.id
            found = self.imports(module).get(expr.id)
            if found is None:
                return "", expr.id  # a builtin, a star import: its name is all there is
            target, attr = found
            if not attr:
                inside = self.module(target)
                return (inside, "") if inside else ("", target)
            return self._from(target, attr, depth + 1)
        return None

    def _from(self, target: str, attr: str, depth: int) -> tuple[str, str] | None:
        """``from target import attr``: a module of the project, a name in one, or one from outside."""
        as_module = self.module(f"{target}.{attr}") if target else self.module(attr)
        if as_module is not None:
            return as_module, ""
        inside = self.module(target) if target else None
        if inside is None:
            return "", f"{target}.{attr}" if target else attr
        return self._name_in(inside, attr, depth)

    def _name_in(self, module: str, name: str, depth: int) -> tuple[str, str] | None:
        if depth > _MAX_DEPTH:
            return None
        if name in self.classes(module) or name in self.functions(module):
            return module, name
        found = self.imports(module).get(name)  # a package's __init__ that imports it from elsewhere
        if found is not None:
            target, attr = found
            if not attr:
                inside = self.module(target)
                return (inside, "") if inside else ("", target)
            return self._from(target, attr, depth + 1)
        as_module = self.module(f"{module}.{name}")
        return (as_module, "") if as_module else None


class _Settings:
    """Which classes of *project* are settings classes, and what they read."""

    def __init__(self, project: _Project) -> None:
        self.project = project
        self._known: dict[tuple[str, str], SettingsClass | None] = {}

    def candidates(self) -> Iterator[tuple[str, str]]:
        """Every class of the modules that may hold a settings class: those naming BaseSettings, then those
        naming a class found to inherit it, until no more turn up."""
        names = {"BaseSettings"}
        seen: set[str] = set()
        while True:
            found = [m for m in self.project.paths if m not in seen
                     and any(re.search(rf"\b{re.escape(n)}\b", self.project.text(m)) for n in names)]
            if not found:
                return
            for module in found:
                seen.add(module)
                for name in self.project.classes(module):
                    if self.get((module, name)) is not None:
                        names.add(name)
                        yield module, name

    def get(self, key: tuple[str, str], depth: int = 0) -> SettingsClass | None:
        """The settings class *key* names, None when it inherits no BaseSettings (or reading cannot tell)."""
        if key in self._known:
            return self._known[key]
        self._known[key] = None  # a cycle of bases is no settings class
        node = self.project.classes(key[0]).get(key[1])
        if node is None or depth > _MAX_DEPTH:
            return None
        version = -1  # no BaseSettings among the bases yet
        parents: list[SettingsClass] = []
        for base in node.bases:
            where = self.project.symbol(key[0], base)
            if where is None:
                continue
            if where[0] == "" and where[1].rsplit(".", 1)[-1] == "BaseSettings":
                version = max(version, _version_of(where[1]))
            elif where[0] and where[1]:
                parent = self.get(where, depth + 1)
                if parent is not None:
                    parents.append(parent)
                    version = max(version, parent.version)
        if version < 0:
            return None
        prefix, files = _config(node)
        for parent in parents:  # pydantic merges the configs: the subclass's own wins
            prefix = prefix if prefix is not None else parent.prefix
            files = files if files is not None else parent.env_files
        settings = SettingsClass(key[1], prefix=prefix, env_files=files or (), version=version)
        settings.fields = list(_own_fields(self.project, key[0], node, prefix or "", version))
        taken = {f.attr for f in settings.fields}
        for parent in parents:
            for inherited in _reprefixed(parent, prefix):
                if inherited.attr not in taken:
                    taken.add(inherited.attr)
                    settings.fields.append(inherited)
        self._known[key] = settings
        return settings


def _reprefixed(parent: SettingsClass, prefix: str | None) -> list[SettingsField]:
    """*parent*'s fields as a subclass with env_prefix *prefix* reads them (an alias keeps its name)."""
    old = parent.prefix or ""
    if prefix is None or prefix == old:
        return parent.fields
    return [SettingsField(f.attr, ((prefix + f.attr).upper(),), f.required, f.has_value, f.where)
            if f.env == ((old + f.attr).upper(),) else f for f in parent.fields]


def _version_of(dotted: str) -> int:
    """2 for pydantic-settings' BaseSettings, 1 for pydantic's own (v1, and pydantic.v1), 0 unknown."""
    if dotted.startswith("pydantic_settings"):
        return 2
    if dotted.startswith("pydantic."):
        return 1
    return 0


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _strings(node: ast.AST | None) -> tuple[str, ...] | None:
    """A literal string or a list / tuple / set of them; None for anything else."""
    one = _string(node)
    if one is not None:
        return (one,)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        items = [_string(e) for e in node.elts]
        return tuple(i for i in items if i is not None) if all(i is not None for i in items) else None
    return None


def _config(node: ast.ClassDef) -> tuple[str | None, tuple[str, ...] | None]:
    """(env_prefix, env_file) a class sets itself, each None when it sets none: class keywords, ``class
    Config:`` (v1), ``model_config = SettingsConfigDict(...)`` or a dict (v2)."""
    values: dict[str, ast.expr] = {k.arg: k.value for k in node.keywords if k.arg}
    for statement in node.body:
        if isinstance(statement, ast.ClassDef) and statement.name == "Config":
            for item in statement.body:
                if isinstance(item, ast.Assign):
                    for name in item.targets:
                        if isinstance(name, ast.Name):
                            values.setdefault(name.id, item.value)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.value:
                    values.setdefault(item.target.id, item.value)
        target, value = _assigned(statement)
        if target == "model_config" and isinstance(value, ast.Call):
            values.update({k.arg: k.value for k in value.keywords if k.arg})
        elif target == "model_config" and isinstance(value, ast.Dict):
            values.update({s: v for k, v in zip(value.keys, value.values, strict=True)
                           if (s := _string(k)) is not None})
    prefix = _string(values.get("env_prefix")) if "env_prefix" in values else None
    files = _strings(values.get("env_file")) if "env_file" in values else None
    return prefix, files


def _assigned(statement: ast.stmt) -> tuple[str, ast.expr | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(
            statement.targets[0], ast.Name):
        return statement.targets[0].id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value
    return "", None


def _own_fields(project: _Project, module: str, node: ast.ClassDef, prefix: str,
                version: int) -> Iterator[SettingsField]:
    for statement in node.body:
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
            continue
        attr = statement.target.id
        annotation = ast.unparse(statement.annotation)
        if attr.startswith("_") or attr == "model_config" or "ClassVar" in annotation:
            continue
        value = statement.value
        spec = value if _is_field(value) else next(
            (n for n in ast.walk(statement.annotation) if _is_field(n)), None)  # Annotated[str, Field(...)]
        env = _aliases(spec, version) if isinstance(spec, ast.Call) else ()
        if env is None:
            continue  # an alias that is no literal: which variable it reads is not for static reading
        if isinstance(spec, ast.Call):
            given = [*spec.args[:1], *(k.value for k in spec.keywords if k.arg in _DEFAULT_KEYWORDS)]
            defaults = [g for g in given if not (isinstance(g, ast.Constant) and g.value is Ellipsis)]
            if value is not None and value is not spec:
                defaults.append(value)  # Annotated[str, Field(alias=...)] = "x"
        else:
            defaults = [value] if value is not None else []
        required = not defaults and not (version != 2 and _optional(statement.annotation))
        has_value = any(_gives_value(d) for d in defaults)
        yield SettingsField(attr, env or ((prefix + attr).upper(),), required, has_value,
                            project.where(module, statement))


def _is_field(node: ast.AST | None) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in _FIELD_CALLS


def _aliases(spec: ast.Call, version: int) -> tuple[str, ...] | None:
    """The variables a ``Field(...)``'s alias names (() when it names none; None when one is no literal):
    v1 reads ``env=`` only, v2 ``validation_alias=`` (a name or ``AliasChoices``), else ``alias=``."""
    keywords = {k.arg: k.value for k in spec.keywords if k.arg}
    order = ["env"] if version == 1 else ["validation_alias", "alias"] if version == 2 else [
        "env", "validation_alias", "alias"]
    for key in order:
        if key not in keywords:
            continue
        value = keywords[key]
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name | ast.Attribute) and (
                (value.func.id if isinstance(value.func, ast.Name) else value.func.attr) == "AliasChoices"):
            choices = [_string(a) for a in value.args]
            return tuple(c.upper() for c in choices if c) if choices and all(choices) else None
        names = _strings(value)
        return tuple(n.upper() for n in names) if names else None
    return ()


def _optional(annotation: ast.expr) -> bool:
    """``Optional[X]``, ``Union[X, None]``, ``X | None``."""
    for node in ast.walk(annotation):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name | ast.Attribute):
            name = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
            if name == "Optional" or name == "Union" and any(
                    isinstance(n, ast.Constant) and n.value is None for n in ast.walk(node.slice)):
                return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr) and any(
                isinstance(n, ast.Constant) and n.value is None for n in (node.left, node.right)):
            return True
    return False


def _gives_value(node: ast.AST) -> bool:
    return not (isinstance(node, ast.Constant) and node.value in (None, ""))


def settings_reads(sources: list[Path], root: Path) -> list[tuple[str, bool, str]]:
    """(variable, whether its field has a value, ``file:line`` of the field) of every field of every
    settings class in the Python *sources* under *root*: a default, or the class's committed ``env_file``
    (``_env_values``: *root* is where the app starts) gives one."""
    out: dict[tuple[str, bool, str], None] = {}
    settings = _Settings(_Project(sources, root))
    for key in settings.candidates():
        found = settings.get(key)
        dotenv = _env_values(root, found.env_files) if found else set()
        for f in found.fields if found else []:
            for name in f.env:
                out.setdefault((name, f.has_value or any(n in dotenv for n in f.env), f.where))
    return list(out)


def required_settings(root: Path, sources: list[Path], module: str = "",
                      factory: str = "") -> list[tuple[str, str, str]]:
    """[(variable, ``file:line`` of its field, how it is read)] of the required fields of each settings class
    the app makes on import or at startup, that neither the call, nor a committed ``env_file`` gives.
    *module* is the one the server imports ("" when unknown: every module of *sources* is), *factory*
    the function it calls to make the app (``create_app``)."""
    project = _Project(sources, root)
    settings = _Settings(project)
    made = _made(project, settings, module, factory)
    out: dict[str, tuple[str, str, str]] = {}
    for call in made:
        if call.opaque:
            continue
        found = settings.get(call.key)
        if found is None:
            continue
        dotenv = _env_values(root, (call.env_file,) if call.env_file else found.env_files)
        for f in found.fields:
            if not f.required or f.attr in call.given or any(n in call.given for n in f.env):
                continue
            if any(n in dotenv for n in f.env) or f.env[0] in out:
                continue
            how = f"{found.name}.{f.attr}, a settings field; {found.name} is made at {call.where}"
            out[f.env[0]] = (f.env[0], f.where, how)
    return list(out.values())


def _env_values(root: Path, files: tuple[str, ...]) -> set[str]:
    """The variables the *files* (relative to *root*, where the app starts, as pydantic resolves them)
    give a value, upper-cased, as pydantic reads them; only files git tracks: a .env the repository
    ignores gave them on the author's machine, not in CI (outside a work tree, any file under *root*).
    A file above *root* (``../.env`` of a backend in a subfolder: the repository's top .env) counts only
    when git tracks it in *root*'s work tree: an env_file elsewhere (``/run/secrets/...``, a file outside
    the checkout) is not in CI."""
    from ..fsutil import tracked_files

    present = [os.path.normpath(f) for f in files
               if f and not Path(f).is_absolute() and (root / f).is_file()]
    if not present:
        return set()
    below = [f for f in present if ".." not in Path(f).parts]
    above = [f for f in present if ".." in Path(f).parts]
    try:
        tracked = tracked_files(root, below) if below else None
        # one at a time: git refuses the whole list when one path is outside the work tree
        up = {f for f in above if f in (tracked_files(root, [f]) or [])}
    except (OSError, subprocess.TimeoutExpired):  # git missing or stuck: what is on disk is all there is
        tracked, up = None, set()
    names: set[str] = set()
    for name in below + sorted(up):
        if name in below and tracked is not None and name not in tracked:
            continue
        # KEY= or KEY="" gives none: an empty secret or DSN fails like a missing one
        names |= {key.upper() for key, value in dotenv_file(root / name).items() if value}
    return names


def _made(project: _Project, settings: _Settings, module: str, factory: str) -> list[Made]:
    """The settings classes made in code that runs on import of *module* (every module when "") or at
    startup: its imports' module code, the functions that code calls, *factory*, startup hooks."""
    start = project.module(module) if module else None
    queue: list[tuple[str, str]] = [(start, "")] if start else [(m, "") for m in project.paths]
    if start:
        # importing a module runs its packages' __init__ first
        parts = start.split(".")
        queue[:0] = [(".".join(parts[:end]), "") for end in range(1, len(parts))
                     if ".".join(parts[:end]) in project.paths]
        if factory:
            queue.append((start, factory))
    seen: set[tuple[str, str]] = set()
    made: list[Made] = []
    while queue and len(seen) < _MAX_UNITS:
        unit = queue.pop(0)
        if unit in seen:
            continue
        seen.add(unit)
        where, function = unit
        tree = project.tree(where)
        if tree is None:
            continue
        if function:
            node = project.functions(where).get(function)
            if node is None:
                continue
            body, nested = node.body, True
        else:
            body, nested = tree.body, False
            queue.extend((where, f.name) for f in tree.body
                         if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) and _startup_hook(f))
        for child in _runs(body, nested):
            _visit(project, settings, where, child, queue, made)
    return made


def _runs(body: list[ast.stmt], nested: bool) -> Iterator[ast.AST]:
    """The nodes of *body* that run when it runs: module code does not run its functions' bodies, only
    their decorators (a function's own nested ones are followed, as code it may call or return), nor
    ``if __name__ == "__main__":``."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_main(node.test):
            continue
        if not nested and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            # defining one runs its decorators and default values, not its body
            runs: list[ast.AST] = [] if isinstance(node, ast.Lambda) else list(node.decorator_list)
            runs += [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]
            stack.extend(reversed(runs))
            continue
        yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _is_main(test: ast.expr) -> bool:
    text = ast.unparse(test)
    return "__name__" in text and "__main__" in text


def _startup_hook(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """``@app.on_event("startup")``, ``@app.before_serving`` (Quart), ``@app.on_startup``."""
    for decorator in node.decorator_list:
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "on_event" and isinstance(decorator, ast.Call) and decorator.args and _string(
                decorator.args[0]) == "startup":
            return True
        if name in _STARTUP_DECORATORS:
            return True
    return False


def _visit(project: _Project, settings: _Settings, module: str, node: ast.AST,
           queue: list[tuple[str, str]], made: list[Made]) -> None:
    if isinstance(node, ast.Import | ast.ImportFrom):
        _follow_import(project, module, node, queue)
        return
    if not isinstance(node, ast.Call):
        return
    for hook in _startup_arguments(node):
        target = project.symbol(module, hook)
        if target and target[0] and target[1]:
            queue.append(target)
    target = project.symbol(module, node.func)
    if not target or not target[0] or not target[1]:
        return
    if target[1] in project.classes(target[0]):
        if settings.get(target) is not None:
            made.append(_made_by(project, module, node, target))
        return
    function = project.functions(target[0]).get(target[1])
    if function is None:
        return
    queue.append(target)
    if function.returns is not None:  # get_app_settings() -> AppSettings: what it returns is made here
        returned = project.symbol(target[0], function.returns)
        if returned and returned[0] and returned[1] and settings.get(returned) is not None:
            made.append(_made_by(project, module, node, returned, keywords=False))


def _made_by(project: _Project, module: str, call: ast.Call, key: tuple[str, str],
             keywords: bool = True) -> Made:
    given = frozenset(k.arg for k in call.keywords if k.arg) if keywords else frozenset()
    env_file = next((_string(k.value) for k in call.keywords if k.arg == "_env_file"), None) if keywords \
        else None
    opaque = keywords and any(k.arg is None for k in call.keywords)
    return Made(key, project.where(module, call), frozenset(g.upper() for g in given) | given, env_file,
                opaque)


def _startup_arguments(call: ast.Call) -> Iterator[ast.expr]:
    """The functions a call registers to run at startup: ``FastAPI(lifespan=f)``, ``Starlette(on_startup=
    [f])``, ``app.add_event_handler("startup", f)``."""
    for keyword in call.keywords:
        if keyword.arg in _STARTUP_KEYWORDS:
            value = keyword.value
            yield from value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "add_event_handler" and len(call.args) > 1 \
            and _string(call.args[0]) == "startup" and not isinstance(call.args[1], ast.Call):
        yield call.args[1]


def _follow_import(project: _Project, module: str, node: ast.Import | ast.ImportFrom,
                   queue: list[tuple[str, str]]) -> None:
    """The project's modules an import runs: the module, its packages' ``__init__``, and for ``from pkg
    import name`` the module ``pkg.name`` when it is one."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        package = project.paths[module].name == "__init__.py"
        base = absolute_module(module, node.module or "", node.level, package)
        names = [base, *(f"{base}.{alias.name}" if base else alias.name for alias in node.names)]
    for name in names:
        parts = name.split(".")
        # each package on the way runs its __init__; only the whole name may sit below the sources' root
        for end in range(1, len(parts)):
            if ".".join(parts[:end]) in project.paths:
                queue.append((".".join(parts[:end]), ""))
        found = project.module(name)
        if found:
            queue.append((found, ""))
