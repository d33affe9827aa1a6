"""``flask --app kiosk packs …``: the station manager's gift-pack set-up at the kiosk's keyboard."""

import datetime

import click
from flask.cli import AppGroup

from kiosk import clock
from kiosk import vouchers
from kiosk.errors import DomainError
from kiosk.models import database

packs_group = AppGroup("packs", help="Gift packs: pack types, stock, campaigns and quotas.")


def run(action, *args, **kwargs):
    """Run a domain action with a connection, turning refusals into a clean CLI error."""
    try:
        with database.connection_context():
            return action(*args, **kwargs)
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None


@packs_group.command("add")
@click.argument("key")
@click.argument("name")
@click.option("--contents", default="", help="What is in the pack, as printed: 矿泉水、口罩、面包")
@click.option("--no-id", is_flag=True, help="May go to workers who did not register.")
@click.option("--low", type=int, default=0, show_default=True, help="Warn volunteers at or below this many available.")
def add(key, name, contents, no_id, low):
    """Define pack type KEY (a short code such as warm) called NAME, or update it."""
    pack = run(vouchers.define_pack, key, name, contents, no_id_needed=no_id, low_stock=low)
    click.echo(f"pack {pack.key}: {pack.name} ({'no ID needed' if pack.no_id_needed else 'registered workers'})")


@packs_group.command("list")
def list_packs():
    """List pack types with stock: in store, reserved for vouchers, available."""
    for pack in run(vouchers.pack_types):
        low = "  LOW" if pack.is_low else ""
        click.echo(f"{pack.key}\t{pack.name}\tin store {pack.on_hand}\treserved {pack.reserved}"
                   f"\tavailable {pack.available}{low}\t{pack.contents}")


@packs_group.command("stock-in")
@click.argument("key")
@click.argument("quantity", type=int)
@click.option("--reason", required=True, help="e.g. 区人社局配送")
def stock_in(key, quantity, reason):
    """Count QUANTITY packs of KEY into the store room."""
    pack = run(vouchers.stock_in, key, quantity, reason)
    click.echo(f"{pack.key}: {pack.on_hand} in store, {pack.available} available")


@packs_group.command("stock-out")
@click.argument("key")
@click.argument("quantity", type=int)
@click.option("--reason", required=True, help="e.g. 破损, 调拨到火车站")
def stock_out(key, quantity, reason):
    """Take QUANTITY packs of KEY out of stock (not handed out); never those promised to vouchers."""
    pack = run(vouchers.stock_out, key, quantity, reason)
    click.echo(f"{pack.key}: {pack.on_hand} in store, {pack.available} available")


@packs_group.command("campaign")
@click.argument("name")
@click.option("--from", "starts", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day (default: today at the station).")
@click.option("--to", "ends", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last day, included (default: --days after the first).")
@click.option("--days", type=click.IntRange(1, 366), default=90, show_default=True,
              help="Length of the campaign when --to is not given.")
def campaign(name, starts, ends, days):
    """Create campaign NAME from --from (today) to --to; prints its id for `packs offer`."""
    first = starts.date() if starts else clock.local_day()
    last = ends.date() if ends else first + datetime.timedelta(days=days - 1)
    created = run(vouchers.add_campaign, name, first, last)
    click.echo(f"campaign {created.id}: {created.name} {created.starts} to {created.ends}")


@packs_group.command("offer")
@click.argument("campaign_id", type=int)
@click.argument("key")
@click.option("--rule", type=click.Choice(list(vouchers.RULES)), default="campaign", show_default=True,
              help="campaign: one per person in the campaign; day: one a day; interval: one every --days.")
@click.option("--days", type=int, default=0, help="Days between two packs for --rule interval.")
def offer(campaign_id, key, rule, days):
    """Offer pack KEY in campaign CAMPAIGN_ID with a quota rule per person."""
    made = run(vouchers.offer, campaign_id, key, rule, days)
    every = f" every {made.interval_days} days" if made.rule == "interval" else ""
    click.echo(f"campaign {campaign_id} offers {key}: {made.rule}{every}")


@packs_group.command("campaigns")
def list_campaigns():
    """List campaigns and the packs they offer."""

    def lines():
        for item in vouchers.campaigns():
            offers = ", ".join(f"{o.pack_type.key} ({o.rule})" for o in item.offers)
            yield f"{item.id}\t{item.name}\t{item.starts} to {item.ends}\t{offers or '-'}"

    for line in run(lambda: list(lines())):
        click.echo(line)


@packs_group.command("expire")
def expire():
    """Expire vouchers past their last day now, releasing their packs (also done on every stock write)."""
    released = run(vouchers.release_expired)
    click.echo(f"expired {released} voucher(s)")


@packs_group.command("report")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Station-local day (default today).")
def report(day):
    """Print a day's voucher counts per pack, and stock now."""
    day = day.date() if day else clock.local_day()
    click.echo(f"{day}\tissued\tredeemed\tvoided\texpired\tin\tout\tin store\treserved")
    for line in run(vouchers.day_report, day):
        click.echo(f"{line.pack.key}\t{line.issued}\t{line.redeemed}\t{line.voided}\t{line.expired}"
                   f"\t{line.stock_in}\t{line.stock_out}\t{line.pack.on_hand}\t{line.pack.reserved}")
