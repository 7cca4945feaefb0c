"""A source's title as an answer names it, when the recorded one is a web page's chrome.

A source without frontmatter takes its title from its first heading or line (CONTRACT), and a
saved web page often starts with navigation: "Skip to content", "Back", "Menu", a site name.
Citing "Skip to content" tells an analyst nothing, so the answer looks a few lines further for
the first line that reads like a title, and falls back on the file name.
"""

from __future__ import annotations

import re

_CHROME = re.compile(
    r"^(skip to (?:main )?content|skip navigation|jump to (?:content|navigation)|back|menu|"
    r"home|search|sign in|log ?in|subscribe|share|close|navigation|main menu|toggle "
    r"navigation|cookies?(?: settings)?|accept(?: all)?(?: cookies)?)\W*$",
    re.I,
)
LOOK_AHEAD = 8
MIN_TITLE_WORDS = 3


def is_chrome(line: str) -> bool:
    """True for a line of page navigation rather than content."""
    return bool(_CHROME.match(line.strip()))


def readable_title(title: str | None, text: str | None, source_id: str) -> str:
    """The recorded title unless it is page chrome; then the first title-like line of the text
    (a few words, not chrome, among its first lines), else the file name in words."""
    if title and not is_chrome(title):
        return title
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()][:LOOK_AHEAD]
    for line in lines:
        if not is_chrome(line) and len(line.split()) >= MIN_TITLE_WORDS and len(line) <= 200:
            return line
    return source_id.replace("-", " ")
