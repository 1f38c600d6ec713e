"""Just enough of ONNX's protobuf to write a model for onnxruntime without the ``onnx`` package.

Field numbers from ``onnx.proto`` (IR version 8): ModelProto (ir_version 1, graph 7,
opset_import 8), GraphProto (node 1, name 2, initializer 5, input 11, output 12), NodeProto
(input 1, output 2, name 3, op_type 4, attribute 5), AttributeProto (name 1, i 3, type 20),
TensorProto (dims 1, data_type 2, name 8, raw_data 9), ValueInfoProto (name 1, type 2),
TypeProto (tensor_type 1: elem_type 1, shape 2), TensorShapeProto (dim 1: dim_value 1,
dim_param 2), OperatorSetIdProto (domain 1, version 2).
"""

from __future__ import annotations

import numpy as np

IR_VERSION = 8
FLOAT = 1
INT64 = 7
_ATTR_INT = 2
_DTYPES = {np.dtype(np.float32): FLOAT, np.dtype(np.int64): INT64}


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64 as two's complement
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _int(field: int, n: int) -> bytes:
    return _varint(field << 3) + _varint(n)


def _bytes(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _str(field: int, text: str) -> bytes:
    return _bytes(field, text.encode())


def tensor(name: str, array: np.ndarray) -> bytes:
    a = np.ascontiguousarray(array)
    if a.dtype not in _DTYPES:
        raise ValueError(f"no ONNX type for {a.dtype}")
    dims = b"".join(_int(1, d) for d in a.shape)
    return dims + _int(2, _DTYPES[a.dtype]) + _str(8, name) + _bytes(9, a.astype(a.dtype.newbyteorder("<")).tobytes())


def node(op_type: str, inputs: list[str], outputs: list[str], name: str, **ints: int) -> bytes:
    body = b"".join(_str(1, i) for i in inputs) + b"".join(_str(2, o) for o in outputs)
    body += _str(3, name) + _str(4, op_type)
    for key, value in ints.items():
        body += _bytes(5, _str(1, key) + _int(3, value) + _int(20, _ATTR_INT))
    return body


def value_info(name: str, dims: list[int | str]) -> bytes:
    shape = b"".join(_bytes(1, _int(1, d) if isinstance(d, int) else _str(2, d)) for d in dims)
    tensor_type = _int(1, FLOAT) + _bytes(2, shape)
    return _str(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(
    nodes: list[bytes],
    initializers: list[bytes],
    inputs: list[bytes],
    outputs: list[bytes],
    *,
    name: str,
    opset: int = 17,
) -> bytes:
    graph = b"".join(_bytes(1, n) for n in nodes) + _str(2, name)
    graph += b"".join(_bytes(5, t) for t in initializers)
    graph += b"".join(_bytes(11, i) for i in inputs) + b"".join(_bytes(12, o) for o in outputs)
    return _int(1, IR_VERSION) + _bytes(7, graph) + _bytes(8, _str(1, "") + _int(2, opset))
