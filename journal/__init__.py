"""The journal's engine: find directives in entries, run snippets, cache results, render them.

The core (this package minus ``adapters``) knows nothing of MkDocs: it reads Markdown text and
returns Markdown text. ``adapters.mkdocs_plugin`` is the thin layer that plugs it into a site build.
"""

__version__ = "0.1.0"
# Where the engine's releases are tagged (vX.Y.Z = __version__): a journal made by `journal init`
# installs the engine from here, at exactly this version (journal/init.py, ENGINE_PIN).
SOURCE = "https://github.com/example/learning-journal"
