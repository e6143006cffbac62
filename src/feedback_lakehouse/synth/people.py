"""People and planted PII: names, e-mails, phones, order ids, Luhn-valid cards, IPs and
addresses. Every generator returns the exact string it planted so ground truth can record it.

Order/invoice id formats: ``INV-2026-004512`` (invoice), ``Order #A1B2C3D4`` (order) and
``PO-88231-LM`` (purchase order). All domains are example domains, US phones use 555-01xx."""

from __future__ import annotations

import random

FIRST = {
    "en": "Anna James Emily Michael Sarah David Laura Chris Olivia Daniel Priya Tom Grace Ryan"
    " Hannah Kevin Aisha Mark Rachel Omar",
    "fr": "Camille Julien Chloé Mathieu Léa Antoine Manon Nicolas Élodie Hugo Sophie Pierre",
    "de": "Lukas Anna Jonas Katrin Felix Sabine Tobias Julia Matthias Lena Stefan Jana",
    "es": "Lucía Javier Carmen Alejandro Sofía Diego María Pablo Elena Andrés Isabel Carlos",
    "ja": "Haruto Yui Sota Aoi Ren Hina Takumi Sakura Kenji Yuki Daiki Mio",
}
LAST = {
    "en": "Smith Johnson Brown Taylor Walker Patel Okafor Nguyen Murphy Clarke Hughes Khan"
    " O'Brien Foster Reed Bennett",
    "fr": "Martin Dubois Lefèvre Moreau Girard Fournier Rousseau Lambert Bonnet Mercier",
    "de": "Schmidt Müller Schneider Fischer Weber Wagner Becker Hoffmann Schäfer Koch",
    "es": "García Fernández López Martínez Sánchez Romero Navarro Torres Ruiz Delgado",
    "ja": "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato",
}
FIRST_L = {k: v.split() for k, v in FIRST.items()}
LAST_L = {k: v.split() for k, v in LAST.items()}
TITLES = (
    "Head of Analytics", "BI Lead", "Data Engineer", "IT Administrator", "Operations Manager",
    "VP Finance", "Product Manager", "Sales Ops Analyst", "CTO", "Controller",
    "Customer Success Lead", "Marketing Analyst",
)  # fmt: skip
DOMAINS = (
    "example.com", "example.org", "example.net", "acme-corp.example", "northwind.example",
    "globex.example", "initech.example", "contoso-mail.example",
)  # fmt: skip
STREETS = (
    ("221 Baker Street", "London NW1 6XE"), ("12 rue de Rivoli", "75001 Paris"),
    ("Hauptstraße 45", "10115 Berlin"), ("Calle de Alcalá 120", "28009 Madrid"),
    ("1600 Example Avenue", "Springfield, IL 62701"), ("48 Harbour Road", "Leeds LS1 4AP"),
    ("7 avenue Jean Jaurès", "69007 Lyon"), ("Königsallee 8", "40212 Düsseldorf"),
    ("350 Market Street, Suite 12", "San Francisco, CA 94105"),
)  # fmt: skip
_ASCII = str.maketrans("éèàçöüäßñíóúÉ'", "eeacouaaniouE_")


def person(rng: random.Random, lang: str) -> str:
    """A full name; mostly from the language's pool, sometimes from anywhere."""
    pool = lang if lang in FIRST_L and rng.random() < 0.7 else rng.choice(tuple(FIRST_L))
    return f"{rng.choice(FIRST_L[pool])} {rng.choice(LAST_L[pool])}"


def email_for(rng: random.Random, name: str, domain: str | None = None) -> str:
    first, _, last = name.partition(" ")
    local = (first + rng.choice((".", "_", "")) + last).lower().translate(_ASCII)
    if rng.random() < 0.3:
        local = f"{first[0].lower()}{last.lower()}".translate(_ASCII)
    local = local.replace("_", "") if "'" in name else local
    return f"{local}@{domain or rng.choice(DOMAINS)}"


def phone(rng: random.Random, split: bool = False) -> str:
    """US (555-01xx), UK, FR or DE formats, with and without +country code; ``split``
    breaks the number across a line."""
    kind = rng.randrange(4)
    r = rng.randrange
    if kind == 0:
        area, sub = rng.choice((212, 415, 312, 617)), 100 + r(100)
        parts = (
            [f"+1 {area}", f"555 0{sub}"] if rng.random() < 0.6 else [f"({area})", f"555-0{sub}"]
        )
    elif kind == 1:
        parts = (
            ["+44 20 7946", f"0{r(1000):03d}"]
            if rng.random() < 0.6
            else ["020 7946", f"0{r(1000):03d}"]
        )
    elif kind == 2:
        d = [f"{r(100):02d}" for _ in range(4)]
        parts = (
            [f"+33 1 {d[0]} {d[1]}", f"{d[2]} {d[3]}"]
            if rng.random() < 0.6
            else [f"01 {d[0]} {d[1]}", f"{d[2]} {d[3]}"]
        )
    else:
        parts = (
            ["+49 30", f"{r(10**7, 10**8)}"]
            if rng.random() < 0.6
            else ["030", f"{r(10**7, 10**8)}"]
        )
    return ("\n" if split else " ").join(parts)


def order_id(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return f"INV-2026-{rng.randrange(1, 10**6):06d}"
    if kind == 1:
        return "Order #" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))
    return f"PO-{rng.randrange(10000, 99999)}-LM"


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card(rng: random.Random) -> str:
    """A Luhn-valid 16-digit Visa (4...) or Mastercard (51-55...) number, grouped by 4."""
    prefix = [4] if rng.random() < 0.5 else [5, rng.randrange(1, 6)]
    digits = prefix + [rng.randrange(10) for _ in range(15 - len(prefix))]
    total = 0
    for i, d in enumerate(reversed(digits)):  # the check digit will sit at position 0
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    digits.append((10 - total % 10) % 10)
    s = "".join(map(str, digits))
    sep = rng.choice((" ", "-", " "))
    return sep.join(s[i : i + 4] for i in range(0, 16, 4))


def ip(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return f"2001:db8:{rng.randrange(16**4):x}::{rng.randrange(16**4):x}"
    first = rng.choice((203, 198, 192, 10, 172, 81, 62))
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def address(rng: random.Random) -> str:
    street, city = rng.choice(STREETS)
    return f"{street}, {city}"


def company(rng: random.Random) -> str:
    a = rng.choice(
        (
            "Northwind",
            "Bluepeak",
            "Harbor",
            "Silverline",
            "Quanta",
            "Redwood",
            "Blue Fjord",
            "Orion",
            "Kestrel",
            "Maple",
            "Tidal",
            "Granite",
            "Sunward",
            "Vireo",
            "Alder",
            "Copper",
        )
    )
    b = rng.choice(
        (
            "Logistics",
            "Health",
            "Retail",
            "Labs",
            "Foods",
            "Energy",
            "Media",
            "Capital",
            "Robotics",
            "Travel",
            "Insurance",
            "Systems",
            "Apparel",
            "Bank",
        )
    )
    return f"{a} {b}{rng.choice(('', ' GmbH', ' SAS', ' Ltd', ' Inc.', ' S.L.', ' KK'))}"
