"""What a service costs for the answers given: a fixed fee (and the Tatkal lane's), one a chosen
option sets (fee_from), or a rate from a table (tariff). The one place a fee is worked out: the
form's summary, the filing and the payment all come here."""

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from backend.services.catalog import ServiceDef, ServiceForm, TariffDef


class NoRate(ValueError):
    """The table has no rate for these answers (a place or a kind the deployment did not price)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"no rate for {field}")
        self.field = field


@lru_cache
def _rates(masterdata_dir: Path, table: str) -> dict[str, dict[str, Any]]:
    return yaml.safe_load((masterdata_dir / f"{table}.yml").read_text(encoding="utf-8"))["tariff"]


def tariff_paise(masterdata_dir: Path, tariff: TariffDef, values: Mapping[str, Any]) -> int:
    place = values[tariff.area]
    row = _rates(masterdata_dir, tariff.table).get(str(place.get("tariff_area")) if isinstance(place, dict) else "")
    rate = row.get(values[tariff.rate_by]) if row else None
    if row is None or rate is None or isinstance(rate, bool | list):  # a waiver (slum_free) is no rate
        raise NoRate(tariff.rate_by if row else tariff.area)
    waiver = row.get(str(tariff.waived_where)) if tariff.waived_by else None  # true, or the kinds it covers (households)
    covered = waiver is True or (isinstance(waiver, list) and values[tariff.rate_by] in waiver)
    if covered and values.get(str(tariff.waived_by)) == "yes":
        return 0
    return int(rate) * (int(values[tariff.times]) if tariff.times else 1) * 100


def fee_paise(definition: ServiceForm, values: Mapping[str, Any], masterdata_dir: Path, *, tatkal: bool = False) -> int | None:
    """The fee for these answers (field -> its checked value); None while one it depends on is missing."""
    if any(values.get(name) is None for name in definition.fee_inputs()):
        return None
    if definition.tariff is not None:
        return tariff_paise(masterdata_dir, definition.tariff, values)
    return definition.fee_for(values, tatkal=tatkal) * 100 if isinstance(definition, ServiceDef) else 0


def set_by_answers(definition: ServiceForm, values: Mapping[str, Any], masterdata_dir: Path) -> int | None:
    """In rupees, the fee the answers so far set, for a service whose answers set it (None for a
    fixed fee, which its definition says, and until every answer it depends on is given)."""
    if not definition.fee_inputs():
        return None
    paise = fee_paise(definition, values, masterdata_dir)
    return None if paise is None else paise // 100
