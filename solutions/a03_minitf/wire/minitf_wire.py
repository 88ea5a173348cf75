"""Wire helpers for minitf's event files: protobuf fields and the CRC that TFRecord framing uses.

TensorBoard reads *event files*: a sequence of records, each one serialized ``Event`` protobuf
message. You do not need the protobuf library; a message is just its fields one after another,
each field = key (``field_number << 3 | wire_type``, as a varint) + value:

=========  =========  ======================================================
wire type  name       value
=========  =========  ======================================================
0          varint     unsigned LEB128: 7 bits a byte, high bit = "more bytes"
1          64-bit     8 bytes little-endian (a ``double``)
2          bytes      varint length, then the bytes (strings, nested messages)
5          32-bit     4 bytes little-endian (a ``float``)
=========  =========  ======================================================

A nested message is written as a bytes field whose bytes are the inner message. Repeated fields
are the same field written several times; concatenating two serialized messages merges them.

CRC32C (Castagnoli) protects every record; TFRecord stores it *masked* (``masked_crc32c``).
``crc32c(b"123456789") == 0xE3069283`` (the standard check value).
"""

import struct

_POLY = 0x82F63B78  # CRC-32C (Castagnoli), bit-reflected
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)
del _i, _c


def varint(n: int) -> bytes:
    """Unsigned LEB128 encoding of ``n`` (a negative int64 is written as its 64-bit two's complement)."""
    n = int(n)
    if n < 0:
        n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return varint((field << 3) | wire_type)


def f_varint(field: int, n: int) -> bytes:
    """An integer field (int32, int64, uint64, bool, enum): wire type 0."""
    return _key(field, 0) + varint(n)


def f_double(field: int, x: float) -> bytes:
    """A ``double`` field: wire type 1, 8 bytes little-endian."""
    return _key(field, 1) + struct.pack("<d", float(x))


def f_float(field: int, x: float) -> bytes:
    """A ``float`` (float32) field: wire type 5, 4 bytes little-endian."""
    return _key(field, 5) + struct.pack("<f", float(x))


def f_bytes(field: int, data) -> bytes:
    """A length-delimited field: ``bytes``, ``string`` (str is UTF-8 encoded) or a nested message."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = bytes(data)
    return _key(field, 2) + varint(len(data)) + data


def crc32c(data: bytes) -> int:
    """CRC-32C of ``data`` as an unsigned 32-bit int (pure Python: fine for small event files)."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for b in bytes(data):
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The CRC that TFRecord stores: rotate right by 15 bits, add 0xA282EAD8 (mod 2**32)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF
