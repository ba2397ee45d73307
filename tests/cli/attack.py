#!/usr/bin/env python3
"""Tries the classes of bad input of issue 15 against the `tenure` command, as an attacker and a
new user would, and counts each attempt's outcome:

  refused  exit status 2 with a message naming where (file:line:column, a --set, a path)
  accepted exit status 0 where the input is legitimate (and must be)
  crash    killed by a signal, or another exit status
  hang     still running after the time limit
  silent   exit status 0 where the input should have been refused
  lost     a file the user owned was gone afterwards

Prints the table of docs/reliability.md and exits 1 if any attempt crashed, hung, was silent or
lost a file. Usage: attack.py TENURE_BINARY SOURCE_DIR [--markdown]
"""
import os
import subprocess
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

BIN, SRC = os.path.abspath(sys.argv[1]), Path(sys.argv[2]).resolve()
CF = str(SRC / "scenarios" / "covert_farmer.yaml")
TEAM = "managers:\n  - {name: a, strategy: hunter/attentive/calm}\norganisation: {positions: [1]}\n"
LIMIT = 240 if os.environ.get("ASAN_OPTIONS") else 30  # seconds before an attempt counts as a hang (sanitized: slower)
COLUMNS = ("tried", "refused", "accepted", "crash", "hang", "silent", "lost")

work = Path(tempfile.mkdtemp(prefix="tenure-attack-"))
table: "OrderedDict[str, dict]" = OrderedDict()
failures: list[str] = []


def attempt(cls: str, args: list, expect: str, where: str = "", stdin: str = "") -> None:
    """Runs `tenure args`; expect is 'refuse' or 'accept'. `where` must appear in a refusal."""
    row = table.setdefault(cls, dict.fromkeys(COLUMNS, 0))
    row["tried"] += 1
    out = work / f"out{sum(r['tried'] for r in table.values())}"
    out.mkdir()
    mine = out / "my_notes.txt"  # a file the user owns, in the folder the run writes to
    mine.write_text("mine")
    full = [BIN] + [a.replace("{OUT}", str(out)) for a in args]
    if any(a in ("run", "fork") for a in args[:1]) and "--out" not in args and "-o" not in args:
        full += ["--out", str(out)]
    try:
        p = subprocess.run(full, capture_output=True, text=True, errors="replace", timeout=LIMIT, cwd=work)
    except subprocess.TimeoutExpired:
        row["hang"] += 1
        failures.append(f"{cls}: hang: {' '.join(args)[:200]}")
        return
    if not mine.exists():
        row["lost"] += 1
        failures.append(f"{cls}: lost the user's file: {' '.join(args)[:200]}")
        return
    if p.returncode < 0 or p.returncode not in (0, 2):
        row["crash"] += 1
        failures.append(f"{cls}: exit {p.returncode}: {' '.join(args)[:200]}: {p.stderr[-300:]}")
    elif p.returncode == 0 and expect == "refuse":
        row["silent"] += 1
        failures.append(f"{cls}: accepted silently: {' '.join(args)[:200]}")
    elif p.returncode == 2 and expect == "accept":
        row["crash"] += 1  # a legitimate input refused: counted as a failure too
        failures.append(f"{cls}: refused a legitimate input: {' '.join(args)[:200]}: {p.stderr[:300]}")
    elif p.returncode == 2 and (where not in p.stderr or len(p.stderr) > 20000):
        row["crash"] += 1
        failures.append(f"{cls}: refused without saying where ({where!r}): {p.stderr[:300]}")
    else:
        row["refused" if p.returncode == 2 else "accepted"] += 1


def file(name: str, text, binary: bool = False) -> str:
    path = work / name
    path.write_bytes(text) if binary else path.write_text(text)
    return str(path)


# 1. Deep and long override paths, through explain, run and snapshot.
for depth in (33, 100, 1000, 3000, 10000):
    for cmd in (["explain", CF], ["run", CF, "-r", "1"], ["snapshot", CF, "--at", "1 month", "-o", "{OUT}/s.snap"]):
        attempt("1 deep --set paths", cmd + ["--set", "a." * depth + "a=1"], "refuse", "--set")
attempt("1 deep --set paths", ["explain", CF, "--set", "x" * 5000 + "=1"], "refuse", "--set")

# 6. Duplicate keys at every level, and duplicate variants.
for key, body in (("horizon", "horizon: 1 year\nhorizon: 2 years\n"),
                  ("accounts", "accounts: {initial_active: 5}\naccounts: {initial_active: 6}\n"),
                  ("initial_active", "accounts:\n  initial_active: 5\n  initial_active: 6\n"),
                  ("hunt_share", "managers:\n  - {name: b, time: {name: hunter, hunt_share: 0.2, hunt_share: 0.3}}\n"),
                  ("name", "managers:\n  - {name: b, name: c}\n"),
                  ("v", "variants:\n  v: {}\n  v: {horizon: 1 year}\n"),
                  ("support_staff", "variants:\n  v:\n    service: {support_staff: 1, support_staff: 2}\n"),
                  ("seed", "experiment: {seed: 1, seed: 2}\n")):
    attempt("6 duplicate keys", ["validate", file(f"dup_{key}.yaml", TEAM + body)], "refuse", "duplicate key")

# 7. A file that extends a base and names itself keeps the base.
attempt("7 extends with a name", ["explain", file("child.yaml", f"name: child\nextends: {CF}\n")], "accept")
attempt("7 extends with a name", ["validate", file("vname.yaml", TEAM + "variants:\n  v: {name: w}\n")], "refuse", "vname.yaml:5:")

# 8. Names that would be paths.
for bad in ("../../x", "a/b", "..", ".hidden", "-dash", "base", "x" * 65, "tab\there", "semi;colon", "quote\"d"):
    attempt("8 names as paths", ["validate", file("vn.yaml", TEAM + f"variants:\n  {bad!r}: {{}}\n".replace("'", '"'))],
            "refuse", "vn.yaml:")
    if bad != "base":
        attempt("8 names as paths", ["validate", file("sn.yaml", f"name: {bad!r}\n".replace("'", '"') + TEAM)], "refuse", "sn.yaml:")

# 9. Seeds.
for bad in ("-1", "1.5", "1e3", "18446744073709551616", "0x10", " 7", "7 ", "", "+3", "nan"):
    # (an empty --seed= makes the parser take the next argument as the seed: refused, in its words)
    attempt("9 seeds", ["run", CF, "-r", "1", f"--seed={bad}", "--set", "accounts.initial_active=20"], "refuse",
            "--seed" if bad else "")
    attempt("9 seeds", ["validate", file("seed.yaml", TEAM + f"experiment: {{seed: '{bad}'}}\n")], "refuse", "seed.yaml:4:")
for good in ("0", "1", "9007199254740993", "18446744073709551615"):
    attempt("9 seeds", ["run", CF, "-r", "1", "--seed", good, "--set", "accounts.initial_active=20",
                        "--set", "accounts.initial_prospects=50", "-q"], "accept")

# 10. Fractions, documents, NUL bytes, trailing text, missing order targets, ignored overrides.
for body in ("experiment: {replications: 2.5}\n", "experiment: {horizon: 6000 years}\n", "experiment: {horizon: 0 days}\n",
             "organisation: {positions: [1.5]}\n", "market: {initial_regime: 0.5}\n",
             "orders: [{at: 1 year, kind: no_contact, account: 3.5}]\n",
             "orders: [{at: 1 year, kind: no_contact, account: 99999999}]\n",
             "orders: [{at: 1 year, kind: reassign_book, manager: 7}]\n",
             "orders: [{at: 1 year, kind: reassign_book, manager: 0.5}]\n",
             "horizon: \"2 years\\nextra\"\n", "churn: {base_rate: \"0.1 per year\\n9\"}\n",
             "---\nhorizon: 1 year\n", "...\n---\nhorizon: 1 year\n",
             "variants:\n  v: {experiment: {seed: 3}}\n", "variants:\n  v: {experiment: {replications: 3}}\n",
             "variants:\n  v: {extends: other.yaml}\n", "variants:\n  v: [1, 2]\n"):
    attempt("10 silently changed values", ["validate", file("f10.yaml", TEAM.replace("positions: [1]", "positions: [1]") + body
                                                             if not body.startswith("organisation") else
                                                             TEAM.replace("organisation: {positions: [1]}\n", "") + body)],
            "refuse", "f10.yaml:")
for at in (0, 5, 20, 60):
    text = (TEAM + "horizon: 1 year\n").encode()
    attempt("10 silently changed values", ["validate", file("nul.yaml", text[:at] + b"\x00" + text[at:], binary=True)],
            "refuse", "a NUL byte")
for s in ("extends=other.yaml", "name=x", "variants.nosuch.horizon=1 year", "variants.all_comply=1", "horizon=2 years\nx"):
    attempt("10 silently changed values", ["explain", CF, "--set", s], "refuse", "--set")
snap = str(work / "cf.snap")
subprocess.run([BIN, "snapshot", CF, "--at", "6 months", "-r", "1", "-o", snap, "-q", "--set", "accounts.initial_active=20"], check=True)
for s in ("experiment.seed=5", "experiment.replications=3", "experiment.outputs=[runs]"):
    attempt("10 silently changed values", ["fork", snap, "--set", s], "refuse", "--set")

# 11. Comparisons over other horizons, and events that never happen.
attempt("11 not comparable", ["run", file("hz.yaml", f"extends: {CF}\nvariants:\n  short: {{horizon: 1 year}}\n"),
                              "--all-variants", "-r", "2", "--set", "accounts.initial_active=20", "-q"], "accept")
for ev in ("market:\n  shocks: [{at: 30 years, severity: 0.5}]\n", "orders: [{at: 40 years, kind: cut_support, fraction: 0.5}]\n",
           "conferences: [{at: 50 years, duration: 2 days}]\n"):
    attempt("11 not comparable", ["validate", file("late.yaml", TEAM + ev)], "accept")

# 12. Files that are not files, or too large.
fifo = work / "fifo.yaml"
os.mkfifo(fifo)
big = work / "big.yaml"
with open(big, "wb") as f:
    f.truncate(40 << 20)
for path in (str(fifo), "/dev/zero", "/dev/null", "/dev/urandom", str(big), str(work), "/proc/self/mem"):
    attempt("12 non-regular and huge files", ["validate", path], "refuse", path)
    attempt("12 non-regular and huge files", ["validate", file("ext.yaml", f"extends: {path}\n")], "refuse", "ext.yaml:1:10")
attempt("12 non-regular and huge files", ["fork", str(fifo)], "refuse", "fifo.yaml")

# 13. Large but legitimate files load (a bound on time, not a benchmark).
attempt("13 large files", ["validate", file("v2000.yaml", TEAM.replace("[1]", "[1]") + "variants:\n" +
                                             "".join(f"  v{i}: {{horizon: {1 + i % 7} years}}\n" for i in range(2000)))], "accept")
attempt("13 large files", ["validate", file("m1e5.yaml", "managers:\n" + "".join(
    f"  - {{name: m{i}, strategy: hunter/attentive/calm}}\n" for i in range(100000)) + "organisation: {positions: [100000]}\n")],
        "accept")
attempt("13 large files", ["validate", file("k1e6.yaml", TEAM + "".join(f"k{i}: 1\n" for i in range(1000000)))],
        "refuse", "more problems")

# 19. A new user's command lines.
for args in (["run", "--variant", "all_comply", "-r", "1", CF, "-q"], ["run", "-r", "1", "--set", "horizon=1 year", CF, "-q"],
             ["run", "ann_vs_darren", "-r", "1", "-q"], ["explain", "market_shock"], ["validate", "baseline"]):
    attempt("19 command lines", args, "accept")
attempt("19 command lines", ["explain", "markt_shock"], "refuse", "did you mean 'market_shock'")
attempt("19 command lines", ["validate", file("spaces.yaml", TEAM + "horizon: \"2  years\"\n")], "accept")  # spacing is not a value

rows = list(table.items())
total = {c: sum(r[c] for _, r in rows) for c in COLUMNS}
print("| class | " + " | ".join(COLUMNS) + " |")
print("|---|" + "---:|" * len(COLUMNS))
for name, r in rows:
    print(f"| {name} | " + " | ".join(str(r[c]) for c in COLUMNS) + " |")
print("| all | " + " | ".join(f"**{total[c]}**" for c in COLUMNS) + " |")
for f in failures:
    print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else 0)
