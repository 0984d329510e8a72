"""Desludging through the backend API on SQLite and PostgreSQL: the tariff, filing, paying through
the sandbox's signed links and webhook (forged, repeated, twice, expired), the operator's steps,
disposal at a treatment plant, and the rating."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.api.deps import get_now
from backend.db import get_session_factory
from backend.models import Case, Feedback, OutboxMessage, Payment
from backend.payment_providers.sandbox import sign as webhook_signature
from tests.conftest import NOW, in_turn

RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0123/Recordings/RE4567"  # a call's recorded answer
ANSWERS = "/api/v1/certificates/services/desludging/answers"  # the catalog engine answers its form (catalog/desludging.yml)
PHONE = "+919812345678"
# The form's answers as the citizen gave them (catalog/desludging.yml), filed through the one route every catalog service is filed by.
WORDS = {"name": "Sabitri Behera", "property_type": "1", "sanitation_type": "septic tank", "size": "2000", "trips": "2",
         "place": "ward 12", "landmark": "near the Ram Mandir", "pin": "751007", "slum": "no", "date": "25 Nov",
         "payment": "now"}


def _file_words(client, expected=201, key=None, language="hi", **changes):
    """A request from the form's words (an answer changed to None is not given)."""
    tatkal = changes.pop("tatkal", False)
    answers = {k: v for k, v in {**WORDS, **changes}.items() if v is not None}
    body = {"certificate_type": "desludging", "answers": answers, "citizen_phone": f"whatsapp:{PHONE}", "language": language,
            "channel": "twilio_whatsapp", "tatkal": tatkal}
    response = client.post("/api/v1/certificates", json=body, headers={**in_turn(client, PHONE), **({"Idempotency-Key": key} if key else {})})
    assert response.status_code == expected, response.text
    return response.json()


def _file(client, **changes):
    """An Odia citizen's request (the payment page is in Odia)."""
    return _file_words(client, language="or", **changes)


def _capture(client, settings, payment_id, amount_paise, provider_id="pay_1", signature=None):
    event = json.dumps({"payment_id": payment_id, "provider_payment_id": provider_id, "amount_paise": amount_paise, "status": "captured"}).encode()
    return client.post("/api/v1/payments/webhook", content=event,
                       headers={"X-Sandbox-Signature": signature if signature is not None else webhook_signature(settings, event)})


def _payment(settings, reference) -> Payment:
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        return session.scalars(select(Payment).where(Payment.case_id == case.id).order_by(Payment.id)).first()


def _case(settings, reference) -> Case:
    with get_session_factory(settings.database_url)() as session:
        return session.scalar(select(Case).where(Case.reference == reference))


@pytest.mark.parametrize(
    "answers, fee",
    [
        ({"place": "ward 12", "property_type": "residential", "trips": "2"}, 2000.0),  # Bhubaneswar
        ({"place": "ward 12", "property_type": "commercial", "trips": "1"}, 2500.0),
        ({"place": "ward 12", "property_type": "residential", "trips": "3", "slum": "yes"}, 0.0),  # free for slum households
        ({"place": "Sarakana", "property_type": "residential", "trips": "1", "slum": "yes"}, 1200.0),  # not free in GPs
        ({"place": "ward 12", "property_type": "shop", "trips": "1", "slum": "yes"}, 2500.0),  # the waiver is for households
        ({"place": "Puri ward 3", "property_type": "institutional", "trips": "2"}, 3200.0),
    ],
)
def test_tariff(client, answers, fee):
    """The fee the form's answers set, as the form tells it once they are given (the slum answer last)."""
    said = client.post(f"{ANSWERS}/slum", json={"q": answers.get("slum", "no"), "answers": answers})
    assert said.status_code == 200, said.text
    assert said.json()["fee_rupees"] == fee


def test_pay_before_journey_to_completion(client, auth, settings, app, staff):
    filed = _file(client)
    reference = filed["reference"]
    assert reference == "FSM-2026-000001" and filed["state"] == "PENDING_PAYMENT" and filed["fee_rupees"] == 2000.0
    assert filed["payment_url"].startswith("http://testserver/pay/")
    assert filed["upi_link"] == f"upi://pay?pa=sathi.ulb%40sandboxupi&pn=Sathi%20ULB%20Services&am=2000.00&cu=INR&tr={reference}-1&tn={reference}"

    page = client.get(filed["payment_url"].removeprefix("http://testserver"))
    assert page.status_code == 200 and "₹2,000" in page.text and "<form method=\"post\">" in page.text  # Odia page
    payment = _payment(settings, reference)

    assert _capture(client, settings, payment.id, 200000, signature="forged").status_code == 403
    assert _case(settings, reference).state == "PENDING_PAYMENT"
    assert _capture(client, settings, payment.id, 100000).json()["detail"]["code"] == "amount_mismatch"
    paid = _capture(client, settings, payment.id, 200000)
    assert paid.json() == {"status": "paid", "case_paid": True}
    case = _case(settings, reference)
    assert (case.state, case.assignee_id) == ("PENDING_OPERATOR_ACCEPT", "OP-BMC-01")
    assert _capture(client, settings, payment.id, 200000).json() == {"status": "paid", "case_paid": False}  # repeated webhook
    assert _capture(client, settings, payment.id, 200000, provider_id="pay_2").json() == {"status": "duplicate", "case_paid": False}
    assert "ଆଗରୁ ହୋଇସାରିଛି" in client.get(filed["payment_url"].removeprefix("http://testserver")).text  # "already paid", in Odia

    def step(operator: str, **body):  # noqa: ANN202
        return client.post(f"/api/v1/cases/{reference}/actions", json=body, headers=staff(operator))

    not_theirs = step("OP-BMC-02", action="ACCEPT")
    assert not_theirs.status_code == 403 and not_theirs.json()["detail"]["code"] == "not_assigned_to_you"
    assert step("OP-BMC-01", action="DECLINE").status_code == 422  # a reason is required
    declined = step("OP-BMC-01", action="DECLINE", reason="vehicle under repair").json()
    assert (declined["state"], declined["assignee_id"]) == ("PENDING_OPERATOR_ACCEPT", "OP-BMC-02")
    assert step("OP-BMC-02", action="DISPOSE", plant="BMC-FSTP-BASUAGHAI", volume_litres=2000).status_code == 409
    assert step("OP-BMC-02", action="ACCEPT").json()["state"] == "IN_PROGRESS"
    assert step("OP-BMC-02", action="DISPOSE", plant="CMC-FSTP-MATAGAJPUR", volume_litres=2000).json()["detail"] == {"code": "unknown_plant", "field": "plant"}
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=20)
    assert step("OP-BMC-02", action="DISPOSE", plant="BMC-FSTP-BASUAGHAI", volume_litres=1900).json()["state"] == "DISPOSED"
    disposal = _case(settings, reference).details["disposal"]
    assert disposal == {"plant": "BMC-FSTP-BASUAGHAI", "volume_litres": 1900, "at": (NOW + timedelta(hours=20)).isoformat()}

    rate = lambda **body: client.post(f"/api/v1/cases/{reference}/feedback", json={"phone": PHONE, "solved": True, **body},  # noqa: E731
                                      headers=in_turn(client, PHONE))
    assert rate(rating=2).json()["detail"] == {"code": "required_below_3"}
    assert rate(rating=2, comment="Came a day late").json()["state"] == "COMPLETED"
    history = [h["action"] for h in client.get(f"/api/v1/cases/{reference}/history").json()]  # the operator's view
    assert history == ["APPLY", "REQUEST_PAYMENT", "PAY", "ASSIGN", "DECLINE", "ASSIGN", "ACCEPT", "DISPOSE", "RATE"]
    with get_session_factory(settings.database_url)() as session:
        keys = [(m.locale_key, m.recipient) for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert ("utter_alert_desludging_assigned", "+919437300101") in keys and ("utter_alert_desludging_assigned", "+919437300102") in keys
    assert ("utter_notify_desludging_disposed", PHONE) in keys
    assert ("utter_notify_desludging_declined", PHONE) in keys  # told of the decline, and that another vehicle is sought


def test_an_expired_or_forged_link_is_refused(client, auth, app):
    filed = _file(client)
    path = filed["payment_url"].removeprefix("http://testserver")
    assert client.get(path[:-4] + "0000").status_code == 404  # signature changed
    assert client.get(path.replace("/pay/1.", "/pay/2.")).status_code == 404
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(days=1, minutes=1)
    expired = client.get(path)
    assert expired.status_code == 410
    assert client.post(path).status_code == 404  # the sandbox takes no money on an expired link


def test_free_or_pay_after_goes_straight_to_an_operator_and_villages_are_served(client, auth, settings):
    slum = _file(client, slum="yes", payment=None)  # free for a slum household in the town: how to pay is not asked
    assert (slum["state"], slum["fee_rupees"], slum["payment_url"]) == ("PENDING_OPERATOR_ACCEPT", 0.0, None)
    later = _file(client, payment="later", size="5000")
    assert (later["state"], _case(settings, later["reference"]).assignee_id) == (
        "PENDING_OPERATOR_ACCEPT", "OP-BMC-02")  # the 6,000 l vehicle: one trip
    village = _file(client, place="ସରକଣା", slum="yes", payment="later")
    assert (village["fee_rupees"], _case(settings, village["reference"]).assignee_id) == (1200.0 * 2, "OP-BMC-01")  # no slum waiver in GPs
    assert _case(settings, village["reference"]).details["village"] == "Sarakana"


def test_a_request_is_filed_from_its_forms_words_through_the_route_every_service_is_filed_by(client, auth, settings):
    paid = _file_words(client)
    assert paid["reference"].startswith("FSM-") and paid["fee_rupees"] == 2000.0 and paid["state"] == "PENDING_PAYMENT"
    assert paid["payment_url"] and paid["payment_expires_at"] and paid["office_label"] == ""
    case = _case(settings, paid["reference"])
    assert (case.service, case.language, case.channel, case.details["ward"], case.details["preferred_date"], case.details["pay_before"]) == (
        "desludging", "hi", "twilio_whatsapp", "BMC-W12", "2026-11-25", True)
    # a slum household in a town that waives the fee is never asked how to pay, and owes nothing
    free = _file_words(client, slum="yes", payment=None)
    assert (free["state"], free["fee_rupees"], free["payment_url"]) == ("PENDING_OPERATOR_ACCEPT", 0.0, None)
    # where there is a fee, how to pay is an answer the request needs
    assert _file_words(client, 422, payment=None)["detail"] == {"code": "no_match", "field": "payment"}
    assert _file_words(client, 422, trips="12")["detail"] == {"code": "no_match", "field": "trips"}
    assert _file_words(client, 422, date="yesterday")["detail"]["field"] == "date"
    first, again = _file_words(client, key="k2"), _file_words(client, 200, key="k2")
    assert first["reference"] == again["reference"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"trips": "10"}, "trips"), ({"trips": "0"}, "trips"), ({"property_type": "palace"}, "property_type"),
        ({"sanitation_type": "river"}, "sanitation_type"), ({"pin": "7510"}, "pin"),
        ({"date": "2026-11-01"}, "date"), ({"place": "ward 900"}, "place"), ({"place": "Atlantis"}, "place"),
    ],
)
def test_invalid_requests_are_refused_with_the_field(client, auth, change, field):
    assert _file_words(client, 422, **change)["detail"] == {"code": "no_match", "field": field}


def test_the_answers_are_worded_again_in_the_language_the_citizen_changed_to(client):
    given = {"name": "Sabitri Behera", "property_type": "1", "size": "2000", "slum": "no", "place": "ward 12", "pin": "75"}
    labels = client.post(f"{ANSWERS.removesuffix('/answers')}/labels", json={"answers": given, "language": "hi"}).json()
    assert labels == {"name": "Sabitri Behera", "property_type": "घर", "size": "2,000 लीटर", "place": "वार्ड 12, भुवनेश्वर",
                      "slum": "नहीं"}  # a PIN no longer allowed has no words
    assert client.post("/api/v1/certificates/services/passport/labels", json={"answers": {}}).status_code == 404


def test_the_same_submission_files_once_and_the_citizen_cannot_rate_early(client, auth, app):
    first, again = _file_words(client, 201, key="k1"), _file_words(client, 200, key="k1")
    assert first["reference"] == again["reference"]
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(days=3)  # the day asked for has passed since
    assert _file_words(client, 200, key="k1")["reference"] == first["reference"]  # a retry is still that filing
    assert _file_words(client, 422, key="k9")["detail"]["field"] == "date"  # a new one is refused
    assert _file_words(client, 422, key="k8", date="tomorrow", tatkal=True)["detail"] == {"code": "not_allowed", "field": "tatkal"}
    app.dependency_overrides[get_now] = lambda: NOW
    early = client.post(f"/api/v1/cases/{first['reference']}/feedback", json={"phone": PHONE, "solved": True, "rating": 5},
                        headers=in_turn(client, PHONE))
    assert early.status_code == 409 and early.json()["detail"]["code"] == "wrong_state"


# What a citizen answers to the form's questions, in any of the three languages and scripts.
@pytest.mark.parametrize(
    "field, answer, language, value",
    [
        ("property_type", "2", "en", "commercial"), ("property_type", "mera ghar hai", "hi", "residential"),
        ("property_type", "ଦୋକାନ", "or", "commercial"), ("property_type", "स्कूल", "hi", "institutional"),
        ("sanitation_type", "double pit", "en", "double_pit"), ("sanitation_type", "सेप्टिक टैंक", "hi", "septic_tank"),
        ("sanitation_type", "ଦୁଇ ଗାତ", "or", "double_pit"), ("sanitation_type", "୪", "or", "bio_digester"),
        ("size", "2000", "en", 2000), ("size", "3", "en", 4000), ("size", "2.5 cubic metres", "en", 2500),
        ("size", "बड़ा", "hi", 4000), ("size", "୧୫୦୦ ଲିଟର", "or", 1500),
        ("trips", "२", "hi", 2), ("trips", "9", "en", 9), ("pin", "751 007", "en", "751007"), ("pin", "୭୫୧୦୦୭", "or", "751007"),
        ("date", "tomorrow", "en", "2026-11-24"), ("date", "कल", "hi", "2026-11-24"), ("date", "ଆସନ୍ତାକାଲି", "or", "2026-11-24"),
        ("date", "25 Nov", "en", "2026-11-25"), ("date", "२५ नवंबर", "hi", "2026-11-25"), ("date", "୨୫ ନଭେମ୍ବର", "or", "2026-11-25"),
        ("date", "30/11", "en", "2026-11-30"), ("date", "parso", "hi", "2026-11-25"),
        ("payment", "1", "en", "before"), ("payment", "baad mein", "hi", "after"), ("payment", "ଗାଡ଼ି ଆସିଲେ", "or", "after"),
        ("landmark", "none", "en", ""), ("landmark", "कोई नहीं", "hi", ""), ("landmark", "behind the Ram Mandir", "en", "behind the Ram Mandir"),
        ("name", "  Sabitri   Behera ", "en", "Sabitri Behera"), ("name", "ସାବିତ୍ରୀ ବେହେରା", "or", "ସାବିତ୍ରୀ ବେହେରା"),
        ("place", "ward 12", "en", {"kind": "ward", "ward": "BMC-W12", "ulb": "BMC", "tariff_area": "BMC", "district": "KHORDHA"}),
        ("place", "Cuttack ward 18", "en", {"kind": "ward", "ward": "CMC-W18", "ulb": "CMC", "tariff_area": "CMC", "district": "CUTTACK"}),
        ("place", "बक्सी बाज़ार कटक", "hi", {"kind": "ward", "ward": "CMC-W18", "ulb": "CMC", "tariff_area": "CMC", "district": "CUTTACK"}),  # no Hindi name in the data: matched across scripts
        ("place", "ward 99 Puri", "en", None),  # Puri has 32 wards
        # an Odia call records its answers in words; a recording answers nothing keys answer
        ("name", f"Voice message from the caller: {RECORDING}", "or", RECORDING), ("landmark", RECORDING, "or", RECORDING),
        ("place", RECORDING, "or", None), ("pin", RECORDING, "or", None),
        ("place", "ସରକଣା", "or", {"kind": "village", "gram_panchayat": "GP-BENUPUR", "village": "Sarakana", "ulb": "BMC",
                                  "tariff_area": "GP", "block": "KHD-BALIANTA", "district": "KHORDHA"}),
    ],
)
def test_answers_are_understood_in_every_language(client, field, answer, language, value):
    response = client.post(f"{ANSWERS}/{field}", json={"q": answer, "language": language})
    if value is None:
        assert response.status_code == 422
        return
    assert response.status_code == 200, response.text
    assert response.json()["value"] == value


@pytest.mark.parametrize(
    "field, answer",
    [("trips", "12"), ("trips", "0"), ("trips", "many"), ("size", "99999"), ("size", "7"), ("size", "200"), ("pin", "7510"),
     ("pin", "075100"), ("date", "yesterday was fine"), ("date", "2026-11-01"), ("date", "2027-06-01"), ("date", "31/02"),
     ("property_type", "palace"), ("payment", "5"), ("name", "12345"), ("place", "Atlantis"), ("landmark", "x" * 201)],
)
def test_answers_that_mean_nothing_are_refused(client, field, answer):
    response = client.post(f"{ANSWERS}/{field}", json={"q": answer})
    assert response.status_code == 422
    if len(answer) <= 200:  # longer is refused by the route's own limit
        assert response.json()["detail"] == {"code": "no_match", "field": field}


def test_place_labels_are_in_the_citizens_language(client):
    label = lambda q, lang: client.post(f"{ANSWERS}/place", json={"q": q, "language": lang}).json()["label"]  # noqa: E731
    assert label("ward 18 cuttack", "or") == "ୱାର୍ଡ 18, କଟକ"
    assert label("कटक वार्ड 22", "hi").endswith("कटक")
    assert "Benupur" in label("Sarakana", "en")


def test_an_expired_link_is_replaced_on_request_and_only_the_owner_gets_one(client, auth, app, settings):
    filed = _file(client)
    ask = lambda phone, reference=None: client.post("/api/v1/payments/link", headers=in_turn(client, phone),  # noqa: E731
                                                     json={"phone": phone, "reference": reference})
    again = ask(PHONE).json()
    assert again["payment_url"] == filed["payment_url"] and again["fee_rupees"] == 2000.0  # still valid: the same link
    assert ask("+919999999999").json()["detail"] == {"code": "nothing_to_pay"}
    assert ask(PHONE, "FSM-2026-999999").status_code == 404
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(days=2)
    assert client.get(filed["payment_url"].removeprefix("http://testserver")).status_code == 410
    fresh = ask(f"0{PHONE[3:]}", filed["reference"]).json()  # the same phone, written the local way
    assert fresh["payment_url"] != filed["payment_url"]
    page = client.get(fresh["payment_url"].removeprefix("http://testserver"))
    assert page.status_code == 200 and "₹2,000" in page.text
    payment = _payment(settings, filed["reference"])
    assert payment.status == "created"  # the expired one stays unpaid; nothing was lost
    with get_session_factory(settings.database_url)() as session:
        latest = session.scalars(select(Payment).order_by(Payment.id.desc())).first()
    assert _capture(client, settings, latest.id, 200000).json() == {"status": "paid", "case_paid": True}
    assert ask(PHONE).json()["detail"] == {"code": "nothing_to_pay"}


def test_status_shows_who_holds_it_the_vehicle_and_where_the_waste_went(client, auth, staff):
    reference = _file(client, payment="later")["reference"]
    status = lambda lang="en": client.get(f"/api/v1/cases/{reference}", params={"language": lang}).json()  # noqa: E731
    assert (status()["holder"], status()["vehicle"], status()["disposal"]) == ("operator", None, None)
    operator = staff("OP-BMC-01")
    step = lambda **body: client.post(f"/api/v1/cases/{reference}/actions", json=body, headers=operator)  # noqa: E731
    step(action="ACCEPT")
    assert status()["vehicle"] == "OD-02-AB-4521"
    step(action="DISPOSE", plant="BMC-FSTP-DARUTHENG", volume_litres=1800)
    assert status("or")["disposal"]["plant"] == "ଦାରୁଠେଙ୍ଗ ଏଫଏସଟିପି" and status()["disposal"]["plant"] == "Darutheng FSTP"
    assert status()["disposal"]["volume_litres"] == 1800 and status()["holder"] == "done"
    assert "applicant_name" not in str(status()) and PHONE not in str(status())  # public: no personal data


def test_the_citizens_rating_through_the_common_feedback_route(client, auth, settings, staff):
    reference = _file(client, payment="later")["reference"]
    verdict = lambda **body: client.post(f"/api/v1/cases/{reference}/feedback", headers=in_turn(client, PHONE),  # noqa: E731
                                         json={"phone": PHONE, "solved": True, **body})
    assert verdict(rating=4).json()["detail"]["code"] == "wrong_state"  # not done yet
    operator = staff("OP-BMC-01")
    for action in ({"action": "ACCEPT"}, {"action": "DISPOSE", "plant": "BMC-FSTP-BASUAGHAI", "volume_litres": 1500}):
        client.post(f"/api/v1/cases/{reference}/actions", json=action, headers=operator)
    assert verdict(rating=1).json()["detail"]["code"] == "required_below_3"
    other = client.post(f"/api/v1/cases/{reference}/feedback", headers=in_turn(client, "+919000000000"),
                        json={"phone": "+919000000000", "solved": True, "rating": 5})
    assert other.status_code == 403 and other.json()["detail"]["code"] == "not_your_case"
    done = verdict(rating=1, comment="Sludge was spilled in the lane")
    assert done.json() == {"reference": reference, "outcome": "completed", "state": "COMPLETED"}
    assert verdict(rating=5).json()["detail"]["code"] == "wrong_state"  # once
    with get_session_factory(settings.database_url)() as session:
        rows = session.scalars(select(Feedback)).all()
    assert [(f.official_id, f.rating, f.comment) for f in rows] == [("OP-BMC-01", 1, "Sludge was spilled in the lane")]


def test_refusals_of_the_workflow_wrong_role_wrong_state_and_reasons(client, auth, settings, staff):
    reference = _file(client)["reference"]  # waiting for payment
    supervisor = staff("BMC-SAN-SUP")  # desludging is SANITATION's (workflows/desludging.yml)

    def act(**body):  # noqa: ANN202
        return client.post(f"/api/v1/cases/{reference}/actions", headers=supervisor, json=body)

    assert act(action="ACCEPT").json()["detail"]["code"] == "wrong_role"  # the operator's step
    assert act(action="PAY").status_code == 403  # only the payment webhook pays
    assert act(action="ASSIGN").json()["detail"]["code"] == "wrong_state"  # not paid yet
    assert act(action="CANCEL").status_code == 422  # a reason is required
    assert act(action="FLY").status_code == 404
    other_town = client.post(f"/api/v1/cases/{reference}/actions", headers=staff("BMC-ELE-SUP"),
                             json={"action": "CANCEL", "reason": "x"})
    assert other_town.json()["detail"]["code"] == "not_your_department"
    supervisor = staff("BMC-SAN-SUP")
    cancelled = act(action="CANCEL", reason="The tank was emptied privately")
    assert cancelled.json()["state"] == "CANCELLED"
    assert act(action="CANCEL", reason="x").status_code == 409  # terminal
    payment = _payment(settings, reference)
    late = _capture(client, settings, payment.id, 200000)  # paid after cancelling: kept, the case does not move
    assert late.json()["status"] == "paid" and _case(settings, reference).state == "CANCELLED"
    with get_session_factory(settings.database_url)() as session:
        keys = [m.locale_key for m in session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == PHONE))]
    assert "utter_notify_desludging_cancelled" in keys
