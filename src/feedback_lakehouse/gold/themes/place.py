"""Themes that keep their identity: ``silver.insights`` -> ``gold.themes``,
``gold.theme_members`` and ``gold.theme_lineage``.

Each run: vectors for fragments without a theme (on the executors); each joins the nearest
existing theme when close enough; the rest are clustered (a bounded sample, UMAP + Ward) into new
themes, which they then join; near-identical themes merge (recorded as lineage); touched
themes are named and summarised again from a sample of their fragments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from feedback_lakehouse.gold.themes.clustering import (
    ClusterSettings,
    merges,
    new_clusters,
    normalise,
    running_mean,
)
from feedback_lakehouse.gold.themes.embedder import semantic
from feedback_lakehouse.gold.themes.frames import (
    Theme,
    append_lineage,
    assign_df,
    member_texts,
    theme_vectors,
    vector_sums,
)
from feedback_lakehouse.gold.themes.names import name_themes
from feedback_lakehouse.gold.themes.space import rebuild_if_space_changed
from feedback_lakehouse.gold.themes.splits import split_themes

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.run import StepRun

WORK = "ops.theme_work"
ASSIGN = "ops.theme_assign"
ASSIGN_NEW = "ops.theme_assign_new"


@dataclass(frozen=True, slots=True)
class Placement:
    placed: int
    """Fragments that found a theme this run."""
    since: datetime | None
    """Earliest ``received_at`` among them that are new to gold: spikes are recomputed from
    there (less the windows' reach). None: nothing new, spikes stand."""


def run_themes(run: StepRun) -> Placement:
    """Place this run's fragments; says how many found a theme and from when later gold
    tables need recomputing (see ``recompute_from``)."""
    from pyspark.sql import functions as F

    catalog, report = run.catalog, run.report
    g = run.settings.gold
    cs = ClusterSettings.of(g)
    rebuild_if_space_changed(run)
    _drop_orphan_lineage(catalog)
    # A member counts as placed once its theme has taken it in: the theme exists and was
    # written by the run that assigned it, or later. A run killed between the two tables
    # left members whose theme is missing, or whose theme's count and running-mean centroid
    # never included them: those are placed again, as fragments without a theme are.
    themes_at = catalog.read("gold.themes").select("theme_id", F.col("updated_at").alias("_t"))
    members = (
        catalog.read("gold.theme_members")
        .filter(F.col("theme_id").isNotNull())
        .join(F.broadcast(themes_at), "theme_id")
        .filter(F.col("assigned_at") <= F.col("_t"))
    )
    new = (
        catalog.read("silver.insights")
        .filter(F.col("error").isNull())
        .select("fragment_id", "feedback_id")
        .join(members.select("fragment_id"), "fragment_id", "left_anti")
    )
    waiting = catalog.read("gold.theme_members").filter(F.col("theme_id").isNull())
    if not new.join(waiting.select("fragment_id"), "fragment_id", "left_anti").limit(1).count():
        # only fragments tried before and still waiting: no theme changed since, so neither
        # would their answer (a re-run with nothing new used to place a few more each time,
        # against centroids that had moved after they were tried). New fragments retry them.
        report.details["fragments_without_theme"] = 0
        report.details["fragments_waiting"] = waiting.count()
        return Placement(0, None)
    todo = member_texts(catalog, new)
    extent = todo.agg(F.count(F.lit(1)).alias("n")).first()
    if not extent["n"]:
        report.details["fragments_without_theme"] = 0
        return Placement(0, None)
    with report.timed("vectors"):
        ddl = "fragment_id STRING, feedback_id STRING, vector ARRAY<FLOAT>"
        theme_vectors(todo, ddl).write.insertInto(catalog.physical(WORK), overwrite=True)
        pending = catalog.read(WORK).count()
    report.details["fragments_without_theme"] = pending
    themes = _load_themes(catalog)
    with report.timed("assign"):
        work = catalog.read(WORK).select("fragment_id", "feedback_id", "vector")
        assign_df(work, themes, cs.join_similarity).write.insertInto(
            catalog.physical(ASSIGN), overwrite=True
        )
        pool = catalog.read(ASSIGN).filter(F.col("theme_id").isNull())
        n_pool = pool.count()
    born: list[Theme] = []
    final = catalog.read(ASSIGN)
    if n_pool >= cs.min_cluster_size:
        with report.timed("cluster"):
            frac = min(1.0, cs.sample / n_pool)
            # chosen by a hash of the fragment id, not by the engine's partitions: a rerun
            # after a crash samples the same fragments
            by_hash = (F.crc32(F.col("fragment_id")) % 100_000).cast("double") / 100_000.0
            sample = pool.filter(by_hash < frac) if frac < 1 else pool
            born, clustered = _birth(run, sample, cs, themes)
            if born or clustered:  # the pool joins the newborn themes where close enough
                joined = assign_df(pool.select("fragment_id", "feedback_id", "vector"), born,
                                   cs.join_similarity)  # fmt: skip
                _keep_clustered(catalog, joined, clustered).write.insertInto(
                    catalog.physical(ASSIGN_NEW), overwrite=True
                )
                final = (
                    catalog.read(ASSIGN)
                    .filter(F.col("theme_id").isNotNull())
                    .unionByName(catalog.read(ASSIGN_NEW))
                )
    report.details["themes_born"] = len(born)
    if not born and not final.filter(F.col("theme_id").isNotNull()).limit(1).count():
        # only fragments that still wait for a theme: no theme changed, none is rewritten (a
        # no-op run used to rewrite every theme because two fragments were waiting)
        with report.timed("land"):
            _land_members(run, final)
        return Placement(0, None)
    # before landing, which changes who was waiting
    placement = recompute_from(
        final, catalog.read("gold.theme_members"), catalog.read("silver.fragments")
    )
    with report.timed("land"):
        _land_members(run, final)
    with report.timed("centroids"):
        active = _update_centroids(catalog, final, themes + born)
        _merge_themes(run, active, born, cs)
    with report.timed("split"):
        before = {t.theme_id: t.count for t in themes}
        moved = split_themes(run, active, before)
    with report.timed("name"):
        name_themes(run, active)
    if moved is not None and (placement.since is None or moved < placement.since):
        # fragments that moved to a new theme: its spike history starts with them
        placement = Placement(placement.placed, moved)
    return placement


def _birth(
    run: StepRun, sample: DataFrame, cs: ClusterSettings, themes: list[Theme]
) -> tuple[list[Theme], list[tuple[str, str, float]]]:
    """New themes found in the sample of waiting fragments, clustered by what their texts
    mean (``embedder.semantic``); each theme's centroid is its members' mean theme vector.
    Also (fragment_id, theme_id, similarity) of every sampled fragment a theme was formed
    from: it belongs there, however far its own words sit from the centroid. A cluster whose
    centroid is as close to an existing theme as a member must be (``join_similarity``) is
    that theme's: its members join it, no twin is born (fragments that waited are clustered
    again on later runs, and used to found a second theme of an issue every time)."""
    from pyspark.sql import functions as F

    texts = run.catalog.read("silver.fragments").select("fragment_id", "text")
    # bounded collect: at most ~cluster_sample rows, in one order whatever the engine's
    # partitions (a rerun after a crash must find the same themes)
    picked = (
        sample.select("fragment_id", "vector").join(texts, "fragment_id")
        .orderBy(F.col("fragment_id")).collect()
    )  # fmt: skip
    if not picked:
        return [], []
    vecs = np.array([r["vector"] for r in picked], dtype=np.float32)
    run.progress.stage(f"themes: read the meaning of {len(picked):,} waiting fragments")
    meaning = semantic([r["text"] or "" for r in picked])
    run.progress.stage("themes: find new themes among them")
    born: list[Theme] = []
    clustered: list[tuple[str, str, float]] = []
    known = np.stack([t.centroid for t in themes]) if themes else None
    for rows in new_clusters(meaning, cs):
        centroid = normalise(vecs[rows].mean(axis=0))
        near = -1 if known is None else int(np.argmax(known @ centroid))
        if near >= 0 and float(known[near] @ centroid) >= cs.join_similarity:
            theme = themes[near]
        else:
            theme = Theme(f"TH-{uuid.uuid4().hex[:10]}", centroid, 0, run.now, None)
            born.append(theme)
        sims = vecs[rows] @ theme.centroid
        clustered += [(picked[i]["fragment_id"], theme.theme_id, float(x))
                      for i, x in zip(rows.tolist(), sims.tolist(), strict=True)]  # fmt: skip
    return born, clustered


def _keep_clustered(
    catalog: Catalog, joined: DataFrame, clustered: list[tuple[str, str, float]]
) -> DataFrame:
    """``joined`` (the pool's nearest newborn theme) with each sampled fragment in the theme
    it was clustered into."""
    from pyspark.sql import functions as F

    if not clustered:
        return joined
    keep = catalog.spark.createDataFrame(
        clustered, "fragment_id STRING, _theme STRING, _sim DOUBLE"
    )
    return joined.join(F.broadcast(keep), "fragment_id", "left").select(
        "fragment_id", "feedback_id",
        F.coalesce("_theme", "theme_id").alias("theme_id"),
        F.coalesce("_sim", "similarity").alias("similarity"), "vector",
    )  # fmt: skip


def recompute_from(final: DataFrame, members: DataFrame, fragments: DataFrame) -> Placement:
    """How many fragments found a theme this run, and the earliest ``received_at`` among those
    new to gold. A fragment that waited without a theme and is placed now does not reopen the
    history before it: it counts in the facts (rebuilt each run) and its old hours' spikes stand
    as reported (otherwise one straggler from July reopens four months of spike windows)."""
    from pyspark.sql import functions as F

    waiting = members.filter(F.col("theme_id").isNull()).select(
        "fragment_id", F.lit(True).alias("_waited")
    )
    row = (
        final.filter(F.col("theme_id").isNotNull()).select("fragment_id")
        .join(waiting, "fragment_id", "left")
        .join(fragments.select("fragment_id", "received_at"), "fragment_id")
        .agg(F.count(F.lit(1)).alias("n"),
             F.min(F.when(F.col("_waited").isNull(), F.col("received_at"))).alias("new"))
        .first()
    )  # fmt: skip
    return Placement(int(row["n"]), row["new"])


def _load_themes(catalog: Catalog) -> list[Theme]:
    from pyspark.sql import functions as F

    rows = catalog.read("gold.themes").filter(F.col("status") == "active").collect()  # small
    return [
        Theme(
            r["theme_id"],
            np.array(r["centroid"], dtype=np.float32),
            int(r["fragment_count"]),
            r["created_at"],
            r.asDict(recursive=True),
        )
        for r in rows
    ]


def _land_members(run: StepRun, final: DataFrame) -> None:
    from pyspark.sql import functions as F

    catalog, report, now = run.catalog, run.report, run.now
    rows = final.select(
        "fragment_id", "feedback_id", "theme_id", "similarity",
        F.lit(now).cast("timestamp").alias("assigned_at"),
    )  # fmt: skip
    counts = catalog.upsert("gold.theme_members", rows, "theme_id")
    report.details["theme_members"] = counts
    report.details["unassigned"] = final.filter(F.col("theme_id").isNull()).count()


def _update_centroids(catalog: Catalog, final: DataFrame, themes: list[Theme]) -> list[Theme]:
    """Running means: each theme's centroid moves by the vectors that joined it this run.
    One aggregation gives, per theme and dimension, the sum of the new vectors and (the same
    for every dimension) how many joined."""
    sums = vector_sums(final, len(themes[0].centroid) if themes else 0)
    out = []
    for t in themes:
        added, n = sums.get(t.theme_id, (t.centroid, 0))
        if n:
            t.centroid = running_mean(t.centroid, t.count, added, n)
            t.count += n
        if t.count > 0:
            out.append(t)
    return out


def _merge_themes(
    run: StepRun, themes: list[Theme], born: list[Theme], cs: ClusterSettings
) -> None:
    """Near-identical themes become one; members follow the survivor; lineage records it."""
    catalog, now = run.catalog, run.now
    lineage = [(now, "born", t.theme_id, None, f"{t.count} fragments") for t in born if t.count]
    moves: dict[str, str] = {}
    if len(themes) > 1:
        cents = np.stack([t.centroid for t in themes])
        sizes = np.array([t.count for t in themes])
        for a, b in merges(cents, sizes, cs.merge_similarity):
            absorbed, survivor = themes[a], themes[b]
            survivor.centroid = normalise(
                survivor.centroid * survivor.count + absorbed.centroid * absorbed.count
            )
            survivor.count += absorbed.count
            absorbed.count = -1  # marked: merged
            lineage.append((now, "merged", absorbed.theme_id, survivor.theme_id,
                            f"centroid similarity {float(cents[a] @ cents[b]):.3f}"))  # fmt: skip
            moves[absorbed.theme_id] = survivor.theme_id
    if moves:
        move_members(catalog, moves)
    run.report.details["themes_merged"] = len(moves)
    append_lineage(catalog, lineage)
    retired = [_retired_row(t, lineage, now) for t in themes if t.count < 0]
    catalog.merge_rows("gold.themes", retired)  # one MERGE for all (none: nothing runs)
    themes[:] = [t for t in themes if t.count > 0]


def _drop_orphan_lineage(catalog: Catalog) -> None:
    """Lineage of themes that were never written (a run killed between the two tables): the
    rerun places those fragments again and records their themes' births itself."""
    lineage = catalog.read("gold.theme_lineage")
    themes = catalog.read("gold.themes").select("theme_id")
    if not lineage.join(themes, "theme_id", "left_anti").limit(1).count():
        return  # the usual case: one small query, nothing collected
    spec = catalog.spec("gold.theme_lineage")
    # in the table's column order: a join puts its key first, and rows are read by position
    rows = lineage.join(themes, "theme_id", "left_semi").select(*spec.columns).collect()
    schema = " ".join(spec.schema.split())
    catalog.replace("gold.theme_lineage", catalog.spark.createDataFrame(rows, schema))


def move_members(catalog: Catalog, moves: dict[str, str]) -> None:
    """Every merged theme's members to the theme they end up in (a survivor may itself be
    absorbed later in the same run), in one upsert: on the embedded engine each MERGE reads the
    whole members table (about 7 s at 1M members), and this used to run one per merge."""
    from pyspark.sql import functions as F

    final = {}
    for source, target in moves.items():
        while target in moves:
            target = moves[target]
        final[source] = target
    mapping = catalog.spark.createDataFrame(sorted(final.items()), "theme_id STRING, _into STRING")
    moved = (
        catalog.read("gold.theme_members")
        .join(F.broadcast(mapping), "theme_id")
        .withColumn("theme_id", F.col("_into"))
        .drop("_into")
    )
    catalog.upsert("gold.theme_members", moved, "theme_id")


def _retired_row(t: Theme, lineage: list[tuple], now: datetime) -> dict[str, Any]:
    into = next(x[3] for x in lineage if x[1] == "merged" and x[2] == t.theme_id)
    row = dict(t.row or {})
    row.update(theme_id=t.theme_id, status="merged", merged_into=into, updated_at=now)
    return row
