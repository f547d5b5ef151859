"""A merged run's hosts in its summary: each ratio per host, the agreement, the finding."""

from __future__ import annotations

import json
from dataclasses import replace

from lab.analysis.checks import check_hosts
from lab.analysis.hosts import host_groups
from lab.analysis.summary import build_summary
from lab.results.records import TrialRecord
from lab.results.summarydoc import Summary
from tests.unit.fixtures import trial

HOSTS = ("node-a", "node-b", "node-c")


def merged(off: float = 1.0, hosts: int = 3, rounds: int = 4) -> list[TrialRecord]:
    """flask then aio in each round; aio 5x flask (a wobble round by round), `off` times
    that on the last host; each host's own speed differs."""
    records = []
    wobble = (1.0, 1.03, 0.98, 1.01, 0.99, 1.02)
    for h in range(hosts):
        for r in range(rounds):
            number = h * rounds + r + 1
            speed = 1000 * (1 + 0.3 * h)
            ratio = 5 * wobble[r % len(wobble)] * (off if h == hosts - 1 else 1.0)
            for app, rps in (("flask", speed), ("aio", speed * ratio)):
                record = trial(2 * number - (app == "flask"), app=app, rps=int(rps))
                records.append(
                    replace(record, repetition=number, node=HOSTS[h], shard=f"{h + 1}/{hosts}")
                )
    return records


def test_each_ratio_is_stated_per_host_with_the_hosts_spread() -> None:
    summary = build_summary(merged(off=1.2), ("flask", "aio"), ("hello",))
    assert summary.hosts is not None
    assert [g.label for g in summary.hosts.groups] == [
        "shard 1/3 on node-a",
        "shard 2/3 on node-b",
        "shard 3/3 on node-c",
    ]
    (agreement,) = summary.hosts.ratios
    assert [round(h.ratio, 1) for h in agreement.hosts] == [5.0, 5.0, 6.0]
    assert all(h.pairs == 4 and h.ci is not None for h in agreement.hosts)
    assert agreement.df == (2, 9)
    assert agreement.p_value is not None and agreement.p_value < 0.001
    assert agreement.sd_between is not None and 0.05 < agreement.sd_between < 0.2


def test_hosts_disagree_fires_when_one_host_is_20_percent_off_and_says_how_far() -> None:
    (finding,) = check_hosts(build_summary(merged(off=1.2), ("flask", "aio"), ("hello",)))
    assert finding.code == "hosts-disagree" and finding.severity == "warning"
    assert "hello @200: aio / flask differs between hosts" in finding.message
    assert "6.0\N{MULTIPLICATION SIGN} on shard 3/3 on node-c" in finding.message
    assert "20% above the lowest" in finding.message
    assert "p = 0.000" in finding.message and "CI" in finding.message


def test_hosts_that_agree_raise_no_finding() -> None:
    assert check_hosts(build_summary(merged(), ("flask", "aio"), ("hello",))) == []


def test_a_run_on_one_host_has_no_hosts_section() -> None:
    plain = [replace(r, node=None, shard=None) for r in merged()]
    assert host_groups(plain) == ()
    assert build_summary(plain, ("flask", "aio"), ("hello",)).hosts is None


def test_the_hosts_section_reads_back_as_written() -> None:
    summary = build_summary(merged(off=1.2), ("flask", "aio"), ("hello",))
    data = json.loads(json.dumps(summary.to_dict()))
    assert data["schema_version"] == 5 and "hosts" in data
    assert Summary.from_dict(data).to_dict() == data
    # An older file keeps its version and has no hosts key.
    older = Summary.from_dict({**data, "schema_version": 4})
    assert "hosts" not in older.to_dict()


def test_a_record_keeps_its_host_and_shard_and_older_records_read_without() -> None:
    record = merged()[0]
    data = record.to_dict()
    assert data["node"] == "node-a" and data["shard"] == "1/3"
    assert TrialRecord.from_dict(data) == record
    plain = replace(record, node=None, shard=None).to_dict()
    assert "node" not in plain and "shard" not in plain
    assert TrialRecord.from_dict(plain).node is None


def test_the_report_says_each_ratio_per_host_and_whether_they_agree() -> None:
    from lab.report.hostrows import host_lines

    lines = host_lines(build_summary(merged(off=1.2), ("flask", "aio"), ("hello",)))
    assert lines[0].startswith("across 3 hosts (each shard on its host; rounds 1, 2, 3, 4 on")
    assert "hello @200: aio / flask: 5.0\N{MULTIPLICATION SIGN} (" in lines[1]
    assert lines[1].endswith(": they differ") and "F = " in lines[1]
    assert "blocks the hosts too" in lines[-1]
    agree = host_lines(build_summary(merged(), ("flask", "aio"), ("hello",)))
    assert agree[1].endswith(": no difference shown")
    assert host_lines(build_summary([], ("flask", "aio"), ("hello",))) == []
