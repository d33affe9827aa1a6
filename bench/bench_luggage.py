"""Left luggage: what a check-in, a claim, the board and a lost-ticket search cost on a
busy day, and a race of simultaneous claims that must release each bag once.

Domain calls and console pages run in-process (Flask test client) on a real SQLite
file (WAL, synchronous=FULL: every commit waits for the disk), with a history of
closed tickets behind the bags in custody, like a station late in the season.

    .venv/bin/python bench/bench_luggage.py [--rounds N] [--history N]
"""

import argparse
import datetime
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import latency_row  # noqa: E402
from bench.harness import print_table  # noqa: E402
from bench.harness import timed  # noqa: E402




def add_history(n, volunteer, now):
    """Insert n closed two-bag tickets from past days in one transaction (the season so far)."""
    from kiosk import tokens
    from kiosk.luggage import LuggageBag
    from kiosk.luggage import LuggageDeposit
    from kiosk.models import database

    with database.atomic():
        for i in range(n):
            when = now - datetime.timedelta(days=1 + i % 60, minutes=i % 600)
            deposit = LuggageDeposit.create(code=tokens.new_code(), day=when.date(), checked_in_at=when,
                                            due_at=when + datetime.timedelta(hours=4), expires=when.date(),
                                            shelf="ABC"[i % 3], bags=2, volunteer=volunteer, closed_at=when)
            LuggageBag.insert_many([{"deposit": deposit.id, "number": k, "kind": "box", "released_at": when,
                                     "released_by": volunteer, "release": "claim"} for k in (1, 2)]).execute()




def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--history", type=int, default=5000, help="closed tickets already in the database")
    args = parser.parse_args()

    from kiosk import create_app
    from kiosk import luggage
    from kiosk.luggage import tickets as luggage_tickets
    from kiosk import stations
    from kiosk import volunteers
    from kiosk.errors import Conflict
    from kiosk.models import database

    with tempfile.TemporaryDirectory() as workdir:
        shelves = {"A": 80, "B": 80, "C": 80}
        app = create_app({"INSTANCE_PATH": f"{workdir}/instance", "LUGGAGE_SHELVES": shelves,
                          "WTF_CSRF_ENABLED": False, "TESTING": True})
        rules = luggage.Rules.from_config(app.config)
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        due = now + datetime.timedelta(hours=6)
        with app.app_context(), database.connection_context():
            keys = luggage.Keys(stations.current().kiosk_id, app.config["SIGNING_KEY"], app.config["PII_KEY"])
            volunteer = volunteers.add("王芳", "2468").id
            add_history(args.history, volunteer, now)

            rows = []
            made = []
            rows.append(latency_row("check-in, 2 bags (domain, 1 commit)", timed(
                lambda: made.append(luggage.check_in(["box", "woven_bag"], "ABC"[len(made) % 3], due, "4321",
                                                     volunteer, rules, keys, now=now)), args.rounds // 4)))
            station = stations.current()

            def slips(deposit):
                return luggage_tickets.slips(deposit, luggage.bags_of(deposit), station, keys,
                                             lambda message, **params: message % params if params else message)

            rows.append(latency_row("check-in, 2 bags + ticket job queued (ESC/POS built)", timed(
                lambda: made.append(luggage.check_in(["box", "woven_bag"], "ABC"[len(made) % 3], due, "4321",
                                                     volunteer, rules, keys, now=now, slips=slips)),
                args.rounds // 4)))
            claims = iter(list(made))
            rows.append(latency_row("claim 1 bag by code (domain, 1 commit)", timed(
                lambda: luggage.claim(next(claims).code, [1], volunteer, keys, now=now), len(made))))
            rows.append(latency_row(f"custody board, {luggage.in_custody()} bags in custody", timed(
                lambda: luggage.board(rules, now), args.rounds)))
            rows.append(latency_row("lost-ticket search (day + kind + phone)", timed(
                lambda: luggage.find_lost(made[0].day, "woven_bag", "4321", keys), args.rounds)))

        client = app.test_client()
        client.post("/volunteer/sign-in", data={"volunteer_id": volunteer, "pin": "2468"})
        for path in ("/volunteer/luggage/", "/volunteer/luggage/check-in"):
            client.get(path)  # warm-up: template compile
        rows.append(latency_row("console desk page (board, full HTML)", timed(
            lambda: client.get("/volunteer/luggage/"), args.rounds)))
        printed = made[-1].id  # the last check-in queued a job: owner's ticket + 2 tags
        rows.append(latency_row("ticket page after check-in (HTML)", timed(
            lambda: client.get(f"/volunteer/luggage/t/{printed}?printed=1"), args.rounds)))
        rows.append(latency_row("one slip preview (PNG, the printer's renderer)", timed(
            lambda: client.get(f"/volunteer/luggage/t/{printed}/slip/1.png"), args.rounds // 10)))
        rows.append(latency_row("check-in form redraw (htmx, add a bag)", timed(
            lambda: client.get("/volunteer/luggage/check-in?bag=box&add=suitcase", headers={"HX-Request": "true"}),
            args.rounds)))

        # The race: two volunteers' tablets claim the same bag at the same instant.
        released = refused = 0
        race_ms = []
        for _ in range(args.rounds):
            with app.app_context(), database.connection_context():
                target = luggage.check_in(["box"], "A", due, "", volunteer, rules, keys, now=now)
            barrier = threading.Barrier(2)
            outcomes = []

            def claim_once(code=target.code, barrier=barrier, outcomes=outcomes):
                with app.app_context(), database.connection_context():
                    barrier.wait()
                    try:
                        luggage.claim(code, [1], volunteer, keys, now=now)
                        outcomes.append("released")
                    except Conflict:
                        outcomes.append("refused")

            threads = [threading.Thread(target=claim_once) for _ in range(2)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            race_ms.append((time.perf_counter() - start) * 1000)
            released += outcomes.count("released")
            refused += outcomes.count("refused")
        rows.append(latency_row("two simultaneous claims of one bag (both answered)", race_ms))

    print(f"{platform.python_version()}, {platform.machine()}, SQLite WAL synchronous=FULL; "
          f"{args.history} closed tickets (2 bags each) in the history")
    print_table(rows, header=("operation", "p50 ms", "p99 ms", "mean ms", "runs"))
    print(f"\nrace: {args.rounds} rounds, {released} released, {refused} refused, "
          f"{released - args.rounds} double releases")


if __name__ == "__main__":
    main()
