"""`lab gate`'s command line: its refusals, one line each with exit 2, before any engine."""

from __future__ import annotations

import pytest

from tests.unit.cli.test_main import lab


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["aio", "flask", "--apps", "django"], "--apps: `lab gate` takes BASE and HEAD"),
        (["aio", "flask", "--aa", "aio"], "--aa: `lab gate` takes BASE and HEAD"),
        (["aio", "flask", "--target-ci", "5"], "--target-ci: `lab gate` takes the gate's looks"),
        (["aio", "flask", "--gate", "5"], "--gate: `lab gate` sets it from --threshold"),
        (["aio", "flask", "--threshold", "0"], "--threshold: '0' is not a percentage"),
        (["aio", "flask", "--threshold", "five"], "--threshold: 'five'"),
        (["aio", "tornado"], "tornado"),
        (["aio", "flask", "--max-repetitions", "2"], "--max-repetitions 2 is below"),
    ],
)
def test_a_bad_gate_is_one_line_naming_the_value_with_exit_2(args: list[str], named: str) -> None:
    done = lab("gate", *args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("lab: error:") and named in lines[0]


def test_run_with_gate_needs_exactly_two_apps() -> None:
    done = lab("plan", "--apps", "flask,aio,django", "--gate", "5")
    assert done.returncode == 2
    assert "--gate judges HEAD against BASE, and --apps gives 3 apps" in done.stderr


def test_the_plan_of_a_gated_run_shows_its_looks_and_bounds() -> None:
    done = lab("plan", "--apps", "flask,aio", "--gate", "5", "--max-time", "10m")
    assert done.returncode == 0, done.stderr
    assert "looks             at 8, 12, 16, 20, 24, 28 rounds" in done.stdout
    assert "no look ending after 10 min 0 s" in done.stdout
    assert "with --gate: up to" in done.stdout
