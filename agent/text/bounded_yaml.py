"""YAML from files nobody vetted, loaded within limits: size, depth, values and aliases.

PyYAML's safe loader is safe against code, not against size. Three lines of `&a [*a, *a, ...]`
expand to billions of values when the data is walked or printed (a register grew to 2.2 GB before
`MemoryError`), and 3000 nested brackets overflow the composer's recursion. Both the frontmatter
reader and the belief register load through here, so every violation is one YAML error with the
line where it was found, and nothing after the loader ever sees oversized data.

Limits are checked while the document is composed, before anything is constructed:

- `max_bytes` of text at all;
- `max_depth` levels of nesting, also counting what an alias brings in at its place;
- `max_nodes` values in the document as expanded (an alias counts everything it repeats), which
  is what stops an alias bomb in linear time;
- `max_aliases` aliases (0: none allowed); an alias to a value that contains it is refused.

Every loaded string is made valid Unicode (an escape such as `"\\uD800"` gives a lone surrogate,
which nothing downstream can encode).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, ClassVar

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from agent.text.clean import valid_unicode


@dataclass(frozen=True)
class YamlLimits:
    """What one document may hold; `what` names it in messages ("frontmatter")."""

    what: str
    max_bytes: int
    max_depth: int = 32
    max_nodes: int = 100_000
    max_aliases: int = 0


FRONTMATTER_LIMITS = YamlLimits("frontmatter", max_bytes=2 * 1024 * 1024)
REGISTER_LIMITS = YamlLimits(
    "a belief register", max_bytes=16 * 1024 * 1024, max_nodes=500_000, max_aliases=100
)


class YamlLimitError(yaml.MarkedYAMLError):
    """The document exceeds a limit; `problem` says which, `problem_mark` where."""

    def __init__(self, problem: str, mark: Any = None) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class BoundedSafeLoader(Reader, Scanner, Parser, Composer, SafeConstructor, Resolver):
    """SafeLoader that enforces `limits` while composing and cleans every string it constructs."""

    limits: ClassVar[YamlLimits] = REGISTER_LIMITS

    def __init__(self, stream: Any) -> None:
        size = len(stream.encode("utf-8", "surrogatepass")) if isinstance(stream, str) else None
        if isinstance(stream, bytes):
            size = len(stream)
        if size is not None and size > self.limits.max_bytes:
            raise YamlLimitError(
                f"{self.limits.what} is larger than {self.limits.max_bytes} bytes ({size})"
            )
        self._start_parsing(stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._heights: list[int] = []  # one entry per node being composed: its height so far
        self._nodes = 0
        self._aliases = 0
        self._open: set[str] = set()  # anchors whose node is still being composed
        self._anchor_sizes: dict[str, int] = {}
        self._anchor_heights: dict[str, int] = {}

    def _start_parsing(self, stream: Any) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)

    def _grow(self, nodes: int, height: int, mark: Any) -> None:
        limits = self.limits
        self._nodes += nodes
        if self._nodes > limits.max_nodes:
            raise YamlLimitError(
                f"{limits.what} holds more than {limits.max_nodes} values counting what its "
                "aliases repeat (refused: an alias bomb would exhaust memory)",
                mark,
            )
        if len(self._heights) + height > limits.max_depth:
            raise YamlLimitError(f"nested more than {limits.max_depth} levels deep", mark)
        if self._heights:
            self._heights[-1] = max(self._heights[-1], height)

    def compose_node(self, parent: Any, index: Any) -> Any:
        limits = self.limits
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            if limits.max_aliases == 0:
                raise YamlLimitError(
                    f"aliases (*name) are not allowed in {limits.what}", event.start_mark
                )
            self._aliases += 1
            if self._aliases > limits.max_aliases:
                raise YamlLimitError(
                    f"more than {limits.max_aliases} aliases in {limits.what}", event.start_mark
                )
            if event.anchor in self._open:
                raise YamlLimitError(
                    f"alias *{event.anchor} refers to a value that contains it", event.start_mark
                )
            node = super().compose_node(parent, index)  # the anchored node, or undefined-alias
            self._grow(
                self._anchor_sizes[event.anchor],
                self._anchor_heights[event.anchor],
                event.start_mark,
            )
            return node
        event = self.peek_event()
        if len(self._heights) >= limits.max_depth:
            raise YamlLimitError(
                f"nested more than {limits.max_depth} levels deep", event.start_mark
            )
        anchor = event.anchor
        if anchor is not None:
            self._open.add(anchor)
        before = self._nodes
        self._heights.append(0)
        node = super().compose_node(parent, index)
        height = self._heights.pop() + 1
        self._grow(1, height, event.start_mark)
        if anchor is not None:
            self._open.discard(anchor)
            self._anchor_sizes[anchor] = self._nodes - before
            self._anchor_heights[anchor] = height
        return node

    def construct_scalar(self, node: Any) -> Any:
        value = super().construct_scalar(node)
        return valid_unicode(value) if isinstance(value, str) else value


def bounded_loader(limits: YamlLimits, base: type[BoundedSafeLoader] = BoundedSafeLoader) -> type:
    """A loader class of `base` with these limits."""
    return type(f"Bounded{base.__name__}", (base,), {"limits": limits})


try:  # libyaml scans and parses in C, several times faster than PyYAML's own scanner
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    CParser = None


@functools.cache
def _fast_variant(loader: type[BoundedSafeLoader]) -> type | None:
    """`loader` with libyaml producing the events; composing (and so every limit) stays ours.

    libyaml's parser is put first for the events, and the composer's entry points are taken back
    from PyYAML's `Composer`, which CParser would otherwise replace with its own C composer.
    """
    if CParser is None:  # pragma: no cover
        return None

    def start_parsing(self: Any, stream: Any) -> None:
        CParser.__init__(self, stream)

    return type(
        f"Fast{loader.__name__}",
        (CParser, loader),
        {
            "__init__": loader.__init__,  # ours: limits first, then the parser started
            "_start_parsing": start_parsing,
            "get_single_node": Composer.get_single_node,
            "compose_document": Composer.compose_document,
            "check_node": Composer.check_node,
            "get_node": Composer.get_node,
        },
    )


_REGISTER_LOADER = bounded_loader(REGISTER_LIMITS)


def load_bounded_yaml(text: str, loader: type[BoundedSafeLoader] | None = None) -> Any:
    """Load one YAML document within the loader's limits (default: a belief register's).

    Parsed by libyaml where it is installed. libyaml refuses a few documents PyYAML reads (an
    escaped lone surrogate, which tracker reads as U+FFFD); on any error but a limit, PyYAML's
    own parser decides, so the result and every message are what PyYAML alone would give.

    Raises yaml.YAMLError (YamlLimitError for a limit), as `yaml.safe_load` would for bad YAML.
    """
    loader = loader or _REGISTER_LOADER
    fast = _fast_variant(loader)
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)
        except YamlLimitError:
            raise
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=loader)
