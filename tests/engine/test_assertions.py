"""journal/assertions.py: which statement of a test asserts a value it read, and the tolerance
in words, from the test's source alone."""

from __future__ import annotations

import re
import textwrap

import pytest

from journal import assertions

TEST = textwrap.dedent(
    """
    import math
    import numpy as np
    import pytest
    from pytest import approx


    def check(v, key, expected):
        assert v[key] == approx(expected, rel=1e-3)


    def test_values(runs):
        v = runs["r"].values
        assert v["exact"] == 1_000_000
        assert v["approx_default"] == pytest.approx(2.0)
        assert v["approx_rel"] == pytest.approx(2.0, rel=1e-12)
        assert v["approx_abs"] == approx(2.0, abs=0.05)
        assert v["approx_both"] == approx(2.0, rel=1e-3, abs=1e-6)
        assert pytest.approx(3.0) == v["approx_left"]
        assert math.isclose(v["isclose"], 2.0)
        assert math.isclose(v["isclose_abs"], 2.0, abs_tol=1e-9)
        assert np.allclose(v["allclose"], 2.0)
        assert np.isclose(v["np_isclose"], 2.0, rtol=1e-9, atol=0)
        np.testing.assert_allclose(v["assert_allclose"], [1.0, 2.0], rtol=1e-10)
        np.testing.assert_array_equal(v["array_equal"], [1, 2])
        np.testing.assert_almost_equal(v["decimals"], 1.0, decimal=5)
        assert abs(v["distance"] - math.pi) <= 4 * v["scale"]
        assert v["at_most"] <= 0.05
        assert v["below"] < 0.05
        assert 3 > v["flipped"]
        assert v["at_least"] >= 0.9
        assert 0.1 < v["between"] <= 0.2
        assert v["member"] in {"a", "b"}
        assert v["other"] != 0
        assert v["flag"]
        assert not v["off"]
        assert (
            v["long"]
            == pytest.approx(1.0, rel=1e-9)
        ), "a message"
        check(v, "helper", 1.0)
        named = v["named"]
        twice = 2 * named
        assert twice == approx(4.0, rel=1e-9)
        for item in v["items"]:
            assert item > 0
        unused = v["outside"]
        print(v["printed"], unused)
    """
)

EXPECTED = {
    "exact": "exact",
    "approx_default": "within 1e-6 relative",
    "approx_rel": "within 1e-12 relative",
    "approx_abs": "within 0.05",
    "approx_both": "within 1e-3 relative or 1e-6 absolute",
    "approx_left": "within 1e-6 relative",
    "isclose": "within 1e-9 relative",
    "isclose_abs": "within 1e-9 relative or 1e-9 absolute",
    "allclose": "within 1e-5 relative or 1e-8 absolute",
    "np_isclose": "within 1e-9 relative",
    "assert_allclose": "within 1e-10 relative",
    "array_equal": "exact",
    "decimals": "to 5 decimals",
    "distance": 'within 4 * v["scale"] of math.pi',
    "scale": 'at least abs(v["distance"] - math.pi)',
    "at_most": "at most 0.05",
    "below": "below 0.05",
    "flipped": "below 3",
    "at_least": "at least 0.9",
    "between": "between 0.1 and 0.2",
    "member": 'one of {"a", "b"}',
    "other": "not 0",
    "flag": "true",
    "off": "false",
    "long": "within 1e-9 relative",
    "named": "within 1e-9 relative",
    "items": "above 0",
}


def reads(source: str) -> dict[str, tuple[int, int]]:
    """Each v["key"] of ``source``: its (line, column)."""
    found = {}
    for number, line in enumerate(source.splitlines(), 1):
        for m in re.finditer(r'v\["(\w+)"\]', line):
            found.setdefault(m.group(1), (number, m.start()))
    return found


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_the_tolerance_of_each_form_in_words(key):
    module = assertions.parse(TEST)
    line, col = reads(TEST)[key]
    proofs = module.proofs(line, col, key)
    assert [p.tolerance for p in proofs] == [EXPECTED[key]]
    assert proofs[0].function == "test_values"
    assert proofs[0].statement.startswith(("assert", "np.testing.assert_"))


def test_a_read_outside_any_assert_proves_nothing():
    module = assertions.parse(TEST)
    for key in ("outside", "printed"):
        line, col = reads(TEST)[key]
        assert module.proofs(line, col, key) == []


def test_a_multi_line_assert_is_quoted_whole_from_any_of_its_lines():
    module = assertions.parse(TEST)
    line, col = reads(TEST)["long"]
    (proof,) = module.proofs(line, col, "long")
    assert proof.line == line - 1 and proof.end_line == line + 2
    assert proof.statement.splitlines()[0] == "assert ("
    assert proof.statement.endswith('), "a message"')


def test_a_helper_s_assert_proves_the_key_it_was_given():
    module = assertions.parse(TEST)
    line = next(i for i, t in enumerate(TEST.splitlines(), 1) if "v[key] ==" in t)
    (proof,) = module.proofs(line, TEST.splitlines()[line - 1].index("v[key]"), "helper")
    assert (proof.function, proof.tolerance) == ("check", "within 1e-3 relative")


def test_the_value_assigned_flows_to_the_assert_that_uses_it():
    module = assertions.parse(TEST)
    line, col = reads(TEST)["named"]
    (proof,) = module.proofs(line, col, "named")
    assert proof.statement == "assert twice == approx(4.0, rel=1e-9)"
