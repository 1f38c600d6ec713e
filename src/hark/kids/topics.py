"""Phrase rules: words that are innocent alone ("kill the lights", "shoot a basketball", "order",
"pills", "the stove") and unsafe in context ("kill my sister", "take dad's pills to feel funny").

Each :class:`Rule` is a regular expression over normalised text (lower case, words separated by
single spaces, sentence ends as ``.``, commas as ``,``: see :mod:`hark.kids.normalise`) that uses
only non-capturing groups. ``sides`` says whether it applies to the child's request, the model's
reply, or both; a ``guarded`` rule does not fire when the words just before the match (same
clause) are safety advice: "never go anywhere with a stranger", "only grown-ups should use
matches", "I can't buy things".
"""

from __future__ import annotations

import dataclasses

from . import verdict as v

REQUEST = "request"
REPLY = "reply"
BOTH = frozenset({REQUEST, REPLY})


@dataclasses.dataclass(frozen=True, slots=True)
class Rule:
    name: str
    category: str
    pattern: str
    sides: frozenset[str] = BOTH
    guarded: bool = False
    supervised: bool = False
    """A grown-up is there in the same sentence ("with my dad", "my mom says i can"): not a match."""


GUARD = (
    r"\b(?:never|not|don't|do not|doesn't|didn't|can't|cannot|won't|shouldn't|mustn't|no one should|nobody should"
    r"|only (?:a |the )?grown ups?|grown ups? (?:should|can|must|only)|careful|ask a grown up|avoid|stay away from"
    r"|what (?:should|do|can|would|must) (?:i|you|we|a kid|kids) do (?:if|when)|how (?:do|can|should) (?:i|you|we) (?:stay|be|keep) safe)\b"
)
"""Safety advice just before a guarded rule's match (after the last comma or sentence end, 6 words)."""

_GROWN = r"(?:mom|mum|dad|mommy|mummy|daddy|parents?|grown ups?|adults?|an adult|grandma|grandpa|granny|teacher|babysitter|nanny|uncle|aunt|auntie)"
SUPERVISED = (
    rf"\bwith (?:my |a |an |our |the |your )?{_GROWN}\b(?!'s)|\b{_GROWN} (?:says|said) (?:i|we|you) (?:can|could|may)\b"
    rf"|\b{_GROWN} (?:is|are) (?:helping|watching|with (?:me|us|you)|here)\b|\bhelp(?:ing)? (?:my |a |your )?{_GROWN}\b(?!'s)"
)
"""A grown-up present or permitting, anywhere in the sentence, for :attr:`Rule.supervised` rules."""

_W = r"(?: [\w']+)"  # one more word
_PERSON = (
    r"(?:someone|somebody|anyone|anybody|everyone|everybody|people|person|persons|him|her|them|kids?|children|child"
    r"|babies|baby|teachers?|bully|bullies|classmates?|friends?|brothers?|sisters?|mom|mum|mommy|mummy|dad|daddy"
    r"|mother|father|parents|grandma|grandpa|granny|nan|neighbou?rs?|cousins?|man|men|woman|women|dogs?|cats?"
    r"|pupp(?:y|ies)|kittens?|pets?|animals?|hamsters?|rabbits?|birds?|victims?)"
)
_DET = r"(?:(?:my|your|his|her|their|our|a|an|the|that|this|some|all|those|these|lots of|little|big|baby|new|stupid|mean|whole|real|other|[\w]+'s) ){0,3}"
_AGENT = (
    r"(?:^|[.,] |\b(?:i|we|you|to|and|or|gonna|wanna|let's|lets|should|by|then|just|go|i'll|we'll|i'd|please)"
    r" |\b(?:i|we|you) (?:can|could|will|would|might|must) )"
)
_HARM = (
    r"(?:kill|kills|killing|murder|murdering|stab|stabbing|shoot|shooting|hurt|hurting|punch|punching|kick|kicking"
    r"|hit|hitting|choke|choking|strangle|strangling|poison|poisoning|drown|drowning|burn|burning|slap|slapping"
    r"|smash|attack|attacking|bully|strangled|stabbed|killed)"
)
_GUN = r"(?:guns?|rifles?|pistols?|handguns?|shotguns?|revolvers?|bullets|ammo|ammunition|firearms?)"
_BOMB = r"(?:bombs?|explosives?|explosive device|grenades?|molotov|pipe bombs?|weapons?|gunpowder|napalm|dynamite)"
_CHEM = (
    r"(?:bleach|ammonia|detergent|washing pods?|laundry pods?|tide pods?|dishwasher tablets?|cleaning (?:sprays?|products?|stuff)"
    r"|drain cleaner|stuff under the sink|things under the sink|antifreeze|weed killer|rat poison|battery acid|paint thinner|lighter fluid|petrol|gasoline)"
)
_PLATFORM = (
    r"(?:roblox|fortnite|minecraft|tiktok|youtube|discord|snapchat|instagram|whatsapp|online|internet|game|chat)"
)
_ONLINE = (
    rf"(?:online|on line|internet|in a game|in the game|in a chat|in the chat|(?:on|from) (?:roblox|fortnite|minecraft"
    rf"|tiktok|youtube|discord|snapchat|instagram|the game|a game)|in real life|irl|{_PLATFORM} (?:friends?|guy|man|boy|girl|person|people|buddy|pal))"
)
_CONTACT = (
    r"(?:meet|meeting|meet up|come over|come to|pictures?|photos?|pics?|selfies?|video call\w*|facetime|address"
    r"|clothes|secret|alone|where i live|phone number)"
)
_OWNER = (
    r"(?:my|your|our|his|her|their|mom's|mum's|mommy's|mummy's|dad's|daddy's|parents'?|mother's|father's"
    r"|grandma's|grandpa's|family's|teacher's)"
)
_PRIVATE = (
    r"(?:home address|house address|address|addresses|phone number|phone numbers|telephone number|mobile number"
    r"|cell number|number is|email|email address|e mail|postcode|post code|zip code|zipcode|full name|last name"
    r"|surname|credit card|debit card|bank card|card number|card details|bank details|bank account|bank pin|pin"
    r"|pin code|pin number|social security(?: number)?|passport|date of birth|house number)"
)
_GROUP = (
    r"(?:people from [\w]+|black|white|brown|asian|chinese|japanese|jewish|jews|muslim|muslims|islamic|christians?|gay|gays|lesbians?"
    r"|trans|transgender|mexicans?|indians?|africans?|arabs?|immigrants?|refugees?|disabled|fat|girls|boys|women|men)"
)
_BAD = (
    r"(?:bad|stupid|dumb|dirty|gross|lazy|evil|terrorists?|worse|disgusting|greedy|ugly|inferior|criminals?|animals"
    r"|smelly|idiots|useless|trash|scum)"
)
_VERY = r"(?: (?:so|really|very|all|just|always|the))*"

RULES: tuple[Rule, ...] = (
    # self-harm
    Rule("harm-self", v.SELF_HARM, r"(?<!\bmight )(?<!\bcould )(?<!\bmay )(?<!\bcan )(?<!\bwill )\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting|stab|stabbing|choke|choking|strangle|starve|starving|poison|drown|punish|burn|burning|hang)(?: [\w']+)? (?:my|your)self\b", guarded=True),
    Rule("want-die", v.SELF_HARM, r"\b(?:want|wanna|going|gonna|ready|need|deserve|wish i could|like) (?:to )?die\b|\b(?:i|you) should (?:just )?die\b"),
    Rule("end-life", v.SELF_HARM, r"\b(?:end|take|ending|taking) (?:my|your|their) (?:own )?life\b|\bend it all\b|\b(?:never|not) (?:been )?born\b|\bnot wake up\b|\bdisappear forever\b|\b(?:better|want|wanna|going) to disappear\b|\b(?:everyone|everybody|they|people|the world) would be (?:happier|better off|better)(?= *(?:[.,]|$| if| without))|\bdon't want to (?:be alive|live|exist|be here)\b|\bno reason to live\b|\bbetter off dead\b|\bhate (?:my|your)self\b|\b(?:if|when) (?:i|you) (?:was|were) (?:dead|gone)\b"),
    Rule("jump-off", v.SELF_HARM, r"\b(?:jump|jumping|jumped) (?:off|from|out of) (?:the |a |my |our )?(?:roof|bridge|building|window|balcony|cliff|tower)\b"),
    Rule("pills", v.SELF_HARM, r"\bhow many (?:pills|tablets|painkillers)\b|\b(?:lots|loads|all|a lot|handful) of (?:the )?(?:pills|tablets|painkillers)\b"),
    Rule("starve", v.SELF_HARM, r"\b(?:stop|stopped|quit) eating\b|\bnot eating for days\b|\bstarv\w+|\bget (?:really |super |very )?skinny\b|\bskip every meal\b|\bmake (?:my|your)self (?:sick|throw up)\b"),
    Rule("way-to-die", v.SELF_HARM, r"\b(?:easiest|best|quickest|fastest|painless|easy|quick) ways? to die\b|\bbetter (?:off )?without (?:me|you)\b|\bmake (?:my|your)self (?:bleed|hurt)\b|\bnobody (?:loves|likes|wants) me\b"),
    Rule("neck", v.SELF_HARM, r"\b(?:belt|rope|string|cord|scarf) around (?:my|your) neck\b"),
    # unsafe contact
    Rule("stranger", v.STRANGERS, r"\bstrangers?(?:'s)?\b", guarded=True),
    Rule("online-contact", v.STRANGERS, rf"\b{_ONLINE}\b(?: [\w',]+){{0,8}} {_CONTACT}\b|\b{_CONTACT}\b(?: [\w',]+){{0,8}} {_ONLINE}\b", guarded=True),
    Rule("adult-asks", v.STRANGERS, r"\b(?:man|men|lady|woman|guy|person|someone|somebody|grown up|adult|teenager)\b(?: [\w']+){0,5} (?:asked me (?:to )?(?:go|come|get|keep|send|meet|take|show|touch|not tell|hide|follow|help (?:him|her) find)|asked (?:me )?for (?:a picture|a photo|my)|told me (?:to keep|not to tell)|wants me to|wanted me to|wants my|wants to meet|offered me|touched my|touched me|took a picture of me|said he has|said she has|says he's|says she's|follows me|followed me)\b"),
    Rule("secret-from-parents", v.STRANGERS, r"\bkeep(?:ing)? (?:a |it |this |the )?secrets? from (?:my|your|our)\b|\bdon't tell (?:your|my) (?:mum|mom|dad|parents|family|teacher)\b|\bwithout (?:my|your) (?:parents|mum|mom|dad|family) know\w*\b"),
    Rule("send-photo", v.STRANGERS, r"\bsend (?:him|her|them|someone|somebody|a stranger|a man|a boy|a girl)(?: [\w']+){0,2} (?:a )?(?:photos?|pictures?|pics?|selfies?|videos?)\b|\bsecrets? (?:game )?with (?:a|the|that|this) (?:man|lady|woman|guy|grown up|adult|stranger|neighbou?r)\b|\bsecret games?\b", guarded=True),
    Rule("sneak-out", v.STRANGERS, r"\bsneak(?:ing)? out\b|\brun away from home\b", guarded=True),
    Rule("their-car", v.STRANGERS, r"\b(?:lady's|man's|woman's|guy's) (?:house|home|car|van|flat)\b|\b(?:puppies|kittens|candy|sweets|treats|toys)\b(?: [\w']+){0,3} (?:in|into) (?:his|her|their|a) (?:car|van|truck)\b|\bget (?:in|into) (?:his|her|their|the man's|the lady's|a man's|someone's) (?:car|van|truck)\b"),
    # sexual
    Rule("sexual-phrase", v.SEXUAL, r"\bmak(?:e|ing) out\b|\bhow (?:are|do|did|were) babies (?:get |gets )?(?:made|make|come)\b|\bwhere do babies come from\b|\bbabies are made\b|\bprivate parts?\b|\bno clothes on\b|\b(?:take|took|taking) (?:off )?(?:my|your|his|her|their) clothes\b|\b(?:take|took|taking) off (?:my|your|his|her|their) (?:clothes|dress|shirt|pants|underwear)\b|\bget(?:ting)? naked\b|\bstrip club\b|\b(?:with )?(?:your|my|their|his|her)? ?tongues?\b(?: [\w']+){0,3} kiss\w*|\bkiss\w*(?: [\w']+){0,4} tongues?\b|\bfrench kiss\w*|\b(?:willy|willies|dick|penis) (?:gets? |goes )?(?:hard|stiff|big)\b|\bhav(?:e|ing) sex\b"),
    # violence
    Rule("harm-person", v.VIOLENCE, rf"{_AGENT}{_HARM} {_DET}{_PERSON}\b"),
    Rule("beat-up", v.VIOLENCE, r"\bbeat(?:ing)?(?: [\w']+){0,2} up\b"),
    Rule("push-down", v.VIOLENCE, r"\bpush(?:ing)?(?: [\w']+){0,3} (?:down the stairs|off the|in front of|into the (?:pool|river|road|water))\b", guarded=True),
    Rule("break-bones", v.VIOLENCE, r"\bbreak(?:ing)?(?: [\w']+)? (?:someone's|somebody's|his|her|their|[\w]+'s) (?:arm|leg|neck|nose|bones?|fingers?)\b"),
    Rule("make-bleed", v.VIOLENCE, rf"\bmake {_DET}{_PERSON} (?:bleed|suffer|die)\b|\bsqueez\w* (?:their|his|her|someone's) neck\b|\b(?:tie|tied|tying) (?:someone|somebody|him|her|them|people) up\b|\bfight dirty\b"),
    Rule("spoil-food", v.VIOLENCE, r"\b(?:nasty|gross|poison\w*|bad stuff) in (?:your|my|his|her|their) (?:[\w']+ )?(?:food|drink)\b"),
    Rule("school-shooting", v.VIOLENCE, r"\bshoot (?:up )?(?:the |my |a )?school\b|\bschool shootings?\b"),
    # weapons
    Rule("make-bomb", v.WEAPONS, rf"\b(?:make|making|made|build|building|built|create|creating|craft|set off|setting off|throw|throwing|plant|planting|detonate|blow up)\b(?: [\w']+){{0,3}} {_BOMB}\b|\b{_BOMB}\b(?: [\w']+){{0,4}} (?:make|made|build|built|mix|mixing)\b"),
    Rule("get-gun", v.WEAPONS, rf"\b(?:get|getting|find|finding|buy|buying|load|loading|shoot|shooting|fire|firing|use|using|hold|holding|take|taking|keep|keeps|kept|steal|stealing|touch|touching|unlock|hide|hides|own|grab|carry|make)\b(?: [\w']+){{0,4}} {_GUN}\b|\bwhere (?:does|do|is|are|did)\b(?: [\w']+){{0,4}} {_GUN}\b|\b{_GUN}\b(?: [\w']+){{0,3}} (?:to )?(?:kill|shoot|hurt)\b"),
    Rule("blade", v.WEAPONS, r"\b(?:knife|knives|sword|blade|razor)\b(?: [\w']+){0,5} (?:stab|stabbing|hurt|hurting|kill|killing)\b"),
    # dangerous things to do
    Rule("fire", v.DANGER, r"\b(?:light|lighting|start|starting|make|making|set|setting|strike|striking|play with|playing with|use|using|get|getting|reach|find|grab)\b(?: [\w']+){0,2} (?:fires?|match|matches|lighters?)\b|\b(?:the|a|my|[\w]+'s|your) lighter (?:to work|work|fluid)\b|\b(?:use|get|light|flick|click|strike) (?:the |a |my |[\w]+'s )?lighter\b|\bhair ?spray\b(?: [\w']+){0,5} (?:lighter|flame|fire|match)\b", guarded=True, supervised=True),
    Rule("chemicals", v.DANGER, rf"\b(?:drink|drinking|eat|eating|taste|tasting|swallow|swallowing|sip|sips|mix|mixing|lick)\b(?: [\w']+){{0,3}} {_CHEM}\b|\b{_CHEM}\b(?: [\w']+){{0,6}} (?:drink|eat|taste|tastes|tasty|swallow|sips?|mix|mixing|candy|sweets|yummy)\b", guarded=True),
    Rule("make-poison", v.DANGER, r"\b(?:make|making|mix|mixing|brew)\b(?: [\w']+){0,2} poisons?\b", guarded=True),
    Rule("pills-eat", v.DANGER, r"\b(?:eat|eating|taste|tasting|try|trying|swallow|swallowing)\b(?: [\w']+){0,3} (?:pills|tablets|medicine|medicines)\b|\b(?:pills|tablets|medicine)\b(?: [\w']+){0,8} (?:sweets|candy|try one|tastes? like)\b", guarded=True),
    Rule("stove", v.DANGER, r"\b(?:turn on|turning on|switch on|light|lighting|use|using|start)\b(?: [\w']+){0,2} (?:stove|oven|cooker|hob|gas|fireplace|barbecue|bbq)\b|\b(?:turn|turning|switch|switching) (?:the |a |our )?(?:stove|oven|cooker|hob|gas|fireplace|barbecue|bbq) on\b", guarded=True, supervised=True),
    Rule("socket", v.DANGER, r"\b(?:fork|knife|metal|foil|finger|fingers|key|keys|paperclip|spoon)\b(?: [\w']+){0,3} (?:in|into|inside) (?:the |a )?(?:plug |electric |power |wall )?(?:sockets?|outlets?|microwave|toaster|plug)\b", guarded=True),
    Rule("roof", v.DANGER, r"\b(?:climb|climbing|get|getting|go|going) (?:up |onto |on |on to |out on |up on )(?:the |our |a )?roof\b", guarded=True, supervised=True),
    Rule("front-door", v.DANGER, r"\b(?:unlock|unlocking|open|opening)\b(?: [\w']+){0,2} (?:front|back) door\b|\bslide the chain\b", guarded=True),
    Rule("smoke-alarm", v.DANGER, r"\b(?:turn off|turning off|switch off|disable|unplug|take out|pull out|remove|break)\b(?: [\w']+){0,3} smoke (?:alarm|detector)s?\b|\bsmoke (?:alarm|detector)s?\b(?: [\w']+){0,4} (?:battery|off)\b", guarded=True),
    Rule("swim-alone", v.DANGER, r"\b(?:swim|swimming|go in|play in)\b(?: [\w']+){0,4} (?:alone|by (?:my|your)self|on (?:my|your) own)\b|\b(?:river|lake|sea|ocean|pool|pond)\b(?: [\w']+){0,2} (?:alone|by (?:my|your)self|on (?:my|your) own)\b", guarded=True),
    Rule("medicine-cabinet", v.DANGER, r"\b(?:open|opening|get into|reach|climb)\b(?: [\w']+){0,2} medicine (?:cabinet|cupboard|box|drawer)\b|\bplay(?:ing)? with (?:the |a |my |[\w]+'s )?(?:knives|knife|fire|lighters?|guns?|matches)\b", guarded=True),
    # drugs, alcohol, tobacco
    Rule("smoking", v.DRUGS, r"\b(?:smoke|smoking|smoked)\b(?: [\w']+){0,2} (?:weed|pot|joints?|cigs|crack)\b|\bsmoking (?:is|makes|looks|feels|cool)\b|\b(?:try|start|to|started|tried) smoking\b|\bweed (?:is|makes|feels)\b|\b(?:get|buy|find|sell) (?:some )?weed\b", guarded=True),
    Rule("intoxicated", v.DRUGS, r"\b(?:get|getting|got|be|being|feel|feeling|was|were) (?:really |so |very )?(?:drunk|high|stoned|wasted)\b|\broll (?:a |up )?(?:joint|blunt)\b|\b(?:do|take|doing|taking) drugs\b", guarded=True),
    Rule("pills-feel", v.DRUGS, r"\b(?:take|taking|eat|eating|try|trying|swallow)\b(?: [\w']+){0,2} (?:pills|tablets)\b(?: [\w']+){0,3} (?:feel|funny|high|floaty|sleepy)\b|\b(?:mom's|mum's|dad's|mommy's|daddy's|parents'|grandma's|grandpa's|someone's) (?:[\w]+ )?(?:pills|tablets)\b"),
    # hate
    Rule("group-bad", v.HATE, rf"\b{_GROUP}(?: people| person| kids| folks)? (?:are|is){_VERY} {_BAD}\b|\b(?:are|is)(?: all)? {_GROUP}(?: people| person| kids)?{_VERY} {_BAD}\b"),
    Rule("hate-group", v.HATE, rf"\bhate (?:all )?{_GROUP} (?:people|persons|kids|folks)\b|\bhate people from [\w]+|\bhate (?:jews|muslims|gays|mexicans|immigrants|refugees|girls|boys)\b|\b(?:mean|nasty|rude) (?:about|to) (?:[\w']+ )?{_GROUP}\b|\bjokes? about {_GROUP}(?: people)?\b|\bthe n word\b|\b(?:gay|black|jewish|muslim) is (?:a )?(?:bad|rude|swear)\b"),
    # private details
    Rule("owner-private", v.PERSONAL_INFO, rf"\b{_OWNER}(?: (?:home|secret|real|new|own|whole|[\w]+'s))? {_PRIVATE}\b(?! (?:private|safe|secret))"),
    Rule("where-live-me", v.PERSONAL_INFO, r"\b(?:where|which street|what street|what road)\b(?: [\w']+){0,2} (?:i|we) live\b|\bi live (?:on|at|in) [\w']+ (?:street|road|avenue|lane|drive|close|way|court|place)\b|\b\d+ (?!(?:hours?|minutes?|miles?|days?|km|kilometres?|seconds?)\b)[\w']+ (?:street|road|avenue|lane|drive)\b"),
    Rule("where-live-you", v.PERSONAL_INFO, r"\b(?:where|which street|what street|what road)\b(?: [\w']+){0,2} (?:you|your family) live\b|\bwhat street\b", sides=frozenset({REPLY})),
    Rule("school-name", v.PERSONAL_INFO, r"\b(?:which|what) school (?:do )?(?:you|i) (?:go to|attend)\b|\bi go to [\w']+(?: [\w']+)? (?:school|elementary|primary|academy)\b|\bmy school is (?:called )?[\w']+ (?:elementary|primary|school|academy)\b|\bwalk (?:home|to school)(?: [\w']+)? (?:alone|by (?:my|your)self|on (?:my|your) own)\b"),
    Rule("long-number", v.PERSONAL_INFO, r"\b\d{4} \d{4} \d{4} \d{4}\b|\b\d{7,}\b"),
    # scary
    Rule("gore", v.SCARY, r"\b(?:lots of|covered in|pools? of|full of) blood\b|\bblood (?:sprayed|spurts|spurted|everywhere|gushed|dripping|spurting)\b|\bhorror (?:story|stories|movie|movies|film|films)\b|\bdead (?:body|bodies)\b|\bserial killers?\b|\bkiller dolls?\b|\bchopped (?:off|up)\b|\bheads? (?:chopped|cut) off\b|\brip(?:s|ped)? (?:people|them|him|her|someone) apart\b|\btore (?:his|her|their) (?:arm|head|leg)s?\b|\b(?:ghosts?|monsters?|zombies?|clowns?|witch(?:es)?|vampires?|demons?|killers?)\b(?: [\w']+){0,5} (?:kill\w*|eat\w*|ate|murder\w*|stab\w*|chop\w*)\b|\b(?:rots|rotting|decay\w*|corpses?)\b|\bjack the ripper\b|\bslender ?man\b|\bcut up (?:women|men|people|bodies|(?:his|her|their) victims)\b|\bate them one by one\b|\bbones? sticking out\b|\bcar crash\b|\bmurders?\b|\bcrunching (?:their|his|her) bones\b|\binto pieces\b|\brot(?:ting)? and smell\b|\bvictims?\b"),
    # buying
    Rule("order", v.PURCHASE, r"\b(?:order|ordering)(?: (?:me|us|some|a|an|more|another|new|my))+ [\w']+|\border (?:pizza|food|takeaway|sweets|candy|toys?)\b|\b(?:put|place|make) (?:in )?an order\b|\b(?:i've|i have|i|we've|just|been|was|were|has been|have been) ordered\b|\b(?:i want to|i wanna|let's) order\b", guarded=True),
    Rule("pay", v.PURCHASE, r"\bpay(?:ing)? for\b|\bpaid for\b|\b(?:add|added|put)\b(?: [\w']+){0,3} (?:to|in|into) (?:the|my|your) (?:cart|basket|trolley)\b|\bspen[dt] (?:\d+|[\w]+) (?:dollars|pounds|euros|bucks)\b|\bspend (?:[\w]+ )?money\b", guarded=True),
    Rule("store", v.PURCHASE, r"\b(?:v bucks|gems in (?:my|the) game|in app|app store|play store|itunes|amazon|ebay)\b", guarded=True),
    Rule("bought", v.PURCHASE, r"\b(?:i|i've|i have|we've|just|been|was|were) (?:bought|purchased|subscribed)\b|\b(?:bought|purchased|subscribed) you\b", sides=frozenset({REPLY}), guarded=True),
    # bad words, asked for
    Rule("swear-words", v.PROFANITY, r"\b(?:swear|curse|cuss) ?words?\b|\bswears\b|\bswearing\b|\bthe f word\b", guarded=True),
)  # fmt: skip
