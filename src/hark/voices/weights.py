"""The speaker encoder's weights, read from resemblyzer's ``pretrained.pt`` without torch.

The file is a checkpoint in torch's *legacy* serialisation (before torch 1.6), a run of
pickles followed by raw tensor data::

    pickle  magic number (0x1950a86a20f9469cfc6c)
    pickle  protocol version (1001)
    pickle  sys info (little-endian, type sizes)
    pickle  the checkpoint: {"step", "model_state": OrderedDict(name -> tensor), "optimizer_state"}
    pickle  the list of storage keys, in the order their data follows
    for each key: int64 little-endian element count, then the elements

A tensor in the checkpoint pickle is ``torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, ...)`` whose storage is a *persistent id* ``("storage", torch.FloatStorage, key,
location, numel, view)``. The unpickler here resolves exactly those three globals
(``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2``, ``torch.<T>Storage``) to
numpy stand-ins and refuses every other class, so a tampered file cannot run code.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import VoiceModelError

MAGIC = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001

_STORAGE_DTYPES: dict[str, np.dtype[Any]] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


@dataclasses.dataclass(frozen=True, slots=True)
class _StorageType:
    dtype: np.dtype[Any]


@dataclasses.dataclass(frozen=True, slots=True)
class _TensorRef:
    """A tensor whose storage data comes after the pickle: resolved once it is read."""

    key: str
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor_v2(storage: tuple[str, int], offset: int, size: Any, stride: Any, *_: Any) -> _TensorRef:
    key, view_offset = storage
    return _TensorRef(key, view_offset + int(offset), tuple(int(s) for s in size), tuple(int(s) for s in stride))


class _CheckpointUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BufferedIOBase) -> None:
        super().__init__(file)
        self.storages: dict[str, tuple[np.dtype[Any], int]] = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a model checkpoint")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r:.80}")
        _, storage_type, key, _location, numel, view = pid
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"unexpected storage type {storage_type!r:.80}")
        self.storages.setdefault(str(key), (storage_type.dtype, int(numel)))
        if view is None:
            return (str(key), 0)
        _view_key, view_offset, _view_size = view  # a view into the root storage
        return (str(key), int(view_offset))


def read_legacy_checkpoint(blob: bytes) -> dict[str, Any]:
    """The checkpoint dictionary with every tensor as a numpy array (a copy, native order)."""
    f = io.BytesIO(blob)
    safe = _RefusingUnpickler
    if safe(f).load() != MAGIC:
        raise VoiceModelError("not a torch legacy checkpoint (wrong magic number)")
    if safe(f).load() != PROTOCOL_VERSION:
        raise VoiceModelError("unsupported torch checkpoint protocol version")
    info = safe(f).load()
    if not isinstance(info, dict) or not info.get("little_endian", False):
        raise VoiceModelError("unsupported torch checkpoint (not little-endian)")
    unpickler = _CheckpointUnpickler(f)
    checkpoint = unpickler.load()
    keys = safe(f).load()
    if not isinstance(keys, list):
        raise VoiceModelError("torch checkpoint without its storage list")
    data: dict[str, np.ndarray] = {}
    for key in keys:
        dtype, numel = unpickler.storages[str(key)]
        count = int(np.frombuffer(f.read(8), "<i8")[0])
        if count != numel:
            raise VoiceModelError(f"storage {key}: {count} elements where {numel} were announced")
        raw = f.read(count * dtype.itemsize)
        if len(raw) != count * dtype.itemsize:
            raise VoiceModelError("torch checkpoint is truncated")
        data[str(key)] = np.frombuffer(raw, dtype)
    return _resolve(checkpoint, data)  # type: ignore[no-any-return]


class _RefusingUnpickler(pickle.Unpickler):
    """For the header pickles, which hold plain values only."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a model checkpoint")


def _resolve(obj: Any, data: Mapping[str, np.ndarray]) -> Any:
    if isinstance(obj, _TensorRef):
        flat = data[obj.key]
        if not obj.size:
            return flat[obj.offset].copy()
        strides = tuple(s * flat.itemsize for s in obj.stride)
        view = np.lib.stride_tricks.as_strided(flat[obj.offset :], shape=obj.size, strides=strides)
        return np.array(view, dtype=flat.dtype.newbyteorder("="))
    if isinstance(obj, dict):
        out = type(obj)() if isinstance(obj, OrderedDict) else {}
        for k, v in obj.items():
            out[k] = _resolve(v, data)
        return out
    if isinstance(obj, list):
        return [_resolve(v, data) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_resolve(v, data) for v in obj)
    return obj


# -- the speaker encoder's parameters ---------------------------------------------------------------

N_LAYERS = 3
HIDDEN = 256
N_MELS = 40
EMBEDDING = 256

F32 = npt.NDArray[np.float32]


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class LstmLayer:
    """One LSTM layer as torch stores it: gates in the order input, forget, cell, output."""

    w_ih: F32
    """(4 x hidden, input size)."""
    w_hh: F32
    """(4 x hidden, hidden)."""
    b_ih: F32
    b_hh: F32


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class EncoderWeights:
    layers: tuple[LstmLayer, ...]
    linear_w: F32
    """(embedding, hidden), as torch's ``nn.Linear``."""
    linear_b: F32
    source: str


def default_weights_path() -> Path:
    """``pretrained.pt`` inside the installed ``resemblyzer`` package (found without importing it:
    its ``__init__`` imports torch)."""
    import importlib.util

    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise VoiceModelError(
            "the speaker encoder needs the resemblyzer package's weights (pip install --no-deps resemblyzer==0.1.4)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    if not path.is_file():
        raise VoiceModelError(
            f"resemblyzer holds no pretrained.pt at {path} (pip install --force-reinstall --no-deps resemblyzer)"
        )
    return path


def _f32(a: Any) -> F32:
    if not isinstance(a, np.ndarray):
        raise VoiceModelError(f"expected a tensor, found {type(a).__name__}")
    return np.ascontiguousarray(a, dtype=np.float32)


def load_weights(path: Path | None = None) -> EncoderWeights:
    """Read the encoder's parameters from ``path`` (default: resemblyzer's ``pretrained.pt``)."""
    path = path or default_weights_path()
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise VoiceModelError(f"cannot read the speaker encoder's weights {path}: {exc}") from exc
    try:
        checkpoint = read_legacy_checkpoint(blob)
    except (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise VoiceModelError(f"{path} is not a speaker encoder checkpoint: {exc}") from exc
    state = checkpoint.get("model_state") if isinstance(checkpoint, dict) else None
    if not isinstance(state, Mapping):
        raise VoiceModelError(f"{path} holds no model_state")
    try:
        layers = []
        for n in range(N_LAYERS):
            layer = LstmLayer(
                *(_f32(state[f"lstm.{p}_l{n}"]) for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
            )
            size_in = N_MELS if n == 0 else HIDDEN
            shapes = (layer.w_ih.shape, layer.w_hh.shape, layer.b_ih.shape, layer.b_hh.shape)
            if shapes != ((4 * HIDDEN, size_in), (4 * HIDDEN, HIDDEN), (4 * HIDDEN,), (4 * HIDDEN,)):
                raise VoiceModelError(f"{path}: LSTM layer {n} has shapes {shapes}")
            layers.append(layer)
        linear_w, linear_b = _f32(state["linear.weight"]), _f32(state["linear.bias"])
    except KeyError as exc:
        raise VoiceModelError(f"{path} lacks the parameter {exc}") from exc
    if linear_w.shape != (EMBEDDING, HIDDEN) or linear_b.shape != (EMBEDDING,):
        raise VoiceModelError(f"{path}: linear layer has shape {linear_w.shape}")
    return EncoderWeights(
        layers=tuple(layers),
        linear_w=linear_w,
        linear_b=linear_b,
        source=str(path),
    )
