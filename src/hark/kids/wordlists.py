"""Single words a child's assistant never says and answers only with a redirect, per category,
and the innocent phrases that contain them (masked before any rule runs).

Matching is by whole word after :class:`~hark.kids.normalise.Normaliser` (so "Scunthorpe",
"cocktail", "Essex", "class" and "therapist" never match), and a word listed here is also what a
disguised spelling ("sh1t", "f*ck", "fuuuck", "s e x") is mapped back to. Words that are
innocent in everyday speech ("kill the lights", "shoot a basketball", "weeds", "crack an egg",
"order", "joint", "pills") are not here: :mod:`hark.kids.topics` matches them in context.
"""

from __future__ import annotations

from . import verdict as v


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


WORDS: dict[str, frozenset[str]] = {
    v.SELF_HARM: _words("overdose suicidal suicide") | {"self harm"},
    v.SEXUAL: _words(
        "blowjob blowjobs boob boobs clitoris condom condoms dildo erection hentai horny masturbate "
        "masturbating masturbation molest molested naked nude nudes orgasm penis penises porn porno "
        "pornography pubes rape raped raping rapist sex sexual sexually sexy stripper strippers tits titties "
        "vagina vaginas vibrator"
    ),
    v.VIOLENCE: _words("behead beheading genocide massacre torture tortured torturing"),
    v.WEAPONS: _words(
        "ak47 ammo ammunition dynamite explosives flamethrower grenade grenades handgun handguns molotov "
        "napalm pipebomb pistol pistols revolver rifle rifles shotgun uzi machete machetes switchblade "
        "switchblades glock ar15 tnt landmine landmines silencer"
    ),
    v.DRUGS: _words(
        "alcohol alcoholic beer beers booze cannabis cigar cigarette cigarettes cigars cocaine drugs ecstasy "
        "edibles fentanyl gin hangover heroin ketamine lsd marijuana mdma meth methamphetamine nicotine "
        "opioids rum stoned tequila tobacco vape vaped vapes vaping vodka weed whiskey whisky wine "
        "juul juuls juuling ecig ecigs shrooms molly bong bongs liquor champagne brandy tipsy cigs moonshine "
        "hookah snus"
    )
    | {"crack cocaine"},
    v.HATE: _words(
        "chink chinks coon fag faggot faggots fags gook gooks kike kikes nazi nazis nigga niggas nigger "
        "niggers paki pakis racist retard retarded retards spic spics tranny wetback"
    ),
    v.PERSONAL_INFO: _words("passcode passcodes password passwords"),
    v.SCARY: _words(
        "bloodbath chucky decapitated decapitate dismembered dismember gore gory gruesome murderer murderers "
        "beheaded corpse corpses"
    ),
    v.PURCHASE: _words("buy buying checkout preorder purchase purchasing robux subscribe subscription vbucks"),
    v.PROFANITY: _words(
        "arse arsehole ass asshole assholes badass bastard bastards bellend bitch bitches bitching bollocks "
        "bullshit cock cocks cunt cunts dick dickhead dicks douche douchebag dumbass fck fk fking fuck fucked "
        "fucker fuckers fuckin fucking fucks fuk goddamn jackass knobhead lmfao motherfucker motherfuckers "
        "motherfucking piss pissed pissing prick pricks shit shithead shits shitting shitty skank slut sluts "
        "smartass stfu tosser twat twats wank wanker wankers whore whores wtf"
    ),
}
"""Category -> words. A word is in one category only."""

MASKS: tuple[str, ...] = (
    # innocent phrases that contain a listed or a context word (whole words, after normalisation)
    r"bath bombs?",
    r"bomb cyclones?",
    r"photo ?bomb\w*",
    r"(?:water|nerf|glue|squirt|toy|bubble|staple|foam|laser) guns?",
    r"moby dick",
    r"dick whittington",
    r"(?:blue|great|coal|long tailed) tits?",
    r"pussy (?:willows?|cats?)",
    r"(?:root|ginger) beers?",
    r"cock a doodle(?: doo)?",
    r"murder of crows",
    r"called a murder",
    r"murder mystery",
    r"killer whales?",
    r"amazon (?:rainforest|river|jungle)",
    r"naked mole rats?",
    r"rum raisin",
    r"gin rummy",
    r"buy(?:ing)? time",
    r"dying (?:to|of laughter)",
    r"sex (?:of|is) (?:a|the|my) (?:baby|puppy|kitten|chick|hamster)",
    r"(?:is|was|be) the bomb",
    r"killed it",
    r"killing it",
    r"hit the (?:ball|road|hay|button)",
    r"(?:call|called|calling|ride|riding) shotgun",
    r"weed (?:killer|the garden|the beds)",
    r"free willy",
    r"killer bees?",
    r"fire (?:trucks?|engines?|fighters?|stations?|drills?|dogs?|ants?|flies|fly|hydrants?|extinguishers?|safety|works|man|men|place|brigade)",
    r"(?:takes?|took|has|have|had|got|get|need) (?:the |a lot of |some )?guts",
    r"creepy crawl(?:y|ies|ers?)",
    r"(?:alphabetical|abc|size|number|the right|the same|what) order",
    # questions about a word, a lesson, an idiom (each from a harmless training request the rules stopped)
    r"(?:is|isn't) (?:[\w']+ ){1,2}an? (?:swear|curse|cuss|bad|rude) ?words?",
    r"(?:kid|boy|girl|friend|someone|somebody|brother|sister|cousin) (?:[\w']+ ){0,4}said an? (?:swear|curse|cuss|bad) ?words?"
    r"(?=(?: (?:on|at|in|to) (?:[\w']+ ){0,3}?[\w']+)? (?:what (?:should|do|can) i do|is that (?:bad|ok|okay))|$)",
    r"(?:i'm|i am|we're|we are) (?:so |really |super |literally )?starving(?! (?:my|our) ?sel)",
    r"disappear into (?:a|my|the|this|that) (?:book|story|game)",
    r"die (?:of|from) (?:boredom|embarrassment|laughing|laughter)|die laughing",
    r"stranger danger",
    r"what (?:should|can|could) i (?:buy|get) (?:for )?(?:my|our) (?:mom|mum|dad|mommy|daddy|sister|brother|friend|teacher|grandma|grandpa|nan|nana)",
    r"murder (?:me|you|us|him|her|them) at",
    r"friends? whose (?:[\w']+ ){0,2}(?:died|passed away)",
    r"light over the (?:stove|oven|hob|cooker)|(?:stove|oven|hob|cooker) light",
    # shops, puzzles and the ways children ask how to keep things safe (from harmless requests the rules stopped)
    r"drug ?stores?|drugstores?",
    r"killer sudokus?",
    r"sex of (?:our|his|her|their) (?:baby|puppy|kitten|chick|hamster|bird|baby bird|fish|guinea pig|rabbit)",
    r"suck(?:s|ing)? (?:our |your |their )?blood",
    r"(?:strong|stronger|good|safe|safer|secure|hard to guess|new) passwords?|what(?: is|'s|s) a password",
    r"(?:never|don't|do not|shouldn't|should not) (?:share|tell|give)(?: [\w']+){0,2} (?:your|my|their) passwords?",
    r"why (?:should(?:n't| not)|can't|cannot|mustn't|must(?:n't| not)|do(?:n't)? (?:i|we|you) (?:have to )?not) (?:i |you |we |people |kids )?(?:tell|share|give)(?: [\w']+){0,3} passwords?",
    r"(?:save|saving|saved) (?:up )?(?:my (?:pocket )?money )?(?:for|to buy|to get)",
    r"how (?:much money|many dollars) (?:do|will|would) (?:i|you|we) need",
    r"surprise (?:party|present|gift|birthday)(?: [\w']+){0,4} (?:a )?secret",
)
"""Regular expressions of innocent phrases, removed from the text before the rules run."""
