from __future__ import annotations

from lab.analysis.checks import check_fairness
from lab.model.catalog import builtin_catalog
from lab.model.config import build_config
from lab.model.plan import blueprint


def test_an_app_whose_server_misses_part_of_the_policy_gets_a_finding() -> None:
    plan = blueprint(build_config("quick", {"apps": ("flask", "fastapi-granian")}), 2)
    findings = check_fairness(plan.effective())
    assert [(f.severity, f.code) for f in findings] == [("info", "fairness-not-honoured")]
    assert "fastapi-granian" in findings[0].message
    assert "keep-alive" in findings[0].message


def test_apps_whose_servers_take_the_whole_policy_get_none() -> None:
    plan = blueprint(build_config("quick", {"apps": ("flask", "aio", "fastapi")}), 2)
    assert check_fairness(plan.effective()) == []
    assert check_fairness(None) == []


def test_run_json_records_each_apps_command_and_the_policy() -> None:
    plan = blueprint(build_config("quick", {"apps": ("all",)}), 2)
    effective = plan.effective()
    assert effective["fairness"] == {
        "workers": 1, "access_log": False, "keepalive_s": 75, "backlog": 2048,
        "bind": "0.0.0.0:8000", "pool": 64,
    }  # fmt: skip
    apps = effective["apps"]
    assert isinstance(apps, dict)
    assert set(apps) == set(builtin_catalog().apps)
    assert apps["django"]["command"][:2] == ["uvicorn", "app:app"]
    assert apps["aio-uvloop"]["image"] == "aio"
