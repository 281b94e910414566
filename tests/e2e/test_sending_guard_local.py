"""The sending guard on the embedded local stack, over HTTP only: signups to
SES simulator addresses (`bounce+label@simulator.amazonses.com`) bounce
through SNS and SQS into the app, the guard pauses nurture, the manager is
mailed, opt-in mail still flows, and an admin resumes. Its own stack, with a
playbook of a small minimum volume."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import yaml

from chalicelib.playbook import DEFAULT_PATH
from infra.local.launch import start_stack

from .conftest import Api

pytestmark = pytest.mark.e2e

MANAGER = "sales-manager@leadflow.example"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("guard")
    playbook = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))  # ${...} stay, filled at load
    playbook["reputation"].update({"min_volume": 10, "pause_bounce_rate": 0.2})
    (folder / "playbook.yaml").write_text(yaml.safe_dump(playbook), encoding="utf-8")
    running = start_stack(folder / "stack.log", LEADFLOW_PLAYBOOK=str(folder / "playbook.yaml"))
    yield Api(running)
    running.stop()


def report(api):
    day = requests.get(f"{api.url}/_local/clock", timeout=10).json()["now"][:10]
    answer = requests.get(
        f"{api.url}/reports/deliverability", params={"from": day, "to": day}, headers=api.admin, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_simulated_bounces_pause_nurture_tell_the_manager_and_an_admin_resumes(api):
    run = uuid.uuid4().hex[:6]
    for n in range(6):
        assert api.submit(f"guard-{run}-{n}@example.com").status_code == 202
    api.drain()
    assert report(api)["paused"] == {}
    for n in range(4):
        assert api.submit(f"bounce+{run}-{n}@simulator.amazonses.com").status_code == 202
    api.drain()
    api.drain()  # the pause's event item, then the manager's mail

    seen = report(api)
    assert set(seen["paused"]) == {"all"}
    [day] = seen["days"]
    assert day["all"]["sends"] >= 10 and day["kinds"]["opt_in"]["hard_bounces"] == 4
    assert [(e["action"], e["scope"]) for e in seen["pauses"]] == [("paused", "all")]
    assert seen["ses_account"]["available"] is False  # moto has no sesv2 GetAccount
    told = [m for m in api.mail_to(MANAGER) if m["tags"].get("kind") == "sending_guard"]
    assert [m["subject"] for m in told] == ["Nurture mail paused: all nurture mail"]

    late = f"guard-{run}-late@example.com"
    assert api.submit(late).status_code == 202
    api.drain()
    assert len(api.mail_to(late)) == 1  # opt-in mail still goes out

    # two admins at once: one resumes, the other hears it is not paused
    start = threading.Barrier(2)

    def resume(reason):
        start.wait()
        return requests.post(f"{api.url}/sending/resume", json={"reason": reason}, headers=api.admin, timeout=10)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(resume, ["bad addresses removed", "list cleaned"]))
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    api.drain()
    seen = report(api)
    assert seen["paused"] == {}
    assert [(e["action"], e["by"]) for e in seen["pauses"]] == [("paused", "guard"), ("resumed", "admin")]
    assert len([m for m in api.mail_to(MANAGER) if m["tags"].get("kind") == "sending_guard"]) == 2
