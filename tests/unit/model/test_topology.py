"""Roles on their own engines: --engine and lab.toml, the topology the engines describe,
placement per host, the blueprint's network path and the servers' bind address."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.cli.main import build_parser
from lab.cli.options import engine_targets
from lab.cli.plantext import render_blueprint
from lab.errors import UsageError
from lab.model.appfolder import ServerSpec
from lab.model.catalog import builtin_catalog
from lab.model.config import build_config, config_from_dict
from lab.model.cpurequest import CpuRequest
from lab.model.fairness import Policy, server_command
from lab.model.placement import place, place_on
from lab.model.plan import blueprint
from lab.model.topology import (
    EngineFacts,
    EngineTarget,
    Placed,
    Topology,
    as_engines,
    merge_targets,
    parse_engine_flag,
    parse_lab_toml,
    url_host,
)
from tests.unit.fixtures import usage_error

APP_URL = "ssh://bench@10.0.0.5"
LOAD_URL = "ssh://bench@10.0.0.6"
REDIS_URL = "tcp://10.0.0.7:2376"


def topology(
    hosts: tuple[str, str, str] = ("h-app", "h-load", "h-redis"),
    cpus: tuple[int, int, int] = (2, 2, 2),
    ids: tuple[str, str, str] = ("e-app", "e-load", "e-redis"),
) -> Topology:
    """app, load and redis on engines `ids` of hosts `hosts` with `cpus` CPUs each."""
    urls = (APP_URL, LOAD_URL, REDIS_URL)
    addresses = ("10.0.0.5", "10.0.0.6", "10.0.0.7")
    return Topology(
        {
            role: Placed(url, address, EngineFacts(engine_id, host, n))
            for role, url, address, engine_id, host, n in zip(
                ("app", "load", "redis"), urls, addresses, ids, hosts, cpus, strict=True
            )
        }
    )


# --- --engine ---


def test_an_engine_flag_is_a_role_and_its_url() -> None:
    assert parse_engine_flag("app=ssh://bench@10.0.0.5") == EngineTarget("app", APP_URL)
    assert parse_engine_flag(" redis = unix:///run/docker.sock ") == EngineTarget(
        "redis", "unix:///run/docker.sock"
    )
    assert parse_engine_flag("load=tcp://10.0.0.6:2376").address is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("db=ssh://bench@10.0.0.5", "'db'"),
        ("app=http://10.0.0.5", "'http://10.0.0.5'"),
        ("app=tcp://", "'tcp://'"),
        ("app=10.0.0.5", "'10.0.0.5'"),
        ("app", "'app'"),
        ("app=", "'app='"),
    ],
)
def test_a_bad_engine_flag_names_the_flag_and_the_value(text: str, named: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_engine_flag(text)
    usage_error(excinfo, "--engine", named)


def test_an_unknown_role_is_named_with_the_roles_there_are() -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_engine_flag("db=ssh://bench@10.0.0.5")
    usage_error(excinfo, "unknown role 'db'")
    assert "app, load, redis" in excinfo.value.hint


def test_a_tcp_url_without_a_host_is_refused_but_a_unix_socket_needs_none() -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_engine_flag("load=tcp://:2376")
    usage_error(excinfo, "--engine", "load='tcp://:2376'", "not a Docker engine URL")
    assert (
        parse_engine_flag("load=unix:///var/run/docker.sock").url == "unix:///var/run/docker.sock"
    )


def test_url_host_is_the_host_a_remote_url_names() -> None:
    assert url_host("ssh://bench@10.0.0.5") == "10.0.0.5"
    assert url_host("tcp://bench.example:2376") == "bench.example"
    assert url_host("unix:///var/run/docker.sock") is None


# --- lab.toml ---


def test_a_lab_toml_gives_urls_and_tables_with_an_address() -> None:
    text = (
        "[engines]\n"
        'app = "ssh://bench@10.0.0.5"\n'
        "[engines.redis]\n"
        'url = "tcp://redis.example:2376"\n'
        'address = "10.0.0.7"\n'
    )
    assert parse_lab_toml(text, "lab.toml") == (
        EngineTarget("app", APP_URL),
        EngineTarget("redis", "tcp://redis.example:2376", "10.0.0.7"),
    )


def test_an_empty_lab_toml_places_no_role() -> None:
    assert parse_lab_toml("", "lab.toml") == ()
    assert parse_lab_toml("[engines]\n", "lab.toml") == ()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[engines]\ndb = "ssh://bench@10.0.0.5"\n', "unknown role 'db'"),
        ('[engines]\napp = "http://10.0.0.5"\n', "'http://10.0.0.5'"),
        ('[engines]\napp = "tcp://"\n', "'tcp://'"),
        (
            '[engines.app]\nurl = "ssh://bench@h"\naddress = "bench-host"\n',
            "address 'bench-host' of app is not an IPv4 address",
        ),
        ('[engines.app]\nurl = "ssh://bench@h"\nport = 22\n', "engines.app has unknown key 'port'"),
        ('[engines.app]\naddress = "10.0.0.5"\n', "engines.app is neither a URL nor a table"),
        ('[engines.app]\nurl = "ssh://bench@h"\naddress = 5\n', "engines.app.address"),
        ("[engines\napp = 1\n", "not TOML"),
        ('[engine]\napp = "ssh://bench@10.0.0.5"\n', "unknown table 'engine'"),
        ('[engines]\n[runs]\nout = "x"\n', "unknown table 'runs'"),
    ],
)
def test_a_bad_lab_toml_names_the_file_and_what_is_wrong(text: str, named: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_lab_toml(text, "conf/lab.toml")
    usage_error(excinfo, "conf/lab.toml", named)


def test_engines_that_are_not_a_table_are_a_one_line_usage_error() -> None:
    with pytest.raises(UsageError) as excinfo:
        parse_lab_toml('engines = "ssh://bench@10.0.0.5"\n', "lab.toml")
    usage_error(excinfo, "lab.toml", "engines is not a table")


# --- merging and the setting's forms ---


def test_the_flags_win_over_the_file_and_roles_come_in_role_order() -> None:
    from_file = (
        EngineTarget("redis", REDIS_URL, "10.0.0.7"),
        EngineTarget("app", "ssh://old@10.0.0.9"),
    )
    from_flags = (EngineTarget("load", LOAD_URL), EngineTarget("app", APP_URL))
    assert merge_targets(from_file, from_flags) == (
        EngineTarget("app", APP_URL),
        EngineTarget("load", LOAD_URL),
        EngineTarget("redis", REDIS_URL, "10.0.0.7"),
    )


def test_a_role_given_twice_by_the_flags_is_refused() -> None:
    twice = (EngineTarget("app", APP_URL), EngineTarget("app", LOAD_URL))
    with pytest.raises(UsageError) as excinfo:
        merge_targets((), twice)
    usage_error(excinfo, "--engine", "role app is given twice")


def test_as_engines_takes_targets_flag_texts_and_run_json() -> None:
    targets = (EngineTarget("app", APP_URL), EngineTarget("redis", REDIS_URL, "10.0.0.7"))
    assert as_engines(targets) is targets
    assert as_engines(["redis=tcp://10.0.0.7:2376", "app=ssh://bench@10.0.0.5"]) == (
        EngineTarget("app", APP_URL),
        EngineTarget("redis", REDIS_URL),
    )
    stored = {target.role: target.to_dict() for target in targets}
    assert as_engines(json.loads(json.dumps(stored))) == targets
    assert as_engines(()) == ()


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"app": {"address": "10.0.0.5"}}, "engines.app has no url"),
        ({"app": "ssh://bench@10.0.0.5"}, "engines.app has no url"),
        ({"db": {"url": APP_URL}}, "unknown role 'db'"),
        ({"app": {"url": APP_URL, "address": "host-a"}}, "'host-a'"),
    ],
)
def test_a_damaged_run_json_engines_names_run_json(value: object, named: str) -> None:
    with pytest.raises(UsageError) as excinfo:
        as_engines(value)
    usage_error(excinfo, "run.json", named)


def test_as_engines_refuses_what_is_no_list_of_flags() -> None:
    with pytest.raises(UsageError) as excinfo:
        as_engines(42)
    usage_error(excinfo, "--engine", "42")


# --- the topology ---


def test_one_engine_is_not_split_and_every_role_is_at_loopback() -> None:
    one = Topology.one_engine(4)
    assert not one.split
    assert one.hosts() == (("app", "load", "redis"),)
    assert one.engines() == {"local": ("app", "load", "redis")}
    assert {role: one.address(role) for role in ("app", "load", "redis")} == dict.fromkeys(
        ("app", "load", "redis"), "127.0.0.1"
    )
    assert one.cpus("redis") == 4


def test_three_engines_are_split_by_engine_and_grouped_by_host() -> None:
    apart = topology()
    assert apart.split
    assert apart.hosts() == (("app",), ("load",), ("redis",))
    assert apart.engines() == {APP_URL: ("app",), LOAD_URL: ("load",), REDIS_URL: ("redis",)}
    assert apart.address("redis") == "10.0.0.7"
    assert apart.to_dict()["load"] == {
        "url": LOAD_URL,
        "address": "10.0.0.6",
        "engine_id": "e-load",
        "host": "h-load",
        "cpus": 2,
    }
    shared = topology(hosts=("h1", "h2", "h2"))
    assert shared.hosts() == (("app",), ("load", "redis"))
    same_engine = topology(ids=("e", "e", "e"))
    assert not same_engine.split


# --- placement per host ---


def test_roles_on_three_hosts_each_get_their_hosts_highest_cpu() -> None:
    placement = place_on(CpuRequest(), topology())
    assert (placement.app.cpu_ids, placement.wrk.cpu_ids, placement.redis.cpu_ids) == (
        (1,),
        (1,),
        (1,),
    )
    assert placement.hosts == (("app",), ("load",), ("redis",))
    assert not any("redis shares" in note for note in placement.notes)
    assert placement.to_dict()["hosts"] == [["app"], ["wrk"], ["redis"]]


def test_load_and_redis_together_are_placed_like_one_host() -> None:
    placement = place_on(CpuRequest(), topology(hosts=("h1", "h2", "h2")))
    assert placement.app.cpuset == "1"
    assert placement.wrk.cpuset == "1"
    assert placement.redis.cpuset == "0"
    assert placement.hosts == (("app",), ("load", "redis"))
    assert placement.to_dict()["hosts"] == [["app"], ["wrk", "redis"]]
    assert not any("redis shares" in note for note in placement.notes)


def test_redis_beside_the_app_never_takes_the_apps_cpus() -> None:
    together = topology(hosts=("h1", "h2", "h1"))
    placement = place_on(CpuRequest(), together)
    assert (placement.app.cpuset, placement.wrk.cpuset, placement.redis.cpuset) == ("1", "1", "0")
    assert placement.hosts == (("app", "redis"), ("load",))
    with pytest.raises(UsageError) as excinfo:
        place_on(CpuRequest(redis=2), together)  # wrk is elsewhere: only CPU 0 is free
    usage_error(excinfo, "--cpus", "redis=2", "only 1 of the host's 2 are")


def test_three_engines_on_one_host_are_placed_as_on_one_engine() -> None:
    request = CpuRequest()
    placement = place_on(request, topology(hosts=("h", "h", "h")))
    alone = place(request, 2)
    assert placement.slots == alone.slots
    assert placement.notes == alone.notes
    assert any("redis shares" in note for note in placement.notes)
    assert placement.hosts == (("app", "load", "redis"),)
    assert placement.to_dict()["hosts"] == [["app", "wrk", "redis"]]


def test_one_engine_records_no_hosts() -> None:
    placement = place_on(CpuRequest(), Topology.one_engine(2))
    assert placement == place(CpuRequest(), 2)
    assert "hosts" not in placement.to_dict()


def test_an_app_larger_than_its_own_host_names_cpus() -> None:
    with pytest.raises(UsageError) as excinfo:
        place_on(CpuRequest(app=2), topology(cpus=(1, 4, 4)))
    usage_error(excinfo, "--cpus", "app=2", "has 1")


def test_redis_larger_than_its_own_host_names_cpus() -> None:
    with pytest.raises(UsageError) as excinfo:
        place_on(CpuRequest(redis=3), topology(cpus=(4, 4, 2)))
    usage_error(excinfo, "--cpus", "redis=3", "2")
    assert "redis=" in excinfo.value.hint


# --- the blueprint ---


def test_a_split_topology_runs_on_the_hosts_network_at_the_apps_address() -> None:
    plan = blueprint(build_config("quick", {}), host_cpus=2, topology=topology())
    assert plan.network_path == "host"
    assert plan.policy.host == "10.0.0.5"
    effective = plan.effective()
    assert effective["network_path"] == "host"
    assert effective["fairness"]["bind"] == "10.0.0.5:8000"  # type: ignore[index]
    assert effective["topology"] == topology().to_dict()
    assert effective["addresses"] == {"app": "10.0.0.5", "redis": "10.0.0.7"}
    command = effective["apps"]["flask"]["command"]  # type: ignore[index]
    assert command[command.index("--bind") + 1] == "10.0.0.5:8000"
    assert "network path      host" in render_blueprint(plan)


def test_one_engine_keeps_the_configs_network_path_and_binds_every_address() -> None:
    plan = blueprint(build_config("quick", {}), host_cpus=2, topology=Topology.one_engine(2))
    assert plan.network_path == "bridge"
    assert plan.policy.host == "0.0.0.0"
    effective = plan.effective()
    assert effective["network_path"] == "bridge"
    assert effective["fairness"]["bind"] == "0.0.0.0:8000"  # type: ignore[index]
    assert "topology" not in effective
    assert "addresses" not in effective
    assert "network path      bridge" in render_blueprint(plan)


def test_the_host_path_on_one_engine_binds_the_loopback_address() -> None:
    config = build_config("quick", {"network_path": "host"})
    plan = blueprint(config, host_cpus=2, topology=Topology.one_engine(2))
    assert plan.network_path == "host"
    assert plan.effective()["fairness"]["bind"] == "127.0.0.1:8000"  # type: ignore[index]
    assert plan.effective()["addresses"] == {"app": "127.0.0.1", "redis": "127.0.0.1"}


def test_an_ipv6_address_is_refused_or_bracketed_where_it_is_used() -> None:
    text = '[engines.app]\nurl = "ssh://bench@bench-a"\naddress = "fd00::5"\n'
    try:
        (target,) = parse_lab_toml(text, "lab.toml")
    except UsageError:
        return  # refused: fine
    assert target.address == "fd00::5"
    apart = topology()
    roles = dict(apart.roles)
    roles["app"] = Placed(target.url, target.address, roles["app"].facts)
    plan = blueprint(build_config("quick", {}), host_cpus=2, topology=Topology(roles))
    # gunicorn, nginx and every URL need an IPv6 address in brackets before its port.
    assert plan.effective()["fairness"]["bind"] == "[fd00::5]:8000"  # type: ignore[index]


def test_the_shared_path_with_a_split_topology_is_refused() -> None:
    config = build_config("quick", {"network_path": "shared"})
    with pytest.raises(UsageError) as excinfo:
        blueprint(config, host_cpus=2, topology=topology())
    usage_error(excinfo, "--network-path shared")
    # On one engine it stays allowed.
    assert blueprint(config, 2, Topology.one_engine(2)).network_path == "shared"


def test_the_plan_lists_the_engines_roles_run_on() -> None:
    config = build_config("quick", {"engines": ("app=ssh://bench@10.0.0.5",)})
    text = render_blueprint(blueprint(config, host_cpus=2))
    assert "engines (the others: the local engine)" in text
    assert "  app               ssh://bench@10.0.0.5" in text
    assert "engines" not in render_blueprint(blueprint(build_config("quick", {}), host_cpus=2))


def test_a_split_plan_marks_sharing_only_within_one_host() -> None:
    plan = blueprint(build_config("quick", {}), host_cpus=2, topology=topology())
    # All three hold CPU 1, each on its own host: nobody shares.
    assert "shares with" not in render_blueprint(plan)


def test_the_engines_setting_reads_back_from_run_json() -> None:
    engines = ("app=ssh://bench@10.0.0.5", "redis=tcp://10.0.0.7:2376")
    config = build_config("quick", {"engines": engines})
    assert config.to_dict()["engines"] == {
        "app": {"url": APP_URL, "address": None},
        "redis": {"url": REDIS_URL, "address": None},
    }
    assert config_from_dict(json.loads(json.dumps(config.to_dict()))) == config
    plain = build_config("quick", {})
    assert config_from_dict(json.loads(json.dumps(plain.to_dict()))) == plain


def test_a_bad_engine_in_the_config_names_the_flag() -> None:
    with pytest.raises(UsageError) as excinfo:
        build_config("quick", {"engines": ("app=ftp://10.0.0.5",)})
    usage_error(excinfo, "--engine", "ftp://10.0.0.5")


# --- the servers' bind address ---


@pytest.mark.parametrize(
    ("server", "flag", "value"),
    [
        (ServerSpec("gunicorn", "app:app", worker_class="sync"), "--bind", "10.0.0.5:8000"),
        (ServerSpec("uvicorn", "app:app", loop="uvloop"), "--host", "10.0.0.5"),
        (ServerSpec("granian", "app:app", interface="asgi"), "--host", "10.0.0.5"),
    ],
)
def test_each_server_binds_at_the_policys_host(server: ServerSpec, flag: str, value: str) -> None:
    argv = server_command(server, Policy(workers=1, access_log=False, host="10.0.0.5"))
    assert argv is not None
    assert argv[argv.index(flag) + 1] == value
    anywhere = server_command(server, Policy(workers=1, access_log=False))
    assert anywhere is not None
    assert "0.0.0.0" in anywhere[anywhere.index(flag) + 1]


def test_every_builtin_app_binds_at_the_policys_host() -> None:
    policy = Policy(workers=1, access_log=False, host="10.0.0.5")
    for app in builtin_catalog().apps.values():
        argv = " ".join(server_command(app.server, policy) or ())
        assert "10.0.0.5" in argv and "0.0.0.0" not in argv, app.name


# --- the command line ---


def targets_of(*argv: str) -> tuple[EngineTarget, ...]:
    return engine_targets(build_parser().parse_args(["run", *argv]))


def test_the_config_file_and_the_flags_are_merged_the_flags_winning(tmp_path: Path) -> None:
    lab_toml = tmp_path / "lab.toml"
    lab_toml.write_text(
        '[engines]\napp = "ssh://old@10.0.0.9"\n'
        '[engines.redis]\nurl = "tcp://10.0.0.7:2376"\naddress = "10.0.0.7"\n'
    )
    assert targets_of("--engine", "app=ssh://bench@10.0.0.5", "--config", str(lab_toml)) == (
        EngineTarget("app", APP_URL),
        EngineTarget("redis", REDIS_URL, "10.0.0.7"),
    )


def test_no_engine_flag_and_no_file_place_no_role() -> None:
    assert targets_of() == ()


def test_a_missing_config_file_names_config(tmp_path: Path) -> None:
    missing = tmp_path / "lab.toml"
    with pytest.raises(UsageError) as excinfo:
        targets_of("--engine", "app=ssh://bench@10.0.0.5", "--config", str(missing))
    usage_error(excinfo, "--config", str(missing))


def test_a_bad_config_file_names_its_path(tmp_path: Path) -> None:
    lab_toml = tmp_path / "lab.toml"
    lab_toml.write_text('[engines]\ndb = "ssh://bench@10.0.0.5"\n')
    with pytest.raises(UsageError) as excinfo:
        targets_of("--config", str(lab_toml))
    usage_error(excinfo, str(lab_toml), "unknown role 'db'")
