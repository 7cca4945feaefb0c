"""What model calls cost, from a price table the user can edit.

Prices change more often than code, so they live in one YAML file (packaged default in
`agent/data/prices.yaml`, copied into the workspace on first use). A model the table does not
know costs None ("unknown"), never a guessed zero: an honest summary beats a reassuring one.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from beliefs.errors import ConfigError

PACKAGED_PRICES = Path(__file__).resolve().parent / "data" / "prices.yaml"
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


def prices_path(home: Path) -> Path:
    """$TRACKER_PRICES, else the workspace copy (made from the packaged table if missing)."""
    configured = os.environ.get("TRACKER_PRICES")
    if configured:
        return Path(configured).expanduser()
    path = home / "prices.yaml"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACKAGED_PRICES, path)
    return path


def load_prices(path: Path) -> PriceTable:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
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
