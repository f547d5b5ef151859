"""Each app of the catalog, started as the lab starts it, on an internal network with
Redis and PostgreSQL (its tables loaded), answers the article's two endpoints with the
same bytes, and every other scenario it serves exactly as that scenario's rule says (a
db answer against the rows the database holds), 200 requests at once (a mix's, each by
its part's rule, in the mix's shares); wrk's script sends a mix in its order."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from lab.engine.generators.wrk import REPORTER
from lab.engine.postgres import Database
from lab.measure.verify import answer_problems, hit_count, verify_hello, verify_hit
from lab.measure.wrkjson import parse_wrk_output
from lab.model.catalog import builtin_catalog
from lab.model.fairness import ACCESS_LOG
from lab.model.mix import Mix
from lab.model.scenarios import SCENARIOS
from tests.integration.conftest import TEST_LABELS, probe, redis_get, start_app

APPS = sorted(builtin_catalog().apps)


@pytest.fixture(scope="module", params=APPS)
def app(
    request: pytest.FixtureRequest,
    images: dict[str, str],
    network: Network,
    redis: DockerContainer,  # noqa: ARG001 - the app needs it running
    postgres: Database,  # noqa: ARG001 - and this, for the db scenarios
) -> Iterator[tuple[str, str]]:
    alias = f"app-{request.param}"
    container = start_app(images, network, request.param, alias)
    yield request.param, f"http://{alias}:8000"
    container.stop()


def test_hello_answers_exact_bytes_on_a_kept_alive_connection(
    docker_client: Any, images: dict[str, str], network: Network, app: tuple[str, str]
) -> None:
    report = probe(docker_client, images, network, "fetch", f"{app[1]}/", "--requests", "3")
    assert verify_hello(report) == []
    assert report["responses"][0]["headers"]["content-type"] == "text/plain; charset=utf-8"


def test_hit_counts_up_in_redis(
    docker_client: Any,
    images: dict[str, str],
    network: Network,
    redis: DockerContainer,
    app: tuple[str, str],
) -> None:
    key = "lab:hits"
    redis.exec(["redis-cli", "SET", key, "41"])
    report = probe(docker_client, images, network, "fetch", f"{app[1]}/hit", "--requests", "2")
    assert verify_hit(report) == []
    assert [hit_count(r["body"]) for r in report["responses"]] == [42, 43]
    assert redis_get(redis, key) == "43"


def test_200_concurrent_hits_all_succeed_and_count_exactly(
    docker_client: Any,
    images: dict[str, str],
    network: Network,
    redis: DockerContainer,
    app: tuple[str, str],
) -> None:
    key = "lab:hits"
    redis.exec(["redis-cli", "SET", key, "0"])
    report = probe(docker_client, images, network, "burst", f"{app[1]}/hit", "--requests", "200")
    assert report["statuses"] == {"200": 200}, report["errors"][:3]
    assert sorted(hit_count(body) for body in report["bodies"]) == list(range(1, 201))
    assert redis_get(redis, key) == "200"


# The article's two have tests of their own, above.
OTHER_SCENARIOS = [name for name in SCENARIOS if name not in ("hello", "hit")]


@pytest.mark.parametrize("scenario", OTHER_SCENARIOS)
def test_200_concurrent_requests_of_each_scenario_are_all_answered_by_its_rule(
    docker_client: Any,
    images: dict[str, str],
    network: Network,
    postgres: Database,
    app: tuple[str, str],
    scenario: str,
) -> None:
    name, base = app
    if scenario not in builtin_catalog().apps[name].scenarios:
        pytest.skip(f"{name} does not serve {scenario}")
    request = SCENARIOS[scenario].request
    url = base + request.path
    report = probe(
        docker_client, images, network, "burst", url, "--requests", "200",
        *request.generator_args(),
    )  # fmt: skip
    assert report["statuses"] == {"200": 200}, (report["statuses"], report["errors"][:3])
    # Each answer by the rule of what it answered: a mix's parts each by their own.
    rules = {part.request.path: part.rule for part in SCENARIOS[scenario].parts}
    problems = [
        p
        for r in report["responses"]
        for p in answer_problems(rules[r["path"]], r, postgres.tables)
    ]
    assert problems == [], problems[:3]
    if isinstance(request, Mix):
        shares = {
            part.scenario.request.path: part.weight * 200 // request.cycle for part in request.parts
        }
        assert Counter(r["path"] for r in report["responses"]) == shares


def test_wrks_script_sends_a_mix_in_its_smooth_order(
    docker_client: Any, images: dict[str, str], network: Network
) -> None:
    """One connection of one thread, as the app's access log saw it: the mix's cycle over
    and over (wrk takes one request from thread 1 before the run: it starts a step in)."""
    mix = SCENARIOS["mix"].request
    assert isinstance(mix, Mix)
    alias = "mixed-aio"
    container = start_app(images, network, "aio", alias, access_log=True)
    try:
        url = f"http://{alias}:8000/"
        assert probe(docker_client, images, network, "wait", url, "--timeout", "30")["ready"]
        command = ["wrk", "-t1", "-c1", "-d1s", "-s", REPORTER, url, "--", *mix.generator_args()]
        output = docker_client.containers.run(
            images["wrk"], command, network=network.name, labels=TEST_LABELS, remove=True
        ).decode()
        logged = container.exec(["cat", ACCESS_LOG]).output.decode()
    finally:
        container.stop()
    result = parse_wrk_output(output)
    paths = re.findall(r"GET (\S+) HTTP/", logged)[1:]  # the first is the readiness wait's
    assert result.requests >= 50 and len(paths) >= result.requests
    path = {part.scenario.name: part.scenario.request.path for part in mix.parts}
    cycle = [path[name] for name in mix.order()]
    start = cycle.index(paths[0])
    assert paths == [cycle[(start + n) % len(cycle)] for n in range(len(paths))], paths[:10]


@pytest.mark.parametrize("name", APPS)
def test_hit_answers_503_quickly_when_redis_is_down(
    docker_client: Any, images: dict[str, str], network: Network, name: str
) -> None:
    alias = f"orphan-{name}"
    # A Redis host that does not exist on the network: as after Redis died.
    container = start_app(images, network, name, alias, REDIS_URL="redis://gone:6379/0")
    try:
        started = time.monotonic()
        report = probe(docker_client, images, network, "fetch", f"http://{alias}:8000/hit")
        elapsed = time.monotonic() - started
        stdout, stderr = container.get_logs()
    finally:
        container.stop()
    # The cause goes to the log, where the lab's request-errors finding quotes it from.
    assert "/hit answered 503: " in (stdout + stderr).decode()
    response = report["responses"][0]
    assert response["status"] == 503
    assert response["headers"]["content-type"] == "application/json"
    assert "redis unavailable" in response["body"]
    assert "Traceback" not in response["body"]
    assert elapsed < 8, f"503 took {elapsed:.1f}s (probe container start included)"


@pytest.mark.parametrize("name", APPS)
def test_the_access_log_is_written_in_the_apps_container_not_to_the_engine(
    docker_client: Any, images: dict[str, str], network: Network, name: str
) -> None:
    """With --access-log the app pays for its log on its own CPUs: nothing of it crosses
    the engine's log pipeline, which runs on the other roles' CPUs."""
    alias = f"logged-{name}"
    container = start_app(images, network, name, alias, access_log=True)
    try:
        url = f"http://{alias}:8000/"
        ready = probe(docker_client, images, network, "wait", url, "--timeout", "30")
        assert ready["ready"], ready
        probe(docker_client, images, network, "fetch", url, "--requests", "3")
        logged = container.exec(["cat", ACCESS_LOG])
        stdout, stderr = container.get_logs()
    finally:
        container.stop()
    assert logged.exit_code == 0, logged.output
    requests = [line for line in logged.output.decode().splitlines() if "GET / " in line]
    assert len(requests) >= 4, logged.output  # the readiness wait's and the three fetched
    assert "GET / " not in (stdout + stderr).decode()
