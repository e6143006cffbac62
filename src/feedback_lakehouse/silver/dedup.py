"""Exact and near-duplicate detection as Spark joins: nothing is deleted, a duplicate gets
``duplicate_of`` = the earliest message it repeats (within ``silver.dedup_window_days``,
by default only within the same account) and still counts as volume later.

Exact duplicates share the hash of their normalised redacted text. Near duplicates share at
least one LSH band of their MinHash signatures (character 5-gram shingles) and an estimated
Jaccard similarity of at least ``silver.dedup_min_jaccard`` (the share of equal signature
positions). Different customers often write the same sentence, so with
``dedup_same_account`` two messages that both carry an account must share it (measured: off,
pairwise precision falls to 0.63-0.72); anonymous messages (app reviews) need a stricter
similarity and a minimum length."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_lakehouse.config.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from feedback_lakehouse.catalog import Catalog


def _bands(df: DataFrame, bands: int, rows: int, window_s: int, probe: bool) -> DataFrame:
    """One row per (message, band[, window slot]) with the band's key. The key includes the
    account bucket and a time slot of ``window_s`` seconds, so only messages that may be
    duplicates of each other ever meet in the join: a probing (new) message looks in its
    own slot and the one before, which together cover every earlier message in the window.
    Without the slot, a busy account's many messages about one issue pair up quadratically."""
    from pyspark.sql import functions as F

    slot = F.floor(F.col("received_at").cast("long") / F.lit(window_s))
    keys = F.array(
        *[
            F.xxhash64(F.lit(i), F.col("bucket"), F.slice("minhash", i * rows + 1, rows))
            for i in range(bands)
        ]
    )
    out = df.filter(F.col("minhash").isNotNull()).select(
        "*", F.posexplode(keys).alias("band", "band_key")
    )
    if probe:
        return out.withColumn("slot", F.explode(F.array(slot, slot - 1)))
    return out.withColumn("slot", slot)


def find_duplicates(
    catalog: Catalog, new: DataFrame, settings: Settings, sink: str,
    texts: DataFrame | None = None, unnamed: frozenset[str] | set[str] = frozenset(),
) -> DataFrame:  # fmt: skip
    """(feedback_id, duplicate_of, duplicate_kind exact|near|follow_up) for the new messages
    that repeat an earlier one; ``new`` needs feedback_id, received_at, account_id,
    exact_hash, minhash, text_chars; ``texts`` (feedback_id, source, received_at, account_id,
    requester_id, text) adds follow-ups (``silver.follow_ups``; ``unnamed``: the sources that
    name no requester).

    The new messages are handled in time slices of about ``silver.dedup_chunk_rows`` messages
    (each slice joins only its own window), their direct links written to ``sink``; then
    chains (c -> b -> a) are resolved on that small table. The joins carry MinHash arrays, so
    a slice, not the whole batch, bounds their memory."""
    from pyspark.sql import functions as F

    window_s = settings.silver.dedup_window_days * 86400
    stats = new.agg(
        F.min("received_at").alias("lo"), F.max("received_at").alias("hi"), F.count("*").alias("n")
    ).first()
    if not stats["n"]:
        return catalog.read(sink).limit(0)
    slices = max(1, -(-int(stats["n"]) // settings.silver.dedup_chunk_rows))
    lo, hi = stats["lo"].timestamp(), stats["hi"].timestamp() + 1
    step = (hi - lo) / slices
    for i in range(slices):
        start, end = lo + i * step, (hi if i == slices - 1 else lo + (i + 1) * step)
        links = _direct_links(catalog, new, settings, start, end, window_s)
        links.write.insertInto(catalog.physical(sink), overwrite=(i == 0))
    if texts is not None:
        from feedback_lakehouse.silver.follow_ups import follow_up_links

        taken = catalog.read(sink).select("feedback_id")
        links = follow_up_links(catalog, texts, settings, taken, unnamed)
        links.write.insertInto(catalog.physical(sink))
    direct = catalog.read(sink)
    # resolve chains: a link to a message that is itself a duplicate points at its original
    resolved = direct
    for _ in range(2):
        hop = direct.select(
            F.col("feedback_id").alias("duplicate_of"), F.col("duplicate_of").alias("_root")
        )
        resolved = resolved.join(hop, "duplicate_of", "left").select(
            "feedback_id", F.coalesce("_root", "duplicate_of").alias("duplicate_of"),
            "duplicate_kind",
        )  # fmt: skip
    return resolved


def _earlier_within(a_at: str, b_at: str, window_s: int) -> Column:
    """b came before a (the smaller id first at the same second), at most ``window_s``
    seconds before: only such a b can be a's original."""
    from pyspark.sql import functions as F

    dt = F.col(a_at).cast("long") - F.col(b_at).cast("long")
    same_time_first = (dt == 0) & (F.col("b_feedback_id") < F.col("a_feedback_id"))
    return ((dt > 0) | same_time_first) & (dt <= window_s)


def _direct_links(
    catalog: Catalog, new_all: DataFrame, settings: Settings, start: float, end: float,
    window_s: int,
) -> DataFrame:  # fmt: skip
    """Direct duplicate links for the new messages received in [start, end)."""
    from pyspark.sql import functions as F

    cfg = settings.silver
    # with dedup_same_account, messages of different accounts never meet in a join; those
    # without an account (app reviews) only meet each other
    bucket = F.coalesce(F.col("account_id"), F.lit("")) if cfg.dedup_same_account else F.lit("")
    bands = cfg.minhash_bands
    rows = max(1, cfg.minhash_permutations // bands)
    cols = ["feedback_id", "received_at", "account_id", "exact_hash", "minhash", "text_chars",
            "bucket"]  # fmt: skip
    epoch = F.col("received_at").cast("double")
    in_pool = (epoch >= F.lit(start - window_s)) & (epoch < F.lit(end))
    new_all = new_all.withColumn("bucket", bucket)
    new = new_all.filter((epoch >= F.lit(start)) & (epoch < F.lit(end)))
    existing = (
        catalog.read("silver.feedback")
        .filter(in_pool)
        .join(new_all.select("feedback_id"), "feedback_id", "left_anti")
        .withColumn("bucket", bucket)
        .select(*cols, F.col("duplicate_of").alias("root"))
    )
    pool = (
        new_all.filter(in_pool)
        .select(*cols, F.lit(None).cast("string").alias("root"))
        .unionByName(existing)
    )
    a = new.select(*[F.col(c).alias(f"a_{c}") for c in cols])
    b = pool.select(*[F.col(c).alias(f"b_{c}") for c in [*cols, "root"]])

    def earlier_and_close(x: DataFrame, similarity: Column | None = None) -> DataFrame:
        cond = _earlier_within("a_received_at", "b_received_at", window_s)
        both = F.col("a_account_id").isNotNull() & F.col("b_account_id").isNotNull()
        if cfg.dedup_same_account:
            cond = cond & (~both | (F.col("a_account_id") == F.col("b_account_id")))
        if similarity is not None:
            anonymous_ok = (similarity >= F.lit(cfg.dedup_anonymous_min_jaccard)) & (
                F.least("a_text_chars", "b_text_chars") >= F.lit(cfg.dedup_anonymous_min_chars)
            )
            cond = cond & F.when(both, similarity >= F.lit(cfg.dedup_min_jaccard)).otherwise(
                anonymous_ok
            )
        return x.filter(cond)

    same_text = (F.col("a_exact_hash") == F.col("b_exact_hash")) & (
        F.col("a_bucket") == F.col("b_bucket")
    )
    exact = earlier_and_close(a.join(b, same_text)).select(
        "a_feedback_id", "b_feedback_id", "b_received_at", "b_root", F.lit(0).alias("kind")
    )
    # candidate pairs by shared band, ids only (aggregating rows that carry the signature
    # arrays makes Sail reserve absurd amounts of memory), then the attributes joined back
    band_cols = ["feedback_id", "minhash", "bucket", "received_at"]
    ab = _bands(new.select(*band_cols), bands, rows, window_s, probe=True)
    bb = _bands(pool.select(*band_cols), bands, rows, window_s, probe=False)
    # only earlier messages within the window can be originals: dropping the rest (the later
    # half, and every message meeting itself) before the distinct halves the pairs joined back
    earlier = _earlier_within("a_at", "b_at", window_s)
    candidates = (
        ab.select(F.col("feedback_id").alias("a_feedback_id"), F.col("received_at").alias("a_at"),
                  "band", "band_key", "slot")
        .join(bb.select(F.col("feedback_id").alias("b_feedback_id"),
                        F.col("received_at").alias("b_at"), "band", "band_key", "slot"),
              ["band", "band_key", "slot"])
        .filter(earlier)
        .select("a_feedback_id", "b_feedback_id")
        .distinct()
    )  # fmt: skip
    near_pairs = candidates.join(a.withColumnRenamed("a_minhash", "a_sig"), "a_feedback_id").join(
        b.withColumnRenamed("b_minhash", "b_sig"), "b_feedback_id"
    )
    similarity = F.expr("size(filter(arrays_zip(a_sig, b_sig), x -> x.a_sig = x.b_sig))") / F.lit(
        cfg.minhash_permutations
    )
    near = earlier_and_close(near_pairs, similarity).select(
        "a_feedback_id", "b_feedback_id", "b_received_at", "b_root", F.lit(1).alias("kind")
    )
    pairs = exact.unionByName(near)
    # the earliest message repeated, resolved to its own original when it is a duplicate
    best = (
        pairs.withColumn("target", F.coalesce("b_root", "b_feedback_id"))
        .groupBy("a_feedback_id")
        .agg(F.min(F.struct("b_received_at", "kind", "target")).alias("m"))
        .select(
            F.col("a_feedback_id").alias("feedback_id"),
            F.col("m.target").alias("direct_of"),
            F.when(F.col("m.kind") == 0, "exact").otherwise("near").alias("duplicate_kind"),
        )
    )
    return best.select("feedback_id", F.col("direct_of").alias("duplicate_of"), "duplicate_kind")
