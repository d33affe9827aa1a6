"""Simulated activity writes the count cells real registrations write, so demos and reports agree."""

import datetime

from kiosk import counts
from kiosk import registration
from kiosk import simulate
from kiosk.models import CountCell
from kiosk.models import database

# Nine days after the 2027 Spring Festival: busy, and people both arrive home and leave for work.
RUSH_DAY = datetime.date(2027, 2, 15)


def level(code):
    """The GB/T 2260 level of an area code: province (440000), prefecture or city (440300), county."""
    if code.endswith("0000"):
        return "province"
    return "prefecture" if code.endswith("00") else "county"


def shapes_of_registration_cells():
    """Each registrations cell as its direction and the level of every place dimension."""
    shapes = set()
    for cell in CountCell.select().where(CountCell.metric == "registrations"):
        dims = counts.decode_dims(cell.dims)
        shapes.add(tuple(sorted((key, value if key == "direction" else level(value)) for key, value in dims.items())))
    return shapes


def test_simulated_registration_cells_have_the_shape_of_real_ones(app):
    with app.app_context(), database.connection_context():
        simulate.simulate(1, RUSH_DAY, scale=0.5, seed=3)
        simulated = shapes_of_registration_cells()
        CountCell.delete().execute()

        registration.register(registration.choose_home(registration.start("home"), "511102", "511102"))
        for city in (None, "440300"):  # no city named: counted under the province; a city named: under the city
            draft = registration.choose_prefecture(registration.start("work"), "511100")
            draft = registration.choose_home(draft, "511123", "511102")
            draft = registration.choose_destination(draft, "440000")
            registration.register(registration.choose_city(draft, city) if city else draft)
        real = shapes_of_registration_cells()

    assert real == {
        (("county", "county"), ("direction", "home")),
        (("county", "county"), ("destination", "province"), ("direction", "work")),
        (("county", "county"), ("destination", "prefecture"), ("direction", "work")),
    }
    # simulate names no destination cities (yet): its cells are the shapes of real ones without a city
    assert simulated == real - {(("county", "county"), ("destination", "prefecture"), ("direction", "work"))}


def test_simulate_runs_trips_through_the_use_cases_and_the_trips_match_their_counts(app):
    from kiosk import trips

    def counted(metric):  # every cell: bookings start the evening before, arrivals end the morning after
        return sum(c.value for c in CountCell.select().where(CountCell.metric == metric))

    with app.app_context(), database.connection_context():
        summary = simulate.simulate(3, datetime.date(2027, 2, 16), scale=1, seed=2)  # after the 2027 festival
        arrived = trips.Trip.select().where(trips.Trip.state == "arrived").count()
        boarded = trips.Seat.select().where(trips.Seat.state == "boarded").count()
        booked = trips.Seat.select().count()
        assert summary.records["trips"] >= 1
        assert summary.totals["trips.run"] == counted("trips.arrived") == arrived == summary.records["trips"]
        assert counted("trips.seats_booked") == booked
        assert counted("trips.boarded") == boarded > 0
        assert counted("trips.no_show") == booked - boarded


def test_simulated_luggage_is_taken_in_when_the_shelves_have_room(app):
    """Bags of every kind the desk offers are checked in; nobody is turned away while the shelves are nearly empty."""
    from kiosk import luggage

    with app.app_context(), database.connection_context():
        config = {**app.config, "LUGGAGE_SHELVES": simulate.SEASON_SHELVES}  # a luggage room: room for everyone
        summary = simulate.simulate(2, RUSH_DAY, scale=2, seed=4, config=config)
        deposits = list(luggage.LuggageDeposit.select())
        kinds = {bag.kind for bag in luggage.LuggageBag.select()}

    assert summary.records["luggage"] == len(deposits) >= 20
    assert summary.records["luggage.refused"] == 0
    assert any(deposit.bags > 1 for deposit in deposits)
    assert kinds <= set(luggage.BAG_KINDS) and len(kinds) >= 3
