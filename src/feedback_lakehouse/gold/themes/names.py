"""Names, summaries, variations and representative tickets for the touched themes, from a
deterministic sample of each theme's fragments.

Offline (``naming``) every theme is named on every run. With ``gold.naming: openai`` (or
``auto`` and the openai insights backend) a chat model writes the label and the summary
paragraph (``model_names``); its answer is kept in ``gold.theme_names`` and reused until the
theme has grown by ``gold.rename_growth``, so a theme's name does not change on every run
and a re-run makes no call. A theme the model could not name keeps its offline name, with
the reason, and is tried again next run. The counts sentence that opens a summary is always
written from the data."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from feedback_lakehouse.config.check import conf_files
from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.gold.themes.frames import Theme
from feedback_lakehouse.gold.themes.model_names import (
    PROMPT_VERSION,
    PURPOSE,
    counts_sentence,
    model_names,
)
from feedback_lakehouse.gold.themes.naming import ThemeName, ThemeSample, key_phrases, name_theme
from feedback_lakehouse.gold.themes.splits import sample_members
from feedback_lakehouse.llm.client import ChatClient

if TYPE_CHECKING:
    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.run import StepRun


def check_naming(settings: Settings) -> None:
    """Fail before gold writes anything when model names are asked for but the endpoint's
    key is missing (``ConfigError`` naming the variable), not half-way through the step."""
    if settings.naming_backend == "openai":
        ChatClient(settings.insights.openai, purpose=PURPOSE)


def name_themes(run: StepRun, themes: list[Theme]) -> None:
    """Label, summary, variations and representative tickets of each theme -> gold.themes."""
    if not themes:
        return
    catalog, settings, now = run.catalog, run.settings, run.now
    samples, reps = _samples(catalog, settings, themes)
    phrases = key_phrases(samples)
    names = [name_theme(s, p) for s, p in zip(samples, phrases, strict=True)]
    if settings.naming_backend == "openai":
        names = _model_names(run, themes, samples, names)
    out = []
    for t, name in zip(themes, names, strict=True):
        out.append({
            "theme_id": t.theme_id, "label": name.label, "summary": name.summary,
            "key_phrases": name.key_phrases, "variations": name.variations,
            "severity": name.severity, "category": name.category,
            "product_area": name.product_area,
            "representative_feedback_ids": reps.get(t.theme_id, []),
            "fragment_count": t.count, "centroid": [float(x) for x in t.centroid],
            "status": "active", "merged_into": None,
            "created_at": t.created_at or now, "updated_at": now,
        })  # fmt: skip
    catalog.merge_rows("gold.themes", out)


def _samples(
    catalog: Catalog, settings: Settings, themes: list[Theme]
) -> tuple[list[ThemeSample], dict[str, list[str]]]:
    """Each theme's sample (its ``summary_sample`` most central sampled fragments) and up to
    five representative feedback ids."""
    from pyspark.sql import functions as F

    members = catalog.read("gold.theme_members").filter(F.col("theme_id").isNotNull())
    sample = (
        sample_members(members, settings.gold.summary_sample * 3)
        .join(catalog.read("silver.fragments").select("fragment_id", "text", "account_id"),
              "fragment_id")
        .join(catalog.read("silver.insights").select(
            "fragment_id", "sub_theme", "severity", "category", "product_area"), "fragment_id")
        .collect()  # about summary_sample x 3 rows per theme
    )  # fmt: skip
    # accounts per theme as one row per theme x account, then a count: a distinct aggregate
    # keeps its set in memory unspilled (see ``voc``)
    per_account = (
        members.join(catalog.read("silver.fragments").select("fragment_id", "account_id"),
                     "fragment_id")
        .filter(F.col("account_id").isNotNull())
        .select("theme_id", "account_id").distinct()
    )  # fmt: skip
    counts = per_account.groupBy("theme_id").count().collect()  # one row per theme
    accounts = {r["theme_id"]: int(r["count"]) for r in counts}
    by_theme: dict[str, list[Any]] = {}
    for r in sample:
        by_theme.setdefault(r["theme_id"], []).append(r)
    n_sample = settings.gold.summary_sample
    samples, reps = [], {}
    for t in themes:
        # ties (a duplicate's identical text) broken by id: the same tickets every run
        ranked = sorted(
            by_theme.get(t.theme_id, []), key=lambda r: (-r["similarity"], r["fragment_id"])
        )
        rows = ranked[:n_sample]
        samples.append(ThemeSample(
            t.theme_id, [r["text"] or "" for r in rows], [r["sub_theme"] for r in rows],
            [r["severity"] for r in rows], [r["category"] for r in rows],
            [r["product_area"] for r in rows], t.count, accounts.get(t.theme_id, 0),
        ))  # fmt: skip
        reps[t.theme_id] = list(dict.fromkeys(r["feedback_id"] for r in ranked))[:5]
    return samples, reps


def due(stored: dict[str, Any] | None, count: int, model: str, growth: float) -> bool:
    """Whether a theme needs a (new) model name: never named by this model and prompt, last
    attempt fell back, or grown by ``growth`` since it was named."""
    if stored is None or stored["source"] != f"model:{model}":
        return True
    if stored["prompt_version"] != PROMPT_VERSION:
        return True
    return count >= stored["named_count"] * (1 + growth)


def _model_names(
    run: StepRun, themes: list[Theme], samples: list[ThemeSample], offline: list[ThemeName]
) -> list[ThemeName]:
    """The model's names where due (others reuse the stored answer with fresh counts), the
    offline name where the model failed; calls go to the run's audit (``ops.insight_calls``
    and MLflow)."""
    from pyspark.sql import functions as F

    catalog, settings, now, report = run.catalog, run.settings, run.now, run.report

    oa = settings.insights.openai
    ids = [t.theme_id for t in themes]
    stored = {
        r["theme_id"]: r.asDict()
        for r in catalog.read("gold.theme_names").filter(F.col("theme_id").isin(ids)).collect()
    }  # one row per theme
    growth = settings.gold.rename_growth
    todo = [i for i, t in enumerate(themes)
            if due(stored.get(t.theme_id), t.count, oa.model, growth)]  # fmt: skip
    names = list(offline)
    for i, t in enumerate(themes):
        kept = stored.get(t.theme_id)
        if i not in todo and kept is not None:
            summary = f"{counts_sentence(samples[i])} {kept['paragraph']}"
            names[i] = replace(offline[i], label=kept["label"], summary=summary,
                               severity=kept["severity"])  # fmt: skip
    severities = conf_files(settings).taxonomy.severities
    got, calls = model_names([samples[i] for i in todo], [offline[i] for i in todo], oa,
                             severities, PROMPT_VERSION)  # fmt: skip
    rows = []
    for i, named in zip(todo, got, strict=True):
        names[i] = named.name
        rows.append({
            "theme_id": themes[i].theme_id, "label": named.name.label,
            "paragraph": named.paragraph, "severity": named.name.severity,
            "source": named.source, "error": named.error, "model": oa.model,
            "prompt_version": PROMPT_VERSION, "named_count": themes[i].count, "named_at": now,
        })  # fmt: skip
    catalog.merge_rows("gold.theme_names", rows)
    report.details["themes_named_by_model"] = sum(1 for n in got if n.source != "offline")
    report.details["theme_naming_failed"] = sum(1 for n in got if n.source == "offline")
    report.details["theme_naming_calls"] = len(calls)
    if calls:
        with run.audit.tracked("names") as tracker:
            run.audit.record_calls(tracker, calls, "name_theme", "themes")
            tracker.metrics({"theme_naming_calls": len(calls)})
    return names
