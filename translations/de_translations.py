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
    # The dealer app (issue 14).
    "Decline %(title)s": "%(title)s ablehnen",
    "Choose a reason.": "Bitte wählen Sie einen Grund.",
    "Decline lead": "Lead ablehnen",
    "Keep it": "Behalten",
    "Back to the lead": "Zurück zum Lead",
    "Questions to the manufacturer": "Fragen an den Hersteller",
    "You": "Sie",
    "Manufacturer": "Hersteller",
    "Waiting for the manufacturer's answer": "Wartet auf die Antwort des Herstellers",
    "Unsure about stock, prices or the customer? Ask the manufacturer here; you get a notification when they answer.": "Unsicher bei Bestand, Preisen oder dem Kunden? Fragen Sie hier den Hersteller; Sie werden benachrichtigt, wenn er antwortet.",
    "Send question": "Frage senden",
    "Notifications": "Benachrichtigungen",
    "Account": "Konto",
    "Signed in as": "Angemeldet als",
    "Dealership": "Händlerbetrieb",
    "Sign out": "Abmelden",
    "Why do you decline?": "Warum lehnen Sie ab?",
    "Your question": "Ihre Frage",
    "Not in our portfolio": "Nicht in unserem Sortiment",
    "No capacity right now": "Gerade keine Kapazität",
    "Too far away": "Zu weit entfernt",
    "Spam or fake": "Spam oder Fälschung",
    "Other reason": "Anderer Grund",
    "Con\u00adtacted": "Kon\u00adtak\u00adtiert",
    "Quali\u00adfied": "Quali\u00adfi\u00adziert",
    "Appoint\u00adment": "Termin",
    " km from %(dealer)s": " km von %(dealer)s",
    "%(num)d h left": "noch %(num)d Std.",
    "%(num)d min left": "noch %(num)d Min.",
    "Accept lead": "Lead annehmen",
    "Accept the lead before you change its stage.": "Nehmen Sie den Lead an, bevor Sie seine Phase ändern.",
    "Answer by %(time)s. If you decline, the next dealer gets it at once.": "Antwort bis %(time)s. Wenn Sie ablehnen, erhält ihn sofort der nächste Händler.",
    "Appointment": "Termin",
    "Brand site form": "Formular der Markenseite",
    "Business": "Geschäftskunde",
    "CSV import": "CSV-Import",
    "Call": "Anrufen",
    "Campaign": "Kampagne",
    "Change the stage": "Phase ändern",
    "Consent to contact": "Einwilligung zur Kontaktaufnahme",
    "Contacted": "Kontaktiert",
    "Customer": "Kunde",
    "Declined. The lead went on to the next dealer.": "Abgelehnt. Der Lead ging an den nächsten Händler.",
    "Decline…": "Ablehnen …",
    "Delivery": "Lieferung",
    "Due now": "Jetzt fällig",
    "Email": "E-Mail",
    "Given": "Erteilt",
    "Inbox": "Eingang",
    "Inquiry": "Anfrage",
    "Keep me signed in on this device": "Auf diesem Gerät angemeldet bleiben",
    "Lead accepted. It's yours: contact the customer soon.": "Lead angenommen. Er gehört Ihnen: Melden Sie sich bald beim Kunden.",
    "LeadRelay: customer inquiries to the right dealer within seconds.": "LeadRelay: Kundenanfragen in Sekunden beim richtigen Händler.",
    "Leads you accept are listed here by stage.": "Angenommene Leads stehen hier nach Phase geordnet.",
    "Location": "Ort",
    "Lost": "Verloren",
    "Main": "Hauptnavigation",
    "Mark as %(stage)s": "Weiter: %(stage)s",
    "Message": "Nachricht",
    "Move to": "Verschieben nach",
    "Name": "Name",
    "New": "Neu",
    "New leads show up here and on your phone.": "Neue Leads erscheinen hier und auf Ihrem Telefon.",
    "No open leads": "Keine offenen Leads",
    "No postal code": "Keine Postleitzahl",
    "Not recorded": "Nicht erfasst",
    "Note (optional)": "Notiz (optional)",
    "Note on location": "Hinweis zum Ort",
    "Nothing waiting": "Nichts wartet",
    "Offered to you": "Ihnen angeboten",
    "Order value (€, needed for won)": "Auftragswert (€, nötig für gewonnen)",
    "Order value:": "Auftragswert:",
    "Password": "Passwort",
    "Picks up at a store": "Holt im Geschäft ab",
    "Please enter an amount from 0.": "Bitte geben Sie einen Betrag ab 0 ein.",
    "Please enter the amount as a number, such as %(example)s.": "Bitte geben Sie den Betrag als Zahl ein, etwa %(example)s.",
    "Preferred seller": "Wunschverkäufer",
    "Private customer": "Privatkunde",
    "Promotion": "Aktion",
    "Qualified": "Qualifiziert",
    "Received": "Eingegangen",
    "Sales stages": "Verkaufsphasen",
    "Save stage": "Phase speichern",
    "Service": "Service",
    "Settings": "Einstellungen",
    "Ship to the customer": "Lieferung an den Kunden",
    "Sign in": "Anmelden",
    "Skip to content": "Zum Inhalt springen",
    "Source": "Herkunft",
    "Stage": "Phase",
    "Stage saved: %(stage)s.": "Phase gespeichert: %(stage)s.",
    "Surname, phone and e-mail appear when you accept the lead.": "Nachname, Telefon und E-Mail erscheinen, wenn Sie den Lead annehmen.",
    "This lead is no longer waiting for you.": "Dieser Lead wartet nicht mehr auf Sie.",
    "Volume estimate": "Geschätzte Menge",
    "Waiting for your answer": "Wartet auf Ihre Antwort",
    "What they ask about": "Worum es geht",
    "Won": "Gewonnen",
    "Won / lost": "Gewonnen / verloren",
    "Won and lost": "Gewonnen und verloren",
    "Won, lost or another stage": "Gewonnen, verloren oder andere Phase",
    "Your leads": "Ihre Leads",
    "a won lead needs its value": "Ein gewonnener Lead braucht seinen Auftragswert.",
    "at": "bei",
    "in your stock": "an Ihrem Lager",
    "waiting": "wartend",
    "you": "Ihnen",
    # Tiers: a distributor's inbox filter.
    "Whose leads": "Wessen Leads",
    "All": "Alle",
    "Ours": "Unsere",
    "Sub-dealers'": "Der Unterhändler",
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
