"""Honest dependencies: every module the project imports comes from a distribution that
pyproject.toml declares, every declared distribution is used, and the hash-checked locks that
`make` installs from agree with pyproject.toml and with each other."""

from __future__ import annotations

import ast
import functools
import json
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", ".git", ".cache", "site", "build"}
LOCKS = {
    "requirements.lock": ["build"],  # plus the project's own dependencies
    "requirements-test.lock": ["build", "test"],
    "requirements-bench.lock": ["build", "bench"],
}
# Declared distributions that no Python file imports, with where their use shows.
USED_BY = {
    "pymdown-extensions": ("mkdocs.yml", "pymdownx.superfences"),
    "ipykernel": ("journal/notebook.py", 'KERNEL = "python3"'),  # the kernel nbclient starts
    # imported by the setup cell the engine runs in that kernel
    "matplotlib-inline": ("journal/notebook.py", "from matplotlib_inline.backend_inline import"),
    "pytest-xdist": ("Makefile", "PYTEST_FLAGS ?= -n auto"),
    "ruff": ("Makefile", "$(BIN)/ruff check ."),
    "zizmor": ("tests/tooling/test_github.py", '"bin" / "zizmor"'),
    "pre-commit": ("tests/tooling/test_cli.py", 'with_name("pre-commit")'),
    "uv": ("Makefile", "$(UV) pip sync"),
    "brotli": ("journal/adapters/mathfont.py", 'flavor = "woff2"  # needs brotli'),
    "setuptools": ("pyproject.toml", 'build-backend = "setuptools.build_meta"'),
}
# The bench group holds the peers bench/ compares the engine with; it is not checked for use.
UNCHECKED_GROUPS = {"bench"}
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;]+)(?: ; (?P<marker>[^\\]+?))? \\$"
)


def norm(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    return norm(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0])


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def declared() -> dict[str, set[str]]:
    """{group: names}; the project's own dependencies under "project"."""
    data = pyproject()
    groups = {"project": {requirement_name(s) for s in data["project"]["dependencies"]}}
    for group, specs in data.get("dependency-groups", {}).items():
        groups[group] = {requirement_name(s) for s in specs}
    return groups


@functools.cache
def python_files() -> list[Path]:
    """The project's Python files (not the environment's, not a built site's)."""
    tops = [p for p in ROOT.iterdir() if p.name not in SKIP]
    files = [f for top in tops for f in ([top] if top.is_file() else top.rglob("*.py"))]
    return sorted(f for f in files if f.suffix == ".py")


def notebook_sources() -> list[tuple[Path, str]]:
    out = []
    for path in (ROOT / "posts").rglob("*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                source = cell["source"]
                out.append((path, "".join(source) if isinstance(source, list) else source))
    return out


@functools.cache
def imported_modules() -> dict[str, set[str]]:
    """{top-level module name: files importing it} over every Python file and notebook cell."""
    sources = [(p, p.read_text(encoding="utf-8")) for p in python_files()] + notebook_sources()
    found: dict[str, set[str]] = {}
    for path, text in sources:
        for node in ast.walk(ast.parse(text, str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(path.relative_to(ROOT).as_posix())
    return found


def third_party() -> dict[str, set[str]]:
    local = {p.stem for p in python_files()} | {"journal"}
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    return {m: f for m, f in imported_modules().items() if m not in local | stdlib}


def lock_pins(name: str) -> dict[tuple[str, str], str]:
    """{(distribution, marker): version} of a lock file."""
    pins = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[(norm(match["name"]), match["marker"] or "")] = match["version"]
    return pins


# -- imports and declarations ----------------------------------------------------------------------
def test_every_import_is_a_declared_distribution():
    owners = packages_distributions()
    every = set().union(*declared().values())
    undeclared = {}
    for module, files in sorted(third_party().items()):
        dists = {norm(d) for d in owners.get(module, [])}
        if not dists & every:
            undeclared[module] = (sorted(dists) or ["not installed"], sorted(files)[:3])
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_every_declared_distribution_is_used():
    owners = packages_distributions()
    imported_dists = {norm(d) for m in third_party() for d in owners.get(m, [])}
    unused = []
    for group, names in declared().items():
        if group in UNCHECKED_GROUPS:
            continue
        for name in sorted(names - imported_dists):
            evidence = USED_BY.get(name)
            if evidence is None:
                unused.append(f"{name} ({group}): imported nowhere")
            elif evidence[1] not in (ROOT / evidence[0]).read_text(encoding="utf-8"):
                unused.append(f"{name} ({group}): {evidence[0]} no longer has {evidence[1]!r}")
    assert not unused, unused


def test_the_import_scan_sees_the_project():
    """A guard: the scan above finds what the project is known to import, where it does."""
    found = third_party()
    assert "tests/site/sitechecks.py" in found["bs4"]
    assert "journal/notebook.py" in found["nbformat"]
    assert "journal/adapters/hooks/structure.py" in found["material"]
    assert any(f.endswith(".ipynb") for f in found["numpy"])
    assert "sitebuild" not in found and "os" not in found


# -- the locks -------------------------------------------------------------------------------------
def test_each_lock_says_how_it_was_made_and_checks_every_hash():
    for name in [*LOCKS, "requirements-uv.lock"]:
        text = (ROOT / name).read_text(encoding="utf-8")
        lines = text.splitlines()
        assert lines[0] == "# This file was autogenerated by uv via the following command:", name
        assert lines[1].startswith("#    uv pip compile ") and f"-o {name}" in lines[1], name
        assert "--generate-hashes" in lines[1], name
        entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2].strip())
        assert entries and all("--hash=sha256:" in e for e in entries), name
        assert lock_pins(name), name


def test_the_locks_pin_what_pyproject_declares():
    groups = declared()
    for name, extra in LOCKS.items():
        pinned = {dist for dist, _ in lock_pins(name)}
        wanted = groups["project"].union(*(groups[g] for g in extra))
        assert wanted <= pinned, f"{name} lacks {sorted(wanted - pinned)}: run `make lock`"
    preview = {dist for dist, _ in lock_pins("requirements.lock")}
    tools = {"pytest", "pytest-xdist", "playwright", "ruff", "zizmor", "pre-commit", "feedparser"}
    assert not preview & tools, "the build's lock (make preview) would install test tools"


def test_the_test_and_bench_locks_keep_every_pin_of_the_build_lock():
    build = lock_pins("requirements.lock")
    for name in ("requirements-test.lock", "requirements-bench.lock"):
        other = lock_pins(name)
        differ = {k: (v, other.get(k)) for k, v in build.items() if other.get(k) != v}
        assert not differ, f"{name} pins differently from requirements.lock: {differ}"
    uv = lock_pins("requirements-uv.lock")
    assert uv == {("uv", ""): build[("uv", "")]}


def test_mkdocs_jupyter_is_gone_and_the_engine_renders_notebooks():
    """Notebooks are rendered by the engine (README, "Notebooks"): no lock brings mkdocs-jupyter
    or nbconvert back."""
    for name in LOCKS:
        pinned = {dist for dist, _ in lock_pins(name)}
        assert not pinned & {"mkdocs-jupyter", "nbconvert", "jupytext"}, name
