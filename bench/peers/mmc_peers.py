"""Peer of model (a): the M/M/c queue of bench/peers/mmc.yaml in SimPy 4, written as SimPy's
documentation writes a queue (a Resource of capacity c, a process per customer). Returns the
mean time in system W of the customers who arrive after `warmup` days and are answered by
`horizon`, as tenure's months after the first record it."""
from __future__ import annotations

import random


def simpy_mmc(lam: float, mu: float, c: int, horizon: float, warmup: float, seed: int) -> float:
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    team = simpy.Resource(env, capacity=c)
    stats = {"n": 0, "w": 0.0}

    def customer(arrival: float):
        with team.request() as req:
            yield req
            yield env.timeout(rng.expovariate(mu))
        if arrival >= warmup:
            stats["n"] += 1
            stats["w"] += env.now - arrival

    def source():
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(customer(env.now))

    env.process(source())
    env.run(until=horizon)
    return stats["w"] / stats["n"]
