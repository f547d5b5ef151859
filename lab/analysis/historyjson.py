"""The history as `lab history --json` prints it: every raw figure beside what was derived.

Each point keeps the run's own median, interval (with its level and method) and geometric
mean as summary.json states them, beside the log value and standard error the search used;
each step names the runs on both sides, its size, and the levels of the pieces it parts.
"""

from __future__ import annotations

from lab.analysis.history import CellHistory, History, Piece, Point, Series, Step
from lab.results.jsonfields import JsonObject
from lab.results.schema import HISTORY_KIND, HISTORY_SCHEMA_VERSION


def method_lines(history: History) -> dict[str, str]:
    """What each figure is and how the steps were found, in words."""
    return {
        "value": "each run's median req/s of the cell (summary.json's rps_median), in logs",
        "uncertainty": "each run's own interval of that median (rps_ci), as a standard error"
        " of log req/s: its log width over that of a normal interval at the level it"
        " achieves; a run without one counts as its series' median run",
        "series": "runs whose apparatus differs (host CPUs, placement, load, Redis and base"
        " images, measuring parameters) are separate series; steps are sought within each,"
        " and a new image of the app is a step when it moved the figure",
        "model": "log req/s = its piece's level + noise of variance τ² + the run's own"
        " standard error squared, τ (the spread between runs) fitted with the pieces",
        "search": f"the least -2 log likelihood plus {history.per_log_run:g} ln n a step"
        f" (n runs in the series), pieces of {history.min_runs} runs or more, found exactly"
        " by dynamic programming",
        "cost": "each run's cost of serving of the cell, the medians summary.json's cost"
        " states (CPU ms per ok response, ok responses per CPU second, memory in MiB); null"
        " for a run from before the lab measured it; shown, not searched for steps",
        "calibration": "at most 5% of simulated series without a step show one (runs 5-15%"
        " apart, a drift between runs with lag-1 0.5); python -m lab figures --steps",
    }


def history_json(history: History) -> JsonObject:
    return {
        "kind": HISTORY_KIND,
        "schema_version": HISTORY_SCHEMA_VERSION,
        "results": history.source,
        "method": {
            **method_lines(history),
            "per_log_run": history.per_log_run,
            "min_runs": history.min_runs,
        },
        "runs": [
            {"run_id": run.run_id, "created_at": run.created_at, "path": run.path}
            for run in history.runs
        ],
        "skipped": [{"path": path, "problem": problem} for path, problem in history.skipped],
        "steps": [_step(step) for step in history.steps],
        "cells": [_cell(cell) for cell in history.cells],
    }


def _step(step: Step) -> JsonObject:
    return {
        "app": step.cell.app,
        "scenario": step.cell.scenario,
        "connections": step.cell.connections,
        "series": step.series,
        "before": _run_of(step.before),
        "after": _run_of(step.after),
        "size_pct": step.size * 100,
        "old": _piece(step.old),
        "new": _piece(step.new),
        "also_changed": [difference.to_dict() for difference in step.also_changed],
    }


def _run_of(point: Point) -> JsonObject:
    return {
        "run_id": point.run.run_id,
        "created_at": point.run.created_at,
        "rps_median": point.rps_median,
    }


def _piece(piece: Piece) -> JsonObject:
    return {
        "first": piece.first,
        "last": piece.last,
        "runs": piece.runs,
        "level_log": piece.level,
        "rps": piece.rps,
    }


def _cell(cell: CellHistory) -> JsonObject:
    return {
        "app": cell.cell.app,
        "scenario": cell.cell.scenario,
        "connections": cell.cell.connections,
        "series": [_series(series) for series in cell.series],
    }


def _series(series: Series) -> JsonObject:
    return {
        "number": series.number,
        "breaks": [difference.to_dict() for difference in series.breaks],
        "between_run_sd_log": series.between_sd,
        "pieces": [_piece(piece) for piece in series.pieces],
        "points": [
            {
                "run_id": point.run.run_id,
                "created_at": point.run.created_at,
                "rps_median": point.rps_median,
                "rps_ci": None if point.rps_ci is None else point.rps_ci.to_dict(),
                "rps_geomean": point.rps_geomean,
                "trials": point.trials,
                "log_value": point.log_value,
                "log_se": point.log_se,
                "cost": None if point.cost is None else dict(point.cost),
                "piece": series.piece_of(n),
            }
            for n, point in enumerate(series.points)
        ],
    }
