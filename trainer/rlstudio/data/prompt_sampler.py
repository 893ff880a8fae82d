"""Seeded, resumable mixing of several prompt datasets.

Every random choice is derived from (seed, a counter) rather than from a running generator, so the whole state is
three small integers per dataset and a resumed run draws exactly the records the uninterrupted run would have drawn.
Each draw first picks a dataset with probability proportional to its weight, then takes that dataset's next record
in its per-epoch order (a fresh seeded permutation each epoch when shuffling, file order otherwise).
"""

from __future__ import annotations

import bisect
import random
from itertools import accumulate
from typing import Sequence

STATE_VERSION = 1


class PromptSampler:
    def __init__(self, datasets: Sequence[Sequence], weights: Sequence[float], seed: int, shuffle: bool):
        if not datasets:
            raise ValueError("PromptSampler needs at least one dataset")
        if len(weights) != len(datasets):
            raise ValueError(f"PromptSampler: {len(datasets)} datasets but {len(weights)} weights")
        for i, (ds, w) in enumerate(zip(datasets, weights)):
            if not len(ds):
                raise ValueError(f"PromptSampler: dataset {i} is empty")
            if not (w > 0):
                raise ValueError(f"PromptSampler: weight of dataset {i} must be > 0, got {w}")
        self._datasets = [list(ds) for ds in datasets]
        self._weights = [float(w) for w in weights]
        self._cumulative = list(accumulate(self._weights))
        self._seed = int(seed)
        self._shuffle = bool(shuffle)
        self._drawn = 0
        self._consumed = [0] * len(self._datasets)
        self._orders: dict[tuple[int, int], list[int]] = {}

    def __len__(self) -> int:
        return sum(len(ds) for ds in self._datasets)

    @property
    def epoch(self) -> float:
        """Passes over the data so far: records drawn / records in all datasets."""
        return self._drawn / len(self)

    def _pick_dataset(self) -> int:
        if len(self._datasets) == 1:
            return 0
        u = random.Random(f"{self._seed}:mix:{self._drawn}").random() * self._cumulative[-1]
        return min(bisect.bisect_right(self._cumulative, u), len(self._datasets) - 1)

    def _order(self, d: int, epoch: int) -> list[int]:
        key = (d, epoch)
        if key not in self._orders:
            order = list(range(len(self._datasets[d])))
            if self._shuffle:
                random.Random(f"{self._seed}:order:{d}:{epoch}").shuffle(order)
            self._orders = {k: v for k, v in self._orders.items() if k[0] != d}  # keep one epoch per dataset
            self._orders[key] = order
        return self._orders[key]

    def next_batch(self, n: int) -> list:
        batch = []
        for _ in range(n):
            d = self._pick_dataset()
            size = len(self._datasets[d])
            epoch, pos = divmod(self._consumed[d], size)
            batch.append(self._datasets[d][self._order(d, epoch)[pos]])
            self._consumed[d] += 1
            self._drawn += 1
        return batch

    def state_dict(self) -> dict:
        return {
            "version": STATE_VERSION,
            "seed": self._seed,
            "shuffle": self._shuffle,
            "drawn": self._drawn,
            "consumed": list(self._consumed),
            "sizes": [len(ds) for ds in self._datasets],
            "weights": list(self._weights),
        }

    def load_state_dict(self, d: dict) -> None:
        sizes = [len(ds) for ds in self._datasets]
        if d.get("version") != STATE_VERSION:
            raise ValueError(f"data sampler state: unsupported version {d.get('version')!r}")
        if d["sizes"] != sizes:
            raise ValueError(
                f"data sampler state: the checkpoint was taken with datasets of sizes {d['sizes']}, "
                f"but the data now has sizes {sizes}; resuming would not continue the same sequence"
            )
        if [float(w) for w in d["weights"]] != self._weights:
            raise ValueError(f"data sampler state: weights changed from {d['weights']} to {self._weights}")
        self._seed, self._shuffle = int(d["seed"]), bool(d["shuffle"])
        self._drawn, self._consumed = int(d["drawn"]), [int(c) for c in d["consumed"]]
        self._orders.clear()
