"""Word classes for the broad rules (:mod:`hark.kids.broad`): verbs with all their inflections,
nouns with their plurals, and the classes of things a rule is about (medicines, hazards, people,
groups, body parts...). A rule names a class, never one sentence: "a medicine, in excess" covers
pills, gummies and cough syrup, taken, eaten or drunk, "how many" or "the whole bottle".

Everything here is a regular-expression fragment over normalised text (see
:mod:`hark.kids.normalise`), non-capturing, matched on whole words by the rules.
"""

from __future__ import annotations

import re

_VOWELS = frozenset("aeiou")
IRREGULAR: dict[str, tuple[str, ...]] = {
    "beat": ("beat", "beaten"),
    "bite": ("bit", "bitten"),
    "break": ("broke", "broken"),
    "bring": ("brought",),
    "burn": ("burnt", "burned"),
    "buy": ("bought",),
    "catch": ("caught",),
    "come": ("came",),
    "cut": ("cut",),
    "drink": ("drank", "drunk"),
    "eat": ("ate", "eaten"),
    "feel": ("felt",),
    "fight": ("fought",),
    "find": ("found",),
    "get": ("got", "gotten"),
    "give": ("gave", "given"),
    "go": ("went", "gone"),
    "hang": ("hung", "hanged"),
    "hide": ("hid", "hidden"),
    "hit": ("hit",),
    "hold": ("held",),
    "hurt": ("hurt",),
    "keep": ("kept",),
    "light": ("lit", "lighted"),
    "make": ("made",),
    "meet": ("met",),
    "pay": ("paid",),
    "put": ("put",),
    "run": ("ran",),
    "sell": ("sold",),
    "send": ("sent",),
    "set": ("set",),
    "shoot": ("shot",),
    "sneak": ("snuck", "sneaked"),
    "spend": ("spent",),
    "steal": ("stole", "stolen"),
    "swim": ("swam",),
    "take": ("took", "taken"),
    "tell": ("told",),
    "throw": ("threw", "thrown"),
}


def _double(stem: str) -> bool:
    """Short consonant-vowel-consonant stems double their last letter: stab -> stabbing."""
    return (
        len(stem) <= 4
        and len(stem) >= 3
        and stem[-1] not in _VOWELS | {"w", "x", "y"}
        and stem[-2] in _VOWELS
        and stem[-3] not in _VOWELS
    )


def inflect(stem: str) -> tuple[str, ...]:
    """A verb and its inflections: ``stab`` -> stab, stabs, stabbed, stabbing."""
    if " " in stem:  # "pick on": inflect the verb, keep the particle
        head, rest = stem.split(" ", 1)
        return tuple(f"{form} {rest}" for form in inflect(head))
    if stem.endswith(("s", "sh", "ch", "x", "z", "o")):
        third = stem + "es"
    elif stem.endswith("y") and stem[-2] not in _VOWELS:
        third = stem[:-1] + "ies"
    else:
        third = stem + "s"
    if stem.endswith("ie"):
        ing = stem[:-2] + "ying"
    elif stem.endswith("e") and not stem.endswith("ee"):
        ing = stem[:-1] + "ing"
    elif _double(stem):
        ing = stem + stem[-1] + "ing"
    else:
        ing = stem + "ing"
    if stem in IRREGULAR:
        past: tuple[str, ...] = IRREGULAR[stem]
    elif stem.endswith("e"):
        past = (stem + "d",)
    elif stem.endswith("y") and stem[-2] not in _VOWELS:
        past = (stem[:-1] + "ied",)
    elif _double(stem):
        past = (stem + stem[-1] + "ed",)
    else:
        past = (stem + "ed",)
    return (stem, third, ing, *past)


def plural(noun: str) -> tuple[str, ...]:
    if " " in noun:
        head, last = noun.rsplit(" ", 1)
        return tuple(f"{head} {form}" for form in plural(last))
    if noun.endswith(("s", "sh", "ch", "x", "z")):
        return (noun, noun + "es")
    if noun.endswith("y") and noun[-2] not in _VOWELS:
        return (noun, noun[:-1] + "ies")
    if noun.endswith("fe"):
        return (noun, noun[:-2] + "ves")
    return (noun, noun + "s")


def alt(words: list[str] | tuple[str, ...]) -> str:
    """``(?:a|b|c)``, longest first so the longest listed phrase wins."""
    unique = sorted(set(words), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w) for w in unique) + ")"


def verbs(text: str) -> str:
    """Comma separated stems (a stem may have a particle: ``pick on``), every inflection."""
    return alt([form for stem in text.split(",") for form in inflect(stem.strip())])


def nouns(text: str) -> str:
    """Comma separated nouns, singular and plural."""
    return alt([form for noun in text.split(",") for form in plural(noun.strip())])


def words(text: str) -> str:
    """Comma separated words or phrases, as they are."""
    return alt([w.strip() for w in text.split(",")])


ANY = r"(?: [\w']+)"
"""One more word (a rule writes ``{ANY}{{0,3}}`` for up to three)."""

REFLEXIVE = words("myself, yourself, himself, herself, themselves, themself, ourselves, yourselves, oneself")
OWNER = words(
    "my, your, his, her, their, our, someone's, somebody's, mom's, mum's, dad's, mommy's, mummy's, daddy's, "
    "grandma's, grandpa's, brother's, sister's, parents', parents, teacher's, friend's"
)
FAMILY = nouns(
    "grandma, grandpa, granny, grandad, granddad, nana, nan, papa, grandmother, grandfather, mom, mum, mommy, "
    "mummy, dad, daddy, mother, father, brother, sister, baby brother, baby sister, aunt, auntie, uncle, cousin, "
    "friend, best friend, teacher"
)
PERSON = nouns(
    "someone, somebody, person, people, kid, child, children, baby, teacher, bully, classmate, friend, brother, "
    "sister, mom, mum, dad, cousin, neighbour, neighbor, man, men, woman, women, boy, girl, grown up, adult"
)
ADULT = words(
    "man, men, lady, woman, guy, stranger, grown up, adult, teenager, person, someone, somebody, old man, "
    "neighbour, neighbor, uncle, coach"
)
MEDICINE = alt(
    [
        *plural("pill"),
        "tablets",
        *plural("medicine"),
        "meds",
        *plural("capsule"),
        *plural("painkiller"),
        *plural("vitamin"),
        "vitamin gummies",
        "gummy vitamins",
        "melatonin",
        "melatonin gummies",
        "cough syrup",
        "cough medicine",
        "cold medicine",
        "sleeping pills",
        "tylenol",
        "advil",
        "motrin",
        "ibuprofen",
        "paracetamol",
        "aspirin",
        "calpol",
        "benadryl",
        "nyquil",
        "antibiotics",
        "prescription",
    ]
)
"""What a child must not take on their own or in excess ("tablet" alone is an iPad)."""
EXCESS = words(
    "all of, the whole, a whole, lots of, a lot of, loads of, a bunch of, a handful of, "
    "too many, too much, to many, to much, two many, as many, as much, extra, all the, all of the, all my, all of my, 10, 20, 100"
)
CHEMICAL = alt(
    [
        *plural("bleach"),
        "ammonia",
        "detergent",
        "laundry soap",
        "dish soap",
        "washing up liquid",
        "soap",
        "shampoo",
        "mouthwash",
        "perfume",
        "nail polish",
        "nail polish remover",
        "glue",
        "paint",
        "paint thinner",
        "hand sanitizer",
        "hand sanitiser",
        "rubbing alcohol",
        "windex",
        "lysol",
        "clorox",
        "febreze",
        "air freshener",
        "fertiliser",
        "fertilizer",
        "pesticide",
        "bug spray",
        "insect spray",
        "rat poison",
        *plural("poison"),
        "chlorine",
        "pool chemicals",
        "toilet cleaner",
        "oven cleaner",
        "drain cleaner",
        "antifreeze",
        "kerosene",
        "petrol",
        "gasoline",
        "lighter fluid",
        "battery acid",
        *plural("tide pod"),
        *plural("laundry pod"),
        *plural("washing pod"),
        *plural("dishwasher tablet"),
        *plural("dishwasher pod"),
        *plural("button battery"),
        *plural("battery"),
        *plural("magnet"),
        "cleaning spray",
        "cleaning stuff",
        "cleaning products",
        "stuff under the sink",
        "wild mushrooms",
        "wild berries",
    ]
)
INGEST = verbs("drink, eat, taste, swallow, sip, lick, chew, sniff, inhale, breathe in, gulp")
HAZARD = alt(
    [
        *plural("stove"),
        *plural("oven"),
        "cooker",
        "hob",
        "microwave",
        "toaster",
        "kettle",
        "iron",
        "fireplace",
        "barbecue",
        "bbq",
        "grill",
        *plural("candle"),
        *plural("match"),
        *plural("lighter"),
        "fire",
        *plural("firework"),
        *plural("sparkler"),
        *plural("firecracker"),
        "bonfire",
        "campfire",
        "knife",
        "knives",
        "pool",
        "swimming pool",
        "river",
        "lake",
        "sea",
        "ocean",
        "pond",
        "swim",
        "swimming",
        "ladder",
        "roof",
        "car",
        "drive",
        "gas",
        "blender",
        "saw",
        "lawn mower",
        "power tools",
        "drill",
        *plural("medicine"),
        *plural("pill"),
    ]
)
"""Things a child uses only with a grown-up there."""
UNSUPERVISED = (
    r"(?:alone|by (?:my|your)self|on (?:my|your) own|all by (?:my|your)self"
    r"|(?:when|while|if) (?:my |the |our )?(?:mom|mum|dad|parents|babysitter|nanny|grown ups?|grandma|grandpa)"
    r"(?: is| are| 's)? (?:asleep|sleeping|napping|out|away|at work|not home|not looking|not here|busy|in the shower|gone)"
    r"|(?:when|while|if) (?:nobody|no one|no grown ups?|no adults?|nobody else)(?: is| are)? (?:home|here|around|watching|looking|awake)"
    r"|no grown ups? (?:are |is )?(?:home|here|around)|without (?:a grown up|an adult|asking|telling|permission"
    r"|(?:my|your) (?:mom|mum|dad|parents) knowing))"
)
ELECTRIC = alt(
    [
        *plural("wire"),
        *plural("cable"),
        *plural("power line"),
        "electric fence",
        *plural("socket"),
        *plural("outlet"),
        *plural("plug socket"),
        "fuse box",
        *plural("power strip"),
        *plural("extension cord"),
        "electricity",
        "transformer",
        "pylon",
    ]
)
HIGH_EDGE = words(
    "roof, railing, railings, balcony railing, window ledge, window sill, ledge, chimney, power pole, telephone pole, "
    "pylon, water tower, crane, cliff, cliff edge, bridge railing, garage roof, shed roof, scaffolding"
)
"""High places a child must not climb onto or lean over."""
HIGH_DROP = words(
    "roof, balcony, window, bridge, building, tower, cliff, top bunk, bunk bed, garage, shed, tree, wall, fence, "
    "bookshelf, wardrobe, fridge, ledge, railing, skyscraper, top floor, second floor, stairs railing"
)
"""High places a child must not jump or fall from."""
BODY = nouns(
    "arm, leg, neck, nose, bone, finger, wrist, ankle, tooth, teeth, jaw, face, eye, head, throat, stomach, "
    "tummy, ribs, back, skull, knee"
)
GROUP = (
    r"(?:people from [\w]+|"
    + alt(
        [
            "black",
            "white",
            "brown",
            "asian",
            "asians",
            "chinese",
            "japanese",
            "korean",
            "koreans",
            "indian",
            "indians",
            "jewish",
            "jews",
            "muslim",
            "muslims",
            "islamic",
            "christian",
            "christians",
            "catholics",
            "hindu",
            "hindus",
            "sikh",
            "sikhs",
            "buddhists",
            "mormons",
            "atheists",
            "gay",
            "gays",
            "lesbian",
            "lesbians",
            "trans",
            "transgender",
            "mexican",
            "mexicans",
            "hispanic",
            "hispanics",
            "latino",
            "latinos",
            "african",
            "africans",
            "arab",
            "arabs",
            "russian",
            "russians",
            "immigrant",
            "immigrants",
            "refugee",
            "refugees",
            "disabled",
            "fat",
            "gingers",
            "redheads",
            "girls",
            "boys",
            "women",
            "men",
            "gypsies",
            "native",
            "natives",
            "foreigners",
            "poor",
            "old people",
            "old folks",
            "elderly",
        ]
    )
    + ")"
)
GROUP_NOUN = r"(?: people| person| kids| folks| guys| families)?"
BAD = words(
    "bad, stupid, dumb, dirty, gross, lazy, evil, terrorist, terrorists, worse, disgusting, greedy, ugly, "
    "inferior, criminal, criminals, animals, smelly, stinky, idiots, useless, trash, scum, mean, nasty, weird, "
    "liars, thieves, violent, dangerous, not welcome, not normal, freaks, losers, weirdos"
)
WORSE = words(
    "dumber, stupider, worse, weaker, uglier, smellier, lazier, meaner, dirtier, less smart, less clever, not as smart, "
    "not as clever, not as good, not as strong"
)
INSULT = nouns(
    "idiot, moron, loser, dummy, dumbo, stupidhead, stupid head, jerk, freak, weirdo, crybaby, "
    "fatso, piece of crap, piece of junk, piece of poop, butthead, dumb dumb"
)
INSULT_ADJ = words("stupid, dumb, ugly, fat, useless, worthless, pathetic, disgusting, gross")
MONEY = (
    r"(?:\d+|a|one|a few) (?:cents?|dollars?|bucks|pounds?|quid|euros?|p)\b|\$\d+|\b(?:\d+|a) (?:gems|coins|diamonds"
    r"|robux|vbucks|v bucks|minecoins|credits|tokens)"
)
GAME_ITEMS = words(
    "gems, coins, diamonds, minecoins, skin, skins, battle pass, season pass, loot box, loot boxes, crates, "
    "credits, tokens, lives, power ups, premium, pets, outfits, emotes, gold"
)
GORE = (
    "(?:"
    + "|".join(
        [
            "guts",
            "gor(?:y|ier|iest)",
            "behead\\w*",
            "(?:chop|chopped|chopping|cut|cutting) (?:[\\w']+ ){0,2}heads? off",
            "intestines",
            "eyeballs?",
            "brains out",
            "splatter(?:ed)?",
            "severed",
            "mutilat(?:ed|e|ing)",
            "disembowel\\w*",
            "(?:skinned|burned|burnt|buried|eaten) alive",
            "cannibals?",
            "bloody stumps?",
            "slit (?:his|her|their) throats?",
            "(?:ripped|ripping|rips|tore|torn|tearing) (?:open|out|off|apart)",
            "blood (?:spilled|spilling|pouring|splashed|all over|squirted)",
        ]
    )
    + ")"
)
"""Gory description (the regex parts in brackets are kept as written)."""
