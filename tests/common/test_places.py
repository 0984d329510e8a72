"""Codes of places: ward codes both ways, and the PIN rule (never a leading 0)."""
import pytest

from common.places import geo_uri, parse_geo_uri, parse_ward_code, pin_code, ward_code


def test_a_ward_code_read_back():
    assert ward_code("BMC", 7) == "BMC-W07"
    assert parse_ward_code("BMC-W07") == ("BMC", 7)
    assert parse_ward_code(" CTC-W112 ") == ("CTC", 112)


@pytest.mark.parametrize("text", [None, "", "BMC", "BMC-12", "bmc-W12", "BMC-W", "BMC-W1234", "B-W12"])
def test_not_a_ward_code(text):
    assert parse_ward_code(text) is None


@pytest.mark.parametrize("typed, pin", [("751024", "751024"), ("751 024", "751024"), ("७५१०२४", "751024"), ("୭୫୧-୦୨୪", "751024")])
def test_a_pin_as_typed(typed, pin):
    assert pin_code(typed) == pin


@pytest.mark.parametrize("typed", [None, "", "075102", "75102", "7510245", "75102a", "PIN 751024"])
def test_not_a_pin(typed):
    assert pin_code(typed) is None


def test_a_location_pin_as_a_geo_uri_and_back():
    assert geo_uri(20.2961, 85.845) == "geo:20.296100,85.845000"
    assert parse_geo_uri(geo_uri(20.2961, 85.845)) == (20.2961, 85.845)
    assert parse_geo_uri("geo:-33.8688,151.2093") == (-33.8688, 151.2093)
    assert parse_geo_uri("GEO:20.2961, 85.845") == (20.2961, 85.845)  # typed loosely
    assert parse_geo_uri("geo:20.2961,85.845;u=35") == (20.2961, 85.845)  # RFC 5870's uncertainty


@pytest.mark.parametrize("text", [None, "", "geo:", "geo:95.0,85.0", "geo:20.1,185.0", "20.29,85.84", "geo:20.29;85.84", "ward 12"])
def test_not_a_geo_uri(text):
    assert parse_geo_uri(text) is None
