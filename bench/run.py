#!/usr/bin/env python3
"""Benchmark: cost per Orchestrator instance of the smtp_mail role against a hand-written uri playbook and
the one-task floor.

For each N in --sizes, N emulator processes (one per instance, see fleet.py) and a generated inventory of N
hosts in group ``orchestrators``; then these phases, each timed end to end (the ansible-playbook process)
and counted from every emulator's request log (cleared before each phase):

  apply         (a) first apply of playbooks/smtp_mail.yml on the seed state (a change on every instance)
  noop          (b) the same playbook again on the converged state
  check         (c1) --check on the converged state
  check_change  (c2) --check with a pending change (-e smtp_mail_from_display_name=...), must write nothing
  baseline      (d) bench/baseline_uri.yml: login, GET, UpdateBulk on every run
  floor         (e) bench/floor.yml: one ansible.builtin.ping per host (one module process per host)
  floor_debug   (f) bench/floor_debug.yml: one ansible.builtin.debug per host (no module process: the true floor)
  noop_noargspec (g) bench/role_action.yml: the role's one task without the role (no argument-spec validation)
  module_task   (h) bench/module_task.yml: orchestrator_mail_settings as one play task, literal arguments
  noop_core_argspec (i) bench/role_core_argspec.yml: the role under `roles:`, with ansible-core's argument-spec task

Prints a table, ``ratio`` lines per N (noop/debug-floor, noop/ping-floor, baseline/noop, requests per instance)
and ``target`` lines at N=50. Runs with the Python (and so the ansible-core) that runs it:
Usage: .venv/bin/python bench/run.py [--sizes 50,200] [--forks 20] [--repeat 1]
       make bench CORE=2.16      (the matrix venv build/matrix/2.16)
"""

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fleet import Fleet  # noqa: E402
from inventory import PENDING_CHANGE, SEED_ORGANIZATION_ID, write_inventory  # noqa: E402

REPO = HERE.parent

# name, label, playbook key, extra args, expectations
PHASES = [
    ("apply", "(a) first apply", "role", [], {"writes_per_instance": 1, "changed_hosts": "all"}),
    ("noop", "(b) no-op rerun", "role", [], {"writes_per_instance": 0, "changed_hosts": 0}),
    ("check", "(c1) --check converged", "role", ["--check"], {"writes_per_instance": 0, "changed_hosts": 0}),
    ("check_change", "(c2) --check pending change", "role",
     ["--check", "-e", json.dumps(PENDING_CHANGE)], {"writes_per_instance": 0, "changed_hosts": "all"}),
    ("baseline", "(d) baseline uri", "baseline", [], {"writes_per_instance": 1}),
    ("floor", "(e) floor ping", "floor", [], {"requests_per_instance": 0}),
    ("floor_debug", "(f) floor debug", "floor_debug", [], {"requests_per_instance": 0}),
    ("noop_noargspec", "(g) no-op, role task without argspec validation", "role_action", [],
     {"writes_per_instance": 0, "changed_hosts": 0}),
    ("module_task", "(h) no-op, settings module as one play task", "module_task", [],
     {"writes_per_instance": 0, "changed_hosts": 0}),
    ("noop_core_argspec", "(i) no-op, role under roles: (core's argspec task)", "role_core_argspec", [],
     {"writes_per_instance": 0, "changed_hosts": 0}),
]

RATIO_PHASES = ("noop", "baseline", "floor", "floor_debug", "noop_noargspec", "module_task", "noop_core_argspec")
TARGETS_AT = (50, 200)
#: (phase, its limit as a multiple of the debug floor) - wall time and CPU seconds, at every N of TARGETS_AT
FLOOR_TARGETS = (("noop", 2.5, "role no-op (site.yml: the role checks its argument spec itself)"),
                 ("noop_core_argspec", 2.5, "role no-op under roles: (ansible-core's argument-spec task)"),
                 ("noop_noargspec", 2.0, "role no-op without argument-spec validation"),
                 ("module_task", 1.5, "settings module as one play task"))
RECAP_RE = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)"
                      r"(?:\s+skipped=(\d+))?(?:\s+rescued=(\d+))?(?:\s+ignored=(\d+))?", re.M)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="50,200", help="comma-separated instance counts (default 50,200)")
    p.add_argument("--forks", type=int, default=20, help="ansible-playbook --forks (default 20)")
    p.add_argument("--repeat", type=int, default=1,
                   help="full rounds over all phases, each from the seed; the best round is reported (default 1)")
    p.add_argument("--ratio-repeat", type=int, default=2,
                   help="rounds for the phases the ratios use (noop, baseline, floor); default 2")
    p.add_argument("--phases", default=",".join(ph[0] for ph in PHASES),
                   help="comma-separated subset of: " + ", ".join(ph[0] for ph in PHASES))
    p.add_argument("--playbook", default="playbooks/smtp_mail.yml", help="the role's playbook (repo-relative)")
    p.add_argument("--emulator-root", default=str(REPO / "tests" / "lab"),
                   help="directory containing the emulators package (default: tests/lab)")
    p.add_argument("--profile", default="2020.10", choices=["2020.10", "2023.10"],
                   help="emulator profile: 2020.10 = classic API only (default); 2023.10 = Identity API too "
                        "(the inventory then uses scope organization with the seed organization)")
    p.add_argument("--api", default="", choices=["", "auto", "classic", "identity"],
                   help="set smtp_mail_api in the inventory (default: unset, i.e. the role's default)")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                   help="extra environment for every ansible-playbook run (e.g. ANSIBLE_PIPELINING=1); repeatable")
    p.add_argument("--workdir", default=str(REPO / "build" / "bench"),
                   help="inventories, ansible logs and results.json (default build/bench)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = p.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.phases = [s.strip() for s in args.phases.split(",") if s.strip()]
    unknown = set(args.phases) - {ph[0] for ph in PHASES}
    if unknown:
        p.error("unknown phase(s): " + ", ".join(sorted(unknown)))
    for kv in args.env:
        if "=" not in kv:
            p.error(f"--env wants KEY=VALUE, got {kv!r}")
    return args


def ansible_env(extra):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PYTHONUNBUFFERED="1")
    cfg = REPO / "ansible.cfg"
    if cfg.is_file():
        env["ANSIBLE_CONFIG"] = str(cfg)
    else:
        env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / ".collections"))
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    for kv in extra:
        k, v = kv.split("=", 1)
        env[k] = v
    return env


def ansible_playbook_bin():
    local = Path(sys.executable).parent / "ansible-playbook"
    return str(local) if local.exists() else (shutil.which("ansible-playbook") or "ansible-playbook")


def ansible_core_version():
    try:
        from ansible.release import __version__
        return __version__
    except ImportError:
        return "(not importable from this Python)"


def run_playbook(playbook, inventory, forks, extra_args, env, log_path):
    cmd = [ansible_playbook_bin(), "-i", str(inventory), "-f", str(forks), str(playbook), *extra_args]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=str(REPO), env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU of ansible-playbook and every process it reaped (workers, modules): far less sensitive than wall
    # time to other load on the machine. Emulators are not children of this run, so they are not counted.
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    log_path.write_text("$ " + " ".join(cmd) + "\n" + proc.stdout, encoding="utf-8")
    recap = {"hosts": 0, "changed_hosts": 0, "failed": 0, "unreachable": 0, "tasks_ok": 0}
    for m in RECAP_RE.finditer(proc.stdout):
        recap["hosts"] += 1
        recap["tasks_ok"] += int(m.group(2))
        recap["changed_hosts"] += int(m.group(3)) > 0
        recap["unreachable"] += int(m.group(4))
        recap["failed"] += int(m.group(5))
    return {"rc": proc.returncode, "wall": wall, "cpu": cpu, "recap": recap}


def summarize_requests(logs):
    n = len(logs) or 1
    endpoints = {}
    for log in logs:
        for ep, c in log["counts"].items():
            endpoints[ep] = endpoints.get(ep, 0) + c
    return {
        "per_instance": sum(lg["total"] for lg in logs) / n,
        "max_per_instance": max((lg["total"] for lg in logs), default=0),
        "writes": sum(lg["writes"] for lg in logs),
        "max_writes_per_instance": max((lg["writes"] for lg in logs), default=0),
        "endpoints": dict(sorted(endpoints.items())),
    }


def verdict(expect, n, res):
    problems = []
    if res["rc"] != 0:
        problems.append(f"rc={res['rc']}")
    rc = res["recap"]
    if rc["hosts"] != n:
        problems.append(f"recap hosts {rc['hosts']}/{n}")
    if rc["failed"] or rc["unreachable"]:
        problems.append(f"failed={rc['failed']} unreachable={rc['unreachable']}")
    req = res["requests"]
    if "writes_per_instance" in expect and req["writes"] != expect["writes_per_instance"] * n:
        problems.append(f"writes {req['writes']} != {expect['writes_per_instance'] * n}")
    if "requests_per_instance" in expect and req["max_per_instance"] != expect["requests_per_instance"]:
        problems.append(f"requests {req['max_per_instance']} != {expect['requests_per_instance']}")
    want = expect.get("changed_hosts")
    if want is not None and rc["changed_hosts"] != (n if want == "all" else want):
        problems.append(f"changed hosts {rc['changed_hosts']} != {n if want == 'all' else want}")
    return "ok" if not problems else "UNEXPECTED: " + "; ".join(problems)


def inventory_options(args):
    extra = {}
    if args.api:
        extra["smtp_mail_api"] = args.api
    if args.profile != "2020.10":
        extra.update(smtp_mail_scope="organization", smtp_mail_organization_id=SEED_ORGANIZATION_ID)
    return {"extra_vars": extra}


def bench_size(n, args, env, playbooks, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    t_start = time.perf_counter()
    with Fleet(n, args.emulator_root, extra_args=("--profile", args.profile)) as fleet:
        startup = time.perf_counter() - t_start
        inv = out_dir / "inventory.yml"
        write_inventory(inv, [i.url for i in fleet.instances], **inventory_options(args))
        print(f"# N={n}: {n} emulator process(es) ready in {startup:.1f}s; inventory {inv}", flush=True)
        phases = [ph for ph in PHASES if ph[0] in args.phases]
        runs = {}
        for name, label, pb_key, _, _ in phases:
            if not playbooks[pb_key].is_file():
                results[name] = {"label": label, "skipped": f"{playbooks[pb_key].relative_to(REPO)} missing"}
                print(f"#   {label}: skipped ({results[name]['skipped']})", flush=True)
        # Repetitions go round-robin over the phases (not phase by phase), so a burst of other load on the
        # machine hits the role, the baseline and the floor alike instead of one of them.
        for r in range(max(args.repeat, args.ratio_repeat)):
            full = r < args.repeat
            if full:
                fleet.reset()  # every full round starts from the seed, so (a) is a real first apply
                if "apply" not in args.phases and playbooks["role"].is_file():
                    # Phases after (a) assume the converged state: converge once, untimed.
                    run_playbook(playbooks["role"], inv, args.forks, [], env, out_dir / f"converge.{r + 1}.log")
            for name, label, pb_key, extra, _ in phases:
                if name in results or (not full and name not in RATIO_PHASES):
                    continue  # extra rounds re-run only the phases the ratios use (state stays converged)
                fleet.clear_log()
                res = run_playbook(playbooks[pb_key], inv, args.forks, extra, env, out_dir / f"{name}.{r + 1}.log")
                res["requests"] = summarize_requests(fleet.request_logs())
                runs.setdefault(name, []).append(res)
                print(f"#   round {r + 1} {label}: {res['wall']:.2f}s, "
                      f"{res['requests']['per_instance']:.2f} req/instance, rc={res['rc']}", flush=True)
        for name, label, _, _, expect in phases:
            if name not in runs:
                continue
            bad = [x for x in runs[name] if x["rc"] != 0]
            res = dict(bad[0] if bad else runs[name][-1])  # a failed round is what gets reported
            res["walls"] = [x["wall"] for x in runs[name]]
            res["wall"] = min(res["walls"])  # best of the rounds: other load only ever adds time
            res["cpus"] = [x["cpu"] for x in runs[name]]
            res["cpu"] = min(res["cpus"])
            res["label"] = label
            res["verdict"] = verdict(expect, n, res)
            results[name] = res
    return results


def fmt_endpoints(eps):
    return " ".join(f"{k.split('.', 1)[-1] if k.startswith('classic.') else k}:{v}" for k, v in eps.items()) or "-"


def print_table(all_results, args):
    print()
    print(f"## Results (forks={args.forks}; rounds: {args.repeat}, {max(args.repeat, args.ratio_repeat)} for "
          f"{'/'.join(RATIO_PHASES)}; wall and cpu = best of the rounds; requests from the emulators' logs)")
    print()
    print("| N | phase | wall s | ms/host | cpu s | req/inst | max req/inst | writes | endpoints (sum over instances) "
          "| hosts changed | check |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---|")
    for n, results in all_results.items():
        for name, label, *_ in PHASES:
            if name not in results:
                continue
            r = results[name]
            if "skipped" in r:
                print(f"| {n} | {label} | - | - | - | - | - | - | - | - | skipped: {r['skipped']} |")
                continue
            q = r["requests"]
            print(f"| {n} | {label} | {r['wall']:.2f} | {1000 * r['wall'] / n:.0f} | {r['cpu']:.1f} "
                  f"| {q['per_instance']:.2f} "
                  f"| {q['max_per_instance']} | {q['writes']} | {fmt_endpoints(q['endpoints'])} "
                  f"| {r['recap']['changed_hosts']}/{n} | {r['verdict']} |")


def valid(results, name):
    """The phase's result when it ran and its playbook succeeded, else None (no ratio from a failed run)."""
    r = results.get(name)
    return r if r and "wall" in r and r["rc"] == 0 else None


def wall(results, name, key="wall"):
    r = valid(results, name)
    return r[key] if r else None


def ratio_text(a, b):
    return f"{a / b:.2f}x  ({a:.2f}s / {b:.2f}s)"


def print_ratios_and_targets(all_results, total_elapsed):
    """Per N: noop/debug-floor, noop/ping-floor, baseline/noop (wall, best round) and the requests per instance
    of a no-op; the same ratios in CPU seconds; then the targets at N=50."""
    print()
    sizes = list(all_results)
    for n in sizes:
        res = all_results[n]
        noop, ping, debug, base = (wall(res, p) for p in ("noop", "floor", "floor_debug", "baseline"))
        if noop and debug:
            print(f"ratio N={n} noop/debug-floor = {ratio_text(noop, debug)}")
        if noop and ping:
            print(f"ratio N={n} noop/ping-floor = {ratio_text(noop, ping)}")
        if noop and base:
            print(f"ratio N={n} uri-baseline/noop = {ratio_text(base, noop)}")
        for phase in ("noop_noargspec", "module_task", "noop_core_argspec"):
            x = wall(res, phase)
            if x and debug:
                print(f"ratio N={n} {phase}/debug-floor = {ratio_text(x, debug)}")
        r = valid(res, "noop")
        if r:
            q = r["requests"]
            print(f"requests N={n} per instance on a no-op = {q['per_instance']:.2f} (max {q['max_per_instance']}; "
                  f"{fmt_endpoints(q['endpoints'])})")
    for n in sizes:  # the same ratios in CPU seconds (robust to other load; not what the targets use)
        noop, ping, debug, base = (wall(all_results[n], p, "cpu") for p in ("noop", "floor", "floor_debug",
                                                                            "baseline"))
        parts = []
        if noop and debug:
            parts.append(f"noop/debug-floor = {noop / debug:.2f}")
        if noop and ping:
            parts.append(f"noop/ping-floor = {noop / ping:.2f}")
        if noop and base:
            parts.append(f"uri-baseline/noop = {base / noop:.2f}")
        for phase in ("noop_noargspec", "module_task", "noop_core_argspec"):
            x = wall(all_results[n], phase, "cpu")
            if x and debug:
                parts.append(f"{phase}/debug-floor = {x / debug:.2f}")
        if parts:
            print(f"cpu-ratio N={n} " + ", ".join(parts) + "  (cpu s: " + ", ".join(
                f"{k} {v:.1f}" for k, v in (("noop", noop), ("debug", debug), ("ping", ping), ("baseline", base))
                if v) + ")")
    if len(sizes) >= 2:
        lo, hi = min(sizes), max(sizes)
        parts = []
        for name in ("noop", "apply", "baseline", "floor", "floor_debug"):
            a, b = wall(all_results[lo], name), wall(all_results[hi], name)
            if a is not None and b is not None:
                parts.append(f"{name} {1000 * (b - a) / (hi - lo):.0f}")
        if parts:
            print(f"marginal ms per extra host (N={lo}->{hi}): " + ", ".join(parts))
    print()
    missed = 0

    def target(name, ok, detail):
        nonlocal missed
        if ok is None:
            print(f"target {name}: not measured ({detail})")
            return
        missed += not ok
        print(f"target {name}: {'met' if ok else 'MISSED'} ({detail})")

    for n in [x for x in sizes if x in TARGETS_AT] or [max(sizes)]:
        label = f"N={n}" + ("" if n in TARGETS_AT else f" (targets are defined at N={TARGETS_AT})")
        res = all_results[n]
        debug = wall(res, "floor_debug")
        debug_cpu = wall(res, "floor_debug", "cpu")
        for phase, limit, what in FLOOR_TARGETS:
            a, c = wall(res, phase), wall(res, phase, "cpu")
            if a and debug:
                target(f"{what} <= {limit}x debug floor {label}", a / debug <= limit,
                       f"wall {a / debug:.2f}x ({a:.2f}s / {debug:.2f}s); cpu {c / debug_cpu:.2f}x "
                       f"({c:.1f}s / {debug_cpu:.1f}s)")
            else:
                target(f"{what} <= {limit}x debug floor {label}", None, "a phase it needs was not run or failed")
        noop, ping, base = (wall(res, p) for p in ("noop", "floor", "baseline"))
        for name, a, b, limit, le in (("noop<=0.6x ping floor", noop, ping, 0.6, True),
                                      ("uri-baseline>=5x noop", base, noop, 5.0, False)):
            if a and b:
                x = a / b
                target(f"{name} {label}", x <= limit if le else x >= limit, f"{x:.2f}x")
            else:
                target(f"{name} {label}", None, "a phase it needs was not run or failed")
        for phase, limit, what in (("noop", 2, "no-op"), ("apply", 3, "change")):
            r = valid(res, phase)
            if r:
                m = r["requests"]["max_per_instance"]
                target(f"requests<= {limit}/instance on a {what} {label}", m <= limit, f"max {m}, mean "
                       f"{r['requests']['per_instance']:.2f}, endpoints {fmt_endpoints(r['requests']['endpoints'])}")
            else:
                target(f"requests<= {limit}/instance on a {what} {label}", None, f"{phase} not run or failed")
    target("whole bench < 600s", total_elapsed < 600, f"{total_elapsed:.0f}s on {os.cpu_count()} CPU(s)")
    return missed


def loadavg():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv=None):
    args = parse_args(argv)
    t0 = time.perf_counter()
    load0 = loadavg()
    env = ansible_env(args.env)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    playbooks = {"role": (REPO / args.playbook).resolve(), "baseline": HERE / "baseline_uri.yml",
                 "floor": HERE / "floor.yml", "floor_debug": HERE / "floor_debug.yml",
                 "role_action": HERE / "role_action.yml", "module_task": HERE / "module_task.yml",
                 "role_core_argspec": HERE / "role_core_argspec.yml"}
    print(f"# bench: sizes={args.sizes} forks={args.forks} rounds={args.repeat} "
          f"(ratio phases {max(args.repeat, args.ratio_repeat)}) phases={','.join(args.phases)} "
          f"emulator profile {args.profile}, smtp_mail_api={args.api or '(role default)'}; "
          f"one emulator process per instance"
          + (f" env={' '.join(args.env)}" if args.env else ""))
    print(f"# ansible-core {ansible_core_version()} on Python {sys.version.split()[0]}: {ansible_playbook_bin()} "
          f"({'ANSIBLE_CONFIG=' + env['ANSIBLE_CONFIG'] if 'ANSIBLE_CONFIG' in env else 'no ansible.cfg'}); "
          f"logs in {workdir}", flush=True)
    # Untimed warm-up so the first measured run does not pay for cold caches / bytecode compilation.
    with Fleet(1, args.emulator_root, extra_args=("--profile", args.profile)) as fleet:
        inv = workdir / "warmup-inventory.yml"
        write_inventory(inv, [fleet.instances[0].url], **inventory_options(args))
        for key, extra in (("floor", []), ("floor_debug", []), ("role", ["--check"])):
            if playbooks[key].is_file():
                run_playbook(playbooks[key], inv, args.forks, extra, env, workdir / f"warmup-{key}.log")
    all_results = {}
    for n in args.sizes:
        all_results[n] = bench_size(n, args, env, playbooks, workdir / f"n{n}")
    elapsed = time.perf_counter() - t0
    print_table(all_results, args)
    missed = print_ratios_and_targets(all_results, elapsed)
    (workdir / "results.json").write_text(json.dumps(
        {"args": {k: v for k, v in vars(args).items()}, "elapsed": elapsed,
         "results": {str(n): r for n, r in all_results.items()}}, indent=1, default=str), encoding="utf-8")
    print(f"\n# total {elapsed:.0f}s; load average at start {load0}, at end {loadavg()} "
          f"(other work on the machine inflates wall times); results in {workdir / 'results.json'}")
    failed = any(r.get("rc", 0) != 0 for res in all_results.values() for r in res.values())
    return 1 if failed or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
