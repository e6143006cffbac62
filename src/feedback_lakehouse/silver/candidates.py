"""Likely duplicates across accounts: for each new message, the earlier messages most like it
(``silver.duplicate_candidates``), as evidence for a reviewer ("likely duplicate of") and for
gold, never a deletion. Real duplicate reports are paraphrases weeks or years apart ("Upgrade
to hadoop-thirdparty 1.1.1" / "Use hadoop-thirdparty 1.1.1"), so this is retrieval over every
earlier message, not a copy test.

Similarity is the cosine of the two messages' distinctive words (stems, each weighted by its
inverse document frequency over the messages compared), read from ``silver.message_terms``
(``silver.words``), where template lines (a report form's headings, a signature, a legal
footer) are already left out: they would chain unrelated reports.

It runs as Spark joins on shared words. A word in more than ``candidate_max_postings``
messages is too common to propose a duplicate and is not joined on (it still counts in each
message's length), which keeps the work near-linear in the messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.silver import words

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from feedback_lakehouse.catalog import Catalog

TABLE = "silver.duplicate_candidates"
_SHARED_SHOWN = 8
_DF_SAMPLE = 50_000
"""Messages the word frequencies are counted on, at most (a hash sample beyond, scaled)."""
INPUT = "ops.silver_candidate_input"
STAGE = "ops.silver_candidate_stage"

_MIN_PAIR_BUDGET = 5_000_000
"""Word-sharing pairs always allowed: a small lakehouse compares on every useful word."""


def _postings_cap(vocab: DataFrame, n_docs: int, settings: Settings) -> int:
    """The most messages a word may be in and still propose pairs: ``candidate_max_postings``,
    lowered until the pairs the words below it make (a word in n messages makes n(n-1)/2)
    fit ``candidate_pairs_per_message`` times the messages. The work then grows with the
    messages, not with their square, and the rarest words, the telling ones, are kept."""
    from pyspark.sql import functions as F

    cfg = settings.silver
    budget = max(_MIN_PAIR_BUDGET, cfg.candidate_pairs_per_message * n_docs)
    counts = (
        vocab.filter(F.col("df").between(2, cfg.candidate_max_postings))
        .groupBy("df")
        .agg(F.count(F.lit(1)).alias("words"))
        .orderBy("df")
        .collect()
    )
    pairs = 0
    for row in counts:
        pairs += row["words"] * row["df"] * (row["df"] - 1) // 2
        if pairs > budget:
            return max(2, int(row["df"]) - 1)
    return cfg.candidate_max_postings


def _weighted_messages(catalog: Catalog, settings: Settings) -> None:
    """One row per message compared (the batch and every earlier one, from
    ``silver.message_terms``) into ``INPUT``: its TF-IDF length and its rare words with their
    weights, computed once for the joins."""
    from pyspark.sql import functions as F

    msgs = catalog.read(words.TABLE)
    n_docs = msgs.count()
    # document frequencies counted on a hash sample of a large corpus, scaled up; a word the
    # sample never saw is rare
    sample, scale = words.hash_sample(msgs, n_docs, _DF_SAMPLE)
    vocab = F.broadcast(
        sample.select(F.explode("terms").alias("term"))
        .groupBy("term")
        .agg((F.count(F.lit(1)) * scale).alias("df"))
    )
    cap = _postings_cap(vocab, n_docs, settings)
    # TF-IDF with sublinear term frequency: a word said three times counts more than once,
    # not three times as much
    weighted = (
        words.terms_of(msgs, "received_at", "account_id")
        .join(vocab, "term", "left")
        .withColumn("df", F.coalesce("df", F.lit(1)))
        .withColumn("w", (F.log(F.col("tf").cast("double")) + 1.0)
                    * (F.log(F.lit(n_docs + 1.0) / (F.col("df") + 1.0)) + 1.0))
    )  # fmt: skip
    rare = F.col("df") <= cap
    squared = F.col("w") * F.col("w")
    rows = weighted.groupBy("feedback_id", "received_at", "account_id").agg(
        # a message's length counts its words, not its ids and timestamps (a pasted log),
        # unless it has nothing else
        F.sqrt(F.sum(F.when(~F.col("term").rlike(r"\p{N}"), squared).otherwise(0.0))
               ).alias("_words"),
        F.sqrt(F.sum(squared)).alias("_all"),
        F.collect_list(F.when(rare, F.col("term"))).alias("terms"),
        F.collect_list(F.when(rare, F.col("w"))).alias("weights"),
    ).select(
        "feedback_id", "received_at", "account_id",
        F.when(F.col("_words") > 0, F.col("_words")).otherwise(F.col("_all")).alias("norm"),
        "terms", "weights",
    )  # fmt: skip
    rows.write.insertInto(catalog.physical(INPUT), overwrite=True)


def likely_duplicates(
    catalog: Catalog, new: DataFrame, settings: Settings, now: object
) -> DataFrame:
    """The ``silver.duplicate_candidates`` rows of the new messages. ``new``: feedback_id,
    source, received_at, account_id, text of the batch (redacted)."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    cfg = settings.silver
    _weighted_messages(catalog, settings)
    msgs = catalog.read(INPUT)

    def postings(side: str, frame: DataFrame) -> DataFrame:
        return frame.select(
            F.col("feedback_id").alias(side), F.col("received_at").cast("long").alias(f"{side}_at"),
            F.explode(F.arrays_zip("terms", "weights")).alias("_p"),
        ).select(side, f"{side}_at", F.col("_p.terms").alias("term"),
                 F.col("_p.weights").alias(f"w{side}"))  # fmt: skip

    probes = postings("a", msgs.join(new.select("feedback_id"), "feedback_id", "left_semi"))
    earlier = postings("b", msgs)
    pairs = (
        probes.join(earlier, "term")
        .filter((F.col("b_at") < F.col("a_at"))
                | ((F.col("b_at") == F.col("a_at")) & (F.col("b") < F.col("a"))))
        .groupBy("a", "b")
        .agg(F.sum(F.col("wa") * F.col("wb")).alias("dot"), F.count(F.lit(1)).alias("n"))
        .filter(F.col("n") >= 2)
    )  # fmt: skip
    side = msgs.select("feedback_id", "received_at", "account_id", "norm")
    na = side.select(
        F.col("feedback_id").alias("a"),
        F.col("received_at").alias("a_at"),
        F.col("account_id").alias("a_acc"),
        F.col("norm").alias("na"),
    )
    nb = side.select(
        F.col("feedback_id").alias("b"),
        F.col("received_at").alias("b_at"),
        F.col("account_id").alias("b_acc"),
        F.col("norm").alias("nb"),
    )
    scored = (
        pairs.join(na, "a")
        .join(nb, "b")
        .withColumn("score", F.least(F.lit(1.0), F.col("dot") / (F.col("na") * F.col("nb"))))
        .filter(F.col("score") >= F.lit(cfg.candidate_min_score))
    )  # fmt: skip
    order = Window.partitionBy("a").orderBy(F.desc("score"), F.desc("b_at"), F.asc("b"))
    top = scored.withColumn("rank", F.row_number().over(order)).filter(
        F.col("rank") <= cfg.candidate_top_k
    )
    # the words each kept pair shares, strongest first (a few pairs, not all of them)
    shared = (
        top.select("a", "b")
        .join(probes.drop("a_at"), "a")
        .join(earlier.drop("b_at"), ["b", "term"])
        .groupBy("a", "b")
        .agg(F.collect_list(F.struct((-F.col("wa") * F.col("wb")).alias("o"), "term"))
             .alias("_shared"))
        .select("a", "b", F.transform(F.slice(F.array_sort("_shared"), 1, _SHARED_SHOWN),
                                      lambda x: x["term"]).alias("shared_terms"))
    )  # fmt: skip
    return top.join(shared, ["a", "b"]).select(
        F.col("a").alias("feedback_id"), F.col("b").alias("candidate_id"),
        F.col("rank").cast("int").alias("rank"), F.round("score", 4).alias("score"),
        "shared_terms",
        (F.col("a_acc").isNotNull() & (F.col("a_acc") == F.col("b_acc"))).alias("same_account"),
        F.round((F.col("a_at").cast("double") - F.col("b_at").cast("double")) / 86400.0, 2)
        .alias("days_apart"),
        F.lit(now).cast("timestamp").alias("computed_at"),
    )  # fmt: skip


def write_candidates(catalog: Catalog, new: DataFrame, settings: Settings, now: object) -> int:
    """Replace the batch's rows in ``silver.duplicate_candidates``; returns how many."""
    if settings.silver.candidate_top_k == 0:
        return 0
    rows = likely_duplicates(catalog, new, settings, now)
    catalog.replace(STAGE, rows)  # materialised once: counted, then appended
    rows = catalog.read(STAGE)
    stale = catalog.read(TABLE).join(new.select("feedback_id"), "feedback_id", "left_semi")
    if stale.limit(1).count():  # a re-run of a batch: its earlier rows go first
        catalog.delete_keys(TABLE, stale)
    n = rows.count()
    if n:
        catalog.append(TABLE, rows)
    return n
