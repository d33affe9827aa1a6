"""The end-of-day books late in a season: what the console overview, the day report,
its CSV and its thermal slip cost, and what closing a day costs.

The console overview is redrawn after every tally tap and every 30 s on each
tablet, so it must stay cheap when the database holds a season: 60 simulated
days of count cells, and tens of thousands of vouchers behind the packs.
In-process (Flask test client) on a real SQLite file (WAL, synchronous=FULL).

    .venv/bin/python bench/bench_daybook.py [--rounds N] [--vouchers N]
"""

import argparse
import datetime
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import latency_row  # noqa: E402
from bench.harness import print_table  # noqa: E402
from bench.harness import timed  # noqa: E402

PACKS = ("warm", "return", "tea", "mask", "blanket")






def fill_season(n_vouchers, today):
    """60 days of simulated counts, five stocked packs and n vouchers over those days, mostly collected."""
    from kiosk import simulate
    from kiosk import tokens
    from kiosk import vouchers
    from kiosk.models import database
    from kiosk.vouchers import PackType
    from kiosk.vouchers import Voucher

    simulate.simulate(60, today)
    for key in PACKS:
        vouchers.define_pack(key, f"礼包{key}", "矿泉水、口罩")
        vouchers.stock_in(key, 100_000, "到货")
    campaign = vouchers.add_campaign("春风行动", today - datetime.timedelta(days=60), today + datetime.timedelta(days=30))
    offers = [vouchers.offer(campaign.id, key, "day").id for key in PACKS]
    pack_ids = {o: vouchers.get_pack(k).id for o, k in zip(offers, PACKS)}
    with database.atomic():
        rows = []
        for i in range(n_vouchers):
            day = today - datetime.timedelta(days=i % 60)
            at = datetime.datetime.combine(day, datetime.time(2, i % 60))
            offer = offers[i % len(offers)]
            closed = i % 10 != 0  # nine in ten collected
            rows.append({"code": tokens.new_code(), "request_token": f"bench{i}", "pack_type": pack_ids[offer],
                         "campaign": campaign.id, "day": day, "issued_at": at, "expires": day,
                         "state": "redeemed" if closed else "issued", "closed_at": at if closed else None})
        for start in range(0, len(rows), 500):
            Voucher.insert_many(rows[start:start + 500]).execute()
        for pack_id in pack_ids.values():  # what issue() would have reserved
            open_ones = Voucher.select().where(Voucher.pack_type == pack_id, Voucher.state == "issued").count()
            PackType.update(reserved=open_ones).where(PackType.id == pack_id).execute()
    vouchers.release_expired()  # as the stock writes of the season would have, lazily


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--vouchers", type=int, default=30_000)
    args = parser.parse_args()

    from kiosk import clock
    from kiosk import create_app
    from kiosk import daybook
    from kiosk import printing
    from kiosk import tallies
    from kiosk import volunteers
    from kiosk.models import CountCell
    from kiosk.models import database

    with tempfile.TemporaryDirectory() as workdir:
        app = create_app({"INSTANCE_PATH": f"{workdir}/instance", "WTF_CSRF_ENABLED": False, "TESTING": True})
        with app.app_context(), database.connection_context():
            today = clock.local_day()
            manager = volunteers.add("李站长", "135792", "manager").id
            fill_season(args.vouchers, today)
            for service in ("tea_water", "guidance"):
                tallies.tap(service, manager, people=3)
            cells = CountCell.select().count()
            rows = [latency_row("day sheet (domain, live)", timed(lambda: daybook.live_sheet(today), args.rounds), "")]
            sheet = daybook.live_sheet(today)
            ticket = daybook.slip(sheet, lambda text, **params: text % params if params else text, "乐山客运中心站")
            profile = printing.profile()
            from kiosk.printing import escpos_build

            data = escpos_build.build(ticket, profile)
            rows.append(latency_row("report slip: ticket + ESC/POS bytes", timed(
                lambda: escpos_build.build(daybook.slip(sheet, lambda t, **p: t % p if p else t, "乐山"), profile),
                args.rounds // 4), f"{len(data)} B"))

        client = app.test_client()
        client.post("/volunteer/sign-in", data={"volunteer_id": manager, "pin": "135792"})
        pages = [
            ("console home (overview + tallies, HTML)", "/volunteer/", {}),
            ("overview refresh (htmx partial)", "/volunteer/day/overview", {"HX-Request": "true"}),
            ("day report page (HTML)", f"/volunteer/day/{today}", {}),
            ("day report CSV", f"/volunteer/day/{today}.csv", {}),
        ]
        for _name, path, headers in pages:
            client.get(path, headers=headers)  # warm-up: template compile
        for name, path, headers in pages:
            size = len(client.get(path, headers=headers).data)
            rows.append(latency_row(name, timed(lambda p=path, h=headers: client.get(p, headers=h), args.rounds), f"{size} B"))
        closing = timed(lambda: client.post(f"/volunteer/day/{today}/close"), 1)
        rows.append(latency_row("close the day (snapshot + audit, 1 commit)", closing, ""))
        rows.append(latency_row("closed day report (from the snapshot)", timed(
            lambda: client.get(f"/volunteer/day/{today}"), args.rounds), ""))

    baud = 9600
    print(f"{args.rounds} rounds; {cells} count cells, {args.vouchers} vouchers, {len(PACKS)} packs; "
          f"{platform.python_version()}, {platform.machine()}, SQLite WAL synchronous=FULL")
    print(f"report slip: {len(data)} bytes on {profile.spec}, {len(data) * 10 / baud:.1f} s at {baud} baud")
    print_table(rows, header=("what", "p50 ms", "p99 ms", "mean ms", "size"))


if __name__ == "__main__":
    main()
