"""Questions embedded by one TorchScript graph at serving time.

Why: the eager forward pass goes back to Python between each of its ~600
operators per batch, and takes the GIL each time.  While the web server's
request threads run Python (lexical scoring, JSON, waitress), the embedding
thread waits for the GIL at every one of those boundaries.  Measured on the
2-core machine, a batch of 8 questions (bf16): eager 82 ms alone and
1,600 ms beside one busy Python thread; traced 71 ms alone and 90 ms beside
it.  A traced graph runs its operators in C++ with the GIL released.

The graph is the model's own modules, traced once per process (0.4 s):
token ids and attention mask in, mean-pooled L2-normalised float32 vectors out
(the sentence-transformers pipeline of the converted e5 model: Transformer,
mean Pooling, Normalize).  Precision:

- ``fp32``: the model as loaded;
- ``bf16``: the transformer layers in bfloat16 (a 42 MB copy; the 96M-entry
  word-embedding table stays shared in fp32 and its output is rounded to
  bf16).  Cosine to fp32 >= 0.9999 (eager autocast: >= 0.99998);
- ``int8``: the eager query model's layers (``nn.Linear`` dynamically
  quantised by :func:`search.e5model.quantize_for_queries`), shared.

Before use the graph is checked against the eager model on two questions
(cosine >= 0.999); a graph that cannot be traced or disagrees is reported on
stderr and the eager model is used instead, so a question is always answered.

This module imports torch (2.3 s): ``search.index.get_query_encoder`` imports
it when the first question is embedded, never at start-up.
"""
from __future__ import annotations

import sys
import warnings
from typing import Callable

import numpy as np
import torch

from .e5model import bf16_copy, clone_modules, embed_queries, prepare_queries

__all__ = ["query_encoder", "QueryGraph", "AGREEMENT"]

AGREEMENT = 0.999            # least cosine between graph and eager vectors at the check
_CHECK = ["ai chủ trì số hóa kết quả thủ tục hành chính trên địa bàn tỉnh", "Sở Nội vụ"]


def query_encoder(eager_model, precision: str) -> Callable[[list[str]], np.ndarray]:
    """``texts -> (n, 384) float32`` for questions: the traced graph of
    ``eager_model`` (``search.index.get_query_model``'s model of ``precision``),
    or that model itself (:func:`search.e5model.embed_queries`) where tracing
    failed."""
    def eager(texts: list[str]) -> np.ndarray:
        return embed_queries(eager_model, texts, precision)

    try:
        graph = QueryGraph(eager_model, precision)
        agreement = float(np.min(np.sum(graph(_CHECK) * eager(_CHECK), axis=1)))
    except Exception as exc:  # noqa: BLE001 — any failure to trace falls back to the eager model
        print(f"legalkg: query graph not traced ({type(exc).__name__}: {exc}); using the eager model",
              file=sys.stderr)
        return eager
    if agreement < AGREEMENT:
        print(f"legalkg: query graph disagrees with the eager model (cosine {agreement:.4f}); "
              "using the eager model", file=sys.stderr)
        return eager
    return graph


class QueryGraph:
    """The traced encoder: ``graph(texts) -> (n, 384)`` float32, L2-normalised.
    ``model``: the fp32 model, or for int8 the quantised one (traced as it is);
    for bf16 the layers of the fp32 model (or of its bf16-Linear copy) are
    copied to bfloat16 whole."""

    def __init__(self, model, precision: str):
        transformer, pooling = model[0], model[1]
        config = pooling.get_config_dict()
        mean = config.get("pooling_mode") == "mean" or config.get("pooling_mode_mean_tokens") is True
        if not mean or len(model) != 3 or type(model[2]).__name__ != "Normalize":
            raise ValueError("the model is not Transformer + mean Pooling + Normalize")
        self.precision = precision
        # what encode() tokenises with (``tokenize`` in sentence-transformers < 6); locked, see
        # search.e5model._serialise_tokenizer
        self._tokenize = getattr(model, "preprocess", None) or model.tokenize
        hf = clone_modules(transformer.auto_model)
        if precision == "bf16":
            hf._modules["encoder"] = bf16_copy(hf.encoder)
            hf._modules["embeddings"] = _RoundTo(hf.embeddings, torch.bfloat16)
        hf._modules["pooler"] = None             # the CLS pooler's output is not used
        example = self._tokenize(prepare_queries(_CHECK))   # two lengths: the padding mask is traced
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")      # TracerWarnings about Python bools in transformers
            traced = torch.jit.trace(_MeanPooled(hf).eval(), (example["input_ids"], example["attention_mask"]),
                                     check_trace=False)
            self._graph = torch.jit.freeze(traced)

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        features = self._tokenize(prepare_queries(texts))
        with torch.inference_mode():
            out = self._graph(features["input_ids"], features["attention_mask"])
        return np.ascontiguousarray(out.numpy(), dtype=np.float32)


class _RoundTo(torch.nn.Module):
    """Wraps the embeddings block: its output rounded to the layers' dtype."""

    def __init__(self, inner, dtype):
        super().__init__()
        self.inner = inner
        self.dtype_out = dtype

    def forward(self, *args, **kwargs):
        return self.inner(*args, **kwargs).to(self.dtype_out)


class _MeanPooled(torch.nn.Module):
    """(input_ids, attention_mask) -> mean of the last hidden states over the
    real tokens, L2-normalised, float32 (what Pooling + Normalize compute)."""

    def __init__(self, hf):
        super().__init__()
        self.hf = hf

    def forward(self, input_ids, attention_mask):
        hidden = self.hf(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state.float()
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, p=2.0, dim=1)
