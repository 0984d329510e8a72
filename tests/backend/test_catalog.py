"""The service catalog (catalog/*.yml): every shipped service loads and is offered in its menu
order; a broken definition is refused with the file and the mistake named; the training data the
assistant learns a service from is written from the catalog alone."""

import os
import re
import subprocess
import sys

import pytest
import yaml

from backend.services.catalog import DefinitionError, load_definition, load_definitions
from backend.settings import REPO_ROOT
from scripts import catalog_nlu
from tests.conftest import in_turn

CATALOG = REPO_ROOT / "catalog"
WORKFLOWS = frozenset({"certificate", "grievance", "desludging", "visit"})
DOCUMENTED = frozenset({"certificate"})  # the workflows that end in a signed document


def test_every_shipped_service_loads_in_menu_order(client):
    services = load_definitions(CATALOG, WORKFLOWS, DOCUMENTED)
    assert list(services) == ["income", "caste", "residence", "birth", "trade_licence", "water_tanker"]
    assert [s.reference_prefix for s in services.values()] == ["CRT", "CRT", "CRT", "CRT", "TRL", "WTR"]
    listed = client.get("/api/v1/certificates/services").json()
    assert [(s["code"], s["number"]) for s in listed] == [(c, n) for n, c in enumerate(services, start=1)]
    assert listed[0]["tatkal_fee_rupees"] == 100 and listed[3]["fee_rupees"] == 0 and listed[4]["fee_rupees"] == 500
    tanker = listed[5]
    assert tanker["fee_set_by"] == ["tanker_size"] and tanker["replies"]["utter_certificate_filed"] == "visit_reply.filed"
    # the size chosen sets the fee, said when it is answered
    answered = client.post("/api/v1/certificates/services/water_tanker/answers/tanker_size", json={"q": "2", "language": "hi"})
    assert answered.json() == {"value": "l10000", "label": "10,000 लीटर", "key": None, "guessed": False, "fee_rupees": 900}


PLACE = {"name": "place", "type": "place", "prompt": "cert_ask.place"}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"fields": []}, "one field must be of type place"),
        ({"workflow": "passport"}, "no workflow 'passport'"),
        ({"fee_rupees": -5}, "fee_rupees"),
        ({"tatkal_sla_days": 20}, "Tatkal must be faster"),
        ({"tatkal_sla_days": None}, "tatkal_fee_rupees and tatkal_sla_days go together"),
        ({"fields": [PLACE, {"name": "colour", "type": "choice", "prompt": "cert_ask.place", "options": [{"code": "red"}]}]},
         "a choice needs at least two options"),
        ({"fields": [PLACE, {"name": "age", "type": "number", "prompt": "cert_ask.place"}]}, "field age: an number needs min <= max"),
        ({"fields": [PLACE, {"name": "note", "type": "text", "prompt": "cert_ask.place", "options": [{"code": "a"}, {"code": "b"}]}]},
         "only a choice has options"),
        ({"fields": [PLACE, PLACE]}, "field names must be unique"),
        ({"fields": [{"name": "place", "type": "place", "prompt": "cert_ask.no_such_prompt"}]},
         "locales/en.yml has no text for cert_ask.no_such_prompt"),
        ({"fields": [{"name": "place", "type": "planet", "prompt": "cert_ask.place"}]}, "type"),
        ({"reference_prefix": "CR1"}, "reference_prefix"),
        ({"number": 12}, "number"),
        ({"asked_as": {"fr": ["je voudrais un certificat"]}}, "['fr'] is not a form of writing"),
        ({"surprise": True}, "surprise"),
        ({"fee_from": "purpose"}, "every option of purpose needs its fee_rupees"),
        ({"fee_from": "annual_income"}, "fee_from: 'annual_income' is not a choice field"),
        ({"replies": {"utter_certificate_filed": "visit_reply.no_such_words"}}, "has no text for visit_reply.no_such_words"),
        ({"fields": [PLACE, {"name": "day", "type": "future_date", "prompt": "cert_ask.place"}]},
         "field day: max_days_ahead is for a future_date, and it needs one"),
        ({"fields": [PLACE, {"name": "day", "type": "past_date", "max_days_ahead": 5, "prompt": "cert_ask.place"}]},
         "field day: max_days_ahead is for a future_date"),
        ({"fields": [PLACE, {"name": "tank", "type": "size", "min": 1, "max": 9, "prompt": "cert_ask.place",
                             "options": [{"code": "small"}]}]}, "field tank: every size offered needs its litres"),
        ({"fields": [PLACE, {"name": "tank", "type": "size", "prompt": "cert_ask.place"}]}, "field tank: an size needs min <= max"),
        ({"fields": [PLACE, {"name": "who", "type": "name", "none_words": ["none"], "prompt": "cert_ask.place"}]},
         "field who: only a text has none_words"),
        ({"fields": [PLACE, {"name": "trade", "type": "choice", "prompt": "cert_ask.trade", "option_key": "no_such_options",
                             "options": [{"code": "shop"}, {"code": "workshop"}]}]}, "no text for no_such_options.shop"),
        ({"fields": [PLACE, {"name": "problem", "type": "category", "prompt": "cert_ask.place"}]},
         "field problem: a category needs guess_prompt"),
        ({"fields": [PLACE, {"name": "who", "type": "name", "with_photo": True, "prompt": "cert_ask.place"}]},
         "field who: only a text has too_long or with_photo"),
        ({"fields": [PLACE, {"name": "note", "type": "text", "max_length": 5000, "prompt": "cert_ask.place"}]},
         "field note: a text is at most 1000 characters"),
        ({"fields": [PLACE, {"name": "who", "type": "name", "guess_also_answers": "place", "prompt": "cert_ask.place"}]},
         "field who: only a category is guessed"),
        ({"fields": [{"name": "note", "type": "text", "prompt": "cert_ask.place"}, PLACE,
                     {"name": "problem", "type": "category", "prompt": "cert_ask.place", "guess_prompt": "cert_ask.place",
                      "guess_also_answers": "note"}]},
         "field problem: guess_also_answers 'note' is not a text field after it"),
        ({"reopens": "utter_no_such_question"}, "has no text for utter_no_such_question"),
    ],
)
def test_a_broken_definition_is_refused_naming_the_file_and_the_mistake(tmp_path, change, message):
    good = yaml.safe_load((CATALOG / "income.yml").read_text(encoding="utf-8"))
    path = tmp_path / "income.yml"
    path.write_text(yaml.safe_dump({**good, **change}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_definition(path, {"certificate"})
    assert str(refused.value).startswith("income.yml: ") and message in str(refused.value)


TARIFF = {"table": "desludging", "area": "place", "rate_by": "property_type", "times": "trips"}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"tariff": {**TARIFF, "area": "pin"}}, "tariff: area 'pin' is not a place field"),
        ({"tariff": {**TARIFF, "rate_by": "colour"}}, "tariff: rate_by 'colour' is not a choice field"),
        ({"tariff": {**TARIFF, "times": "size"}}, "tariff: times 'size' is not a number field"),
        ({"tariff": {**TARIFF, "waived_by": "slum"}}, "tariff: waived_by and waived_where go together"),
        ({"tariff": {**TARIFF, "waived_by": "property_type", "waived_where": "slum_free"}},
         "tariff: waived_by 'property_type' needs a 'yes' option"),
        ({"tariff": None}, "field payment: ask_when fee needs a fee the answers set"),
        ({"tariff": {**TARIFF, "times": "trips", "area": "place"}, "ask_payment_first": True},
         "field payment: ask_when fee must come after place, property_type, trips"),
        ({"fields_times": 3}, "a form asks at most 30 questions"),
    ],
)
def test_a_broken_fee_is_refused_naming_the_file_and_the_mistake(tmp_path, change, message):
    good = yaml.safe_load((CATALOG / "desludging.yml").read_text(encoding="utf-8"))
    fields = good["fields"]
    if change.pop("ask_payment_first", False):
        fields = [fields[-1], *fields[:-1]]
    copies = change.pop("fields_times", 1)
    fields = fields + [{**f, "name": f"{f['name']}_{i}"} for i in range(1, copies) for f in fields]
    path = tmp_path / "desludging.yml"
    path.write_text(yaml.safe_dump({**good, "fields": fields, **change}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_definition(path, {"desludging"})
    assert str(refused.value).startswith("desludging.yml: ") and message in str(refused.value)


def test_a_definition_must_be_named_after_its_code(tmp_path):
    path = tmp_path / "salary.yml"
    path.write_text((CATALOG / "income.yml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DefinitionError, match="must be the file's name"):
        load_definition(path, {"certificate"})


def test_a_new_service_without_its_menu_words_is_refused(tmp_path):
    good = yaml.safe_load((CATALOG / "trade_licence.yml").read_text(encoding="utf-8"))
    path = tmp_path / "fire_noc.yml"
    path.write_text(yaml.safe_dump({**good, "code": "fire_noc"}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError, match="fire_noc.yml: locales/en.yml has no text for service_menu.fire_noc, certificate_pdf.fire_noc, certificate.fire_noc"):
        load_definition(path, {"certificate"}, DOCUMENTED)
    # a service that ends in no document (a visit) needs no document's words
    tanker = yaml.safe_load((CATALOG / "water_tanker.yml").read_text(encoding="utf-8"))
    path = tmp_path / "sewer_jetting.yml"
    path.write_text(yaml.safe_dump({**tanker, "code": "sewer_jetting"}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError, match="no text for service_menu.sewer_jetting, certificate.sewer_jetting$"):
        load_definition(path, {"visit"}, DOCUMENTED)


def test_two_services_on_one_menu_number_are_refused(tmp_path):
    for code in ("income", "caste"):
        (tmp_path / f"{code}.yml").write_text((CATALOG / f"{code}.yml").read_text(encoding="utf-8").replace("number: 2", "number: 1"))
    with pytest.raises(DefinitionError, match="two services share a list number"):
        load_definitions(tmp_path, frozenset({"certificate"}))


def test_the_training_data_is_written_from_the_catalog():
    written = yaml.safe_load(catalog_nlu.build())
    examples = next(b for b in written["nlu"] if b.get("intent") == "apply_certificate")["examples"]
    assert "- I need a [trade licence](certificate_type) for my shop" in examples.splitlines()
    assert "- मुझे दुकान के लिए [व्यापार लाइसेंस](certificate_type) चाहिए" in examples.splitlines()
    patterns = [p[2:] for p in next(b for b in written["nlu"] if b.get("regex") == "certificate_type")["examples"].splitlines()]
    found = lambda text: any(re.search(p, text) for p in patterns)  # noqa: E731
    assert found("need TRADE LICENSE") and found("ଟ୍ରେଡ ଲାଇସେନ୍ସ ଦରକାର") and not found("licenced")
    # a word stands whole in every script: आय (income) is not in आया (came), nor ଆୟ in ଆୟୋଜନ
    assert found("आय प्रमाण पत्र चाहिए") and found("मुझे आय, जाति प्रमाण पत्र।") and found("ଆୟ ପ୍ରମାଣପତ୍ର")
    assert not found("कोई नहीं आया") and not found("ଆୟୋଜନ") and not found("जन्मदिन")
    # A complaint category's words alone are complaints ("kachra" as a first message), each once in the data.
    complaints = next(b for b in written["nlu"] if b.get("intent") == "file_grievance")["examples"].splitlines()
    assert {"- kachra", "- कचरा", "- ଅଳିଆ", "- streetlight"} <= set(complaints)
    assert "- compliant" not in complaints and len(complaints) == len(set(complaints))
    # The same catalog writes the same file in any process (else the model would be trained again each run).
    builds = {
        subprocess.run([sys.executable, "-c", "from scripts import catalog_nlu; print(catalog_nlu.build())"], cwd=REPO_ROOT,
                       env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True).stdout
        for seed in ("1", "2")
    }  # fmt: skip
    assert builds == {catalog_nlu.build() + "\n"}


def test_every_workflow_names_hooks_that_exist():
    from backend.services import hooks
    from backend.workflow import load_workflows

    workflows = load_workflows(REPO_ROOT / "backend" / "workflows")
    hooks.check(workflows)
    assert {w.service: w.hooks for w in workflows.values()} == {
        "certificate": "office_queue", "desludging": "operator_dispatch", "grievance": "citizen_verdict",
        "visit": "operator_dispatch", "handoff": "conversation"}
    with pytest.raises(hooks.UnknownHooks, match="workflow grievance: no hooks 'teleport'"):
        hooks.hooks_for(workflows["grievance"].model_copy(update={"hooks": "teleport"}))


def test_every_state_and_notice_of_every_workflow_has_words_in_every_language():
    from backend.services.catalog import check_workflow_words
    from backend.workflow import load_workflows

    workflows = load_workflows(REPO_ROOT / "backend" / "workflows")
    check_workflow_words(workflows)
    grievance = workflows["grievance"]
    silent = grievance.model_copy(update={"states": {**grievance.states, "ON_HOLD": grievance.states["CLOSED"]}})
    with pytest.raises(DefinitionError, match="workflow grievance: locales/en.yml has no text for case_state.grievance.ON_HOLD"):
        check_workflow_words({"grievance": silent})


def test_an_applications_details_are_typed_by_its_service():
    from pydantic import ValidationError

    from backend.services.catalog import Application, answers_model

    licence = load_definitions(CATALOG, WORKFLOWS, DOCUMENTED)["trade_licence"]
    answers = {"applicant_name": "Ramesh Sahu", "business_name": "Sahu Store", "trade": "shop",
               "place": {"ward": 22, "ulb": "CMC"}, "premises_area": 250}  # fmt: skip
    details = {"certificate_type": "trade_licence", "answers": answers, "labels": {}, "office": "ULB-CMC",
               "office_label": "Cuttack", "lane": "normal", "fee_paise": 50000, "sla_days": 15,
               "documents": {"aadhaar": "to_bring"}, "filed_by": "CITIZEN"}  # fmt: skip
    assert Application.checked(licence, details) == details
    with pytest.raises(ValidationError, match="trade"):
        answers_model(licence).model_validate({**answers, "trade": "casino"})  # not one of its options
    with pytest.raises(ValidationError, match="premises_area"):
        Application.checked(licence, {**details, "answers": {**answers, "premises_area": "big"}})
    with pytest.raises(ValidationError, match="lane"):
        Application.checked(licence, {**details, "lane": "express"})
    with pytest.raises(ValidationError, match="colour"):
        Application.model_validate({**details, "colour": "red"})  # a key no step writes


def test_a_service_reached_by_its_own_intent_has_its_form_in_the_catalog_but_no_place_in_the_applications(client):
    from backend.services.catalog import ServiceDef, ServiceForm, load_catalog

    catalog = load_catalog(CATALOG, WORKFLOWS, DOCUMENTED)
    desludging = catalog["desludging"]
    assert type(desludging) is ServiceForm and not isinstance(desludging, ServiceDef)
    applications = load_definitions(CATALOG, WORKFLOWS, DOCUMENTED)
    assert list(catalog) == [*applications, "desludging", "grievance"]  # the applications in menu order, then the others
    assert type(catalog["grievance"]) is ServiceForm and catalog["grievance"].field("ward").place_kinds == ["ward"]
    assert [f.type for f in desludging.fields] == [
        "name", "choice", "choice", "size", "number", "place", "text", "pin", "choice", "future_date", "choice"]
    assert "desludging" not in {s["code"] for s in client.get("/api/v1/certificates/services").json()}
    choose = lambda q: client.post("/api/v1/certificates/services/choose", json={"q": q, "phone": "+919812345678"},  # noqa: E731
                                   headers=in_turn(client, "+919812345678")).json()
    assert choose("septic tank")["service"] is None  # not an application of the menu...
    assert choose("desludging")["service"]["code"] == "desludging"  # ...but chosen by its code (its own intent)
    assert choose("grievance")["service"]["confirm"] is False  # a complaint too, filed at once
    answer = lambda field, q: client.post(  # noqa: E731
        f"/api/v1/certificates/services/desludging/answers/{field}", json={"q": q, "language": "hi"})
    assert answer("size", "bada").json() == {"value": 4000, "label": "4,000 लीटर", "key": None, "guessed": False, "fee_rupees": None}
    assert answer("property_type", "दुकान").json()["label"] == "दुकान या व्यापार"
    assert answer("colour", "red").json()["detail"] == {"code": "unknown_field"}
    # The fee the tariff sets, once every answer it depends on is given (their words, read again)
    priced = lambda field, q, **given: client.post(  # noqa: E731
        f"/api/v1/certificates/services/desludging/answers/{field}", json={"q": q, "answers": given}).json()
    assert priced("trips", "2", property_type="house")["fee_rupees"] is None  # no place yet, nor the slum answer
    assert priced("slum", "no", property_type="house", trips="2", place="ward 12")["fee_rupees"] == 2000
    assert priced("trips", "3", property_type="shop", place="ward 12", slum="2")["fee_rupees"] == 7500
    assert priced("slum", "haan", property_type="1", trips="2", place="Cuttack ward 22")["fee_rupees"] == 0  # waived
    assert priced("slum", "yes", property_type="1", trips="1", place="Sarakana")["fee_rupees"] == 1200  # no waiver in a village
    assert priced("slum", "yes", property_type="1", trips="1", place="Atlantis")["fee_rupees"] is None  # not a place: no fee
    assert client.post("/api/v1/certificates/services/passport/answers/name", json={"q": "x"}).json()["detail"] == {
        "code": "unknown_service"}


@pytest.mark.parametrize(
    "field, value, holds",
    [
        ({"type": "size", "min": 500, "max": 50000}, 2000, True), ({"type": "size", "min": 500, "max": 50000}, 400, False),
        ({"type": "number", "min": 1, "max": 9}, True, False),  # a yes is no count
        ({"type": "pin"}, "751007", True), ({"type": "pin"}, "051007", False), ({"type": "pin"}, "751 007", False),
        ({"type": "future_date", "max_days_ahead": 60}, "2026-11-23", True),  # today (tests.conftest.NOW)
        ({"type": "future_date", "max_days_ahead": 60}, "2027-01-23", False), ({"type": "future_date", "max_days_ahead": 60}, "2026-11-22", False),
        ({"type": "future_date", "max_days_ahead": 60}, "25/11", False),  # a stored day is ISO
        ({"type": "past_date"}, "2026-11-24", False), ({"type": "past_date"}, "1990-01-01", True),
        ({"type": "text", "none_words": ["none"]}, "", True), ({"type": "text"}, "", False), ({"type": "text", "max_length": 5}, "abcdef", False),
        ({"type": "choice", "options": [{"code": "a"}, {"code": "b"}]}, "b", True),
        ({"type": "choice", "options": [{"code": "a"}, {"code": "b"}]}, "c", False),
    ],
)
def test_a_kept_answer_is_checked_again_by_its_fields_rules(field, value, holds):
    """What filing checks again, whoever sends it (the form's engine gives only values that hold)."""
    from backend.services.catalog import FieldDef
    from tests.conftest import NOW

    assert FieldDef.model_validate({"name": "f", "prompt": "p", **field}).holds(value, NOW.date()) is holds


@pytest.mark.parametrize(
    "field, said, value",
    [
        ({"type": "size", "min": 500, "max": 50000, "options": [{"code": "s", "litres": 1000}, {"code": "l", "litres": 4000}]},
         "2", 4000),
        ({"type": "size", "min": 500, "max": 50000, "options": [{"code": "s", "litres": 1000}]}, "about 2.5 m3", 2500),
        ({"type": "size", "min": 500, "max": 50000, "options": [{"code": "s", "litres": 1000}]}, "७५,०००", None),  # over the max
        ({"type": "pin"}, "୭୫୧ ୦୦୭", "751007"), ({"type": "pin"}, "75100", None),
        ({"type": "future_date", "max_days_ahead": 7}, "parso", "2026-11-25"), ({"type": "future_date", "max_days_ahead": 7}, "1/12", None),
        ({"type": "text", "min_length": 3, "none_words": ["koi nahi"]}, "Koi  nahi", ""),
        ({"type": "text", "min_length": 3}, "ok", None),
    ],
)
def test_every_answer_is_read_by_its_fields_type(settings, field, said, value):
    from backend.services.answers import check_answer
    from backend.services.catalog import FieldDef
    from tests.conftest import NOW

    answer = check_answer(FieldDef.model_validate({"name": "f", "prompt": "p", **field}), said, language="hi",
                          today=NOW.date(), masterdata_dir=settings.masterdata_dir)
    assert (answer.value if answer else None) == value
