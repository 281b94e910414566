"""Reps get their mails in their language (`locale`), and the manager in the
playbook's `sla.manager_locale`."""

import email
import email.header
import email.policy

from .test_routing_flow import assignments, put_rep, queue, sql_lead  # noqa: F401
from .test_routing_unassigned import MANAGER, watch


def german_manager(services):
    routing = services.playbook.routing
    sla = routing.sla.model_copy(update={"manager_locale": "de"})
    services.playbook = services.playbook.model_copy(update={"routing": routing.model_copy(update={"sla": sla})})


def read(mailbox, address):
    """(subject, plain text, html) of each mail to `address`, from the raw bytes."""
    found = []
    for sent in mailbox.messages():
        parsed = email.message_from_string(sent.raw_data, policy=email.policy.compat32)
        if parsed["To"] != address:
            continue
        subject = str(email.header.make_header(email.header.decode_header(parsed["Subject"])))
        parts = {
            p.get_content_subtype(): p.get_payload(decode=True).decode(p.get_content_charset())
            for p in parsed.walk()
            if p.get_content_maintype() == "text"
        }
        found.append((subject, parts["plain"], parts["html"]))
    return found


def test_a_german_rep_gets_the_assignment_mail_in_german(client, stream, mailbox, queue):
    put_rep(client, "ann", locale="de")
    put_rep(client, "bob", territories=["AT"])  # english by default
    sql_lead(client, stream, mailbox, "de@acme.example", company="Acme")
    sql_lead(client, stream, mailbox, "at@acme.example", company="Acme", country="AT")
    queue.pump()

    [(subject, text, html)] = read(mailbox, "ann@sales.example")
    assert subject.startswith("Neuer Lead für Sie:") and "Acme" in subject
    assert "Letzte Aktivitäten:" in text and "Größe:" in text and "Annehmen:" in text
    assert '<html lang="de">' in html and "Größe" in html
    [(subject, text, _)] = read(mailbox, "bob@sales.example")
    assert subject.startswith("New lead for you:") and "Last activities:" in text


def test_the_manager_gets_unassigned_and_sla_mails_in_the_playbooks_language(
    client, services, stream, mailbox, queue, clock
):
    german_manager(services)
    put_rep(client, "ann")
    put_rep(client, "bob", capacity=4)
    lonely = sql_lead(client, stream, mailbox, "lonely@acme.example", country="US")  # only DE reps
    slow = sql_lead(client, stream, mailbox, "slow@acme.example")
    queue.pump()
    clock.advance(16 * 60)
    watch(client)
    stream.pump()
    queue.pump()

    assert assignments(client, lonely)[0]["status"] == "unassigned"
    assert assignments(client, slow)[0]["reason"] == "sla"
    subjects = [subject for subject, _, _ in read(mailbox, MANAGER)]
    assert [s.split(":")[0] for s in subjects] == ["Niemand kann einen SQL übernehmen", "SLA verpasst"]
    [(_, text, _)] = [m for m in read(mailbox, MANAGER) if m[0].startswith("SLA")]
    assert "nicht innerhalb von 15 Minuten angenommen" in text
