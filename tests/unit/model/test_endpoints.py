"""An app's own endpoints as scenarios: declared in its manifest, refused with one line
naming what is wrong, checked by the same rules as the lab's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.errors import UsageError
from lab.measure.verify import verify
from lab.model.appfolder import ManifestError, parse_manifest, read_folder
from lab.model.catalog import builtin_catalog
from lab.model.config import build_config
from lab.model.plan import blueprint
from lab.model.scenarios import SCENARIOS, AnyBody, Contains, JsonKeys
from lab.model.serverpackages import packages_needed, required_names

MANIFEST = """
description = "httpbin on gunicorn's gevent worker"
framework = "httpbin"
scenarios = ["get", "anything"]
[server]
name = "gunicorn"
target = "app:app"
worker_class = "gevent"
[endpoints.get]
path = "/get?lab=1"
headers = { Accept = "application/json" }
expect = { content_type = "application/json", json_keys = ["args", "url"] }
[endpoints.anything]
method = "POST"
path = "/anything"
body_file = "order.json"
content_type = "application/json"
expect = { contains = "Ada Lovelace" }
"""


def folder(
    tmp_path: Path, manifest: str = MANIFEST, requirements: str = "httpbin\ngunicorn[gevent]\n"
) -> Path:
    path = tmp_path / "httpbin"
    path.mkdir(parents=True)
    (path / "app.toml").write_text(manifest)
    (path / "requirements.in").write_text(requirements)
    (path / "order.json").write_text('{"customer": "Ada Lovelace"}')
    return path


def test_own_endpoints_become_scenarios_of_the_app_and_its_catalog(tmp_path: Path) -> None:
    read = read_folder(folder(tmp_path), SCENARIOS, external=True)
    [app] = read.apps
    assert app.scenarios == ("get", "anything")
    get, anything = app.own_scenarios
    assert get.request.generator_args() == ("GET", "0", "-", "Accept: application/json")
    assert get.rule.body == JsonKeys(("args", "url"))
    assert anything.request.generator_args() == (
        "POST",
        '={"customer": "Ada Lovelace"}',
        "application/json",
    )
    assert anything.rule.body == Contains("Ada Lovelace")
    catalog = builtin_catalog().with_folders([read.path])
    assert catalog.scenario("anything") == anything
    assert list(catalog.scenarios)[: len(SCENARIOS)] == list(SCENARIOS)


def test_a_run_may_name_an_apps_own_scenario_once_its_folder_is_given(tmp_path: Path) -> None:
    path = folder(tmp_path)
    config = build_config("quick", {"apps": f"{path},flask", "scenarios": "hello,get"})
    assert config.scenarios == ("hello", "get")
    with pytest.raises(UsageError, match=r"--scenarios: unknown scenario 'get'"):
        build_config("quick", {"apps": "flask", "scenarios": "get"})


def test_own_answers_are_verified_by_their_rules(tmp_path: Path) -> None:
    [app] = read_folder(folder(tmp_path), SCENARIOS, external=True).apps
    get = app.own_scenarios[0]
    echoed = {"args": {"lab": "1"}, "url": "http://app:8000/get?lab=1", "headers": {}}
    right = {"status": 200, "headers": {"content-type": "application/json"}}
    report = {"responses": [{**right, "body": json.dumps(echoed)}], "error": None}
    assert verify(get, report) == []
    report["responses"][0]["body"] = json.dumps({"args": {}})
    assert verify(get, report) == ["response 1: JSON body lacks url"]


def test_without_a_body_rule_the_status_and_type_are_the_rule() -> None:
    text = MANIFEST.replace('expect = { contains = "Ada Lovelace" }', "expect = { status = 418 }")
    text = text.replace('body_file = "order.json"', 'body = "{}"')
    _, _, [app] = parse_manifest("httpbin", text, SCENARIOS)
    anything = app.own_scenarios[1]
    assert anything.rule.body == AnyBody()
    assert anything.rule.status == 418 and anything.rule.content_type is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("[endpoints.get]", "[endpoints.hello]"), "'hello' is the lab's own scenario"),
        (('path = "/get?lab=1"', 'path = "get"'), "path 'get' is not a URL path"),
        (('method = "POST"', 'method = "TRACE"'), "method 'TRACE' unknown"),
        (("json_keys", "json_key"), "unknown key 'json_key'"),
        (("expect = { contains", "expect = { exact = 'x', contains"), "exact and contains both"),
        (("Accept =", "Host ="), "header 'Host' is the lab's to set"),
        (('body_file = "order.json"', 'body_file = "none.json"'), "body_file 'none.json' is not"),
        (('scenarios = ["get", "anything"]', 'scenarios = ["gett"]'), "unknown scenario 'gett'"),
    ],
)
def test_a_bad_endpoint_is_refused_naming_it(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        read_folder(folder(tmp_path, MANIFEST.replace(*change)), SCENARIOS, external=True)


def test_a_body_too_large_for_an_argument_is_refused(tmp_path: Path) -> None:
    path = folder(tmp_path)
    (path / "order.json").write_text("x" * 70_000)
    with pytest.raises(UsageError, match=r"body of 70,000 bytes, more than 65,536"):
        read_folder(path, SCENARIOS, external=True)


@pytest.mark.parametrize(
    ("requirements", "message"),
    [
        ("httpbin\n", "httpbin's server needs gunicorn, which .*requirements.in does not list"),
        ("httpbin\nGunicorn>=23\n", None),  # the gevent worker may come by an extra
    ],
)
def test_a_server_the_folder_does_not_install_is_refused_before_any_build(
    tmp_path: Path, requirements: str, message: str | None
) -> None:
    path = folder(tmp_path, requirements=requirements)
    if message is None:
        read_folder(path, SCENARIOS, external=True)
        return
    with pytest.raises(ManifestError, match=message) as refused:
        read_folder(path, SCENARIOS, external=True)
    assert refused.value.hint.startswith("add gunicorn to ")


def test_against_a_lock_the_servers_worker_is_checked_too(tmp_path: Path) -> None:
    path = folder(tmp_path)
    (path / "requirements.lock").write_text(
        "httpbin==0.10.2 \\\n    --hash=sha256:ab\ngunicorn==23.0.0\n"
    )
    with pytest.raises(ManifestError, match="httpbin's server needs gevent") as refused:
        read_folder(path, SCENARIOS, external=True)
    assert refused.value.hint.endswith("requirements.in and lock it again (`make lock`)")


def test_two_folders_may_not_declare_one_name_differently(tmp_path: Path) -> None:
    first = folder(tmp_path)
    second = folder(tmp_path / "other", MANIFEST.replace("lab=1", "lab=2"))
    second = second.rename(second.with_name("httpbin2"))
    with pytest.raises(UsageError, match="the scenario name 'get' is another app folder's"):
        builtin_catalog().with_folders([first, second])


def test_requirement_names_come_from_in_and_lock_files_alike() -> None:
    lock = (
        "gunicorn==23.0.0 \\\n    --hash=sha256:ab\n"
        "# via flask\nZope.Interface==7.2 ; python_version>'3'\n"
    )
    assert required_names(lock) == {"gunicorn", "zope-interface"}
    assert required_names("uvicorn[standard]>=0.30\n-r base.in\n") == {"uvicorn"}


def test_a_servers_knobs_need_their_packages_but_built_in_ones_do_not() -> None:
    apps = builtin_catalog().apps
    assert packages_needed(apps["flask"]) == ("gunicorn", "gevent")
    assert packages_needed(apps["fastapi"]) == ("uvicorn", "uvloop", "httptools")
    assert packages_needed(apps["aio"]) == ("gunicorn",)  # aiohttp's worker: the framework's


def test_an_app_says_why_it_leaves_a_scenario_out_and_the_plan_repeats_it(
    tmp_path: Path,
) -> None:
    text = MANIFEST.replace(
        "[server]", 'not_served = { hello = "httpbin answers / with its HTML index"}\n[server]'
    )
    path = folder(tmp_path, text)
    config = build_config("quick", {"apps": f"{path},flask", "scenarios": "hello,get"})
    notes = blueprint(config, host_cpus=2).notes
    assert (
        "httpbin does not serve hello (its app.toml: httpbin answers / with its HTML index):"
        " those trials are left out"
    ) in notes
    assert "get is httpbin's own endpoint: the trials of flask on it are left out" in notes


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('{ get = "x" }', "'get' is served"),
        ('{ slow = "x" }', "'slow' is not a scenario"),
        ('{ hello = "" }', "hello needs a reason"),
    ],
)
def test_a_reason_must_be_for_a_scenario_left_out(tmp_path: Path, table: str, message: str) -> None:
    text = MANIFEST.replace("[server]", f"not_served = {table}\n[server]")
    with pytest.raises(ManifestError, match=message):
        read_folder(folder(tmp_path, text), SCENARIOS, external=True)
