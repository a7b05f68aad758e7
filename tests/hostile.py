"""Builders of hostile files for the tests: zip archives written byte by byte (so a member
can declare gigabytes it inflates to from a few kilobytes), ``.npy`` headers that lie."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np

MiB = 2**20


def npy_header(shape, dtype="<f8") -> bytes:
    """A version 1.0 ``.npy`` header declaring ``shape`` of ``dtype``."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False,
                                               "shape": tuple(shape)})
    return buf.getvalue()


def npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(a), allow_pickle=False)
    return buf.getvalue()


def deflated_zeros(prefix: bytes, n_zeros: int) -> tuple[bytes, int, int]:
    """``(raw deflate stream, inflated size, CRC-32)`` of ``prefix`` then ``n_zeros`` zero
    bytes, built in milliseconds: after a full flush, each MiB of zeros deflates to the same
    bytes. The CRC is computed up to 64 MiB (a bigger bomb gets 0: it must be refused before
    anything is read)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [c.compress(prefix), c.flush(zlib.Z_FULL_FLUSH)]
    full, rest = divmod(n_zeros, MiB)
    if full:
        first = c.compress(b"\0" * MiB) + c.flush(zlib.Z_FULL_FLUSH)
        parts.append(first)
        if full > 1:
            again = c.compress(b"\0" * MiB) + c.flush(zlib.Z_FULL_FLUSH)
            parts.append(again * (full - 1))
    parts.append(c.compress(b"\0" * rest) + c.flush())
    crc = 0
    if n_zeros <= 64 * MiB:
        crc = zlib.crc32(prefix)
        for _ in range(full):
            crc = zlib.crc32(b"\0" * MiB, crc)
        crc = zlib.crc32(b"\0" * rest, crc)
    return b"".join(parts), len(prefix) + n_zeros, crc


def raw_zip(path, members: dict) -> None:
    """Write a zip whose members are ``name: bytes`` (stored) or ``name: (deflate stream,
    inflated size, CRC-32)`` (deflated)."""
    out = io.BytesIO()
    central = []
    for name, body in members.items():
        raw_name = name.encode()
        if isinstance(body, tuple):
            data, size, crc = body
            method = 8
        else:
            data, size, method, crc = body, len(body), 0, zlib.crc32(body)
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc,
                              len(data), size, len(raw_name), 0))
        out.write(raw_name)
        out.write(data)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21,
                                   crc, len(data), size, len(raw_name), 0, 0, 0, 0, 0, offset)
                       + raw_name)
    start = out.tell()
    for c in central:
        out.write(c)
    size = out.tell() - start
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), size,
                          start, 0))
    with open(path, "wb") as f:
        f.write(out.getvalue())
