"""Small Sphinx fixes for the course site (loaded through ``sphinx: local_extensions`` in _config.yml).

* Every inline script that an extension adds after the builder started (sphinx-thebe's
  ``const THEBE_JS_URL = ...``, sphinx-togglebutton's selector) is written twice into each page by
  Sphinx 7.4 (once when it is added, once more when the builder prepares writing). The second
  ``const`` declaration throws "Identifier 'THEBE_JS_URL' has already been declared" in the browser.
  Exact duplicates are dropped from each page's script list.
* pydata-sphinx-theme logs the console error "Got invalid theme mode: ." when the template variable
  ``default_mode`` (``html_context``) is empty, as Jupyter Book leaves it; set the theme's documented
  default, ``auto`` (follow the reader's system setting).

The browser test (tests/browser/test_site.py) fails on either JavaScript error.
"""

from __future__ import annotations

from typing import Any


def _drop_duplicate_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for js in scripts:
        filename = str(getattr(js, "filename", js) or "")
        attributes = tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items()))
        key = (filename, attributes)
        if key in seen:
            continue
        seen.add(key)
        unique.append(js)
    context["script_files"] = unique


def _theme_mode(app: Any, config: Any) -> None:
    if not config.html_context.get("default_mode"):
        config.html_context["default_mode"] = "auto"


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _theme_mode)
    # Run after the other extensions added their per-page scripts.
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
