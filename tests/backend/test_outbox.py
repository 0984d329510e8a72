"""The outbox and its worker against SQLite and PostgreSQL, with Twilio's HTTP answers faked at
the transport: order per recipient, retries with backoff, opt-out (STOP and error 21610), the
WhatsApp 24-hour window and templates, status callbacks, and notifications written in the same
transaction as the case change that causes them."""
import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from backend.db import get_session_factory
from backend.models import Case, Citizen, DeliveryStatus, OutboxMessage
from backend.outbox_worker import OutboxWorker
from backend.senders.http_gateway import HttpGatewaySender
from backend.senders.twilio import TwilioSender
from backend.services import citizens, outbox
from common.signatures import sign
from locales import render
from tests.backend.twilio_fake import INVALID_TO, TOO_MANY, UNSUBSCRIBED, FakeTwilio
from tests.conftest import NOW, complaint_body, in_turn

PHONE = "+919876543210"


@pytest.fixture
def fake() -> FakeTwilio:
    return FakeTwilio()


@pytest.fixture
def worker(settings, fake, clock) -> OutboxWorker:
    sender = TwilioSender(settings, transport=fake.transport)
    return OutboxWorker(settings, senders={"whatsapp": sender, "sms": sender}, clock=clock)


def queue(session, body: str, *, channel: str = "sms", to: str = PHONE, key: str | None = None, language: str = "en", variables=None, kind="reply"):
    message = outbox.new_message(channel=channel, recipient=to, body=body, kind=kind, now=NOW, locale_key=key, language=language, variables=variables)
    session.add(message)
    session.commit()
    return message.id


def status_of(session, message_id: int) -> OutboxMessage:
    session.expire_all()
    return session.get(OutboxMessage, message_id)


def test_messages_go_out_in_order_with_twilio_form_fields(worker, fake, session, settings):
    first, second = queue(session, "first"), queue(session, "second")
    assert worker.run_once() == 2
    assert [m["body"] for m in fake.sent] == ["first", "second"]
    assert fake.sent[0]["to"] == PHONE and fake.sent[0]["from"] == settings.twilio_sms_from
    assert fake.sent[0]["status_callback"] == f"http://testserver/api/v1/twilio/status?outbox_id={first}"
    assert status_of(session, second).status == "sent" and status_of(session, second).provider_sid.startswith("SM")


def test_whatsapp_addresses_use_the_whatsapp_prefix(worker, fake, session, settings):
    citizens.touch_inbound(session, phone=PHONE, channel="whatsapp", now=NOW)
    session.commit()
    queue(session, "hello", channel="whatsapp")
    worker.run_once()
    assert fake.sent[0]["to"] == f"whatsapp:{PHONE}" and fake.sent[0]["from"] == settings.twilio_whatsapp_from


def test_a_temporary_failure_is_retried_with_backoff_and_holds_later_messages(worker, fake, session, clock):
    first, second = queue(session, "first"), queue(session, "second")
    fake.fail_next(429, TOO_MANY)
    worker.run_once()
    assert status_of(session, first).status == "pending" and status_of(session, first).error_code == "20429"
    assert status_of(session, second).status == "pending"  # never overtakes the first
    assert fake.sent == []
    clock.now = NOW + timedelta(seconds=1)
    worker.run_once()
    assert fake.sent == []  # backoff not over yet
    clock.now = NOW + timedelta(seconds=3)
    worker.run_once()
    assert [m["body"] for m in fake.sent] == ["first", "second"]


def test_after_the_last_attempt_the_failure_is_visible(worker, fake, session, clock, client, auth, settings, staff):
    message_id = queue(session, "never")
    for attempt in range(settings.outbox_max_attempts):
        fake.fail_next(503, {"code": 20500, "message": "Internal Server Error", "status": 503})
        clock.now = NOW + timedelta(hours=attempt)
        worker.run_once()
    assert status_of(session, message_id).status == "failed"
    staff("BMC-SAN-N")
    assert client.get("/api/v1/outbox", params={"status": "failed"}).json()["detail"]["code"] == "wrong_role"
    staff("SATHI-ADMIN")  # the administrators' view: recipients are personal data
    listed = client.get("/api/v1/outbox", params={"status": "failed"}).json()
    assert listed[0]["id"] == message_id and listed[0]["error_code"] == "20500"
    assert listed[0]["recipient"] == "***3210"  # masked, never whole


def test_a_permanent_failure_is_not_retried(worker, fake, session):
    message_id = queue(session, "to a bad number")
    fake.fail_next(400, INVALID_TO)
    worker.run_once()
    assert status_of(session, message_id).status == "failed" and status_of(session, message_id).error_code == "21211"


def test_error_21610_opts_the_number_out_and_later_messages_are_suppressed(worker, fake, session):
    first, second = queue(session, "one"), queue(session, "two")
    fake.fail_next(400, UNSUBSCRIBED)
    worker.run_once()
    assert status_of(session, first).error_code == "21610"
    assert status_of(session, second).status == "suppressed"
    assert session.get(Citizen, PHONE).opted_out_at is not None
    assert fake.sent == []


def test_stop_then_start_through_the_api(worker, fake, session, client, channels_auth):
    response = client.post("/api/v1/channels/opt-out", json={"phone": f"whatsapp:{PHONE}", "channel": "sms", "opted_out": True, "language": "hi"}, headers=channels_auth)
    assert response.status_code == 204
    queue(session, "an alert while opted out", kind="notification")
    worker.run_once()
    assert [m["body"] for m in fake.sent] == ["साथी: अब कोई संदेश नहीं आएगा। फिर से शुरू करने के लिए START भेजें।"]
    client.post("/api/v1/channels/opt-out", json={"phone": PHONE, "channel": "sms", "opted_out": False, "language": "en"}, headers=channels_auth)
    queue(session, "welcome back alert", kind="notification")
    worker.run_once()
    assert [m["body"] for m in fake.sent][1:] == ["Sathi: messages are on again. Send HELP to see what I can do.", "welcome back alert"]


def test_whatsapp_outside_24_hours_uses_the_approved_template(worker, fake, session, clock):
    citizens.touch_inbound(session, phone=PHONE, channel="whatsapp", now=NOW)
    session.commit()
    clock.now = NOW + timedelta(hours=25)
    queue(session, "Your complaint GRV-2026-000001 has been marked resolved.", channel="whatsapp",
          key="utter_notify_grievance_resolved", language="hi", variables={"reference": "GRV-2026-000001"}, kind="notification")
    worker.run_once()
    assert fake.sent[0]["content_sid"] == "HX0000000000000000000000000000hi02"
    assert fake.sent[0]["content_variables"] == '{"1": "GRV-2026-000001"}'
    assert fake.sent[0]["body"] == ""


def test_whatsapp_outside_the_window_without_a_template_fails_visibly_and_goes_by_sms(worker, fake, session, clock):
    clock.now = NOW + timedelta(days=3)
    message_id = queue(session, "free text", channel="whatsapp", key="utter_greet")
    worker.run_once()
    assert status_of(session, message_id).status == "failed"
    assert status_of(session, message_id).error_code == "outside_whatsapp_window"
    assert [(m["to"], m["body"]) for m in fake.sent] == [(PHONE, render("utter_greet", "en", "sms")["text"])]  # its SMS words


def test_a_notice_whatsapp_could_not_deliver_goes_again_by_sms_once(worker, fake, session, client, settings):
    """Twilio reports it undelivered (not a WhatsApp number, 63003): the same notice, in its SMS
    form and the citizen's language, once however many callbacks say so."""
    citizens.touch_inbound(session, phone=PHONE, channel="whatsapp", now=NOW)
    session.commit()
    message_id = queue(session, "Your complaint GRV-2026-000001 ...", channel="whatsapp", key="utter_notify_grievance_escalated",
                       language="hi", variables={"reference": "GRV-2026-000001", "due": "25-11-2026"}, kind="notification")
    worker.run_once()
    sid = status_of(session, message_id).provider_sid
    assert _callback(client, settings, message_id, sid, "undelivered", error="63003").status_code == 204
    assert _callback(client, settings, message_id, sid, "failed", error="63003").status_code == 204  # again: nothing more
    worker.run_once()
    sms = [m for m in fake.sent if not m["to"].startswith("whatsapp:")]
    expected = render("utter_notify_grievance_escalated", "hi", "sms", reference="GRV-2026-000001", due="25-11-2026")["text"]
    assert [m["body"] for m in sms] == [expected]
    assert status_of(session, message_id).status == "failed" and status_of(session, message_id).error_code == "63003"


def test_no_sms_for_a_number_that_said_stop(worker, fake, session):
    queue(session, "to a WhatsApp number that unsubscribed", channel="whatsapp")
    fake.fail_next(400, UNSUBSCRIBED)
    worker.run_once()
    worker.run_once()
    assert fake.sent == []


def test_two_workers_never_claim_the_same_message(settings, session):
    message_id = queue(session, "once")
    factory = get_session_factory(settings.database_url)
    with factory() as one, factory() as two:
        first = outbox.claim_next(one, now=NOW, lease_seconds=30)
        second = outbox.claim_next(two, now=NOW, lease_seconds=30)
    assert first is not None and first.id == message_id
    assert second is None


def _callback(client, settings, outbox_id, sid, state, *, error=None, signature=None):
    url = f"http://testserver/api/v1/twilio/status?outbox_id={outbox_id}"
    params = {"MessageSid": sid, "MessageStatus": state, "To": PHONE, "AccountSid": settings.twilio_account_sid}
    if error:
        params["ErrorCode"] = error
    headers = {"X-Twilio-Signature": signature if signature is not None else sign(settings.twilio_auth_token, url, params)}
    return client.post(f"/api/v1/twilio/status?outbox_id={outbox_id}", data=params, headers=headers)


def test_status_callbacks_are_recorded_and_only_move_forward(worker, session, client, settings):
    message_id = queue(session, "tracked")
    worker.run_once()
    sid = status_of(session, message_id).provider_sid
    assert _callback(client, settings, message_id, sid, "delivered").status_code == 204
    assert _callback(client, settings, message_id, sid, "sent").status_code == 204  # late, out of order
    assert status_of(session, message_id).status == "delivered"
    assert _callback(client, settings, message_id, sid, "read").status_code == 204
    assert status_of(session, message_id).status == "read"
    assert len(session.scalars(select(DeliveryStatus).where(DeliveryStatus.provider_sid == sid)).all()) == 3


def test_a_forged_status_callback_changes_nothing(worker, session, client, settings):
    message_id = queue(session, "tracked")
    worker.run_once()
    sid = status_of(session, message_id).provider_sid
    assert _callback(client, settings, message_id, sid, "failed", signature="forged=").status_code == 403
    assert _callback(client, settings, message_id, sid, "failed", signature="").status_code == 403
    assert status_of(session, message_id).status == "sent"
    assert session.scalars(select(DeliveryStatus)).all() == []


def test_an_undelivered_callback_with_21610_opts_out(worker, session, client, settings):
    message_id = queue(session, "tracked")
    worker.run_once()
    sid = status_of(session, message_id).provider_sid
    _callback(client, settings, message_id, sid, "undelivered", error="21610")
    assert status_of(session, message_id).status == "failed"
    session.expire_all()
    assert session.get(Citizen, PHONE).opted_out_at is not None


def _file(client, auth, channel="twilio_whatsapp"):
    response = client.post("/api/v1/certificates", json=complaint_body(
        "garbage", "Garbage not collected for a week", "ward 12", f"whatsapp:{PHONE}", language="or", channel=channel,
    ), headers=in_turn(client, f"whatsapp:{PHONE}"))
    assert response.status_code == 201, response.text
    return response.json()["reference"]


def test_a_case_change_queues_the_citizen_notification_in_the_same_transaction(client, auth, session, staff):
    reference = _file(client, auth)
    # Filing is answered in the chat itself; the routing alerts the ward's sanitation official.
    alert = session.scalars(select(OutboxMessage)).one()
    assert (alert.locale_key, alert.recipient, alert.channel, alert.language) == ("utter_alert_case_assigned", "+919437200101", "whatsapp", "or")
    assert reference in alert.body and "ଅଳିଆ" in alert.body and alert.variables["category"] == "ଅଳିଆ"  # words kept for a template
    response = client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}, headers=staff("BMC-SAN-N"))
    assert response.status_code == 200, response.text
    resolved = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[-1]
    assert resolved.locale_key == "utter_notify_grievance_resolved"
    assert resolved.channel == "whatsapp" and resolved.language == "or" and resolved.recipient == PHONE
    assert reference in resolved.body and "ସମାଧାନ" in resolved.body


def test_a_refused_case_change_queues_nothing(client, auth, session, staff):
    reference = _file(client, auth)
    before = len(session.scalars(select(OutboxMessage)).all())
    response = client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}, headers=staff("BMC-ELE-01"))
    assert response.status_code in (403, 409)
    assert len(session.scalars(select(OutboxMessage)).all()) == before


def test_cases_filed_over_rest_have_no_phone_channel_to_notify(client, auth, session, staff):
    reference = _file(client, auth, channel="rest")
    client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}, headers=staff("BMC-SAN-N"))
    assert [m.locale_key for m in session.scalars(select(OutboxMessage))] == ["utter_alert_case_assigned"]  # the official's only


def test_sms_through_an_indian_gateway_carries_the_dlt_template(settings, session, clock):
    calls = []

    def gateway(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.method == "GET":
            return httpx.Response(200, json={"messages": []})
        return httpx.Response(202, json={"id": "gw-123", "status": "accepted"})

    gw_settings = settings.model_copy(update={"sms_provider": "http_gateway", "sms_gateway_url": "https://gw.example.in/v1", "sms_gateway_key": "k"})
    sender = HttpGatewaySender(gw_settings, transport=httpx.MockTransport(gateway))
    worker = OutboxWorker(gw_settings, senders={"sms": sender, "whatsapp": sender}, clock=clock)
    registered = queue(session, "Complaint registered: GRV-2026-000001.", key="utter_grievance_filed")
    unregistered = queue(session, "Hello", key="utter_greet")
    worker.run_once()
    sent = json.loads(calls[0].content)
    assert sent["dlt_template_id"] == "1107000000000000001" and sent["to"] == PHONE and sent["reference"] == str(registered)
    assert calls[0].headers["authorization"] == "Bearer k"
    assert status_of(session, registered).provider_sid == "gw-123"
    assert status_of(session, unregistered).status == "failed"
    assert status_of(session, unregistered).error_code == "no_dlt_template"


def test_every_notice_can_reach_a_phone_outside_the_window_and_a_new_one_without_templates_stops_the_start(settings):
    from backend.outbox_worker import TemplateMissing, check_templates
    from backend.workflow import Notice, load_workflows

    workflows = load_workflows(settings.workflows_dir)
    check_templates(workflows, settings.masterdata_dir)  # every notice of every workflow, as shipped
    visit = workflows["visit"]
    late = visit.model_copy(update={"actions": [*visit.actions[:-1], visit.actions[-1].model_copy(
        update={"notify": [Notice(to="citizen", key="utter_notify_visit_late")]})]})  # fmt: skip
    with pytest.raises(TemplateMissing, match="no template for utter_notify_visit_late in en, hi, or"):
        check_templates({"visit": late}, settings.masterdata_dir)
