#!/usr/bin/python3
"""bench/peer_topics.py -- the `topics` benchmark's peer and scorer.

run mode (default): scikit-learn's TfidfVectorizer + NMF(solver='cd',
init='nndsvda') on a one-document-per-line corpus with the settings lowrank
topics uses, timed; prints one JSON line with time, final loss
(1/2 ||X - WH||_F^2), iterations, the mean NPMI and UMass of the top words
(co-occurrence in the corpus's own documents, computed here independently of
lowrank) and the normalised mutual information between each document's
arg-max topic and its label (Debian Section).  With --ours DIR (a lowrank
topics output folder) it scores lowrank's topics the same way and prints a
second line.

    peer_topics.py CORPUS LABELS -k 20 [--min-df 2] [--max-df 0.95]
                   [--tol 1e-4] [--max-iter 200] [--top 10] [--ours DIR]
    peer_topics.py --table RESULTS.jsonl      (side-by-side table)
"""
import argparse
import json
import math
import sys
import time

import numpy as np

from corpus import df_arg, documents, read_lines


def coherence(B, tops):
    """B: documents x terms 0/1 CSC matrix; tops: list of term index lists.
    Returns per-topic mean NPMI and UMass over word pairs."""
    N = B.shape[0]
    npmi, umass = [], []
    for t in tops:
        cols = B[:, t]
        D = np.asarray(cols.sum(axis=0)).ravel().astype(float)
        C = (cols.T @ cols).toarray().astype(float)
        sn = su = 0.0
        n = len(t)
        for i in range(1, n):
            for j in range(i):
                dij = C[i, j]
                if dij == 0:
                    v = -1.0
                elif dij == N:
                    v = 1.0
                else:
                    pij, pi, pj = dij / N, D[i] / N, D[j] / N
                    v = math.log(pij / (pi * pj)) / -math.log(pij)
                sn += v
                su += math.log((dij + 1) / D[j]) if D[j] > 0 else 0.0
        p = n * (n - 1) / 2
        npmi.append(sn / p)
        umass.append(su / p)
    return npmi, umass


def score(X, H_rows_top, assign, labels, keep):
    from sklearn.metrics import normalized_mutual_info_score
    B = X.copy().tocsc()
    B.data[:] = 1.0
    npmi, umass = coherence(B, H_rows_top)
    lab = [labels[i] for i in keep]
    nmi = normalized_mutual_info_score(lab, assign)
    return float(np.mean(npmi)), float(np.mean(umass)), float(nmi)


def run(a):
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer
    lines = read_lines(a.corpus)
    labels = [l.decode("utf-8", "replace") for l in read_lines(a.labels)]
    t0 = time.perf_counter()
    docs, keep = documents(lines)
    vec = TfidfVectorizer(stop_words="english", min_df=a.min_df, max_df=a.max_df)
    X = vec.fit_transform(docs)
    t1 = time.perf_counter()
    nmf = NMF(n_components=a.k, init="nndsvda", solver="cd", tol=a.tol, max_iter=a.max_iter,
              random_state=0)
    W = nmf.fit_transform(X)
    H = nmf.components_
    t2 = time.perf_counter()
    loss = 0.5 * nmf.reconstruction_err_ ** 2
    tops = [list(np.argsort(-H[t])[: a.top]) for t in range(a.k)]
    npmi, umass, nmi = score(X, tops, list(np.argmax(W, axis=1)), labels, keep)
    terms = vec.get_feature_names_out()
    out = {"bench": "topics", "impl": "sklearn", "seconds": t2 - t0, "tfidf_seconds": t1 - t0,
           "nmf_seconds": t2 - t1, "docs": X.shape[0], "terms": X.shape[1], "nnz": int(X.nnz),
           "k": a.k, "loss": loss, "iterations": int(nmf.n_iter_), "npmi": npmi, "umass": umass,
           "nmi": nmi, "rel_error": math.sqrt(2 * loss) / math.sqrt((X.multiply(X)).sum()),
           "example_topics": [" ".join(terms[j] for j in t[:8]) for t in tops[:5]]}
    print(json.dumps(out))
    if a.ours:
        rep = json.load(open(a.ours + "/report.json"))
        vocab = open(a.ours + "/vocab.txt", encoding="utf-8").read().split("\n")[:-1]
        col = {w: j for j, w in enumerate(terms)}
        same_vocab = list(terms) == vocab
        # our top words, mapped onto scikit-learn's matrix (same vocabulary)
        tops_o = [[col[w] for w in t["words"] if w in col] for t in rep["topics"]]
        assign, names = [], []
        with open(a.ours + "/doc-topics.tsv", encoding="utf-8") as f:
            next(f)
            for line in f:
                name, topic, _ = line.rstrip("\n").split("\t")
                assign.append(int(topic))
                names.append(int(name.split(" ")[1]) - 1)  # "line N"
        same_docs = names == keep
        npmi_o, umass_o, nmi_o = score(X, tops_o, assign, labels, names)
        s = rep["seconds"]
        o = {"bench": "topics", "impl": "lowrank", "seconds": s["read"] + s["tfidf"] + s["factorize"],
             "tfidf_seconds": s["read"] + s["tfidf"], "nmf_seconds": s["factorize"],
             "write_seconds": s["write"], "docs": rep["matrix"]["rows"], "terms": rep["matrix"]["cols"],
             "nnz": rep["matrix"]["nnz"], "k": rep["k"], "loss": rep["loss"],
             "iterations": rep["iterations"], "npmi": npmi_o, "umass": umass_o, "nmi": nmi_o,
             "npmi_lowrank_report": rep.get("npmi_mean"), "rel_error": rep.get("relative_error"),
             "same_vocab": same_vocab, "same_docs": same_docs, "peak_rss_bytes": rep["peak_rss_bytes"],
             "example_topics": [" ".join(t["words"][:8]) for t in rep["topics"][:5]]}
        print(json.dumps(o))


def table(path):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    tf = {r["impl"]: r for r in rows if r.get("bench") == "text_tfidf"}
    tp = {r["impl"]: r for r in rows if r.get("bench") == "topics"}

    def ratio(a, b):
        return "%.1fx" % (b / a) if a and b else "-"
    if "lowrank" in tf and "sklearn" in tf:
        o, s = tf["lowrank"], tf["sklearn"]
        print("  text -> TF-IDF (read + tokenize + count + tf-idf, best of 3):")
        print("    %-26s %10s %10s %8s" % ("", "lowrank", "sklearn", "speedup"))
        print("    %-26s %9.3fs %9.3fs %8s" % ("time", o["seconds"], s["seconds"],
                                               ratio(o["seconds"], s["seconds"])))
        if "lowrank-mt" in tf:
            m = tf["lowrank-mt"]
            print("    %-26s %9.3fs %10s %8s" % ("time, %d threads" % m["threads"], m["seconds"], "",
                                                   ratio(m["seconds"], s["seconds"])))
        print("    %-26s %10d %10d" % ("documents", o["docs"], s["docs"]))
        print("    %-26s %10d %10d" % ("vocabulary", o["vocab"], s["vocab"]))
        print("    %-26s %10d %10d" % ("stored entries", o["nnz"], s["nnz"]))
        if "same_vocab" in s:
            print("    same vocabulary: %s; max |entry difference|: %s" % (
                s["same_vocab"], "%.1e" % s["max_abs_diff"] if "max_abs_diff" in s else "-"))
    if "lowrank" in tp and "sklearn" in tp:
        o, s = tp["lowrank"], tp["sklearn"]
        print("  topics, NMF k = %d (cd / Fast HALS, init nndsvda, tol %s):" % (o["k"], "same"))
        print("    %-26s %10s %10s %8s" % ("", "lowrank", "sklearn", "ratio"))
        for key, name in (("tfidf_seconds", "text -> TF-IDF"), ("nmf_seconds", "NMF"),
                          ("seconds", "total (no writing)")):
            print("    %-26s %9.3fs %9.3fs %8s" % (name, o[key], s[key], ratio(o[key], s[key])))
        print("    %-26s %10.2f %10.2f" % ("final loss 1/2||X-WH||^2", o["loss"], s["loss"]))
        print("    %-26s %10.4f %10.4f" % ("relative error", o["rel_error"], s["rel_error"]))
        print("    %-26s %10d %10d" % ("iterations", o["iterations"], s["iterations"]))
        print("    %-26s %10.3f %10.3f" % ("NPMI (mean of topics)", o["npmi"], s["npmi"]))
        print("    %-26s %10.3f %10.3f" % ("UMass (mean of topics)", o["umass"], s["umass"]))
        print("    %-26s %10.3f %10.3f" % ("NMI(arg-max topic, Section)", o["nmi"], s["nmi"]))
        print("    lowrank's own NPMI %.3f (recomputed here: %.3f); same vocabulary %s, same "
              "documents %s; peak memory %.0f MB" % (o["npmi_lowrank_report"], o["npmi"],
                                                     o["same_vocab"], o["same_docs"],
                                                     o["peak_rss_bytes"] / 1e6))
        for name, r in (("lowrank", o), ("sklearn", s)):
            print("    %s topics 0-4:" % name)
            for t in r["example_topics"]:
                print("      " + t)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--table":
        table(sys.argv[2])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("labels")
    ap.add_argument("-k", type=int, default=20)
    ap.add_argument("--min-df", type=df_arg, default=2)
    ap.add_argument("--max-df", type=df_arg, default=0.95)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--max-iter", type=int, default=200)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--ours")
    run(ap.parse_args())


main()
