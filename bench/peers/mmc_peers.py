"""Peer model (a) in SimPy 4 and salabim: the M/M/c request queue of bench_peer_mmc
(mmc.cpp), written the way each library's documentation writes a queue. Each function
returns (mean time in system W, mean wait Wq) over the measured customers."""
from __future__ import annotations

import random


def simpy_mmc(lam: float, mu: float, c: int, customers: int, warmup: int, seed: int) -> tuple[float, float]:
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    team = simpy.Resource(env, capacity=c)
    stats = {"done": 0, "w": 0.0, "wq": 0.0}
    finished = env.event()

    def request(arrival: float, measured: bool):
        with team.request() as req:
            yield req
            if measured:
                stats["wq"] += env.now - arrival
            yield env.timeout(rng.expovariate(mu))
        stats["done"] += 1
        if measured:
            stats["w"] += env.now - arrival
        if stats["done"] == warmup + customers and not finished.triggered:
            finished.succeed()

    def source():
        n = 0
        while True:
            yield env.timeout(rng.expovariate(lam))
            n += 1
            env.process(request(env.now, n > warmup))

    env.process(source())
    env.run(until=finished)
    return stats["w"] / customers, stats["wq"] / customers


def salabim_mmc(lam: float, mu: float, c: int, customers: int, warmup: int, seed: int) -> tuple[float, float]:
    import salabim as sim

    sim.yieldless(False)
    env = sim.Environment(trace=False, random_seed=seed)
    env.suppress_trace_standby(True)
    team = sim.Resource("team", capacity=c)
    stats = {"arrived": 0, "done": 0, "w": 0.0, "wq": 0.0}
    service = sim.Exponential(1 / mu)
    gap = sim.Exponential(1 / lam)

    class Request(sim.Component):
        def setup(self, measured: bool):
            self.measured = measured

        def process(self):
            arrival = env.now()
            yield self.request(team)
            if self.measured:
                stats["wq"] += env.now() - arrival
            yield self.hold(service.sample())
            self.release()
            stats["done"] += 1
            if self.measured:
                stats["w"] += env.now() - arrival
            if stats["done"] == warmup + customers:
                env.main().activate()

    class Source(sim.Component):
        def process(self):
            while True:
                yield self.hold(gap.sample())
                stats["arrived"] += 1
                Request(measured=stats["arrived"] > warmup)

    Source()
    env.run()
    return stats["w"] / customers, stats["wq"] / customers
