"""A real .xlsx zip bomb, built in a moment: a workbook whose sheet unpacks to a gigabyte from about a megabyte.

zlib takes seconds to deflate a gigabyte, so the sheet's deflate stream is made of one compressed block of rows
repeated: after a full flush a deflate stream starts afresh, so the same rows compress to the same bytes every
time. The zip itself is written by hand (PKWARE's APPNOTE: local headers, central directory, end record) with a
true CRC, so zipfile and openpyxl open it as they would any workbook — and would unpack all of it.
"""

import io
import struct
import zipfile
import zlib

import openpyxl

GIB = 1024**3
_ROWS = b"<row/>" * (1 << 20)  # 6 MB of empty rows: each one is a row a reader has to walk through


def _workbook(header: list[str]) -> dict[str, bytes]:
    workbook = openpyxl.Workbook()
    workbook.active.append(header)
    out = io.BytesIO()
    workbook.save(out)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(members: list[tuple[str, int, int, bytes, int]]) -> bytes:
    """(name, method, crc, packed data, unpacked size) → the bytes of a zip archive."""
    out, directory = io.BytesIO(), io.BytesIO()
    for name, method, crc, data, size in members:
        offset = out.tell()
        encoded = name.encode()
        # signature, version needed, flags, method, time, date (1980-01-01), CRC, packed, unpacked, name, extra
        fields = (20, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0)
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + encoded + data)
        # the same, after "version made by", then comment, disk, attributes and where the local header is
        central = struct.pack("<IH", 0x02014B50, 20) + struct.pack("<HHHHHIIIHH", *fields)
        directory.write(central + struct.pack("<HHHII", 0, 0, 0, 0, offset) + encoded)
    start, listing = out.tell(), directory.getvalue()
    out.write(listing)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(listing), start, 0))
    return out.getvalue()


def xlsx_bomb(header: list[str], unpacked: int = GIB) -> bytes:
    """A workbook whose first sheet holds `header` in row 1, then empty rows until it unpacks to `unpacked` bytes."""
    parts = _workbook(header)
    sheet_name = "xl/worksheets/sheet1.xml"
    sheet = parts.pop(sheet_name)
    head, tail = sheet.split(b"</sheetData>")
    tail = b"</sheetData>" + tail
    repeats = (unpacked - len(head) - len(tail)) // len(_ROWS)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed_head = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(_ROWS) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(_ROWS) + packer.flush(zlib.Z_FULL_FLUSH) == block  # the stream restarts each time
    packed_tail = packer.compress(tail) + packer.flush()  # the final block
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(_ROWS, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + repeats * len(_ROWS) + len(tail)
    members = [(name, 0, zlib.crc32(data), data, len(data)) for name, data in parts.items()]
    members.append((sheet_name, 8, crc, packed_head + block * repeats + packed_tail, size))
    return _zip(members)
