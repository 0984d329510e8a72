"""Money as people in India write it: read "1.5 lakh", "₹1,20,000", "85000/-", "२ लाख"; written
with Indian digit grouping (1,20,000), paise only when there are any. The symbol (₹ or Rs, which
keeps an SMS in the cheaper GSM alphabet) is the words' own, in locales/."""

import re
from decimal import Decimal, InvalidOperation

from common.digits import native_digits_to_ascii

# Scale words in the five forms of writing: lakh = 1,00,000 and crore = 1,00,00,000; thousand for
# "85 thousand" / "85 hazar".
SCALES = {
    100_000: ("lakh", "lakhs", "lac", "lacs", "laakh", "lak", "लाख", "ଲକ୍ଷ", "lakshya", "laksha", "lakhya"),
    10_000_000: ("crore", "crores", "cr", "karod", "karor", "crore rupees", "करोड़", "करोड", "କୋଟି", "koti"),
    1_000: ("thousand", "k", "hazar", "hazaar", "hajar", "हज़ार", "हजार", "ହଜାର"),
}
_SCALE = {word: factor for factor, words in SCALES.items() for word in words}
# Words around an amount that say only that it is money: dropped before reading it.
_MONEY_WORDS = re.compile(
    r"\b(?:rs|inr|rupees?|rupaye|rupaiya|tanka|only|matra)\b\.?|₹|/-|रुपये|रुपए|रुपया|मात्र|ଟଙ୍କା|ମାତ୍ର", re.IGNORECASE
)
_AMOUNT = re.compile(r"^(\d[\d,]*(?:\.\d+)?)\s*(\D*)$")


def parse_rupees(text: str) -> Decimal | None:
    """The amount in rupees the words say, or None: "85000", "₹ 85,000/-", "1.5 lakh", "2 लाख"."""
    cleaned = _MONEY_WORDS.sub(" ", native_digits_to_ascii(text or "").replace("\u200d", ""))
    match = _AMOUNT.match(" ".join(cleaned.split()).strip(" ."))
    if not match:
        return None
    digits, scale_word = match.group(1).replace(",", ""), match.group(2).strip(" .").lower()
    factor = _SCALE.get(scale_word) if scale_word else 1
    if factor is None:
        return None
    try:
        amount = Decimal(digits) * factor
    except InvalidOperation:
        return None
    return amount if amount == amount.quantize(Decimal("0.01")) else None


def indian_grouping(whole: int) -> str:
    """1,20,000 and 1,00,00,000: the last three digits, then pairs."""
    digits = str(abs(whole))
    head, tail = digits[:-3], digits[-3:]
    pairs = [head[max(i - 2, 0) : i] for i in range(len(head), 0, -2)][::-1]
    return ("-" if whole < 0 else "") + ",".join([*pairs, tail])


def rupees(amount: float | Decimal | int) -> str:
    """The amount as Sathi writes it everywhere: "1,20,000", "2,000.50"."""
    paise = int((Decimal(str(amount)) * 100).to_integral_value())
    whole, fraction = divmod(abs(paise), 100)
    written = indian_grouping(whole)
    return ("-" if paise < 0 else "") + (f"{written}.{fraction:02d}" if fraction else written)
