"""The application: pipeline, models, prompts, validator and the typer CLI."""

__version__ = "0.1.0"
