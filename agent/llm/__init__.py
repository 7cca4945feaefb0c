"""Models: specs and providers (offline, langchain ones, replay), calls, cache, pricing, prompts.

Nothing is imported here: provider SDKs load only inside the functions that build a model.
"""
