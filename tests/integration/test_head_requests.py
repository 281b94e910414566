"""HEAD on the links mails carry (confirm, unsubscribe, rep) answers as GET
does, status and headers, without a body, and changes nothing: link
checkers and mail scanners send HEAD before anyone clicks."""

from .conftest import stored_items, submit
from .test_routing_flow import link, put_rep, queue, rep_mails, sql_lead  # noqa: F401 (queue fixture)
from .test_unsubscribe import confirmed_lead, path


def assert_head_answers_like_get(client, url, aws):
    before = stored_items(aws)
    got = client.http.get(url)
    head = client.http.head(url)
    assert head.status_code == got.status_code
    assert head.headers == got.headers
    assert head.body == b"" and got.body
    assert stored_items(aws) == before


def test_head_on_a_confirm_link_answers_like_get_and_confirms_nothing(client, stream, mailbox, aws):
    submit(client)
    stream.pump()
    token = mailbox.confirm_tokens()[0]
    assert_head_answers_like_get(client, f"/confirm/{token}", aws)
    assert_head_answers_like_get(client, "/confirm/not-a-token", aws)


def test_head_on_an_unsubscribe_link_answers_like_get_and_unsubscribes_nobody(client, stream, mailbox, services, aws):
    ann = confirmed_lead(client, stream, mailbox)
    assert_head_answers_like_get(client, path(services, ann["lead_id"]), aws)


def test_head_on_a_rep_link_answers_like_get_and_accepts_nothing(client, stream, mailbox, queue, aws):
    put_rep(client, "ann")
    sql_lead(client, stream, mailbox, "head@acme.example")
    queue.pump()
    [mail] = rep_mails(mailbox, "ann")
    assert_head_answers_like_get(client, link(mail, "accept"), aws)
