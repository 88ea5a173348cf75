"""The wire protocol between the grading process and the sandbox child.

A message is::

    u32 big-endian header length | header (UTF-8 JSON) | payload 0 | payload 1 | ...

where ``header["sizes"]`` lists the byte length of each payload. Payloads are ``.npy`` files
(read with ``allow_pickle=False``) or raw bytes. Values inside the header are JSON trees in
which every non-primitive node is an object tagged with ``"$"``:

=============  =====================================================================
tag            meaning
=============  =====================================================================
list, tuple    ``{"$": "list", "v": [...]}``
dict           ``{"$": "dict", "items": [[key, value], ...]}`` (keys: primitives/tuples)
float          ``{"$": "float", "v": "nan" | "inf" | "-inf"}`` (non-finite floats only)
nd             numpy array, ``{"$": "nd", "p": payload index}``
npscalar       numpy scalar, ``{"$": "npscalar", "p": payload index}`` (a 0-d .npy)
tensor         torch tensor, ``{"$": "tensor", "p": i, "dtype": "float64", "device": "cpu",
               "requires_grad": false}``; meta tensors carry ``"shape"`` and no payload
bytes          ``{"$": "bytes", "p": i}``
handle         an object that stays in the child: ``{"$": "handle", "id": n, "type": ..., "repr": ...}``
ref            a handle sent back to the child: ``{"$": "ref", "id": n}``
=============  =====================================================================

The decoder is the trust boundary: it enforces size caps, exact types, numeric dtypes only,
and never unpickles anything.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import io
import json
import math
import os
import re
import select
import struct
import time
from dataclasses import dataclass, field

import numpy as np

from grader.errors import ProtocolError, SandboxCrash, SandboxTimeout

MAX_HEADER_BYTES = 8 * 1024 * 1024
MAX_PAYLOADS = 10_000
MAX_TOTAL_PAYLOAD_BYTES = 512 * 1024 * 1024
MAX_DEPTH = 64
NUMERIC_KINDS = "biufc"  # bool, signed int, unsigned int, float, complex
_NPY_MAX_HEADER = 10_000


@dataclass
class Limits:
    header_bytes: int = MAX_HEADER_BYTES
    payloads: int = MAX_PAYLOADS
    total_payload_bytes: int = MAX_TOTAL_PAYLOAD_BYTES


# ----------------------------------------------------------------------------------------------
# Encoding
# ----------------------------------------------------------------------------------------------
@dataclass
class Encoder:
    """Turns Python values into a JSON tree plus binary payloads.

    ``to_handle(obj) -> dict | None`` is called for values that cannot cross; in the child it
    stores the object and returns a handle node, in the grading process it is ``None`` (the
    grading process only ever sends plain values and refs).
    """

    to_handle: Callable[[Any], dict] | None = None
    payloads: list = field(default_factory=list)

    def _payload(self, data: bytes) -> int:
        self.payloads.append(data)
        return len(self.payloads) - 1

    def encode(self, value, depth: int = 0):
        if depth > MAX_DEPTH:
            raise ProtocolError("value nested too deeply")
        t = type(value)
        if value is None or t is bool or t is str:
            return value
        if t is int:
            return value
        if t is float:
            if math.isfinite(value):
                return value
            return {"$": "float", "v": repr(value)}
        if t is list or t is tuple:
            return {"$": t.__name__, "v": [self.encode(v, depth + 1) for v in value]}
        if t is dict:
            items = []
            for k, v in value.items():
                if not _is_key(k):
                    return self._opaque(value)
                items.append([self.encode(k, depth + 1), self.encode(v, depth + 1)])
            return {"$": "dict", "items": items}
        if t is bytes:
            return {"$": "bytes", "p": self._payload(value)}
        if isinstance(value, np.ndarray):
            arr = np.asarray(value)  # strips subclasses
            if arr.dtype.kind not in NUMERIC_KINDS or arr.dtype.hasobject:
                return self._opaque(value)
            return {"$": "nd", "p": self._payload(_npy_bytes(arr))}
        if isinstance(value, np.generic):
            arr = np.asarray(value)
            if arr.dtype.kind not in NUMERIC_KINDS:
                return self._opaque(value)
            return {"$": "npscalar", "p": self._payload(_npy_bytes(arr))}
        tensor = _tensor_node(self, value)
        if tensor is not None:
            return tensor
        if t is _Ref:
            return {"$": "ref", "id": value.id}
        # Subclasses of primitives (IntEnum, str subclasses, OrderedDict, namedtuple ...) cross
        # as their base type: what crosses is the value, never the behaviour.
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int.__int__(value)
        if isinstance(value, float):
            return self.encode(float.__float__(value), depth)
        if isinstance(value, str):
            return str.__str__(value)
        if isinstance(value, dict):
            return self.encode(dict(value), depth)
        if isinstance(value, (list, tuple)):
            return self.encode(list(value) if isinstance(value, list) else tuple(value), depth)
        return self._opaque(value)

    def _opaque(self, value):
        if self.to_handle is None:
            raise ProtocolError(f"cannot send a {type(value).__name__} across the sandbox boundary")
        return self.to_handle(value)


class _Ref:
    """Marks a handle id that the grading process sends back to the child."""

    __slots__ = ("id",)

    def __init__(self, handle_id: int):
        self.id = handle_id


def ref(handle_id: int) -> _Ref:
    return _Ref(handle_id)


def _is_key(k) -> bool:
    return type(k) in (str, int, float, bool, type(None)) or (type(k) is tuple and all(_is_key(x) for x in k))


def _npy_bytes(arr: np.ndarray) -> bytes:
    """``.npy`` version 1.0 bytes of a numeric array, as ``np.save`` writes them (which took
    70 us an array, mostly building the header; this takes 5)."""
    descr = arr.dtype.str
    if not _FAST_DESCR.fullmatch(descr):
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=False)  # (np.ascontiguousarray would turn 0-d into (1,))
        return buf.getvalue()
    fortran = arr.ndim > 1 and arr.flags.f_contiguous and not arr.flags.c_contiguous
    shape = "(" + "".join(f"{d}, " for d in arr.shape)[:-2] + ("," if arr.ndim == 1 else "") + ")"
    header = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"  # pad the preamble to 64 bytes, as numpy does
    body = arr.tobytes(order="F" if fortran else "C")
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1") + body


_FAST_DESCR = re.compile(r"[<>|][biufc][0-9]{1,2}")


def _tensor_node(enc: Encoder, value):
    import sys

    torch = sys.modules.get("torch")  # never import torch just to check a type
    if torch is None or not isinstance(value, torch.Tensor):
        return None
    t = value.detach()
    dtype = str(t.dtype).replace("torch.", "")
    node = {"$": "tensor", "dtype": dtype, "device": str(t.device), "requires_grad": bool(value.requires_grad)}
    if t.device.type == "meta":
        node["shape"] = list(t.shape)
        return node
    t = t.cpu().resolve_conj().resolve_neg()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16; the node's dtype restores it
        t = t.to(torch.float32)
    if t.is_sparse or t.layout != torch.strided:
        return enc._opaque(value)
    try:
        arr = t.numpy()
    except (TypeError, RuntimeError):
        return enc._opaque(value)
    node["p"] = enc._payload(_npy_bytes(arr))
    return node


# ----------------------------------------------------------------------------------------------
# Decoding (the trust boundary)
# ----------------------------------------------------------------------------------------------
@dataclass
class Decoder:
    payloads: list
    from_handle: Callable[[dict], Any] | None = None  # grading side makes Handle proxies
    from_ref: Callable[[Any], Any] | None = None  # child side resolves refs
    used: set = field(default_factory=set)

    def decode(self, node, depth: int = 0):
        if depth > MAX_DEPTH:
            raise ProtocolError("value nested too deeply")
        t = type(node)
        if node is None or t in (bool, int, str):
            return node
        if t is float:
            return node
        if t is list:
            raise ProtocolError("untagged JSON array in a value")
        if t is not dict:
            raise ProtocolError(f"unexpected JSON node {t.__name__}")
        tag = node.get("$")
        if tag == "list":
            return [self.decode(v, depth + 1) for v in _expect_list(node, "v")]
        if tag == "tuple":
            return tuple(self.decode(v, depth + 1) for v in _expect_list(node, "v"))
        if tag == "dict":
            out = {}
            for pair in _expect_list(node, "items"):
                if type(pair) is not list or len(pair) != 2:
                    raise ProtocolError("malformed dict item")
                key = self.decode(pair[0], depth + 1)
                if not _is_key(key):
                    raise ProtocolError("unhashable dict key")
                out[key] = self.decode(pair[1], depth + 1)
            return out
        if tag == "float":
            v = node.get("v")
            if v not in ("nan", "inf", "-inf"):
                raise ProtocolError("malformed non-finite float")
            return float(v)
        if tag == "bytes":
            return bytes(self._take(node))
        if tag == "nd":
            return load_npy(self._take(node))
        if tag == "npscalar":
            arr = load_npy(self._take(node))
            if arr.ndim != 0:
                raise ProtocolError("numpy scalar payload is not 0-d")
            return arr[()]
        if tag == "tensor":
            return self._tensor(node)
        if tag == "handle":
            if self.from_handle is None:
                raise ProtocolError("handles may not be sent to the child")
            if type(node.get("id")) is not int:
                raise ProtocolError("malformed handle")
            return self.from_handle(node)
        if tag == "ref":
            if self.from_ref is None:
                raise ProtocolError("refs may only be sent to the child")
            return self.from_ref(node.get("id"))
        raise ProtocolError(f"unknown value tag {tag!r}")

    def _take(self, node) -> bytes:
        i = node.get("p")
        if type(i) is not int or not 0 <= i < len(self.payloads) or i in self.used:
            raise ProtocolError("bad payload index")
        self.used.add(i)
        return self.payloads[i]

    def _tensor(self, node):
        import torch

        dtype_name = node.get("dtype")
        dtype = getattr(torch, dtype_name, None) if isinstance(dtype_name, str) else None
        if not isinstance(dtype, torch.dtype):
            raise ProtocolError(f"unknown tensor dtype {dtype_name!r}")
        device = node.get("device")
        if not isinstance(device, str) or len(device) > 32:
            raise ProtocolError("malformed tensor device")
        if "p" not in node:
            shape = node.get("shape")
            if device != "meta" or type(shape) is not list or not all(type(s) is int and s >= 0 for s in shape):
                raise ProtocolError("tensor without payload must be a meta tensor with a shape")
            t = torch.empty(shape, dtype=dtype, device="meta")
        else:
            arr = load_npy(self._take(node))
            t = torch.from_numpy(arr.copy()).to(dtype)
            if device != "cpu":
                try:
                    t = t.to(device)
                except (RuntimeError, AssertionError) as exc:
                    raise ProtocolError(f"tensor on unavailable device {device!r}: {exc}") from None
        if node.get("requires_grad") is True and (t.is_floating_point() or t.is_complex()):
            t.requires_grad_(True)
        return t


def _expect_list(node, key):
    v = node.get(key)
    if type(v) is not list:
        raise ProtocolError(f"expected a list under {key!r}")
    return v


# The header numpy writes for a plain numeric array, e.g.
# b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }   ...\n".
# Parsing it with a regular expression is 20x faster than numpy's ast.literal_eval, which
# mattered: a submission's grading exchanges hundreds of arrays. Anything else takes
# numpy's own (slow, equally strict) path.
_FAST_NPY_HEADER = re.compile(
    rb"\{'descr': '([<>|][biufc][0-9]{1,2})', 'fortran_order': (True|False), "
    rb"'shape': \(((?:[0-9]{1,12}, )*[0-9]{1,12},?|)\), \} *\n")


def _fast_npy_header(data: bytes):
    if len(data) < 10 or data[:8] != b"\x93NUMPY\x01\x00":
        return None
    hlen = int.from_bytes(data[8:10], "little")
    m = _FAST_NPY_HEADER.fullmatch(data, 10, 10 + hlen)
    if m is None:
        return None
    dims = m.group(3).rstrip(b",")
    shape = tuple(int(d) for d in dims.split(b", ")) if dims else ()
    return shape, m.group(2) == b"True", np.dtype(m.group(1).decode()), 10 + hlen


def load_npy(data: bytes) -> np.ndarray:
    """Parses one ``.npy`` payload strictly: no pickles, numeric dtypes, exact size."""
    fast = _fast_npy_header(data)
    if fast is not None:
        shape, fortran, dtype, offset = fast
        return _npy_body(data, offset, shape, fortran, dtype)
    f = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f, max_header_size=_NPY_MAX_HEADER)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f, max_header_size=_NPY_MAX_HEADER)
        else:
            raise ProtocolError(f"unsupported .npy version {version}")
    except ProtocolError:
        raise
    except Exception as exc:  # noqa: BLE001 - numpy raises ValueError/SyntaxError/... on a broken header
        raise ProtocolError(f"malformed .npy header: {exc}") from None
    return _npy_body(data, f.tell(), shape, fortran, dtype)


def _npy_body(data: bytes, offset: int, shape: tuple, fortran: bool, dtype: np.dtype) -> np.ndarray:
    if dtype.hasobject or dtype.kind not in NUMERIC_KINDS or dtype.fields is not None:
        raise ProtocolError(f"array dtype {dtype} is not numeric")
    count = 1
    for s in shape:
        if type(s) is not int or s < 0:
            raise ProtocolError("malformed array shape")
        count *= s
    expected = count * dtype.itemsize
    body = data[offset:]
    if len(body) != expected:
        raise ProtocolError(f"array payload has {len(body)} bytes, its header promises {expected} (truncated?)")
    arr = np.frombuffer(body, dtype=dtype, count=count).reshape(shape, order="F" if fortran else "C")
    return np.array(arr, copy=True, order="C")  # own, writeable, exact ndarray


# ----------------------------------------------------------------------------------------------
# Framing
# ----------------------------------------------------------------------------------------------
def pack(header: dict, payloads: list) -> bytes:
    header = dict(header)
    header["sizes"] = [len(p) for p in payloads]
    raw = json.dumps(header, allow_nan=False, separators=(",", ":")).encode("utf-8")
    return b"".join([struct.pack(">I", len(raw)), raw, *payloads])


def write_message(fd: int, header: dict, payloads: list) -> None:
    data = memoryview(pack(header, payloads))
    while data:
        n = os.write(fd, data)
        data = data[n:]


class Reader:
    """Reads whole messages from a pipe fd with a deadline; enforces the size caps."""

    def __init__(self, fd: int, limits: Limits | None = None):
        self.fd = fd
        self.limits = limits or Limits()

    def _read_exact(self, n: int, deadline: float | None) -> bytes:
        chunks, got = [], 0
        while got < n:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SandboxTimeout("deadline passed while waiting for the submission's reply")
                ready, _, _ = select.select([self.fd], [], [], remaining)
                if not ready:
                    raise SandboxTimeout("deadline passed while waiting for the submission's reply")
            chunk = os.read(self.fd, min(n - got, 1 << 20))
            if not chunk:
                raise SandboxCrash("the submission's process ended unexpectedly")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def read(self, deadline: float | None = None) -> tuple[dict, list]:
        (hlen,) = struct.unpack(">I", self._read_exact(4, deadline))
        return parse_after_length(hlen, lambda n: self._read_exact(n, deadline), self.limits)


def parse_after_length(hlen: int, read, limits: Limits) -> tuple[dict, list]:
    if hlen > limits.header_bytes:
        raise ProtocolError(f"message header of {hlen} bytes exceeds the {limits.header_bytes}-byte cap")
    raw = read(hlen)
    try:
        header = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ProtocolError("message header is not valid UTF-8") from None
    except ValueError as exc:
        raise ProtocolError(f"message header is not valid JSON: {exc}") from None
    if type(header) is not dict:
        raise ProtocolError("message header is not a JSON object")
    sizes = header.get("sizes", [])
    if type(sizes) is not list or len(sizes) > limits.payloads:
        raise ProtocolError("too many payloads")
    if not all(type(s) is int and s >= 0 for s in sizes):
        raise ProtocolError("malformed payload sizes")
    if sum(sizes) > limits.total_payload_bytes:
        raise ProtocolError(f"payloads of {sum(sizes)} bytes exceed the {limits.total_payload_bytes}-byte cap")
    payloads = [read(s) for s in sizes]
    return header, payloads


def parse_message(data: bytes, limits: Limits | None = None) -> tuple[dict, list]:
    """Parses one whole message held in memory (used by tests and the in-process mode)."""
    limits = limits or Limits()
    pos = 0

    def read(n):
        nonlocal pos
        if pos + n > len(data):
            raise ProtocolError("message truncated")
        chunk = data[pos:pos + n]
        pos += n
        return chunk

    (hlen,) = struct.unpack(">I", read(4))
    header, payloads = parse_after_length(hlen, read, limits)
    if pos != len(data):
        raise ProtocolError("trailing bytes after message")
    return header, payloads


def _reject_constant(name):
    raise ProtocolError(f"JSON constant {name} is not allowed")
