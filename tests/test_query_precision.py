"""Query-encoder precision (search.e5model.query_precision): the int8 and bf16
query encoders agree with fp32, the int8 copy leaves the fp32 model (used for
passages) untouched, and the setting switches what the engine embeds with."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.ao.nn.quantized.dynamic import Linear as Int8Linear

from search import e5model
from search import index as search_index

QUESTIONS = [
    "Cơ quan nào chủ trì số hóa kết quả giải quyết thủ tục hành chính?",
    "Who leads the digital transformation of administrative procedures?",
    "ai chu tri cong khai thu tuc hanh chinh",
    "Thời hạn sắp xếp đơn vị sự nghiệp công lập là khi nào?",
    "Sở Nội vụ phối hợp những nhiệm vụ gì về chỉ số PAR INDEX",
]


def _clear_env(monkeypatch):
    monkeypatch.delenv("LEGALKG_QUERY_PRECISION", raising=False)
    monkeypatch.delenv("LEGALKG_QUERY_INT8", raising=False)


@pytest.mark.parametrize("env, want", [
    ({}, e5model.native_precision()),                         # auto: bf16 where the CPU has it
    ({"LEGALKG_QUERY_PRECISION": "auto"}, e5model.native_precision()),
    ({"LEGALKG_QUERY_PRECISION": "int8"}, "int8"),
    ({"LEGALKG_QUERY_PRECISION": " BF16 "}, "bf16"),
    ({"LEGALKG_QUERY_PRECISION": "fp32", "LEGALKG_QUERY_INT8": "1"}, "fp32"),   # the explicit one wins
    ({"LEGALKG_QUERY_INT8": "1"}, "int8"),
    ({"LEGALKG_QUERY_INT8": "0"}, "fp32"),
])
def test_setting(monkeypatch, env, want):
    _clear_env(monkeypatch)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert e5model.query_precision() == want


def test_setting_rejects_unknown(monkeypatch):
    _clear_env(monkeypatch)
    monkeypatch.setenv("LEGALKG_QUERY_PRECISION", "int4")
    with pytest.raises(ValueError, match="LEGALKG_QUERY_PRECISION"):
        e5model.query_precision()


def _linear_kinds(model) -> set[str]:
    """'int8' / 'fp32' for every Linear layer of ``model``."""
    return {"int8" if isinstance(m, Int8Linear) else "fp32"
            for m in model.modules() if isinstance(m, (torch.nn.Linear, Int8Linear))}


def test_int8_and_bf16_agree_with_fp32_and_leave_fp32_untouched(store):
    fp32 = search_index.get_model(store.cache)
    before = e5model.embed_queries(fp32, QUESTIONS)
    q8 = search_index.get_query_model(store.cache, "int8")
    assert q8 is search_index.get_query_model(store.cache, "int8")              # made once per process
    assert _linear_kinds(q8) == {"int8"}
    assert _linear_kinds(fp32) == {"fp32"}                                       # passages stay fp32
    # the copy shares everything but the Linear layers (no second copy of the 96M-entry embedding table)
    assert q8[0].auto_model.embeddings.word_embeddings.weight.data_ptr() == \
        fp32[0].auto_model.embeddings.word_embeddings.weight.data_ptr()
    with torch.inference_mode():
        v8 = e5model.embed_queries(q8, QUESTIONS, "int8")
        vb = e5model.embed_queries(fp32, QUESTIONS, "bf16")
        after = e5model.embed_queries(fp32, QUESTIONS)
    np.testing.assert_array_equal(before, after)
    assert v8.shape == vb.shape == before.shape and v8.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v8, axis=1), 1.0, atol=1e-5)
    # measured over 346 judged questions: int8 min 0.975 (mean 0.985), bf16 min 0.99998
    assert np.sum(v8 * before, axis=1).min() >= 0.96
    assert np.sum(vb * before, axis=1).min() >= 0.999
    assert not np.array_equal(v8, before)            # it really is another encoder


def test_native_precision_follows_the_cpu(monkeypatch):
    e5model.native_precision.cache_clear()
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert e5model.native_precision() == "fp32"
    e5model.native_precision.cache_clear()
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert e5model.native_precision() == "bf16"
    e5model.native_precision.cache_clear()


def test_bf16_copy_shares_all_but_the_linear_layers(store):
    fp32 = search_index.get_model(store.cache)
    qb = search_index.get_query_model(store.cache, "bf16")
    assert qb is search_index.get_query_model(store.cache, "bf16") and qb is not fp32
    lin = [m for m in qb.modules() if isinstance(m, torch.nn.Linear)]
    assert lin and all(m.weight.dtype == torch.bfloat16 for m in lin)
    assert all(m.weight.dtype == torch.float32 for m in fp32.modules() if isinstance(m, torch.nn.Linear))
    assert qb[0].auto_model.embeddings.word_embeddings.weight.data_ptr() == \
        fp32[0].auto_model.embeddings.word_embeddings.weight.data_ptr()
    # the same vectors as autocast over the fp32 weights (which rounds each weight the same way)
    np.testing.assert_array_equal(e5model.embed_queries(qb, QUESTIONS, "bf16"),
                                  e5model.embed_queries(fp32, QUESTIONS, "bf16"))


def test_engine_follows_the_setting(store, monkeypatch):
    """The engine embeds with the traced graph of the configured precision
    (search.qgraph), which agrees with that precision's eager model."""
    engine = store.search_engine()
    texts = QUESTIONS[:2]
    for env, precision in ((("LEGALKG_QUERY_INT8", "1"),), "int8"), ((("LEGALKG_QUERY_INT8", "0"),), "fp32"), \
            ((("LEGALKG_QUERY_PRECISION", "bf16"),), "bf16"):
        _clear_env(monkeypatch)
        for k, v in env:
            monkeypatch.setenv(k, v)
        got = engine._encode(texts)
        encoder = search_index.get_query_encoder(store.cache, precision)
        assert type(encoder).__name__ == "QueryGraph" and encoder.precision == precision
        np.testing.assert_array_equal(got, encoder(texts))
        eager = e5model.embed_queries(search_index.get_query_model(store.cache, precision), texts, precision)
        assert np.min(np.sum(got * eager, axis=1)) > 0.9999
