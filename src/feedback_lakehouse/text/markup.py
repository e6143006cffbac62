"""Plain text from the light HTML that chat tools export (paragraphs, breaks, entities)."""

from __future__ import annotations

import html
import re

_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>|</div>\s*<div[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(value: str) -> str:
    """Paragraphs and line breaks become newlines, other tags go, entities are decoded."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", value))).strip()
