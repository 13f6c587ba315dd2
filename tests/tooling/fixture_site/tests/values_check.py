"""The fixture entry's values (named so that `journal check` finds them)."""

import alpha
import beta

ENTRY = "posts/entries/first.md"


def test_values():
    assert alpha.main()["value"] == 49
    assert beta.main()["value"] == beta.VALUE
