"""bench/corpus.py -- reading a one-document-per-line corpus the way lowrank
does, shared by the Python peers (peer_tfidf.py, peer_topics.py)."""


def df_arg(s):
    """--min-df / --max-df: an integer is a count, a number with a '.' a fraction."""
    return float(s) if "." in s else int(s)


def read_lines(path):
    """The file's lines as bytes (a trailing \\r dropped; no empty last line)."""
    with open(path, "rb") as f:
        raw = f.read()
    out = []
    for line in raw.split(b"\n"):
        if line.endswith(b"\r"):
            line = line[:-1]
        out.append(line)
    if out and out[-1] == b"":
        out.pop()
    return out


def documents(lines):
    """(docs, keep): the lines lowrank reads as documents -- valid UTF-8, not
    blank -- decoded, and their line indices (lowrank skips the others)."""
    docs, keep = [], []
    for i, line in enumerate(lines):
        try:
            s = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if s.strip(" \t\r\n\f\v") == "":
            continue
        docs.append(s)
        keep.append(i)
    return docs, keep
