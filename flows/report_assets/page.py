"""The report page: Jinja2 templates (templates/*.html.j2) filled with a view of the run.

One self-contained file: the CSS and JS are inlined, and a Content-Security-Policy lets the
browser run those two blocks, by their sha256, and fetch nothing. Every value a template
prints goes through `shown` (invisible and bidi characters made visible) and then Jinja's
autoescape (documents are untrusted input): no other escaping anywhere.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from flows.report_assets.view import page_view
from flows.report_assets.visible import visible

ASSETS = Path(__file__).parent


def render_page(data: dict[str, Any]) -> str:
    """The run's report page, from what report.json holds."""
    css = inline_asset("style.css", "</style")
    js = inline_asset("script.js", "</script")
    return (
        environment()
        .get_template("page.html.j2")
        .render(
            page_view(data),
            css=css,
            js=js,
            style_hash=csp_hash(css),
            script_hash=csp_hash(js),
        )
    )


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("flows.report_assets", "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a name the view does not have is an error, not blank
        finalize=shown,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def shown(value: Any) -> Any:
    """What a template prints for a value (Jinja's finalize: before autoescape): nothing for
    None, text with its invisible characters made visible; markup the code made itself (the
    inline assets, macros' output) as it is."""
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


def inline_asset(name: str, closing_tag: str) -> Markup:
    """Our own CSS or JS, to inline as it is (markup, not escaped: `>` is a CSS combinator).
    It must not close its own element early, or the rest would be read as HTML."""
    text = (ASSETS / name).read_text(encoding="utf-8")
    if closing_tag in text.lower():
        raise ValueError(f"{ASSETS / name}: contains {closing_tag}, cannot be inlined")
    return Markup(text)


def csp_hash(block: str) -> str:
    """The CSP source that allows exactly this inline block: 'sha256-<base64 of its digest>'."""
    digest = hashlib.sha256(block.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")
