"""`leadflow`: the commands. Exit codes: 0 done, 1 done with invalid rows
(import), 2 failed (also for usage errors, as click has it)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
from rich.text import Text

from .client import Api, Failed, Refused
from .imports import ImportRequest, imports_table, run_import, show_import
from .reports import deliverability_view, revenue_view
from .views import console, funnel_table, lead_view, leads_table, reps_table

LOCAL_API = "http://127.0.0.1:8000"
# the stages the lead list can show: unconfirmed subscribers are never scored
LISTED_STAGES = ("lead", "mql", "sql", "opportunity", "customer")
CONSENT_MODES = ("double_opt_in", "evidence", "no_mail")


class _Refused(click.ClickException):
    exit_code = 2


class _Commands(click.Group):
    """Turns a failed call into one sentence on stderr and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Failed as failure:
            raise _Refused(str(failure)) from None


@click.group(cls=_Commands)
@click.option(
    "--api",
    envvar="LEADFLOW_API",
    default=LOCAL_API,
    show_default=True,
    help="Base URL of the Leadflow API (or LEADFLOW_API). The admin token comes from LEADFLOW_TOKEN.",
)
@click.pass_context
def cli(ctx: click.Context, api: str) -> None:
    """Leadflow's admin API for people: import contacts, look at leads, reps, the funnel and the sending guard."""
    # the token only from the environment: on the command line it would show in `ps` and shell history
    ctx.obj = Api(api, os.environ.get("LEADFLOW_TOKEN"))


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--form", "form_id", required=True, help="The playbook form the contacts count as signed up through.")
@click.option("--consent", "consent_mode", required=True, type=click.Choice(CONSENT_MODES), help="How consent is had.")
@click.option("--dry-run", is_flag=True, help="Validate and count only: no lead is written, no mail sent.")
@click.option("--update-existing", is_flag=True, help="Overwrite profile values of leads that exist.")
@click.option(
    "--column-map",
    "column_map",
    multiple=True,
    metavar="HEADER=FIELD",
    help="Read a column as a playbook field, e.g. --column-map 'Mail Adresse=email' (repeatable).",
)
@click.pass_obj
def import_file(api: Api, file: Path, form_id, consent_mode, dry_run, update_existing, column_map) -> None:
    """Import the contacts of a CSV FILE (UTF-8 or Windows-1252; comma, semicolon or tab)."""
    request = ImportRequest(file, form_id, consent_mode, dry_run, update_existing, _pairs(column_map))
    raise SystemExit(run_import(api, request, console()))


def _pairs(column_map: tuple[str, ...]) -> dict[str, str]:
    pairs = {}
    for entry in column_map:
        header, equals, field = entry.rpartition("=")
        if not (equals and header.strip() and field.strip()):
            raise click.BadParameter(f"{entry!r} is not HEADER=FIELD", param_hint="--column-map")
        pairs[header.strip()] = field.strip()
    return pairs


@cli.command("leads")
@click.option("--stage", type=click.Choice(LISTED_STAGES), help="Only this stage (default: every stage).")
@click.option("--limit", type=click.IntRange(1, 100), default=25, show_default=True, help="Leads per stage.")
@click.pass_obj
def list_leads(api: Api, stage: str | None, limit: int) -> None:
    """Scored leads, best score first."""
    out = console()
    for each in (stage,) if stage else LISTED_STAGES:
        page = api.get("/leads", stage=each, limit=limit)
        leads, more = page["leads"], " (the best; more with a higher --limit)" if page.get("next_cursor") else ""
        out.print(leads_table(leads, f"{each}: {len(leads)} lead{'s' * (len(leads) != 1)}{more}"))


@cli.command("lead")
@click.argument("lead")
@click.pass_obj
def show_lead(api: Api, lead: str) -> None:
    """One lead by id or e-mail address: profile, why its score, stages, assignments, activities."""
    if "@" in lead:
        found = api.get("/leads", email=lead)["leads"]
        if not found:
            raise Failed(f"No lead has the address {lead}.")
        view = found[0]
    else:
        view = api.get(f"/leads/{lead}")
    console().print(lead_view(view))


@cli.command("reps")
@click.pass_obj
def list_reps(api: Api) -> None:
    """The sales reps, their pools, capacity and open assignments."""
    console().print(reps_table(api.get("/reps")["reps"]))


@cli.command("funnel")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: 29 days before --to).")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default: today, UTC).")
@click.option("--source", help="Only leads whose first touch had this utm_source.")
@click.option("--campaign", help="Only this utm_campaign (adds its cost per stage).")
@click.option("--form", "form_id", help="Only leads of this form.")
@click.pass_obj
def funnel(api: Api, first: datetime | None, last: datetime | None, source, campaign, form_id) -> None:
    """Entries per stage, conversion to the next and time in stage; then
    revenue, lifetime value, ROI and sales feedback per source and campaign."""
    start, end = _range(first, last, 29)
    query = {"from": start.isoformat(), "to": end.isoformat(), "source": source, "campaign": campaign, "form": form_id}
    out = console()
    out.print(funnel_table(api.get("/reports/funnel", **query)))
    out.print(revenue_view(api.get("/reports/revenue", **query)))


def _range(first: datetime | None, last: datetime | None, days_before: int) -> tuple[date, date]:
    end = last.date() if last else datetime.now(UTC).date()
    return (first.date() if first else end - timedelta(days=days_before)), end


@cli.command("imports")
@click.argument("import_id", required=False)
@click.option("--limit", type=click.IntRange(1, 100), default=25, show_default=True, help="Imports listed.")
@click.pass_obj
def list_imports(api: Api, import_id: str | None, limit: int) -> None:
    """The latest imports, newest first; with an IMPORT_ID that one and its first errors."""
    if import_id:
        show_import(api, import_id, console())
        return
    page = api.get("/imports", limit=limit)
    console().print(imports_table(page["imports"], bool(page.get("next_cursor"))))


@cli.command("import-status")
@click.argument("import_id")
@click.pass_obj
def import_status(api: Api, import_id: str) -> None:
    """One import: its status, counts and first errors."""
    show_import(api, import_id, console())


@cli.group("sending", invoke_without_command=True)
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: 6 days before --to).")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default: today, UTC).")
@click.pass_context
def sending(ctx: click.Context, first: datetime | None, last: datetime | None) -> None:
    """The sending guard: thresholds, what is paused, sends and bounces per day and kind."""
    if ctx.invoked_subcommand:
        return
    start, end = _range(first, last, 6)
    report = ctx.obj.get("/reports/deliverability", **{"from": start.isoformat(), "to": end.isoformat()})
    console().print(deliverability_view(report))


@sending.command("resume")
@click.option("--reason", required=True, help="Why mail may go out again (kept with the resume).")
@click.option("--sequence", help="Resume only this nurture sequence (default: all nurture mail).")
@click.pass_obj
def resume_sending(api: Api, reason: str, sequence: str | None) -> None:
    """Resume nurture mail the guard paused."""
    body = {"reason": reason} | ({"sequence": sequence} if sequence else {})
    try:
        event = api.post("/sending/resume", body)
    except Refused as refusal:
        if refusal.status != 409:
            raise
        what = f"The sequence {sequence}" if sequence else "Nurture mail"
        raise Failed(f"{what} is not paused: nothing to resume.") from None
    console().print(Text(f"Resumed {event.get('scope')} at {event.get('at')}: {event.get('reason')}"))


def main() -> None:
    cli(prog_name="leadflow")
