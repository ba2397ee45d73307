"""Peers of model (b), the slice of tenure's account model that slice.yaml configures (read
that file's header), each written as its own experts would write it. The rules, for that
configuration (engine/src/model: requests.hpp, care.hpp, churn.hpp, acquisition.hpp):

- each client raises requests as a Poisson process while it is a client (active or under
  notice); a request joins its manager's first-come-first-served queue and takes
  request_hours / farming hours per day;
- when answered: late = max(0, response - expected); satisfaction moves toward
  expectation + felt gap (loss-averse for a negative gap) at a rate damped by the client's
  tenure, but an answer never leaves it higher than before (the recovery paradox); a first
  request answered on time adds the recovery bonus (0 here);
- initial clients have been clients for up to five years (uniform), which damps how far an
  encounter moves them;
- at each month end: managers check in on clients with probability
  min(1, farming hours in the month / (book size x visit hours)), adding visit_boost; each
  active client gives notice with probability 1 - exp(-h dt),
  h = base x exp(weight x (reference - satisfaction)), and leaves after a uniform notice lag;
  the prospects convert as one binomial draw with p = 1 - exp(-h dt),
  h = outreach x effort / prospects, each to a manager at random (equal effort), starting at
  the initial satisfaction.

The peers:
- `simpy_slice`: SimPy 4 with NumPy, as a SimPy expert writes it: the month's requests are one
  Poisson stream over the month's clients (thinned at each arrival to those still clients), a
  request's answer is one timeout whose callback applies the encounter (a manager's FIFO
  queue with a fixed service time needs no Resource: its completion is known on arrival), a
  notice is one timeout; the month's end is vectorised in NumPy, conversions one binomial.
- `numba_slice`: the same month by month without an event queue (as slice_hand.cpp, the
  hand-written C++), compiled by Numba.

Each returns the run's outputs: final_active, churned, new_clients, requests,
final_mean_satisfaction, mean_response_days (the mean over months of each month's mean, as
tenure's timeseries records it).
"""
from __future__ import annotations

import math
import random

DAYS_PER_YEAR = 365.25
DT = DAYS_PER_YEAR / 12


def params(yaml_path: str) -> dict:
    """The slice's numbers, read through tenure itself so that every peer uses the same values."""
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


def simpy_slice(p: dict, seed: int) -> dict:
    import numpy as np
    import simpy

    rng = np.random.default_rng(seed)  # vectors: the month's end
    r = random.Random(seed)            # scalars: a request's draws (cheaper than NumPy's one at a time)
    env = simpy.Environment()
    n, cap, M = p["n_active"], p["n_active"] + p["n_prospects"], p["managers"]
    owner = np.zeros(cap, dtype=np.int64)
    owner[:n] = np.minimum(M - 1, ((np.arange(n) + 0.5) / n * M).astype(np.int64))
    sat = np.zeros(cap)
    sat[:n] = np.clip(p["s0"] + p["s_sd"] * rng.standard_normal(n), 0.0, 10.0)
    acquired = np.zeros(cap)
    acquired[:n] = -rng.random(n) * 5 * DAYS_PER_YEAR
    failures = [0] * cap
    churned_flag = [False] * cap  # read per request: a list, not a NumPy array
    notice = np.zeros(cap, dtype=bool)
    served = np.arange(n)
    busy = [0.0] * M
    out = {"churned": 0, "new_clients": 0, "requests": 0}
    st = {"accounts": n, "prospects": p["n_prospects"], "resp_sum": 0.0, "resp_n": 0, "monthly": 0.0, "months": 0}
    exp_, svc, expected, late_pen = p["expectation"], p["service_days"], p["expected_response"], p["late_penalty"]
    adapt, kappa, damp_days, bonus = p["adapt"], p["kappa"], p["damping_years"] * DAYS_PER_YEAR, p["recovery_bonus"]

    def answered(a: int, arrival: float, done: float) -> None:
        response = done - arrival
        st["resp_sum"] += response
        st["resp_n"] += 1
        if churned_flag[a]:
            return
        late = response - expected if response > expected else 0.0
        gap = -late_pen * late
        alpha = adapt / (1.0 + max(0.0, done - acquired[a]) / damp_days)
        before = sat[a]
        s = before + alpha * (exp_ + (gap if gap >= 0 else kappa * gap) - before)
        s = min(before, min(10.0, max(0.0, s)))
        if late == 0 and failures[a] == 0:
            s = min(10.0, max(0.0, s + bonus))
        sat[a] = s
        failures[a] += 1

    def leave(a: int) -> None:
        churned_flag[a] = True
        out["churned"] += 1

    def month_requests(ids: list, end: float):
        # One Poisson stream over the month's clients, thinned to those still clients.
        if not ids:
            return
        rate = len(ids) * p["problem_rate"]
        while True:
            gap = r.expovariate(rate)
            if env.now + gap >= end:
                return
            yield env.timeout(gap)
            a = ids[int(r.random() * len(ids))]
            if churned_flag[a]:
                continue
            out["requests"] += 1
            m = owner_of[a]
            now = env.now
            done = (busy[m] if busy[m] > now else now) + svc
            busy[m] = done
            env.timeout(done - now).callbacks.append(lambda _, a=a, t=now, d=done: answered(a, t, d))

    owner_of: dict = {}

    def months():
        nonlocal served
        k = 0
        while True:
            owner_of.clear()
            ids = served.tolist()
            owner_of.update(zip(ids, owner[served].tolist()))
            end = (k + 1) * DT
            env.process(month_requests(ids, end))
            yield env.timeout(DT)
            # The month's end, vectorised: drop who left, check-ins, churn, conversions.
            served = served[~np.array([churned_flag[a] for a in served.tolist()], dtype=bool)] if len(served) else served
            own = owner[served]
            book = np.bincount(own, minlength=M)
            visit_p = np.where(book > 0, np.minimum(1.0, p["farm_hours_per_day"] * DT / (np.maximum(book, 1) * p["visit_hours"])), 0.0)
            u = rng.random(len(served))
            visited = served[u < visit_p[own]]
            sat[visited] = np.minimum(10.0, sat[visited] + p["visit_boost"])
            active = served[~notice[served]]
            h = p["base_rate"] * np.exp(p["weight"] * (p["reference"] - sat[active]))
            leaving = active[rng.random(len(active)) < 1.0 - np.exp(-h * DT)]
            notice[leaving] = True
            lags = p["notice_min"] + rng.random(len(leaving)) * (p["notice_max"] - p["notice_min"])
            for a, lag in zip(leaving.tolist(), lags.tolist()):
                env.timeout(lag).callbacks.append(lambda _, a=a: leave(a))
            if st["prospects"] > 0:
                hz = p["outreach"] * p["effort"] / st["prospects"]
                won = int(rng.binomial(st["prospects"], 1.0 - math.exp(-hz * DT)))
                new = np.arange(st["accounts"], st["accounts"] + won)
                owner[new] = rng.integers(0, M, won)
                sat[new] = p["s0"]
                acquired[new] = env.now
                served = np.concatenate([served, new])
                st["accounts"] += won
                st["prospects"] -= won
                out["new_clients"] += won
            st["monthly"] += st["resp_sum"] / st["resp_n"] if st["resp_n"] else 0.0
            st["months"] += 1
            st["resp_sum"], st["resp_n"] = 0.0, 0
            out["final_active"] = len(served)
            out["final_mean_satisfaction"] = float(sat[served].mean()) if len(served) else 0.0
            k += 1
            if env.now + DT > p["horizon"] + 1e-9:
                return

    env.process(months())
    env.run(until=p["horizon"] + 1e-6)
    out["mean_response_days"] = st["monthly"] / max(1, st["months"])
    return out


_numba_run = None


def _compile():
    import numba
    import numpy as np

    @numba.njit(cache=False)
    def binomial(n, q):
        # by inversion: exact, and quick for a month's few conversions (as slice_hand.cpp)
        if n <= 0 or q <= 0.0:
            return 0
        ratio, u = q / (1.0 - q), np.random.random()
        pk = (1.0 - q) ** n
        cdf, k = pk, 0
        while u > cdf and k < n:
            pk *= (n - k) / (k + 1.0) * ratio
            cdf += pk
            k += 1
        return k

    @numba.njit(cache=False)
    def encounter(a, now, response, sat, acquired, failures, expectation, expected, adapt, kappa, damp_days, late_pen,
                  bonus):
        # an answer moves satisfaction toward expectation + the felt gap, never above where it was
        late = max(0.0, response - expected)
        gap = -late_pen * late
        alpha = adapt / (1.0 + max(0.0, now - acquired[a]) / damp_days)
        felt = gap if gap >= 0 else kappa * gap
        s = min(sat[a], min(10.0, max(0.0, sat[a] + alpha * (expectation + felt - sat[a]))))
        if late == 0 and failures[a] == 0:
            s = min(10.0, max(0.0, s + bonus))
        sat[a] = s
        failures[a] += 1

    @numba.njit(cache=False)
    def run(seed, horizon, n_active, n_prospects, M, s0, s_sd, expectation, problem_rate, svc, farm_hours, expected,
            adapt, kappa, damping_years, late_pen, bonus, visit_hours, visit_boost, base_rate, weight, reference,
            notice_min, notice_max, outreach, effort):
        np.random.seed(seed)
        cap = n_active + n_prospects
        sat = np.zeros(cap)
        acquired = np.zeros(cap)
        churn_at = np.full(cap, np.inf)
        owner = np.zeros(cap, np.int64)
        failures = np.zeros(cap, np.int64)
        notice = np.zeros(cap, np.bool_)
        served = np.empty(cap, np.int64)
        ns = 0
        for i in range(n_active):
            owner[i] = min(M - 1, int((i + 0.5) / n_active * M))
            sat[i] = min(10.0, max(0.0, s0 + s_sd * np.random.standard_normal()))
            acquired[i] = -np.random.random() * 5 * 365.25
            served[ns] = i
            ns += 1
        accounts, prospects = n_active, n_prospects
        busy = np.zeros(M)
        d_done = np.empty(cap * 4)
        d_arr = np.empty(cap * 4)
        d_acc = np.empty(cap * 4, np.int64)
        nd = 0
        book = np.zeros(M, np.int64)
        visit_p = np.zeros(M)
        churned = new_clients = requests = 0
        resp_sum, resp_n, monthly, months = 0.0, 0, 0.0, 0
        final_mean = 0.0
        dt = 365.25 / 12
        damp_days = damping_years * 365.25
        n_months = int(np.floor(horizon / dt + 1e-9))
        for k in range(n_months):
            start, end = k * dt, (k + 1) * dt
            # last month's answers that complete this month (kept in order of completion)
            kept = 0
            for j in range(nd):
                if d_done[j] <= end:
                    a, done, arrival = d_acc[j], d_done[j], d_arr[j]
                    resp_sum += done - arrival
                    resp_n += 1
                    if done < churn_at[a]:
                        encounter(a, done, done - arrival, sat, acquired, failures, expectation, expected, adapt, kappa,
                                  damp_days, late_pen, bonus)
                else:
                    d_done[kept], d_arr[kept], d_acc[kept] = d_done[j], d_arr[j], d_acc[j]
                    kept += 1
            nd = kept
            rate = ns * problem_rate
            if rate > 0:
                t = start - np.log(1.0 - np.random.random()) / rate
                while t < end:
                    a = served[int(np.random.random() * ns)]
                    if t < churn_at[a]:
                        requests += 1
                        m = owner[a]
                        done = max(t, busy[m]) + svc
                        busy[m] = done
                        if done <= end:
                            resp_sum += done - t
                            resp_n += 1
                            if done < churn_at[a]:
                                encounter(a, done, done - t, sat, acquired, failures, expectation, expected, adapt, kappa,
                                          damp_days, late_pen, bonus)
                        else:
                            d_done[nd], d_arr[nd], d_acc[nd] = done, t, a
                            nd += 1
                    t -= np.log(1.0 - np.random.random()) / rate
            book[:] = 0
            kept = 0
            for i in range(ns):
                a = served[i]
                if churn_at[a] <= end:
                    churned += 1
                    continue
                served[kept] = a
                kept += 1
                book[owner[a]] += 1
            ns = kept
            for m in range(M):
                visit_p[m] = min(1.0, farm_hours * dt / (book[m] * visit_hours)) if book[m] > 0 else 0.0
            for i in range(ns):
                a = served[i]
                if np.random.random() < visit_p[owner[a]]:
                    sat[a] = min(10.0, sat[a] + visit_boost)
                if notice[a]:
                    continue
                h = base_rate * np.exp(weight * (reference - sat[a]))
                if np.random.random() < 1.0 - np.exp(-h * dt):
                    notice[a] = True
                    churn_at[a] = end + notice_min + np.random.random() * (notice_max - notice_min)
            if prospects > 0:
                hz = outreach * effort / prospects
                won = binomial(prospects, 1.0 - np.exp(-hz * dt))
                for w in range(won):
                    a = accounts
                    accounts += 1
                    owner[a] = int(np.random.random() * M)
                    sat[a] = s0
                    acquired[a] = end
                    served[ns] = a
                    ns += 1
                prospects -= won
                new_clients += won
            monthly += resp_sum / resp_n if resp_n else 0.0
            months += 1
            resp_sum, resp_n = 0.0, 0
            tot = 0.0
            for i in range(ns):
                tot += sat[served[i]]
            final_mean = tot / ns if ns else 0.0
        return ns, churned, new_clients, requests, final_mean, monthly / max(1, months)

    return run


def numba_slice(p: dict, seed: int) -> dict:
    global _numba_run
    if _numba_run is None:
        _numba_run = _compile()
    r = _numba_run(seed, p["horizon"], p["n_active"], p["n_prospects"], p["managers"], p["s0"], p["s_sd"], p["expectation"],
                   p["problem_rate"], p["service_days"], p["farm_hours_per_day"], p["expected_response"], p["adapt"], p["kappa"],
                   p["damping_years"], p["late_penalty"], p["recovery_bonus"], p["visit_hours"], p["visit_boost"],
                   p["base_rate"], p["weight"], p["reference"], p["notice_min"], p["notice_max"], p["outreach"], p["effort"])
    keys = ("final_active", "churned", "new_clients", "requests", "final_mean_satisfaction", "mean_response_days")
    return dict(zip(keys, r))


def warm_numba(p: dict) -> None:
    """Compiles the Numba peer (its first call), so that timings leave the compiler out."""
    numba_slice(p, 0)
