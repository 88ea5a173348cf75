"""A strict reader of TensorFlow event files, for tests (A03); independent of the student's code.

An event file is a sequence of TFRecords (u64 length, masked CRC32C of the length, data, masked
CRC32C of the data; all little-endian), each holding one serialized ``Event`` protobuf. This
module verifies both CRCs of every record and decodes the few protobuf messages TensorBoard needs
for scalars and graphs; every deviation raises :class:`EventFileError` with a message that says
what is wrong, for the student's feedback. It never executes or unpickles anything.

    Event    wall_time=1 double, step=2 int64, file_version=3 string, graph_def=4 bytes,
             summary=5 Summary
    Summary  value=1 repeated Value{tag=1 string, simple_value=2 float}
    GraphDef node=1 repeated NodeDef{name=1 string, op=2 string, input=3 repeated string}
"""
from __future__ import annotations

import struct
from typing import Any

MAX_RECORDS = 100_000
_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_WIRE_NAMES = {0: "varint", 1: "64-bit (double)", 2: "length-delimited", 5: "32-bit (float)"}

# CRC-32C (Castagnoli), bit-reflected polynomial, table-driven.
_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _TABLE.append(_c)
del _n, _c


class EventFileError(ValueError):
    """The bytes are not a valid event file (framing, CRC or protobuf)."""


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _crc_problem(what: str, index: int, stored: int, data: bytes) -> str:
    masked = masked_crc32c(data)
    msg = (f"record {index}: the CRC of the {what} is wrong (stored 0x{stored:08x}, the masked CRC32C of "
           f"the {what} is 0x{masked:08x})")
    if stored == crc32c(data):
        msg += "; the stored value is the UNMASKED crc32c: TFRecord stores masked_crc32c"
    elif stored == int.from_bytes(struct.pack(">I", masked), "little"):
        msg += "; it is the right value in big-endian byte order: TFRecord is little-endian"
    return msg


def read_records(data: bytes, max_records: int = MAX_RECORDS) -> list[bytes]:
    """The data of every TFRecord in ``data``, both CRCs verified."""
    data = bytes(data)
    out: list[bytes] = []
    pos = 0
    while pos < len(data):
        i = len(out)
        if len(out) >= max_records:
            raise EventFileError(f"more than {max_records} records")
        if pos + 12 > len(data):
            raise EventFileError(f"record {i}: truncated header ({len(data) - pos} bytes left, a header has 12)")
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (hcrc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        if hcrc != masked_crc32c(header):
            raise EventFileError(_crc_problem("length", i, hcrc, header))
        if pos + 12 + length + 4 > len(data):
            raise EventFileError(f"record {i}: its length field says {length} bytes but only "
                                 f"{max(0, len(data) - pos - 16)} follow")
        body = data[pos + 12:pos + 12 + length]
        (dcrc,) = struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])
        if dcrc != masked_crc32c(body):
            raise EventFileError(_crc_problem("data", i, dcrc, body))
        out.append(body)
        pos += 16 + length
    return out


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        if pos >= len(buf):
            raise EventFileError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise EventFileError("varint longer than 10 bytes")


def parse_fields(buf: bytes) -> list[tuple[int, int, Any]]:
    """[(field number, wire type, value)] of one protobuf message: int for varints, bytes for
    length-delimited fields, float for 64-bit (as double) and 32-bit (as float) fields."""
    # a field's value is an int (varint), a float (32/64-bit) or bytes (length-delimited)
    out: list[tuple[int, int, Any]] = []
    pos = 0
    value: Any
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wt = key >> 3, key & 7
        if field == 0:
            raise EventFileError("field number 0 is invalid")
        if wt == _VARINT:
            value, pos = _varint(buf, pos)
        elif wt == _I64:
            if pos + 8 > len(buf):
                raise EventFileError(f"field {field}: truncated 64-bit value")
            (value,) = struct.unpack("<d", buf[pos:pos + 8])
            pos += 8
        elif wt == _LEN:
            n, pos = _varint(buf, pos)
            if pos + n > len(buf):
                raise EventFileError(f"field {field}: length {n} runs past the end of the message")
            value = bytes(buf[pos:pos + n])
            pos += n
        elif wt == _I32:
            if pos + 4 > len(buf):
                raise EventFileError(f"field {field}: truncated 32-bit value")
            (value,) = struct.unpack("<f", buf[pos:pos + 4])
            pos += 4
        else:
            raise EventFileError(f"field {field}: unsupported wire type {wt}")
        out.append((field, wt, value))
    return out


def _expect(message: str, field: int, name: str, wt: int, expected: int, ptype: str) -> None:
    if wt != expected:
        raise EventFileError(f"{message}.{name} (field {field}) is written with wire type {wt} "
                             f"({_WIRE_NAMES.get(wt, '?')}); a protobuf {ptype} uses wire type {expected} "
                             f"({_WIRE_NAMES[expected]})")


def _text(b: bytes, what: str) -> str:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        raise EventFileError(f"{what} is not UTF-8") from None


_EVENT_FIELDS = {1: ("wall_time", _I64, "double"), 2: ("step", _VARINT, "int64"),
                 3: ("file_version", _LEN, "string"), 4: ("graph_def", _LEN, "bytes"),
                 5: ("summary", _LEN, "Summary message")}


def decode_event(buf: bytes) -> dict:
    """{"wall_time", "step", "file_version", "graph_def", "summary"}: the fields present."""
    ev = {}
    for field, wt, value in parse_fields(buf):
        if field not in _EVENT_FIELDS:
            continue  # fields TensorBoard may know and we do not need
        name, expected, ptype = _EVENT_FIELDS[field]
        _expect("Event", field, name, wt, expected, ptype)
        if name == "step" and value >= 1 << 63:
            value -= 1 << 64
        if name == "file_version":
            value = _text(value, "Event.file_version")
        ev[name] = value
    return ev


def decode_summary(buf: bytes) -> list[tuple[str, float]]:
    """[(tag, simple_value)] of a serialized Summary (Values without simple_value are skipped)."""
    out: list[tuple[str, float]] = []
    for field, wt, value in parse_fields(buf):
        if field != 1:
            continue
        _expect("Summary", 1, "value", wt, _LEN, "Value message")
        tag, simple = None, None
        for f2, wt2, v2 in parse_fields(value):
            if f2 == 1:
                _expect("Summary.Value", 1, "tag", wt2, _LEN, "string")
                tag = _text(v2, "Summary.Value.tag")
            elif f2 == 2:
                _expect("Summary.Value", 2, "simple_value", wt2, _I32, "float")
                simple = v2
        if tag is None:
            raise EventFileError("a Summary.Value has no tag")
        if simple is not None:
            out.append((tag, simple))
    return out


def decode_graph_def(buf: bytes) -> list[dict]:
    """[{"name", "op", "inputs"}] of a serialized GraphDef, in order."""
    nodes = []
    for field, wt, value in parse_fields(buf):
        if field != 1:
            continue
        _expect("GraphDef", 1, "node", wt, _LEN, "NodeDef message")
        node: dict[str, Any] = {"name": None, "op": None, "inputs": []}
        for f2, wt2, v2 in parse_fields(value):
            if f2 in (1, 2, 3):
                key = {1: "name", 2: "op", 3: "input"}[f2]
                _expect("NodeDef", f2, key, wt2, _LEN, "string")
                text = _text(v2, f"NodeDef.{key}")
                if f2 == 3:
                    node["inputs"].append(text)
                else:
                    node[key] = text
        if not node["name"] or not node["op"]:
            raise EventFileError(f"a NodeDef without a name or op: {node}")
        nodes.append(node)
    return nodes


def read_event_file(data: bytes, max_records: int = MAX_RECORDS) -> list[dict]:
    """Every event of an event file, decoded (see ``decode_event``)."""
    return [decode_event(r) for r in read_records(data, max_records)]
