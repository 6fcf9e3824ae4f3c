"""The traced query encoder (search.qgraph): the same vectors as the eager
model for every shape of batch (one question, padded batches, questions longer
than the traced example, questions cut at 512 tokens, none), at each
precision; and where a graph cannot be made or disagrees, the eager model
answers and stderr says why."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from search import e5model, qgraph
from search import index as search_index

BATCHES = [
    ["Sở Nội vụ"],
    ["ai chủ trì số hóa kết quả TTHC", "x", "Who leads the digital transformation of administrative procedures?"],
    ["Kế hoạch cải cách hành chính nhà nước giai đoạn 2021-2025 " * 12, "ai chu tri"],   # longer than the traced example
    ["thủ tục hành chính " * 300],                                                      # past 512 tokens: cut, as encode() cuts
    [f"nhiệm vụ số {i} của Sở Tư pháp về kiểm soát thủ tục hành chính" for i in range(17)],
]
LEAST = {"fp32": 0.99999, "bf16": 0.9999, "int8": 0.9999}


@pytest.mark.parametrize("precision", ["fp32", "bf16", "int8"])
def test_graph_agrees_with_the_eager_model_on_every_batch_shape(store, precision):
    eager_model = search_index.get_query_model(store.cache, precision)
    graph = qgraph.QueryGraph(eager_model, precision)
    for texts in BATCHES:
        got = graph(texts)
        assert got.shape == (len(texts), 384) and got.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
        eager = e5model.embed_queries(eager_model, texts, precision)
        assert np.min(np.sum(got * eager, axis=1)) > LEAST[precision], (precision, texts[0][:40])
    assert graph([]).shape == (0, 384)


def test_bf16_graph_leaves_the_fp32_model_untouched(store):
    model = search_index.get_model(store.cache)
    before = {n: (p.dtype, p.data_ptr(), float(p.detach().double().sum())) for n, p in model.named_parameters()}
    qgraph.QueryGraph(model, "bf16")
    after = {n: (p.dtype, p.data_ptr(), float(p.detach().double().sum())) for n, p in model.named_parameters()}
    assert after == before


def test_bf16_copy_converts_only_what_it_is_asked(store):
    encoder = search_index.get_model(store.cache)[0].auto_model.encoder
    whole = e5model.bf16_copy(encoder)
    assert all(p.dtype == torch.bfloat16 for p in whole.parameters())
    linear = e5model.bf16_copy(encoder, only=torch.nn.Linear)
    for (name, p), (_, orig) in zip(linear.named_parameters(), encoder.named_parameters()):
        if "LayerNorm" in name:
            assert p.data_ptr() == orig.data_ptr() and p.dtype == torch.float32      # shared, not copied
        else:
            assert p.dtype == torch.bfloat16 and orig.dtype == torch.float32
            assert torch.equal(p, orig.detach().to(torch.bfloat16))


def test_untraceable_model_falls_back_to_eager(store, monkeypatch, capsys):
    model = search_index.get_model(store.cache)

    def broken(*a, **kw):
        raise RuntimeError("no graph today")

    monkeypatch.setattr(qgraph, "QueryGraph", broken)
    encoder = qgraph.query_encoder(model, "fp32")
    assert "query graph not traced (RuntimeError: no graph today); using the eager model" in capsys.readouterr().err
    np.testing.assert_array_equal(encoder(BATCHES[1]), e5model.embed_queries(model, BATCHES[1]))


def test_disagreeing_graph_falls_back_to_eager(store, monkeypatch, capsys):
    model = search_index.get_model(store.cache)
    monkeypatch.setattr(qgraph, "AGREEMENT", 1.5)       # no cosine reaches it
    encoder = qgraph.query_encoder(model, "fp32")
    assert "query graph disagrees with the eager model" in capsys.readouterr().err
    assert not isinstance(encoder, qgraph.QueryGraph)


def test_setting_picks_graph_or_eager(store, monkeypatch):
    monkeypatch.setenv("LEGALKG_QUERY_GRAPH", "eager")
    eager = search_index.get_query_encoder(store.cache, "fp32")
    assert not isinstance(eager, qgraph.QueryGraph)
    np.testing.assert_array_equal(eager(BATCHES[0]), e5model.embed_queries(search_index.get_model(store.cache), BATCHES[0]))
    monkeypatch.setenv("LEGALKG_QUERY_GRAPH", " Traced ")
    assert isinstance(search_index.get_query_encoder(store.cache, "fp32"), qgraph.QueryGraph)
    monkeypatch.setenv("LEGALKG_QUERY_GRAPH", "jit")
    with pytest.raises(ValueError, match="LEGALKG_QUERY_GRAPH='jit': expected one of traced, eager"):
        search_index.get_query_encoder(store.cache, "fp32")

