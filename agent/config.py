"""The settings in force for one command, and where each value came from.

This is the only place defaults live. Precedence: command-line flag, then environment variable,
then default. `tracker config` prints the result so nobody has to guess which one won.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from beliefs.errors import ConfigError

DEFAULT_HOME = ".tracker"
DEFAULT_LLM = "offline"


@dataclass(frozen=True)
class Settings:
    """Resolved workspace settings; `origins` maps each field to 'flag', 'env' or 'default'."""

    home: Path
    beliefs_path: Path
    llm: str
    chroma_url: str | None
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def database_path(self) -> Path:
        return self.home / "tracker.db"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def lock_path(self) -> Path:
        return self.home / "process.lock"

    @property
    def beliefs_is_default(self) -> bool:
        """True when the register is the workspace copy of the packaged default."""
        return self.origins.get("beliefs_path") == "default"


def _pick(flag: str | None, env_name: str, default: str | None) -> tuple[str | None, str]:
    if flag is not None and flag != "":
        return flag, "flag"
    value = os.environ.get(env_name)
    if value:
        return value, "env"
    return default, "default"


def resolve_settings(
    home: str | None = None, beliefs: str | None = None, llm: str | None = None
) -> Settings:
    """Combine flags and TRACKER_* variables into one Settings; bad values are ConfigErrors."""
    home_value, home_origin = _pick(home, "TRACKER_HOME", DEFAULT_HOME)
    home_path = Path(str(home_value)).expanduser()
    if home_path.exists() and not home_path.is_dir():
        raise ConfigError(f"TRACKER_HOME {home_path} exists and is not a folder")
    beliefs_value, beliefs_origin = _pick(beliefs, "TRACKER_BELIEFS", None)
    beliefs_path = Path(beliefs_value).expanduser() if beliefs_value else home_path / "beliefs.yaml"
    llm_value, llm_origin = _pick(llm, "TRACKER_LLM", DEFAULT_LLM)
    chroma_url, chroma_origin = _pick(None, "TRACKER_CHROMA_URL", None)
    if chroma_url is not None and not chroma_url.startswith(("http://", "https://")):
        raise ConfigError(f"TRACKER_CHROMA_URL must look like http://host:port, got {chroma_url!r}")
    return Settings(
        home=home_path,
        beliefs_path=beliefs_path,
        llm=str(llm_value),
        chroma_url=chroma_url,
        origins={
            "home": home_origin,
            "beliefs_path": beliefs_origin,
            "llm": llm_origin,
            "chroma_url": chroma_origin,
        },
    )
