"""The order of a run's trials within its rounds: every cell once per round, seeded.

Two orders, both reproducible from the seed and both extended by more rounds without
changing the first ones:

- `blocked` (the default): a round runs each level (scenario x connections) as one
  block of adjacent trials, its apps shuffled, the blocks shuffled; every second round
  is the round before it mirrored. The apps compared in a ratio are then never more
  than a block apart, so a host that drifts moves both about alike, and over each
  mirrored pair every cell sits at the same mean position: a drift that is linear over
  the pair lands on every app alike (for two apps, the pair is A B B A). The blocked
  ratio estimate (lab.analysis.blocked) pairs trials by round and removes what is left.
- `shuffled`: each round shuffled on its own, no round starting with the app the
  last one ended with; the order of runs made before the blocked order existed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from lab.model.cell import Cell

BLOCKED = "blocked"
SHUFFLED = "shuffled"
ORDERS = (BLOCKED, SHUFFLED)


def rounds_of(cells: Sequence[Cell], rounds: int, seed: int, order: str) -> list[list[Cell]]:
    """`rounds` rounds of every cell once, in `order` (see the module doc)."""
    if order not in ORDERS:
        raise ValueError(f"unknown trial order {order!r} (known: {', '.join(ORDERS)})")
    rng = random.Random(seed)
    made: list[list[Cell]] = []
    previous: Cell | None = None
    for number in range(1, rounds + 1):
        if order == SHUFFLED:
            this = list(cells)
            rng.shuffle(this)
            _fix_seam(this, previous)
        elif number % 2 == 0:
            this = made[-1][::-1]
        else:
            this = _blocks(cells, rng)
            _fix_block_seam(this, previous)
        made.append(this)
        previous = this[-1] if this else previous
    return made


def _blocks(cells: Sequence[Cell], rng: random.Random) -> list[Cell]:
    """The levels in a shuffled order, each level's cells adjacent and shuffled."""
    levels: dict[tuple[str, int], list[Cell]] = {}
    for cell in cells:
        levels.setdefault(cell.level, []).append(cell)
    blocks = list(levels.values())
    rng.shuffle(blocks)
    for block in blocks:
        rng.shuffle(block)
    return [cell for block in blocks for cell in block]


def _fix_block_seam(order: list[Cell], previous: Cell | None) -> None:
    """Start a new pair of rounds with another app than the last pair ended with, by
    swapping within the first block: the blocks stay whole."""
    if previous is None or not order or order[0].app != previous.app:
        return
    level = order[0].level
    swap = next(
        (i for i, cell in enumerate(order) if cell.level == level and cell.app != previous.app),
        None,
    )
    if swap is not None:
        order[0], order[swap] = order[swap], order[0]


def _fix_seam(order: list[Cell], previous: Cell | None) -> None:
    """Keep a round from starting where the last one ended: with another app if possible,
    else at least with another cell, so no app's trials bunch up across the seam."""
    if previous is None or len(order) < 2:
        return
    same_app = [cell.app == previous.app for cell in order]
    same_cell = [cell == previous for cell in order]
    for clashes in (same_app, same_cell):
        if clashes[0]:
            swap = next((i for i in range(1, len(order)) if not clashes[i]), None)
            if swap is not None:
                order[0], order[swap] = order[swap], order[0]
                return
