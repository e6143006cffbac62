"""Non-English composition (fr, de, es, ja) for the most common issues and for noise."""

from __future__ import annotations

import random

from feedback_lakehouse.synth.i18n_es_ja import ES, JA
from feedback_lakehouse.synth.i18n_fr_de import DE, FR
from feedback_lakehouse.synth.phrasing import cap, fill

LANGS = ("fr", "de", "es", "ja")


def _parse(table: dict[str, str]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    out = {}
    for iid, text in table.items():
        sym, _, ctx = text.partition("||")
        out[iid] = (
            tuple(s.strip() for s in sym.split("|") if s.strip()),
            tuple(s.strip() for s in ctx.split("|") if s.strip()),
        )
    return out


PHRASES = {"fr": _parse(FR), "de": _parse(DE), "es": _parse(ES), "ja": _parse(JA)}
WHEN = {
    "fr": ("la semaine dernière", "hier", "lundi", "la mise à jour"),
    "de": ("letzter Woche", "gestern", "Montag", "dem Update"),
    "es": ("desde ayer", "desde el lunes", "desde la actualización", "esta semana"),
}
GREETINGS = {
    "fr": ("Bonjour,", "Bonjour l'équipe,", "Salut,", "Madame, Monsieur,", ""),
    "de": ("Hallo,", "Guten Tag,", "Hallo zusammen,", "Sehr geehrtes Support-Team,", ""),
    "es": ("Hola,", "Buenos días,", "Hola equipo,", "Estimado equipo de soporte:", ""),
    "ja": ("お世話になっております。", "サポートご担当者様", "こんにちは。", ""),
}
SIGNOFFS = {
    "fr": ("Merci,", "Cordialement,", "Bien à vous,", "Merci d'avance,"),
    "de": ("Danke,", "Viele Grüße,", "Mit freundlichen Grüßen,", "Beste Grüße,"),
    "es": ("Gracias,", "Saludos,", "Un saludo,", "Atentamente,"),
    "ja": ("よろしくお願いいたします。", "以上、よろしくお願いします。", "ご確認をお願いします。"),
}
ASKS = {
    "fr": (
        "Pouvez-vous regarder ?",
        "Une idée du délai ?",
        "C'est un problème connu ?",
        "Merci de corriger au plus vite.",
        "",
    ),
    "de": (
        "Könnt ihr euch das ansehen?",
        "Gibt es schon einen Zeitplan?",
        "Ist das bekannt?",
        "Bitte dringend beheben.",
        "",
    ),
    "es": (
        "¿Podéis revisarlo?",
        "¿Hay fecha estimada?",
        "¿Es un problema conocido?",
        "Por favor, arreglarlo cuanto antes.",
        "",
    ),
    "ja": (
        "ご確認いただけますか。",
        "解決の目処を教えてください。",
        "既知の問題でしょうか。",
        "至急対応をお願いします。",
        "",
    ),
}
IMPACTS = {
    "fr": (
        "Toute l'équipe est bloquée.",
        "Nous ne pouvons pas envoyer le rapport au comité.",
        "Cela nous fait perdre beaucoup de temps.",
    ),
    "de": (
        "Das ganze Team ist blockiert.",
        "Wir können den Vorstandsbericht nicht senden.",
        "Das kostet uns jeden Tag Zeit.",
    ),
    "es": (
        "Todo el equipo está bloqueado.",
        "No podemos enviar el informe a dirección.",
        "Nos hace perder mucho tiempo.",
    ),
    "ja": (
        "チーム全員が作業できません。",
        "役員向けレポートを送れません。",
        "毎日かなりの時間を失っています。",
    ),
}
CUES = {
    "fr": ("Par ailleurs,", "Autre chose :", "Et aussi,", "\n\n"),
    "de": ("Außerdem:", "Noch etwas:", "Ein anderes Thema:", "\n\n"),
    "es": ("Además,", "Otra cosa:", "Por otro lado,", "\n\n"),
    "ja": ("また、", "別件ですが、", "もう一点、", "\n\n"),
}
NOISE = {
    "question": {
        "fr": (
            "Comment ajouter un filtre à un tableau de bord ?",
            "Comment planifier un rapport hebdomadaire ?",
            "Où puis-je changer le fuseau horaire ?",
        ),
        "de": (
            "Wie füge ich einem Dashboard einen Filter hinzu?",
            "Wie plane ich einen wöchentlichen Bericht?",
            "Wo ändere ich die Zeitzone?",
        ),
        "es": (
            "¿Cómo añado un filtro a un panel?",
            "¿Cómo programo un informe semanal?",
            "¿Dónde cambio la zona horaria?",
        ),
        "ja": (
            "ダッシュボードにフィルターを追加するにはどうすればいいですか。",
            "週次レポートの設定方法を教えてください。",
            "タイムゾーンはどこで変更できますか。",
        ),
    },
    "praise": {
        "fr": (
            "Super produit, merci pour les nouveaux graphiques !",
            "L'équipe support est top, merci.",
            "Les rapports planifiés nous font gagner un temps fou.",
        ),
        "de": (
            "Tolles Produkt, danke für die neuen Diagramme!",
            "Der Support ist super, danke.",
            "Die geplanten Berichte sparen uns viel Zeit.",
        ),
        "es": (
            "¡Gran producto, gracias por los nuevos gráficos!",
            "El equipo de soporte es genial.",
            "Los informes programados nos ahorran mucho tiempo.",
        ),
        "ja": (
            "新しいグラフ機能、とても便利です。ありがとうございます。",
            "サポートの対応が素晴らしいです。",
            "スケジュールレポートのおかげで作業時間が減りました。",
        ),
    },
}
SPOKEN = {
    "fr": ("euh, ", "alors voilà, ", "bon, "),
    "de": ("äh, ", "also, ", "ja, also "),
    "es": ("eh, ", "pues nada, ", "bueno, "),
    "ja": ("えーと、", "あの、", "そうですね、"),
}


def _end(lang: str, text: str) -> str:
    if lang == "ja":
        return text if text.endswith("。") else text + "。"
    return text if text.endswith((".", "?", "!")) else text + "."


def compose_issue_i18n(rng: random.Random, issue_id: str, lang: str, env: dict[str, str]) -> str:
    """One issue block in ``lang``: a symptom, maybe context, impact and ask."""
    syms, ctxs = PHRASES[lang][issue_id]
    local_env = dict(env)
    sym = rng.choice(syms)
    if "{when_" in sym or any("{when_" in c for c in ctxs):
        w = rng.choice(WHEN.get(lang, ("",)))
        syms = tuple(s.replace(f"{{when_{lang}}}", w) for s in syms)
        ctxs = tuple(c.replace(f"{{when_{lang}}}", w) for c in ctxs)
        sym = sym.replace(f"{{when_{lang}}}", w)
    parts = [_end(lang, cap(fill(rng, sym, local_env)))]
    if rng.random() < 0.6:
        parts.append(_end(lang, cap(fill(rng, rng.choice(ctxs), local_env))))
    if rng.random() < 0.4:
        parts.append(rng.choice(IMPACTS[lang]))
    if len(parts) > 2 and rng.random() < 0.3:
        parts[1], parts[2] = parts[2], parts[1]
    ask = rng.choice(ASKS[lang])
    if ask:
        parts.append(ask)
    return ("" if lang == "ja" else " ").join(parts)


def noise_i18n(rng: random.Random, kind: str, lang: str) -> str:
    return rng.choice(NOISE[kind][lang])
