"""One narrow repair of a model's JSON: a `"` copied from the source into a string, unescaped.

The commonest malformed reply of a small model (issue 17): a source line such as
`"None of the companies has ... plan" for human-level AI safety` copied into a quote, its `"`
left as it is, so the string ends early and the JSON breaks. Re-asking the model did not fix
it (it gave up). The repair is made only where the reply is one `"key": "value"` pair per line,
as models lay JSON out: a line whose key is one of the extraction's string fields and whose
value, between the first `"` after the colon and the last `"` of the line, holds bare `"`
marks gets them escaped. Nothing else is touched, the repaired text must then parse, and the
claims it yields go through the validator like any other (a quote still has to be in the
source). Where the layout is anything else, the reply stays malformed and is asked for again.
"""

from __future__ import annotations

import re

STRING_KEYS = (
    "title",
    "description",
    "quote",
    "rationale",
    "notes",
    "confidence",
    "domain",
    "id",
    "stance",
)
_LINE = re.compile(
    rf'^(?P<head>\s*"(?:{"|".join(STRING_KEYS)})"\s*:\s*")(?P<value>.*)(?P<tail>"\s*,?\s*)$'
)
_BARE_QUOTE = re.compile(r'(?<!\\)((?:\\\\)*)"')
_ANOTHER_KEY = re.compile(r'"\s*[,:]\s*"')
"""`", "` or `": "` inside a value: more pairs on the line, not a stray quote mark."""


def escape_stray_quotes(text: str) -> tuple[str, int]:
    """`text` with bare `"` inside one-line string values escaped, and how many were."""
    count = 0
    lines = text.split("\n")
    for number, line in enumerate(lines):
        match = _LINE.match(line)
        if match is None or _ANOTHER_KEY.search(match.group("value")):
            continue
        value, found = _BARE_QUOTE.subn(r'\1\\"', match.group("value"))
        if found:
            count += found
            lines[number] = match.group("head") + value + match.group("tail")
    return "\n".join(lines), count
