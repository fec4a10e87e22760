#!/usr/bin/python3
"""bench/make_unicode_corpus.py OUT [N] -- N (default 5000) lines of random
text mixing Latin (with accents, sharp s, dotted/dotless i), Greek (capital
sigma in every position), Cyrillic, Armenian, Georgian, Glagolitic, CJK,
Arabic, Deseret, combining marks, digits, punctuation and emoji: a stress
test of Unicode lower-casing and word splitting, compared with
TfidfVectorizer by bench/peer_tfidf.py --compare.  Seeded: same file each
time."""
import random
import sys

RANGES = [(0x41, 0x5A), (0x61, 0x7A), (0x30, 0x39), (0x20, 0x2F), (0xC0, 0x24F),
          (0x370, 0x3FF), (0x400, 0x52F), (0x300, 0x36F), (0x4E00, 0x4E40), (0x600, 0x6FF),
          (0x1E00, 0x1FFF), (0x2100, 0x218F), (0x10400, 0x1044F), (0x1F600, 0x1F64F),
          (0x5F, 0x5F), (0x130, 0x131), (0x3A3, 0x3A3), (0xDF, 0xDF), (0x1E9E, 0x1E9E),
          (0x2C00, 0x2C7F), (0xA640, 0xA69F), (0x10A0, 0x10FF), (0x531, 0x58F)]


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    rnd = random.Random(1)
    with open(out, "w", encoding="utf-8") as f:
        for _ in range(n):
            s = []
            for _ in range(rnd.randint(5, 60)):
                a, b = rnd.choice(RANGES)
                s.append(chr(rnd.randint(a, b)))
            f.write("".join(s).replace("\n", " ").replace("\r", " ") + "\n")


main()
