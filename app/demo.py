"""A believable demo network: an agricultural and garden machinery OEM in DE and AT."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Dealer, FormKey, Lead, User
from app.services import offers
from app.services.catalog import save_product
from app.services.dealers import save_dealer
from app.services.dispatch import reject_lead
from app.services.intake import create_lead
from app.services.users import create_user, find_user_by_email

DEMO_PASSWORD = "demo-pass-2026"
DEMO_FORM_KEY = "pk_demo_brand_site"

# code, name, postal code, country, lat, lon, radius km, tags, inventory, capacity
_FULL = ["tractors", "mowers", "chainsaws", "utility", "service", "store"]
_GARDEN = ["mowers", "chainsaws", "service", "store"]
# fmt: off
DEALERS = [
    ("D-BER-1", "Landtechnik Berlin Mitte", "10115", "DE", 52.532, 13.384, 80, _FULL + ["b2b"], ["TR-500", "TR-700", "MW-20", "CS-35"], 25),
    ("D-BER-2", "Gartenwelt Spandau", "13581", "DE", 52.535, 13.197, 40, _GARDEN, ["MW-20", "MW-45", "CS-35"], 15),
    ("D-POT-1", "Agrar Potsdam", "14467", "DE", 52.399, 13.061, 90, _FULL, ["TR-500", "UT-4"], 15),
    ("D-HH-1", "Nordland Maschinen Hamburg", "20095", "DE", 53.551, 10.000, 100, _FULL + ["b2b", "online"], ["TR-500", "TR-700", "MW-45", "UT-4"], 30),
    ("D-HH-2", "Garten & Forst Altona", "22765", "DE", 53.556, 9.935, 40, _GARDEN, ["MW-20", "CS-35", "CS-50"], 12),
    ("D-HB-1", "Weser Agrartechnik", "28195", "DE", 53.079, 8.806, 90, _FULL, ["TR-500", "MW-20"], 15),
    ("D-H-1", "Landmaschinen Hannover", "30159", "DE", 52.374, 9.738, 100, _FULL + ["b2b"], ["TR-700", "UT-4", "HV-9"], 20),
    ("D-MS-1", "Münsterland Technik", "48143", "DE", 51.962, 7.626, 90, _FULL, ["TR-500", "MW-45"], 15),
    ("D-K-1", "Rheinland Garten Köln", "50667", "DE", 50.938, 6.957, 60, _GARDEN + ["online"], ["MW-20", "MW-45", "CS-35", "CS-50"], 25),
    ("D-D-1", "Düsseldorfer Motorgeräte", "40213", "DE", 51.225, 6.776, 50, _GARDEN, ["MW-20", "CS-35"], 12),
    ("D-DO-1", "Ruhr Agrar Dortmund", "44135", "DE", 51.514, 7.466, 80, _FULL + ["b2b"], ["TR-500", "TR-700", "UT-4"], 20),
    ("D-F-1", "Main-Taunus Landtechnik", "60311", "DE", 50.111, 8.682, 80, _FULL + ["b2b"], ["TR-500", "MW-20", "CS-35"], 25),
    ("D-WI-1", "Rheingau Gartengeräte", "65183", "DE", 50.082, 8.240, 40, _GARDEN, ["MW-45", "CS-50"], 10),
    ("D-MA-1", "Kurpfalz Maschinen", "68159", "DE", 49.489, 8.467, 80, _FULL, ["TR-500", "UT-4"], 15),
    ("D-S-1", "Schwaben Agrar Stuttgart", "70173", "DE", 48.778, 9.180, 90, _FULL + ["b2b"], ["TR-500", "TR-700", "HV-9"], 25),
    ("D-UL-1", "Donau Landtechnik Ulm", "89073", "DE", 48.399, 9.992, 80, _FULL, ["TR-500", "MW-20"], 15),
    ("D-FR-1", "Breisgau Garten & Forst", "79098", "DE", 47.996, 7.849, 60, _GARDEN, ["CS-35", "CS-50", "MW-20"], 12),
    ("D-M-1", "Isar Landtechnik München", "80331", "DE", 48.137, 11.575, 90, _FULL + ["b2b", "online"], ["TR-500", "TR-700", "MW-45", "UT-4"], 30),
    ("D-M-2", "Gartenprofi Pasing", "81241", "DE", 48.150, 11.461, 40, _GARDEN, ["MW-20", "MW-45", "CS-35"], 12),
    ("D-A-1", "Lech Agrar Augsburg", "86150", "DE", 48.366, 10.894, 80, _FULL, ["TR-500", "CS-35"], 15),
    ("D-N-1", "Franken Maschinen Nürnberg", "90402", "DE", 49.452, 11.077, 90, _FULL + ["b2b"], ["TR-700", "UT-4", "HV-9"], 20),
    ("D-R-1", "Oberpfalz Landtechnik", "93047", "DE", 49.015, 12.101, 90, _FULL, ["TR-500", "MW-20"], 15),
    ("D-L-1", "Sachsen Agrar Leipzig", "04109", "DE", 51.340, 12.375, 100, _FULL + ["b2b"], ["TR-500", "TR-700", "UT-4"], 20),
    ("D-DD-1", "Elbland Gartentechnik", "01067", "DE", 51.054, 13.738, 60, _GARDEN, ["MW-20", "CS-35"], 12),
    ("D-EF-1", "Thüringer Landmaschinen", "99084", "DE", 50.978, 11.029, 90, _FULL, ["TR-500", "HV-9"], 15),
    ("D-KI-1", "Förde Agrar Kiel", "24103", "DE", 54.322, 10.135, 100, _FULL, ["TR-500", "MW-45"], 12),
    # Austria: a distributor in Vienna with its sub-dealers, and independent dealers.
    ("AT-DIST", "Alpen Agrar Vertrieb Wien", "1010", "AT", 48.208, 16.373, 120, _FULL + ["b2b", "online"], ["TR-500", "TR-700", "MW-20", "MW-45", "CS-35", "UT-4"], 40),
    ("AT-W-1", "Gartentechnik Donaustadt", "1220", "AT", 48.233, 16.460, 40, _GARDEN, ["MW-20", "CS-35"], 10),
    ("AT-STP-1", "Landtechnik St. Pölten", "3100", "AT", 48.204, 15.623, 80, _FULL, ["TR-500", "UT-4"], 12),
    ("AT-LNZ-1", "Mühlviertel Agrar Linz", "4020", "AT", 48.306, 14.286, 90, _FULL + ["b2b"], ["TR-500", "TR-700"], 15),
    ("AT-GRZ-1", "Steirische Gartengeräte Graz", "8010", "AT", 47.071, 15.439, 70, _GARDEN, ["MW-45", "CS-50"], 12),
    ("AT-SBG-1", "Salzach Landtechnik", "5020", "AT", 47.809, 13.055, 90, _FULL, ["TR-500", "MW-20", "CS-35"], 15),
    ("AT-IBK-1", "Tirol Agrar Innsbruck", "6020", "AT", 47.269, 11.404, 80, _FULL, ["TR-700", "CS-50"], 12),
]
# fmt: on
SUB_DEALERS_OF_DISTRIBUTOR = ("AT-W-1", "AT-STP-1")

# The catalog the demo form's product picker offers: sku, name, product group, item type.
PRODUCTS = [
    ("TR-500", "TR-500 compact tractor, 50 hp", "tractors", "vehicle"),
    ("TR-700", "TR-700 utility tractor, 75 hp", "tractors", "vehicle"),
    ("MW-20", "MW-20 push mower, 46 cm", "mowers", "vehicle"),
    ("MW-45", "MW-45 ride-on mower, 107 cm", "mowers", "vehicle"),
    ("CS-35", "CS-35 chainsaw, 35 cm bar", "chainsaws", "vehicle"),
    ("CS-50", "CS-50 professional chainsaw, 50 cm bar", "chainsaws", "vehicle"),
    ("UT-4", "UT-4 four-seat utility vehicle", "utility", "vehicle"),
    ("HV-9", "HV-9 hedge and verge cutter attachment", "tractors", "accessory"),
]
# Sites that may embed the demo form: a brand site, and a page served locally to try it
# (python -m http.server 8000 in a folder with the script tag).
DEMO_FORM_ORIGINS = ["https://brand.example", "http://localhost:8000", "http://127.0.0.1:8000"]

USERS = [
    ("coordinator@leadrelay-demo.example", "coordinator", None),
    ("sales.berlin@leadrelay-demo.example", "salesperson", "D-BER-1"),
    ("manager.berlin@leadrelay-demo.example", "dealer_manager", "D-BER-1"),
    ("sales.spandau@leadrelay-demo.example", "salesperson", "D-BER-2"),
    ("sales.munich@leadrelay-demo.example", "salesperson", "D-M-1"),
    ("manager.vienna@leadrelay-demo.example", "dealer_manager", "AT-DIST"),
    ("sales.donaustadt@leadrelay-demo.example", "salesperson", "AT-W-1"),
]


def _lead(first, last, postal_code, country, group, sku, **extra) -> dict:
    body = {
        "customer": {
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower()}@example.com",
            "phone": "+49 30 5550" + str(sum(map(ord, first + last)) % 1000).zfill(3),
            "company": extra.pop("company", None),
        },
        "inquiry_type": extra.pop("inquiry_type", "b2c"),
        "interest_category": extra.pop("interest_category", "new"),
        "postal_code": postal_code,
        "country": country,
        "delivery": extra.pop("delivery", "pickup"),
        "message": extra.pop("message", None),
        "line_items": [
            {
                "sku": sku,
                "product_group": group,
                "interest_type": extra.pop("interest_type", "buy"),
                "item_type": "vehicle",
                "quantity": extra.pop("quantity", 1),
            }
        ],
        "custom_fields": extra.pop(
            "custom_fields", {"campaign_id": "spring-26", "utm_source": "brand-site"}
        ),
        "consent": True,
    }
    body.update(extra)
    return body


def load_demo() -> list[str]:
    """Create the demo network once (idempotent) and return the lines to print."""
    for code, name, postal_code, country, lat, lon, radius, tags, inventory, capacity in DEALERS:
        tier = "distributor" if code == "AT-DIST" else "dealer"
        save_dealer(
            code,
            {
                "name": name,
                "tier": tier,
                "postal_code": postal_code,
                "country": country,
                "lat": lat,
                "lon": lon,
                "service_radius_km": radius,
                "tags": sorted(set(tags)),
                "inventory": inventory,
                "daily_capacity": capacity,
                "timezone": "Europe/Vienna" if country == "AT" else "Europe/Berlin",
                "parent": "AT-DIST" if code in SUB_DEALERS_OF_DISTRIBUTOR else None,
            },
        )
    for email, role, dealer_code in USERS:
        if find_user_by_email(email) is None:
            create_user(email, role, dealer_code, DEMO_PASSWORD)
    for sku, name, group, item_type in PRODUCTS:
        save_product({"sku": sku, "name": name, "product_group": group, "item_type": item_type})
    db.session.commit()
    if db.session.scalar(select(FormKey).where(FormKey.public_key == DEMO_FORM_KEY)) is None:
        db.session.add(
            FormKey(
                name="Brand site: where to buy",
                public_key=DEMO_FORM_KEY,
                allowed_origins=DEMO_FORM_ORIGINS,
                default_interest_category="new",
                default_language="de",
            )
        )
        db.session.commit()
    if not db.session.scalar(select(func.count()).select_from(Lead)):
        _demo_leads()
    return _summary()


def _demo_leads() -> None:
    """A few leads in each state, made through the real services."""
    coordinator = find_user_by_email("coordinator@leadrelay-demo.example")
    berlin = find_user_by_email("sales.berlin@leadrelay-demo.example")
    munich = find_user_by_email("sales.munich@leadrelay-demo.example")
    # Waiting for Berlin's answer.
    create_lead(
        _lead(
            "Eva",
            "Ng",
            "10117",
            "DE",
            "tractors",
            "TR-500",
            message="Looking for a compact tractor for our orchard. Can I test drive?",
        ),
        actor=coordinator,
    )
    create_lead(
        _lead(
            "Jonas",
            "Weber",
            "10437",
            "DE",
            "mowers",
            "MW-20",
            preferred_seller={"dealer": "D-BER-1", "contact": "Anna Schulz"},
        ),
        actor=coordinator,
    )
    create_lead(
        _lead("Mia", "Fischer", "10999", "DE", "chainsaws", "CS-35", interest_type="quote"),
        actor=coordinator,
    )
    # B2B, Munich; accepted and moving.
    lead = create_lead(
        _lead(
            "Lukas",
            "Bauer",
            "80469",
            "DE",
            "tractors",
            "TR-700",
            inquiry_type="b2b",
            company="Bauer Gutshof GmbH",
            volume_estimate=3,
            quantity=3,
            message="Fleet renewal for three farms.",
        ),
        actor=coordinator,
    )
    offers.accept_offer(lead.id, munich)
    lead = create_lead(
        _lead("Sophie", "Wagner", "10178", "DE", "mowers", "MW-20"), actor=coordinator
    )
    offers.accept_offer(lead.id, berlin)
    # Declined by Berlin, handed on to the next dealer.
    lead = create_lead(
        _lead("Paul", "Hoffmann", "10315", "DE", "tractors", "TR-500"), actor=coordinator
    )
    offers.decline_offer(lead.id, berlin, "capacity", "Workshop fully booked until next month.")
    # Austria: goes to the distributor's network.
    create_lead(
        _lead(
            "Anna",
            "Gruber",
            "1030",
            "AT",
            "tractors",
            "TR-500",
            custom_fields={"campaign_id": "alpen-26", "utm_source": "newsletter"},
        ),
        actor=coordinator,
    )
    # Pre-qualification: a big fleet inquiry waits for the OEM; a fake one was rejected.
    create_lead(
        _lead(
            "Greta",
            "Lang",
            "30159",
            "DE",
            "tractors",
            "TR-700",
            inquiry_type="b2b",
            company="Lang Agrar KG",
            volume_estimate=25,
            quantity=25,
            message="Tender for 25 tractors across our cooperative.",
        ),
        actor=coordinator,
        review_reason="B2B volume above 10 units",
    )
    spam = create_lead(
        _lead(
            "Win",
            "Prize",
            "10115",
            "DE",
            "mowers",
            "MW-20",
            message="Cheap watches at example dot com",
        ),
        actor=coordinator,
        review_reason="flagged source",
    )
    reject_lead(spam.id, coordinator, "spam")
    # Nobody carries snow blowers: lands in the OEM queue.
    create_lead(_lead("Felix", "Schmid", "70176", "DE", "snow-blowers", "SB-10"), actor=coordinator)
    # Shipped nationwide to an online dealer.
    create_lead(
        _lead(
            "Lea",
            "Koch",
            "37073",
            "DE",
            "mowers",
            "MW-45",
            delivery="ship",
            custom_fields={
                "campaign_id": "robot-mower-26",
                "utm_source": "google",
                "utm_medium": "cpc",
            },
        ),
        actor=coordinator,
    )


def _summary() -> list[str]:
    dealers = db.session.scalar(select(func.count()).select_from(Dealer))
    leads = db.session.scalar(select(func.count()).select_from(Lead))
    users = db.session.scalar(select(func.count()).select_from(User))
    lines = [
        f"Demo network: {dealers} dealers, {users} users, {leads} leads.",
        "Demo logins (password: " + DEMO_PASSWORD + "):",
    ]
    lines += [f"  {email:40} {role}{' of ' + code if code else ''}" for email, role, code in USERS]
    lines.append(f"Embedded form key: {DEMO_FORM_KEY}")
    return lines
