"""Layout a reader sees, measured in a real browser: nothing covers text, nothing overflows."""

from __future__ import annotations

from test_browser_reading import entries_with, entry_url


def test_the_copy_button_of_run_output_sits_in_the_label_row_not_on_the_text(page, served, site):
    entries = entries_with(site, ".journal-output")
    assert entries, "no entry shows run output"
    checked = 0
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for fm in entries:
            page.goto(entry_url(served, fm))
            gaps = page.evaluate(
                """() => [...document.querySelectorAll('.journal-output')].map(o => {
                    const nav = o.querySelector('.md-code__nav');
                    const code = o.querySelector('pre > code');
                    if (!nav) return null;
                    const top = code.getBoundingClientRect().top
                        + parseFloat(getComputedStyle(code).paddingTop);
                    return top - nav.getBoundingClientRect().bottom;
                })"""
            )
            assert None not in gaps, f"{fm['slug']}: an output block without a copy button"
            # The button ends above the first line of output, at any width.
            assert all(gap >= 0 for gap in gaps), (fm["slug"], width, gaps)
            checked += len(gaps)
    assert checked > 0
