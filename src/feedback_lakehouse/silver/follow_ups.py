"""Follow-ups and re-sends: the same account writing again about a problem it already
reported, in other words ("any update on the double charge I e-mailed about?", a ticket
filed after a chat, a forwarded e-mail). MinHash finds copies; these share the problem's
words, not the text.

A follow-up says so: a message is a candidate only when it refers to an earlier contact
(``FOLLOW_UP_CUES``: "following up", "any update", "still", "again", "as I mentioned", "my
ticket/e-mail/chat", ``Re:``/``Fwd:``/``AW:`` ...). Its original is the earlier message of the
same account within ``silver.follow_up_window_days`` that shares the most of its distinctive
words, weighted by how rare each word is among the messages compared (inverse document
frequency over the candidates' window, so product words every message uses count little);
the link needs a weighted overlap of at least ``silver.follow_up_min_overlap``. Two reports of
one problem by one account without such a reference stay separate messages (more volume),
as the generated sample's do.

All of it runs as Spark joins over the few messages that carry a cue."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from feedback_lakehouse.config.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from feedback_lakehouse.catalog import Catalog

FOLLOW_UP_CUES = (
    # a reply or forward of an earlier thread, in the subject or the first line
    r"(?:^|\n)\s*(?:re|fwd?|aw|wg|tr|rv)\s*:",
    # English: a reference to an earlier contact, not a word like "still" or "again" that a
    # first report uses as often ("still broken after the fix", "any update would help")
    r"follow(?:ing|s)?[ -]?up (?:on|to|from|regarding|about)|just following up",
    r"any (?:update|news|progress)(?:\s*\?| on (?:my|our|this|the))",
    r"still (?:waiting|no (?:reply|answer|response|update|news|word))",
    r"(?:haven'?t|have not|hasn'?t|not yet) (?:heard|had|got|received) (?:back|a reply|an answer"
    r"|a response|anything)",
    r"as (?:i|we) (?:mentioned|said|wrote|reported|explained) (?:in|on|before|earlier|last)",
    r"(?:my|our|the) (?:earlier|previous|last|original) (?:ticket|e-?mail|message|chat|request"
    r"|report)",
    r"(?:re-?send|re-?sending|re-?submitting|re-?raising|re-?stating|chasing) (?:this|my|our|the)",
    r"(?:opened|filed|sent|raised|put in|submitted) (?:a |an |this )?(?:ticket|e-?mail|request"
    r"|message) (?:about|on|for|yesterday|last|earlier|this morning|regarding)",
    r"same (?:problem|issue) as (?:before|my|our|in)|asked (?:in|on|via) (?:chat|the chat|e-?mail)",
    # German, French, Spanish, Portuguese, Italian, Dutch
    r"bisher keine antwort|noch keine antwort|nachfrage zu|meine[rn]? (?:e-?mail|anfrage"
    r"|nachricht|ticket) vom",
    r"relance|sans réponse|toujours pas de réponse|mon (?:e-?mail|ticket|message) du",
    r"sin respuesta|mi (?:correo|ticket|mensaje) del|sem resposta|meu (?:e-?mail|chamado"
    r"|ticket) d|nessuna risposta|sollecito|geen reactie|mijn (?:e-?mail|ticket) van",
)
_TERM_MIN_CHARS = 4
_IDF_SAMPLE = 20_000
"""Messages of the window the word weights are counted on, at most (a hash sample beyond)."""
_IDF_PRIOR_DOCS = 50
"""Documents added to the count in which no word appears: with a handful of messages every
word weighs about the same, and the weights become the window's IDF as messages accumulate
(a small lakehouse's shared topic words would otherwise weigh nothing)."""
_COMMON_SHARE = 0.05
_MIN_COMMON_DF = 20
"""A word in more than this share of the window's messages (and more than this many) is too
common to say two messages are about the same thing."""
_MIN_SHARED = 2
"""Distinct words a follow-up and its original must share: one rare word is not a topic."""


def _cue() -> Column:
    from pyspark.sql import functions as F

    return F.lower(F.col("text")).rlike("|".join(f"(?:{c})" for c in FOLLOW_UP_CUES))


def _terms(df: DataFrame, *keep: str) -> DataFrame:
    """(feedback_id, *keep, term): the distinct words of each message (4+ letters or digits;
    no placeholders), lower-cased."""
    from pyspark.sql import functions as F

    words = F.split(F.lower(F.regexp_replace("text", r"\[[A-Z_]+\]", " ")), r"[^\p{L}\p{N}]+")
    return df.select(
        "feedback_id", *keep,
        F.explode(F.array_distinct(F.filter(words, lambda w: F.length(w) >= _TERM_MIN_CHARS)))
        .alias("term"),
    )  # fmt: skip


def follow_up_links(
    catalog: Catalog, new: DataFrame, settings: Settings, taken: DataFrame
) -> DataFrame:
    """(feedback_id, duplicate_of, duplicate_kind='follow_up') for the new messages that
    follow up an earlier one. ``new``: feedback_id, received_at, account_id, text of the
    batch; ``taken``: feedback ids already linked as copies (not linked again)."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    cfg = settings.silver
    window_s = cfg.follow_up_window_days * 86400
    fresh = new.filter(F.col("account_id").isNotNull()).join(taken, "feedback_id", "left_anti")
    probes = fresh.filter(_cue()).select("feedback_id", "account_id", "received_at", "text")
    span = probes.agg(
        F.count(F.lit(1)).alias("n"), F.min("received_at").alias("lo"),
        F.max("received_at").alias("hi"),
    ).first()  # fmt: skip
    if not span["n"]:
        return catalog.read("ops.silver_duplicates").limit(0)
    epoch = F.col("received_at").cast("long")
    in_window = (epoch >= F.lit(int(span["lo"].timestamp()) - window_s)) & (
        epoch <= F.lit(int(span["hi"].timestamp()) + 1)
    )
    window = (
        catalog.read("silver.feedback")
        .select("feedback_id", "account_id", "received_at", F.col("text_redacted").alias("text"))
        .join(new.select("feedback_id"), "feedback_id", "left_anti")
        .unionByName(new.select("feedback_id", "account_id", "received_at", "text"))
        .filter(in_window)
    )
    earlier = window.join(probes.select("account_id").distinct(), "account_id", "left_semi")
    # word weights: inverse document frequency over the window's messages (every account; a
    # fixed-size sample of a large window). Words in more than a twentieth of them are dropped:
    # they weigh little and their long postings are what would make the join costly. A word
    # the sample never saw is rare: it gets the highest weight
    n_window = window.count()
    sample = window
    if n_window > _IDF_SAMPLE:
        keep = max(1, n_window // _IDF_SAMPLE)
        sample = window.filter(F.crc32(F.col("feedback_id")) % F.lit(keep) == 0)
    n_docs = sample.count()
    common = max(_MIN_COMMON_DF, n_docs * _COMMON_SHARE)
    # one row per word of the sample: its weight, or null for a word too common to count
    vocab = F.broadcast(
        _terms(sample).groupBy("term").agg(F.count(F.lit(1)).alias("df")).select(
            "term", F.when(F.col("df") <= common, F.log(
                F.lit(n_docs + _IDF_PRIOR_DOCS) / (F.col("df") + 1))).alias("w"),
            (F.col("df") > common).alias("_common"),
        )
    )  # fmt: skip
    unseen = F.lit(math.log(n_docs + _IDF_PRIOR_DOCS))

    def weighted(msgs: DataFrame) -> DataFrame:
        return (
            _terms(msgs, "account_id", "received_at")
            .join(vocab, "term", "left")
            .filter(F.col("_common").isNull() | ~F.col("_common"))
            .withColumn("w", F.coalesce("w", unseen))
            .drop("_common")
        )

    a_terms = weighted(probes).select(
        F.col("feedback_id").alias("a"), "account_id", F.col("received_at").alias("a_at"),
        "term", "w",
    )  # fmt: skip
    b_terms = weighted(earlier).select(
        F.col("feedback_id").alias("b"), "account_id", F.col("received_at").alias("b_at"),
        "term", F.col("w").alias("wb"),
    )  # fmt: skip
    # the probes' words are few: they are the build side, every earlier message streams past
    shared = (
        F.broadcast(a_terms)
        .join(b_terms, ["account_id", "term"])
        .filter(
            (F.col("a_at").cast("long") - F.col("b_at").cast("long")).between(0, window_s)
            & (F.col("a") != F.col("b"))
            & ((F.col("b_at") < F.col("a_at")) | (F.col("b") < F.col("a")))
        )
        .groupBy("a", "b", "b_at")
        .agg(F.sum("w").alias("shared"), F.count(F.lit(1)).alias("n_shared"))
        .filter(F.col("n_shared") >= F.lit(_MIN_SHARED))
    )
    mass_a = a_terms.groupBy("a").agg(F.sum("w").alias("ma"))
    mass_b = (
        b_terms.join(shared.select("b").distinct(), "b", "left_semi")
        .groupBy("b")
        .agg(F.sum("wb").alias("mb"))
    )
    scored = (
        shared.join(mass_a, "a")
        .join(mass_b, "b")
        .withColumn("overlap", F.col("shared") / F.least("ma", "mb"))
        .filter(F.col("overlap") >= F.lit(cfg.follow_up_min_overlap))
    )
    best = Window.partitionBy("a").orderBy(F.desc("overlap"), F.asc("b_at"), F.asc("b"))
    return (
        scored.withColumn("_rank", F.row_number().over(best))
        .filter(F.col("_rank") == 1)
        .select(
            F.col("a").alias("feedback_id"), F.col("b").alias("duplicate_of"),
            F.lit("follow_up").alias("duplicate_kind"),
        )
    )  # fmt: skip
