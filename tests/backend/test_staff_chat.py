"""The console in a chat: a person who works cases writes from their registered mobile and acts with
the rights they have in the console. An alert offers their actions by number ("1" takes it); the
chat asks for what an action needs (a photo as proof, a reason, the plant and the litres); a
photo of the work reaches the citizen with the resolution; an official outside the case's area is
refused; the list shows what waits for them, soonest due first."""
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from backend.api.deps import get_now
from backend.console import chat
from backend.db import get_session_factory
import locales
from backend.models import AuditEntry, Case, Citizen, OutboxMessage
from backend.services import citizens, staff_menu
from backend.services.media import Fetched
from tests.conftest import NOW, complaint_body, in_turn, kept_and_started

CITIZEN = "whatsapp:+919812377301"
OFFICIAL = "whatsapp:+919437200101"  # BMC-SAN-N: sanitation, wards 1-33 of Bhubaneswar; Odia
OTHER_OFFICIAL = "whatsapp:+919437200102"  # BMC-SAN-S: wards 34-67
GRIEVANCE = {"category": "garbage", "description": "Garbage not collected for a week", "ward": "BMC-W12",
             "citizen_phone": CITIZEN, "language": "en", "channel": "twilio_whatsapp"}


def _say(client, channels_auth, sid: str, text: str, phone: str, media: list | None = None) -> dict:
    """A message as a text channel keeps, starts and (for staff) hands it to the staff's chat; with
    the replies it got."""
    before = _last_id(client.app.state.settings)
    started = kept_and_started(client, channels_auth, sid, text, phone, media)
    assert started["staff"] is True
    answered = client.post(f"/api/v1/channels/inbound/{started['inbound_id']}/staff", json={"claimant": "rasa-a"},
                           headers=channels_auth)
    assert answered.json() == {"outcome": "answered"}, answered.text
    return {"inbound_id": started["inbound_id"], "replies": _replies(client.app.state.settings, phone, before)}


def _last_id(settings) -> int:
    with get_session_factory(settings.database_url)() as session:
        return session.scalar(select(func.max(OutboxMessage.id))) or 0


def _replies(settings, phone: str, after: int = 0) -> list[str]:
    with get_session_factory(settings.database_url)() as session:
        rows = session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "staff_chat", OutboxMessage.recipient == phone.removeprefix("whatsapp:"),
            OutboxMessage.id > after).order_by(OutboxMessage.id)).all()
        return [r.body for r in rows]


def _delivered(settings, phone: str, key: str) -> OutboxMessage:
    """The alert, as the outbox worker sends it: its numbered answers become the phone's menu."""
    with get_session_factory(settings.database_url)() as session:
        alert = session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == key)
                                .order_by(OutboxMessage.id.desc())).first()
        assert alert is not None and alert.recipient == phone.removeprefix("whatsapp:")
        citizens.set_menu(session, phone=alert.recipient, menu=alert.menu, now=NOW)
        session.commit()
        session.expunge(alert)
        return alert


def _case(settings, reference: str) -> Case:
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference).options(selectinload(Case.history)))
        session.expunge(case)
        return case


def test_an_official_resolves_from_the_alert_with_a_photo_and_the_citizen_receives_it(
    client, settings, channels_auth, monkeypatch, tmp_path, staff
):
    settings.media_dir = tmp_path
    (tmp_path / "c0ffee.jpg").write_bytes(b"\xff\xd8 a photo of a clean lane")
    fetched = []
    monkeypatch.setattr(chat.media, "fetch_photo",
                        lambda settings, url: fetched.append(url) or Fetched("c0ffee.jpg", None))
    reference = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, CITIZEN)).json()["reference"]
    alert = _delivered(settings, OFFICIAL, "utter_alert_case_assigned")
    assert alert.menu == {"1": f"#act {reference} RESOLVE", "2": f"#act {reference} REJECT", "0": "#pending"}
    assert "1 ସମାଧାନ କରନ୍ତୁ · 2 " in alert.body and "0 ଆପଣଙ୍କ ତାଲିକା" in alert.body  # in the official's Odia
    assert "ୱାର୍ଡ 12" in alert.body and "BMC-W12" not in alert.body  # the ward in words, not its code
    assert alert.variables["options"].startswith("ଉତ୍ତରରେ ପଠାନ୍ତୁ: 1 ")  # the template carries it too

    asked = _say(client, channels_auth, "SMs1", "1", OFFICIAL)["replies"][0]
    assert reference in asked and "ଫଟୋ" in asked  # a photo of the work, as proof
    assert fetched == []
    _say(client, channels_auth, "SMs2", "ସଫା କରିଦିଆଗଲା", OFFICIAL,
         media=[{"url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "content_type": "image/jpeg"}])
    assert fetched == ["https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"]
    case = _case(settings, reference)
    assert case.state == "RESOLVED" and case.details["proof_photo"] == "c0ffee.jpg"
    assert (case.history[-1].actor_id, case.history[-1].actor_role, case.history[-1].reason) == (
        "BMC-SAN-N", "OFFICIAL", "ସଫା କରିଦିଆଗଲା")
    with get_session_factory(settings.database_url)() as session:
        notice = session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == "utter_notify_grievance_resolved")).one()
    assert notice.recipient == CITIZEN.removeprefix("whatsapp:") and notice.media_url.startswith("http://testserver/p/c0ffee.jpg.")
    photo = client.get(notice.media_url.removeprefix("http://testserver"))
    assert photo.status_code == 200 and photo.content == b"\xff\xd8 a photo of a clean lane"
    assert client.get("/p/c0ffee.jpg.00000000000000000000").status_code == 404  # only the signed link

    staff("BMC-SAN-N")
    page = client.get(f"/console/cases/{reference}")
    assert f'src="/console/cases/{reference}/files/c0ffee.jpg"' in page.text  # the proof on the case page
    assert client.get(f"/console/cases/{reference}/files/c0ffee.jpg").content == b"\xff\xd8 a photo of a clean lane"

    _delivered(settings, OFFICIAL, "utter_alert_case_assigned")  # the old alert's numbers, again
    again = _say(client, channels_auth, "SMs3", "1", OFFICIAL)["replies"][0]  # its "1": the case moved on
    assert again.startswith(locales.render("console.chat.refused.wrong_state", "or")["text"])
    assert _case(settings, reference).state == "RESOLVED"
    with get_session_factory(settings.database_url)() as session:
        views = session.scalars(select(AuditEntry).where(AuditEntry.action == "case.act", AuditEntry.actor_id == "BMC-SAN-N")).all()
    assert [(v.outcome, v.detail["action"]) for v in views] == [("ok", "RESOLVE")]


def test_the_list_shows_what_waits_soonest_first_and_a_case_outside_the_area_is_refused(client, settings, channels_auth):
    first = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, CITIZEN)).json()["reference"]
    second = client.post("/api/v1/certificates", json=complaint_body(**{**GRIEVANCE, "description": "Drain blocked near the school"}),
                         headers=in_turn(client, CITIZEN)).json()["reference"]
    listed = _say(client, channels_auth, "SMl1", "baki", OFFICIAL)["replies"][0]  # Odia in Latin letters
    assert listed.index(first) < listed.index(second) and "(2)" in listed
    opened = _say(client, channels_auth, "SMl2", "2", OFFICIAL)["replies"][0]
    assert opened.startswith(second) and "Drain blocked near the school" in opened and "+919812377301" in opened

    refused = _say(client, channels_auth, "SMl3", f"status {first}", OTHER_OFFICIAL)["replies"][0]
    with get_session_factory(settings.database_url)() as session:
        seen = session.scalars(select(AuditEntry).where(AuditEntry.action == "case.view")).all()
    assert [(v.actor_id, v.outcome, v.detail["via"]) for v in seen] == [("BMC-SAN-N", "ok", "chat"), ("BMC-SAN-S", "refused", "chat")]
    assert refused.startswith(locales.render("console.refused.not_your_area", "or")["text"])  # not their wards: refused, nothing shown
    assert "Garbage" not in refused and "+91981" not in refused
    menu = _delivered_menu(settings, OTHER_OFFICIAL)
    assert not any(first in command for command in menu.values())
    assert _case(settings, first).state == "PENDING_AT_OFFICIAL"


def _delivered_menu(settings, phone: str) -> dict:
    with get_session_factory(settings.database_url)() as session:
        citizen = session.get(Citizen, phone.removeprefix("whatsapp:"))
        return dict(citizen.menu or {}) if citizen else {}


def test_a_reason_is_asked_where_one_is_required_and_0_goes_back(client, settings, channels_auth):
    reference = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, CITIZEN)).json()["reference"]
    _delivered(settings, OFFICIAL, "utter_alert_case_assigned")
    asked = _say(client, channels_auth, "SMr1", "2", OFFICIAL)["replies"][0]  # Reject
    assert reference in asked and "କାରଣ" in asked
    back = _say(client, channels_auth, "SMr2", "0", OFFICIAL)["replies"][0]
    assert back.startswith(reference) and _case(settings, reference).state == "PENDING_AT_OFFICIAL"
    _say(client, channels_auth, "SMr3", "2", OFFICIAL)
    done = _say(client, channels_auth, "SMr4", "Not a municipal matter: private land", OFFICIAL)["replies"][0]
    assert reference in done
    case = _case(settings, reference)
    assert case.state == "REJECTED" and case.history[-1].reason == "Not a municipal matter: private land"


def test_a_number_of_no_one_who_works_cases_is_the_bot_s(client, channels_auth):
    started = kept_and_started(client, channels_auth, "SMn1", "pending", CITIZEN)
    assert started["staff"] is False
    answered = client.post(f"/api/v1/channels/inbound/{started['inbound_id']}/staff", json={"claimant": "rasa-a"},
                           headers=channels_auth)
    assert answered.json() == {"outcome": "not_staff"}


OPERATOR = "whatsapp:+919437300101"  # OP-BMC-01, Odia
# A septic tank request in the citizen's words, filed through the route every catalog service is filed by.
REQUEST = {
    "certificate_type": "desludging", "citizen_phone": CITIZEN, "language": "or", "channel": "twilio_whatsapp",
    "answers": {"name": "Sabitri Behera", "property_type": "residential", "sanitation_type": "septic tank", "size": "2000",
                "trips": "1", "place": "ward 12", "landmark": "near the Ram Mandir", "pin": "751007", "slum": "yes",
                "date": "25 Nov"},
}


def test_an_operator_accepts_by_number_and_records_the_disposal_in_words(client, settings, channels_auth):
    filed = client.post("/api/v1/certificates", json=REQUEST, headers=in_turn(client, CITIZEN))
    reference = filed.json()["reference"]
    alert = _delivered(settings, OPERATOR, "utter_alert_desludging_assigned")
    assert alert.menu == {"1": f"#act {reference} ACCEPT", "2": f"#act {reference} DECLINE", "0": "#pending"}
    accepted = _say(client, channels_auth, "SMo1", "1", OPERATOR)["replies"][0]
    assert reference in accepted and _case(settings, reference).state == "IN_PROGRESS"

    opened = _say(client, channels_auth, "SMo2", reference.lower(), OPERATOR)["replies"][0]  # typed as people do
    dispose = next(n for n, command in _delivered_menu(settings, OPERATOR).items() if command.endswith("DISPOSE"))
    assert f"{dispose} " in opened
    asked = _say(client, channels_auth, "SMo3", dispose, OPERATOR)["replies"][0]
    assert "1 ବସୁଆଘାଇ ଏଫଏସଟିପି" in asked  # the town's plants, by number, in Odia
    unclear = _say(client, channels_auth, "SMo4", "somewhere far", OPERATOR)["replies"][0]
    assert "ପ୍ଲାଣ୍ଟ" in unclear and _case(settings, reference).state == "IN_PROGRESS"
    done = _say(client, channels_auth, "SMo5", "1900 litres at Basuaghai", OPERATOR)["replies"][0]
    assert reference in done
    case = _case(settings, reference)
    assert case.state == "DISPOSED"
    assert (case.details["disposal"]["plant"], case.details["disposal"]["volume_litres"]) == ("BMC-FSTP-BASUAGHAI", 1900)


def test_an_operator_names_the_plant_by_number_then_the_litres(client, settings, channels_auth):
    reference = client.post("/api/v1/certificates", json=REQUEST, headers=in_turn(client, CITIZEN)).json()["reference"]
    _delivered(settings, OPERATOR, "utter_alert_desludging_assigned")
    _say(client, channels_auth, "SMp1", "1", OPERATOR)
    _say(client, channels_auth, "SMp2", reference, OPERATOR)
    dispose = next(n for n, command in _delivered_menu(settings, OPERATOR).items() if command.endswith("DISPOSE"))
    _say(client, channels_auth, "SMp3", dispose, OPERATOR)
    litres = _say(client, channels_auth, "SMp4", "1", OPERATOR)["replies"][0]
    assert "ବସୁଆଘାଇ" in litres and "2000" in litres  # how many litres reached it, e.g. 2000
    assert "ସଂଖ୍ୟା" in _say(client, channels_auth, "SMp5", "a lot", OPERATOR)["replies"][0]
    _say(client, channels_auth, "SMp6", "2100", OPERATOR)
    assert _case(settings, reference).details["disposal"]["volume_litres"] == 2100


def test_a_case_number_typed_while_a_reason_is_awaited_opens_it_and_acts_on_nothing(client, settings, channels_auth):
    first = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, CITIZEN)).json()["reference"]
    second = client.post("/api/v1/certificates", json=complaint_body(**{**GRIEVANCE, "description": "Drain blocked near the school"}),
                         headers=in_turn(client, CITIZEN)).json()["reference"]
    _say(client, channels_auth, "SMw1", first, OFFICIAL)
    _say(client, channels_auth, "SMw2", "2", OFFICIAL)  # Reject: the reason is asked
    opened = _say(client, channels_auth, "SMw3", f"status {second}", OFFICIAL)["replies"][0]
    assert opened.startswith(second) and _case(settings, first).state == "PENDING_AT_OFFICIAL"
    _say(client, channels_auth, "SMw4", "2", OFFICIAL)  # Reject the second
    short = _say(client, channels_auth, "SMw5", "ok", OFFICIAL)["replies"][0]
    assert short.startswith("ଦୟାକରି କାରଣଟି") and _case(settings, second).state == "PENDING_AT_OFFICIAL"


def test_a_step_waits_only_so_long_and_an_alert_does_not_take_it_over(client, settings, channels_auth):
    from datetime import timedelta

    from backend.api.deps import get_now

    reference = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, CITIZEN)).json()["reference"]
    _delivered(settings, OFFICIAL, "utter_alert_case_assigned")
    _say(client, channels_auth, "SMt1", "2", OFFICIAL)  # Reject: the reason is asked
    menu = _delivered_menu(settings, OFFICIAL)
    assert staff_menu.waiting(menu, NOW) and not staff_menu.waiting(menu, NOW + timedelta(minutes=31))
    client.app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=20)
    late = _say(client, channels_auth, "SMt2", "the drain is private property", OFFICIAL)["replies"][0]
    assert "GRV-2026-000012" in late and _case(settings, reference).state == "PENDING_AT_OFFICIAL"  # the chat's help


def test_opted_out_staff_act_on_nothing(client, settings, channels_auth):
    reference = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, CITIZEN)).json()["reference"]
    _delivered(settings, OFFICIAL, "utter_alert_case_assigned")
    with get_session_factory(settings.database_url)() as session:
        citizens.set_opted_out(session, phone=OFFICIAL, opted_out=True, now=NOW)
        session.commit()
    started = kept_and_started(client, channels_auth, "SMx1", "1", OFFICIAL)
    answered = client.post(f"/api/v1/channels/inbound/{started['inbound_id']}/staff", json={"claimant": "rasa-a"},
                           headers=channels_auth)
    assert answered.json() == {"outcome": "answered"} and _case(settings, reference).state == "PENDING_AT_OFFICIAL"
    assert _replies(settings, OFFICIAL) == []


def test_litres_and_plants_are_read_only_where_they_are_plain(settings):
    from backend.console.chat import _litres

    assert [_litres(t) for t in ("1900", "1,900 litres at Basuaghai", "ward 12, 1900 litres", "1900L", "१९०० लीटर",
                                 "ward 12 and 1900", "a lot")] == ["1900", "1900", "1900", "1900", "1900", None, None]


def test_a_plant_is_named_only_by_words_of_its_own(client, settings, channels_auth):
    reference = client.post("/api/v1/certificates", json=REQUEST, headers=in_turn(client, CITIZEN)).json()["reference"]
    _delivered(settings, OPERATOR, "utter_alert_desludging_assigned")
    _say(client, channels_auth, "SMq1", "1", OPERATOR)
    _say(client, channels_auth, "SMq2", reference, OPERATOR)
    dispose = next(n for n, command in _delivered_menu(settings, OPERATOR).items() if command.endswith("DISPOSE"))
    _say(client, channels_auth, "SMq3", dispose, OPERATOR)
    assert "ପ୍ଲାଣ୍ଟ" in _say(client, channels_auth, "SMq4", "1900 litres at the FSTP", OPERATOR)["replies"][0]  # which?
    _say(client, channels_auth, "SMq5", "1,900 litres at Darutheng FSTP", OPERATOR)
    disposal = _case(settings, reference).details["disposal"]
    assert (disposal["plant"], disposal["volume_litres"]) == ("BMC-FSTP-DARUTHENG", 1900)


def test_a_proof_link_serves_only_its_own_signed_file(client, settings, tmp_path):
    from backend.services import media

    settings.media_dir = tmp_path
    (tmp_path / "a1.jpg").write_bytes(b"photo")
    link = media.public_link(settings, "a1.jpg", NOW).removeprefix("http://testserver")
    assert client.get(link).content == b"photo"
    until, mac = link.rsplit(".", 2)[1:]
    later = str(int(until) + 86400)
    for forged in (f"/p/a2.jpg.{until}.{mac}", f"/p/..%2Fa1.jpg.{until}.{mac}", f"/p/.a1.jpg.{until}.{mac}", "/p/a1.jpg",
                   "/p/a1.jpg.x", f"/p/a1.jpg.{mac}", f"/p/a1.jpg.{later}.{mac}"):
        assert client.get(forged).status_code == 404, forged
    client.app.dependency_overrides[get_now] = lambda: NOW + timedelta(days=media.LINK_DAYS, minutes=1)
    assert client.get(link).status_code == 404  # expired: the notice went long ago


def test_what_people_do_wrong_loses_nothing(client, settings, channels_auth, monkeypatch, tmp_path):
    """The play-test's: words after an alert keep its numbers; Odia digits choose; "1" sent twice does
    not skip the proof; a plant named in Odia script; litres out of range are asked again."""
    settings.media_dir = tmp_path
    reference = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, CITIZEN)).json()["reference"]
    _delivered(settings, OFFICIAL, "utter_alert_case_assigned")
    assert "\"ବାକି\"" in _say(client, channels_auth, "SMz1", "ok will check", OFFICIAL)["replies"][0]  # how to use it
    asked = _say(client, channels_auth, "SMz2", "୧", OFFICIAL)["replies"][0]  # the alert's 1, in Odia's digit
    assert reference in asked and "ଫଟୋ" in asked
    again = _say(client, channels_auth, "SMz3", "1", OFFICIAL)["replies"][0]  # sent twice: no proof skipped
    assert again.startswith("ଦୟାକରି ଫଟୋ ପଠାନ୍ତୁ") and _case(settings, reference).state == "PENDING_AT_OFFICIAL"
    _say(client, channels_auth, "SMz4", "9", OFFICIAL)  # on without a photo, on purpose
    assert _case(settings, reference).state == "RESOLVED"

    request = client.post("/api/v1/certificates", json=REQUEST, headers=in_turn(client, CITIZEN)).json()["reference"]
    _delivered(settings, OPERATOR, "utter_alert_desludging_assigned")
    _say(client, channels_auth, "SMz5", "1", OPERATOR)
    _say(client, channels_auth, "SMz6", request, OPERATOR)
    dispose = next(n for n, command in _delivered_menu(settings, OPERATOR).items() if command.endswith("DISPOSE"))
    _say(client, channels_auth, "SMz7", dispose, OPERATOR)
    too_many = _say(client, channels_auth, "SMz8", "99999 ଲିଟର ବସୁଆଘାଇ", OPERATOR)["replies"]
    assert len(too_many) == 1 and "ବସୁଆଘାଇ" in too_many[0]  # refused, and the litres asked again for that plant
    assert too_many[0].startswith(locales.render("console.refused.out_of_range", "or", "whatsapp")["text"])
    _say(client, channels_auth, "SMz9", "୧୯୦୦", OPERATOR)
    disposal = _case(settings, request).details["disposal"]
    assert (disposal["plant"], disposal["volume_litres"]) == ("BMC-FSTP-BASUAGHAI", 1900)


def test_an_sms_official_is_not_asked_for_a_photo_and_a_citizen_s_words_reach_the_holder(client, settings, channels_auth):
    streetlight = {**GRIEVANCE, "category": "streetlight", "description": "Streetlight not working near the temple"}
    reference = client.post("/api/v1/certificates", json=complaint_body(**streetlight), headers=in_turn(client, CITIZEN)).json()["reference"]
    sms_official = "+919437200103"  # BMC-ELE-01, English, SMS
    _delivered(settings, sms_official, "utter_alert_case_assigned")
    started = kept_and_started(client, channels_auth, "SMe1", "1", sms_official, channel="sms")
    client.post(f"/api/v1/channels/inbound/{started['inbound_id']}/staff", json={"claimant": "rasa-a"}, headers=channels_auth)
    assert _case(settings, reference).state == "RESOLVED"  # at once: an SMS carries no photo

    opened = client.post("/api/v1/handoff", headers=in_turn(client, CITIZEN),
                         json={"phone": CITIZEN, "language": "en", "channel": "twilio_whatsapp"})
    conversation = opened.json()["reference"]
    message = kept_and_started(client, channels_auth, "SMe2", "The light is still off tonight", CITIZEN)
    client.post(f"/api/v1/channels/inbound/{message['inbound_id']}/to-person", json={"claimant": "rasa-a"}, headers=channels_auth)
    with get_session_factory(settings.database_url)() as session:
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == "utter_alert_handoff_message")).one()
    assert conversation in told.body and "The light is still off tonight" in told.body
    assert told.menu["1"] == f"#act {conversation} REPLY"


def test_words_while_choosing_whom_keep_the_list(client, settings, channels_auth):
    """At a numbered step (whom to hand the case to) words are not its answer: the list stands."""
    reference = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, CITIZEN)).json()["reference"]
    supervisor = "whatsapp:+919437200201"  # BMC-SAN-SUP, Odia
    _say(client, channels_auth, "SMy1", reference, supervisor)
    reassign = next(n for n, command in _delivered_menu(settings, supervisor).items() if command.endswith("REASSIGN"))
    asked = _say(client, channels_auth, "SMy2", reassign, supervisor)["replies"][0]
    assert "BMC-SAN-S" in asked and "BMC-SAN-N" not in asked  # not whoever holds it
    _say(client, channels_auth, "SMy3", "the south one please", supervisor)
    person = next(n for n, command in _delivered_menu(settings, supervisor).items() if "to=BMC-SAN-S" in command)
    reason = _say(client, channels_auth, "SMy4", person, supervisor)["replies"][0]
    assert "କାରଣ" in reason
    _say(client, channels_auth, "SMy5", "ୱାର୍ଡ ଦକ୍ଷିଣ ଅଞ୍ଚଳରେ", supervisor)
    case = _case(settings, reference)
    assert (case.assignee_id, case.history[-1].action) == ("BMC-SAN-S", "REASSIGN")
