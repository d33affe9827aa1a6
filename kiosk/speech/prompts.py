"""What each worker screen says when it opens: one short sentence per screen.

Keys are the view's endpoint (``packs.choose``), or ``register.<step>`` for a
registration step. **A new worker screen adds one line here**, e.g.::

    "trips.board": N_("Here are today's buses home. Tap yours to see where it leaves."),

then ``make extract-messages`` and the Chinese in messages.po (the catalog
test fails on an untranslated entry); the audio is made on first use or by
``flask --app kiosk prompts build``. ``tests/test_speech.py`` fails for a worker
screen without a line here (screens that render nothing of their own are in
NOT_SCREENS).
"""

from kiosk.errors import N_

PROMPTS = {
    "screen.home": N_("Welcome. Tap what you need: register, gift pack, luggage, services, a job or unpaid wages."),
    "screen.services": N_("These are the free services here. Please ask a volunteer."),
    "screen.soon": N_("This service is not ready yet. Please ask a volunteer."),
    "luggage_screen.about": N_("To leave your bags, please go to the volunteer desk."),
    "register.direction": N_("Are you coming home or going to work? Tap one."),
    "register.direction.card": N_("Place your ID card on the reader, or tap coming home or going to work."),
    "register.card_read": N_("Your ID card is read. Now tap coming home or going to work."),
    "register.prefecture": N_("Where is your home? Tap your city."),
    "register.county": N_("Tap your county or district."),
    "register.home_province": N_("Tap the province of your home."),
    "register.destination": N_("Where are you going to work? Tap the province."),
    "register.summary": N_("Please check, then tap the big Confirm button."),
    "register.city": N_("Tap the city you are going to."),
    "register.intention": N_("Do you want help finding work? Tap what you need."),
    "register.party": N_("Are children or elderly people with you? Tap how many."),
    "register.consent": N_("Please read the privacy notice, then tap I agree or No."),
    "register.phone": N_("Type your mobile number, then tap OK."),
    "register.id_number": N_("Type your ID number, then tap OK."),
    "register.id_number.card": N_("Place your ID card on the reader, or type the number and tap OK."),
    "register.other_document": N_("Type the number of your document, then tap OK."),
    "register.done": N_("You are registered. You can take a gift pack now."),
    "packs.choose": N_("Tap Take under the gift pack you want."),
    "packs.issue": N_("Your voucher is printing. Take it to the volunteer desk for your gift pack."),
    "packs.override": N_("Please call a volunteer to help you."),
    "packs.override_post": N_("Please call a volunteer to help you."),
    "trips.choose": N_("Free buses and trains back to work. Tap your trip."),
    "trips.trip": N_("Tap how many seats, then tap Book."),
    "trips.who": N_("Type your ID number or phone number, then tap Book."),
    "trips.booked": N_("Your seat tickets are printing. Please arrive 30 minutes early."),
    "trips.ticket": N_("Scan your seat ticket to see your trip."),
    "trips.waiting_place": N_("You are on the waiting list. When a seat frees, bring the same ID or phone to the desk."),
    "help.job_list": N_("Here are jobs, local ones first. Tap one to see it."),
    "help.job": N_("Tap the big button to print this job and take it with you."),
    "help.job_print": N_("Your job slip is printing. Please take it with you."),
    "help.fairs": N_("These are the coming job fairs."),
    "help.tip_province": N_("Unpaid wages? Tap the province where you worked."),
    "help.tip_city": N_("Tap the city where you worked."),
    "help.tip_sector": N_("What kind of work was it? Tap one."),
    "help.tip_amount": N_("Roughly how much are you owed? Tap one."),
    "help.tip_duration": N_("For how long has pay been owed? Tap one."),
    "help.tip_workers": N_("How many workers are owed? Tap one."),
    "help.tip_contact": N_("May the labour office call you? Tap yes or no."),
    "help.tip_phone": N_("Type your mobile number, then tap OK."),
    "help.tip_summary": N_("Please check, then tap the big button to send."),
    "help.tip_done": N_("Your tip is recorded. Please take your receipt."),
}

# Endpoints of worker blueprints that are not a screen of their own: redirects,
# fragments, or views that name their screen themselves (registration's steps).
NOT_SCREENS = {
    "screen.statusbar", "screen.language", "screen.reset",
    "register.start", "register.show", "register.direction", "register.prefecture", "register.county",
    "register.home_province", "register.destination", "register.city", "register.intention",
    "register.party", "register.consent", "register.phone", "register.id_number", "register.other_document",
    "register.confirm", "register.card", "luggage_screen.static",
    "trips.book", "trips.who_post", "trips.who_card",  # redirect to the booked screen, or show the trip or keypad again
    "trips.wait",  # redirects to the waiting-list place (or the keypad first)
    "packs.ticket_png",  # the voucher's ticket picture, an image inside the voucher screen
    "packs.voucher_state",  # the voucher screen refreshing itself while its ticket prints
    # The wage-arrears tip names its step as register does (help.tip_<step>).
    "help.tip_start", "help.tip_show", "help.tip_province", "help.tip_city", "help.tip_sector", "help.tip_amount",
    "help.tip_duration", "help.tip_workers", "help.tip_contact", "help.tip_phone", "help.tip_employer",
    "help.tip_confirm",
}
