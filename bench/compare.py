#!/usr/bin/env python3
"""Profiling helper: compare several playbooks on one converged fleet, round-robin, wall and CPU time.

Used to measure what a change to the role or the Ansible settings would buy before making it, e.g.:

  .venv/bin/python bench/compare.py -n 50 --rounds 3 playbooks/smtp_mail.yml bench/floor.yml /tmp/variant.yml
  .venv/bin/python bench/compare.py -n 50 playbooks/smtp_mail.yml --env ANSIBLE_PIPELINING=0

The fleet is converged once with the first playbook (untimed); every playbook then runs ``--rounds`` times
(interleaved) and the best wall time, best CPU time and the requests per instance of the last round are printed.
A playbook argument may carry extra ansible-playbook arguments after a ``::``, e.g. ``pb.yml::--check``.
"""

import argparse
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fleet import Fleet  # noqa: E402
from inventory import write_inventory  # noqa: E402
from run import REPO, ansible_env, inventory_options, run_playbook, summarize_requests  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("playbooks", nargs="+")
    p.add_argument("-n", type=int, default=50, help="instances (default 50)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--forks", type=int, default=20)
    p.add_argument("--profile", default="2020.10", choices=["2020.10", "2023.10"])
    p.add_argument("--api", default="", choices=["", "auto", "classic", "identity"])
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--workdir", default=str(REPO / "build" / "bench" / "compare"))
    args = p.parse_args(argv)
    env = ansible_env(args.env)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    items = []
    for spec in args.playbooks:
        path, _, extra = spec.partition("::")
        items.append((spec, (REPO / path).resolve(), shlex.split(extra)))
    results = {spec: [] for spec, _, _ in items}
    with Fleet(args.n, REPO, extra_args=("--profile", args.profile)) as fleet:
        inv = work / "inventory.yml"
        write_inventory(inv, [i.url for i in fleet.instances], **inventory_options(args))
        conv = run_playbook(items[0][1], inv, args.forks, [], env, work / "converge.log")
        print(f"# converged with {items[0][0]}: rc={conv['rc']} ({conv['wall']:.1f}s)", flush=True)
        for r in range(args.rounds):
            for k, (spec, path, extra) in enumerate(items):
                fleet.clear_log()
                res = run_playbook(path, inv, args.forks, extra, env, work / f"p{k}.r{r + 1}.log")
                res["requests"] = summarize_requests(fleet.request_logs())
                results[spec].append(res)
                print(f"#   round {r + 1} {spec}: wall {res['wall']:.2f}s cpu {res['cpu']:.1f}s rc={res['rc']}",
                      flush=True)
    print(f"\n| playbook (N={args.n}, forks={args.forks}) | best wall s | best cpu s | cpu ms/host | req/inst | rc |")
    print("|---|---:|---:|---:|---:|---|")
    for spec, runs in results.items():
        q = runs[-1]["requests"]
        cpu = min(x["cpu"] for x in runs)
        print(f"| {spec} | {min(x['wall'] for x in runs):.2f} | {cpu:.1f} | {1000 * cpu / args.n:.0f} "
              f"| {q['per_instance']:.2f} | {','.join(str(x['rc']) for x in runs)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
