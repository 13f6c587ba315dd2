"""The site's features that are not the engine, as MkDocs hooks: the journal plugin registers
them, in this order, as a ``hooks:`` list in mkdocs.yml would (each event at its own priority),
so every journal gets them with the engine and a mkdocs.yml names none of them.

- structure: default author, discussion ids, descriptions, the comments switch, robots.txt
- roadmap: the roadmap page from journal.yml's plan and the entries' front matter
- home: the home page's way in (progress, the path in plan order, glimpses) and every entry's
  place in the plan (part N of M, previous and next in plan order)
- mathml: LaTeX to MathML at build time, no script, no CDN
- corrections: dated correction notes atop corrected entries
- feeds: Atom, RSS 2.0 and JSON Feed of the entries
- social_card: the link-preview image, drawn from journal.yml's title
- code_weight: fewer elements in highlighted code, the same look
"""

NAMES = (
    "structure",
    "roadmap",
    "home",
    "mathml",
    "corrections",
    "feeds",
    "social_card",
    "code_weight",
)
