"""German texts of the form, kept as a table: `python translations/de_translations.py`
fills translations/de/LC_MESSAGES/messages.po from messages.pot and compiles the .mo.

Run `pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output
-o translations/messages.pot .` first when texts changed; a text missing here is
reported and stays English.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).parent
GERMAN = {
    "A dealer near you will contact you soon, usually within one working day, by e-mail or phone.": "Ein Händler in Ihrer Nähe meldet sich bald bei Ihnen, meist innerhalb eines Werktags, per E-Mail oder Telefon.",
    "Any model": "Beliebiges Modell",
    "Ask a dealer": "Händleranfrage",
    "Ask a dealer near you": "Fragen Sie einen Händler in Ihrer Nähe",
    "Ask a dealer near you about our products.": "Fragen Sie einen Händler in Ihrer Nähe nach unseren Produkten.",
    "Chainsaws": "Motorsägen",
    "Company": "Firma",
    "Country": "Land",
    "E-mail": "E-Mail",
    "E-mail or phone: one is enough.": "E-Mail oder Telefon: eins genügt.",
    "Fields marked * are required.": "Mit * markierte Felder sind Pflichtfelder.",
    "Find dealers near my postal code": "Händler an meiner Postleitzahl finden",
    "Finding your location…": "Ihr Standort wird ermittelt …",
    "First name": "Vorname",
    "For business inquiries:": "Für Geschäftsanfragen:",
    "For me (private)": "Für mich (privat)",
    "For my business": "Für mein Unternehmen",
    "Harvesters": "Erntemaschinen",
    "Hello %(name)s,": "Hallo %(name)s,",
    "We have your inquiry": "Wir haben Ihre Anfrage",
    "You did not send this inquiry? Then you can ignore this e-mail.": "Sie haben diese Anfrage nicht gesendet? Dann können Sie diese E-Mail ignorieren.",
    "Your reference: %(reference)s": "Ihre Referenz: %(reference)s",
    "thank you for your inquiry about %(what)s.": "vielen Dank für Ihre Anfrage zu %(what)s.",
    "How can a dealer reach you?": "Wie erreicht Sie der Händler?",
    "How many units do you expect to need?": "Wie viele Einheiten benötigen Sie voraussichtlich?",
    "I agree that the manufacturer and its dealers may contact me about this inquiry by e-mail or phone. I can withdraw this at any time.": "Ich bin einverstanden, dass der Hersteller und seine Händler mich zu dieser Anfrage per E-Mail oder Telefon kontaktieren. Ich kann das jederzeit widerrufen.",
    "I will pick it up at a dealer": "Ich hole es beim Händler ab",
    "I would like": "Ich möchte",
    "If you gave your e-mail address, you will also get a short confirmation.": "Wenn Sie Ihre E-Mail-Adresse angegeben haben, erhalten Sie außerdem eine kurze Bestätigung.",
    "Kind of inquiry": "Art der Anfrage",
    "Last name": "Nachname",
    "Lawn mowers": "Rasenmäher",
    "Leave this field empty": "Dieses Feld bitte leer lassen",
    "Location found. Dealers near you are listed below.": "Standort gefunden. Händler in Ihrer Nähe stehen in der Liste unten.",
    "Message (optional)": "Nachricht (optional)",
    "Model (optional)": "Modell (optional)",
    "No preference": "Keine Vorliebe",
    "Phone": "Telefon",
    "Please agree so that a dealer may contact you.": "Bitte stimmen Sie zu, damit ein Händler Sie kontaktieren darf.",
    "Please check these fields:": "Bitte prüfen Sie diese Felder:",
    "Please check your entries.": "Bitte prüfen Sie Ihre Angaben.",
    "Please choose": "Bitte wählen",
    "Please choose a dealer from the list, or none.": "Bitte wählen Sie einen Händler aus der Liste oder keinen.",
    "Please choose a model from the list.": "Bitte wählen Sie ein Modell aus der Liste.",
    "Please choose a product.": "Bitte wählen Sie ein Produkt.",
    "Please choose what you would like.": "Bitte wählen Sie, was Sie möchten.",
    "Please choose what your inquiry is about.": "Bitte wählen Sie, worum es in Ihrer Anfrage geht.",
    "Please choose your country.": "Bitte wählen Sie Ihr Land.",
    "Please deliver it to me": "Bitte liefern Sie es mir",
    "Please enter a phone number we can call, such as +49 30 1234567.": "Bitte geben Sie eine Telefonnummer an, unter der wir Sie erreichen, etwa +49 30 1234567.",
    "Please enter a valid e-mail address, or give a phone number instead.": "Bitte geben Sie eine gültige E-Mail-Adresse an oder stattdessen eine Telefonnummer.",
    "Please enter how many units you expect, as a number above 0.": "Bitte geben Sie die erwartete Stückzahl als Zahl über 0 an.",
    "Please enter your company's name.": "Bitte geben Sie den Namen Ihrer Firma an.",
    "Please enter your first name.": "Bitte geben Sie Ihren Vornamen an.",
    "Please enter your last name.": "Bitte geben Sie Ihren Nachnamen an.",
    "Please enter your postal code and country, or use your location.": "Bitte geben Sie Postleitzahl und Land an oder nutzen Sie Ihren Standort.",
    "Please wait a moment": "Bitte warten Sie einen Moment",
    "Postal code": "Postleitzahl",
    "Preferred dealer (optional)": "Wunschhändler (optional)",
    "Product": "Produkt",
    "Search dealers by name": "Händler nach Namen suchen",
    "Send another inquiry": "Weitere Anfrage senden",
    "Send inquiry": "Anfrage senden",
    "Service or repair": "Service oder Reparatur",
    "Tell us what you are looking for. A dealer near you will get back to you.": "Sagen Sie uns, was Sie suchen. Ein Händler in Ihrer Nähe meldet sich bei Ihnen.",
    "Thank you": "Vielen Dank",
    "Thank you, your inquiry is on its way": "Vielen Dank, Ihre Anfrage ist unterwegs",
    (
        "Too many inquiries came from here in a short time. Please try again in %(num)d minute.",
        "Too many inquiries came from here in a short time. Please try again in %(num)d minutes.",
    ): (
        "Von hier kamen in kurzer Zeit zu viele Anfragen. Bitte versuchen Sie es in %(num)d Minute noch einmal.",
        "Von hier kamen in kurzer Zeit zu viele Anfragen. Bitte versuchen Sie es in %(num)d Minuten noch einmal.",
    ),
    "Tractors": "Traktoren",
    "Use my location": "Meinen Standort verwenden",
    "Utility vehicles": "Nutzfahrzeuge",
    "What are you interested in?": "Wofür interessieren Sie sich?",
    "Where are you?": "Wo sind Sie?",
    "Your location is not available. Please enter your postal code.": "Ihr Standort ist nicht verfügbar. Bitte geben Sie Ihre Postleitzahl an.",
    "Your message is too long.": "Ihre Nachricht ist zu lang.",
    "a demonstration or test drive": "eine Vorführung oder Probefahrt",
    "a quote": "ein Angebot",
    "to buy": "kaufen",
}


def main() -> int:
    with (HERE / "messages.pot").open("rb") as source:
        catalog = read_po(source, locale="de")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        text = GERMAN.get(message.id)
        if text is None:
            missing.append(message.id)
            continue
        message.string = text
        message.flags.discard("fuzzy")
    folder = HERE / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "messages.po").open("wb") as target:
        write_po(target, catalog, width=100)
    with (folder / "messages.mo").open("wb") as target:
        write_mo(target, catalog)
    for text in missing:
        print("not translated:", text)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
