"""`make demo` (LEADFLOW_SEED=demo): a believable month of leads, put in the
way real ones arrive, so a newcomer's first look at the console shows a
living funnel. Everything goes through the public API over HTTP and the
local clock: signups with render tokens, confirmations through the links in
the local mailbox, web activity via POST /events, clicks in nurture mails,
unsubscribes, and the demo team's reps accepting offers and recording
outcomes through the links in their mails. The stack's clock starts a month
back (see `START_DAYS_AGO`); the seed walks it forward to the present.

The month is fixed by a seeded random generator: every `make demo` tells the
same story."""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import requests

log = logging.getLogger("leadflow.demo")

START_DAYS_AGO = 30  # the clock starts here; signups span the 29 days up to yesterday
FORM = "demo"
TIMEOUT = 30
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

# how far each journey goes; the counts make the month (55 people)
JOURNEYS = {
    "subscriber": 4,  # never confirms (signed up in the last days, so not yet expired)
    "bounced": 1,  # the opt-in mail bounces: suppressed
    "lead": 14,
    "unsubscribed": 2,
    "mql": 12,
    "sql": 6,  # asked for a demo; two of them still wait for a rep to accept
    "lost": 1,
    "recycled": 2,
    "opportunity": 6,
    "customer": 7,
}
# the minute of each day (UTC) at which each kind of step happens: few
# distinct times, since each move of the clock runs the schedules
SLOTS = {
    "signup": 8 * 60,
    "confirm": 8 * 60 + 25,
    "browse": 8 * 60 + 25,
    "unsubscribe": 8 * 60 + 25,
    "demo_request": 13 * 60,
    "outcome": 13 * 60,
    "accept": 13 * 60 + 9,  # within the playbook's 15-minute SLA
}
# (days after signup, step) per journey; "browse:n" is the n-th visit
_BROWSING = [(0, "browse:0"), (1, "browse:1"), (2, "browse:2")]
PLANS = {
    "subscriber": [(0, "signup")],
    "bounced": [(0, "signup")],
    "lead": [(0, "signup"), (0, "confirm"), (1, "browse:0")],
    "unsubscribed": [(0, "signup"), (0, "confirm"), (3, "unsubscribe")],
    "mql": [(0, "signup"), (0, "confirm"), *_BROWSING],
    "sql": [(0, "signup"), (0, "confirm"), *_BROWSING, (3, "demo_request"), (3, "accept")],
    "lost": [(0, "signup"), (0, "confirm"), *_BROWSING, (3, "demo_request"), (3, "accept"), (5, "outcome:lost")],
    "recycled": [
        (0, "signup"), (0, "confirm"), *_BROWSING, (3, "demo_request"), (3, "accept"), (6, "outcome:recycle"),
    ],
    "opportunity": [
        (0, "signup"), (0, "confirm"), *_BROWSING, (3, "demo_request"), (3, "accept"), (6, "outcome:opportunity"),
    ],
    "customer": [
        (0, "signup"), (0, "confirm"), *_BROWSING, (3, "demo_request"), (3, "accept"),
        (6, "outcome:opportunity"), (13, "outcome:won"),
    ],
}  # fmt: skip
# steps that follow a link in a mail sent before them; the others need not
# wait for the stream and queues, which then work while the seed goes on
NEEDS_MAIL = {"confirm", "browse:1", "accept", "unsubscribe"}
VISITS = [
    {"type": "page_view", "url": "https://www.leadflow.example/features"},
    {"type": "pricing_page_view"},
    {"type": "whitepaper_download", "title": "Speed to lead in B2B"},
]
CAMPAIGNS = {  # utm_campaign: (utm_source, spend in EUR for the month)
    "spring-webinar": ("linkedin", 1800),
    "pricing-search": ("google", 2400),
    "partner-newsletter": ("newsletter", 300),
}

FIRST = ["Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Lea", "Paul", "Clara", "Max", "Emma", "Noah",
         "Hannah", "Elias", "Mia", "Ben", "Lina", "Finn", "Ella", "Leon", "Sarah", "David", "Julia", "Tom",
         "Laura", "Jan", "Nina", "Erik", "Olivia", "Liam", "Ava", "Mateo", "Zoe", "Oskar"]  # fmt: skip
LAST = ["Keller", "Brandt", "Vogel", "Hartmann", "Krüger", "Lang", "Berger", "Fuchs", "Roth", "Frank", "Baumann",
        "Simon", "Lorenz", "Jäger", "Peters", "Hahn", "Smith", "Jones", "Garcia", "Novak", "Rossi", "Dubois",
        "Jansen", "Nowak", "Larsen"]  # fmt: skip
COMPANIES = ["Nordwind Logistik", "Alpenblick Software", "Rheinwerk Maschinenbau", "Hafenstadt Retail",
             "Isar Finanz", "Bodensee Health", "Spreeküste Media", "Elbtal Analytics", "Brightline Systems",
             "Northstar Retail", "Meridian Bank", "Copperleaf Labs", "Bluefjord Manufacturing", "Helix Cloud",
             "Quantum Harbor", "Silverpine Agency"]  # fmt: skip
TITLES_STRONG = ["Head of Sales", "CTO", "VP Marketing", "Leiterin Vertrieb", "Geschäftsführer", "Director Growth"]
TITLES_WEAK = ["Marketing Manager", "Sales Representative", "Werkstudent", "Assistant", "Consultant"]


@dataclass
class Person:
    number: int
    journey: str
    day: int
    email: str
    fields: dict
    lead_token: str | None = None
    lead_id: str | None = None
    links: dict = field(default_factory=dict)  # rep link action -> URL

    @property
    def name(self) -> str:
        return f"{self.fields['first_name']} {self.fields['last_name']}"


def people(days: int, rng: random.Random) -> list[Person]:
    """The cast: strong fit for journeys that reach sales, weaker for the rest."""
    cast = []
    for journey, count in JOURNEYS.items():
        span = max(day for day, _ in PLANS[journey])
        for _ in range(count):
            n = len(cast)
            first, last = FIRST[n % len(FIRST)], LAST[(n * 7) % len(LAST)]
            strong = journey not in ("subscriber", "bounced", "lead", "unsubscribed")
            company = COMPANIES[(n * 5) % len(COMPANIES)]
            slug = re.sub(r"[^a-z]+", "-", company.lower().translate(str.maketrans("äöüß", "aous"))).strip("-")
            local = f"{first}.{last}".lower().translate(str.maketrans("äöüß", "aous"))
            email = f"{local}@{slug}.example.com"
            if journey == "bounced":
                email = "bounce@simulator.amazonses.com"
            elif not strong and rng.random() < 0.4:
                email = f"{local}{n}@{rng.choice(['gmx.de', 'web.de', 'gmail.com'])}"
            campaign = rng.choice([*CAMPAIGNS, None, None])
            fields = {
                "first_name": first,
                "last_name": last,
                "company": company,
                "job_title": rng.choice(TITLES_STRONG if strong else TITLES_WEAK),
                "country": rng.choice(["DE", "DE", "AT", "CH", "GB", "NL", "US"]),
                "company_size": rng.choice(["51-200", "201-1000", "1000+"] if strong else ["1-10", "11-50"]),
                "industry": rng.choice(["software", "finance", "manufacturing", "retail"] if strong else ["other"]),
                "interests": rng.sample(["capture", "scoring", "nurture", "routing", "analytics"], 2),
            }
            if campaign:
                fields.update(utm_source=CAMPAIGNS[campaign][0], utm_medium="cpc", utm_campaign=campaign)
            # unconfirmed signups expire after the playbook's 7 days: the month's last days
            first_day, last_day = (days - 6, days - 1) if journey in ("subscriber", "bounced") else (0, days - 1 - span)
            cast.append(Person(n, journey, rng.randint(first_day, last_day), email, fields))
    return cast


def timeline(cast: list[Person]) -> dict[tuple[int, int], list[tuple[Person, str]]]:
    """(day, minute of day) -> the steps due then."""
    steps: dict[tuple[int, int], list[tuple[Person, str]]] = defaultdict(list)
    for person in cast:
        for offset, step in PLANS[person.journey]:
            steps[(person.day + offset, SLOTS[step.split(":")[0]])].append((person, step))
    return dict(sorted(steps.items()))


class DemoMonth:
    """Walks the month over HTTP. `state` says how far it got (GET /_local/seed)."""

    def __init__(self, api: str, admin_token: str, days: int = START_DAYS_AGO - 1, seed: int = 2026):
        self.api = api.rstrip("/")
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.rng = random.Random(seed)
        self.cast = people(days, self.rng)
        self.http = requests.Session()
        self.reps: dict[str, str] = {}
        steps = sum(len(PLANS[p.journey]) for p in self.cast)
        self.state = {"status": "waiting", "people": len(self.cast), "steps": steps, "steps_done": 0, "seconds": None}

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="demo-month", daemon=True)
        thread.start()
        return thread

    def run(self) -> None:
        started = time.monotonic()
        self.state["status"] = "running"
        try:
            self._walk()
        except Exception as error:  # the stack stays up; the state and the log tell what broke
            log.exception("the demo month stopped")
            self.state.update(status="failed", error=f"{type(error).__name__}: {error}")
            return
        self.state.update(status="done", seconds=round(time.monotonic() - started, 1))
        log.info("demo month ready: %d people in %.1f s", len(self.cast), self.state["seconds"])

    def _walk(self) -> None:
        self.reps = {r["rep_id"]: r["email"] for r in self._get("/reps", admin=True)["reps"]}
        day_zero = self._now().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        for (day, minute), steps in timeline(self.cast).items():
            self._advance_to(day_zero + timedelta(days=day, minutes=minute))
            if any(step in NEEDS_MAIL for _, step in steps):
                self._drain()  # the mails the steps before and the schedules sent
            render_token = self._render_token() if any(step == "signup" for _, step in steps) else None
            for person, step in steps:
                self._step(person, step, render_token)
                self.state["steps_done"] += 1
        self._spend(day_zero)
        # the present: the clock's offset back to about zero, due schedules fire
        self._advance_to(datetime.now(UTC))
        self._drain()

    def _step(self, person: Person, step: str, render_token: str | None) -> None:
        kind, _, detail = step.partition(":")
        if kind == "signup":
            body = {"email": person.email, "consent": True, "_render_token": render_token, **person.fields}
            self._expect(self.http.post(f"{self.api}/forms/{FORM}/submissions", json=body, timeout=TIMEOUT), 202)
        elif kind == "confirm":
            self._confirm(person)
        elif kind == "browse":
            self._event(person, VISITS[int(detail)])
            if int(detail) == 1:
                self._click_latest_mail(person)
        elif kind == "demo_request":
            self._event(person, {"type": "demo_request", "message": "Can we see it with our data?"})
        elif kind == "accept":
            self._accept(person)
        elif kind == "outcome":
            self._outcome(person, detail)
        elif kind == "unsubscribe":
            self._unsubscribe(person)

    def _confirm(self, person: Person) -> None:
        link = self._link(person.email, r"/confirm/[A-Za-z0-9_-]+")
        answer = self.http.post(link, headers={"User-Agent": BROWSER}, allow_redirects=False, timeout=TIMEOUT)
        self._expect(answer, 303)
        person.lead_token = parse_qs(urlsplit(answer.headers["Location"]).query)["lead"][0]
        found = self._get("/leads", admin=True, email=person.email)["leads"]
        person.lead_id = found[0]["lead_id"]

    def _event(self, person: Person, event: dict) -> None:
        answer = self.http.post(
            f"{self.api}/events",
            json={"lead": person.lead_token, **event},
            headers={"User-Agent": BROWSER},
            timeout=TIMEOUT,
        )
        self._expect(answer, 202)
        person.lead_token = answer.json()["lead"]  # each accepted event renews it

    def _click_latest_mail(self, person: Person) -> None:
        """A click in the newest nurture mail, as a person's browser makes it."""
        nurture = [m for m in self._mail(person.email) if (m.get("tags") or {}).get("kind") == "nurture"]
        links = re.findall(r"http://\S+/t/c/[A-Za-z0-9._~-]+", nurture[-1]["text"] or "") if nurture else []
        if links:
            answer = self.http.get(links[0], headers={"User-Agent": BROWSER}, allow_redirects=False, timeout=TIMEOUT)
            self._expect(answer, 302)

    def _accept(self, person: Person) -> None:
        """The rep the router picked accepts through the mail's link; an SQL
        of the `sql` journey is left waiting now and then (overdue, reassigned)."""
        if person.journey == "sql" and person.number % 3 == 0:
            return
        offers = self._get(f"/assignments/{person.lead_id}", admin=True)["assignments"]
        offer = next((a for a in offers if a["status"] == "offered" and a.get("rep_id")), None)
        if offer is None:
            return  # nobody could take it: it waits unassigned, as the console shows
        mails = [m for m in self._mail(self.reps[offer["rep_id"]]) if person.name in m["subject"]]
        text = mails[-1]["text"]
        person.links = {
            action: re.search(rf"http://\S+/rep/[^/\s]+/{action}", text).group(0) for action in ("accept", "outcome")
        }
        self._expect(self.http.post(person.links["accept"], data={}, timeout=TIMEOUT), 200)

    def _outcome(self, person: Person, outcome: str) -> None:
        if "outcome" not in person.links:
            return  # never accepted
        answer = self.http.post(person.links["outcome"], data={"outcome": outcome, "note": "demo"}, timeout=TIMEOUT)
        self._expect(answer, 200)

    def _unsubscribe(self, person: Person) -> None:
        link = self._link(person.email, r"/unsubscribe/[A-Za-z0-9._~-]+", required=False)
        if link:
            self._expect(self.http.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=TIMEOUT), 200)

    def _spend(self, day_zero: datetime) -> None:
        period = {"from": day_zero.date().isoformat(), "to": (day_zero + timedelta(days=28)).date().isoformat()}
        for campaign, (_, amount) in CAMPAIGNS.items():
            answer = self.http.put(
                f"{self.api}/campaigns/{campaign}/spend",
                json={"amount": amount, "currency": "EUR", "period": period},
                headers=self.admin,
                timeout=TIMEOUT,
            )
            self._expect(answer, 200)

    # --- the local stack's development routes -----------------------------
    def _now(self) -> datetime:
        return datetime.fromisoformat(self._get("/_local/clock")["now"])

    def _advance_to(self, at: datetime) -> None:
        seconds = (at - self._now()).total_seconds()
        if seconds > 0:
            self._expect(
                self.http.post(f"{self.api}/_local/clock", json={"advance_seconds": seconds}, timeout=TIMEOUT), 200
            )

    def _drain(self) -> None:
        self._expect(self.http.post(f"{self.api}/_local/drain", timeout=60), 200)

    def _render_token(self) -> str:
        """A form's render token, then past its fill time as a person's typing."""
        token = self._get(f"/forms/{FORM}/token")["token"]
        self._expect(self.http.post(f"{self.api}/_local/clock", json={"advance_seconds": 5}, timeout=TIMEOUT), 200)
        return token

    def _mail(self, to: str) -> list[dict]:
        return self._get("/_local/mailbox", to=to)["messages"]

    def _link(self, to: str, pattern: str, required: bool = True) -> str | None:
        for message in reversed(self._mail(to)):
            found = re.search(rf"http://[^\s\"<>]+?{pattern}", message["text"] or "")
            if found:
                return found.group(0)
        if required:
            raise RuntimeError(f"no mail to {to} has a link like {pattern}")
        return None

    def _get(self, path: str, admin: bool = False, **params) -> dict:
        answer = self.http.get(f"{self.api}{path}", params=params, headers=self.admin if admin else {}, timeout=TIMEOUT)
        self._expect(answer, 200)
        return answer.json()

    @staticmethod
    def _expect(answer: requests.Response, status: int) -> None:
        if answer.status_code != status:
            raise RuntimeError(
                f"{answer.request.method} {urlsplit(answer.url).path} answered {answer.status_code}, "
                f"not {status}: {answer.text[:300]}"
            )
