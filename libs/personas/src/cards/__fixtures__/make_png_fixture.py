#!/usr/bin/env python3
"""Writes the PNG card fixtures the way SillyTavern does, with nothing but the standard library.

SillyTavern (src/character-card-parser.js, `write`) takes the PNG's chunks, drops any text chunk named
'chara' or 'ccv3', then inserts tEXt('chara', base64(utf8(card JSON))) before IEND and, since V3 support,
tEXt('ccv3', base64(the same JSON with spec 'chara_card_v3' / spec_version '3.0')) after it. The JSON is
JavaScript's JSON.stringify output: no spaces, non-ASCII left as is. Older releases (src/endpoints/
characters.js, `charaWrite`) wrote only the 'chara' chunk.

Run from this folder:  python3 make_png_fixture.py
"""
import base64
import json
import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def text_chunk(keyword: str, text: str) -> bytes:
    # png-chunk-text's encode: keyword, one NUL byte, text; base64 is ASCII so Latin-1 and UTF-8 agree.
    return chunk(b"tEXt", keyword.encode("latin-1") + b"\x00" + text.encode("latin-1"))


def gradient_png_chunks(size: int = 32) -> list:
    """A small RGBA gradient, plus a Software tEXt chunk as image editors add (it must survive)."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            rows += bytes((x * 255 // (size - 1), y * 255 // (size - 1), 160, 255))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return [
        chunk(b"IHDR", header),
        text_chunk("Software", "make_png_fixture.py"),
        chunk(b"IDAT", zlib.compress(bytes(rows), 9)),
        chunk(b"IEND", b""),
    ]


def js_stringify(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def write_card_png(path: str, card: dict, with_ccv3: bool) -> None:
    chunks = gradient_png_chunks()
    data = js_stringify(card)
    cards = [text_chunk("chara", b64(data))]
    if with_ccv3:
        v3 = json.loads(data)
        v3["spec"] = "chara_card_v3"
        v3["spec_version"] = "3.0"
        cards.append(text_chunk("ccv3", b64(js_stringify(v3))))
    chunks[-1:-1] = cards  # chunks.splice(-1, 0, ...): just before IEND
    with open(path, "wb") as out:
        out.write(SIGNATURE + b"".join(chunks))


if __name__ == "__main__":
    with open("ccu-v2-mary-backfilled.json", encoding="utf-8") as f:
        write_card_png("st-v2-chara.png", json.load(f), with_ccv3=False)
    with open("st-v3-world-narrator.json", encoding="utf-8") as f:
        write_card_png("st-v3-world-narrator.png", json.load(f), with_ccv3=True)
