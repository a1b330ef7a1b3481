#!/usr/bin/env python3
"""llama2.c's encode() (run.c), re-implemented in Python as an independent oracle.

Prints the token ids llama2.c would produce for each text argument, with BOS (1) first, using a
llama2.c tokenizer.bin. tokenizer_test.cpp's expected ids for tok512.bin came from:

    python3 test/runtime/llama2c_encode.py models/stories260K/tok512.bin \
        "Once upon a time" "Hello, world!" "The café 🙂"
"""
import struct
import sys


def load(path):
    data = open(path, "rb").read()
    (max_len,) = struct.unpack_from("<i", data, 0)
    pos, pieces, scores = 4, [], []
    while pos < len(data):
        score, n = struct.unpack_from("<fi", data, pos)
        pos += 8
        pieces.append(data[pos:pos + n])
        scores.append(score)
        pos += n
    return pieces, scores, max_len


def encode(text, pieces, scores):
    lookup = {}
    for i, p in enumerate(pieces):
        lookup.setdefault(p, i)  # llama2.c's bsearch; pieces are unique in practice
    tokens = [1]  # BOS
    if text:
        tokens.append(lookup[b" "])  # dummy prefix
    raw = text.encode("utf-8")
    buf = b""
    for i, c in enumerate(raw):
        if c & 0xC0 != 0x80:
            buf = b""
        buf += bytes([c])
        if i + 1 < len(raw) and raw[i + 1] & 0xC0 == 0x80 and len(buf) < 4:
            continue
        if buf in lookup:
            tokens.append(lookup[buf])
        else:
            tokens.extend(b + 3 for b in buf)  # byte fallback: <0x00> is id 3
        buf = b""
    while True:
        best_score, best_id, best_idx = -1e10, -1, -1
        for i in range(len(tokens) - 1):
            merged = pieces[tokens[i]] + pieces[tokens[i + 1]]
            j = lookup.get(merged, -1)
            if j != -1 and scores[j] > best_score:
                best_score, best_id, best_idx = scores[j], j, i
        if best_idx == -1:
            break
        tokens[best_idx:best_idx + 2] = [best_id]
    return tokens


if __name__ == "__main__":
    pieces, scores, _ = load(sys.argv[1])
    for text in sys.argv[2:]:
        ids = encode(text, pieces, scores)
        print(repr(text), ids, [pieces[i].decode("utf-8", "replace") for i in ids])
