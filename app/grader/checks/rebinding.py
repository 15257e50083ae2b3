"""Module-level names the graded function reads and other module code rebinds (a setter with ``global``).

The purity probe sees a global change only when something it runs changes it: a setter that
``example_args`` never calls goes unseen, yet under ``jax.jit`` the compiled function keeps the value it
saw while tracing, whatever the setter does later. The source says it directly: ``symtable`` tells which
names a function reads as globals and which it declares ``global`` and assigns; the AST gives the lines.
"""

from __future__ import annotations

import ast
import symtable
from dataclasses import dataclass

_NOT_PROGRAM = {"reference", "baseline"}  # the task's own functions, not the learner's program
_MUTATORS = {"append", "extend", "insert", "update", "add", "setdefault", "pop", "clear", "remove", "popitem"}


@dataclass(frozen=True)
class Rebinding:
    name: str
    read_line: int
    read_code: str
    write_line: int
    write_code: str
    setter: str


def _tables(table: symtable.SymbolTable) -> dict[str, list[symtable.SymbolTable]]:
    """Function tables by name, nested ones included."""
    out: dict[str, list[symtable.SymbolTable]] = {}
    stack = [table]
    while stack:
        t = stack.pop()
        if t.get_type() == "function":
            out.setdefault(t.get_name(), []).append(t)
        stack.extend(t.get_children())
    return out


def _global_reads(entry: symtable.SymbolTable, module_funcs: set[str], by_name: dict) -> set[str]:
    """Globals read by the entry, the functions nested in it, and the module functions it calls (by name)."""
    reads: set[str] = set()
    seen: set[int] = set()
    stack = [entry]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        for sym in t.get_symbols():
            if sym.is_global() and sym.is_referenced():
                name = sym.get_name()
                reads.add(name)
                if name in module_funcs:
                    stack.extend(by_name.get(name, []))
        stack.extend(c for c in t.get_children() if c.get_type() == "function")
    return reads


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


_CONTAINER_CALLS = {"dict", "list", "set", "defaultdict", "OrderedDict", "deque", "Counter"}


def _module_containers(tree: ast.Module) -> set[str]:
    """Module-level names bound to a dict, list or set: only on these is ``.update()``/``.append()`` surely an
    in-place change (``TX.update(...)`` on an optax transformation is a pure call)."""
    out: set[str] = set()
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        literal = isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp)
        if isinstance(value, ast.Call):
            func = value.func
            literal = (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) in _CONTAINER_CALLS
        if literal:
            out.update(t.id for t in targets if isinstance(t, ast.Name))
    return out


def _writes(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, table: symtable.SymbolTable, containers: set[str]
) -> dict[str, int]:
    """Module-level names this function rebinds (declared ``global`` and assigned) or changes in place
    (``CONFIG["lr"] = v``, ``cfg.lr = v``, or ``CONFIG.update(...)`` on a module-level dict/list/set, on a name
    it does not bind itself): name -> first line."""
    declared = {s.get_name() for s in table.get_symbols() if s.is_declared_global() and s.is_assigned()}
    implicit = {s.get_name() for s in table.get_symbols() if s.is_global() and not s.is_declared_global()}
    out: dict[str, int] = {}
    for node in ast.walk(fn):
        names: list[str] = []
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for t in targets:
                for leaf in ast.walk(t) if isinstance(t, ast.Tuple | ast.List) else [t]:
                    if isinstance(leaf, ast.Name) and leaf.id in declared:
                        names.append(leaf.id)
                    elif isinstance(leaf, ast.Attribute | ast.Subscript) and _root(leaf) in implicit | declared:
                        names.append(str(_root(leaf)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS:
            root = _root(node.func.value)
            if root in (implicit | declared) & containers:
                names.append(root)
        line = getattr(node, "lineno", None)
        for name in names:
            if line is not None:
                out.setdefault(name, line)
    return out


def _first_read(fns: list[ast.FunctionDef | ast.AsyncFunctionDef], name: str) -> int | None:
    lines = [
        node.lineno
        for fn in fns
        for node in ast.walk(fn)
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
    ]
    return min(lines) if lines else None


def rebound_globals(source: str, entry: str) -> list[Rebinding]:
    """Each global the entry reads that a function of the module (other than the entry and the functions it
    calls, whose writes the probe sees when they run) rebinds or changes in place."""
    try:
        tree = ast.parse(source)
        top = symtable.symtable(source, "submission.py", "exec")
    except (SyntaxError, ValueError):
        return []
    lines = source.splitlines()
    defs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    by_name = _tables(top)
    module_funcs = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    entry_tables = [t for t in by_name.get(entry, []) if t.get_name() == entry][:1]
    if not entry_tables:
        return []
    reads = _global_reads(entry_tables[0], module_funcs, by_name)
    reachable = {entry} | (reads & module_funcs)
    readers = [d for d in defs if d.name in reachable]
    containers = _module_containers(tree)
    # Functions (and classes' methods) outside the entry's own call graph: writes inside that graph are the
    # probe's to see when they run; `reference` and `baseline` are not the learner's program.
    outside = [
        fn
        for top in tree.body
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and top.name not in reachable | _NOT_PROGRAM
        for fn in ast.walk(top)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    found: dict[str, Rebinding] = {}
    for fn in outside:
        tables = [t for t in by_name.get(fn.name, []) if t.get_lineno() == fn.lineno]
        if not tables:
            continue
        for name, line in _writes(fn, tables[0], containers).items():
            if name not in reads or name in found or name in module_funcs:
                continue
            read_line = _first_read(readers, name)
            if read_line is None:
                continue
            found[name] = Rebinding(
                name=name,
                read_line=read_line,
                read_code=lines[read_line - 1].strip()[:200],
                write_line=line,
                write_code=lines[line - 1].strip()[:200],
                setter=fn.name,
            )
    return sorted(found.values(), key=lambda r: r.read_line)
