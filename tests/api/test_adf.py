"""ADF/XML 1.0 in and out: clean and messy feeds, broken and hostile documents."""

import time

import pytest

from app.api.submitters import FORM_KEY_HEADER
from app.extensions import db
from app.models import FormKey, Lead
from app.services.adf import lead_to_adf, parse_adf
from tests.factories import make_dealer

CLEAN = b"""<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf>
  <prospect status="new">
    <id sequence="1" source="brand-site">A-1001</id>
    <requestdate>2026-11-23T09:00:00+01:00</requestdate>
    <vehicle interest="buy" status="new">
      <id source="product_group">tractors</id>
      <year>2026</year>
      <make>Acme</make>
      <model>TR-500</model>
      <stock>TR-500</stock>
    </vehicle>
    <customer>
      <contact primarycontact="1">
        <name part="first">Eva</name>
        <name part="last">Ng</name>
        <email>eva@example.com</email>
        <phone type="voice">030 1234567</phone>
        <address type="home">
          <street line="1">Unter den Linden 1</street>
          <city>Berlin</city>
          <postalcode>10117</postalcode>
          <country>DE</country>
        </address>
      </contact>
      <comments>Looking for a compact tractor</comments>
    </customer>
    <vendor>
      <id source="brand">D-BER-1</id>
      <vendorname>Autohaus Mitte</vendorname>
      <contact><name part="full">John Best</name></contact>
    </vendor>
    <provider><name part="full">Brand Website</name></provider>
  </prospect>
</adf>
"""

# What feeds really send: an upper-case processing instruction and tags, Latin-1, a DTD
# line, the name in one piece ("last, first"), a fax before the mobile, no country, a
# trade-in, no product group, the vendor known only by its name, CDATA comments.
MESSY = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE ADF>
<?ADF VERSION "1.0"?>
<ADF>
 <PROSPECT>
  <REQUESTDATE>11/23/2026 9:00 AM</REQUESTDATE>
  <Vehicle Interest="trade-in" Status="used">
    <Year>2015</Year><Make>VW</Make><Model>Golf</Model></Vehicle>
  <Vehicle Interest="Test-Drive" Status="NEW">
    <Year>2026</Year><Make>Acme</Make><Model>Roadster X</Model><Trim>Sport</Trim>
    <Price type="quote" currency="USD">35000</Price>
  </Vehicle>
  <Customer>
   <Contact>
    <Name>M\xfcller, J\xfcrgen</Name>
    <Phone type="fax">212-555-0199</Phone>
    <Phone type="cellphone" time="evening"> (212) 555-0123 </Phone>
    <Address><PostalCode>10001</PostalCode></Address>
   </Contact>
   <Comments><![CDATA[Call after 6 <please>]]></Comments>
   <Timeframe><Description>Within a month</Description></Timeframe>
  </Customer>
  <Vendor><VendorName>Manhattan Motors</VendorName></Vendor>
  <Provider><Name>CarSite</Name><Service>Quote</Service></Provider>
 </PROSPECT>
</ADF>
""".encode("latin-1")

BROKEN = b"""<?xml version="1.0"?>
<adf>
  <prospect><customer></prospect>
</adf>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE adf [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<adf><prospect><customer><contact><name part="full">&secret;</name>
<email>x@example.com</email></contact></customer>
<vehicle><model>TR-500</model></vehicle></prospect></adf>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<adf><prospect><customer><contact><name>&lol9;</name></contact></customer></prospect></adf>
"""


@pytest.fixture
def network(app):
    """A Berlin store for tractors, and a Manhattan store for the 'vehicles' group."""
    make_dealer("D-BER-1", name="Autohaus Mitte")
    make_dealer(
        "US-NY-1",
        name="Manhattan Motors",
        postal_code="10001",
        country="US",
        lat=40.750,
        lon=-73.997,
        tags=["vehicles", "store"],
        inventory=[],
    )


def post_adf(api, document, content_type="application/xml"):
    return api.post("/api/v1/leads/adf", data=document, headers={"Content-Type": content_type})


def test_clean_adf_document_becomes_a_routed_lead(oem, network):
    response = post_adf(oem, CLEAN)
    assert response.status_code == 201, response.get_json()
    lead = response.get_json()
    assert lead["status"] == "offered" and lead["dealer"] == "D-BER-1"
    assert lead["source"] == "adf"
    assert lead["customer"] == {
        "first_name": "Eva",
        "last_name": "Ng",
        "email": "eva@example.com",
        "phone": "+49301234567",
        "company": None,
    }
    assert (lead["postal_code"], lead["country"]) == ("10117", "DE")
    assert lead["interest_category"] == "new"
    assert lead["line_items"] == [
        {
            "sku": "TR-500",
            "product_group": "tractors",
            "interest_type": "buy",
            "item_type": "vehicle",
            "quantity": 1,
        }
    ]
    assert lead["preferred_seller"] == {"dealer": "D-BER-1", "contact": "John Best"}
    assert lead["custom_fields"]["adf_id"] == "A-1001"
    assert lead["custom_fields"]["adf_provider"] == "Brand Website"
    assert lead["message"].startswith("Looking for a compact tractor")


def test_messy_real_world_feed_is_read_tolerantly(oem, network):
    response = post_adf(oem, MESSY, "text/xml; charset=ISO-8859-1")
    assert response.status_code == 201, response.get_json()
    lead = response.get_json()
    assert lead["customer"]["first_name"] == "Jürgen"
    assert lead["customer"]["last_name"] == "Müller"
    assert lead["customer"]["phone"] == "+12125550123"  # the mobile, not the fax
    assert lead["customer"]["email"] is None
    assert lead["country"] == "US"  # no <country>: the ADF default
    assert lead["interest_category"] == "new"
    # The trade-in is no wanted product: one line item, the trade-in in the message.
    assert len(lead["line_items"]) == 1
    item = lead["line_items"][0]
    assert (item["sku"], item["product_group"], item["interest_type"]) == (
        "Roadster X",
        "vehicles",
        "test_drive",
    )
    assert "Trade-in: 2015 VW Golf" in lead["message"]
    assert "Call after 6 <please>" in lead["message"]
    assert "Timeframe: Within a month" in lead["message"]
    assert "Vehicle: 2026 Acme Roadster X Sport" in lead["message"]
    # The vendor named only by its name is found among the dealers and gets the lead.
    assert lead["preferred_seller"]["dealer"] == "US-NY-1"
    assert lead["dealer"] == "US-NY-1"


def test_broken_document_is_422_naming_line_and_column(oem, network):
    response = post_adf(oem, BROKEN)
    assert response.status_code == 422
    message = response.get_json()["errors"]["adf"]
    assert "line 3, column" in message and "not well-formed" in message
    assert db.session.query(Lead).count() == 0


def test_external_entity_is_refused_and_nothing_is_read(oem, network):
    response = post_adf(oem, XXE)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "entities" in errors["adf"]
    assert "root:" not in response.get_data(as_text=True)
    assert db.session.query(Lead).count() == 0


def test_billion_laughs_is_refused_at_once(oem, network):
    started = time.perf_counter()
    response = post_adf(oem, BILLION_LAUGHS)
    assert response.status_code == 422
    assert "adf" in response.get_json()["errors"]
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    ("document", "says"),
    [
        (b"", "empty"),
        (b"<lead/>", "<adf>"),
        (b"<adf/>", "<prospect>"),
        (b"<adf><prospect/><prospect/></adf>", "one per request"),
        (b"<adf><prospect><vehicle><model>X</model></vehicle></prospect></adf>", "contact"),
        (
            b"<adf><prospect><customer><contact><name>Eva Ng</name></contact></customer>"
            b"</prospect></adf>",
            "vehicle",
        ),
        (
            b"<adf><prospect><customer><contact><email>e@example.com</email></contact>"
            b"</customer><vehicle><model>X</model></vehicle></prospect></adf>",
            "name",
        ),
    ],
)
def test_document_that_does_not_map_is_422_under_adf(oem, network, document, says):
    response = post_adf(oem, document)
    assert response.status_code == 422
    assert says in response.get_json()["errors"]["adf"]


def test_lead_errors_inside_the_document_name_adf_and_the_field(oem, network):
    document = CLEAN.replace(b"030 1234567", b"call me maybe")
    response = post_adf(oem, document)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "customer.phone" in errors["adf"]
    assert "customer.phone" in errors


def test_adf_needs_xml_content_type(oem, network):
    response = post_adf(oem, CLEAN, "application/json")
    assert response.status_code == 415
    assert "content_type" in response.get_json()["errors"]


def test_adf_needs_a_token_or_form_key(client, network):
    response = client.post(
        "/api/v1/leads/adf", data=CLEAN, headers={"Content-Type": "application/xml"}
    )
    assert response.status_code == 401


def test_form_key_adf_gets_only_a_receipt(client, network):
    db.session.add(FormKey(name="feed", public_key="pk_feed", rate_limit="100/minute"))
    db.session.commit()
    response = client.post(
        "/api/v1/leads/adf",
        data=CLEAN,
        headers={"Content-Type": "application/xml", FORM_KEY_HEADER: "pk_feed"},
    )
    assert response.status_code == 201
    assert set(response.get_json()) == {"id", "status"}


def test_lead_to_adf_reads_back_as_the_same_lead(oem, network):
    lead_id = post_adf(oem, CLEAN).get_json()["id"]
    lead = db.session.get(Lead, lead_id)
    document = lead_to_adf(lead)
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="1.0"?>')
    again = parse_adf(document.encode())
    assert again["customer"]["email"] == "eva@example.com"
    assert again["customer"]["phone"] == "+49301234567"
    assert (again["customer"]["first_name"], again["customer"]["last_name"]) == ("Eva", "Ng")
    assert [(i["sku"], i["product_group"]) for i in again["line_items"]] == [("TR-500", "tractors")]
    assert again["preferred_seller"]["dealer"] == "D-BER-1"
    assert again["postal_code"] == "10117" and again["country"] == "DE"


def test_lead_to_adf_can_leave_out_the_contact(oem, network):
    lead = db.session.get(Lead, post_adf(oem, CLEAN).get_json()["id"])
    document = lead_to_adf(lead, hide_contact=True)
    assert "eva@example.com" not in document and "+4930" not in document
    assert ">Ng<" not in document and ">Eva<" in document


def test_adf_endpoint_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    operation = paths["/api/v1/leads/adf"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/xml", "text/xml"}


def test_vehicle_without_product_group_takes_the_catalogs(oem, network):
    from app.services.catalog import save_product

    save_product({"sku": "MW-20", "name": "Mower 20", "product_group": "mowers"})
    db.session.commit()
    document = CLEAN.replace(b'<id source="product_group">tractors</id>', b"").replace(
        b"TR-500", b"mw-20"
    )
    lead = post_adf(oem, document).get_json()
    assert [(i["sku"], i["product_group"]) for i in lead["line_items"]] == [("mw-20", "mowers")]
