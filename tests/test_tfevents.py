"""grader.tfevents: the test-side event-file reader of A03 (independent of the student's code)."""
from __future__ import annotations

import struct

import pytest

from grader.tfevents import (EventFileError, crc32c, decode_event, decode_graph_def, decode_summary, masked_crc32c,
                             read_event_file, read_records)


def _varint(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(num, wt, payload):
    return _varint(num << 3 | wt) + payload


def _record(data, crc=masked_crc32c):
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", crc(header)) + data + struct.pack("<I", crc(data))


def _summary(tag, value):
    inner = _field(1, 2, _varint(len(tag)) + tag.encode()) + _field(2, 5, struct.pack("<f", value))
    return _field(1, 2, _varint(len(inner)) + inner)


def test_crc32c_check_value():
    assert crc32c(b"123456789") == 0xE3069283          # the standard CRC-32C check value
    assert masked_crc32c(b"") == ((0 >> 15 | 0 << 17) + 0xA282EAD8) & 0xFFFFFFFF


def test_round_trip_event_file():
    version = _field(1, 1, struct.pack("<d", 1.5)) + _field(3, 2, _varint(13) + b"brain.Event:2")
    summ = _summary("loss", 0.25)
    scalar = _field(1, 1, struct.pack("<d", 2.5)) + _field(2, 0, _varint(7)) + _field(5, 2, _varint(len(summ)) + summ)
    node = _field(1, 2, _varint(1) + b"c") + _field(2, 2, _varint(3) + b"Add") + _field(3, 2, _varint(1) + b"a")
    graph = _field(4, 2, _varint(len(node) + 2) + _field(1, 2, _varint(len(node)) + node))
    events = read_event_file(_record(version) + _record(graph) + _record(scalar))
    assert events[0] == {"wall_time": 1.5, "file_version": "brain.Event:2"}
    assert decode_graph_def(events[1]["graph_def"]) == [{"name": "c", "op": "Add", "inputs": ["a"]}]
    assert events[2]["step"] == 7 and decode_summary(events[2]["summary"]) == [("loss", 0.25)]


def test_unmasked_crc_is_named():
    with pytest.raises(EventFileError, match="UNMASKED"):
        read_records(_record(b"abc", crc=crc32c))


def test_truncated_and_corrupted_records():
    good = _record(b"hello")
    with pytest.raises(EventFileError, match="length field says"):
        read_records(good[:-3])
    bad = bytearray(good)
    bad[13] ^= 0x10
    with pytest.raises(EventFileError, match="CRC of the data"):
        read_records(bytes(bad))


def test_wrong_wire_types_are_named():
    with pytest.raises(EventFileError, match=r"Event.step \(field 2\) is written with wire type 1"):
        decode_event(_field(2, 1, struct.pack("<d", 3.0)))
    double_value = _field(1, 2, _varint(1) + b"t") + _field(2, 1, struct.pack("<d", 1.0))
    with pytest.raises(EventFileError, match="simple_value"):
        decode_summary(_field(1, 2, _varint(len(double_value)) + double_value))
