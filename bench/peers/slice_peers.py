"""Peer model (b) in SimPy 4 and salabim: the slice of tenure's account model that
slice.yaml configures (read that file's header). The rules below follow
engine/src/model/world.cpp for that configuration:

- each account has Poisson requests; a request joins its manager's first-come-first-served
  queue and takes request_hours / farming hours per day;
- when answered: late = max(0, response - expected); satisfaction moves toward
  expectation + felt gap (loss-averse for a negative gap) at a rate damped by tenure; the first
  request answered on time adds a recovery bonus;
- initial clients have been clients for up to five years (uniform), which damps how far an
  encounter moves them;
- at each month end: managers check in on clients with probability
  min(1, farming hours in the month / (book size x visit hours)), adding visit_boost; each
  active client gives notice with probability 1 - exp(-h dt),
  h = base x exp(weight x (reference - satisfaction)), and leaves after a uniform notice lag;
  each prospect converts with probability 1 - exp(-h dt), h = outreach x effort / prospects,
  to a manager at random (equal effort), starting at the initial satisfaction.

Each function returns the run's outputs: final_active, churned, new_clients, requests,
final_mean_satisfaction, mean_response_days (the mean over months of each month's mean, as
tenure's timeseries records it).
"""
from __future__ import annotations

import math
import random

DAYS_PER_YEAR = 365.25
DT = DAYS_PER_YEAR / 12


def params(yaml_path: str) -> dict:
    """The slice's numbers, read through tenure itself so that all three use the same values."""
    import tenure

    sc = tenure.load(yaml_path)
    v = sc.value
    managers = 10
    hunt_share = 0.5
    hours = 40.0
    return {
        "horizon": v("horizon"),
        "n_active": int(v("accounts.initial_active")),
        "n_prospects": int(v("accounts.initial_prospects")),
        "s0": v("accounts.initial_satisfaction"),
        "s_sd": v("accounts.satisfaction_sd"),
        "expectation": v("accounts.expectation"),
        "problem_rate": v("service.problem_rate"),
        "service_days": v("service.request_hours") / max(0.05, hours * (1 - hunt_share) / 7.0),
        "farm_hours_per_day": max(0.05, hours * (1 - hunt_share) / 7.0),
        "expected_response": v("service.expected_response"),
        "adapt": v("service.adapt_rate"),
        "kappa": v("service.loss_aversion"),
        "damping_years": v("service.tenure_damping_years"),
        "late_penalty": v("service.late_penalty_per_day"),
        "recovery_bonus": v("service.recovery_bonus"),
        "visit_hours": v("service.visit_hours"),
        "visit_boost": v("service.visit_boost"),
        "base_rate": v("churn.base_rate"),
        "weight": v("churn.satisfaction_weight"),
        "reference": v("churn.reference_satisfaction"),
        "notice_min": v("churn.notice_min"),
        "notice_max": v("churn.notice_max"),
        "outreach": v("acquisition.outreach_rate"),
        "effort": managers * hunt_share * hours / 40.0,
        "managers": managers,
    }


class Accounts:
    """The state both peers share: plain Python, as a modeller would write it."""

    def __init__(self, p: dict, rng: random.Random):
        self.p, self.rng = p, rng
        n = p["n_active"]
        self.owner = [min(p["managers"] - 1, int((i + 0.5) / n * p["managers"])) for i in range(n)]
        self.sat = [min(10.0, max(0.0, p["s0"] + p["s_sd"] * rng.gauss(0, 1))) for _ in range(n)]
        self.acquired = [-rng.random() * 5 * DAYS_PER_YEAR for _ in range(n)]  # clients for up to five years
        self.failures = [0] * n
        self.state = ["active"] * n  # active | notice | churned
        self.served = list(range(n))  # in order of activation
        self.prospects = p["n_prospects"]
        self.churned = self.new_clients = self.requests = 0
        self.response_sum, self.response_n = 0.0, 0
        self.monthly_response: list[float] = []  # each month's mean response time, as tenure records it
        self.final_mean_satisfaction = 0.0

    def is_served(self, a: int) -> bool:
        return self.state[a] != "churned"

    def encounter(self, a: int, now: float, response: float) -> None:
        p = self.p
        late = max(0.0, response - p["expected_response"])
        gap = -p["late_penalty"] * late
        tenure_years = max(0.0, now - self.acquired[a]) / DAYS_PER_YEAR
        alpha = p["adapt"] / (1.0 + tenure_years / p["damping_years"])
        felt = gap if gap >= 0 else p["kappa"] * gap
        s = self.sat[a] + alpha * (p["expectation"] + felt - self.sat[a])
        if late == 0 and self.failures[a] == 0:
            s = min(10.0, max(0.0, s)) + p["recovery_bonus"]
        self.sat[a] = min(10.0, max(0.0, s))
        self.failures[a] += 1

    def month(self, now: float, give_notice, start_client) -> None:
        p, rng = self.p, self.rng
        self.served = [a for a in self.served if self.is_served(a)]
        book = [0] * p["managers"]
        for a in self.served:
            book[self.owner[a]] += 1
        visit_p = [min(1.0, p["farm_hours_per_day"] * DT / (b * p["visit_hours"])) if b else 0.0 for b in book]
        for a in self.served:
            if rng.random() < visit_p[self.owner[a]]:
                self.sat[a] = min(10.0, self.sat[a] + p["visit_boost"])
            if self.state[a] != "active":
                continue
            h = p["base_rate"] * math.exp(p["weight"] * (p["reference"] - self.sat[a]))
            if rng.random() < 1.0 - math.exp(-h * DT):
                self.state[a] = "notice"
                give_notice(a, p["notice_min"] + rng.random() * (p["notice_max"] - p["notice_min"]))
        if self.prospects > 0:
            h = p["outreach"] * p["effort"] / self.prospects
            q = 1.0 - math.exp(-h * DT)
            won = sum(1 for _ in range(self.prospects) if rng.random() < q)
            for _ in range(won):
                a = len(self.state)
                self.owner.append(rng.randrange(p["managers"]))
                self.sat.append(p["s0"])
                self.acquired.append(now)
                self.failures.append(0)
                self.state.append("active")
                self.served.append(a)
                self.prospects -= 1
                self.new_clients += 1
                start_client(a)
        self.monthly_response.append(self.response_sum / self.response_n if self.response_n else 0.0)
        self.response_sum, self.response_n = 0.0, 0
        live = [self.sat[a] for a in self.served if self.is_served(a)]
        self.final_active = len(live)
        self.final_mean_satisfaction = sum(live) / len(live) if live else 0.0

    def result(self) -> dict:
        return {"final_active": self.final_active, "churned": self.churned, "new_clients": self.new_clients,
                "requests": self.requests, "final_mean_satisfaction": self.final_mean_satisfaction,
                "mean_response_days": sum(self.monthly_response) / max(1, len(self.monthly_response))}


def simpy_slice(p: dict, seed: int) -> dict:
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    acc = Accounts(p, rng)
    team = [simpy.Resource(env, capacity=1) for _ in range(p["managers"])]

    def request(a: int):
        arrival = env.now
        with team[acc.owner[a]].request() as req:
            yield req
            yield env.timeout(p["service_days"])
        acc.response_sum += env.now - arrival
        acc.response_n += 1
        if acc.is_served(a):
            acc.encounter(a, env.now, env.now - arrival)

    def client(a: int):
        while True:
            yield env.timeout(rng.expovariate(p["problem_rate"]))
            if not acc.is_served(a):
                return
            acc.requests += 1
            env.process(request(a))

    def notice(a: int, lag: float):
        yield env.timeout(lag)
        acc.state[a] = "churned"
        acc.churned += 1

    def months():
        while env.now + DT <= p["horizon"] + 1e-9:
            yield env.timeout(DT)
            acc.month(env.now, lambda a, lag: env.process(notice(a, lag)), lambda a: env.process(client(a)))

    for a in range(p["n_active"]):
        env.process(client(a))
    env.process(months())
    env.run(until=p["horizon"] + 1e-6)
    return acc.result()


def salabim_slice(p: dict, seed: int) -> dict:
    import salabim as sim

    sim.yieldless(False)
    rng = random.Random(seed)
    env = sim.Environment(trace=False, random_seed=seed)
    acc = Accounts(p, rng)
    team = [sim.Resource(f"manager{m}", capacity=1) for m in range(p["managers"])]

    class Request(sim.Component):
        def setup(self, account: int):
            self.account = account

        def process(self):
            arrival = env.now()
            yield self.request(team[acc.owner[self.account]])
            yield self.hold(p["service_days"])
            self.release()
            acc.response_sum += env.now() - arrival
            acc.response_n += 1
            if acc.is_served(self.account):
                acc.encounter(self.account, env.now(), env.now() - arrival)

    class Client(sim.Component):
        def setup(self, account: int):
            self.account = account

        def process(self):
            while True:
                yield self.hold(rng.expovariate(p["problem_rate"]))
                if not acc.is_served(self.account):
                    return
                acc.requests += 1
                Request(account=self.account)

    class Notice(sim.Component):
        def setup(self, account: int, lag: float):
            self.account, self.lag = account, lag

        def process(self):
            yield self.hold(self.lag)
            acc.state[self.account] = "churned"
            acc.churned += 1

    class Months(sim.Component):
        def process(self):
            while env.now() + DT <= p["horizon"] + 1e-9:
                yield self.hold(DT)
                acc.month(env.now(), lambda a, lag: Notice(account=a, lag=lag), lambda a: Client(account=a))

    for a in range(p["n_active"]):
        Client(account=a)
    Months()
    env.run(till=p["horizon"] + 1e-6)
    return acc.result()
