"""The action server acts in the turn of the message it answers, and only in it: actions/server.py
reads the grant from the tracker Rasa sends once per run, and every backend call of that run
carries it. Runs for two citizens at once never see each other's grant; a run whose message came
with no grant (Rasa's REST channel, say) acts for nobody."""
import asyncio
from datetime import timedelta

from actions.language import ActionSessionStart
from actions.server import TurnExecutor
from actions.status import ActionListApplications
from tests.conftest import NOW, complaint_body, in_turn, turn_headers

OWNER, OTHER = "+919812345678", "+919800000002"
GRIEVANCE = {"category": "garbage", "description": "Bins overflowing", "ward": "BMC-W12", "channel": "twilio_whatsapp"}


def _action_call(sender: str, grant: str | None) -> dict:
    """What Rasa posts to the action server for a message from `sender`."""
    return {"next_action": "action_list_applications", "sender_id": sender, "domain": {}, "tracker": {
        "sender_id": sender, "slots": {"language": "en"}, "events": [], "paused": False, "followup_action": None,
        "active_loop": {}, "latest_action_name": "action_listen",
        "latest_message": {"text": "my applications", "intent": {"name": "my_cases"}, "entities": [],
                           "metadata": {"turn": grant} if grant else {}}}}


def _references(result) -> list[str]:  # noqa: ANN001
    return [m.get("reference") for m in result.responses if m.get("response", "").startswith("utter_case_status")]


async def test_each_run_acts_for_its_own_message_only(client, backend):
    mine = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE, citizen_phone=OWNER),
                       headers=in_turn(client, OWNER)).json()
    theirs = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE, citizen_phone=OTHER),
                         headers=in_turn(client, OTHER)).json()
    executor = TurnExecutor()
    executor.register_action(ActionListApplications(backend))

    owner, other = await asyncio.gather(
        executor.run(_action_call(f"whatsapp:{OWNER}", turn_headers(OWNER)["X-Sathi-Turn"])),
        executor.run(_action_call(f"whatsapp:{OTHER}", turn_headers(OTHER)["X-Sathi-Turn"])),
    )
    assert (_references(owner), _references(other)) == ([mine["reference"]], [theirs["reference"]])

    # As Rasa's REST channel would send it: "I am the owner", with no grant, or with someone else's.
    for grant in (None, turn_headers(OTHER)["X-Sathi-Turn"]):
        refused = await executor.run(_action_call(OWNER, grant))
        assert _references(refused) == [] and [m["response"] for m in refused.responses] == ["utter_service_unavailable"]


async def test_a_session_starts_in_the_turn_of_the_message_that_started_it(client, backend):
    """Rasa starts a session before the message is in the tracker: its metadata is in a slot, and
    the latest message is the last one of the session before (its grant long expired)."""
    assert client.put("/api/v1/citizens/language", json={"phone": OWNER, "language": "or"}, headers=in_turn(client, OWNER)).status_code == 200
    executor = TurnExecutor()
    executor.register_action(ActionSessionStart(backend))
    call = _action_call(f"whatsapp:{OWNER}", turn_headers(OWNER, now=NOW - timedelta(days=2))["X-Sathi-Turn"])
    call |= {"next_action": "action_session_start", "domain": {"session_config": {"carry_over_slots_to_new_session": True}}}
    call["tracker"]["slots"]["session_started_metadata"] = {"turn": turn_headers(OWNER)["X-Sathi-Turn"]}
    started = await executor.run(call)
    assert {"event": "slot", "name": "language", "value": "or", "timestamp": None} in started.events
