"""The db scenarios' rules: an answer is right only when it is the row the database holds,
and a fortunes page only when it is complete, sorted and escaped."""

from __future__ import annotations

import html
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.model.tables import (
    ADDED_FORTUNE,
    FORTUNES,
    WORLD_ROWS,
    FortunesPage,
    Tables,
    WorldRow,
    WorldRows,
    expected_fortunes,
    load_sql,
    parse_rows,
    parse_world,
    postgres_seed,
)

TABLES = Tables({i: (i * 7919) % WORLD_ROWS + 1 for i in range(1, WORLD_ROWS + 1)})


def row(ident: int, number: int | None = None) -> dict[str, int]:
    return {"id": ident, "randomNumber": TABLES.world[ident] if number is None else number}


def page(rows: list[tuple[int, str]], escape: bool = True) -> str:
    cells = "".join(
        f"<tr><td>{i}</td><td>{html.escape(m) if escape else m}</td></tr>" for i, m in rows
    )
    return f"<!DOCTYPE html><html><body><table><tr><th>id</th><th>message</th></tr>{cells}</table>"


def test_a_row_of_the_table_is_right_and_a_wrong_number_names_the_row() -> None:
    assert WorldRow().problems_in(json.dumps(row(42)), TABLES) == []
    wrong = TABLES.world[42] % WORLD_ROWS + 1
    assert WorldRow().problems_in(json.dumps(row(42, wrong)), TABLES) == [
        f"row: world row 42 holds {TABLES.world[42]}, the answer says {wrong}"
    ]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("nope", "is not JSON"),
        (json.dumps({"id": 1}), "expected"),
        (json.dumps({"id": 1, "randomNumber": "5"}), "must be integers"),
        (json.dumps({"id": True, "randomNumber": 5}), "must be integers"),
        (json.dumps({"id": 0, "randomNumber": 5}), "is not a row of the world table"),
        (json.dumps({"id": 1, "randomNumber": 5, "extra": 1}), "expected"),
    ],
)
def test_an_answer_not_shaped_like_a_row_is_refused(body: str, says: str) -> None:
    problems = WorldRow().problems_in(body, TABLES)
    assert len(problems) == 1 and says in problems[0]


def test_queries_need_the_count_and_every_row_right() -> None:
    rows = [row(i) for i in range(1, 21)]
    assert WorldRows(20).problems_in(json.dumps(rows), TABLES) == []
    assert WorldRows(20).problems_in(json.dumps(rows[:19]), TABLES) == [
        "expected a list of 20 rows, got 19"
    ]
    rows[5] = row(6, TABLES.world[6] + 1)
    assert WorldRows(20).problems_in(json.dumps(rows), TABLES) == [
        f"row [5]: world row 6 holds {TABLES.world[6]}, the answer says {TABLES.world[6] + 1}"
    ]


def test_a_fortunes_page_sorted_and_escaped_is_right_whatever_its_spacing() -> None:
    rows = expected_fortunes(FORTUNES)
    assert FortunesPage().problems_in(page(rows), TABLES) == []
    spaced = page(rows).replace("<td>", "\n    <td>").replace("</tr>", "</tr>\n")
    assert FortunesPage().problems_in(spaced, TABLES) == []
    # Django writes &#x27; and &quot;, Jinja2 &#39; and &#34;: both read as the message.
    other = page(rows).replace("&quot;", "&#34;")
    assert FortunesPage().problems_in(other, TABLES) == []
    assert rows[0] == (11, FORTUNES[10][1])  # "<script>..." sorts first
    assert (0, ADDED_FORTUNE) in rows


def test_a_page_that_does_not_escape_names_the_fortune() -> None:
    problems = FortunesPage().problems_in(page(expected_fortunes(FORTUNES), escape=False), TABLES)
    assert problems == [f"row 1 (fortune 11) is not escaped: {FORTUNES[10][1][:50]!r}"]


def test_a_page_missing_the_added_row_or_out_of_order_is_refused() -> None:
    rows = expected_fortunes(FORTUNES)
    without = [r for r in rows if r[0] != 0]
    assert FortunesPage().problems_in(page(without), TABLES) == [
        "12 fortune rows in the page, expected 13"
    ]
    unsorted = sorted(rows)  # by id
    problems = FortunesPage().problems_in(page(unsorted), TABLES)
    assert problems and "sorted by message" in problems[0]


def test_a_page_checked_against_what_the_database_holds_not_the_lab_s_list() -> None:
    held = Tables(TABLES.world, (*FORTUNES[:-1], (12, "changed in the database")))
    assert FortunesPage().problems_in(page(expected_fortunes(FORTUNES)), held) != []


def test_the_load_makes_both_tables_from_the_seed_and_quotes_the_fortunes() -> None:
    sql = load_sql(20261208)
    assert f"setseed({postgres_seed(20261208)})" in sql
    assert "generate_series(1, 10000)" in sql
    assert "'A computer scientist is someone who fixes things that aren''t broken.'" in sql
    assert load_sql(1) != load_sql(2)


@given(st.integers(min_value=0, max_value=2**63))
def test_any_seed_is_one_postgres_takes(seed: int) -> None:
    assert -1 <= postgres_seed(seed) <= 1


def test_the_world_read_back_must_be_every_id() -> None:
    output = "".join(f"{i}\t{TABLES.world[i]}\n" for i in range(1, WORLD_ROWS + 1))
    assert parse_world(output) == dict(TABLES.world)
    with pytest.raises(ValueError, match="holds 9999 rows"):
        parse_world(output.split("\n", 1)[1])
    assert parse_rows("1\tfortune: No such file\n12\tフレームワーク\n") == [
        (1, "fortune: No such file"),
        (12, "フレームワーク"),
    ]
