"""`leadflow funnel` with its revenue tables, `leadflow imports` /
`import-status` and `leadflow sending [resume]` against a fake API over real
HTTP, in the shapes the API answers."""

from __future__ import annotations

from tests.cli.fake_api import run

FUNNEL = {"from": "2026-11-01", "to": "2026-11-30", "filters": {}, "stages": [], "recycled": 0}
NO_REASONS = {"lost": [], "disqualified": []}


def channel(**values) -> dict:
    empty = {
        "customers": 0,
        "money": [],
        "pipeline": [],
        "lead_to_customer": {"customers_timed": 0, "median_seconds": None, "p90_seconds": None},
        "sql_acceptance": {"accepted": 0, "declined": 0, "rate": None},
        "outcomes": {},
        "reasons": NO_REASONS,
    }
    return empty | values


def money(currency: str, customers: int, revenue: float, **values) -> dict:
    row = {"currency": currency, "customers": customers, "revenue": revenue, "one_off": revenue,
           "recurring_lifetime": 0.0, "average_lifetime_value": round(revenue / customers, 2), "spend": None,
           "roi": None, "cost_per_lead": None, "cpl_to_clv": None}  # fmt: skip
    return row | values


REVENUE = {
    "from": "2026-11-01",
    "to": "2026-11-30",
    "filters": {},
    "total": channel(customers=3, money=[money("EUR", 2, 3000.0), money("USD", 1, 500.0)]),
    "by_source": [
        channel(
            source="[red]google[/]",
            customers=3,
            money=[money("EUR", 2, 3000.0), money("USD", 1, 500.0)],
            lead_to_customer={"customers_timed": 3, "median_seconds": 5 * 86400, "p90_seconds": 12 * 86400},
            sql_acceptance={"accepted": 3, "declined": 1, "rate": 0.75},
            reasons={
                "lost": [{"reason": "price", "count": 1, "share": 1.0}],
                "disqualified": [
                    {"reason": "no_budget", "count": 3, "share": 0.6},
                    {"reason": "competitor", "count": 1, "share": 0.2},
                    {"reason": "student", "count": 1, "share": 0.1},
                    {"reason": "spam", "count": 1, "share": 0.1},
                ],
            },
        )
    ],
    "by_campaign": [
        channel(
            campaign="spring",
            customers=2,
            money=[money("EUR", 2, 3000.0, spend=1000.0, roi=2.0, cost_per_lead=25.0, cpl_to_clv=0.0167)],
        )
    ],
    "counter_items_read": 30,
}


def line_with(output: str, *values: str) -> str:
    return next(line for line in output.splitlines() if all(v in line for v in values))


def test_funnel_prints_revenue_per_source_and_campaign_with_each_currency_on_its_own_row(fake):
    fake.on("GET", "/reports/funnel", (200, FUNNEL))
    fake.on("GET", "/reports/revenue", (200, REVENUE))

    result = run(fake, "funnel", "--from", "2026-11-01", "--to", "2026-11-30", "--source", "google")

    assert result.exit_code == 0, result.output
    [seen] = fake.requests_to("GET", "/reports/revenue")
    assert seen.query == {"from": ["2026-11-01"], "to": ["2026-11-30"], "source": ["google"]}
    eur = line_with(result.output, "[red]google[/]")  # a source is text, never markup
    assert all(v in eur for v in ("EUR", "3,000.00", "1,500.00", "5.0 d", "12.0 d", "75% of 4"))
    usd = line_with(result.output, "USD", "500.00")
    assert "3,500" not in result.output  # euros and dollars never summed
    assert "google" not in usd and "5.0 d" not in usd  # the channel's timing is not per currency
    spring = line_with(result.output, "campaign spring")
    assert all(v in spring for v in ("EUR", "1,000.00", "200%", "1.7%"))


def test_funnel_shows_the_top_three_reasons_per_outcome_with_their_shares(fake):
    fake.on("GET", "/reports/funnel", (200, FUNNEL))
    fake.on("GET", "/reports/revenue", (200, REVENUE))

    result = run(fake, "funnel", "--from", "2026-11-01", "--to", "2026-11-30")

    assert result.exit_code == 0, result.output
    assert "60%" in line_with(result.output, "disqualified", "no_budget")
    assert "100%" in line_with(result.output, "lost", "price")
    assert "student" in result.output and "spam" not in result.output


def test_funnel_without_any_outcome_says_so_instead_of_an_empty_table(fake):
    fake.on("GET", "/reports/funnel", (200, FUNNEL))
    fake.on("GET", "/reports/revenue", (200, REVENUE | {"total": channel(), "by_source": [], "by_campaign": []}))

    result = run(fake, "funnel")

    assert result.exit_code == 0, result.output
    assert "No lead was lost or disqualified with a reason." in result.output
    assert line_with(result.output, "all leads").split("│")[2].strip() == "0"


IMPORT = {
    "import_id": "imp-2",
    "status": "done",
    "form_id": "demo",
    "consent_mode": "double_opt_in",
    "dry_run": False,
    "update_existing": False,
    "created_at": "2026-11-30T09:14:05.120Z",
    "finished_at": "2026-11-30T09:15:00.000Z",
    "counts": {"rows_read": 120, "created": 100, "updated": 5, "unchanged": 3,
               "skipped": {"suppressed": 4, "duplicate_in_file": 2}, "invalid": 6},
}  # fmt: skip
FAILED = IMPORT | {"import_id": "imp-1", "status": "failed", "reason": "no_email_column", "dry_run": True,
                   "created_at": "2026-11-29T08:00:00.000Z", "counts": {}}  # fmt: skip


def test_imports_lists_the_latest_with_status_counts_and_start(fake):
    fake.on("GET", "/imports", (200, {"imports": [IMPORT, FAILED], "next_cursor": "c"}))

    result = run(fake, "imports", "--limit", "2")

    assert result.exit_code == 0, result.output
    assert fake.requests_to("GET", "/imports")[0].query == {"limit": ["2"]}
    assert "Latest 2 imports (more with a higher --limit)" in result.output
    done = [cell.strip() for cell in line_with(result.output, "imp-2").split("│")]
    assert done[1:11] == ["imp-2", "done", "demo", "2026-11-30 09:14", "120", "100", "5", "3", "6", "6"]
    assert "failed (dry run)" in line_with(result.output, "imp-1")


def test_one_import_shows_its_counts_and_first_errors_by_either_command(fake):
    fake.on("GET", "/imports/imp-2", (200, IMPORT))
    errors = [{"line": 7, "column": "email", "message": "kaputt is not a valid e-mail address"}]
    fake.on("GET", "/imports/imp-2/errors", (200, {"errors": errors, "next_cursor": None}))

    shown = [run(fake, "import-status", "imp-2"), run(fake, "imports", "imp-2")]

    assert [r.exit_code for r in shown] == [0, 0], [r.output for r in shown]
    assert shown[0].output == shown[1].output
    assert "First 1 of 6 invalid rows" in shown[0].output
    assert "7" in line_with(shown[0].output, "kaputt is not a valid e-mail address")
    assert "suppressed 4" in line_with(shown[0].output, "skipped")
    assert [s.query for s in fake.requests_to("GET", "/imports/imp-2/errors")] == [{"limit": ["10"]}] * 2


def test_a_failed_import_says_why_and_an_unknown_one_is_a_sentence(fake):
    fake.on("GET", "/imports/imp-1", (200, FAILED))
    fake.on("GET", "/imports/nope", (404, {"errors": {"import_id": "no such import"}}))

    failed = run(fake, "import-status", "imp-1")
    missing = run(fake, "import-status", "nope")

    assert failed.exit_code == 0, failed.output
    assert "failed: no column holds the e-mail address" in failed.output
    assert fake.requests_to("GET", "/imports/imp-1/errors") == []  # no invalid rows to fetch
    assert missing.exit_code == 2
    assert "GET /imports/nope was refused (404): import_id: no such import" in missing.output


THRESHOLDS = {"pause_bounce_rate": 0.05, "pause_complaint_rate": 0.001, "min_volume": 100, "window_days": 7}


def block(sends: int, hard: int = 0, complaints: int = 0, enough: bool = True) -> dict:
    return {"sends": sends, "hard_bounces": hard, "soft_bounces": 0, "complaints": complaints,
            "bounce_rate": hard / sends if enough else None,
            "complaint_rate": complaints / sends if enough else None, "enough_volume": enough}  # fmt: skip


DELIVERABILITY = {
    "from": "2026-11-24",
    "to": "2026-11-30",
    "thresholds": THRESHOLDS,
    "paused": {"all": {"at": "2026-11-30T10:00:00+00:00", "reason": "bounce rate 8.00% over 5.00%", "figures": {}}},
    "current": {"window": {"from": "2026-11-24", "to": "2026-11-30"}, "judged_since": None, "all": block(250, 20)},
    "days": [
        {
            "day": "2026-11-30",
            "all": block(250, 20),
            "sequences": {},
            "domains": {},
            "kinds": {"nurture": block(230, 20), "opt_in": block(20, enough=False)},
        },
    ],  # fmt: skip
    "pauses": [
        {
            "action": "paused",
            "scope": "all",
            "at": "2026-11-30T10:00:00+00:00",
            "by": "guard",
            "reason": "bounce rate 8.00% over 5.00%",
        }
    ],  # fmt: skip
    "ses_account": {"available": False, "reason": "sesv2 GetAccount failed: ClientError"},
}


def test_sending_shows_thresholds_pauses_and_each_day_per_kind_with_too_few_sends_named(fake):
    fake.on("GET", "/reports/deliverability", (200, DELIVERABILITY))

    result = run(fake, "sending", "--to", "2026-11-30")

    assert result.exit_code == 0, result.output
    assert fake.requests_to("GET", "/reports/deliverability")[0].query == {"from": ["2026-11-24"], "to": ["2026-11-30"]}
    assert "bounce rate of 5.0% or a complaint rate of 0.10% over 7 days, judged from 100 sends on" in result.output
    assert "PAUSED all since 2026-11-30 10:00: bounce rate 8.00% over 5.00%" in result.output
    assert "250 sends, bounce rate 8.00%" in result.output
    assert "8.70%" in line_with(result.output, "nurture", "230")
    assert line_with(result.output, "opt_in", "20").count("too few sends") == 2
    assert "guard" in line_with(result.output, "paused", "2026-11-30 10:00")


def test_sending_with_too_few_sends_claims_no_rate_and_says_nothing_is_paused(fake):
    quiet = DELIVERABILITY | {
        "paused": {},
        "pauses": [],
        "current": {"window": {"from": "2026-11-24", "to": "2026-11-30"}, "all": block(3, 1, enough=False)},
        "days": [],
    }
    fake.on("GET", "/reports/deliverability", (200, quiet))

    result = run(fake, "sending")

    assert result.exit_code == 0, result.output
    assert "Nothing is paused." in result.output
    assert "3 sends, too few sends for a rate" in result.output and "%" not in result.output.split("sends on.")[1]
    assert "Nothing was sent in the range." in result.output


def test_sending_resume_sends_the_reason_and_prints_the_resume(fake):
    def resumed(seen):
        return 200, {"action": "resumed", "scope": "sequence:welcome", "at": "2026-11-30T11:00:00+00:00",
                     "reason": seen.json()["reason"]}  # fmt: skip

    fake.on("POST", "/sending/resume", resumed)

    result = run(fake, "sending", "resume", "--reason", "bad addresses removed", "--sequence", "welcome")

    assert result.exit_code == 0, result.output
    assert fake.requests_to("POST", "/sending/resume")[0].json() == {
        "reason": "bad addresses removed",
        "sequence": "welcome",
    }
    assert "Resumed sequence:welcome at 2026-11-30T11:00:00+00:00: bad addresses removed" in result.output
    assert fake.requests_to("GET", "/reports/deliverability") == []


def test_sending_resume_when_nothing_is_paused_is_a_clear_sentence_exit_2(fake):
    fake.on("POST", "/sending/resume", (409, {"errors": {"sending": "not paused"}}))

    result = run(fake, "sending", "resume", "--reason", "list cleaned")

    assert result.exit_code == 2
    assert "Nurture mail is not paused: nothing to resume." in result.output


def test_sending_resume_refused_for_another_reason_passes_the_api_sentence_on(fake):
    fake.on("POST", "/sending/resume", (400, {"errors": {"sequence": "not a sequence of the playbook"}}))

    result = run(fake, "sending", "resume", "--reason", "x", "--sequence", "nope")
    no_reason = run(fake, "sending", "resume")

    assert result.exit_code == 2
    assert "POST /sending/resume was refused (400): sequence: not a sequence of the playbook" in result.output
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    assert len(fake.requests_to("POST", "/sending/resume")) == 1


def test_funnel_counts_customers_won_without_a_deal_value_in_no_currency(fake):
    fake.on("GET", "/reports/funnel", (200, FUNNEL))
    total = channel(customers=5, money=[money("EUR", 2, 3000.0)])
    fake.on("GET", "/reports/revenue", (200, REVENUE | {"total": total, "by_source": [], "by_campaign": []}))

    result = run(fake, "funnel")

    assert result.exit_code == 0, result.output
    cells = [cell.strip() for cell in line_with(result.output, "(no value)").split("│")]
    assert cells[1:5] == ["", "3", "(no value)", ""]


def test_resuming_a_sequence_that_is_not_paused_names_the_sequence(fake):
    fake.on("POST", "/sending/resume", (409, {"errors": {"sequence": "not paused"}}))

    result = run(fake, "sending", "resume", "--reason", "list cleaned", "--sequence", "welcome")

    assert result.exit_code == 2
    assert "The sequence welcome is not paused: nothing to resume." in result.output
