"""A db answer is checked against the rows the lab read from the database, not against
whatever the app says: change the table under a running app and its answers, right for
the database but not for what the lab loaded, fail verification naming the row. And
every app that serves `queries` reads `n` as the scenario says: clamped to 1..500, one
query for anything not an integer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from testcontainers.core.network import Network

from lab.engine.postgres import Database
from lab.measure.verify import verify
from lab.model.catalog import builtin_catalog
from lab.model.scenarios import SCENARIOS
from tests.integration.conftest import TEST_LABELS, probe, start_app

SEED = 1  # the conftest's postgres fixture loads this seed


@pytest.fixture
def aio(images: dict[str, str], network: Network, postgres: Database) -> Iterator[str]:
    container = start_app(images, network, "aio", "aio-db")
    yield "http://aio-db:8000"
    container.stop()
    postgres.load(SEED)  # the tables as the module's other tests expect them


def fetch(client: Any, images: dict[str, str], network: Network, url: str) -> dict[str, Any]:
    return probe(client, images, network, "fetch", url, "--requests", "2")


def test_a_db_answer_with_a_wrong_row_fails_verification(
    docker_client: Any, images: dict[str, str], network: Network, postgres: Database, aio: str
) -> None:
    read = postgres.tables
    assert read is not None
    report = fetch(docker_client, images, network, f"{aio}/db")
    assert verify(SCENARIOS["db"], report, read) == []

    # Every row's number moves by one: the app answers what the database now holds.
    postgres.psql("-c", "UPDATE world SET randomnumber = randomnumber % 10000 + 1")
    report = fetch(docker_client, images, network, f"{aio}/db")
    problems = verify(SCENARIOS["db"], report, read)

    rows = [json.loads(r["body"]) for r in report["responses"]]
    assert len(problems) == len(rows) == 2, problems
    for row, problem in zip(rows, problems, strict=True):
        ident, number = row["id"], row["randomNumber"]
        assert number == read.world[ident] % 10_000 + 1
        assert f"world row {ident} holds {read.world[ident]}, the answer says {number}" in problem


def test_a_fortunes_page_with_a_fortune_the_lab_did_not_load_fails_verification(
    docker_client: Any, images: dict[str, str], network: Network, postgres: Database, aio: str
) -> None:
    read = postgres.tables
    assert read is not None
    report = fetch(docker_client, images, network, f"{aio}/fortunes")
    assert verify(SCENARIOS["fortunes"], report, read) == []

    postgres.psql("-c", "UPDATE fortune SET message = 'A <b>changed</b> fortune' WHERE id = 7")
    report = fetch(docker_client, images, network, f"{aio}/fortunes")
    problems = verify(SCENARIOS["fortunes"], report, read)

    assert problems, "a page with a fortune the lab did not load passed"
    assert "expected" in problems[0] and "(sorted by message)" in problems[0], problems
    # Escaped in the page, and named unescaped in the problem.
    assert "A &lt;b&gt;changed&lt;/b&gt; fortune" in report["responses"][0]["body"]
    assert any("'A <b>changed</b> fortune'" in p for p in problems), problems


QUERIES_APPS = sorted(
    name for name, app in builtin_catalog().apps.items() if "queries" in app.scenarios
)
QUERY_COUNTS = {"abc": 1, "": 1, "0": 1, "-3": 1, "1": 1, "7": 7, "500": 500, "501": 500}

# Every /queries?n=... of QUERY_COUNTS from one container in the network (one probe
# container each would take a second apiece): the number of rows each answer holds.
COUNT_ROWS = """
import json, sys, urllib.request
counts = {}
for n in json.loads(sys.argv[2]):
    with urllib.request.urlopen(f"{sys.argv[1]}/queries?n={n}", timeout=10) as answer:
        counts[n] = len(json.loads(answer.read()))
print(json.dumps(counts))
"""


@pytest.mark.parametrize("name", QUERIES_APPS)
def test_queries_clamps_n_to_1_500_and_reads_one_row_for_a_bad_n(
    docker_client: Any,
    images: dict[str, str],
    network: Network,
    postgres: Database,  # noqa: ARG001 - the app reads it
    name: str,
) -> None:
    alias = f"queries-{name}"
    container = start_app(images, network, name, alias)
    try:
        output = docker_client.containers.run(
            images["wrk"],
            ["python3", "-c", COUNT_ROWS, f"http://{alias}:8000", json.dumps(list(QUERY_COUNTS))],
            network=network.name,
            labels=TEST_LABELS,
            remove=True,
        )
    finally:
        container.stop()
    assert json.loads(output.decode().strip().splitlines()[-1]) == QUERY_COUNTS
