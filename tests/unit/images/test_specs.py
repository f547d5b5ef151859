from __future__ import annotations

import io
import tarfile

import pytest

from lab.images.context import tar_context
from lab.images.specs import IMAGES, image_tag, inputs_hash, spec_named, wheel_platforms

AIO = spec_named("aio")
CONTENTS = {path: f"content of {path}".encode() for path in AIO.inputs}


def test_every_image_declares_its_dockerfile_and_apps_their_lock() -> None:
    assert [s.name for s in IMAGES] == ["redis", "wrk", "nginx", "flask", "aio"]
    assert all(s.inputs[0] == f"Dockerfile.{s.name}" for s in IMAGES)
    assert spec_named("flask").lock == "apps/flask/requirements.lock"


def test_hash_is_stable_for_the_same_inputs() -> None:
    assert inputs_hash(AIO, CONTENTS, "sha256:base") == inputs_hash(
        AIO, dict(CONTENTS), "sha256:base"
    )


@pytest.mark.parametrize("path", AIO.inputs)
def test_changing_any_input_changes_the_hash(path: str) -> None:
    changed = {**CONTENTS, path: CONTENTS[path] + b" "}
    assert inputs_hash(AIO, changed, "sha256:base") != inputs_hash(AIO, CONTENTS, "sha256:base")


def test_a_new_base_image_changes_the_hash() -> None:
    assert inputs_hash(AIO, CONTENTS, "sha256:a") != inputs_hash(AIO, CONTENTS, "sha256:b")


def test_files_outside_the_inputs_do_not_count() -> None:
    extra = {**CONTENTS, "README.md": b"anything"}
    assert inputs_hash(AIO, extra, "sha256:base") == inputs_hash(AIO, CONTENTS, "sha256:base")


def test_missing_input_is_named() -> None:
    partial = {k: v for k, v in CONTENTS.items() if k != AIO.lock}
    with pytest.raises(KeyError, match=r"apps/aio/requirements\.lock"):
        inputs_hash(AIO, partial, "sha256:base")


def test_tag_is_the_repository_and_a_prefix_of_the_hash() -> None:
    assert image_tag(AIO, "0123456789abcdef" * 4) == "lab/aio:0123456789abcdef"


def test_unknown_image_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: redis, wrk, nginx, flask, aio"):
        spec_named("apache")


def test_wheel_platforms_cover_every_glibc_up_to_the_base_image() -> None:
    tags = wheel_platforms("x86_64")
    assert tags[0] == "manylinux_2_36_x86_64"
    assert "manylinux_2_17_x86_64" in tags and "manylinux2014_x86_64" in tags
    assert "manylinux1_x86_64" in tags
    assert "manylinux1_aarch64" not in wheel_platforms("aarch64")


def test_context_tar_is_deterministic_and_holds_exactly_the_files() -> None:
    files = {"b.txt": b"b", "a/x.txt": b"x"}
    first = tar_context(files)
    assert first == tar_context(dict(reversed(list(files.items()))))
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == ["a/x.txt", "b.txt"]
        assert {(m.mtime, m.uid, m.gid) for m in members} == {(0, 0, 0)}
