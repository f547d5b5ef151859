"""The database scenarios' tables, and what a right answer from them is.

PostgreSQL (Dockerfile.postgres) starts empty in every run; the lab loads `load_sql` (a
`world` of 10,000 rows whose random numbers come from the run's seed, and the 12
`fortune` rows below), reads the world back (`parse_world`), and checks every db answer
against the rows the database holds, not against a copy of its own.

    db        GET /db              {"id": i, "randomNumber": n}, n the row's
    queries   GET /queries?n=20    a list of 20 such objects
    fortunes  GET /fortunes        the fortunes and one added at request time, sorted by
                                   message, as an HTML table with the text escaped

The fortunes hold markup, quotes, an ampersand-free Unicode line and a `<script>`: an app
that forgets to escape its template shows it here, and `FortunesPage` says which row.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

WORLD_ROWS = 10_000
QUERIES = 20
ADDED_FORTUNE = "Additional fortune added at request time."
FORTUNES: tuple[tuple[int, str], ...] = (
    (1, "fortune: No such file or directory"),
    (2, "A computer scientist is someone who fixes things that aren't broken."),
    (3, "After enough decimal places, nobody gives a damn."),
    (4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
    (5, "A computer program does what you tell it to do, not what you want it to do."),
    (6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"),
    (7, "Any program that runs right is obsolete."),
    (8, "A list is only as strong as its weakest link. — Donald Knuth"),
    (9, "Feature: A bug with seniority."),
    (10, "Computers make very fast, very accurate mistakes."),
    (11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    (12, "フレームワークのベンチマーク"),
)


@dataclass(frozen=True, slots=True)
class Tables:
    """What the run's database holds: each world id's random number, and the fortunes."""

    world: Mapping[int, int]
    fortunes: tuple[tuple[int, str], ...] = FORTUNES


def postgres_seed(seed: int) -> float:
    """The run's seed as PostgreSQL's `setseed` takes it: a number in [-1, 1]."""
    return (seed % 2_000_001) / 1_000_000 - 1


def load_sql(seed: int) -> str:
    """The statements that make the tables afresh; the world's numbers are drawn by
    PostgreSQL from `seed`, 1..10,000 like the ids."""
    values = ",\n".join(f"({i}, {_sql_text(message)})" for i, message in FORTUNES)
    return (
        "DROP TABLE IF EXISTS world, fortune;\n"
        "CREATE TABLE world (id integer PRIMARY KEY, randomnumber integer NOT NULL);\n"
        "CREATE TABLE fortune (id integer PRIMARY KEY, message varchar(2048) NOT NULL);\n"
        f"SELECT setseed({postgres_seed(seed)});\n"
        "INSERT INTO world (id, randomnumber)\n"
        f"  SELECT i, 1 + floor(random() * {WORLD_ROWS})::integer"
        f" FROM generate_series(1, {WORLD_ROWS}) AS i;\n"
        f"INSERT INTO fortune (id, message) VALUES\n{values};\n"
        "ANALYZE world, fortune;\n"
    )


READ_WORLD_SQL = "SELECT id, randomnumber FROM world ORDER BY id"
READ_FORTUNES_SQL = "SELECT id, message FROM fortune ORDER BY id"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parse_rows(output: str) -> list[tuple[int, str]]:
    """psql's unaligned, tuples-only output (`-At -F TAB`): (id, rest) per line."""
    rows = []
    for line in output.splitlines():
        if line:
            ident, _, rest = line.partition("\t")
            rows.append((int(ident), rest))
    return rows


def parse_world(output: str) -> dict[int, int]:
    """The world table from psql's output; ValueError when it is not what was loaded."""
    world = {ident: int(number) for ident, number in parse_rows(output)}
    if sorted(world) != list(range(1, WORLD_ROWS + 1)):
        raise ValueError(f"the world table holds {len(world)} rows, not ids 1..{WORLD_ROWS}")
    return world


def _world_problems(seen: Any, tables: Tables, where: str) -> list[str]:
    if not isinstance(seen, dict) or set(seen) != {"id", "randomNumber"}:
        return [f'{where} {json.dumps(seen)[:60]}, expected {{"id": i, "randomNumber": n}}']
    ident, number = seen["id"], seen["randomNumber"]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (ident, number)):
        return [f"{where} {json.dumps(seen)[:60]}: id and randomNumber must be integers"]
    if ident not in tables.world:
        return [f"{where}: id {ident} is not a row of the world table (1..{len(tables.world)})"]
    if tables.world[ident] != number:
        return [f"{where}: world row {ident} holds {tables.world[ident]}, the answer says {number}"]
    return []


@dataclass(frozen=True, slots=True)
class WorldRow:
    """One world row as JSON, equal to the table's row of that id."""

    def problems_in(self, body: str, tables: Tables) -> list[str]:
        try:
            seen = json.loads(body)
        except ValueError:
            return [f"body {body[:40]!r} is not JSON"]
        return _world_problems(seen, tables, "row")


@dataclass(frozen=True, slots=True)
class WorldRows:
    """A JSON list of `count` world rows, each equal to the table's row of its id."""

    count: int

    def problems_in(self, body: str, tables: Tables) -> list[str]:
        try:
            seen = json.loads(body)
        except ValueError:
            return [f"body {body[:40]!r} is not JSON"]
        if not isinstance(seen, list) or len(seen) != self.count:
            size = len(seen) if isinstance(seen, list) else type(seen).__name__
            return [f"expected a list of {self.count} rows, got {size}"]
        problems = []
        for n, row in enumerate(seen):
            problems += _world_problems(row, tables, f"row [{n}]")
        return problems[:3]


# A row of the fortunes table: two cells, the id and the message, spacing as the
# template has it.
_ROW = re.compile(r"<tr>\s*<td>\s*(\d+)\s*</td>\s*<td>(.*?)</td>\s*</tr>", re.S)
# What must never appear raw in a cell: the markup and quotes of the fortunes.
_UNESCAPED = ("<", ">", '"')


def expected_fortunes(fortunes: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """The page's rows: the table's and the one added at request time (id 0), sorted
    by message (code point order, as Python and every app's language sorts)."""
    return sorted([*fortunes, (0, ADDED_FORTUNE)], key=lambda row: row[1])


@dataclass(frozen=True, slots=True)
class FortunesPage:
    """An HTML table of the fortunes plus the added one, sorted by message, every cell's
    text escaped."""

    def problems_in(self, body: str, tables: Tables) -> list[str]:
        cells = _ROW.findall(body)
        expected = expected_fortunes(tables.fortunes)
        if len(cells) != len(expected):
            return [f"{len(cells)} fortune rows in the page, expected {len(expected)}"]
        problems = []
        for n, ((ident, raw), (want_id, want)) in enumerate(zip(cells, expected, strict=True)):
            if any(mark in raw for mark in _UNESCAPED):
                problems.append(f"row {n + 1} (fortune {want_id}) is not escaped: {raw[:50]!r}")
            elif int(ident) != want_id or html.unescape(raw) != want:
                problems.append(
                    f"row {n + 1} is fortune {ident} {html.unescape(raw)[:30]!r},"
                    f" expected {want_id} {want[:30]!r} (sorted by message)"
                )
        return problems[:3]


TableRule = WorldRow | WorldRows | FortunesPage
