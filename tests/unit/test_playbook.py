import pytest

from chalicelib.playbook import PlaybookError, load_playbook, parse_playbook, read_playbook


def shipped():
    return read_playbook(env={})


def test_the_shipped_playbook_has_the_demo_form_with_its_fields():
    form = load_playbook(env={}).forms["demo"]
    assert {
        "email",
        "first_name",
        "last_name",
        "company",
        "job_title",
        "phone",
        "country",
        "company_size",
        "industry",
        "consent",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "referrer",
    } <= set(form.fields)
    assert form.consent.version and form.locale in ("de", "en") and form.honeypot == "website"
    assert form.allowed_origins[0] == "http://127.0.0.1:8001"


def test_environment_values_fill_the_placeholders():
    form = load_playbook(env={"LEADFLOW_LANDING_ORIGIN": "http://127.0.0.1:9001"}).forms["demo"]
    assert form.allowed_origins[0] == "http://127.0.0.1:9001"
    assert str(form.success_url) == "http://127.0.0.1:9001/thanks.html"


@pytest.mark.parametrize(
    "mutate, key",
    [
        (lambda p: p["forms"]["demo"]["fields"]["email"].update(max_lenght=5), "forms.demo.fields.email.max_lenght"),
        (lambda p: p["forms"]["demo"].update(locale="fr"), "forms.demo.locale"),
        (lambda p: p["double_opt_in"].update(token_ttl_hours=-1), "double_opt_in.token_ttl_hours"),
        (lambda p: p["forms"]["demo"]["fields"]["company_size"].pop("choices"), "forms.demo.fields.company_size"),
        (lambda p: p["forms"]["demo"]["fields"].pop("consent"), "forms.demo"),
        (lambda p: p["forms"]["demo"].update(allowed_origins=["https://x.example/path"]), "forms.demo.allowed_origins"),
        (lambda p: p.update(colour="blue"), "colour"),
        (lambda p: p["forms"]["demo"].update(error_url="javascript:alert(1)"), "forms.demo.error_url"),
        (lambda p: p["suppression"].update(soft_bounce_threshold=0), "suppression.soft_bounce_threshold"),
        (lambda p: p["suppression"].update(soft_bounce_window=30), "suppression.soft_bounce_window"),
        (lambda p: p.pop("sender"), "sender"),
        (lambda p: p["sender"].pop("postal_address"), "sender.postal_address"),
        (lambda p: p["sender"].update(privacy_url="datenschutz.html"), "sender.privacy_url"),
        (lambda p: p["forms"]["demo"]["consent"].update(privacy_link="Impressum"), "forms.demo.consent"),
    ],
)
def test_a_bad_playbook_fails_naming_the_bad_key(mutate, key):
    raw = shipped()
    mutate(raw)
    with pytest.raises(PlaybookError) as raised:
        parse_playbook(raw)
    assert key in str(raised.value)


def test_a_missing_variable_without_default_is_an_error(tmp_path):
    path = tmp_path / "playbook.yaml"
    path.write_text("version: '1'\nforms:\n  x:\n    success_url: ${NOWHERE}\n")
    with pytest.raises(PlaybookError, match="NOWHERE"):
        load_playbook(path, env={})


def test_a_missing_file_is_an_error_not_a_crash(tmp_path):
    with pytest.raises(PlaybookError, match="cannot read"):
        load_playbook(tmp_path / "nope.yaml", env={})


def test_a_playbook_without_nurture_needs_no_sender_unless_a_consent_text_links_its_privacy_policy():
    raw = shipped()
    raw.pop("sender")
    raw["nurture"]["sequences"] = {}
    with pytest.raises(PlaybookError, match=r"forms\.demo\.consent\.privacy_link"):
        parse_playbook(raw)
    raw["forms"]["demo"]["consent"].pop("privacy_link")
    assert parse_playbook(raw).sender is None


def test_the_shipped_playbook_names_its_sender_and_links_the_privacy_policy_from_the_consent_text():
    playbook = load_playbook(env={})
    assert playbook.sender.company and playbook.sender.postal_address
    assert str(playbook.sender.privacy_url).startswith("https://")
    consent = playbook.forms["demo"].consent
    assert consent.privacy_link in consent.text
