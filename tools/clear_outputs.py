"""Clear the outputs of the notebooks named on the command line (the pre-commit hook for notebook
entries, which are committed without outputs because the build runs them).

Does what `jupyter nbconvert --clear-output --inplace` did, with nbformat alone: outputs,
execution counts and the output-view metadata (`collapsed`, `scrolled`) go; a notebook that has
none is not rewritten.
"""

from __future__ import annotations

import sys

import nbformat


def clear(path: str) -> bool:
    """Clear one notebook in place; True if it changed."""
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            cell.outputs, cell.execution_count, changed = [], None, True
        for key in ("collapsed", "scrolled"):
            if cell.metadata.pop(key, None) is not None:
                changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


if __name__ == "__main__":
    cleared = [p for p in sys.argv[1:] if clear(p)]
    for path in cleared:
        print(f"cleared the outputs of {path}")
    sys.exit(1 if cleared else 0)
