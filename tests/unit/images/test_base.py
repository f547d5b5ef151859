from __future__ import annotations

from lab.images.base import DEFAULT_MIRROR, base_labels, mirror_from_sources

DEB822 = """\
Types: deb
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
"""


def test_mirror_from_deb822_sources() -> None:
    assert mirror_from_sources([DEB822]) == "http://mirror.example/debian"


def test_mirror_from_one_line_sources() -> None:
    text = "# comment\ndeb [arch=amd64] http://ftp.example/debian/ bookworm main\n"
    assert mirror_from_sources([text]) == "http://ftp.example/debian"


def test_https_and_other_suites_are_skipped_for_the_default() -> None:
    texts = [
        "deb https://secure.example/debian bookworm main\n",
        "deb http://x/debian trixie main\n",
    ]
    assert mirror_from_sources(texts) == DEFAULT_MIRROR


def test_security_archive_is_not_a_base_mirror() -> None:
    text = "deb http://security.example/debian-security bookworm main\n"
    assert mirror_from_sources([text]) == DEFAULT_MIRROR


def test_base_labels_say_how_it_was_made() -> None:
    labels = base_labels("debootstrap", "http://m/debian", "2026-01-02")
    assert labels["lab.managed"] == "true"
    assert labels["lab.base.source"] == "debootstrap"
    assert labels["lab.base.suite"] == "bookworm"
    assert labels["lab.base.origin"] == "http://m/debian"
    assert labels["lab.base.created"] == "2026-01-02"
