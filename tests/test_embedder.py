"""search/embedder.py with a fake model: order, resume, threads, device choice."""
import hashlib

import numpy as np
import pytest
import torch

from search.embedder import (EmbedProgress, build_threads, embed_cached, embed_to_store, resolve_device,
                             usable_cores)
from search.vectors import open_store, text_key

DIM = 6


def _vec(text):
    h = hashlib.sha256(text.encode()).digest()
    v = np.frombuffer(h[:DIM * 4], dtype=np.uint32).astype(np.float64)
    return (v / np.linalg.norm(v)).astype(np.float32)


class FakeModel:
    tokenizer = None
    max_seq_length = 512

    def __init__(self, fail_after=None):
        self.calls, self.fail_after, self.threads = [], fail_after, []

    def encode(self, texts, batch_size, convert_to_numpy, normalize_embeddings, show_progress_bar):
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise KeyboardInterrupt("killed")
        self.calls.append(list(texts))
        self.threads.append(torch.get_num_threads())
        return np.stack([_vec(t) for t in texts])


TEXTS = [("dòng " * (i % 7 + 1)) + f"nhiệm vụ {i}" for i in range(50)] + ["nhiệm vụ 3"]


def test_order_restored_and_prefix_nfc(tmp_path):
    st = open_store(tmp_path, "fake", DIM)
    texts = TEXTS + ["ho\u0061\u0300"]                      # decomposed: embedded as NFC
    m = FakeModel()
    seen = []
    out = embed_cached(m, texts, st, device="cpu", batch_size=4, chunk=8, progress=seen.append)
    assert out.shape == (len(texts), DIM)
    for t, v in zip(texts, out):
        import unicodedata
        np.testing.assert_allclose(v, _vec("passage: " + unicodedata.normalize("NFC", t)), rtol=1e-6)
    fed = [t for c in m.calls for t in c]
    assert len(fed) == len(set(texts))                      # duplicates embedded once
    lens = [len(t) for t in fed]
    assert lens == sorted(lens, reverse=True)               # longest first (char length without tokenizer)
    assert all(len(c) <= 8 for c in m.calls)
    assert isinstance(seen[-1], EmbedProgress) and seen[-1].done == seen[-1].total == len(fed)
    assert seen[-1].rate > 0


def test_killed_run_resumes_with_only_missing(tmp_path):
    st = open_store(tmp_path, "fake", DIM)
    with pytest.raises(KeyboardInterrupt):
        embed_to_store(FakeModel(fail_after=3), TEXTS, st, device="cpu", batch_size=5, chunk=5)
    assert len(st) == 15                                    # three finished chunks kept
    m = FakeModel()
    stats = embed_to_store(m, TEXTS, st, device="cpu", batch_size=5, chunk=5)
    assert stats["reused"] == 15 and stats["embedded"] == len(set(TEXTS)) - 15
    assert sum(len(c) for c in m.calls) == len(set(TEXTS)) - 15
    again = embed_to_store(FakeModel(fail_after=0), TEXTS, st, device="cpu")
    assert again["embedded"] == 0


def test_threads_raised_during_build_and_restored(tmp_path):
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        m = FakeModel()
        embed_to_store(m, TEXTS[:10], open_store(tmp_path, "fake", DIM), device="cpu")
        assert set(m.threads) == {usable_cores()}
        assert torch.get_num_threads() == 1
        with build_threads(2) as n:
            assert n == 2 and torch.get_num_threads() == 2
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_resolve_device(monkeypatch):
    monkeypatch.delenv("LEGALKG_DEVICE", raising=False)
    assert resolve_device("cpu") == "cpu"
    assert resolve_device() in ("cpu", "cuda")
    monkeypatch.setenv("LEGALKG_DEVICE", "cpu")
    assert resolve_device() == "cpu"
    monkeypatch.setenv("LEGALKG_DEVICE", "tpu")
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device()
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA"):
            resolve_device("cuda")
        assert resolve_device("AUTO") == "cpu"


@pytest.mark.parametrize("device, setting, env, native, want", [
    ("cpu", None, None, "bf16", "bf16"),          # auto: the CPU's native precision
    ("cpu", None, None, "fp32", "fp32"),
    ("cpu", "auto", "fp32", "bf16", "bf16"),      # an explicit argument wins over the env
    ("cpu", None, "fp32", "bf16", "fp32"),
    ("cpu", None, "BF16", "fp32", "bf16"),
    ("cpu", "fp16", None, "bf16", "fp32"),        # no fast fp16 on CPUs
    ("cuda", "fp16", None, "fp32", "fp16"),
    ("cuda", None, "bf16", "fp32", "bf16"),
])
def test_pick_precision(monkeypatch, device, setting, env, native, want):
    from search import embedder
    monkeypatch.setattr(embedder, "native_precision", lambda: native)
    if env is None:
        monkeypatch.delenv("LEGALKG_EMBED_PRECISION", raising=False)
    else:
        monkeypatch.setenv("LEGALKG_EMBED_PRECISION", env)
    assert embedder.pick_precision(device, setting) == want


def test_pick_precision_rejects_unknown(monkeypatch):
    from search import embedder
    monkeypatch.setenv("LEGALKG_EMBED_PRECISION", "int4")
    with pytest.raises(ValueError, match="int4"):
        embedder.pick_precision("cpu")


def test_bf16_passages_agree_with_fp32_and_leave_the_model_untouched(tmp_path, store):
    from search import index as search_index
    model = search_index.get_model(store.cache)
    texts = ["Sở Nội vụ chủ trì, phối hợp các sở, ngành rà soát, số hóa kết quả giải quyết thủ tục hành chính "
             "trên Cổng dịch vụ công của tỉnh, hoàn thành trong quý IV năm 2024.",
             "Triển khai Đề án 06 về phát triển ứng dụng dữ liệu dân cư, định danh và xác thực điện tử.",
             "nhiệm vụ"]
    out = {}
    for n, prec in enumerate(("fp32", "bf16", "fp32")):
        st = open_store(tmp_path / f"{n}-{prec}", "e5", 384)
        info = embed_to_store(model, texts, st, device="cpu", precision=prec)
        assert info["precision"] == prec and info["embedded"] == len(texts)
        out.setdefault(prec, []).append(st.get([text_key(t) for t in texts]))
    np.testing.assert_array_equal(out["fp32"][0], out["fp32"][1])     # the fp32 model was not altered
    cos = np.sum(out["fp32"][0] * out["bf16"][0], axis=1)
    assert cos.min() >= 0.9999 and not np.array_equal(out["fp32"][0], out["bf16"][0])


@pytest.mark.parametrize("max_tokens, batch, device, want", [
    (500, 32, "cpu", 8), (128, 32, "cpu", 32), (20, 32, "cpu", 32), (5000, 32, "cpu", 1), (0, 32, "cpu", 32),
    (500, 512, "cuda", 512),
])
def test_chunk_batch_holds_a_token_budget_on_cpu(max_tokens, batch, device, want):
    from search.embedder import chunk_batch
    assert chunk_batch(max_tokens, batch, device) == want
