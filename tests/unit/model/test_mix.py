"""A mix as data: its weights, its smooth order, its generator arguments, what it needs,
which apps serve it, and the parts of the lab's mix still to come."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from lab.errors import UsageError
from lab.model.appfolder import ManifestError, parse_manifest
from lab.model.config import build_config
from lab.model.mix import (
    LAB_MIX,
    Mix,
    Part,
    lab_mix,
    parse_generator_args,
    serve_mixes,
    smooth_order,
)
from lab.model.plan import blueprint
from lab.model.scenarios import GROUPS, SCENARIOS, Exact, Request, Rule, Scenario
from lab.paths import ROOT

MIX = SCENARIOS["mix"]


def scenario(name: str, path: str = "/x", needs: frozenset[str] = frozenset()) -> Scenario:
    return Scenario(name, name, Request(path=path), Rule(Exact("x")), needs)


def test_the_labs_mix_is_its_weights_and_needs_postgres() -> None:
    assert isinstance(MIX.request, Mix)
    assert [(p.scenario.name, p.weight) for p in MIX.request.parts] == list(LAB_MIX.items())
    assert [(p.scenario.name, p.weight) for p in MIX.request.parts] == [
        ("hello", 2), ("json", 2), ("io", 1), ("db", 2), ("queries", 1), ("fortunes", 2),
    ]  # fmt: skip
    assert MIX.parts == tuple(SCENARIOS[name] for name in LAB_MIX)
    assert MIX.description.endswith("hello 2, json 2, io 1, db 2, queries 1, fortunes 2")
    assert MIX.uses_postgres and not MIX.uses_redis


@pytest.mark.parametrize(
    ("weights", "cycle"),
    [
        ([2, 2, 1], [0, 1, 2, 0, 1]),
        ([5, 1, 1], [0, 0, 1, 0, 2, 0, 0]),  # nginx's own example: a a b a c a a
        ([1], [0]),
        ([3, 3], [0, 1, 0, 1, 0, 1]),
    ],
)
def test_the_smooth_order_spreads_each_part_by_its_weight(
    weights: list[int], cycle: list[int]
) -> None:
    assert list(smooth_order(weights)) == cycle


def test_every_cycle_holds_each_part_exactly_its_weight() -> None:
    weights = list(LAB_MIX.values())
    order = smooth_order(weights)
    assert len(order) == sum(weights)
    assert Counter(order) == dict(enumerate(weights))
    # Spread, not in runs: no part twice in a row where its weight is under half.
    assert all(a != b for a, b in zip(order, order[1:] + order[:1], strict=True))


def test_the_mix_orders_its_parts_by_name() -> None:
    assert isinstance(MIX.request, Mix)
    assert MIX.request.order() == (
        "hello", "json", "db", "fortunes", "io", "queries", "hello", "json", "db", "fortunes",
    )  # fmt: skip


def test_the_generator_arguments_say_each_part_and_read_back() -> None:
    assert isinstance(MIX.request, Mix)
    args = MIX.request.generator_args()
    assert args == (
        "mix", "2", "/", "2", "/json", "1", "/io?ms=20", "2", "/db", "1", "/queries?n=20",
        "2", "/fortunes",
    )  # fmt: skip
    assert parse_generator_args(args)[:3] == ((2, "/"), (2, "/json"), (1, "/io?ms=20"))
    assert MIX.request.path == "/" and MIX.request.what_more() == ""


@pytest.mark.parametrize(
    "args", [(), ("GET", "0", "-"), ("mix",), ("mix", "2"), ("mix", "0", "/"), ("mix", "1", "x")]
)
def test_arguments_that_are_not_a_mix_are_refused(args: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match=r"mix"):
        parse_generator_args(args)


def test_wrks_script_openload_and_the_probe_keep_the_same_order() -> None:
    """Three twins of smooth_order: each adds the weights, takes the first with the most
    credit (strictly more replaces it) and pays the sum back."""
    lua = (ROOT / "images/wrk/report.lua").read_text()
    c = (ROOT / "images/openload/openload.c").read_text()
    probe = (ROOT / "images/wrk/probe.py").read_text()
    assert "if credit[i] > credit[best] then" in lua and "credit[best] - total" in lua
    assert "if (credit[i] > credit[best])" in c and "credit[best] -= total;" in c
    assert "key=lambda i: (credit[i], -i)" in probe and "credit[best] -= total" in probe
    assert re.search(r'args\[1\] == "mix"', lua)


def test_a_mix_needs_what_any_of_its_parts_needs() -> None:
    mix = Mix(
        (
            Part(scenario("a", needs=frozenset({"postgres"})), 1),
            Part(scenario("b"), 2),
            Part(scenario("c", needs=frozenset({"memcached"})), 1),
        )
    )
    assert mix.needs == {"postgres", "memcached"}
    assert MIX.needs == frozenset({"postgres"})
    assert not MIX.uses_redis


@pytest.mark.parametrize(
    ("parts", "why"),
    [
        ((), r"1 to 16 parts"),
        ((Part(SCENARIOS["hello"], 0),), r"weight 0"),
        ((Part(SCENARIOS["hello"], 1), Part(SCENARIOS["hello"], 1)), r"each part once"),
        ((Part(SCENARIOS["upload1k"], 1),), r"upload1k is not a plain GET"),
        ((Part(MIX, 1),), r"mix is not a plain GET"),
        ((Part(SCENARIOS["hit"], 1),), r"hit counts in Redis"),
        ((Part(SCENARIOS["hello"], 1001),), r"at most 1000"),
    ],
)
def test_what_no_mix_can_be(parts: tuple[Part, ...], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Mix(parts)


def test_a_mix_is_made_of_the_labs_scenarios_by_name() -> None:
    made = lab_mix({"hello": 3, "db": 1}, SCENARIOS)
    assert [(p.scenario.name, p.weight) for p in made.parts] == [("hello", 3), ("db", 1)]


def test_all_holds_the_mix() -> None:
    assert "mix" in GROUPS["all"]


def test_an_app_serves_a_mix_when_it_serves_every_part() -> None:
    mixes = {"mix": lab_mix({"hello": 2, "json": 2, "io": 1}, SCENARIOS)}
    served, why, error = serve_mixes(mixes, ("hello", "json", "io"), ())
    assert (served, why, error) == (("hello", "json", "io", "mix"), (), None)
    served, why, error = serve_mixes(mixes, ("hello", "io"), (("json", "no models"),))
    assert served == ("hello", "io") and error is None
    assert why == (
        ("json", "no models"),
        ("mix", "json, a part of mix, is not among its scenarios: no models"),
    )
    # Left out by name, it stays out; listed without a part, it is an error.
    assert serve_mixes(mixes, ("hello", "json", "io"), (("mix", "no"),))[0] == (
        "hello",
        "json",
        "io",
    )
    assert serve_mixes(mixes, ("hello", "mix"), ())[2] == "mix needs json, which it omits"


MANIFEST = """
description = "mine"
framework = "flask"
scenarios = SCENARIOS
[server]
name = "gunicorn"
target = "app:app"
"""


def test_every_app_of_the_lab_serves_the_mix() -> None:
    config = build_config("quick", {"apps": "all", "scenarios": "mix"})
    plan = blueprint(config, host_cpus=2)
    assert {trial.app for trial in plan.trials} == set(config.apps)
    assert not [note for note in plan.notes if "mix" in note]


def test_a_manifest_without_a_part_leaves_the_mix_out_naming_the_part() -> None:
    text = MANIFEST.replace("SCENARIOS", '["hello", "io", "db", "queries", "fortunes"]')
    _, _, [app] = parse_manifest("mine", text, SCENARIOS)
    assert "mix" not in app.scenarios
    assert app.why_not("mix") == "json, a part of mix, is not among its scenarios"
    every_part = '["hello", "json", "io", "db", "queries", "fortunes"]'
    _, _, [app] = parse_manifest("mine", MANIFEST.replace("SCENARIOS", every_part), SCENARIOS)
    assert app.scenarios == ("hello", "json", "io", "db", "queries", "fortunes", "mix")


def test_a_manifest_that_lists_the_mix_without_a_part_is_refused() -> None:
    text = MANIFEST.replace("SCENARIOS", '["hello", "mix"]')
    with pytest.raises(ManifestError, match=r"mix needs json, which it omits") as refused:
        parse_manifest("mine", text, SCENARIOS)
    assert isinstance(refused.value, UsageError)


def test_open_loop_takes_the_mix() -> None:
    config = build_config("quick", {"apps": "aio", "scenarios": "mix", "mode": "open"})
    assert config.scenarios == ("mix",)
