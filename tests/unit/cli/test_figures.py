"""`lab figures`: the simulated error rates, printed for a seed."""

from __future__ import annotations

import pytest

from lab.cli.main import main

# `lab figures` runs every simulation: the fast tier (make unit) leaves it to make test.
pytestmark = pytest.mark.sim


def test_lab_figures_prints_both_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["figures", "--seed", "1", "--cells", "40", "--resamples", "20"]) == 0
    out = capsys.readouterr().out
    assert "seed 1, 40 cells per setting" in out
    assert "coverage of the true value" in out
    assert "AR0.5    20  25%" in out


def test_the_same_seed_prints_the_same_table(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["figures", "--seed", "7", "--cells", "40", "--resamples", "20"]
    main(args)
    first = capsys.readouterr().out
    main(args)
    assert capsys.readouterr().out == first


def test_lab_figures_steps_prints_the_history_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["figures", "--steps", "--seed", "3", "--series", "20"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("seed 3, 20 series per setting\n")
    assert "false steps" in out and "detected 20%" in out
    assert "0.5    15%     12" in out


def test_lab_figures_steps_tries_another_penalty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["figures", "--steps", "--penalty", "4.5", "--series", "10"]) == 0
    assert "penalty 4.5 ln n a step" in capsys.readouterr().out


def test_lab_figures_hosts_prints_the_hosts_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["figures", "--hosts", "--runs", "100"]) == 0
    printed = capsys.readouterr().out
    assert "hosts-disagree (F test at 5%), 100 merged runs a row" in printed
    assert "3 hosts x 4 rounds, quiet (5%)" in printed and "step 30% + AR(1) 0.5" in printed
