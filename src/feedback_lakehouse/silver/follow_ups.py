"""Follow-ups and re-sends: the same person writing again about a problem they already
reported, in other words ("any update on the double charge I e-mailed about?", a ticket
filed after a chat, a review followed by an e-mail). MinHash finds copies; these share the
problem's words, not the text.

Two messages are compared when they come from one account within
``silver.follow_up_window_days``, and their similarity is the share of the shorter one's
distinctive words they have in common, each word weighted by how rare it is among the
messages compared (inverse document frequency over the window, so product words every message
uses count little; ids, versions and timestamps count when shared but do not dilute; plural
and -ing/-ed forms count as one word).

- A message that refers to an earlier contact (``FOLLOW_UP_CUES``: "following up", "any
  update", "as discussed in chat", "my ticket/e-mail from Monday", ``Re:``/``Fwd:`` ...) is
  compared with every earlier message of its account (a colleague may chase it) and needs a
  similarity of ``silver.follow_up_min_overlap``.
- One that does not is compared only with earlier messages of the same requester (or, when
  the export names no requester for either, of the same account): a re-send through another
  channel, or a resubmission. With no words saying so, the similarity it needs grows with the
  time between the two, from ``follow_up_min_overlap`` at once to twice that at the window's
  end. Two people of one account reporting one problem are two reports (more volume), not a
  follow-up; so is anything from an account without requesters that writes more than
  ``silver.follow_up_account_max_messages`` times in the window (that is several people).

The words are those of ``silver.message_terms`` (``silver.words``: a source's template lines
left out). All of it runs as Spark joins: words of the batch's messages against the window's,
keyed by account (and requester), so the work grows with the messages of one account, not the
table."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.silver import words

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
    # an earlier contact named by its channel: "following chat yesterday", "as discussed in
    # chat", "re: my email 9 apr", "emailed on the 9th", "left a 1-star review this morning"
    r"(?:follow(?:ing|s)?|per|re:?|as discussed (?:in|on|over|via)) (?:(?:my|our|the|a|an|this"
    r"|yesterday'?s?|earlier) )*(?:chat|e-?mail|call|phone call|review|ticket|case|conversation)",
    r"(?:^|[.!?\n] *|\b(?:i|we) )(?:e-?mailed|called|wrote in|spoke|chatted"
    r"|left a (?:\S+ )?review)\b",
    r"(?:my|our) (?:chat|e-?mail|call|review|ticket|message)s? (?:\S+ ){0,3}?(?:yesterday"
    r"|last (?:night|week|month)|this morning|earlier|\d+ (?:days?|weeks?) ago|on the \d)",
    # German, French, Spanish, Portuguese, Italian, Dutch
    r"bisher keine antwort|noch keine antwort|nachfrage zu|meine[rn]? (?:e-?mail|anfrage"
    r"|nachricht|ticket) vom",
    r"relance|sans réponse|toujours pas de réponse|mon (?:e-?mail|ticket|message) du",
    r"sin respuesta|mi (?:correo|ticket|mensaje) del|sem resposta|meu (?:e-?mail|chamado"
    r"|ticket) d|nessuna risposta|sollecito|geen reactie|mijn (?:e-?mail|ticket) van",
)
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
WORK = "ops.silver_follow_up_work"


def _cue() -> Column:
    from pyspark.sql import functions as F

    return F.lower(F.col("text")).rlike("|".join(f"(?:{c})" for c in FOLLOW_UP_CUES))


def _terms(df: DataFrame, *keep: str) -> DataFrame:
    """(feedback_id, *keep, term): the distinct words of each ``silver.message_terms`` row."""
    from pyspark.sql import functions as F

    return df.select("feedback_id", *keep, F.explode("terms").alias("term"))


def _who(unnamed: frozenset[str] | set[str]) -> Column:
    """Who sent it, for a message without a cue: the requester; for a source that names none
    (an export mapped without ``requester``), '' (the account stands for its sender); null
    (never the same sender) for a source that names requesters but not on this message."""
    from pyspark.sql import functions as F

    anonymous = F.col("source").isin(*unnamed) if unnamed else F.lit(False)
    return F.when(F.col("requester_id").isNotNull(), F.col("requester_id")).when(
        anonymous, F.lit("")
    )


def follow_up_links(
    catalog: Catalog, new: DataFrame, settings: Settings, taken: DataFrame,
    unnamed: frozenset[str] | set[str] = frozenset(),
) -> DataFrame:  # fmt: skip
    """(feedback_id, duplicate_of, duplicate_kind='follow_up') for the new messages that
    follow up an earlier one. ``new``: feedback_id, source, received_at, account_id,
    requester_id, text of the batch; ``taken``: feedback ids already linked as copies (not
    linked again); ``unnamed``: sources whose exports name no requester."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    cfg = settings.silver
    window_s = cfg.follow_up_window_days * 86400
    cols = ("feedback_id", "source", "account_id", "requester_id", "received_at", "terms")
    indexed = catalog.read(words.TABLE)
    probes = (
        new.filter(F.col("account_id").isNotNull())
        .join(taken, "feedback_id", "left_anti")
        .select("feedback_id", _cue().alias("cue"))
        .join(indexed.select(*cols), "feedback_id")
    )
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
    window = indexed.select(*cols).filter(in_window)  # the batch is indexed already
    vocab, unseen = _vocab(window)
    _write_work(catalog, probes, window.filter(F.col("account_id").isNotNull()), vocab, unseen,
                cfg.follow_up_account_max_messages, unnamed)  # fmt: skip
    work = catalog.read(WORK)
    a_side = work.filter(F.col("probe")).select(
        F.col("feedback_id").alias("a"), "account_id", "who", "cue",
        F.col("received_at").alias("a_at"), "term", "w", "mw",
    )  # fmt: skip
    b_side = work.filter(~F.col("probe")).select(
        F.col("feedback_id").alias("b"), "account_id", "who", F.col("received_at").alias("b_at"),
        "term", F.col("w").alias("wb"), F.col("mw").alias("mwb"),
    )  # fmt: skip
    # a message with a cue meets its whole account; one without, its own sender's earlier
    # messages only
    cued = a_side.filter(F.col("cue")).join(b_side.drop("who"), ["account_id", "term"])
    uncued = (
        a_side.filter(~F.col("cue"))
        .join(b_side, ["account_id", "who", "term"])
        .select(*cued.columns)
    )
    gap = F.col("a_at").cast("long") - F.col("b_at").cast("long")
    shared = (
        cued.unionByName(uncued)
        .filter(
            gap.between(0, window_s)
            & (F.col("a") != F.col("b"))
            & ((F.col("b_at") < F.col("a_at")) | (F.col("b") < F.col("a")))
        )
        .groupBy("a", "b", "b_at", "cue", (gap / F.lit(window_s)).alias("age"))
        .agg(F.sum("w").alias("shared"), F.count(F.lit(1)).alias("n_shared"))
        .filter(F.col("n_shared") >= F.lit(_MIN_SHARED))
    )
    mass_a = a_side.groupBy("a").agg(F.sum("mw").alias("ma"))
    mass_b = b_side.groupBy("b").agg(F.sum("mwb").alias("mb"))
    need = F.lit(cfg.follow_up_min_overlap) * F.when(F.col("cue"), 1.0).otherwise(
        1.0 + F.col("age")
    )
    scored = (
        shared.join(mass_a, "a")
        .join(mass_b, "b")
        .withColumn("overlap", F.col("shared") / F.greatest(F.least("ma", "mb"), F.lit(1e-9)))
        .filter(F.col("overlap") >= need)
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


def _vocab(window: DataFrame) -> tuple[DataFrame, Column]:
    """Word weights: inverse document frequency over the window's messages (every account; a
    fixed-size sample of a large window), and the weight of a word the sample never saw (it is
    rare: the highest). Words in more than a twentieth of them get no weight (null): they
    weigh little and their long postings are what would make the join costly."""
    from pyspark.sql import functions as F

    sample, _ = words.hash_sample(window, window.count(), _IDF_SAMPLE)
    n_docs = sample.count()
    common = max(_MIN_COMMON_DF, n_docs * _COMMON_SHARE)
    vocab = F.broadcast(
        _terms(sample).groupBy("term").agg(F.count(F.lit(1)).alias("df")).select(
            "term", F.when(F.col("df") <= common, F.log(
                F.lit(n_docs + _IDF_PRIOR_DOCS) / (F.col("df") + 1))).alias("w"),
            (F.col("df") > common).alias("_common"),
        )
    )  # fmt: skip
    return vocab, F.lit(math.log(n_docs + _IDF_PRIOR_DOCS))


def _write_work(
    catalog: Catalog, probes: DataFrame, earlier: DataFrame, vocab: DataFrame, unseen: Column,
    account_max: int, unnamed: frozenset[str] | set[str],
) -> None:  # fmt: skip
    """The weighted words of the messages compared into ``WORK``, once: the probes (the
    batch's messages that may follow up) and the earlier messages they may follow up, which
    are all a cued probe's account wrote and what an uncued probe's own sender wrote. The
    joins then read this small table instead of the window again for every side."""
    from pyspark.sql import functions as F

    # an account that writes more than this in the window is several people: without a
    # requester, its messages that do not say they follow up are told apart by nothing
    busy = (
        earlier.groupBy("account_id")
        .agg(F.count(F.lit(1)).alias("_n"))
        .filter(F.col("_n") > account_max)
        .select("account_id", F.lit(True).alias("busy"))
    )
    probes = probes.join(F.broadcast(busy), "account_id", "left").withColumn(
        "who", F.when(F.col("busy").isNull() | (_who(unnamed) != ""), _who(unnamed))
    )
    earlier = earlier.withColumn("who", _who(unnamed))
    # senders who wrote once in the window are left out before any word is read, and the
    # sender is part of the join's key (a large account's messages never meet)
    twice = (
        earlier.filter(F.col("who").isNotNull())
        .groupBy("account_id", "who")
        .agg(F.count(F.lit(1)).alias("_n"))
        .filter(F.col("_n") >= 2)
        .select("account_id", "who")
    )
    uncued = probes.filter(~F.col("cue")).join(twice, ["account_id", "who"], "left_semi")
    probes = probes.filter(F.col("cue")).unionByName(uncued.select(*probes.columns))
    cued_accounts = probes.filter(F.col("cue")).select("account_id", F.lit(True).alias("_a"))
    senders = uncued.select("account_id", "who", F.lit(True).alias("_s"))
    wanted = (
        earlier.join(cued_accounts.distinct(), "account_id", "left")
        .join(senders.distinct(), ["account_id", "who"], "left")
        .filter(F.col("_a").isNotNull() | F.col("_s").isNotNull())
    )
    cols = ("feedback_id", "account_id", "who", "received_at", "terms")
    rows = probes.select(*cols, "cue", F.lit(True).alias("probe")).unionByName(
        wanted.select(*cols, F.lit(None).cast("boolean").alias("cue"), F.lit(False).alias("probe"))
    )
    # ids, versions and timestamps (words with a digit) count when two messages share them,
    # never in a message's own mass: a pasted log must not drown its words
    weighted = (
        _terms(rows, "account_id", "who", "received_at", "cue", "probe")
        .join(vocab, "term", "left")
        .filter(F.col("_common").isNull() | ~F.col("_common"))
        .withColumn("w", F.coalesce("w", unseen))
        .withColumn("mw", F.when(F.col("term").rlike(r"\p{N}"), 0.0).otherwise(F.col("w")))
        .select(*catalog.spec(WORK).columns)
    )
    weighted.write.insertInto(catalog.physical(WORK), overwrite=True)
