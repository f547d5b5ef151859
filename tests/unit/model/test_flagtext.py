"""Flag text to lists and numbers, refused with errors that name the flag."""

from __future__ import annotations

import pytest

from lab.errors import UsageError
from lab.model.flagtext import (
    parse_float,
    parse_int,
    parse_int_list,
    parse_name_list,
    parse_optional_int,
    parse_percent,
)
from tests.unit.fixtures import usage_error


def test_parse_name_list_trims_whitespace() -> None:
    assert parse_name_list("--apps", " flask , aio ") == ("flask", "aio")
    assert parse_name_list("--apps", "flask") == ("flask",)


@pytest.mark.parametrize("text", ["flask,,aio", "flask,", ",flask", "flask, ,aio"])
def test_parse_name_list_rejects_empty_items(text: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_name_list("--apps", text)
    usage_error(excinfo, "--apps", repr(text), "empty item")


@pytest.mark.parametrize("text", ["", "   "])
def test_parse_name_list_rejects_empty_list(text: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_name_list("--scenarios", text)
    usage_error(excinfo, "--scenarios", "empty")


def test_parse_int_list() -> None:
    assert parse_int_list("--connections", "64, 200,1000") == (64, 200, 1000)


def test_parse_int_list_names_the_bad_item() -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_int_list("--connections", "64,lots")
    usage_error(excinfo, "--connections", "'lots'")


def test_parse_int_and_float() -> None:
    assert parse_int("--seed", " 7 ") == 7
    assert parse_float("--duration", "2.5") == 2.5
    assert parse_optional_int("--threads", "auto") is None
    assert parse_optional_int("--threads", "4") == 4


@pytest.mark.parametrize("text", ["1.5", "x", ""])
def test_parse_int_rejects(text: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_int("--repetitions", text)
    usage_error(excinfo, "--repetitions", repr(text))


@pytest.mark.parametrize("text", ["soon", "nan", "inf"])
def test_parse_float_rejects(text: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_float("--duration", text)
    usage_error(excinfo, "--duration", repr(text))


def test_a_percentage_that_is_not_a_number_asks_for_a_percentage() -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_percent("--target-ci", "ten")
    usage_error(excinfo, "--target-ci", "'ten'")
    assert excinfo.value.hint == "give --target-ci a percentage, e.g. 10"
