"""A rendered fanout file as text: its header comment, then YAML documents.

PyYAML's safe dumper, keys in the order built, long shell lines unwrapped.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml


class _Dumper(yaml.SafeDumper):
    """Every repeated mapping written out again: an engine's reader need not know anchors."""

    def ignore_aliases(self, _data: object) -> bool:
        return True


def yaml_file(header: str, documents: Sequence[object]) -> str:
    """`header` (comment lines) and each document, separated by `---` when several."""
    body: str = yaml.dump_all(
        documents,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        width=10_000,
        explicit_start=len(documents) > 1,
    )
    return header + body
