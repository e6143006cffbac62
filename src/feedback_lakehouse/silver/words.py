"""The words each message is compared on by the similarity joins (follow-ups and likely
duplicates), kept in ``silver.message_terms``: the stemmed words of its redacted text and how
often each occurs, after the lines its source's template shares are taken out.

Template lines (a line at least ``silver.template_min_messages`` and ``template_min_share``
of a source's messages hold: a report form's headings, a signature, a legal footer, a common
stack frame) say nothing about the problem, and would make unrelated reports look alike.

Each message is read and tokenized once, when it arrives: a later run compares its new
messages with the whole history from this table, without reading their text again. The
template lines are those of the history and the batch at the time a message arrives."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.text.stems import STEM_SPARK

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from feedback_lakehouse.catalog import Catalog

TABLE = "silver.message_terms"
ENVELOPE = ("feedback_id", "source", "received_at", "account_id", "requester_id")
"""What a message is compared by, besides its words."""
_TEMPLATE_SAMPLE = 50_000
"""Messages per run the template lines are counted on, at most (a hash sample beyond)."""
_TERM_MIN_CHARS = 4


def stemmed_words(column: str = "text") -> Column:
    """The words of ``column`` (4+ letters or digits; no placeholders), lower-cased, with
    plural and -ing/-ed endings cut: the one tokenizer of the similarity joins."""
    from pyspark.sql import functions as F

    words = F.split(F.lower(F.regexp_replace(column, r"\[[A-Z_]+\]", " ")), r"[^\p{L}\p{N}]+")
    return F.transform(
        F.filter(words, lambda w: F.length(w) >= _TERM_MIN_CHARS),
        lambda w: F.regexp_replace(w, STEM_SPARK, "$1"),
    )


def hash_sample(df: DataFrame, n: int, limit: int) -> tuple[DataFrame, int]:
    """About ``limit`` rows of ``df`` (``n`` rows), chosen by a hash of ``feedback_id`` so a
    run and its re-run pick the same ones, and the factor a count on the sample is scaled by."""
    from pyspark.sql import functions as F

    scale = max(1, n // limit)
    if scale == 1:
        return df, 1
    return df.filter(F.crc32("feedback_id") % F.lit(scale) == 0), scale


def line_key(line: Column) -> Column:
    """A line as a template is recognised: lower-case, digits as 0, spaces collapsed."""
    from pyspark.sql import functions as F

    return F.trim(F.regexp_replace(F.regexp_replace(F.lower(line), r"\d+", "0"), r"\s+", " "))


def template_lines(corpus: DataFrame, settings: Settings, n: int | None = None) -> DataFrame:
    """(source, key): lines that at least ``template_min_messages`` and
    ``template_min_share`` of a source's messages hold. ``corpus``: feedback_id, source,
    text; ``n``: its size, when the caller has counted it."""
    from pyspark.sql import functions as F

    cfg = settings.silver
    n = corpus.count() if n is None else n
    sample, scale = hash_sample(corpus, n, _TEMPLATE_SAMPLE)
    per_source = sample.groupBy("source").agg(F.count(F.lit(1)).alias("_n"))
    lines = sample.select(
        "feedback_id", "source", F.explode(F.split("text", "\n")).alias("line")
    ).select("feedback_id", "source", line_key(F.col("line")).alias("key"))
    return (
        lines.filter(F.length("key") >= 3)
        .groupBy("source", "key")
        .agg(F.countDistinct("feedback_id").alias("_m"))
        .join(per_source, "source")
        .filter(
            (F.col("_m") * F.lit(scale) >= F.lit(cfg.template_min_messages))
            & (F.col("_m") >= F.col("_n") * F.lit(cfg.template_min_share))
        )
        .select("source", "key")
    )


def message_words(texts: DataFrame, templates: DataFrame) -> DataFrame:
    """(feedback_id, terms, counts) of ``texts`` (feedback_id, source, text): each message's
    distinct stemmed words outside its template lines, and how often each occurs. A message
    with no such word has no row."""
    from pyspark.sql import functions as F

    lines = texts.select(
        "feedback_id", "source", F.explode(F.split("text", "\n")).alias("line")
    ).withColumn("key", line_key(F.col("line")))
    kept = lines.join(F.broadcast(templates.withColumn("_t", F.lit(True))), ["source", "key"],
                      "left").filter(F.col("_t").isNull())  # fmt: skip
    counted = (
        kept.select("feedback_id", F.explode(stemmed_words("line")).alias("term"))
        .groupBy("feedback_id", "term")
        .agg(F.count(F.lit(1)).cast("int").alias("tf"))
    )
    # in word order: a message indexed again gets the same row
    pairs = counted.groupBy("feedback_id").agg(
        F.array_sort(F.collect_list(F.struct("term", "tf"))).alias("_p")
    )
    return pairs.select(
        "feedback_id",
        F.transform("_p", lambda p: p["term"]).alias("terms"),
        F.transform("_p", lambda p: p["tf"]).alias("counts"),
    )


def index_messages(catalog: Catalog, batch: DataFrame, settings: Settings, now: object) -> None:
    """Write the words of the batch's messages (``ENVELOPE`` + text, redacted) to
    ``silver.message_terms``, replacing rows of a message seen before, together with those
    of any message of ``silver.feedback`` the table lacks (a lakehouse written before it
    existed)."""
    from pyspark.sql import functions as F

    history = (
        catalog.read("silver.feedback")
        .select(*ENVELOPE, F.col("text_redacted").alias("text"))
        .join(batch.select("feedback_id"), "feedback_id", "left_anti")
    )
    unindexed = history.join(catalog.read(TABLE).select("feedback_id"), "feedback_id",
                             "left_anti")  # fmt: skip
    todo = batch.select(*ENVELOPE, "text").unionByName(unindexed)
    corpus = history.unionByName(batch.select(*ENVELOPE, "text")).select(
        "feedback_id", "source", "text"
    )
    words = message_words(todo, template_lines(corpus, settings))
    rows = todo.drop("text").join(words, "feedback_id", "left").select(
        *ENVELOPE,
        F.coalesce("terms", F.array().cast("array<string>")).alias("terms"),
        F.coalesce("counts", F.array().cast("array<int>")).alias("counts"),
        F.lit(now).cast("timestamp").alias("computed_at"),
    )  # fmt: skip
    stale = catalog.read(TABLE).join(batch.select("feedback_id"), "feedback_id", "left_semi")
    if stale.limit(1).count():  # a re-run of a batch, or a message exported again
        catalog.delete_keys(TABLE, stale)
    catalog.append(TABLE, rows)


def terms_of(df: DataFrame, *keep: str) -> DataFrame:
    """(feedback_id, *keep, term, tf): one row per word of each ``silver.message_terms`` row."""
    from pyspark.sql import functions as F

    return df.select(
        "feedback_id", *keep, F.explode(F.arrays_zip("terms", "counts")).alias("_p")
    ).select("feedback_id", *keep, F.col("_p.terms").alias("term"),
             F.col("_p.counts").alias("tf"))  # fmt: skip
