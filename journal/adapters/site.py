"""What every journal's site gets from the engine's package, not from copies in its repository:
the hooks (``hooks/``, registered as mkdocs.yml's ``hooks:`` would register them), the theme
overrides (``theme/``, searched after the journal's own ``custom_dir`` and before Material's
templates) and the assets (``assets/``: style sheet, script, favicon, default avatar; a
journal's own file at the same path under its docs_dir wins). The journal plugin calls these.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace

from mkdocs.structure.files import File, Files

from . import hooks

HERE = Path(__file__).parent
THEME_DIR = HERE / "theme"
ASSETS_DIR = HERE / "assets"
STYLE, SCRIPT = "assets/journal.css", "assets/journal.js"
# Registered from the plugin's on_config (priority 100, before every other plugin's), a hook's
# on_config (priority 0) joins the config event behind the other plugins' and runs in this same
# pass, as `hooks:` would run it; on_startup has passed by then.
TOO_LATE = ("on_startup",)


def register(config) -> None:
    """Add the theme overrides, the style sheet and script, and the hooks to ``config`` (from
    the journal plugin's on_config; a second call changes nothing)."""
    dirs = config.theme.dirs
    if str(THEME_DIR) not in dirs:
        dirs.insert(1 if config.theme.custom_dir else 0, str(THEME_DIR))
    if STYLE not in config.extra_css:
        config.extra_css.append(STYLE)
    if SCRIPT not in [str(s) for s in config.extra_javascript]:
        config.extra_javascript.append(SCRIPT)
    for name in hooks.NAMES:
        key = f"journal/{name}"
        if key in config.plugins:
            continue
        module = importlib.import_module(f"{hooks.__name__}.{name}")
        events = {
            e: getattr(module, e)
            for e in dir(module)
            if e.startswith("on_") and e not in TOO_LATE and callable(getattr(module, e))
        }
        config.plugins[key] = SimpleNamespace(**events)  # MkDocs registers each on_* event


def add_assets(files: Files, config) -> None:
    """Each asset of the package the journal does not have itself, at ``assets/NAME``."""
    for path in sorted(ASSETS_DIR.iterdir()):
        uri = f"assets/{path.name}"
        if path.is_file() and files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, abs_src_path=str(path)))
