"""Dutch forum text for the benchmarks, made up from a fixed random seed.

A vocabulary of real Dutch nouns, verbs and adjectives (each with its inflected forms),
grown to a few thousand words with compounds as Dutch makes them ("bibliotheekpas",
"buurtenhuis"), is used with a Zipf-like frequency: the most common words are in most
posts, rare ones in a few dozen. Each topic has a theme of its own, a handful of words
its posts use more often, so two words that belong together are also found together.
Posts are Markdown as members write it: paragraphs, now and then a list, a quote of
an earlier post, a link or a word in bold.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import accumulate

# -- the words ---------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


#: Function words: most of what is written, and mostly stop words to the index.
FUNCTION_WORDS = _words(
    "de het een en van in op te dat die is niet met voor er maar om aan ook als bij of "
    "nog dan wel naar uit zo door over dit ze ik je we wij jullie hij zij mijn ons onze "
    "hun heel veel meer al kan kunnen moet wil heb heeft hebben ben zijn was waren wordt "
    "worden zou had geen iets niets iemand hier daar nu toen want omdat dus wat wie waar "
    "hoe waarom misschien gewoon echt even toch eigenlijk"
)

#: Nouns as singular:plural (a dash: no plural in use).
NOUNS = _words(
    """
boek:boeken bibliotheek:bibliotheken leesclub:leesclubs roman:romans verhaal:verhalen
schrijver:schrijvers auteur:auteurs gedicht:gedichten hoofdstuk:hoofdstukken
bladzijde:bladzijden kaft:kaften titel:titels lezer:lezers uitgever:uitgevers
vertaling:vertalingen thriller:thrillers detective:detectives biografie:biografieën
strip:strips tijdschrift:tijdschriften krant:kranten artikel:artikelen pas:passen
lening:leningen boete:boetes balie:balies kast:kasten plank:planken collectie:collecties
reservering:reserveringen luisterboek:luisterboeken computer:computers
telefoon:telefoons tablet:tablets laptop:laptops printer:printers scherm:schermen
toetsenbord:toetsenborden wachtwoord:wachtwoorden website:websites app:apps internet:-
mail:mails bericht:berichten foto:foto's video:video's cursus:cursussen
workshop:workshops les:lessen docent:docenten vrijwilliger:vrijwilligers buurt:buurten
wijk:wijken straat:straten stad:steden dorp:dorpen gemeente:gemeenten huis:huizen
woning:woningen tuin:tuinen park:parken plein:pleinen school:scholen kind:kinderen
ouder:ouders opa:opa's oma:oma's vriend:vrienden buur:buren familie:families
gezin:gezinnen mens:mensen vrouw:vrouwen man:mannen jongere:jongeren oudere:ouderen
zorg:zorgen mantelzorger:mantelzorgers huisarts:huisartsen arts:artsen
ziekenhuis:ziekenhuizen apotheek:apotheken medicijn:medicijnen
verpleegkundige:verpleegkundigen patiënt:patiënten afspraak:afspraken
behandeling:behandelingen klacht:klachten pijn:pijnen ziekte:ziekten gezondheid:-
vermoeidheid:- slaap:- rug:ruggen hoofd:hoofden hart:harten energie:- rust:-
dag:dagen week:weken maand:maanden jaar:jaren avond:avonden ochtend:ochtenden
middag:middagen weekend:weekenden uur:uren minuut:minuten moment:momenten tijd:tijden
seizoen:seizoenen zomer:zomers winter:winters lente:- herfst:- vakantie:vakanties
feest:feesten markt:markten bijeenkomst:bijeenkomsten vergadering:vergaderingen
lezing:lezingen voorstelling:voorstellingen tentoonstelling:tentoonstellingen
concert:concerten film:films muziek:- koor:koren theater:theaters museum:musea
fiets:fietsen auto:auto's bus:bussen trein:treinen station:stations halte:haltes
parkeerplaats:parkeerplaatsen weg:wegen brug:bruggen water:- regen:- weer:- zon:-
wind:- boom:bomen bloem:bloemen plant:planten groente:groenten fruit:- appel:appels
brood:broden koffie:- thee:- taart:taarten maaltijd:maaltijden recept:recepten
keuken:keukens tafel:tafels stoel:stoelen raam:ramen deur:deuren sleutel:sleutels
geld:- rekening:rekeningen belasting:belastingen toeslag:toeslagen
formulier:formulieren aanvraag:aanvragen brief:brieven regel:regels wet:wetten
recht:rechten vraag:vragen antwoord:antwoorden idee:ideeën mening:meningen
ervaring:ervaringen tip:tips advies:adviezen hulp:- probleem:problemen
oplossing:oplossingen voorbeeld:voorbeelden reden:redenen keuze:keuzes kans:kansen
plan:plannen doel:doelen project:projecten werk:- baan:banen collega:collega's
organisatie:organisaties vereniging:verenigingen stichting:stichtingen club:clubs
team:teams groep:groepen lid:leden bestuur:besturen voorzitter:voorzitters
gesprek:gesprekken discussie:discussies onderwerp:onderwerpen draad:draden
reactie:reacties taal:talen woord:woorden zin:zinnen uitleg:- informatie:- nieuws:-
geschiedenis:- oorlog:oorlogen natuur:- dier:dieren hond:honden kat:katten
vogel:vogels paard:paarden zee:zeeën strand:stranden bos:bossen berg:bergen
rivier:rivieren land:landen wereld:werelden reis:reizen hotel:hotels camping:campings
kaart:kaarten route:routes wandeling:wandelingen sport:sporten voetbal:-
zwembad:zwembaden spel:spellen puzzel:puzzels hobby:hobby's handwerk:-
schilderij:schilderijen kunst:- kunstenaar:kunstenaars pensioen:pensioenen
uitkering:uitkeringen verzekering:verzekeringen contract:contracten
abonnement:abonnementen winkel:winkels supermarkt:supermarkten prijs:prijzen
korting:kortingen buurman:buurmannen buurvrouw:buurvrouwen wijkagent:wijkagenten
politie:- veiligheid:- afval:- container:containers geluid:geluiden overlast:-
verkeer:- drempel:drempels stoep:stoepen speeltuin:speeltuinen bankje:bankjes
huurder:huurders verhuurder:verhuurders huur:huren onderhoud:- lekkage:lekkages
verwarming:verwarmingen isolatie:- zonnepaneel:zonnepanelen warmtepomp:warmtepompen
stroom:- gas:- bril:brillen gehoor:- rolstoel:rolstoelen rollator:rollators
tandarts:tandartsen fysiotherapeut:fysiotherapeuten dieet:diëten
"""
)

#: Verbs as infinitive:first person:past participle.
VERBS = _words(
    """
lezen:lees:gelezen schrijven:schrijf:geschreven lenen:leen:geleend zoeken:zoek:gezocht
vinden:vind:gevonden vragen:vraag:gevraagd helpen:help:geholpen werken:werk:gewerkt
wonen:woon:gewoond praten:praat:gepraat denken:denk:gedacht weten:weet:geweten
zien:zie:gezien kijken:kijk:gekeken luisteren:luister:geluisterd horen:hoor:gehoord
spreken:spreek:gesproken vertellen:vertel:verteld delen:deel:gedeeld komen:kom:gekomen
gaan:ga:gegaan lopen:loop:gelopen fietsen:fiets:gefietst rijden:rijd:gereden
wachten:wacht:gewacht beginnen:begin:begonnen stoppen:stop:gestopt
proberen:probeer:geprobeerd leren:leer:geleerd begrijpen:begrijp:begrepen
betalen:betaal:betaald kopen:koop:gekocht verkopen:verkoop:verkocht bellen:bel:gebeld
mailen:mail:gemaild sturen:stuur:gestuurd ontvangen:ontvang:ontvangen
krijgen:krijg:gekregen geven:geef:gegeven nemen:neem:genomen maken:maak:gemaakt
koken:kook:gekookt eten:eet:gegeten drinken:drink:gedronken slapen:slaap:geslapen
voelen:voel:gevoeld missen:mis:gemist hopen:hoop:gehoopt zorgen:zorg:gezorgd
regelen:regel:geregeld organiseren:organiseer:georganiseerd plannen:plan:gepland
kiezen:kies:gekozen stemmen:stem:gestemd melden:meld:gemeld klagen:klaag:geklaagd
bedanken:bedank:bedankt reageren:reageer:gereageerd antwoorden:antwoord:geantwoord
installeren:installeer:geïnstalleerd downloaden:download:gedownload
printen:print:geprint openen:open:geopend sluiten:sluit:gesloten bewaren:bewaar:bewaard
verliezen:verlies:verloren vergeten:vergeet:vergeten onthouden:onthoud:onthouden
oefenen:oefen:geoefend wandelen:wandel:gewandeld zwemmen:zwem:gezwommen
tuinieren:tuinier:getuinierd verhuizen:verhuis:verhuisd huren:huur:gehuurd
repareren:repareer:gerepareerd bouwen:bouw:gebouwd schilderen:schilder:geschilderd
zingen:zing:gezongen spelen:speel:gespeeld winnen:win:gewonnen reizen:reis:gereisd
bezoeken:bezoek:bezocht ontmoeten:ontmoet:ontmoet adviseren:adviseer:geadviseerd
lachen:lach:gelachen huilen:huil:gehuild genieten:geniet:genoten
twijfelen:twijfel:getwijfeld herkennen:herken:herkend veranderen:verander:veranderd
verbeteren:verbeter:verbeterd aanmelden:meld:aangemeld
"""
)

#: Adjectives as base:inflected.
ADJECTIVES = _words(
    """
mooi:mooie goed:goede slecht:slechte leuk:leuke fijn:fijne prettig:prettige
lastig:lastige moeilijk:moeilijke makkelijk:makkelijke handig:handige nuttig:nuttige
interessant:interessante spannend:spannende saai:saaie grappig:grappige
ontroerend:ontroerende oud:oude nieuw:nieuwe jong:jonge groot:grote klein:kleine
lang:lange kort:korte dik:dikke dun:dunne duur:dure goedkoop:goedkope gratis:gratis
snel:snelle langzaam:langzame rustig:rustige druk:drukke stil:stille warm:warme
koud:koude nat:natte droog:droge donker:donkere licht:lichte vroeg:vroege laat:late
lokaal:lokale digitaal:digitale gezond:gezonde ziek:zieke blij:blije boos:boze
verdrietig:verdrietige eenzaam:eenzame vriendelijk:vriendelijke
behulpzaam:behulpzame eerlijk:eerlijke duidelijk:duidelijke ingewikkeld:ingewikkelde
belangrijk:belangrijke bijzonder:bijzondere gewoon:gewone vreemd:vreemde
bekend:bekende onbekend:onbekende populair:populaire veilig:veilige
gevaarlijk:gevaarlijke schoon:schone vies:vieze zwaar:zware vol:volle leeg:lege
prachtig:prachtige heerlijk:heerlijke vervelend:vervelende
teleurstellend:teleurstellende verrassend:verrassende sterk:sterke zwak:zwakke
rijk:rijke arm:arme gelukkig:gelukkige tevreden:tevreden ontevreden:ontevreden
zeker:zekere onzeker:onzekere bang:bange gezellig:gezellige
"""
)

ADVERBS = _words(
    """
gisteren vandaag morgen vanavond straks vaak soms nooit altijd meestal eindelijk
helaas natuurlijk inderdaad trouwens samen alleen buiten binnen thuis online dichtbij
ergens overal precies ongeveer bijna graag waarschijnlijk blijkbaar meteen
"""
)

FIRST_NAMES = _words(
    """
Femke Karim Lotte Ingrid Joost Sanne Bram Ans Nina Otto Daan Emma Sem Julia Lucas Mila
Noah Tess Finn Zoë Mohammed Fatima Youssef Amira Kees Henk Truus Riet Wim Gerrit
Marieke Sophie Thomas Lisa Jeroen Esther Pieter Anouk Ruben Sara Ahmed Samira Jan Els
Marloes Martijn Ilse Hanneke Dirk Annelies Fenna Jesse Mirjam Koen Wilma Bas Yvonne
"""
)

SURNAMES = [
    "de Vries", "Jansen", "de Jong", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
    "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van den Berg",
    "Kok", "Jacobs", "Vermeulen", "van Dijk", "Yılmaz", "El Amrani", "Bouzid", "Öztürk",
    "Nguyen",
]  # fmt: skip

SITES = ("www.example.nl", "bibliotheek.example.nl", "gemeente.example.nl", "zorg.example.org")


@dataclass(frozen=True)
class Lemma:
    """One word with its forms: nouns (singular, plural, diminutive), verbs (infinitive,
    first person, participle), adjectives (base, inflected) and adverbs."""

    kind: str  # "noun", "verb", "adjective", "adverb"
    forms: tuple[str, ...]

    @property
    def word(self) -> str:
        return self.forms[0]


def _nouns() -> list[Lemma]:
    lemmas = []
    for entry in NOUNS:
        singular, plural = entry.split(":")
        lemmas.append(Lemma("noun", (singular,) if plural == "-" else (singular, plural)))
    return lemmas


def _compound(first: Lemma, second: Lemma, rng: random.Random) -> Lemma:
    """Two nouns as one, joined as Dutch joins them: directly, with -s- or with the
    plural of the first (``boek`` + ``kast``: ``boekenkast``)."""
    head = first.word
    roll = rng.random()
    plural = first.forms[1] if len(first.forms) > 1 else ""
    if roll < 0.2 and plural in (head + "en", head + head[-1] + "en"):
        head = plural
    elif roll < 0.4 and not head.endswith(("s", "e")):
        head += "s"
    forms = tuple(head + form for form in second.forms if "'" not in head + form)
    return Lemma("noun", forms or (head + second.word,))


@dataclass
class Vocabulary:
    """Content words in order of how common they are (most common first)."""

    lemmas: list[Lemma]
    weights: list[float]
    _cumulative: list[float] = field(default_factory=list)
    _by_kind: dict[str, tuple[list[Lemma], list[float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._cumulative = list(accumulate(self.weights))
        for kind in ("noun", "verb", "adjective", "adverb"):
            pairs = [
                (m, w) for m, w in zip(self.lemmas, self.weights, strict=True) if m.kind == kind
            ]
            self._by_kind[kind] = ([m for m, _w in pairs], list(accumulate(w for _m, w in pairs)))

    @classmethod
    def build(cls, seed: int, compounds: int = 2600) -> Vocabulary:
        rng = random.Random(f"vocabulary-{seed}")  # noqa: S311 (made-up text, not secrets)
        nouns = _nouns()
        verbs = [Lemma("verb", tuple(e.split(":"))) for e in VERBS]
        adjectives = [Lemma("adjective", tuple(e.split(":"))) for e in ADJECTIVES]
        adverbs = [Lemma("adverb", (word,)) for word in ADVERBS]
        base = nouns + verbs + adjectives + adverbs
        rng.shuffle(base)
        seen = {lemma.word for lemma in base}
        made: list[Lemma] = []
        while len(made) < compounds:
            first, second = rng.sample(nouns, 2)
            lemma = _compound(first, second, rng)
            if lemma.word not in seen:
                seen.add(lemma.word)
                made.append(lemma)
        # The simple words are the common ones; compounds are rarer, but a few of them
        # are common too ("bibliotheekpas" in a library's forum).
        lemmas = base[:150] + made[:40] + base[150:] + made[40:]
        weights = [1.0 / (rank + 2.7) ** 1.07 for rank in range(len(lemmas))]
        return cls(lemmas, weights)

    def __len__(self) -> int:
        return len(self.lemmas)

    def pick(self, rng: random.Random, count: int) -> list[Lemma]:
        return rng.choices(self.lemmas, cum_weights=self._cumulative, k=count)

    def pick_kind(self, rng: random.Random, kind: str) -> Lemma:
        lemmas, cumulative = self._by_kind[kind]
        return rng.choices(lemmas, cum_weights=cumulative)[0]


# -- writing ------------------------------------------------------------------------------

_TEMPLATES = (
    "ik {Vi} {de} {A} {N} {P} {de} {N}",
    "heeft iemand {een} {A} {N} voor {de} {N}",
    "wij hebben {de} {Np} gisteren {Vp}",
    "{de} {N} {is} {adv} {A}",
    "mijn {N} wil graag {een} {N} {V}",
    "kun je {de} {N} ook {P} {de} {N} {V}",
    "ik heb {de} {N} {adv} {Vp} en het was {A}",
    "volgens mij {is} {de} {N} {P} {de} {N} {A}",
    "bedankt voor {de} {A} {N}",
    "weet iemand waar ik {een} {A} {N} kan {V}",
    "{de} {Np} {P} {de} {N} zijn {adv} {A}",
    "we gaan {adv} {P} {de} {N} om {de} {Np} te {V}",
    "ik {Vi} {adv} {Np} {P} {de} {N}",
    "zelf heb ik {de} {N} {Vp} {P} {een} {A} {N}",
    "dat {is} {een} {A} {N} maar {de} {N} {is} {A}",
    "misschien kunnen we {de} {N} {V}",
    "ook {P} {de} {N} kun je {Np} {V}",
)
_PREPOSITIONS = ("in", "op", "bij", "naar", "van", "met", "voor", "over", "uit", "door", "na")
_OPENINGS = (
    "Hallo allemaal,",
    "Hoi,",
    "Goedemiddag,",
    "Dank je wel!",
    "Goede vraag.",
    "Herkenbaar.",
    "Wat fijn om te lezen.",
)
_CLOSINGS = ("Groetjes", "Groet", "Fijne dag", "Succes ermee", "Tot ziens bij de bijeenkomst")


class Writer:
    """Writes titles and posts from a vocabulary; each call takes its own random stream,
    so a post comes out the same however the work is split up."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def theme(self, rng: random.Random, size: int = 8) -> list[Lemma]:
        """The words a topic is about: common ones and a few telling, rarer ones."""
        chosen = self.vocabulary.pick(rng, size // 2)
        chosen += [rng.choice(self.vocabulary.lemmas) for _ in range(size - len(chosen))]
        return chosen

    def _word(self, rng: random.Random, theme: list[Lemma], kind: str, form: int) -> str:
        lemma: Lemma | None = None
        if rng.random() < 0.3:
            fitting = [t for t in theme if t.kind == kind]
            if fitting:
                lemma = rng.choice(fitting)
        if lemma is None:
            lemma = self.vocabulary.pick_kind(rng, kind)
        if kind == "noun" and form == 0 and len(lemma.forms) > 1 and rng.random() < 0.25:
            form = 1
        return lemma.forms[min(form, len(lemma.forms) - 1)]

    def sentence(self, rng: random.Random, theme: list[Lemma]) -> str:
        if rng.random() < 0.55:
            template = rng.choice(_TEMPLATES)
            words = []
            for part in template.split():
                slot = part.strip("{}") if part.startswith("{") else None
                if slot is None:
                    words.append(part)
                elif slot == "N":
                    words.append(self._word(rng, theme, "noun", 0))
                elif slot == "Np":
                    words.append(self._word(rng, theme, "noun", 1))
                elif slot == "A":
                    words.append(self._word(rng, theme, "adjective", rng.randrange(2)))
                elif slot == "V":
                    words.append(self._word(rng, theme, "verb", 0))
                elif slot == "Vi":
                    words.append(self._word(rng, theme, "verb", 1))
                elif slot == "Vp":
                    words.append(self._word(rng, theme, "verb", 2))
                elif slot == "adv":
                    words.append(self._word(rng, theme, "adverb", 0))
                elif slot == "P":
                    words.append(rng.choice(_PREPOSITIONS))
                elif slot == "de":
                    words.append(rng.choice(("de", "het", "die", "deze")))
                elif slot == "een":
                    words.append(rng.choice(("een", "een", "geen", "zo'n")))
                elif slot == "is":
                    words.append(rng.choice(("is", "was", "blijft", "lijkt")))
        else:
            words = []
            for _ in range(rng.randint(5, 16)):
                if rng.random() < 0.5:
                    words.append(rng.choice(FUNCTION_WORDS))
                else:
                    kind = rng.choice(("noun", "noun", "noun", "verb", "adjective", "adverb"))
                    words.append(self._word(rng, theme, kind, rng.randrange(3)))
        text = " ".join(words)
        end = rng.choices((".", "?", "!", "..."), weights=(80, 12, 6, 2))[0]
        return text[0].upper() + text[1:] + end

    def title(self, rng: random.Random, theme: list[Lemma]) -> str:
        nouns = [t for t in theme if t.kind == "noun"] or theme
        first, second = rng.choice(nouns), rng.choice(theme)
        shapes = (
            f"Wie weet meer over {first.word}?",
            f"{first.word.capitalize()} en {second.word}",
            f"Vraag over {first.forms[-1]} in de {rng.choice(nouns).word}",
            f"Ervaringen met {first.forms[-1]}",
            f"Tips voor {first.word} en {second.forms[0]}",
            f"{first.word.capitalize()}: {self.sentence(rng, theme)[:-1].lower()}",
            f"Waar vind ik een {rng.choice(ADJECTIVES).split(':')[1]} {first.word}?",
        )
        return rng.choice(shapes)[:150].strip()

    def _paragraph(self, rng: random.Random, theme: list[Lemma]) -> str:
        sentences = [self.sentence(rng, theme) for _ in range(rng.randint(1, 5))]
        if rng.random() < 0.12:
            i = rng.randrange(len(sentences))
            words = sentences[i].split(" ")
            j = rng.randrange(len(words))
            if words[j].isalpha():
                words[j] = f"**{words[j]}**" if rng.random() < 0.5 else f"*{words[j]}*"
            sentences[i] = " ".join(words)
        if rng.random() < 0.05:
            lemma = rng.choice(theme)
            address = f"https://{rng.choice(SITES)}/{lemma.word}"
            sentences.append(f"Zie [{lemma.word}]({address}).")
        return " ".join(sentences)

    def post(self, rng: random.Random, theme: list[Lemma], *, reply: bool = False) -> str:
        """A post as Markdown; a reply now and then quotes an earlier one."""
        blocks: list[str] = []
        if reply and rng.random() < 0.08:
            lines = [self.sentence(rng, theme) for _ in range(rng.randint(1, 2))]
            name = rng.choice(FIRST_NAMES)
            blocks.append(f"> **{name}:**\n" + "\n".join(f"> {line}" for line in lines))
        if rng.random() < 0.2:
            blocks.append(rng.choice(_OPENINGS))
        for _ in range(rng.choices((1, 2, 3, 4), weights=(40, 35, 18, 7))[0]):
            blocks.append(self._paragraph(rng, theme))
        if rng.random() < 0.1:
            items = [self.sentence(rng, theme) for _ in range(rng.randint(2, 5))]
            marker = rng.choice(("-", "*", "1."))
            blocks.append("\n".join(f"{marker} {item}" for item in items))
        if rng.random() < 0.15:
            blocks.append(rng.choice(_CLOSINGS) + ",  \n" + rng.choice(FIRST_NAMES))
        return "\n\n".join(blocks)
