"""A synthetic, seeded corpus of news-like articles about companies' expansion.

    python bench/make_corpus.py --docs 10000 --out bench/out/corpus

writes `documents/` and `manifest.csv` in the layout of `data/raw/` (columns file,
published_at, title, publisher, url, entity). The same --seed and --docs give the same bytes.

Each article (1-6 KB) is about one fictional company: headings, paragraphs, executives'
quotes in curly quotes, bullet lists with •, and expansion facts in varied phrasings
(markets, new markets in a half or quarter, stores, deliveries, funding rounds,
valuations, ordinals, number words, bounds, planned launches, partnerships), buried in
filler full of numbers that are not facts (years, phone numbers, versions, percentages,
durations, prices, addresses). Most files are .txt, some .md, a few .html.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import shutil
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

# Documents are published over four years from FIRST_PUBLISHED. Ingest them with
# today=LAST_PUBLISHED: on a machine whose date is earlier, the newest would otherwise be dated
# after the run, and rejected (flows/ingest.py, PUBLICATION_DATE_SLACK).
FIRST_PUBLISHED = date(2023, 1, 1)
DAYS_PUBLISHED = 4 * 365
LAST_PUBLISHED = FIRST_PUBLISHED + timedelta(days=DAYS_PUBLISHED - 1)


def words(text: str) -> list[str]:
    """A word list written as one string: split on "|" if it has one, else on spaces."""
    return text.split("|") if "|" in text else text.split()

NUMBER_WORDS = words(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
ORDINAL_WORDS = words(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
)
MONTHS = words(
    "January February March April May June July August September October November December"
)
COUNTRIES = words(
    "Germany|France|Italy|Spain|Portugal|the Netherlands|Belgium|Austria|Switzerland|Poland|"
    "Sweden|Norway|Denmark|Finland|Ireland|Greece|Turkey|Israel|Saudi Arabia|the UAE|Qatar|"
    "Kuwait|Egypt|Morocco|South Africa|Kenya|Nigeria|Mexico|Brazil|Chile|Peru|Colombia|"
    "Argentina|Japan|South Korea|Thailand|Malaysia|Singapore|Indonesia|Vietnam|the Philippines|"
    "Australia|New Zealand|India|Pakistan|Canada"
)
REGIONS = words(
    "Europe|the Middle East|Latin America|Southeast Asia|the MENA region|Oceania|"
    "the Nordics|Central Europe|North Africa|South Asia|the Gulf states|East Asia"
)
CITIES = words(
    "Hamburg|Lyon|Turin|Valencia|Rotterdam|Gothenburg|Kraków|Austin|Shenzhen|Hangzhou|"
    "Osaka|Melbourne|Toronto|Dubai|São Paulo|Bangalore|Nairobi|Lisbon|Leeds|Zurich"
)
PUBLISHERS = [
    ("The EV Report", "theevreport.com"),
    ("Mobility Daily", "mobilitydaily.example"),
    ("Retail Wire Asia", "retailwire.example"),
    ("DSF.my", "dsf.my"),
    ("Business Ledger", "businessledger.example"),
    ("Company Press Release (republished)", ""),
    ("TechCrunch-ish", "techish.example"),
    ("Nordic Auto News", "nordicauto.example"),
    ("Gulf Business Today", "gulfbiz.example"),
    ("The Franchise Times", "franchisetimes.example"),
]
FIRST_NAMES = words(
    "Anna Tong Mandy Lars Priya Omar Sofia Kenji Elena Marcus Aisha Diego Hannah Wei Yusuf "
    "Clara Rahul Ingrid Mateo Leila Jonas Mei Samuel Nadia Pieter Chloe Arjun Fatima Luca Ines"
)
LAST_NAMES = words(
    "Zhang Xiangbei Lindqvist Okafor Moreau Tanaka Rossi Haddad Novak Fischer Alvarez Chen "
    "Kowalski Mensah Dubois Sato Ferreira Nakamura Petrov Svensson Rahman Costa Weber Kim Ortiz"
)
INVESTORS = words(
    "Tianqi Ventures|Northgate Capital|Blue Harbour Partners|Sequoia-like Fund III|"
    "Atlas Growth Equity|Meridian Sovereign Fund|Kite Street Capital|Helios Investments|"
    "Orchard Lane Ventures|Summit Peak Partners"
)
PARTNERS = words(
    "Keith Haring Foundation|Disney|Peet’s Coffee|BRABUS|PROTON|Pantone|Lego|Red Bull Racing|"
    "Spotify|Marriott Bonvoy|Shell Recharge|IKEA|Adidas|Nintendo|Uber|Airbnb|Decathlon|"
    "Sony Pictures|Hello Kitty|National Geographic|the Louvre|Formula E|Vodafone|Tesco"
)
PREFIXES = words(
    "Vol Nor Kes Aur Zen Lum Tal Ori Bre Cal Dra Ely Fen Gal Hal Ist Jun Kor Lyr Mar Nex "
    "Oct Pol Quin Ros Sol Tev Ul Ver Wyn Xan Yar Zep Ast Bel Cor Dev Eko Fal"
)
SUFFIXES = words("ara ion tek ora vio ex ant ix ova ium eon ari elle ano is")


@dataclass(frozen=True)
class Sector:
    words: tuple[str, ...]  # company-name suffixes
    outlet: tuple[str, ...]  # what a store is called
    unit: tuple[str, ...]  # what is delivered
    product: str  # what a product is called
    delivers: bool


SECTORS = [
    Sector(("Motors", "Mobility", "Auto", "EV"), ("showrooms", "stores", "sales points"),
           ("vehicles", "cars", "units"), "model", True),
    Sector(("Bikes", "Cycles", "Scooters"), ("stores", "outlets", "experience centres"),
           ("bikes", "e-bikes", "units"), "bike", True),
    Sector(("Coffee", "Café", "Roasters"), ("stores", "cafés", "outlets"),
           ("cups", "units"), "blend", False),
    Sector(("Apparel", "Fashion", "Wear"), ("stores", "boutiques", "outlets"),
           ("orders", "units"), "collection", False),
    Sector(("Robotics", "Devices", "Home"), ("stores", "showrooms", "retail points"),
           ("units", "devices", "robots"), "device", True),
    Sector(("Fitness", "Gyms", "Studios"), ("clubs", "studios", "locations"),
           ("memberships",), "programme", False),
]


@dataclass(frozen=True)
class Company:
    name: str  # canonical, the manifest's entity hint
    short: str  # how the text mostly calls it
    sector: Sector
    city: str
    founded: int
    markets_2022: float
    markets_per_year: float
    stores_2022: float
    stores_per_year: float
    deliveries_2022: int
    ceo: str
    cmo: str
    products: tuple[str, ...]

    def markets_at(self, day: date) -> int:
        return int(self.markets_2022 + self.markets_per_year * _years_since_2022(day))

    def stores_at(self, day: date) -> int:
        return int(self.stores_2022 + self.stores_per_year * _years_since_2022(day))

    def deliveries_in(self, year: int) -> int:
        return int(self.deliveries_2022 * 1.35 ** (year - 2022))


def _years_since_2022(day: date) -> float:
    return max(0.0, (day - date(2022, 1, 1)).days / 365.25)


def make_companies(rng: random.Random, count: int) -> list[Company]:
    companies, seen = [], set()
    while len(companies) < count:
        stem = rng.choice(PREFIXES) + rng.choice(SUFFIXES)
        if stem in seen:
            continue
        seen.add(stem)
        sector = rng.choice(SECTORS)
        lower = rng.random() < 0.15  # brands that write themselves in lower case, like smart
        short = stem.lower() if lower else stem
        name = short if rng.random() < 0.5 else f"{short} {rng.choice(sector.words)}"
        products = tuple(
            rng.choice([f"#{rng.randint(1, 9)}", f"{stem[0]}{rng.randint(2, 9)}",
                        f"{stem} {rng.choice(['Nova', 'Aero', 'Terra', 'Pulse', 'Aria'])}",
                        f"{stem[:3].upper()}-{rng.randint(10, 99)}"])
            + rng.choice(["", "", " Pro", " BRABUS", " EHD", " Sport", " Max"])
            for _ in range(3)
        )
        companies.append(Company(
            name=name, short=short, sector=sector, city=rng.choice(CITIES),
            founded=rng.randint(1998, 2021),
            markets_2022=rng.uniform(2, 40), markets_per_year=rng.uniform(1.5, 12),
            stores_2022=rng.uniform(10, 1200), stores_per_year=rng.uniform(5, 300),
            deliveries_2022=rng.choice(
                [rng.randint(2_000, 90_000), rng.randint(100_000, 1_500_000)]
            ),
            ceo=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            cmo=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            products=products,
        ))
    return companies


# ---------------------------------------------------------------------------- numbers


def count_text(rng: random.Random, n: int) -> str:
    """A count as an article might write it: "seven", "38", "1,200", "1.2 million"."""
    if n <= 20 and rng.random() < 0.5:
        return NUMBER_WORDS[n]
    if n >= 1_000_000 and rng.random() < 0.6:
        return f"{n / 1_000_000:.1f} million".replace(".0 ", " ")
    if n >= 10_000 and rng.random() < 0.1:
        return f"{n // 1000} thousand"
    return f"{n:,}" if rng.random() < 0.9 else str(n)


def bound(rng: random.Random) -> str:
    return rng.choice(["", "", "", "over ", "more than ", "about ", "nearly ", "at least ",
                       "approximately ", "almost ", "roughly ", "up to ", "some "])


def cap(text: str) -> str:
    """Upper-case the first letter only ("in November" → "In November")."""
    return text[:1].upper() + text[1:]


def ordinal(n: int) -> str:
    if n < len(ORDINAL_WORDS) and n > 0 and n % 3 == 0:
        return ORDINAL_WORDS[n]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def money(rng: random.Random, usd: float) -> str:
    if usd >= 1e9:
        text = f"{usd / 1e9:.1f}".removesuffix(".0") + " billion"
    else:
        text = f"{int(usd / 1e6)} million"
    return rng.choice(["$", "$", "US$", "USD "]) + text


def listing(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + rng_and(items)


def rng_and(items: list[str]) -> str:
    return (", and " if len(items) > 3 else " and ") + items[-1]


# ---------------------------------------------------------------------------- periods


def past_period(rng: random.Random, pub: date) -> tuple[str, date]:
    """A period phrase ending on or before `pub`, and its end date."""
    y = pub.year
    choices: list[tuple[str, date]] = [
        (f"in {y - 1}", date(y - 1, 12, 31)),
        ("last year", date(y - 1, 12, 31)),
        (f"in the second half of {y - 1}", date(y - 1, 12, 31)),
        (f"in H2 {y - 1}", date(y - 1, 12, 31)),
        (f"during the third quarter of {y - 1}", date(y - 1, 9, 30)),
        (f"in Q4 {y - 1}", date(y - 1, 12, 31)),
        (f"in {MONTHS[pub.month - 2]}" if pub.month > 1 else f"in December {y - 1}",
         pub.replace(day=1) - timedelta(days=1)),
    ]
    if pub.month >= 7:
        choices += [(f"in the first half of {y}", date(y, 6, 30)), (f"in H1 {y}", date(y, 6, 30)),
                    ("in the first half of the year", date(y, 6, 30))]
    if pub.month >= 4:
        choices += [(f"in the first quarter of {y}", date(y, 3, 31)),
                    (f"in Q1 {y}", date(y, 3, 31))]
    return rng.choice(choices)


def future_period(rng: random.Random, pub: date) -> str:
    y = pub.year
    return rng.choice([
        f"in late {y + 1}", f"by mid-{y + 1}", f"in early {y + 1}", f"by the end of {y}",
        "by the end of next year", "next year", f"in the second half of {y + 1}",
        f"in Q{rng.randint(1, 4)} {y + 1}", f"by {y + 2}", "later this year",
        f"by the end of {y + 1}",
    ])


# ---------------------------------------------------------------------------- sentences


class Writer:
    """Writes the sentences of one article about one company published on one day."""

    def __init__(self, rng: random.Random, co: Company, pub: date):
        self.rng, self.co, self.pub = rng, co, pub

    def me(self) -> str:
        return self.rng.choice([self.co.short, self.co.short, self.co.name, self.co.short])

    def me_cap(self) -> str:
        name = self.me()
        return name if name[0].isupper() or self.rng.random() < 0.6 else name[0].upper() + name[1:]

    def outlet(self) -> str:
        return self.rng.choice(self.co.sector.outlet)

    # facts --------------------------------------------------------------

    def markets_now(self) -> str:
        r, n = self.rng, self.co.markets_at(self.pub)
        where = r.choice(["countries and regions", "markets", "countries", "markets worldwide",
                          "global markets", "countries and territories"])
        q = bound(r)
        return r.choice([
            f"{self.me_cap()} now operates in {q}{count_text(r, n)} {where}.",
            f"{self.me_cap()} is now present in {q}{count_text(r, n)} {where}.",
            f"The brand’s footprint has grown to {q}{count_text(r, n)} {where}.",
            f"Today {self.me()} sells its products in {q}{count_text(r, n)} {where}, "
            f"up from {self.co.markets_at(self.pub - timedelta(days=365))} a year earlier.",
            f"With this move, {self.me()} is available in {q}{count_text(r, n)} {where}.",
        ])

    def new_markets(self) -> str:
        r = self.rng
        phrase, end = past_period(r, self.pub)
        start = end - timedelta(days=r.choice([90, 181, 365]))
        k = max(1, self.co.markets_at(end) - self.co.markets_at(start))
        regions = listing(r.sample(REGIONS, r.randint(1, 3)))
        return r.choice([
            f"{cap(phrase)}, {self.me()} expanded into {count_text(r, k)} new markets "
            f"across {regions}.",
            f"{self.me_cap()} entered {count_text(r, k)} new markets {phrase}, "
            f"bringing its total to {self.co.markets_at(end)} countries and regions.",
            f"{cap(phrase)} the company launched in {bound(r)}{count_text(r, k)} "
            f"new countries, including {listing(r.sample(COUNTRIES, r.randint(2, 4)))}.",
            f"The expansion added {count_text(r, k)} markets {phrase}.",
        ])

    def ordinal_market(self) -> str:
        r, n = self.rng, self.co.markets_at(self.pub)
        country = r.choice(COUNTRIES)
        return r.choice([
            f"On {MONTHS[self.pub.month - 1]} {self.pub.day}, {self.me()} confirmed its entry "
            f"into {country}, its {ordinal(n)} market.",
            f"The opening in {country} marks the {ordinal(n)} market for {self.me()}.",
            f"{country} becomes {self.me()}’s {ordinal(n)} international market.",
        ])

    def stores(self) -> str:
        r, n = self.rng, self.co.stores_at(self.pub)
        q, o = bound(r), self.outlet()
        return r.choice([
            f"The network now counts {q}{count_text(r, n)} {o} worldwide.",
            f"{self.me_cap()} operates {q}{count_text(r, n)} {o} across its markets.",
            f"supported by a network of {q}{count_text(r, n)} {o}",
            f"{self.me_cap()} opened its {ordinal(n)} {o.rstrip('s')} in {r.choice(CITIES)} "
            f"on {MONTHS[self.pub.month - 1]} {self.pub.day}.",
            f"Its retail presence stands at {q}{count_text(r, n)} {o}, "
            f"including {count_text(r, max(1, n // 3))} in China and "
            f"{count_text(r, max(1, n // 4))} in Europe.",
        ])

    def deliveries(self) -> str:
        r = self.rng
        y = self.pub.year - 1
        n = self.co.deliveries_in(y)
        n = round(n, -3) if n > 20_000 else n
        unit = r.choice(self.co.sector.unit)
        return r.choice([
            f"{self.me_cap()} delivered {bound(r)}{count_text(r, n)} {unit} globally in {y}.",
            f"Deliveries rose to {count_text(r, n)} {unit} in {y}, "
            f"up {r.randint(3, 80)}% on the year before.",
            f"In {y}, {self.me()} handed over {bound(r)}{count_text(r, n)} {unit} to customers.",
            f"{self.me_cap()} delivered {count_text(r, n)} {unit} last year.",
            f"Cumulative deliveries passed {count_text(r, n * 3)} {unit} in "
            f"{MONTHS[max(0, self.pub.month - 2)]}.",
        ])

    def funding(self) -> str:
        r = self.rng
        series = r.choice(["Series A", "Series B", "Series C", "Series-A", "Series D"])
        amount = money(r, r.choice([15, 40, 75, 120, 150, 250, 400, 600, 1200]) * 1e6)
        investor = r.choice(INVESTORS)
        return r.choice([
            f"{self.me_cap()} closed a {amount} {series} round led by {investor}.",
            f"{series} funding led by {investor}, with an investment of {amount}, has "
            f"propelled {self.me()}’s valuation to exceed {money(r, r.uniform(1, 12) * 1e9)}.",
            f"The company raised {amount} in {series} funding {past_period(r, self.pub)[0]}.",
            f"Earlier, {investor} led a {series} round of {bound(r)}{amount}.",
        ])

    def valuation(self) -> str:
        r = self.rng
        v = money(r, round(r.uniform(0.3, 15), 1) * 1e9)
        return r.choice([
            f"The round values {self.me()} at {bound(r)}{v}.",
            f"{self.me_cap()} is now valued at {bound(r)}{v}, according to people familiar "
            f"with the matter.",
            f"a valuation of over {v}",
            f"The deal lifts {self.me()}’s valuation to {bound(r)}{v}.",
        ])

    def planned(self) -> str:
        r, co = self.rng, self.co
        when = future_period(r, self.pub)
        product = r.choice(co.products)
        target = co.markets_at(self.pub) + r.randint(3, 25)
        return r.choice([
            f"The {co.short} {product} will debut in {r.choice(REGIONS + COUNTRIES)} {when}.",
            f"The {product} is planned for launch {when} and will be offered exclusively in "
            f"{r.choice(COUNTRIES)}.",
            f"{self.me_cap()} plans to enter {bound(r)}{count_text(r, target)} markets {when}.",
            f"{self.me_cap()} expects to open {count_text(r, r.randint(10, 300))} more "
            f"{self.outlet()} {when}.",
            f"{self.me_cap()} aims to reach {count_text(r, target)} countries {when}.",
            f"It is scheduled to make its global debut in {r.choice(REGIONS)} {when}.",
        ])

    def partnership(self) -> str:
        r = self.rng
        names = r.sample(PARTNERS, r.randint(1, 4))
        return r.choice([
            f"{self.me_cap()} has partnered with iconic brands such as {listing(names)}.",
            f"{self.me_cap()} partnered with {listing(names)} {past_period(r, self.pub)[0]}.",
            f"A partnership with {names[0]} combines "
            f"{r.choice(['street art', 'design', 'sport', 'music'])} with {self.me()}’s vision.",
            f"The company announced a strategic collaboration with {listing(names)}.",
            f"{self.me_cap()} teamed up with {names[0]} to co-create the "
            f"{r.choice(self.co.products)} {r.choice(['Edition', 'Art Car', 'Capsule'])}.",
        ])

    def launch(self) -> str:
        r, co = self.rng, self.co
        product = r.choice(co.products)
        return r.choice([
            f"The {co.short} {product} made its world premiere in {r.choice(CITIES)} before "
            f"launches in {listing(r.sample(COUNTRIES, r.randint(2, 3)))}.",
            f"The launch of the {product} in {count_text(r, r.randint(3, 12))} European markets "
            f"within {r.randint(6, 14)} months signals rapid growth.",
            f"{self.me_cap()} launched the {product} in {r.choice(COUNTRIES)} "
            f"{past_period(r, self.pub)[0]}.",
        ])

    # filler: numbers that are not facts --------------------------------

    def filler(self) -> str:
        if self.rng.random() < 0.55:
            return self.prose()
        return self.numeric_filler()

    def prose(self) -> str:
        """Filler without numbers, as most of a real article is."""
        r, co = self.rng, self.co
        return r.choice([
            f"{self.me_cap()} has made significant strides in research and development, "
            "enhancing its long-term value and meeting diverse customer needs.",
            f"The brand’s renewed image has resonated with younger buyers in {r.choice(CITIES)} "
            "and beyond.",
            f"Dealers in {r.choice(COUNTRIES)} reported strong interest in the "
            f"{r.choice(co.products)}, especially among first-time customers.",
            "The company remains focused on delivering exceptional experiences through market "
            "expansion, innovative partnerships, and product excellence.",
            f"Critics have questioned whether {self.me()} can keep up the pace of its "
            "expansion without sacrificing quality or service.",
            f"{co.ceo} joined the company from a rival and has led its international "
            "business since then.",
            "Aftersales coverage, customer engagement and ownership support are expected to "
            "play a key role as the brand enters additional markets.",
            f"The {r.choice(co.products)} emphasises interior space, refined styling and "
            "advanced in-vehicle technology.",
            "Industry observers see the move as part of a broader push into new regions while "
            "strengthening customer-focused services.",
            f"{self.me_cap()} declined to give a timetable for profitability.",
            "Local partners handle distribution, while the brand keeps control of pricing, "
            "marketing and the customer relationship.",
            f"Through its “{r.choice(['open your mind', 'move freely', 'made for more'])}” "
            "campaign, the company wants to create emotional connections with customers.",
            "The strategy reflects a focused approach toward sustainable growth and regional "
            "product alignment.",
            f"Reviewers praised the {r.choice(co.products)} for its build quality, though some "
            "found the software less polished than rivals’.",
            "Competition in the segment has intensified as established players and start-ups "
            "chase the same customers.",
        ])

    def numeric_filler(self) -> str:
        """Filler with numbers that are not facts: years, phones, versions, percentages."""
        r, co = self.rng, self.co
        return r.choice([
            f"Founded in {co.founded}, {co.name} is headquartered in {co.city}.",
            f"For media enquiries call +{r.randint(1, 99)} {r.randint(10, 99)} "
            f"{r.randint(1000, 9999)} {r.randint(1000, 9999)} or ({r.randint(200, 999)}) "
            f"{r.randint(200, 999)}-{r.randint(1000, 9999)}.",
            f"The software update to version {r.randint(1, 5)}.{r.randint(0, 9)} brings "
            f"{r.choice(['faster charging', 'a redesigned interface', 'new voice commands'])}"
            f" and {r.randint(2, 40)} other improvements.",
            f"Margins improved by {r.randint(1, 30)}.{r.randint(0, 9)}% year over year, "
            f"while costs fell {r.randint(2, 19)} percent.",
            f"Over the past {r.randint(2, 24)} months, the team has grown to "
            f"{r.randint(50, 5000):,} employees.",
            "Building on its momentum over the first five years, the company has attracted "
            "attention from customers and the trade press alike.",
            f"The {r.choice(co.products)} offers a range of {r.randint(250, 700)} km, a "
            f"{r.randint(40, 110)} kWh battery and charges from 10 to 80% in "
            f"{r.randint(15, 40)} minutes.",
            f"Prices start at €{r.randint(19, 89)},{r.randint(100, 999)} including VAT.",
            f"Visitors can find the brand at Booth {r.randint(1, 400)} in Hall "
            f"{r.randint(1, 12)} from {MONTHS[r.randint(0, 11)]} {r.randint(1, 28)} to "
            f"{r.randint(1, 28)}, {self.pub.year}.",
            f"The event starts at {r.randint(1, 12)}:{r.choice(['00', '15', '30', '45'])} "
            f"{r.choice(['a.m.', 'p.m.'])} local time at {r.randint(1, 300)} "
            f"{r.choice(['Harbour Street', 'Queen’s Road', 'Avenue de la Gare', 'Main Street'])}.",
            f"Shares rose {r.randint(1, 9)}.{r.randint(0, 9)}% to {r.randint(5, 300)}."
            f"{r.randint(10, 99)} in early trading on {MONTHS[r.randint(0, 11)]} "
            f"{r.randint(1, 28)}.",
            f"The {r.choice(co.products)} and the {r.choice(co.products)} were shown side by "
            f"side, alongside the concept car first seen in {r.randint(2015, 2023)}.",
            "Its existing Series-A investors also took part, the company said.",
            f"Temperatures of -{r.randint(5, 30)} °C and {r.randint(30, 48)} °C were used in "
            f"{r.randint(100, 900):,} hours of testing.",
            f"The {r.randint(2, 9)}-year warranty covers {r.randint(100, 200):,},000 km.",
            "Analysts said the strategy reflects a wider shift in consumer preferences "
            "toward sustainable, connected products and services.",
            "The company did not comment on its plans for individual markets, citing "
            "competitive reasons and ongoing regulatory reviews.",
            f"Customer satisfaction scores reached {r.randint(80, 99)} out of 100 in the "
            f"{r.choice(['spring', 'autumn'])} survey of {r.randint(1000, 9000):,} owners.",
            f"The plant in {r.choice(CITIES)} runs {r.randint(2, 3)} shifts and covers "
            f"{r.randint(50, 900):,},000 square metres.",
            f"See ISO {r.randint(9000, 27001)} and regulation (EU) "
            f"{self.pub.year - r.randint(1, 6)}/{r.randint(100, 2000)} for details.",
        ])

    def quote(self) -> str:
        r, co = self.rng, self.co
        who = r.choice([f"{co.ceo}, Global CEO of {co.short}", f"{co.cmo}, Chief Marketing "
                        f"Officer of {co.name}", f"Mr. {co.ceo.split()[1]}, CEO"])
        said = r.choice(["said", "stated", "noted", "added"])
        body = r.choice([
            f"We are proud of what our teams achieved {past_period(r, self.pub)[0]}, and we "
            "will keep investing in our customers and partners.",
            f"{cap(past_period(r, self.pub)[0])}, {co.short} has accelerated its "
            "global expansion by entering new markets and expanding our product offerings.",
            "These partnerships embody our commitment to breaking boundaries and sharpening "
            "our distinctive brand image across diverse cultures.",
            "Our ‘customer first’ approach guides every decision we make, from product "
            "design to aftersales.",
            f"We now have {count_text(r, co.markets_at(self.pub))} markets and we are only "
            "getting started.",
        ])
        if r.random() < 0.8:
            return f"“{body[:-1]},” {said} {who}."
        return f"{who} {said}: \"{body}\""

    def heading(self) -> str:
        return self.rng.choice([
            "Key Highlights", "Expanding Global Footprint", "Sharpening the Brand Image",
            "Product Strategy", "Confidence from Global Capital Markets", "Outlook",
            "Global Expansion, Local Excellence", "Mindful Technology and Product Innovation",
            "Retail Network", "About the Company", f"{self.co.short} in {self.pub.year}",
            "Quick Takeaways", "Financial Highlights", "What Comes Next",
        ])


FACTS = ["markets_now", "new_markets", "ordinal_market", "stores", "deliveries", "funding",
         "valuation", "planned", "partnership", "launch"]


def _sentence(w: Writer) -> str:
    r = w.rng
    if r.random() < 0.22:
        kind = r.choice(FACTS)
        if kind == "deliveries" and not w.co.sector.delivers and r.random() < 0.7:
            kind = "stores"
        text = getattr(w, kind)()
        return text if text.endswith(".") else text[0].upper() + text[1:] + "."
    return w.filler()


def _paragraph(w: Writer) -> str:
    return " ".join(_sentence(w) for _ in range(w.rng.randint(2, 6)))


def _bullets(w: Writer) -> list[str]:
    r = w.rng
    items = []
    for _ in range(r.randint(2, 5)):
        label = r.choice(["Global Market Growth", "Retail", "Funding", "Partnerships",
                          "Products", "Outlook", ""])
        text = _sentence(w)
        items.append(f"{label}: {text}" if label else text)
    return items


def article_blocks(
    rng: random.Random, co: Company, pub: date, target: int, limit: int = 5900
) -> list[tuple]:
    """The article as (kind, text) blocks: heading | para | quote | bullets | boiler."""
    w = Writer(rng, co, pub)
    blocks: list[tuple] = []
    if rng.random() < 0.4:
        blocks.append(("boiler", "Sign up for our daily email to catch all the latest news!"))
    blocks.append(("para", f"{w.me_cap()}, the {co.city}-based company founded in "
                           f"{co.founded}, is pushing ahead with its global expansion. "
                   + " ".join(getattr(w, rng.choice(FACTS))().rstrip(".") + "."
                              for _ in range(rng.randint(1, 3)))))
    size = sum(len(b[1]) for b in blocks)
    while size < target:
        roll = rng.random()
        if roll < 0.15:
            block: tuple = ("heading", w.heading())
        elif roll < 0.3:
            block = ("quote", w.quote())
        elif roll < 0.42:
            block = ("bullets", _bullets(w))
        else:
            block = ("para", _paragraph(w))
        length = len(block[1]) if isinstance(block[1], str) else sum(map(len, block[1])) + 40
        if size + length > limit:
            if size >= 1100:
                break
            continue
        blocks.append(block)
        size += length
    blocks.append(("boiler", rng.choice([
        f"About {co.name}\n{co.name} designs {co.sector.product}s for a new generation of "
        f"customers. © {pub.year} {co.name}. All rights reserved.",
        "Click above to visit the official source.\n\nShare:",
        "RELATED ARTICLES\n\nMost Popular",
        "Forward-looking statements: this release contains statements that involve risks "
        "and uncertainties; actual results may differ materially.",
    ])))
    return blocks


def render(fmt: str, title: str, blocks: list[tuple]) -> str:
    if fmt == "txt":
        out = [title, ""]
        for kind, text in blocks:
            out.append("\n".join(f"  • {t}" for t in text) if kind == "bullets" else text)
            out.append("")
        return "\n".join(out).rstrip() + "\n"
    if fmt == "md":
        out = [f"# {title}", ""]
        for kind, text in blocks:
            if kind == "heading":
                out.append(f"## {text}")
            elif kind == "bullets":
                out.append("\n".join(f"- {t}" for t in text))
            elif kind == "quote":
                out.append(f"> {text}")
            elif kind == "boiler":
                out.append(f"*{text.splitlines()[0]}*")
            else:
                out.append(text)
            out.append("")
        return "\n".join(out).rstrip() + "\n"
    body = []
    for kind, text in blocks:
        if kind == "heading":
            body.append(f"<h2>{_html(text)}</h2>")
        elif kind == "bullets":
            body.append("<ul>" + "".join(f"<li>{_html(t)}</li>" for t in text) + "</ul>")
        elif kind == "quote":
            body.append(f"<blockquote><p>{_html(text)}</p></blockquote>")
        else:
            body.append(f"<p>{_html(text)}</p>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{_html(title)}</title><style>body{{font-family:sans-serif}}</style>"
        "<script>window.dataLayer=[];</script></head>\n<body><nav><a href=\"/\">Home</a> | "
        "<a href=\"/news\">News</a></nav>\n<article>\n"
        f"<h1>{_html(title)}</h1>\n" + "\n".join(body) + "\n</article>\n"
        "<footer>&copy; Publisher &middot; <a href=\"/privacy\">Privacy</a></footer>"
        "</body></html>\n"
    )


def _html(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("’", "&rsquo;").replace("\n", "<br>")


def headline(rng: random.Random, co: Company, pub: date) -> str:
    return rng.choice([
        f"{co.short} Drives Forward Global Expansion",
        f"{co.name} Global Expansion {pub.year}",
        f"{co.short} Delivered {co.deliveries_in(pub.year - 1):,} Units Last Year, "
        f"Aims For Expansion In {pub.year}",
        f"{co.name} enters {rng.choice(COUNTRIES)}",
        f"{co.name} raises new funding to fuel growth",
        f"How {co.short} plans to reach new markets",
        f"{co.short} opens flagship store in {rng.choice(CITIES)}",
    ])


def generate(out: Path, docs: int, seed: int, companies: int = 400) -> int:
    """Write the corpus under `out` (replacing it); return the bytes of documents written."""
    rng = random.Random(seed)
    cos = make_companies(rng, companies)
    if out.exists():
        shutil.rmtree(out)
    (out / "documents").mkdir(parents=True)
    total = 0
    start = FIRST_PUBLISHED.toordinal()
    with (out / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        manifest = csv.writer(handle, lineterminator="\n")
        manifest.writerow(["file", "published_at", "title", "publisher", "url", "entity"])
        for i in range(docs):
            co = rng.choice(cos)
            pub = date.fromordinal(start + rng.randrange(DAYS_PUBLISHED))
            roll = rng.random()
            fmt = "txt" if roll < 0.85 else "md" if roll < 0.97 else "html"
            title = headline(rng, co, pub)
            limit = 5000 if fmt == "html" else 5700  # room for the markup: files stay under 6 KB
            target = min(limit, int(rng.triangular(1100, 5900, 2800)))
            text = render(fmt, title, article_blocks(rng, co, pub, target, limit))
            data = text.encode("utf-8")
            name = f"{i:05d}_{hashlib.sha256(data).hexdigest()[:16]}.{fmt}"
            (out / "documents" / name).write_bytes(data)
            total += len(data)
            publisher, host = rng.choice(PUBLISHERS)
            slug = "-".join(title.lower())[:70].replace(",", "")
            url = f"https://{host}/{pub.year}/{pub.month:02d}/{slug}" if host else ""
            manifest.writerow([name, pub.isoformat(), title, publisher, url, co.name])
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a seeded synthetic corpus in the data/raw layout.",
        epilog="example:\n  python bench/make_corpus.py --docs 10000 --out bench/out/corpus",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--docs", type=int, default=10_000, help="documents (default 10000)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/corpus"),
                        help="output directory, replaced (default bench/out/corpus)")
    parser.add_argument("--seed", type=int, default=20261101, help="random seed")
    args = parser.parse_args(argv)
    total = generate(args.out, args.docs, args.seed)
    print(f"{args.docs} documents, {total / 1e6:.1f} MB, in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
