"""Names for synthetic organisations: mostly Swedish, some international, ASCII-safe UPNs.

Part of the sandbox generator (:mod:`connectors.sandbox.generate`). Every draw goes through a
``random.Random`` passed in by the caller, so the same seed gives the same people. The pools are
common names (Statistics Sweden's most common names for the Swedish part), not real people.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

SWEDISH_FEMALE = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Kerstin", "Emma", "Ingrid", "Malin",
    "Kristina", "Birgitta", "Sofia", "Jenny", "Linnéa", "Ida", "Johanna", "Elin", "Hanna", "Linda",
    "Åsa", "Ulrika", "Camilla", "Helena", "Cecilia", "Annika", "Frida", "Matilda", "Astrid", "Märta",
    "Ebba", "Tove", "Agnes", "Klara", "Signe", "Elsa", "Maja", "Saga", "Therése", "Anna-Karin",
    "Marie-Louise", "Gunilla", "Susanne", "Louise", "Lovisa", "Pia", "Ylva", "Britt", "Ann-Sofie",
)
SWEDISH_MALE = (
    "Lars", "Anders", "Johan", "Per", "Erik", "Karl", "Mikael", "Jan", "Hans", "Peter",
    "Magnus", "Fredrik", "Daniel", "Mattias", "Henrik", "Olof", "Gustav", "Nils", "Oskar", "Axel",
    "Björn", "Göran", "Håkan", "Jöns", "Åke", "Örjan", "Stig", "Sven", "Bengt", "Ulf",
    "Viktor", "Elias", "Hugo", "Linus", "Emil", "Jonas", "Tobias", "Rasmus", "Per-Olof", "Karl-Johan",
    "Lars-Erik", "Mats", "Torbjörn", "Leif", "Kjell", "Roger", "Joakim", "Sebastian", "André",
)
SWEDISH_SURNAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson",
    "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson", "Lindqvist", "Lindgren", "Berg",
    "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist", "Mattsson", "Berglund",
    "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg", "Wallin", "Engström", "Eklund",
    "Danielsson", "Lundin", "Håkansson", "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström",
    "Samuelsson", "Isaksson", "Fransson", "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren",
    "Söderberg", "Nyberg", "Blomqvist", "Claesson", "Nordström", "Mårtensson", "Lundström", "Viklund",
    "Björklund", "Eliasson", "Pålsson", "Berggren", "Sandström", "Nordin", "Ström", "Åberg",
    "Hermansson", "Ekström", "Holmgren", "Sundberg", "Hedlund", "Dahlberg", "Hellström", "Sjögren",
    "Abrahamsson", "Falk", "Öberg", "Andreasson", "Blom", "Ek", "Åkesson", "Sundström", "Öhman",
    "Lindholm", "Söderström", "Strömberg", "Åström", "Källström", "Grönlund", "Östlund", "Hägg",
)

# (origin, given names, surnames). Enough variety to exercise folding: ä ö å é ł ś ø ð þ ü ı ş.
INTERNATIONAL = (
    ("finnish",
     ("Mikko", "Aino", "Jukka", "Päivi", "Heikki", "Sanna", "Timo", "Riikka", "Eetu", "Tuula"),
     ("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen", "Laine", "Heikkinen", "Koskinen",
      "Järvinen", "Lehtonen")),
    ("arabic",
     ("Mohammed", "Ahmad", "Fatima", "Omar", "Layla", "Yusuf", "Noor", "Khaled", "Amira", "Hassan"),
     ("Ali", "Hassan", "Al-Sayed", "Haddad", "Khalil", "Ibrahim", "Abdullah", "Mansour", "Nasser",
      "El-Amin")),
    ("persian",
     ("Reza", "Maryam", "Ali", "Shirin", "Dariush", "Leila", "Parisa", "Kaveh", "Nasrin", "Arash"),
     ("Mohammadi", "Hosseini", "Rezaei", "Karimi", "Ahmadi", "Jafari", "Moradi", "Rahimi", "Sadeghi",
      "Tehrani")),
    ("somali",
     ("Abdirahman", "Hodan", "Ayaan", "Faisal", "Hibo", "Mahad", "Sahra", "Abdullahi", "Fadumo", "Liban"),
     ("Mohamed", "Warsame", "Abdi", "Farah", "Osman", "Hussein", "Yusuf", "Jama", "Aden", "Egal")),
    ("chinese",
     ("Wei", "Li", "Xiaoming", "Jing", "Hao", "Mei", "Yan", "Jun", "Lei", "Xin"),
     ("Zhang", "Wang", "Chen", "Liu", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu")),
    ("polish",
     ("Agnieszka", "Piotr", "Katarzyna", "Tomasz", "Łukasz", "Małgorzata", "Paweł", "Zofia",
      "Wojciech", "Joanna"),
     ("Kowalska", "Nowak", "Wiśniewska", "Wójcik", "Kamiński", "Lewandowska", "Zieliński",
      "Szymańska", "Dąbrowski", "Woźniak")),
    ("german",
     ("Jürgen", "Anja", "Matthias", "Katrin", "Stefan", "Jörg", "Sabine", "Günter"),
     ("Müller", "Schröder", "Schmidt", "Weiß", "Köhler", "Becker", "Hoffmann", "Groß")),
    ("spanish",
     ("José", "María", "Lucía", "Javier", "Inés", "Andrés", "Sofía", "Álvaro"),
     ("García", "Fernández", "López", "Martínez", "Sánchez", "Núñez", "Muñoz", "Jiménez")),
    ("indian",
     ("Priya", "Rahul", "Ananya", "Arjun", "Deepa", "Vikram", "Kavya", "Sanjay"),
     ("Sharma", "Gupta", "Patel", "Iyer", "Reddy", "Nair", "Singh", "Menon")),
    ("turkish",
     ("Ayşe", "Mehmet", "Elif", "Mustafa", "Zeynep", "Emre", "Işıl", "Burak"),
     ("Yılmaz", "Öztürk", "Kaya", "Demir", "Çelik", "Şahin", "Aydın", "Doğan")),
    ("nordic",
     ("Øyvind", "Åse", "Sigríður", "Guðrún", "Søren", "Mette", "Þórunn", "Bjørn"),
     ("Sørensen", "Løvås", "Guðmundsdóttir", "Jónsdóttir", "Nørgaard", "Hæstad", "Þórsson", "Ødegaard")),
    ("french",
     ("Chloé", "François", "Amélie", "Hélène", "Jérôme", "Stéphane", "Céline", "Noël"),
     ("Dubois", "Lefèvre", "Moreau", "Bérubé", "Lefèbvre", "Mercier", "Girard", "Fournier")),
    ("english",
     ("James", "Emily", "Oliver", "Charlotte", "Liam", "Siobhan", "Niamh", "Connor"),
     ("Smith", "O'Brien", "McAllister", "Taylor", "Walsh", "O'Connor", "Evans", "Hughes")),
)

# Letters that Unicode decomposition does not reduce to ASCII.
_FOLD_EXTRA = str.maketrans({
    "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
    "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i", "œ": "oe", "Œ": "OE",
})


@dataclass(frozen=True)
class PersonName:
    """A drawn name: given name(s), surname, and where the name comes from."""

    given: str
    surname: str
    origin: str  # "swedish" or one of the INTERNATIONAL origins

    @property
    def display(self) -> str:
        return f"{self.given} {self.surname}"


@lru_cache(maxsize=4096)
def fold_ascii(text: str) -> str:
    """Lower-case ASCII form of a name part for a UPN: å→a, ä→a, ö→o, é→e, ø→o, ł→l, þ→th.

    Spaces become ``-``; apostrophes and anything else outside ``[a-z0-9-]`` are dropped.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    out: list[str] = []
    for ch in decomposed.lower():
        if "a" <= ch <= "z" or "0" <= ch <= "9" or ch == "-":
            out.append(ch)
        elif ch == " ":
            out.append("-")
    return "-".join(part for part in "".join(out).split("-") if part)


def draw_name(rng: random.Random, international_share: float = 0.2, *, rare: bool = False) -> PersonName:
    """One person's name: Swedish with probability ``1 - international_share``.

    ``rare`` draws from the less common forms only (two given names, a double surname), which
    widens the space when a caller looks for a name not yet taken.
    """
    if rng.random() >= international_share:
        given = rng.choice(SWEDISH_FEMALE if rng.random() < 0.5 else SWEDISH_MALE)
        surname = rng.choice(SWEDISH_SURNAMES)
        roll = rng.random() * (0.07 if rare else 1.0)
        if roll < 0.04:  # double surname, e.g. "Berg Lindqvist"
            other = rng.choice(SWEDISH_SURNAMES)
            if other != surname:
                surname = f"{surname} {other}"
        elif roll < 0.07:  # a second given name in daily use
            given = f"{given} {rng.choice(SWEDISH_FEMALE + SWEDISH_MALE)}"
        return PersonName(given, surname, "swedish")
    origin, givens, surnames = rng.choice(INTERNATIONAL)
    return PersonName(rng.choice(givens), rng.choice(surnames), origin)


class UpnAllocator:
    """Unique, ASCII-safe ``given.surname@domain`` addresses; a collision gets a digit (2, 3, ...)."""

    def __init__(self, domain: str) -> None:
        self._domain = domain
        self._taken: set[str] = set()

    def allocate(self, name: PersonName) -> str:
        given = fold_ascii(name.given.split(" ")[0]) or "user"
        surname = fold_ascii(name.surname) or "person"
        return self.allocate_local(f"{given}.{surname}")

    def allocate_local(self, local: str) -> str:
        """Reserve ``local@domain`` or, when taken, ``local2@domain``, ``local3@domain``, ..."""
        candidate = local
        number = 1
        while candidate in self._taken:
            number += 1
            candidate = f"{local}{number}"
        self._taken.add(candidate)
        return f"{candidate}@{self._domain}"
