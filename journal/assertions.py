"""Which statement of a test asserts a value the test read, and at what tolerance, from the
test's own source (``ast``), never from names.

A read is where a test took a run's value (``v["pi_hat"]``): a file, a line and a column. The
statement holding it proves the value when it is an assertion: an ``assert`` (the read anywhere
inside it) or a call of a checker named ``assert_*`` (``np.testing.assert_allclose``). A read
assigned to a name (``pi_hat = v["pi_hat"]``, or any name computed from it) is proved by the
first assertion of that function that uses the name. A read anywhere else proves nothing.

The tolerance is said in words from the comparison around the read: ``==`` is "exact";
``pytest.approx`` (default rel 1e-6), ``math.isclose`` (rel 1e-9), ``numpy.isclose`` /
``allclose`` (rtol 1e-5, atol 1e-8) and ``assert_allclose`` (rtol 1e-7) are "within ...";
``<=``, ``<``, ``>=``, ``>`` are one-sided bounds ("at most 0.05"), ``a < x < b`` "between".
"""

from __future__ import annotations

import ast
import functools
import re
import textwrap
from dataclasses import dataclass

# (relative, absolute) defaults of each checker, as their documentation states them
APPROX = (1e-6, 1e-12)  # pytest.approx: rel 1e-6, abs 1e-12; abs alone drops rel
ISCLOSE_MATH = (1e-9, 0.0)  # math.isclose(rel_tol, abs_tol)
ISCLOSE_NUMPY = (1e-5, 1e-8)  # numpy.isclose / allclose(rtol, atol): atol + rtol * |b|
ASSERT_ALLCLOSE = (1e-7, 0.0)  # numpy.testing.assert_allclose(rtol, atol)
EXACT_CHECKERS = {"assert_array_equal", "assert_equal", "assert_string_equal"}
BOUND_WORDS = {ast.Lt: "below", ast.LtE: "at most", ast.Gt: "above", ast.GtE: "at least"}
FLIP = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE}
MAX_EXPR = 60  # characters of an expression quoted in a tolerance


@dataclass(frozen=True)
class Proof:
    """The assertion that proves a read value: its lines, its text and its tolerance."""

    line: int
    end_line: int
    statement: str  # the statement's source, dedented
    tolerance: str  # in words: "exact", "within 1e-09 relative", "at most 0.05"
    function: str  # the test function (or helper) it is in


class Module:
    """A test file parsed once: its statements by line, with each node's parent."""

    def __init__(self, source: str):
        self.source = source
        self.lines = source.splitlines()
        self.tree = ast.parse(source)
        self.parent: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node

    def text(self, stmt: ast.stmt) -> str:
        return statement_text(self.lines, stmt.lineno, stmt.end_lineno or stmt.lineno)

    def statement_at(self, line: int, col: int | None) -> ast.stmt | None:
        """The innermost simple statement spanning ``line`` (at ``col`` when several do)."""
        best = None
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.stmt) or _compound(node):
                continue
            if not node.lineno <= line <= (node.end_lineno or node.lineno):
                continue
            if col is not None and node.lineno == line == node.end_lineno:
                if not node.col_offset <= col <= (node.end_col_offset or col):
                    continue
            if best is None or node.lineno >= best.lineno:
                best = node
        return best

    def node_at(self, stmt: ast.stmt, line: int, col: int | None, key: str) -> ast.AST:
        """The read inside ``stmt``: the expression starting at (line, col), else a subscript or
        ``.get`` naming ``key``, else the statement itself."""
        if col is not None:
            found = [
                n
                for n in ast.walk(stmt)
                if isinstance(n, ast.expr) and n.lineno == line and n.col_offset == col
            ]
            reads = [n for n in found if isinstance(n, ast.Subscript | ast.Call)]
            if reads or found:  # the widest expression starting there is the read itself
                return max(reads or found, key=lambda n: (n.end_lineno, n.end_col_offset))
        for n in ast.walk(stmt):
            if isinstance(n, ast.Subscript) and _constant(n.slice) == key:
                return n
        return stmt

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def proofs(self, line: int, col: int | None, key: str) -> list[Proof]:
        """Every assertion proving the value read at (line, col); [] if none does."""
        stmt = self.statement_at(line, col)
        if stmt is None:  # the iterable of a loop: `for x in v["xs"]:` taints x in its body
            loop = self.loop_over(line)
            return self._flow(loop.body, _targets(loop), 0) if loop is not None else []
        node = self.node_at(stmt, line, col, key)
        if is_assertion(stmt):
            return [self.proof(stmt, node)]
        if not isinstance(stmt, ast.Assign | ast.AnnAssign):
            return []
        func = self.function_of(stmt)
        body = func.body if func is not None else self.tree.body
        return self._flow(body, _targets(stmt), stmt.end_lineno or stmt.lineno)

    def loop_over(self, line: int) -> ast.For | None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.For) and node.iter.lineno <= line <= node.iter.end_lineno:
                return node
        return None

    def _flow(self, body: list[ast.stmt], tainted: set[str], after: int) -> list[Proof]:
        """The assertions in ``body`` after line ``after`` that use a name in ``tainted`` or
        computed from one."""
        proofs = []
        for stmt in _statements(body):
            if stmt.lineno <= after:
                continue
            used = [n for n in ast.walk(stmt) if isinstance(n, ast.Name) and n.id in tainted]
            if not used:
                continue
            if is_assertion(stmt):
                proofs.append(self.proof(stmt, used[0]))
            elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
                tainted |= _targets(stmt)
        return proofs

    def proof(self, stmt: ast.stmt, node: ast.AST) -> Proof:
        func = self.function_of(stmt)
        return Proof(
            stmt.lineno,
            stmt.end_lineno or stmt.lineno,
            self.text(stmt),
            Words(self.source).tolerance(stmt, node, self.parent),
            func.name if func is not None else "",
        )


@functools.lru_cache(maxsize=64)
def parse(source: str) -> Module:
    return Module(source)


def statement_text(lines: list[str], line: int, end_line: int) -> str:
    """Lines ``line`` to ``end_line`` (1-based) of a file, dedented: what a record keeps and
    what the build compares with the file as it is now."""
    return textwrap.dedent("\n".join(lines[line - 1 : end_line])).strip()


def is_assertion(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Assert):
        return True
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and _name(stmt.value.func).startswith("assert")
    )


class Words:
    """A tolerance said in words, quoting the test's own source for its expressions."""

    def __init__(self, source: str):
        self.source = source

    def _expr(self, node: ast.AST) -> str:
        text = ast.get_source_segment(self.source, node) or ast.unparse(node)
        text = " ".join(text.split())
        return text if len(text) <= MAX_EXPR else text[: MAX_EXPR - 1] + "…"

    def tolerance(self, stmt: ast.stmt, node: ast.AST, parent: dict) -> str:
        """The tolerance in words at which ``stmt`` asserts the value read at ``node``."""
        if isinstance(stmt, ast.Expr):  # assert_allclose(actual, desired, rtol=..., atol=...)
            return self._checker_words(stmt.value)
        child, up = node, parent.get(node)
        while up is not None and up is not stmt:
            if isinstance(up, ast.Compare):
                return self._compare_words(up, child)
            if isinstance(up, ast.Call) and _name(up.func) in {"isclose", "allclose"}:
                return self._checker_words(up)
            if isinstance(up, ast.UnaryOp) and isinstance(up.op, ast.Not) and up.operand is child:
                if parent.get(up) is stmt:
                    return "false"
            child, up = up, parent.get(up)
        if isinstance(stmt, ast.Assert) and stmt.test is child:
            return "true" if child is node else "as stated"
        return "as stated"

    def _compare_words(self, cmp: ast.Compare, child: ast.AST) -> str:
        operands = [cmp.left, *cmp.comparators]
        at = next((i for i, o in enumerate(operands) if o is child), 0)
        if len(cmp.ops) == 2 and at == 1 and all(type(op) in BOUND_WORDS for op in cmp.ops):
            lo, hi = operands[0], operands[2]
            if type(cmp.ops[0]) in (ast.Gt, ast.GtE):
                lo, hi = hi, lo
            return f"between {self._expr(lo)} and {self._expr(hi)}"
        # the operator beside the read, and the operand on its other side
        if at < len(cmp.ops):
            op, other, flip = cmp.ops[at], operands[at + 1], False
        else:
            op, other, flip = cmp.ops[at - 1], operands[at - 1], True
        if isinstance(op, ast.Eq | ast.Is):
            approx = self._approx_call(other) or self._approx_call(child)
            return self._approx_words(approx) if approx is not None else "exact"
        if isinstance(op, ast.NotEq | ast.IsNot):
            return f"not {self._expr(other)}"
        if isinstance(op, ast.In):
            return f"one of {self._expr(other)}" if not flip else f"containing {self._expr(other)}"
        if isinstance(op, ast.NotIn):
            return f"not in {self._expr(other)}" if not flip else f"without {self._expr(other)}"
        kind = FLIP[type(op)] if flip else type(op)
        if _is_abs_difference(child) and kind in (ast.Lt, ast.LtE):
            return f"within {self._expr(other)} of {self._expr(child.args[0].right)}"
        return f"{BOUND_WORDS[kind]} {self._expr(other)}"

    @staticmethod
    def _approx_call(node: ast.AST) -> ast.Call | None:
        if isinstance(node, ast.Call) and _name(node.func) == "approx":
            return node
        return None

    def _approx_words(self, call: ast.Call) -> str:
        kw = {k.arg: k.value for k in call.keywords}
        rel, abs_ = kw.get("rel"), kw.get("abs")
        if rel is None and abs_ is None:
            return self._within(APPROX[0], None)
        if rel is None:
            return f"within {self._expr(abs_)}"
        return self._within(self._expr(rel), self._expr(abs_) if abs_ is not None else None)

    def _checker_words(self, call: ast.Call) -> str:
        name = _name(call.func)
        kw = {k.arg: k.value for k in call.keywords}
        if name in EXACT_CHECKERS:
            return "exact"
        if name == "assert_almost_equal":
            return f"to {self._expr(kw['decimal']) if 'decimal' in kw else 7} decimals"
        if name == "assert_array_less":
            return "below, elementwise"
        if name in {"assert_allclose", "isclose", "allclose"}:
            module = _name(call.func.value) if isinstance(call.func, ast.Attribute) else ""
            if name == "assert_allclose":
                rel, abs_ = ASSERT_ALLCLOSE
            elif module in {"math", "cmath"}:
                rel, abs_ = ISCLOSE_MATH
                kw.setdefault("rtol", kw.pop("rel_tol", None))
                kw.setdefault("atol", kw.pop("abs_tol", None))
            else:
                rel, abs_ = ISCLOSE_NUMPY
            rel = self._expr(kw["rtol"]) if kw.get("rtol") is not None else rel
            abs_ = self._expr(kw["atol"]) if kw.get("atol") is not None else abs_
            return self._within(rel, abs_ if abs_ not in (0, 0.0, "0", "0.0") else None)
        return "as stated"

    @staticmethod
    def _within(rel, abs_) -> str:
        rel, abs_ = _number(rel), _number(abs_)
        words = f"within {rel} relative"
        return words + (f" or {abs_} absolute" if abs_ is not None else "")


def _is_abs_difference(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and _name(node.func) == "abs"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.BinOp)
        and isinstance(node.args[0].op, ast.Sub)
    )


def _number(value):
    """A default tolerance as one would write it: 1e-06 -> 1e-6 (source text is kept as is)."""
    if isinstance(value, float):
        return re.sub(r"e([+-])0(\d)", r"e\1\2", repr(value))
    return value


def _name(node: ast.AST) -> str:
    """The last name of a callee: ``pytest.approx`` -> ``approx``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _constant(node: ast.AST):
    return node.value if isinstance(node, ast.Constant) else None


def _compound(node: ast.stmt) -> bool:
    return isinstance(
        node,
        ast.FunctionDef
        | ast.AsyncFunctionDef
        | ast.ClassDef
        | ast.For
        | ast.AsyncFor
        | ast.While
        | ast.If
        | ast.With
        | ast.AsyncWith
        | ast.Try
        | ast.Match,
    )


def _statements(body: list[ast.stmt]):
    """The simple statements of a body in source order, descending into blocks."""
    for stmt in body:
        if not _compound(stmt):
            yield stmt
            continue
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue  # another scope
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(stmt, field, []))
        for handler in getattr(stmt, "handlers", []):
            yield from _statements(handler.body)
        for case in getattr(stmt, "cases", []):
            yield from _statements(case.body)


def _targets(stmt: ast.stmt) -> set[str]:
    """The names a statement binds (``for`` loops and assignments)."""
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
