"""`python -m lab bundle save|load`: the exact images of a run (or of the build), as one file.

Results (what was saved or loaded) go to `out`, build progress and notes to `err`.
"""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from lab.images.manifest import BundleImage
from lab.images.specs import short_id
from lab.paths import ROOT, WORKDIR


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add `bundle` with its `save` and `load` subcommands to the CLI's subparsers."""
    bundle = sub.add_parser(
        "bundle", help="carry the exact images of a run (or of the build) to another machine"
    )
    actions = bundle.add_subparsers(dest="bundle_command", required=True, metavar="save|load")
    save = actions.add_parser(
        "save", help="write the images, the base image included, into one file (a tar)"
    )
    save.add_argument("file", type=Path, metavar="FILE", help="the bundle to write")
    save.add_argument(
        "--run",
        type=Path,
        metavar="RUN_DIR",
        help="the images recorded in this run's run.json (default: the current build)",
    )
    save.set_defaults(func=cmd_bundle_save)
    load = actions.add_parser(
        "load", help="check a bundle, load its images into the engine and tag them"
    )
    load.add_argument("file", type=Path, metavar="FILE", help="a file made by `bundle save`")
    load.set_defaults(func=cmd_bundle_load)


def cmd_bundle_save(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.engine.client import connect
    from lab.images.bundle import images_of_build, images_of_run, save_bundle

    client = connect()
    started = time.monotonic()
    if args.run is not None:
        images, source = images_of_run(client, args.run)
    else:
        say = functools.partial(err.print, highlight=False, markup=False)
        images, source = images_of_build(client, ROOT, WORKDIR, say), {"build": True}
    manifest = save_bundle(client, args.file, images, source)
    elapsed = time.monotonic() - started
    _print_images(out, manifest.images)
    size = args.file.stat().st_size
    out.print(
        f"saved {len(manifest.images)} images ({size / 1e6:.1f} MB) to {args.file} "
        f"in {elapsed:.1f} s",
        highlight=False,
        markup=False,
    )
    return 0


def cmd_bundle_load(args: argparse.Namespace, out: Console, err: Console) -> int:
    from lab.engine.client import connect
    from lab.images.bundle import load_bundle

    client = connect()
    started = time.monotonic()
    loaded = load_bundle(client, args.file)
    elapsed = time.monotonic() - started
    for tag, before in loaded.moved:
        err.print(
            f"note: {tag} now names the bundle's image (it named {short_id(before)})",
            highlight=False,
            markup=False,
        )
    _print_images(out, loaded.manifest.images)
    out.print(
        f"loaded {len(loaded.manifest.images)} images "
        f"({loaded.manifest.archive.size / 1e6:.1f} MB) from {args.file} in {elapsed:.1f} s",
        highlight=False,
        markup=False,
    )
    return 0


def _print_images(out: Console, images: tuple[BundleImage, ...]) -> None:
    for image in images:
        out.print(
            f"{image.name:<6} {short_id(image.image_id)}  {' '.join(image.tags)}",
            highlight=False,
            markup=False,
        )
