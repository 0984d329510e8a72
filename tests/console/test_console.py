"""The console in a real browser: signing in with the code the phone got, the inbox, a case
resolved and the citizen told, an operator's disposal, the certificate queue worked in order; and
the refusals: a wrong code, an expired one, a sixth try, a form without its CSRF token, an official
outside the ward, a verifier approving."""
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from backend.api.twilio_sandbox import SAMPLE_PHOTO
from backend.models import AuditEntry, Case, SignInCode
from backend.services import certificates, desludging, grievance, handoff, outbox
from backend.services.catalog import load_definitions
from backend.services.hooks import hooks_for
from backend.workflow import apply_action, load_workflows
from tests.console.conftest import Backend, now

# From the master data the backend seeds its people from (officials.yml, desludging.yml, office_staff.yml).
# An image's width once the browser has it (visible is not yet loaded, on a busy machine)
LOADED_WIDTH = "img => img.complete ? img.naturalWidth : new Promise(done => { img.onload = () => done(img.naturalWidth) })"
ENGINEER_NORTH = ("+919437200104", "whatsapp")  # BMC-ENG-N: Engineering, BMC wards 1-33, reads Hindi
ENGINEER_SOUTH = ("+919437200105", "whatsapp")  # BMC-ENG-S: Engineering, BMC wards 34-67
SANITATION_NORTH = ("+919437200101", "whatsapp")  # BMC-SAN-N
VERIFIER = ("+919437500101", "whatsapp")  # BMC-CRT-VER, ULB-BMC's office
APPROVER = ("+919437500102", "sms")  # BMC-CRT-APP, ULB-BMC's office
ADMINISTRATOR = ("+919437600001", "whatsapp")  # SATHI-ADMIN
CITIZEN = "+919812377001"


def _address(phone: str, channel: str) -> str:
    return f"whatsapp:{phone}" if channel == "whatsapp" else phone


def sign_in(page: Page, backend: Backend, person: tuple[str, str]) -> None:
    """Mobile, then the code the phone received, as a person does it."""
    phone, channel = person
    seen = {m["sid"] for m in backend.messages(_address(phone, channel))}
    page.goto(f"{backend.url}/console")
    page.get_by_label("Mobile number").fill(phone[3:])
    page.get_by_role("button", name="Send the code").click()
    expect(page.get_by_text("a 6-digit code is on its way")).to_be_visible()
    code = backend.signin_code(_address(phone, channel), after=seen)
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()


def every_control_is_labelled(page: Page) -> None:
    """Each field, list and button has a name a screen reader says, and the page says its language."""
    unnamed = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent.trim()))
        .map(e => e.outerHTML)""")
    assert unnamed == []
    assert page.locator("html").get_attribute("lang") in ("en", "hi", "or")


def _workflows(backend: Backend):  # noqa: ANN202
    return load_workflows(backend.settings.workflows_dir)


def file_grievance(backend: Backend, ward: str, description: str = "The drain outside the school is blocked",
                   days_ago: float = 0) -> str:
    with backend.session() as session:
        case, _ = grievance.file_grievance(
            session, workflow=_workflows(backend)["grievance"], masterdata_dir=backend.settings.masterdata_dir,
            category_code="drainage", subcategory_code="blocked", description=description, ward_code=ward,
            citizen_phone=f"whatsapp:{CITIZEN}", language="en", channel="twilio_whatsapp", actor_role="CITIZEN",
            actor_id=CITIZEN, idempotency_key=None, now=now() - timedelta(days=days_ago), timezone=backend.settings.timezone,
        )
        session.commit()
        return case.reference


def attach_photo(backend: Backend, reference: str) -> None:
    """As grievance.attach_photo leaves it: the file in the media folder, its name on the case."""
    name = f"{reference}.png"
    backend.settings.media_dir.mkdir(parents=True, exist_ok=True)
    (backend.settings.media_dir / name).write_bytes(SAMPLE_PHOTO)
    with backend.session() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        case.details = {**case.details, "photo": name}
        session.commit()


def test_an_official_signs_in_sees_the_inbox_and_resolves_a_case_and_the_citizen_is_told(page: Page, backend: Backend):
    reference = file_grievance(backend, "ward 12")
    attach_photo(backend, reference)
    late = file_grievance(backend, "ward 3", "Drain overflowing for a week", days_ago=5)  # 48 hours to act: overdue
    sign_in(page, backend, ENGINEER_NORTH)
    # The person's own language first (BMC-ENG-N reads Hindi), then the switch.
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    expect(page.get_by_role("heading", name="जिन मामलों पर आप कार्रवाई कर सकते हैं")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "sathi_session")
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Lax")
    assert timedelta(hours=11.9) < datetime.fromtimestamp(cookie["expires"], UTC) - now() <= timedelta(hours=12, minutes=1)
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Cases you can act on")).to_be_visible()
    every_control_is_labelled(page)
    first_row = page.get_by_role("row").nth(1)  # soonest due first
    expect(first_row).to_contain_text(late)
    expect(first_row).to_contain_text("Overdue")
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).not_to_contain_text("Overdue")
    expect(row).to_contain_text("With the official")
    expect(row).to_contain_text("Ward 12")

    page.get_by_label("Reference, or the last 4 digits of the citizen's mobile").fill(CITIZEN[-4:])
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    page.get_by_role("link", name=reference).click()

    expect(page.get_by_role("heading", name=f"{reference} · Complaint")).to_be_visible()
    expect(page.get_by_text("The drain outside the school is blocked")).to_be_visible()
    photo = page.get_by_role("img", name="The citizen's photo of the problem")
    expect(photo).to_be_visible()
    assert photo.evaluate(LOADED_WIDTH) == 2  # served to her, from the case's own files
    every_control_is_labelled(page)
    expect(page.get_by_text(CITIZEN)).to_be_visible()  # hers to serve: the mobile is shown whole
    with backend.session() as session:
        viewed = session.scalars(select(AuditEntry).where(AuditEntry.action == "case.view", AuditEntry.subject == reference)).all()
        assert [(v.actor_id, v.detail) for v in viewed] == [("BMC-ENG-N", {"personal_data": True})]

    seen = {m["sid"] for m in backend.messages(f"whatsapp:{CITIZEN}")}
    resolve = page.locator("form[data-action=RESOLVE]")
    resolve.get_by_label("Reason (optional)").fill("Drain cleared by the ward team")
    resolve.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("status")).to_have_text("Done: Resolve.")
    expect(page.locator("dl.facts").first).to_contain_text("Resolved")
    expect(page.locator("ol.timeline")).to_contain_text("Drain cleared by the ward team")
    assert reference in backend.wait_for_message(f"whatsapp:{CITIZEN}", after=seen, contains=reference)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(f"{backend.url}/console/inbox")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_wrong_code_a_sixth_try_an_expired_code_and_too_many_codes_are_refused_in_words(page: Page, backend: Backend):
    phone, channel = SANITATION_NORTH
    page.goto(f"{backend.url}/console/language/en?next=/console/sign-in")
    for attempt in (1, 2):
        seen = {m["sid"] for m in backend.messages(_address(phone, channel))}
        if attempt == 1:  # by keyboard alone: each step's field has the focus; Enter sends it
            expect(page.get_by_label("Mobile number")).to_be_focused()
            page.keyboard.type(phone)
            page.keyboard.press("Enter")
        else:
            page.get_by_label("Mobile number").fill(phone)
            page.get_by_role("button", name="Send the code").click()
        code = backend.signin_code(_address(phone, channel), after=seen)
        if attempt == 1:
            wrong = f"{(int(code) + 1) % 1_000_000:06d}"
            for _ in range(4):
                expect(page.get_by_label("6-digit code")).to_be_focused()
                page.keyboard.type(wrong)
                page.keyboard.press("Enter")
                expect(page.get_by_role("alert")).to_have_text("That code is not right. Check it and try again.")
            page.keyboard.type(wrong)  # the fifth wrong try spends the code...
            page.keyboard.press("Enter")
            expect(page.get_by_role("alert")).to_have_text("Too many wrong tries for this code. Ask for a new one.")
            page.get_by_label("Mobile number").wait_for()
            # ...and a sixth, even with the right code, is refused (sent as the code form would).
            response = page.request.post(f"{backend.url}/console/sign-in/code", form={
                "mobile": phone, "code": code, "csrf_token": page.locator("input[name=csrf_token]").input_value()})
            assert response.status == 429 and "Too many wrong tries" in response.text()
        else:
            with backend.session() as session:  # five minutes pass
                session.execute(update(SignInCode).where(SignInCode.id == session.scalar(
                    select(SignInCode.id).order_by(SignInCode.id.desc()).limit(1))).values(expires_at=now() - timedelta(seconds=1)))
                session.commit()
            page.get_by_label("6-digit code").fill(code)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("alert")).to_have_text("That code has expired. Ask for a new one.")
    page.get_by_label("Mobile number").fill(phone)  # a third code in the quarter hour is sent; a fourth is not
    page.get_by_role("button", name="Send the code").click()
    page.get_by_role("button", name="Use another number").click()
    page.get_by_label("Mobile number").fill(phone)
    page.get_by_role("button", name="Send the code").click()
    expect(page.get_by_role("alert")).to_have_text("Too many codes were asked for. Please wait a few minutes and try again.")
    page.goto(f"{backend.url}/console/inbox")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # never signed in


def test_a_form_without_its_csrf_token_changes_nothing(page: Page, backend: Backend):
    reference = file_grievance(backend, "ward 14")
    sign_in(page, backend, ENGINEER_NORTH)
    page.goto(f"{backend.url}/console/language/en?next=/console/cases/{reference}")
    form = page.locator("form[data-action=RESOLVE]")
    form.locator("input[name=csrf_token]").evaluate("input => input.remove()")
    form.get_by_label("Reason (optional)").fill("kept after the refusal")
    form.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("alert")).to_have_text(
        "This form has expired or did not come from this console, so nothing was changed. Please try again.")
    expect(page.locator("form[data-action=RESOLVE] textarea[name=reason]")).to_have_value("kept after the refusal")
    with backend.session() as session:
        assert session.scalar(select(Case.state).where(Case.reference == reference)) == "PENDING_AT_OFFICIAL"


def test_an_official_outside_the_ward_is_refused(page: Page, backend: Backend):
    reference = file_grievance(backend, "ward 20")  # BMC-ENG-N's; BMC-ENG-S has wards 34-67
    sign_in(page, backend, ENGINEER_SOUTH)
    expect(page.get_by_role("heading", name="Cases you can act on")).to_be_visible()
    expect(page.get_by_role("link", name=reference)).to_have_count(0)
    page.goto(f"{backend.url}/console/cases/{reference}")
    expect(page.get_by_role("alert")).to_have_text("Refused: this case is outside the wards you work in.")
    expect(page.get_by_text(CITIZEN)).to_have_count(0)
    attach_photo(backend, reference)
    assert page.request.get(f"{backend.url}/console/cases/{reference}/files/{reference}.png").status == 403
    csrf = page.locator("header input[name=csrf_token]").input_value()
    with backend.session() as session:
        version = session.scalar(select(Case.version).where(Case.reference == reference))
    forged = page.request.post(f"{backend.url}/console/cases/{reference}/act", form={
        "csrf_token": csrf, "action": "RESOLVE", "version": str(version), "reason": "not mine"})
    assert forged.status == 403 and "Refused: this case is outside the wards you work in." in forged.text()
    with backend.session() as session:
        assert session.scalar(select(Case.state).where(Case.reference == reference)) == "PENDING_AT_OFFICIAL"
        refused = session.scalars(select(AuditEntry).where(AuditEntry.subject == reference, AuditEntry.outcome == "refused")).all()
        assert {(r.action, r.detail["code"]) for r in refused} == {("case.view", "not_your_area"), ("case.act", "not_your_area")}


def file_desludging(backend: Backend) -> tuple[str, tuple[str, str]]:
    """A request paid on the visit: it goes straight to an operator of the town. -> (reference, that operator)."""
    request = desludging.Request(
        applicant_name="Sabitri Behera", citizen_phone=f"whatsapp:{CITIZEN}", property_type="residential",
        sanitation_type="septic_tank", size_litres=2000, trips=1, slum=False,
        preferred_date=(now() + timedelta(days=2)).date(), pay_before=False, pin="751007", landmark="Near the temple",
        ward="ward 12", language="en", channel="twilio_whatsapp",
    )
    with backend.session() as session:
        case, _, _ = desludging.file_request(session, workflow=_workflows(backend)["desludging"], settings=backend.settings,
                                             request=request, actor_role="CITIZEN", actor_id=CITIZEN, idempotency_key=None,
                                             now=now())
        session.commit()
        operator = next(o for o in desludging.load_masterdata(backend.settings.masterdata_dir).operators if o.id == case.assignee_id)
        return case.reference, (operator.contact.phone, operator.contact.channel)


def test_an_operator_accepts_a_job_and_records_the_disposal(page: Page, backend: Backend):
    reference, operator = file_desludging(backend)
    sign_in(page, backend, operator)
    page.goto(f"{backend.url}/console/language/en?next=/console/operator")
    job = page.locator(f"li[data-reference='{reference}']")
    expect(job).to_contain_text("Waiting for the operator")
    expect(job).to_contain_text("2,000 litres, trips: 1")
    every_control_is_labelled(page)
    job.get_by_role("button", name="Accept the job").click()
    expect(page.get_by_role("status")).to_have_text("Done: Accept the job.")
    expect(job).to_contain_text("Work in progress")

    dispose = job.locator("form[data-action=DISPOSE]")
    dispose.get_by_label("Treatment plant").select_option(label="Darutheng FSTP")
    dispose.get_by_label("Litres delivered").fill("60000")  # more than any tank: refused, the form kept
    dispose.get_by_role("button", name="Record the disposal").click()
    expect(page.get_by_role("alert")).to_have_text("Enter the litres delivered, a whole number within the tank's range.")
    expect(page.locator("form[data-action=DISPOSE] select[name=plant]")).to_have_value("BMC-FSTP-DARUTHENG")
    page.locator("form[data-action=DISPOSE]").get_by_label("Litres delivered").fill("1900")
    page.locator("form[data-action=DISPOSE]").get_by_role("button", name="Record the disposal").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    page.goto(f"{backend.url}/console/operator")
    expect(page.get_by_text("No jobs for you now.")).to_be_visible()
    page.goto(f"{backend.url}/console/cases/{reference}")
    details = page.locator("dl.facts").nth(1)
    expect(details).to_contain_text("Delivered 1900 litres at Darutheng FSTP")
    expect(details).to_contain_text("Not paid yet")  # paid on the visit
    with backend.session() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert (case.state, case.details["disposal"]["plant"], case.details["disposal"]["volume_litres"]) == (
            "DISPOSED", "BMC-FSTP-DARUTHENG", 1900)


def file_water_tanker(backend: Backend) -> tuple[str, tuple[str, str]]:
    """A tanker booked and paid: given to a tanker operator of the town. -> (reference, that operator)."""
    workflows = _workflows(backend)
    answers = {"booking_name": "Sabitri Behera", "tanker_size": "1", "delivery_place": "ward 12",
               "landmark": "Behind the Ram temple"}  # fmt: skip
    with backend.session() as session:
        case, _, _ = certificates.apply(
            session, settings=backend.settings, workflow=workflows["visit"],
            definition=certificates.definitions(backend.settings, workflows)["water_tanker"], answers=answers, documents={},
            tatkal=False, phone=f"whatsapp:{CITIZEN}", language="en", channel="twilio_whatsapp", actor_role="CITIZEN",
            actor_id=CITIZEN, idempotency_key=None, now=now(),
            submit=lambda filed: hooks_for(workflows["visit"]).submit(filed, workflow=workflows["visit"], settings=backend.settings, now=now()),
        )
        hooks_for(workflows["visit"]).paid(case, workflow=workflows["visit"], settings=backend.settings, now=now())
        session.commit()
        operator = next(o for o in desludging.load_masterdata(backend.settings.masterdata_dir).operators if o.id == case.assignee_id)
        return case.reference, (operator.contact.phone, operator.contact.channel)


def test_a_tanker_operator_accepts_and_delivers_a_booking(page: Page, backend: Backend):
    reference, operator = file_water_tanker(backend)
    sign_in(page, backend, operator)
    page.goto(f"{backend.url}/console/language/en?next=/console/operator")
    job = page.locator(f"li[data-reference='{reference}']")
    expect(job).to_contain_text("Waiting for the operator")
    expect(job).to_contain_text("water tanker")  # the service's own name
    expect(job).to_contain_text("Ward 12, Bhubaneswar")  # where the water goes, not the office
    expect(job).to_contain_text("Behind the Ram temple")
    page.goto(f"{backend.url}/console/cases/{reference}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{reference} · Water tanker")  # its own name
    page.goto(f"{backend.url}/console/operator")
    every_control_is_labelled(page)
    expect(job.locator("form[data-action=DISPOSE]")).to_have_count(0)  # a desludging step, not a tanker's
    job.get_by_role("button", name="Accept the job").click()
    expect(page.get_by_role("status")).to_have_text("Done: Accept the job.")
    job.get_by_role("button", name="Mark delivered").click()
    expect(page.get_by_role("status")).to_have_text("Done: Mark delivered.")
    expect(page.get_by_text("No jobs for you now.")).to_be_visible()
    with backend.session() as session:
        assert session.scalar(select(Case.state).where(Case.reference == reference)) == "DELIVERED"


def file_birth_certificate(backend: Backend, child: str) -> str:
    """Free, so it goes straight to the office's queue (ULB-BMC for a ward of Bhubaneswar)."""
    workflows = _workflows(backend)
    born = (now() - timedelta(days=30)).strftime("%d/%m/%Y")
    answers = {"child_name": child, "date_of_birth": born, "place": "ward 12", "mother_name": "Sabitri Behera",
               "father_name": "Raghunath Behera"}
    with backend.session() as session:
        case, _, _ = certificates.apply(
            session, settings=backend.settings, workflow=workflows["certificate"],
            definition=certificates.definitions(backend.settings, workflows)["birth"], answers=answers, documents={},
            tatkal=False, phone=f"whatsapp:{CITIZEN}", language="en", channel="twilio_whatsapp", actor_role="CITIZEN",
            actor_id=CITIZEN, idempotency_key=None, now=now(),
            submit=lambda filed: hooks_for(workflows["certificate"]).submit(filed, workflow=workflows["certificate"], settings=backend.settings, now=now()),
        )
        session.commit()
        return case.reference


def test_the_queue_is_worked_in_order_and_a_verifier_may_not_approve(page: Page, backend: Backend):
    first, second = file_birth_certificate(backend, "Anita Behera"), file_birth_certificate(backend, "Sunita Behera")
    sign_in(page, backend, VERIFIER)
    page.goto(f"{backend.url}/console/language/en?next=/console/queue")
    expect(page.get_by_role("heading", name="Certificate queue of")).to_be_visible()
    expect(page.locator(f"li[data-reference='{first}']")).to_contain_text("Next in turn")
    every_control_is_labelled(page)
    page.locator(f"li[data-reference='{second}']").get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_have_text(f"{first} is ahead in the queue. To take this one first, give a reason.")
    page.goto(f"{backend.url}/console/queue")
    for reference in (first, second):
        page.locator(f"li[data-reference='{reference}']").get_by_role("button", name="Verify").click()
        expect(page.get_by_role("status")).to_have_text("Done: Verify.")

    # Verified, waiting for approval: the verifier has no Approve; one forged from another form is refused.
    page.goto(f"{backend.url}/console/cases/{first}")
    expect(page.get_by_text("Anita Behera")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="hospital discharge or birth record")).to_contain_text(
        "To be brought to the office")
    expect(page.locator("form[data-action=APPROVE]")).to_have_count(0)
    send_back = page.locator("form[data-action=SEND_BACK]")
    send_back.locator("input[name=action]").evaluate("input => input.value = 'APPROVE'")
    send_back.get_by_label("Reason (required)").fill("Looks fine to me")
    send_back.get_by_role("button", name="Send back for correction").click()
    expect(page.get_by_role("alert")).to_have_text("Refused: your role may not take this action.")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, backend, APPROVER)
    page.goto(f"{backend.url}/console/queue")
    second_item = page.locator(f"li[data-reference='{second}']")
    second_item.get_by_role("button", name="Approve and issue").click()
    expect(page.get_by_role("alert")).to_have_text(f"{first} is ahead in the queue. To take this one first, give a reason.")
    taken = page.locator(f"form[data-action=APPROVE]")  # the case page, with what was typed kept
    taken.get_by_label("Reason for taking it out of turn (needed only when others are ahead)").fill("Needed for a hospital admission today")
    taken.get_by_role("button", name="Approve and issue").click()
    expect(page.get_by_role("status")).to_have_text("Done: Approve and issue.")
    expect(page.locator("ol.timeline")).to_contain_text(f"Taken out of turn ahead of {first}: Needed for a hospital admission today")
    page.goto(f"{backend.url}/console/queue")
    page.locator(f"li[data-reference='{first}']").get_by_role("button", name="Approve and issue").click()
    expect(page.get_by_role("status")).to_have_text("Done: Approve and issue.")
    expect(page.get_by_text("The queue is empty.")).to_be_visible()
    with backend.session() as session:
        issued = dict(session.execute(select(Case.reference, Case.state).where(Case.reference.in_([first, second]))).all())
        assert issued == {first: "ISSUED", second: "ISSUED"}


def file_paid_trade_licence(backend: Backend, owner: str) -> str:
    """A trade licence at the same office (ULB-BMC), its fee paid, so it too waits to be verified."""
    workflows = _workflows(backend)
    answers = {"applicant_name": owner, "business_name": "Behera Tiffin", "trade": "2", "place": "ward 12", "premises_area": "150"}
    with backend.session() as session:
        case, _, _ = certificates.apply(
            session, settings=backend.settings, workflow=workflows["certificate"],
            definition=certificates.definitions(backend.settings, workflows)["trade_licence"], answers=answers, documents={},
            tatkal=False, phone=f"whatsapp:{CITIZEN}", language="en", channel="twilio_whatsapp", actor_role="CITIZEN",
            actor_id=CITIZEN, idempotency_key=None, now=now(),
            submit=lambda filed: hooks_for(workflows["certificate"]).submit(filed, workflow=workflows["certificate"], settings=backend.settings, now=now()),
        )
        certificates.paid(case, workflow=workflows["certificate"], now=now())
        session.commit()
        return case.reference


def test_each_service_is_its_own_queue_on_the_page(page: Page, backend: Backend):
    """A licence filed after a birth certificate is next in its own queue: no reason asked to verify it."""
    birth = file_birth_certificate(backend, "Mina Behera")
    licence = file_paid_trade_licence(backend, "Gita Behera")
    sign_in(page, backend, VERIFIER)
    page.goto(f"{backend.url}/console/language/en?next=/console/queue")
    for reference in (birth, licence):
        expect(page.locator(f"li[data-reference='{reference}']")).to_contain_text("Next in turn")
    page.locator(f"li[data-reference='{licence}']").get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_have_text("Done: Verify.")
    page.locator(f"li[data-reference='{birth}']").get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_have_text("Done: Verify.")


def test_an_administrator_adds_a_person_who_can_then_sign_in_deactivates_them_and_reads_the_audit_log(page: Page, backend: Backend):
    sign_in(page, backend, ADMINISTRATOR)
    page.get_by_role("link", name="People").click()
    page.get_by_role("link", name="Add a person").click()
    every_control_is_labelled(page)
    page.get_by_label("ID").fill("BMC-ENG-N2")
    page.get_by_label("Name").fill("Pramod Sahoo")
    page.get_by_label("Mobile number").fill("94372 00199")
    role = page.get_by_role("group", name="Role 1")
    role.get_by_label("Role", exact=True).select_option(label="Official")
    role.get_by_label("Town (ULB code)").fill("BMC")
    role.get_by_label("From ward").fill("1")
    role.get_by_label("To ward").fill("10")
    page.get_by_role("button", name="Save").click()  # no department: refused, nothing typed is lost
    expect(page.get_by_role("alert")).to_have_text(
        "This role needs its area: the town, department and wards, the office, or the gram panchayat.")
    expect(page.get_by_label("Name")).to_have_value("Pramod Sahoo")
    role = page.get_by_role("group", name="Role 1")
    role.get_by_label("Department").select_option(label="Engineering")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")

    newcomer = page.context.browser.new_context().new_page()
    sign_in(newcomer, backend, ("+919437200199", "whatsapp"))
    expect(newcomer.get_by_text("Signed in as Pramod Sahoo")).to_be_visible()

    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status")).to_have_text("Deactivated. Their history is kept.")
    newcomer.reload()  # signed out everywhere
    expect(newcomer.get_by_role("status")).to_have_text("Your session has ended. Please sign in again.")
    newcomer.context.close()
    page.get_by_role("link", name="Audit log").click()
    newest = page.get_by_role("row").nth(1)
    expect(newest).to_contain_text("Deactivated a person")
    expect(newest).to_contain_text("BMC-ENG-N2")
    expect(newest).to_contain_text("SATHI-ADMIN")
    expect(page.get_by_role("row").filter(has_text="Saved a person")).to_contain_text("SATHI-ADMIN")
    expect(page.get_by_role("row").filter(has_text="Signed in").first).to_contain_text("BMC-ENG-N2")


NODAL_BMC = ("+919437200301", "whatsapp")  # BMC-NODAL: answers a citizen with no case to route by


def test_a_citizen_who_asked_for_a_person_is_answered_and_handed_back_from_the_console(page: Page, backend: Backend):
    citizen = "+919812377011"
    with backend.session() as session:
        case, _ = handoff.open_for(
            session, workflows=_workflows(backend), masterdata_dir=backend.settings.masterdata_dir, phone=f"whatsapp:{citizen}",
            language="en", channel="twilio_whatsapp", during="income", now=now(), timezone=backend.settings.timezone,
        )
        apply_action(workflow=_workflows(backend)["handoff"], case=case, action="WRITE", actor_role="CITIZEN",
                     actor_id=case.citizen_phone, now=now(), reason="My income certificate form is confusing")
        backend.settings.media_dir.mkdir(parents=True, exist_ok=True)
        (backend.settings.media_dir / "c0ffee.png").write_bytes(SAMPLE_PHOTO)  # as handoff.attach_photos keeps it
        case.details = {**case.details, "photos": ["c0ffee.png"]}
        session.commit()
        reference = case.reference
    sign_in(page, backend, NODAL_BMC)
    page.get_by_role("link", name="English").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Waiting for an answer")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=f"{reference} · Talk to a person")).to_be_visible()
    expect(page.locator("dl.facts").nth(1)).to_contain_text("income certificate")  # what they were applying for
    expect(page.locator("dl.facts").first).to_contain_text("Bhubaneswar")
    expect(page.locator("ol.timeline")).to_contain_text("Message: My income certificate form is confusing")
    photo = page.get_by_role("img", name="Photo 1 the citizen sent")
    expect(photo).to_be_visible()
    assert photo.evaluate(LOADED_WIDTH) == 2  # served from the conversation's own files
    every_control_is_labelled(page)

    seen = {m["sid"] for m in backend.messages(f"whatsapp:{citizen}")}
    reply = page.locator("form[data-action=REPLY]")
    reply.get_by_label("Your message to the citizen (they receive it on their phone)").fill("Send me your village name, please.")
    reply.get_by_role("button", name="Reply").click()
    expect(page.get_by_role("status")).to_have_text("Done: Reply.")
    expect(page.locator("dl.facts").first).to_contain_text("Answered")
    received = backend.wait_for_message(f"whatsapp:{citizen}", after=seen, contains=reference)
    # They have not written on WhatsApp in the last 24 hours: the approved template carries the words.
    assert received.startswith("[template HX") and "Send me your village name, please" in received

    seen = {m["sid"] for m in backend.messages(f"whatsapp:{citizen}")}
    page.locator("form[data-action=CLOSE]").get_by_role("button", name="Close and hand back to Sathi").click()
    expect(page.get_by_role("status")).to_have_text("Done: Close and hand back to Sathi.")
    assert "HX0000000000000000000000000000en39" in backend.wait_for_message(f"whatsapp:{citizen}", after=seen, contains=reference)


def test_an_administrator_sees_what_reached_no_one_with_the_number_masked(page: Page, backend: Backend):
    reference = file_grievance(backend, "ward 14")
    with backend.session() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        failed = outbox.new_message(channel="whatsapp", recipient="+919812377021", body="…", kind="notification", now=now(),
                                    locale_key="utter_notify_grievance_resolved")
        failed.case_id, failed.status, failed.error_code = case.id, "failed", "63003"
        session.add(failed)
        session.commit()
    sign_in(page, backend, NODAL_BMC)  # one sign-in more for her (the module's people are near their code limit)
    assert page.goto(f"{backend.url}/console/deliveries").status == 403  # administrators only
    page = page.context.browser.new_context().new_page()
    sign_in(page, backend, ADMINISTRATOR)
    page.get_by_role("link", name="Undelivered messages").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("utter_notify_grievance_resolved")
    expect(row).to_contain_text("63003")
    expect(row).to_contain_text("***7021")
    expect(page.get_by_text("+919812377021")).to_have_count(0)  # never whole
    every_control_is_labelled(page)
