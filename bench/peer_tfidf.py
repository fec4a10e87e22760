#!/usr/bin/python3
"""bench/peer_tfidf.py -- scikit-learn's TfidfVectorizer on the same corpus as
bench_tfidf (one document per line, empty lines skipped as lowrank does).

    peer_tfidf.py CORPUS [--min-df X] [--max-df X] [--max-features N]
                  [--sublinear-tf] [--repeat R] [--compare DIR]

X: an integer is a count, a number with a '.' a fraction.  Prints one JSON
line (best-of-R seconds including reading the file, shape, nnz).  --compare
DIR reads bench_tfidf --dump output and adds: same vocabulary (and the first
differences), max |difference| of the matrix entries, and whether our stop
word list equals scikit-learn's."""
import argparse
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from corpus import df_arg, documents, read_lines


def read_docs(path):
    return documents(read_lines(path))[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--min-df", type=df_arg, default=1)
    ap.add_argument("--max-df", type=df_arg, default=1.0)
    ap.add_argument("--max-features", type=int, default=None)
    ap.add_argument("--sublinear-tf", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--compare")
    a = ap.parse_args()
    best = 1e300
    for _ in range(max(1, a.repeat)):
        t0 = time.perf_counter()
        docs = read_docs(a.corpus)
        v = TfidfVectorizer(stop_words="english", min_df=a.min_df, max_df=a.max_df,
                            max_features=a.max_features, sublinear_tf=a.sublinear_tf)
        X = v.fit_transform(docs)
        best = min(best, time.perf_counter() - t0)
    out = {"bench": "text_tfidf", "impl": "sklearn", "seconds": best, "docs": X.shape[0],
           "vocab": X.shape[1], "nnz": int(X.nnz)}
    if a.compare:
        vocab = v.get_feature_names_out().tolist()
        with open(a.compare + "/vocab.txt", encoding="utf-8") as f:
            ours = f.read().split("\n")[:-1]
        out["same_vocab"] = ours == vocab
        if ours != vocab:
            so, ss = set(ours), set(vocab)
            out["only_lowrank"] = sorted(so - ss)[:10]
            out["only_sklearn"] = sorted(ss - so)[:10]
        else:
            indptr = np.fromfile(a.compare + "/indptr.i64", dtype="<i8")
            indices = np.fromfile(a.compare + "/indices.i64", dtype="<i8")
            data = np.fromfile(a.compare + "/data.f64", dtype="<f8")
            Y = sp.csr_matrix((data, indices, indptr), shape=X.shape)
            out["max_abs_diff"] = float(abs(X - Y).max())
        out["stop_words_sklearn"] = len(ENGLISH_STOP_WORDS)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


main()
