"""The verdict is never lost (issue 16): a "rate this" / "is it solved?" stays answerable whatever
the citizen says in between, and is answered in words too, through the running bot on WhatsApp
and SMS: after a status question a bare number brings the question back, and its numbers answer it; "I want to rate" asks it again
with its numbered answers; "bahut accha kaam kiya, 5 star" rates it."""

from tests.e2e.conftest import act, case_in_database
from tests.e2e.test_channels import _reference


def _resolved_complaint(stack, phone, words: list[str]) -> str:
    for said in words[:-1]:
        phone.say(said)
    reference = _reference(phone.say(words[-1]))
    act(stack, reference, "RESOLVE")
    asked = phone.wait_for_replies(at_least=1)
    assert reference in asked[-1], asked
    return reference


def test_a_number_after_a_status_question_still_rates(stack, twilio):
    phone = twilio.text("whatsapp", "+919437200001")
    reference = _resolved_complaint(stack, phone, ["I want to file a complaint", "1", "garbage not picked up for a week", "ward 12"])
    assert reference in phone.say(f"status {reference}")[0]  # the notice's menu goes with this reply
    asked = phone.say("4")  # a number alone asks the question again: it never rates by itself
    assert reference in asked[0] and "0 if it is not solved" in asked[0], asked
    thanks = phone.say("4")
    assert reference in thanks[0] and "Thank you" in thanks[0], thanks
    assert case_in_database(stack, reference).state == "CLOSED"


def test_i_want_to_rate_asks_again_and_its_numbers_answer(stack, twilio):
    phone = twilio.text("whatsapp", "+919437200002")
    reference = _resolved_complaint(stack, phone, ["मुझे शिकायत दर्ज करनी है", "2", "तीन दिन से गली की बत्ती बंद है", "वार्ड 12"])
    assert phone.say("नमस्ते")  # something else in between
    asked = phone.say("मैं सेवा को रेटिंग देना चाहता हूँ")
    assert reference in asked[0] and "1 (बहुत खराब)" in asked[0], asked  # the notice's own question, in Hindi
    reopened = phone.say("0")  # its numbered answers again: 0 = not solved
    assert reference in reopened[0] and "फिर से खोल" in reopened[0], reopened
    assert case_in_database(stack, reference).state == "PENDING_AT_OFFICIAL"


def test_five_stars_in_words_by_sms(stack, twilio):
    phone = twilio.text("sms", "+919437200003")
    reference = _resolved_complaint(stack, phone, ["mujhe shikayat karni hai", "3", "naali band hai paani sadak par", "ward 12"])
    assert phone.say("meri shikayatein dikhao", at_least=2)
    thanks = phone.say("bahut accha kaam kiya, 5 star")
    assert reference in thanks[0], thanks
    case = case_in_database(stack, reference)
    assert case.state == "CLOSED"


def test_the_same_problem_told_again_offers_to_reopen_it(stack, twilio):
    """The issue's words after a resolution ("it is wrong, the dog is still lying there") open a new
    complaint, which first asks whether it is about the one just resolved; 1 reopens that one."""
    phone = twilio.text("whatsapp", "+919437200021")
    reference = _resolved_complaint(stack, phone, ["mujhe shikayat karni hai", "1", "gali mein mara hua kutta pada hai", "ward 12"])
    asked = phone.say("yeh galat hai, kutta abhi bhi pada hai")
    assert reference in asked[-1] and "1" in asked[-1], asked
    reopened = phone.say("1")
    assert reference in reopened[0] and "फिर से खोल" in reopened[0], reopened
    assert case_in_database(stack, reference).state == "PENDING_AT_OFFICIAL"
