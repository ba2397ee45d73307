"""Peer of model (a) in a C engine: the M/M/c queue of bench/peers/mmc.yaml on Cimba (Asbjorn
Bonvik's discrete-event library in C: stackful coroutines over a hashed binary heap), through
the `cimba` package from PyPI, which compiles a model's Python code with Numba into callbacks
that the bundled C engine runs. Written as Cimba's own benchmark and tutorials write a queue:
an arrival process puts each arrival's time into a Store, and the servers are c copies of one
process taking from it, first come, first served. Returns, as mmc_peers.simpy_mmc does, the
mean time in system W of the customers who arrive after `warmup` days and are answered by
`horizon`.

(No `from __future__ import annotations` here: Cimba reads the model's field annotations when
the experiment is built, and they must name the classes, not strings to resolve later.)"""
import cimba as cb
import cimba.random as cr

_classes: dict = {}


def _model_class(c: int) -> type:
    """The model with c servers: a process's copies are fixed when its class is made."""
    if c not in _classes:

        class MMc(cb.Model):
            arrival_mean: cb.Param[float]
            service_mean: cb.Param[float]
            warmup: cb.Param[float]
            queue: cb.Store[float]
            answered: cb.Output[int]
            time_in_system: cb.Output[float]

            @cb.on_start
            def reset(self):
                self.answered = 0
                self.time_in_system = 0.0

            @cb.process
            def arrivals(self):
                while True:
                    cb.hold(cr.exponential(self.arrival_mean))
                    self.queue.put(cb.now())

            @cb.process(copies=c)
            def server(self):
                while True:
                    arrived = self.queue.get()
                    cb.hold(cr.exponential(self.service_mean))
                    if arrived >= self.warmup:
                        self.answered = self.answered + 1
                        self.time_in_system = self.time_in_system + (cb.now() - arrived)

        _classes[c] = MMc
    return _classes[c]


def cimba_mmc(lam: float, mu: float, c: int, horizon: float, warmup: float, seed: int, reps: int) -> list:
    """W of each of `reps` replications, run on one thread. The first call with a given c
    compiles the model (Numba, about half a second), so a caller timing the engine makes one
    call beforehand."""
    model = _model_class(c)()
    model.arrival_mean, model.service_mean, model.warmup = 1.0 / lam, 1.0 / mu, warmup
    res = cb.Experiment(model, replications=reps, window=cb.Window(duration=horizon), seed=seed).run(workers=1)
    r = res[model]
    return [float(w) / float(n) for w, n in zip(r.time_in_system.values.ravel(), r.answered.values.ravel())]
