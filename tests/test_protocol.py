"""The wire protocol: faithful round trips, and a decoder that refuses every malformed input."""
from __future__ import annotations

import io
import json
import math
import os
import struct
import time

import numpy as np
import pytest
import torch

from grader.errors import ProtocolError, SandboxCrash, SandboxTimeout
from grader.sandbox.protocol import Decoder, Encoder, Limits, Reader, load_npy, pack, parse_message, ref


def roundtrip(value, to_handle=None):
    enc = Encoder(to_handle=to_handle)
    node = enc.encode(value)
    header, payloads = parse_message(pack({"value": node}, enc.payloads))
    return Decoder(payloads, from_handle=lambda n: ("handle", n["id"])).decode(header["value"])


@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2**70, 1.5, "text 感知机", [], (), {}, [1, (2, 3.0), {"a": [None]}],
    {1: "int key", (1, 2): "tuple key", "s": 2.0},
])
def test_plain_values_round_trip_with_exact_types(value):
    got = roundtrip(value)
    assert got == value
    assert type(got) is type(value)


def test_non_finite_floats_round_trip():
    got = roundtrip([math.nan, math.inf, -math.inf])
    assert math.isnan(got[0]) and got[1] == math.inf and got[2] == -math.inf


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "uint8", "bool", "complex128"])
def test_arrays_round_trip_dtype_and_shape(dtype):
    a = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    got = roundtrip(a)
    assert type(got) is np.ndarray and got.dtype == a.dtype and got.shape == a.shape
    np.testing.assert_array_equal(got, a)
    assert got.flags.writeable


def test_zero_d_fortran_and_empty_arrays_keep_their_shape():
    for a in (np.array(3.5), np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.zeros((0, 4))):
        got = roundtrip(a)
        assert got.shape == a.shape
        np.testing.assert_array_equal(got, a)


def test_numpy_scalar_stays_a_numpy_scalar_not_an_array():
    got = roundtrip(np.float32(2.5))
    assert type(got) is np.float32 and got == np.float32(2.5)


def test_ndarray_subclass_is_stripped_to_exact_ndarray():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    a = np.arange(3.0).view(Liar)
    got = roundtrip(a)
    assert type(got) is np.ndarray
    assert not np.array_equal(got, np.zeros(3))


def test_subclasses_of_primitives_cross_as_their_base_type():
    class AlwaysEqual(float):
        def __eq__(self, other):
            return True

    got = roundtrip(AlwaysEqual(1.0))
    assert type(got) is float and got == 1.0 and got != 2.0


def test_unencodable_objects_become_handles_in_the_child_and_are_refused_in_the_grader():
    obj = object()
    got = roundtrip({"k": obj}, to_handle=lambda o: {"$": "handle", "id": 7, "type": "object", "repr": ""})
    assert got == {"k": ("handle", 7)}
    with pytest.raises(ProtocolError):
        Encoder().encode(obj)


def test_object_arrays_never_cross_as_arrays():
    enc = Encoder(to_handle=lambda o: {"$": "handle", "id": 1, "type": "ndarray", "repr": ""})
    assert enc.encode(np.array([{}, 1], dtype=object))["$"] == "handle"


def test_refs_encode_handles_sent_back():
    assert Encoder().encode(ref(5)) == {"$": "ref", "id": 5}


def test_torch_tensors_round_trip_with_dtype_device_and_requires_grad():
    t = torch.arange(6, dtype=torch.float64).reshape(2, 3).requires_grad_(True)
    got = roundtrip(t)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64 and got.device.type == "cpu"
    assert got.requires_grad and torch.equal(got.detach(), t.detach())
    b = roundtrip(torch.ones(2, dtype=torch.bfloat16))
    assert b.dtype == torch.bfloat16
    m = roundtrip(torch.empty(3, 4, device="meta"))
    assert m.device.type == "meta" and tuple(m.shape) == (3, 4)


# -- malformed input ------------------------------------------------------------------------
def npy(a, **kw):
    buf = io.BytesIO()
    np.save(buf, a, **kw)
    return buf.getvalue()


def message(header_bytes: bytes, payloads=()):
    return struct.pack(">I", len(header_bytes)) + header_bytes + b"".join(payloads)


def test_huge_header_is_refused_before_reading_it():
    data = struct.pack(">I", 2**31) + b"{}"
    with pytest.raises(ProtocolError, match="cap"):
        parse_message(data)


def test_invalid_utf8_header_is_refused():
    with pytest.raises(ProtocolError, match="UTF-8"):
        parse_message(message(b'{"x": "\xff\xfe"}'))


def test_non_json_and_non_object_headers_are_refused():
    with pytest.raises(ProtocolError):
        parse_message(message(b"not json"))
    with pytest.raises(ProtocolError):
        parse_message(message(b"[1, 2]"))
    with pytest.raises(ProtocolError, match="constant"):
        parse_message(message(b'{"v": NaN}'))


def test_object_dtype_npy_is_refused():
    data = npy(np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ProtocolError, match="not numeric|pickle|header"):
        load_npy(data)


def test_truncated_npy_is_refused():
    data = npy(np.arange(100.0))
    with pytest.raises(ProtocolError, match="truncated"):
        load_npy(data[:-8])


def test_npy_with_extra_bytes_is_refused():
    with pytest.raises(ProtocolError):
        load_npy(npy(np.arange(3.0)) + b"\0" * 8)


def test_structured_and_string_dtypes_are_refused():
    for a in (np.zeros(2, dtype=[("a", "f8")]), np.array(["x", "y"])):
        with pytest.raises(ProtocolError):
            load_npy(npy(a))


def test_npy_header_bomb_is_refused():
    data = npy(np.arange(3.0))
    forged = data[:8] + struct.pack("<H", 60000) + b" " * 60000
    with pytest.raises(ProtocolError):
        load_npy(forged)


def test_payload_cap_is_enforced():
    header = json.dumps({"sizes": [600 * 2**20]}).encode()
    with pytest.raises(ProtocolError, match="exceed"):
        parse_message(message(header), limits=Limits())
    header = json.dumps({"sizes": [1] * 20000}).encode()
    with pytest.raises(ProtocolError, match="too many"):
        parse_message(message(header, [b"x"] * 20000))


def test_truncated_message_and_trailing_bytes_are_refused():
    good = pack({"value": {"$": "nd", "p": 0}}, [npy(np.arange(3.0))])
    with pytest.raises(ProtocolError):
        parse_message(good[:-1])
    with pytest.raises(ProtocolError):
        parse_message(good + b"x")


@pytest.mark.parametrize("node", [
    {"$": "nd", "p": 3}, {"$": "nd"}, {"$": "martian"}, [1, 2], {"$": "float", "v": "1e999"},
    {"$": "dict", "items": [[{"$": "list", "v": []}, 1]]}, {"$": "tensor", "p": 0, "dtype": "os.system", "device": "cpu"},
])
def test_malformed_value_nodes_are_refused(node):
    with pytest.raises(ProtocolError):
        Decoder([npy(np.arange(2.0))]).decode(node)


def test_a_payload_cannot_be_used_twice():
    dec = Decoder([npy(np.arange(2.0))])
    with pytest.raises(ProtocolError):
        dec.decode({"$": "list", "v": [{"$": "nd", "p": 0}, {"$": "nd", "p": 0}]})


def test_handles_are_refused_where_they_cannot_come_from():
    with pytest.raises(ProtocolError):
        Decoder([]).decode({"$": "handle", "id": 1})
    with pytest.raises(ProtocolError):
        Decoder([]).decode({"$": "ref", "id": 1})


def test_deeply_nested_values_are_refused():
    node = None
    for _ in range(200):
        node = {"$": "list", "v": [node]}
    with pytest.raises(ProtocolError, match="deep"):
        Decoder([]).decode(node)


def test_reader_deadline_and_end_of_file():
    r, w = os.pipe()
    try:
        t0 = time.monotonic()
        with pytest.raises(SandboxTimeout):
            Reader(r).read(deadline=time.monotonic() + 0.2)
        assert time.monotonic() - t0 < 2
        os.write(w, b"\x00\x00")  # half a length prefix, then the writer dies
        os.close(w)
        w = None
        with pytest.raises(SandboxCrash):
            Reader(r).read(deadline=time.monotonic() + 2)
    finally:
        os.close(r)
        if w is not None:
            os.close(w)


NPY_CASES = [np.zeros((3, 4)), np.arange(5), np.array(3.5), np.ones((1, 1), bool), np.zeros((0, 3)),
             np.zeros((2, 3, 4), complex), np.zeros(3, ">f8"), np.zeros((5,), np.uint8), np.zeros((3, 1), np.float16),
             np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.arange(12.0)[::2],
             np.arange(24.0).reshape(2, 3, 4).transpose(2, 0, 1)]


@pytest.mark.parametrize("arr", NPY_CASES, ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_fast_npy_writer_is_byte_identical_to_np_save(arr):
    from grader.sandbox.protocol import _npy_bytes

    assert _npy_bytes(arr) == npy(arr)
    back = load_npy(_npy_bytes(arr))
    assert back.dtype == arr.dtype and back.shape == arr.shape and np.array_equal(back, arr)


def test_fast_npy_header_parser_agrees_with_numpy_and_stays_strict():
    from grader.sandbox.protocol import _fast_npy_header

    for arr in NPY_CASES:
        shape, fortran, dtype, _ = _fast_npy_header(npy(arr))
        f = io.BytesIO(npy(arr))
        np.lib.format.read_magic(f)
        assert (shape, fortran, dtype) == np.lib.format.read_array_header_1_0(f)
    good = npy(np.arange(4.0))
    # a header the fast parser does not recognise goes to numpy's parser, which refuses it
    for forged in (good.replace(b"'<f8'", b"'|O8'"), good.replace(b"(4,)", b"(-4,)"),
                   good.replace(b"'shape'", b"'shap\\'"), good.replace(b"False", b"None ")):
        assert _fast_npy_header(forged) is None
        with pytest.raises(ProtocolError):
            load_npy(forged)
    # a recognised header whose promise the body does not keep
    with pytest.raises(ProtocolError, match="truncated"):
        load_npy(good.replace(b"(4,)", b"(5,)"))
