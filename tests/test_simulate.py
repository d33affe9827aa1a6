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
        draft = registration.choose_prefecture(registration.start("work"), "511100")
        draft = registration.choose_home(draft, "511123", "511102")
        draft = registration.choose_destination(draft, "440000")
        registration.register(registration.choose_city(draft, "440300"))  # a city chosen is not counted
        real = shapes_of_registration_cells()

    assert real == {
        (("county", "county"), ("direction", "home")),
        (("county", "county"), ("destination", "province"), ("direction", "work")),
    }
    assert simulated == real
