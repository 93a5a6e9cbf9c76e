"""The demo's content: the people, communities and conversations of the fictional
Bibliotheek Voorbeeldstad, in Dutch. Only data; :mod:`civicforum.demo` writes it."""

from __future__ import annotations

from dataclasses import dataclass

from .forum.models import JoinPolicy, Visibility

DEMO_PASSWORD = "voorbeeldstad-demo"  # noqa: S105 (published on purpose: demo accounts only)
EMAIL_DOMAIN = "voorbeeldstad.example"


@dataclass(frozen=True)
class DemoPerson:
    key: str
    display_name: str
    about: str

    @property
    def email(self) -> str:
        return f"{self.key}@{EMAIL_DOMAIN}"


@dataclass(frozen=True)
class DemoRule:
    title_nl: str
    title_en: str
    explanation_nl: str
    explanation_en: str


@dataclass(frozen=True)
class DemoHelp:
    name: str
    phone: str
    url: str
    opening_hours: str


@dataclass(frozen=True)
class DemoCommunity:
    slug: str
    name: str
    description: str
    rules: tuple[DemoRule, ...]
    visibility: Visibility
    join_policy: JoinPolicy
    moderators: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    # Asked to join but not yet let in, so a moderator finds a request waiting.
    waiting: tuple[str, ...] = ()
    help: tuple[DemoHelp, ...] = ()


def demo_token(topic: str, position: int) -> str:
    """The submission token of a demo post, by its topic's key and place (0: the
    opening post): what makes loading the demo again add nothing twice."""
    return f"demo:{topic}:{position}"


@dataclass(frozen=True)
class DemoTopic:
    key: str
    community: str
    title: str
    # (author, text) pairs; the first opens the topic.
    posts: tuple[tuple[str, str], ...]
    anonymous: frozenset[int] = frozenset()  # positions published without a name
    # (position, label): posts their author put under a content warning.
    warnings: tuple[tuple[int, str], ...] = ()


PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("femke", "Femke (bibliotheek)", "moderator of Leesclub and Mantelzorgers"),
    DemoPerson("karim", "Karim (bibliotheek)", "moderator of Leesclub and Digitale hulp"),
    DemoPerson("joost", "Joost (Digitaal Hulpplein)", "editor of Digitale hulp"),
    DemoPerson("ingrid", "Ingrid (Digitaal Hulpplein)", "editor of Digitale hulp"),
    DemoPerson("anneke", "Anneke", "member"),
    DemoPerson("bram", "Bram", "member"),
    DemoPerson("sevda", "Sevda", "member"),
    DemoPerson("henk", "Henk", "member"),
    DemoPerson("lotte", "Lotte", "member"),
    DemoPerson("ria", "Ria", "member; her request to join Mantelzorgers is waiting"),
)

COMMUNITIES: tuple[DemoCommunity, ...] = (
    DemoCommunity(
        slug="leesclub",
        name="Leesclub",
        description=(
            "Praat mee over het boek van de maand, wissel tips uit en ontmoet andere lezers. "
            "Iedereen mag meelezen; wie meepraat, wordt lid."
        ),
        rules=(
            DemoRule(
                "Waarschuw voor spoilers",
                "Warn before spoilers",
                "Verklap het einde niet zonder waarschuwing: zet 'spoiler' boven je bericht.",
                "Do not give the ending away without a warning: put 'spoiler' above your post.",
            ),
            DemoRule(
                "Laat de ander in zijn waarde",
                "Respect each other",
                "Elke mening over een boek mag, zolang je de ander in zijn waarde laat.",
                "Every opinion about a book is welcome, as long as you respect the person "
                "you are talking to.",
            ),
            DemoRule(
                "Geen reclame",
                "No advertising",
                "Reclame voor eigen werk, winkels of diensten hoort hier niet.",
                "Advertising your own work, shops or services does not belong here.",
            ),
        ),
        visibility=Visibility.PUBLIC,
        join_policy=JoinPolicy.OPEN,
        moderators=("femke", "karim"),
        help=(
            DemoHelp(
                "De Luisterlijn", "088 0767 000", "https://www.deluisterlijn.nl", "dag en nacht"
            ),
            DemoHelp(
                "113 Zelfmoordpreventie", "0800-0113", "https://www.113.nl", "dag en nacht, gratis"
            ),
        ),
        members=("anneke", "bram", "sevda", "henk", "lotte"),
    ),
    DemoCommunity(
        slug="digitale-hulp",
        name="Digitale hulp",
        description=(
            "Vragen over DigiD, e-mail, je telefoon of de bibliotheek-app? Stel ze hier. "
            "Vrijwilligers van het Digitaal Hulpplein lezen mee."
        ),
        rules=(
            DemoRule(
                "Deel nooit je codes",
                "Never share your codes",
                "Deel nooit je wachtwoord, DigiD-code of BSN, ook niet met een vrijwilliger.",
                "Never share your password, DigiD code or citizen service number (BSN), "
                "not even with a volunteer.",
            ),
            DemoRule(
                "Geen vraag is te klein",
                "No question is too small",
                "Reageer vriendelijk, ook op een vraag die jij makkelijk vindt.",
                "Answer kindly, also a question you find easy.",
            ),
        ),
        visibility=Visibility.PUBLIC,
        join_policy=JoinPolicy.OPEN,
        moderators=("karim",),
        editors=("joost", "ingrid"),
        members=("henk", "sevda", "anneke", "bram"),
    ),
    DemoCommunity(
        slug="mantelzorgers",
        name="Mantelzorgers",
        description=(
            "Een besloten plek voor wie zorgt voor een naaste. Alleen leden lezen mee; "
            "een moderator laat nieuwe leden toe."
        ),
        rules=(
            DemoRule(
                "Wat hier gedeeld wordt, blijft hier",
                "What is shared here stays here",
                "Vertel niet verder wat anderen hier delen, ook niet zonder namen.",
                "Do not pass on what others share here, not even without names.",
            ),
            DemoRule(
                "Anoniem mag",
                "Anonymous is fine",
                "Je mag anoniem schrijven; de moderator ziet wel wie je bent.",
                "You may write anonymously; the moderator can still see who you are.",
            ),
            DemoRule(
                "Ervaringen, geen medisch advies",
                "Experiences, not medical advice",
                "Deel wat jij hebt meegemaakt, maar breng het niet als medisch advies.",
                "Share what you went through, but do not present it as medical advice.",
            ),
        ),
        visibility=Visibility.MEMBERS,
        join_policy=JoinPolicy.APPROVAL,
        moderators=("femke",),
        members=("lotte", "henk", "anneke"),
        waiting=("ria",),
        help=(
            DemoHelp(
                "113 Zelfmoordpreventie", "0800-0113", "https://www.113.nl", "dag en nacht, gratis"
            ),
            DemoHelp(
                "De Luisterlijn", "088 0767 000", "https://www.deluisterlijn.nl", "dag en nacht"
            ),
            DemoHelp(
                "Mantelzorglijn",
                "030 760 60 55",
                "https://www.mantelzorg.nl",
                "werkdagen van 9.00 tot 18.00 uur",
            ),
        ),
    ),
)

_AVONDEN_REPLIES: tuple[tuple[str, str], ...] = (
    (
        "anneke",
        "Ik heb het voor het eerst gelezen sinds de middelbare school. Toen vond ik het "
        "saai, nu moest ik hardop lachen om Frits en zijn moeder.",
    ),
    (
        "bram",
        "Zelfde hier! Op school begreep ik niet wat er grappig aan was. Nu herken ik "
        "die lange, lege avonden rond de feestdagen maar al te goed.",
    ),
    (
        "henk",
        "Ik las het in de oude uitgave van mijn vader. Er staan nog potloodstreepjes in, "
        "precies bij de stukken over kaalheid. Geen idee wat hij daarmee bedoelde.",
    ),
    (
        "lotte",
        "Haha Henk, misschien herkende hij zich erin?\n\nWat mij opviel: er gebeurt "
        "bijna niets, en toch blijf je lezen.",
    ),
    (
        "sevda",
        "Ik lees het nu voor het eerst. Ik ben pas in de tweede avond. Is het goed "
        "als ik hier alvast meelees, of verklap ik mezelf dan te veel?",
    ),
    (
        "femke",
        "Welkom Sevda! Tot nu toe verklapt niemand het einde. Wie dat wil bespreken, "
        "zet er **spoiler** boven, dan kun je dat bericht overslaan.",
    ),
    (
        "anneke",
        "De gesprekken met zijn broer Joop vind ik het mooist. Zo onhandig, en toch "
        "merk je dat Frits om hem geeft.",
    ),
    (
        "bram",
        "Vinden jullie Frits eigenlijk sympathiek? Ik twijfel. Hij zegt soms echt "
        "gemene dingen tegen zijn vrienden.",
    ),
    (
        "henk",
        "Sympathiek niet, maar wel menselijk. Hij verveelt zich en weet niet wat hij "
        "met zichzelf aan moet. Dat kennen we toch allemaal?",
    ),
    (
        "lotte",
        "Het is ook net na de oorlog. Iedereen doet alsof het gewone leven weer "
        "begonnen is, maar niemand weet hoe dat moet.",
    ),
    (
        "sevda",
        "Ik ben nu bij de vijfde avond. Die droom was zo vreemd! Ik moest hem twee keer lezen.",
    ),
    (
        "anneke",
        "De dromen zijn voor mij het lastigste deel. Ik sla ze eerlijk gezegd een beetje over.",
    ),
    (
        "femke",
        "Voor wie meer achtergrond wil: in de leeszaal ligt deze maand een kleine "
        "tentoonstelling over het boek, met recensies uit 1947. Vraag ernaar bij de balie.",
    ),
    ("bram", "Goede tip, ik ga zaterdag kijken. Weet iemand of de verfilming ook te leen is?"),
    (
        "femke",
        "Ja, de film staat in de catalogus. Er is één exemplaar, dus reserveer hem "
        "even via je account.",
    ),
    (
        "henk",
        "Die film heb ik ooit gezien. Mooi, maar het boek is beter. Dat zeg ik natuurlijk altijd.",
    ),
    (
        "lotte",
        "Wat vinden jullie van de taal? Ik vind het heel precies, bijna plechtig, "
        "ook als het over iets kleins gaat.",
    ),
    (
        "sevda",
        "Voor mij als niet-moedertaalspreker is dat juist fijn. De zinnen zijn lang, "
        "maar heel helder. Ik zoek wel veel woorden op.",
    ),
    ("anneke", "Knap dat je het in het Nederlands leest, Sevda! Welke woorden zocht je op?"),
    (
        "sevda",
        "Onder andere *kaalheid*, *treurig* en *gezellig*. Dat laatste woord kende "
        "ik al, maar bij Frits betekent het steeds iets anders.",
    ),
    (
        "bram",
        "**Spoiler**\n\nHet slot vind ik prachtig. Na alle ellende toch dat kleine "
        'beetje hoop: *"Het is gezien. Het is niet onopgemerkt gebleven."*',
    ),
    (
        "henk",
        "Die laatste zin blijft bij me hangen. Ik heb het boek dichtgeslagen en nog "
        "even naar buiten zitten kijken.",
    ),
    (
        "lotte",
        "Zullen we op de bijeenkomst stemmen over het volgende boek? Ik zou graag "
        "iets van een hedendaagse schrijver lezen.",
    ),
    (
        "femke",
        "Goed idee, Lotte. Zet je suggesties in het onderwerp *Tips voor "
        "zomerboeken*, dan maken we daar donderdag een keuze uit.",
    ),
)

TOPICS: tuple[DemoTopic, ...] = (
    DemoTopic(
        key="avonden",
        community="leesclub",
        title="Boek van de maand: De Avonden van Gerard Reve",
        posts=(
            (
                "femke",
                "Deze maand lezen we *De Avonden* van Gerard Reve: tien avonden uit "
                "het leven van Frits van Egters, eind december 1946.\n\nWat vond je ervan? "
                "Vertel het hier, ook als je nog niet uit bent.",
            ),
            *_AVONDEN_REPLIES,
        ),
    ),
    DemoTopic(
        key="zomerboeken",
        community="leesclub",
        title="Tips voor zomerboeken",
        posts=(
            (
                "lotte",
                "Binnenkort weer vakantie. Welke boeken nemen jullie mee? Graag iets "
                "wat niet te zwaar is, voor op de camping.",
            ),
            (
                "anneke",
                "Ik neem altijd een dikke detective mee. Vorig jaar een Scandinavische "
                "reeks, drie delen in twee weken.",
            ),
            (
                "bram",
                "Luisterboeken! Via de app kun je ze gratis lenen als je lid bent. "
                "Ideaal in de auto.",
            ),
            (
                "sevda",
                "Een tip voor wie Nederlands leert: de reeks *Makkelijk lezen* in de "
                "bibliotheek. Korte verhalen, gewone onderwerpen.",
            ),
            (
                "femke",
                "Mooie tips! De *Makkelijk lezen*-kast staat bij de ingang, naast de kranten.",
            ),
        ),
    ),
    DemoTopic(
        key="bijeenkomst",
        community="leesclub",
        title="Volgende bijeenkomst: donderdag 19.30 uur in de leeszaal",
        posts=(
            (
                "femke",
                "We praten donderdagavond verder over *De Avonden*. Koffie en thee "
                "staan klaar vanaf 19.15 uur. Ook wie het boek niet uit heeft, is welkom.",
            ),
            ("henk", "Ik ben erbij. Zal ik een cake meenemen?"),
            (
                "femke",
                "Graag, Henk! De leeszaal is vanaf de zijingang bereikbaar, de grote "
                "deur is na 18.00 uur dicht.",
            ),
        ),
    ),
    DemoTopic(
        key="digid",
        community="digitale-hulp",
        title="DigiD-app installeren: waar loop ik vast?",
        posts=(
            (
                "henk",
                "Ik probeer de DigiD-app op mijn telefoon te zetten, maar ik kom niet "
                "verder dan het scannen van mijn paspoort. Wat doe ik fout?",
            ),
            (
                "joost",
                "Goede vraag, Henk. Het scannen lukt het best als je het paspoort plat "
                "op tafel legt en de telefoon er recht boven houdt. Houd hem stil tot hij "
                "trilt. Bij een identiteitskaart werkt het net zo.",
            ),
            ("henk", "Ah, ik hield hem schuin. Ik probeer het vanavond nog eens."),
            (
                "sevda",
                "Bij mij lukte het pas toen ik het hoesje van mijn telefoon eraf "
                "haalde. Misschien helpt dat ook.",
            ),
            ("henk", "Het is gelukt! Het hoesje was het inderdaad. Bedankt allebei."),
            (
                "joost",
                "Mooi zo! Lukt iets anders niet, kom dan langs op het spreekuur. "
                "Neem je telefoon en je paspoort mee, maar vertel niemand je pincode.",
            ),
        ),
    ),
    DemoTopic(
        key="ebooks",
        community="digitale-hulp",
        title="E-books lenen via de app van de bibliotheek",
        posts=(
            (
                "anneke",
                "Kan ik met mijn bibliotheekpas ook e-books lenen? En hoe lang mag ik ze houden?",
            ),
            (
                "joost",
                "Ja, met je pas kun je e-books lenen via de app van de bibliotheek. "
                "Je leent ze drie weken; daarna verdwijnen ze vanzelf van je apparaat, dus "
                "je krijgt nooit een boete.",
            ),
            (
                "bram",
                "Handig om te weten: je kunt de letters groter zetten in de app. Dat "
                "lees ik veel prettiger dan een papieren boek.",
            ),
            ("anneke", "Dank jullie wel, ik heb mijn eerste e-book geleend!"),
        ),
    ),
    DemoTopic(
        key="spreekuur",
        community="digitale-hulp",
        title="Spreekuur Digitaal Hulpplein: elke dinsdagochtend",
        posts=(
            (
                "joost",
                "Elke dinsdag van 10.00 tot 12.00 uur helpen vrijwilligers je in de "
                "bibliotheek met DigiD, e-mail, je telefoon of formulieren van de gemeente. "
                "Aanmelden is niet nodig en het is gratis.",
            ),
            ("sevda", "Is er ook hulp in het Turks of Arabisch?"),
            (
                "joost",
                "Om de week is er een vrijwilliger die Turks spreekt. Vraag bij de "
                "balie wanneer ze er is.",
            ),
        ),
    ),
    DemoTopic(
        key="voorstellen",
        community="mantelzorgers",
        title="Even voorstellen",
        posts=(
            (
                "femke",
                "Welkom in deze besloten groep. Vertel gerust wie je bent en voor wie "
                "je zorgt, zoveel of zo weinig als je wilt.",
            ),
            (
                "lotte",
                "Ik ben Lotte en ik zorg sinds een jaar voor mijn moeder, die "
                "dementie heeft. Ik werk ook nog drie dagen, dus het is soms puzzelen.",
            ),
            (
                "henk",
                "Henk hier. Mijn vrouw heeft na een beroerte veel hulp nodig. Fijn dat "
                "deze groep er is; thuis praat ik er weinig over.",
            ),
            (
                "anneke",
                "Ik zorg voor mijn zoon. Ik schrijf hier liever zonder naam, maar "
                "lees graag mee en wil ook iets terugdoen.",
            ),
            (
                "lotte",
                "Fijn dat jullie er zijn. Het helpt al om te weten dat je niet de enige bent.",
            ),
        ),
        anonymous=frozenset({3}),
        warnings=((2, "ziekte"),),
    ),
    DemoTopic(
        key="respijtzorg",
        community="mantelzorgers",
        title="Respijtzorg in Voorbeeldstad: wie heeft ervaring?",
        posts=(
            (
                "henk",
                "Ik ben toe aan een paar dagen rust. Heeft iemand ervaring met "
                "respijtzorg hier in de stad, bijvoorbeeld een logeerhuis?",
            ),
            (
                "lotte",
                "Mijn moeder gaat eens per maand een weekend naar een logeerhuis. "
                "Het Steunpunt Mantelzorg van de gemeente heeft ons geholpen met aanvragen.",
            ),
            (
                "femke",
                "In de bibliotheek ligt een map met folders van het Steunpunt. Ze "
                "houden ook elke eerste maandag van de maand spreekuur in de bibliotheek.",
            ),
            ("henk", "Dank je, Lotte en Femke. Ik ga maandag langs."),
        ),
    ),
)

# How some demo people chose to be reached: (person, digest, follows). No quiet hours:
# a demo person who writes at any hour of the day is what the demo needs.
PACES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("lotte", "weekly", ("mantelzorgers",)),
    ("anneke", "daily", ("leesclub",)),
)

# Replies edited afterwards, so the demo shows a revision history: (topic, position, text).
EDITS: tuple[tuple[str, int, str], ...] = (
    (
        "bijeenkomst",
        1,
        "Ik ben erbij. Zal ik een appeltaart meenemen? (Eerst schreef ik cake, maar die is op.)",
    ),
)
