"""Loading and rendering the prompt templates in `prompts/`.

Templates use `$name` placeholders (string.Template) so the JSON examples inside them need no
escaping. Each template's sha256 is recorded with every model call, so an auditor can tell which
wording produced which reply. The templates ship inside the package (`prompts/`, found with
importlib.resources, so a wheel install works anywhere); TRACKER_PROMPTS may point elsewhere.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from agent.errors import ConfigError


def packaged_prompts() -> Traversable:
    """The folder of packaged templates (the `prompts` package)."""
    return resources.files("prompts")


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def variables(self) -> set[str]:
        """The placeholder names the template uses (a test checks the code passes exactly these)."""
        names = set()
        for match in string.Template.pattern.finditer(self.text):
            name = match.group("named") or match.group("braced")
            if name:
                names.add(name)
        return names

    def render(self, **values: str) -> str:
        """The filled template, system part and user part still joined by USER_MARKER."""
        return self._render(values)

    def _render(self, values: dict[str, str]) -> str:
        missing = self.variables - values.keys()
        if missing:
            raise ConfigError(f"prompt {self.name}: no value for {', '.join(sorted(missing))}")
        return string.Template(self.text).substitute(values)


USER_MARKER = "<!-- user message -->\n"
"""The line that cuts a template into a system message (the rules, the same for every source)
and a user message (the register and the source). A small model follows rules given as a
system message better, and a server can reuse its cache of the fixed system part."""


def split_messages(prompt: str) -> tuple[str | None, str]:
    """(system text or None, user text) of a rendered prompt; a template without the marker
    (an older one in TRACKER_PROMPTS) is one user message, as before."""
    system, marker, user = prompt.partition(USER_MARKER)
    if not marker:
        return None, prompt
    return system.rstrip("\n"), user


def load_prompt(name: str, directory: Path | None = None) -> PromptTemplate:
    """Template `name`, from `directory` (Settings.prompts_dir) or the packaged ones."""
    path = (directory if directory is not None else packaged_prompts()) / f"{name}.md"
    try:
        return PromptTemplate(name, path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read prompt template {path}: {exc.strerror}") from exc
