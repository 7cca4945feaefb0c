"""The prompt templates (`extract.md`, `answer.md`), shipped as package data.

Kept at the top of the repository where curators can read and edit them; loaded through
importlib.resources by `agent.llm.prompts`, so an installed wheel finds them too.
"""
