"""What model calls cost, from a price table the user can edit.

Prices change more often than code, so they live in one YAML file (packaged default in
`agent/data/prices.yaml`, copied into the workspace on first use). A model the table does not
know costs None ("unknown"), never a guessed zero: an honest summary beats a reassuring one.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from agent.errors import ConfigError
from agent.text.bounded_yaml import load_bounded_yaml

if TYPE_CHECKING:
    from agent.config import Settings

PER_TOKENS = 1_000_000


@dataclass(frozen=True)
class Price:
    input: float
    output: float

    def cost(self, input_tokens: int | None, output_tokens: int | None) -> float:
        return ((input_tokens or 0) * self.input + (output_tokens or 0) * self.output) / PER_TOKENS


@dataclass(frozen=True)
class PriceTable:
    path: Path
    prices: dict[str, Price]

    def price_for(self, spec: str) -> Price | None:
        """The exact entry, else the longest wildcard entry (`openai:*`) that matches."""
        if spec in self.prices:
            return self.prices[spec]
        wildcards = [k for k in self.prices if k.endswith("*") and spec.startswith(k[:-1])]
        return self.prices[max(wildcards, key=len)] if wildcards else None


def packaged_prices_text() -> str:
    """The packaged default table (`agent/data/prices.yaml`), read from the installed package."""
    return resources.files("agent").joinpath("data", "prices.yaml").read_text(encoding="utf-8")


def ensure_prices(path: Path) -> Path:
    """The price table at `path`, copied from the packaged default first if nothing is there.

    Written to a temporary file and renamed, so a crash never leaves half a table behind.
    """
    if path.exists():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(packaged_prices_text())
            if not path.exists():
                os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise ConfigError(f"cannot create price table {path}: {exc.strerror or exc}") from exc
    return path


def load_prices(path: Path) -> PriceTable:
    try:
        data = load_bounded_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read price table {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"price table {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"price table {path}: expected a mapping of model -> {{input, output}}")
    prices: dict[str, Price] = {}
    for spec, entry in data.items():
        try:
            values = (float(entry["input"]), float(entry["output"]))
        except (TypeError, KeyError, ValueError):
            raise ConfigError(
                f"price table {path}: entry {spec!r} needs numeric input and output prices "
                "(USD per million tokens)"
            ) from None
        if min(values) < 0:
            raise ConfigError(f"price table {path}: entry {spec!r} has a negative price")
        prices[str(spec)] = Price(*values)
    return PriceTable(path, prices)


def price_table(settings: Settings) -> PriceTable:
    """The table in force: $TRACKER_PRICES as given, else the workspace copy (made on first use)."""
    path = settings.prices_path
    if settings.prices is None:
        ensure_prices(path)
    return load_prices(path)
