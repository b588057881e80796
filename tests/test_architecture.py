"""The import rules of ARCHITECTURE.md, checked on the sources.

Every `import` of a daekeras module (at module level or inside a function)
must go to a module of the same tier or a lower one, and no module imports
another module's private (underscore) names. Private *modules*
(`daekeras._validation`, `daekeras.layers._base`, ...) are the package's own
helpers and may be imported inside the package.
"""

import ast
from pathlib import Path

import pytest

# No Keras code: `make test` runs these once, on TensorFlow (marker `backend_free`).
pytestmark = pytest.mark.backend_free

PACKAGE = Path(__file__).resolve().parent.parent / "daekeras"

#: The tiers of ARCHITECTURE.md, lowest first: a module may import modules of
#: its own tier and of the tiers below.
TIERS = (
    ("foundation", ("_validation", "_keras_private", "seeds", "runtime", "results", "data",
                    "stats", "plotting")),
    ("layers", ("layers", "initializers", "losses", "filters", "collapse", "manifold", "probes")),
    ("models", ("models", "generation")),
    ("training", ("training", "stacking", "replay")),
    ("experiments", ("experiments",)),
    # noise_study and score_experiment: deprecated aliases of experiments.noise
    # and experiments.score (the second also runs the command line).
    ("chapters", ("chapters", "__main__", "__init__", "noise_study", "score_experiment")),
)


def tier(module):
    """The tier index of the daekeras module `module` (dotted, without `daekeras.`)."""
    head = module.split(".")[0]
    for index, (_, members) in enumerate(TIERS):
        if head in members:
            return index
    raise AssertionError(f"daekeras.{module} belongs to no tier of ARCHITECTURE.md")


def sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(p for p in parts if p != "__init__") or "__init__"
        yield name, path


def is_module(dotted):
    """Whether `daekeras.<dotted>` is a module or package of the source tree."""
    path = PACKAGE.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def daekeras_imports(tree):
    """`(module, names)` for each import of a daekeras module in `tree`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("daekeras."):
                    yield alias.name.removeprefix("daekeras."), ()
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "daekeras":
                for alias in node.names:
                    if is_module(alias.name):
                        yield alias.name, ()
                    elif alias.name != "__version__":
                        yield "__init__", (alias.name,)
            elif node.module.startswith("daekeras."):
                module = node.module.removeprefix("daekeras.")
                for alias in node.names:
                    if is_module(f"{module}.{alias.name}"):
                        yield f"{module}.{alias.name}", ()
                    else:
                        yield module, (alias.name,)


MODULES = list(sources())


def test_every_module_has_a_tier():
    for name, _ in MODULES:
        tier(name)


@pytest.mark.parametrize("name, path", MODULES, ids=[name for name, _ in MODULES])
def test_imports_go_down_the_tiers_and_take_no_private_names(name, path):
    tree = ast.parse(path.read_text(), filename=str(path))
    own = tier(name)
    for module, names in daekeras_imports(tree):
        assert tier(module) <= own, (
            f"daekeras.{name} ({TIERS[own][0]}) imports daekeras.{module} "
            f"({TIERS[tier(module)][0]}), a higher tier"
        )
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        assert not private, f"daekeras.{name} imports private names {private} of daekeras.{module}"


def test_the_check_sees_what_it_forbids():
    upward = ast.parse("def f():\n    from daekeras.experiments import toolbox_run\n")
    assert tier(dict(daekeras_imports(upward)).popitem()[0]) > tier("stacking")
    private = ast.parse("from daekeras.stacking import _pretrain_stack\n")
    assert list(daekeras_imports(private)) == [("stacking", ("_pretrain_stack",))]


def test_backend_free_test_modules_import_no_backend():
    """A test module marked `backend_free` (run on TensorFlow only) imports no Keras backend itself."""
    backends = {"keras", "tensorflow", "jax", "torch"}
    marked = []
    for path in sorted((PACKAGE.parent / "tests").glob("test_*.py")):
        tree = ast.parse(path.read_text())
        if "pytest.mark.backend_free" not in ast.unparse(tree):
            continue
        marked.append(path.name)
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert not imported & backends, (path.name, sorted(imported & backends))
    assert "test_stats.py" in marked and "test_architecture.py" in marked, marked
