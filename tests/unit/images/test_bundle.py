"""Bundles: the manifest, the file format and every refusal, with a fake engine or none."""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from lab.cli.bundle import cmd_bundle_load, cmd_bundle_save, register
from lab.errors import EXIT_USAGE, LabError, UsageError
from lab.images.bundle import images_of_run, load_bundle, save_bundle
from lab.images.manifest import (
    Archive,
    BundleImage,
    Manifest,
    check_bundle,
    images_from_provenance,
    parse_manifest,
    split_tag,
    write_bundle_tar,
)
from lab.results.store import write_json_atomic

BASE_ID = "sha256:" + "b" * 64
FLASK_ID = "sha256:" + "f" * 64
ARCHIVE = b"a docker save stream, in a test " * 1000
IMAGES = (
    BundleImage("base", ("lab/base:bookworm",), BASE_ID, {"lab.image": "base"}),
    BundleImage("flask", ("lab/flask:0123456789abcdef", "lab/flask:latest"), FLASK_ID, {}),
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(payload: bytes = ARCHIVE, **changes: Any) -> dict[str, Any]:
    data = Manifest(
        "2024-01-01T00:00:00+00:00",
        "0.1.0",
        {"build": True},
        IMAGES,
        Archive("images.tar", sha256(payload), len(payload)),
    ).to_dict()
    data.update(changes)
    return data


def tar_of(path: Path, *members: tuple[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def bundle_of(path: Path, data: Any, archive: bytes = ARCHIVE) -> Path:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return tar_of(path, ("manifest.json", body), ("images.tar", archive))


class NoEngine:
    """A client that fails the test when touched: a damaged bundle must never reach it."""

    def __getattr__(self, name: str) -> Any:
        pytest.fail(f"the engine was used (.{name}) before the bundle was refused")


class FakeResponse:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code, self.body, self.text = status, body, body.decode(errors="replace")

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def iter_content(self, chunk_size: int) -> Iterator[bytes]:
        assert chunk_size >= 1 << 16, "stream the archive in large chunks"
        for start in range(0, len(self.body), 1000):  # many chunks, like the engine
            yield self.body[start : start + 1000]

    def json(self) -> Any:
        return json.loads(self.body)


class FakeImage:
    def __init__(self, engine: FakeEngine, image_id: str) -> None:
        self.engine, self.id = engine, image_id
        self.labels: dict[str, str] = {}

    def tag(self, repository: str, tag: str) -> bool:
        self.engine.tags[f"{repository}:{tag}"] = self.id
        return True


class FakeApi:
    base_url, api_version, timeout = "http+docker://localhost", "1.41", 60

    def __init__(self, engine: FakeEngine, status: int, body: bytes) -> None:
        self.engine, self.status, self.body = engine, status, body
        self.exported: list[tuple[str, dict[str, Any], bool]] = []
        self.loaded = b""

    def get(self, url: str, params: dict[str, Any], stream: bool, timeout: int) -> FakeResponse:
        assert timeout == self.timeout
        self.exported.append((url, params, stream))
        return FakeResponse(self.status, self.body)

    def load_image(self, data: Any) -> Iterator[dict[str, str]]:
        assert not isinstance(data, bytes), "the archive must be streamed, not read into memory"
        while chunk := data.read(4096):
            self.loaded += chunk
        self.engine.held |= self.engine.load_adds
        yield {"stream": "Loaded image ID: sha256:...\n"}


class FakeImages:
    def __init__(self, engine: FakeEngine) -> None:
        self.engine = engine

    def get(self, ref: str) -> FakeImage:
        image_id = self.engine.tags.get(ref, ref)
        if image_id not in self.engine.held:
            raise docker.errors.ImageNotFound(ref)
        return FakeImage(self.engine, image_id)


class FakeEngine:
    """The part of docker-py that bundles use: /images/get, load_image, images.get, tag."""

    def __init__(self, held: set[str], status: int = 200, body: bytes = ARCHIVE) -> None:
        self.held, self.load_adds = set(held), set[str]()
        self.tags: dict[str, str] = {}
        self.api, self.images = FakeApi(self, status, body), FakeImages(self)


# The manifest


def test_manifest_survives_a_json_round_trip(tmp_path: Path) -> None:
    data = manifest()
    parsed = parse_manifest(json.loads(json.dumps(data)), tmp_path / "b.tar")
    assert parsed.to_dict() == data
    assert parsed.images == IMAGES
    assert data["schema_version"] == 1 and data["kind"] == "lab.bundle"
    assert set(data["archive"]) == {"name", "sha256", "bytes"}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"images": []}, "images is missing or empty"),
        ({"images": [{"name": "x", "tags": [], "id": "abc", "labels": {}}]}, "images[0].id"),
        (
            {"images": [{"name": "x", "tags": ["lab/x"], "id": FLASK_ID, "labels": {}}]},
            "images[0].tags",
        ),
        (
            {"images": [{"name": "x", "tags": [], "id": FLASK_ID, "labels": {"a": 1}}]},
            "images[0].labels",
        ),
        ({"archive": {"name": "other.tar", "sha256": "0" * 64, "bytes": 1}}, "archive.name"),
        ({"archive": {"name": "images.tar", "sha256": "xyz", "bytes": 1}}, "archive.sha256"),
        ({"archive": {"name": "images.tar", "sha256": "0" * 64, "bytes": -1}}, "archive.bytes"),
        ({"source": None}, "source"),
        ({"created_at": 5}, "created_at"),
    ],
)
def test_a_bad_manifest_key_is_named(tmp_path: Path, change: dict[str, Any], named: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_manifest(manifest(**change), tmp_path / "b.tar")
    assert named in info.value.message and "b.tar" in info.value.message


@pytest.mark.parametrize(
    ("tag", "parts"),
    [
        ("lab/flask:latest", ("lab/flask", "latest")),
        ("registry:5000/lab/flask:abc", ("registry:5000/lab/flask", "abc")),
    ],
)
def test_split_tag(tag: str, parts: tuple[str, str]) -> None:
    assert split_tag(tag) == parts


@pytest.mark.parametrize("tag", ["lab/flask", "registry:5000/lab/flask", ":x", "lab/flask:"])
def test_split_tag_refuses_a_name_without_a_tag(tag: str) -> None:
    with pytest.raises(ValueError):
        split_tag(tag)


def test_a_runs_images_are_its_base_first_then_its_apps_with_latest(tmp_path: Path) -> None:
    provenance = {
        "base_image": {"tag": "lab/base:bookworm", "id": BASE_ID, "labels": {"a": "b"}},
        "images": {"flask": {"tag": "lab/flask:0123456789abcdef", "id": FLASK_ID, "labels": {}}},
    }
    images = images_from_provenance(provenance, tmp_path / "run.json")
    assert [(i.name, i.tags, i.image_id) for i in images] == [
        ("base", ("lab/base:bookworm",), BASE_ID),
        ("flask", ("lab/flask:0123456789abcdef", "lab/flask:latest"), FLASK_ID),
    ]
    assert images[0].labels == {"a": "b"}


@pytest.mark.parametrize(
    "provenance",
    [
        {},
        {"base_image": {"tag": "lab/base:bookworm", "id": BASE_ID}, "images": {}},
        {
            "base_image": {"tag": "lab/base:bookworm", "id": BASE_ID},
            "images": {"flask": {"tag": "lab/flask:x", "id": "not-an-id"}},
        },
    ],
)
def test_a_run_without_usable_provenance_is_refused(
    tmp_path: Path, provenance: dict[str, Any]
) -> None:
    with pytest.raises(UsageError) as info:
        images_from_provenance(provenance, tmp_path / "run.json")
    assert "run.json" in info.value.message


# The file


def test_a_written_bundle_holds_the_manifest_first_and_checks_out(tmp_path: Path) -> None:
    path = tmp_path / "b.tar"
    parsed = parse_manifest(manifest(), path)
    with path.open("wb") as out:
        write_bundle_tar(out, parsed, io.BytesIO(ARCHIVE))
    with tarfile.open(path) as tar:
        assert tar.getnames() == ["manifest.json", "images.tar"]
    assert check_bundle(path) == parsed


def test_a_written_bundle_takes_its_members_time_from_the_manifest(tmp_path: Path) -> None:
    path = tmp_path / "b.tar"
    with path.open("wb") as out:
        write_bundle_tar(out, parse_manifest(manifest(), path), io.BytesIO(ARCHIVE))
    with tarfile.open(path) as tar:
        assert {member.mtime for member in tar} == {1704067200}  # 2024-01-01T00:00:00+00:00


def _flip_a_byte(path: Path) -> Path:
    with tarfile.open(path) as tar:
        offset = tar.getmember("images.tar").offset_data + 1234
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)[0]
        handle.seek(offset)
        handle.write(bytes([byte ^ 0x01]))
    return path


def _cut(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 12_000])
    return path


REFUSALS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing file": (lambda p: p, "cannot read it"),
    "empty file": (lambda p: (p.write_bytes(b""), p)[1], "not a tar archive"),
    "not a tar": (lambda p: (p.write_bytes(b"PK\x03\x04 a zip" * 200), p)[1], "not a tar"),
    "no manifest": (lambda p: tar_of(p, ("images.tar", ARCHIVE)), "no manifest.json"),
    "manifest not JSON": (lambda p: bundle_of(p, b"{not json"), "manifest.json is not JSON"),
    "manifest a list": (lambda p: bundle_of(p, [1, 2]), "not a JSON object"),
    "wrong kind": (lambda p: bundle_of(p, manifest(kind="lab.run")), "not a lab bundle"),
    "wrong schema": (lambda p: bundle_of(p, manifest(schema_version=2)), "schema_version 2"),
    "no archive": (
        lambda p: tar_of(p, ("manifest.json", json.dumps(manifest()).encode())),
        "no images.tar",
    ),
    "size mismatch": (
        lambda p: bundle_of(p, manifest(), ARCHIVE + b"more"),
        "is 32004 bytes, the manifest says 32000",
    ),
    "sha256 mismatch": (lambda p: _flip_a_byte(bundle_of(p, manifest())), "sha256"),
    "truncated": (lambda p: _cut(bundle_of(p, manifest())), "cut short"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_damaged_bundle_is_refused_before_the_engine_is_touched(
    tmp_path: Path, case: str
) -> None:
    make, reason = REFUSALS[case]
    path = make(tmp_path / "bundle.tar")
    with pytest.raises(UsageError) as info:
        load_bundle(NoEngine(), path)
    assert info.value.exit_code == EXIT_USAGE
    assert str(path) in info.value.message and reason in info.value.message
    assert info.value.hint


# Save and load against a fake engine


def test_save_exports_every_image_once_in_one_stream_and_leaves_only_the_bundle(
    tmp_path: Path,
) -> None:
    engine = FakeEngine({BASE_ID, FLASK_ID})
    path = tmp_path / "b.tar"
    saved = save_bundle(engine, path, [*IMAGES, IMAGES[0]], {"build": True})
    [(url, params, stream)] = engine.api.exported
    assert url == "http+docker://localhost/v1.41/images/get" and stream is True
    assert params == {"names": [BASE_ID, FLASK_ID]}
    assert [p.name for p in tmp_path.iterdir()] == ["b.tar"]
    assert check_bundle(path) == saved
    assert saved.archive == Archive("images.tar", sha256(ARCHIVE), len(ARCHIVE))
    with tarfile.open(path) as tar:
        member = tar.extractfile("images.tar")
        assert member is not None and member.read() == ARCHIVE


def test_a_refused_export_names_the_engines_reason_and_leaves_nothing(tmp_path: Path) -> None:
    engine = FakeEngine(set(), status=500, body=b'{"message": "no such image"}')
    with pytest.raises(LabError) as info:
        save_bundle(engine, tmp_path / "b.tar", IMAGES, {"build": True})
    assert "HTTP 500 no such image" in info.value.message
    assert list(tmp_path.iterdir()) == []


def test_save_into_a_missing_folder_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        save_bundle(NoEngine(), tmp_path / "nope" / "b.tar", IMAGES, {"build": True})
    assert "nope" in info.value.message


def test_load_streams_the_archive_then_tags_every_image(tmp_path: Path) -> None:
    path = tmp_path / "b.tar"
    save_bundle(FakeEngine({BASE_ID, FLASK_ID}), path, IMAGES, {"build": True})
    engine = FakeEngine({BASE_ID})
    engine.load_adds = {FLASK_ID}
    engine.tags["lab/flask:latest"] = BASE_ID
    loaded = load_bundle(engine, path)
    assert engine.api.loaded == ARCHIVE
    assert engine.tags == {
        "lab/base:bookworm": BASE_ID,
        "lab/flask:0123456789abcdef": FLASK_ID,
        "lab/flask:latest": FLASK_ID,
    }
    assert loaded.moved == (("lab/flask:latest", BASE_ID),)


def test_an_image_missing_after_the_load_is_named(tmp_path: Path) -> None:
    path = tmp_path / "b.tar"
    save_bundle(FakeEngine({BASE_ID, FLASK_ID}), path, IMAGES, {"build": True})
    engine = FakeEngine({BASE_ID})  # the load brings nothing
    with pytest.raises(UsageError) as info:
        load_bundle(engine, path)
    assert "lacks flask ffffffffffff" in info.value.message and str(path) in info.value.message
    assert engine.tags == {}


def test_a_run_whose_image_left_the_engine_is_refused_naming_it(tmp_path: Path) -> None:
    write_json_atomic(
        tmp_path / "run.json",
        {
            "schema_version": 1,
            "kind": "lab.run",
            "run_id": "r1",
            "status": "complete",
            "parameters": {},
            "provenance": {
                "base_image": {"tag": "lab/base:bookworm", "id": BASE_ID, "labels": {}},
                "images": {"flask": {"tag": "lab/flask:0123456789abcdef", "id": FLASK_ID}},
            },
        },
    )
    with pytest.raises(UsageError) as info:
        images_of_run(FakeEngine({BASE_ID}), tmp_path)
    assert "--run" in info.value.message and "flask ffffffffffff" in info.value.message
    images, source = images_of_run(FakeEngine({BASE_ID, FLASK_ID}), tmp_path)
    assert [i.name for i in images] == ["base", "flask"]
    assert source == {"run_id": "r1", "run_dir": str(tmp_path)}


def test_the_subcommands_parse_to_their_handlers() -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    save = parser.parse_args(["bundle", "save", "out.tar", "--run", "results/r1"])
    assert save.func is cmd_bundle_save
    assert (save.file, save.run) == (Path("out.tar"), Path("results/r1"))
    load = parser.parse_args(["bundle", "load", "out.tar"])
    assert load.func is cmd_bundle_load and load.file == Path("out.tar")
