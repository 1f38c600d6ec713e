"""Broad topic rules, one concept per rule, built from the word classes of :mod:`hark.kids.lexicon`:
"a medicine, in excess", "a hazard, with no grown-up there", "harm aimed at oneself". They add
to the hand-written phrases of :mod:`hark.kids.topics`, so a new phrasing of a known topic (other
verbs, other objects, another order, the spoken forms) is covered without listing sentences.
"""

from __future__ import annotations

from . import verdict as v
from .lexicon import (
    ADULT,
    ANY,
    BAD,
    BODY,
    CHEMICAL,
    ELECTRIC,
    EXCESS,
    FAMILY,
    GAME_ITEMS,
    GORE,
    GROUP,
    GROUP_NOUN,
    HAZARD,
    HIGH_DROP,
    HIGH_EDGE,
    INGEST,
    INSULT,
    INSULT_ADJ,
    MEDICINE,
    MONEY,
    PERSON,
    REFLEXIVE,
    UNSUPERVISED,
    WORSE,
    nouns,
    verbs,
    words,
)
from .topics import REPLY, REQUEST, Rule

_REQ = frozenset({REQUEST})
_REP = frozenset({REPLY})
_SELF_HARM_VERBS = verbs(
    "kill, hurt, harm, cut, stab, choke, strangle, starve, poison, drown, burn, hang, suffocate, smother, punish, "
    "scratch, bruise, shoot, carve"
)
_NOT_ACCIDENT = r"(?<!\bmight )(?<!\bcould )(?<!\bmay )(?<!\bcan )(?<!\bwill )(?<!\bor )(?<!\bnot )"
_NOT_WARNING = r"(?!(?: (?:if|when|so|on|by|badly|doing|playing|running|while|using)\b| [.,]|$))"
"""After "you could hurt yourself": a warning ends there or says how it happens by accident; a suggestion goes on."""
_HARM_OTHERS = verbs(
    "kill, murder, stab, shoot, hurt, punch, kick, hit, choke, strangle, poison, drown, burn, slap, smash, attack, "
    "trip, shove, smack, whack, pinch, bite, headbutt, elbow, suffocate, smother, torture, bully, injure, knock out"
)
_STRANGER = words("man, men, lady, woman, guy, stranger, teenager, old man")
_SECRET = r"(?:secrets?|secret game)"
_PARENTS = words("mom, mum, dad, mommy, mummy, daddy, parents, family, teacher, grown ups, grown up, anyone, anybody")
_MY_PARENTS = words("mom, mum, dad, mommy, mummy, daddy, parents, family, teacher, grown ups")
_CHILD_DOES = (
    r"(?:can i|could i|may i|how do i|how can i|how would i|i want to|i wanna|i'm going to|i'm gonna|let me|"
    r"is it ok (?:if i|to)|should i|you can|you could|go ahead and|it's fine to|it's ok to|it's okay to)"
)
_BULLY = verbs("hit, kick, punch, hurt, bully, tease, pick on, laugh at, beat up, slap, push, trip, threaten")
_SEE = r"(?:sees?|seeing|knows?|knowing|finds? out|notices?|noticing|watching|looking|is looking|are looking|hears?)"
_WEAPON = nouns(
    "gun, rifle, pistol, handgun, shotgun, revolver, bb gun, air gun, air rifle, pellet gun, crossbow, "
    "slingshot, knife, sword, machete, axe, switchblade, taser, pepper spray, bow and arrow, spear, nunchuck"
)
_TARGET = words(
    "people, someone, somebody, him, her, them, birds, animals, cats, dogs, cars, windows, kids, my brother, my sister"
)
_FIRE_THINGS = nouns("fire, match, lighter, candle, firework, sparkler, firecracker, bonfire, campfire")
_DRUG_EFFECT = words("happy, funny, high, floaty, weird, good, dizzy, sleepy, relaxed, crazy, silly, buzzed")
_BAD_MILD = words("mean, weird, nasty, not normal, scary, creepy, rude, annoying")
_DETAIL = words(
    "full name, real name, last name, address, phone number, number, location, picture, photo, username, password, pictures, photos"
)
_SNIFF = verbs("sniff, huff, inhale, breathe in, snort")
_SNIFFED = words(
    "glue, markers, marker, paint, gas, petrol, gasoline, spray paint, aerosol, whipped cream, nitrous, balloons, powder"
)

_CONTROVERSY = (
    r"\bis (?:god|jesus|allah|heaven|hell|the devil|satan) (?:really )?real\b|\b(?:does|do) (?:god|heaven|hell|the devil) (?:really )?exist\b"
    r"|\bis there (?:really )?(?:a god|a heaven|a hell|a devil|life after death)\b|\bwhich (?:religion|god|church|one of the religions) is (?:the )?(?:right|true|real|best|correct|better)\b"
    r"|\babortions?\b|\b(?:which|what) (?:political )?party is (?:good|bad|better|best|right|wrong|evil|the good one|the bad one)\b"
    r"|\b(?:republicans?|democrats?|conservatives?|liberals?|tories|labou?r party)\b(?: [\w']+){0,5} (?:good|bad|better|worse|best|right|wrong|evil|stupid|the good ones?|the bad ones?)\b"
    r"|\bwho should (?:i|we|my (?:mom|mum|dad|parents|family)) vote for\b|\bis (?:the )?(?:president|prime minister) (?:a )?(?:good|bad|evil|stupid|dumb|mean)\b"
    r"|\b(?:which|what|who) (?:president|prime minister|leader|candidate|politician|side)s?(?: [\w']+){0,2} (?:is|was|are) (?:the )?(?:better|worse|best|worst|good|bad|right|wrong|evil|the good one|the bad one|the good guys?|the bad guys?)\b"
    r"|\bdeport\w*|\b(?:doesn't|don't|does not|do not|didn't) have (?:any |the |her |his |their |our |my )?(?:papers|green card|visa)\b|\b(?:send|sent|sending|take|taking) (?:my|our) (?:[\w']+ )?(?:mom|mum|dad|mommy|mummy|daddy|parents|family|grandma|grandpa|uncle|aunt) (?:back|away) to\b|\billegal (?:aliens?|immigrants?)\b"
    r"|\b(?:get|gets|getting|got|have|has|having|start|starts|started|on) (?:their|her|my|your|there|a|the|his) periods?\b(?! (?:of|at|in|on|for|when|called) )|\b(?:get|gets|getting|got|have|has|having) periods\b|\bgirls?\b(?: [\w']+){0,3} periods?\b(?! (?:at|of|in|on) )|\bperiods? (?:pads?|blood|cramps?)\b|\bmenstrua\w*"
    r"|\bpubert\w*\b|\bhair (?:growing )?(?:in|on|under|down) (?:weird|strange|private|my private|funny|down there)\b|\bwhere (?:do|did) babies come from\b|\bhow (?:are|do|did) babies (?:made|get made|get in)\b"
)
"""What a speaker hands to a grown-up: whether a religion is true, abortion, which party or leader is good,
who to vote for, a family's immigration papers, periods, puberty and where babies come from (a child's
request only)."""

_TAKES_SIDE = (
    r"\b(?:god|jesus|allah|heaven|hell|the devil) (?:is|isn't|is not) (?:not )?(?:real|made up|fake|a lie|pretend)\b|\b(?:god|heaven|hell) (?:does|doesn't|does not) (?:really )?exist\b"
    r"|\breligions? (?:is|are) (?:just |only )?(?:stories|made up|fairy tales|lies|fake|silly|stupid|wrong|a lie)\b"
    r"|\b(?:christianity|islam|judaism|hinduism|buddhism|sikhism|atheism|catholicism|[\w]+ism) is the (?:only |one )?(?:true|right|real|best|correct) (?:religion|faith|way|god)\b"
    r"|\b(?:people|those|anyone|everyone) who (?:believe|don't believe|pray|go to church|voted|vote)(?: [\w']+){0,5} (?:are|is|made|make) (?:all )?(?:wrong|stupid|dumb|bad|evil|going to hell|a (?:big |huge )?mistake)\b"
    r"|\bthe (?:president|prime minister|king|mayor|governor|[\w]+ party|republicans|democrats|conservatives|liberals) (?:is|are|was|were) (?:a |an )?(?:really |very |so )?(?:bad|evil|terrible|awful|stupid|dumb|horrible|the worst|the best|liars?|criminals?)\b"
    r"|\bvoted for (?:him|her|them|that)(?: [\w']+){0,4} (?:mistake|wrong|stupid|dumb|bad)\b|\b(?:could|might|will|is going to|are going to|gonna|may|can) (?:get |be )?deported\b"
    r"|\babortions? (?:is|are) (?:murder|wrong|evil|bad|fine|okay|good|killing)\b"
)
"""A model's reply that takes a side a speaker leaves to a child's family: whether a religion is true,
which leader or party is bad, a family's deportation, abortion."""

_ASK_FOR = (
    r"(?:give me|tell me|teach me|help me (?:think of|come up with|write|make up|pick)|think of|come up with|make up|write|"
    r"what(?:'s| is| are)(?: a| some)?(?: good| funny| really| the best| the worst)?|whats|any|some|i need|i want|i wanna)"
)
_MOCK = r"(?:make fun of|making fun of|laugh at|laughing at|mock|mocking|tease|teasing|roast|roasting|pick on|copy (?:his|her|their) voice|do (?:his|her|their) voice|imitate)"
_MEAN_WORDS = r"(?:insults?|(?:mean|nasty|rude|horrible|hurtful|bad|cruel) (?:names?|nicknames?|words?|things?|jokes?|stuff|songs?|notes?|messages?|texts?))"
_MEAN = r"(?:mean|nasty|rude|horrible|hurtful|cruel|awful|terrible)"
_KID = r"(?:him|her|them|(?:the|that|this|a|my) (?:[\w']+ ){0,2}(?:kid|kids|boy|boys|girl|girls|child|brother|sister|cousin|friend|classmate))"
_OTHERS = r"(?:everyone|everybody|all the (?:other )?kids|the (?:whole )?class|the other kids|people|my friends|the girls|the boys)"
_ONLINE = r"(?:online|on the internet|on the app|in the game|on roblox|on discord|on tiktok|on snapchat|on fortnite|on minecraft|on my game|on the game)"
_GROWN_UPS = r"(?:grown ups|grown up|adults?|older people|older guys|teenagers|strangers|people i don't know|people you don't know|new people)"

RULES: tuple[Rule, ...] = (
    # self-harm
    Rule("b-harm-self", v.SELF_HARM, rf"{_NOT_ACCIDENT}\b{_SELF_HARM_VERBS}{ANY}? {REFLEXIVE}\b|\b(?:might|could|may|can|will|or) {_SELF_HARM_VERBS}{ANY}? {REFLEXIVE}\b{_NOT_WARNING}", guarded=True),
    Rule("b-harm-own-body", v.SELF_HARM, r"\b(?:cut|cutting|carve|carving|slice|slicing|scratch|scratching|burn|burning)(?: [\w']+){0,2} (?:my|your|their|his|her) (?:own )?(?:wrists?|arms?|legs?|skin|thighs?|body|tummy|stomach)\b(?! (?:on|by accident|accidentally))", guarded=True),
    Rule("b-wish-dead", v.SELF_HARM, r"\b(?:wish|want|wanted|wanna)(?: i| to)?(?: was| were| be| being)? dead\b|\bwish i (?:was|were|had) never (?:been )?born\b|\b(?:want|wanna|going) to (?:stop|end) (?:living|existing|it all|everything)\b|\b(?:don't|do not) want to (?:live|be alive|exist|wake up)(?: anymore)?\b"),
    Rule("b-medicine-die", v.SELF_HARM, rf"\b{MEDICINE}\b(?: [\w']+){{0,8}} (?:to die|to be dead|to not wake up|and die|and not wake up|would kill (?:me|you)|kill (?:myself|yourself))\b|\b(?:die|kill (?:myself|yourself))(?: [\w']+){{0,3}} (?:with|from|using|by taking) (?:the )?(?:[\w']+ )?{MEDICINE}\b"),
    Rule("b-stop-breathing", v.SELF_HARM, r"\b(?:make (?:my|your)self|how (?:do|can|could|would) (?:i|you)|ways? to|want to|wanna|going to|gonna|try to|trying to|help me)(?: [\w']+){0,2} stop breathing\b|\b(?:pillow|plastic bag|bag) (?:over|on) (?:my|your|their|his|her) (?:face|head)\b|\b(?:rope|belt|scarf|cord|string|plastic bag|bag) (?:around|round) (?:my|your|their|his|her) (?:neck|face|head)\b"),
    Rule("b-jump-high", v.SELF_HARM, rf"\b{verbs('jump, throw')}(?: (?:my|your)self)? (?:off|from|out of|out) (?:[\w']+ ){{0,3}}(?:roof|bridge|building|window|balcony|cliff|tower|top floor|skyscraper)\b", guarded=True),
    Rule("b-purge", v.SELF_HARM, r"\b(?:throw up|throwing up|vomit\w*|puke|puking|stop eating|not eat\w*|skip\w* (?:breakfast|lunch|dinner|meals?))\b(?: [\w']+){0,6} (?:fat|skinny|thin|weight|lose weight)\b|\b(?:so|or) (?:i|you) (?:don't|won't|do not) (?:get|be|look) fat\b|\bnot eating for (?:a few|two|three|\d+|many) days\b"),
    Rule("b-head-bang", v.SELF_HARM, r"\b(?:bang|banging|bash|bashing|smash|smashing|hit|hitting) my (?:own )?head (?:on|against|into) (?:the |a |my )?(?:wall|floor|door|table|desk)\b(?! (?:by accident|accidentally))", sides=_REQ),
    Rule("b-worthless", v.SELF_HARM, r"\b(?:everyone|everybody|they all) (?:hates|hate) me\b|\b(?:nobody|no one) (?:would miss|cares about|would care|loves|likes|wants|needs) me\b|\bi'm (?:so |just )?(?:worthless|a burden|a waste of space)\b"),
    # unsafe contact
    Rule("b-unknown-person", v.STRANGERS, r"\b(?<!\bif )(?<!\bwhen )(?:someone|somebody|people|a person|a man|a lady|a woman|a guy|a grown up|an adult|a boy|a girl|a kid|anyone|a teenager)(?: that| who)? (?:i|you|we) (?:don't|do not|didn't|never|just) (?:know|met)\b", guarded=True),
    Rule("b-go-with", v.STRANGERS, rf"\b{ADULT}\b(?: [\w',]+){{0,12}} (?:go|going|get|getting|come|coming|ride|riding|walk|walking|sit|sleep) (?:with|in|into|to|over to) (?:him|her|them|his|her|their)\b", sides=_REQ, guarded=True),
    Rule("b-lure", v.STRANGERS, rf"\b{_STRANGER}\b(?: [\w']+){{0,6}} (?:said|says|promised|offered|asked)(?: [\w']+){{0,3}} (?:give|buy|show|get|take) (?:me|you)\b|\b{_STRANGER}\b(?: [\w']+){{0,4}} (?:gave|gives|give|showed|shows) me (?:candy|sweets|money|a present|presents|gifts?|pictures)\b"),
    Rule("b-online-adults", v.STRANGERS, rf"\b(?:online|internet|game|app|discord|roblox|fortnite|tiktok|snapchat|minecraft) (?:friends?|buddy|buddies|boyfriend|girlfriend)(?: [\w']+){{0,2}} (?:is|are|says (?:he's|she's|they're|he is|she is|they are)) (?:\d\d|twenty|thirty|forty|fifty|a grown up|an adult|grown ups|adults|older|a teenager|in high school|in college)\b|\b(?:find|meet|make|get|talk to|chat with|chat to|talk with)(?: some)?(?: new)? (?:friends|people|someone|somebody|{_GROWN_UPS})(?: [\w']+){{0,4}} (?:{_ONLINE}|near me|nearby|around here)\b(?:(?: [\w']+){{0,3}} (?:that|who) (?:are|is) (?:grown ups|adults|older))?|\b(?:find|meet|make|get|talk to|chat with|chat to)(?: new)? (?:friends|people) (?:that|who) (?:are|is) (?:grown ups|adults|older)\b|\b(?:app|website|site|game|place|way) to (?:talk|chat|text|video chat) (?:to|with) {_GROWN_UPS}\b", sides=_REQ),
    Rule("b-our-secret", v.STRANGERS, rf"\b(?:it's|its|it is|this is|that's|thats|is) our (?:little |special |big )?secret\b|\bnot to tell (?:my|your|our|anyone|anybody|mom|mum|dad|parents)\b|\bkeep\w*(?: it| this| that| them| him| her| us)?(?: a| our)? {_SECRET} from\b|\b{_SECRET}\b(?: [\w']+){{0,4}} from (?:my|your|our) {_PARENTS}\b|\bwithout (?:telling|asking) (?:my|your) {_PARENTS}\b", guarded=True),
    Rule("b-dont-tell", v.STRANGERS, rf"\b(?:don't|do not|never|not) tell (?:my|your|our)? ?{_MY_PARENTS}\b", sides=_REQ),
    Rule("b-touch-me", v.STRANGERS, r"\b(?:uncle|man|lady|woman|guy|teacher|coach|babysitter|grown up|adult|someone|somebody|he|she|teenager|cousin|neighbou?r) (?:always |keeps |sometimes )?(?:touch|touches|touched|touching) me\b|\b(?:touch|touches|touched|touching) me\b(?: [\w']+){0,6} (?:secret|don't tell|private|weird|uncomfortable|scared|don't like)\b|\b(?:touch|touches|touched|touching) my (?:private|privates|bottom|bum|butt|chest|willy|down there|private parts)\b", sides=_REQ),
    Rule("b-send-details", v.STRANGERS, r"\b(?:send|give|tell|show) (?:them|him|her|someone|somebody|a stranger|people|strangers)(?: [\w']+)? (?:your|my) (?:username|user name|address|phone|number|picture|photo|pics?|selfie|location|school|full name|password)\b", guarded=True),
    # sensitive things a child tells: a gentle word and a grown-up
    Rule("b-died", v.SENSITIVE, rf"\b(?:my|our) (?:[\w']+ ){{0,2}}{FAMILY} (?:just |has |had |already )?(?:died|passed away|passed|is dead|got killed|was killed|is dying|went to heaven|got run over)\b(?! in (?:a|my|the) (?:story|game|dream|show|movie|book|video))|\b(?:died|passed away)\b(?: (?!and\b)[\w']+){{0,3}} (?:my|our) {FAMILY}\b", sides=_REQ),
    Rule("b-divorce", v.SENSITIVE, r"\bdivorc\w*|\b(?:mom|mum|dad|parents|mommy|daddy)(?: and (?:my )?(?:mom|mum|dad|mommy|daddy))? (?:are |is )?(?:splitting up|breaking up|separating|moving out|moved out|left us)\b|\b(?:mom|mum|dad|parents)(?: and (?:my )?(?:mom|mum|dad))? (?:[\w']+ ){0,2}(?:fight|fighting|yell|yelling|shout|shouting|scream|screaming)(?: at each other)? (?:all the time|every day|every night|a lot)\b|\bis it my fault\b", sides=_REQ),
    Rule("b-bullied", v.SENSITIVE, rf"\b(?:someone|somebody|kids|a boy|a girl|people|everyone|everybody|they|he|she|[\w']+) (?:at school|in my class|on the bus|at the park|in the playground) (?:keeps? |always )?(?:{_BULLY}) me\b|\b(?:{_BULLY}) me (?:every day|all the time|every single day|at school|in class|on the bus)\b|\b(?:bully|bullies) (?:{_BULLY}) me\b|\b(?:i'm|i am|i get|i got|getting|being) (?:being )?bullied\b|\b(?:is|are|keeps being|keep being) (?:so )?mean to me (?:every day|all the time|at school)\b", sides=_REQ),
    Rule("b-controversy", v.SENSITIVE, _CONTROVERSY, sides=_REQ),
    Rule("b-scared-always", v.SENSITIVE, r"\b(?:i'm|i am|i feel) (?:so |really |very )?(?:scared|sad|lonely|afraid|unsafe)(?: [\w']+){0,3} (?:all the time|every day|every night|at home|to go home|to go to school)\b", sides=_REQ),
    # violence
    Rule("b-harm-other", v.VIOLENCE, rf"(?:^|[.,] |\b(?:i|we|you|to|and|or|gonna|wanna|let's|should|then|just|i'll|please) |\b(?:i|we|you) (?:can|could|will|would|might|must) ){_HARM_OTHERS}(?: (?:my|your|his|her|their|the|a|that|this|some|little|big|baby|mean|stupid|[\w]+'s))*? {PERSON}\b"),
    Rule("b-hide-harm", v.VIOLENCE, rf"\b{_HARM_OTHERS}\b(?: [\w']+){{0,8}} (?:without getting (?:in|into) trouble|(?:when|so|while|without|and) (?:nobody|no one|anyone|anybody|they|he|she|the teacher) (?:is |are |can |will |won't |doesn't |don't )?{_SEE})\b"),
    Rule("b-hard-strike", v.VIOLENCE, r"\b(?:punch|punching|slap|slapping|smack|smacking|whack|whacking|headbutt\w*)(?: (?:someone|somebody|him|her|them|people))? (?:really |super |so |very )hard\b|\baim (?:[\w']+ )?(?:for|at) (?:the|their|his|her|someone's) (?:nose|face|eyes?|throat|neck|heads?|stomach|teeth|groin|privates)\b"),
    Rule("b-make-suffer", v.VIOLENCE, rf"\bmake (?:them|him|her|someone|somebody|(?:my|your|the|a) (?:[\w']+ )?{PERSON}) (?:cry|bleed|suffer|scream|faint|pass out|die|choke)\b"),
    Rule("b-break-bones", v.VIOLENCE, rf"\b(?:{verbs('break, snap, twist, crush')}) (?:someone's|somebody's|his|her|their|(?:my|your|a|the) [\w]+(?:'s|s)) {BODY}\b"),
    Rule("b-revenge", v.VIOLENCE, rf"\brevenge\b(?! of the)|\b(?:get|getting|pay|paying) {_KID} back\b(?: (?:really|so|for (?:it|that|this|what)|good|bad|badly|worse|hard|harder)\b|(?: [\w']+){{0,5}} (?:cry|cries|crying|hurts?|sorry|suffer|really bad|so bad|real bad|badly|worse)\b)", sides=_REQ),
    Rule("b-fight", v.VIOLENCE, r"\b(?:plan|planning|start|starting|have|pick|picking|organi[sz]e|set up|get into|get in|win)(?: a| the)?(?: really| big| huge| massive)* fights?\b(?! (?:for|against) (?:what|the planet|justice|the environment))|\bfight (?:a|the|some|those|that|these|this) (?:[\w']+ ){0,2}(?:kids?|boys?|girls?|graders?|bully|guys?|teenagers?)\b|\bfights?\b(?: [\w']+){0,4} (?:after school|at recess|at lunch|behind the school|in the playground|on the bus)\b", sides=_REQ),
    # weapons
    Rule("b-weapon-at", v.WEAPONS, rf"\b{_WEAPON}\b(?: [\w']+){{0,6}} (?:at|to (?:hit|hurt|shoot|stab|kill|scare)) {_TARGET}\b", guarded=True),
    Rule("b-sharpen", v.WEAPONS, r"\bsharpen\w*(?: [\w']+){0,2} (?:knife|knives|sword|blade|axe|razor|spear)\b", guarded=True),
    # dangerous things to do
    Rule("b-medicine-excess", v.DANGER, rf"\b{EXCESS}(?: (?:of|the|my|your|[\w]+'s))* {MEDICINE}\b|\b{MEDICINE}\b(?: [\w']+){{0,6}} (?:(?:can|could|should|do|may) (?:i|you|we) (?:take|eat|have|drink|swallow)|tastes? like (?:candy|sweets|juice)|yummy|tasty|like candy|like sweets|(?:the )?whole (?:bottle|box|pack|packet)|all of them)\b", guarded=True),
    Rule("b-unsupervised", v.DANGER, rf"\b{_CHILD_DOES}(?: [\w']+){{0,6}} {HAZARD}\b(?: [\w']+){{0,8}} {UNSUPERVISED}|\b{UNSUPERVISED}(?: [\w']+){{0,3}} {_CHILD_DOES}(?: [\w']+){{0,4}} {HAZARD}\b", guarded=True),
    Rule("b-ingest", v.DANGER, rf"\b{INGEST}(?: [\w']+){{0,3}} {CHEMICAL}\b|\b{CHEMICAL}\b(?: [\w']+){{0,6}} (?:to drink|to eat|tastes? like|looks? like (?:candy|sweets|juice)|yummy|tasty|can i (?:eat|drink|taste|lick))\b", guarded=True),
    Rule("b-electric", v.DANGER, rf"\b{verbs('touch, lick, pull, cut, chew, poke, bite, grab, hold, climb, play with')}(?: [\w']+){{0,3}} {ELECTRIC}\b|\b(?:hair ?dryer|toaster|radio|phone|ipad|charger|heater|anything electric)\w*(?: [\w']+){{0,5}} (?:in|into|near) (?:the |a )?(?:bath|bathtub|water|pool|sink|tub)\b", guarded=True),
    Rule("b-fire", v.DANGER, rf"\b{verbs('light, start, set, make, play with, strike, flick, use, get')}(?: [\w']+){{0,3}} {_FIRE_THINGS}\b(?! (?:truck|trucks|engine|engines|fighter|fighters|station|drill|alarm|dog|ant|ants|fly|flies|works|place|man|men|hydrant|extinguisher|safety|safe|safely|safer))|\bset(?: [\w']+){{0,3}} on fire\b|\bburn (?:down )?(?:the|my|our) (?:house|room|school|bed|curtains|hair)\b", guarded=True, supervised=True),
    Rule("b-heights", v.DANGER, rf"\b{verbs('climb, get, go, sit, stand, walk, hang, lean, balance')} (?:up |onto |on |on to |out on |up on |out of |over |on top of |out )(?:the |our |a |my )?(?:[\w']+ )?{HIGH_EDGE}\b(?! (?:game|in minecraft))|\b{verbs('jump, fly, dive, throw')}(?: (?:my|your)self)? (?:off|from|out of|down from) (?:the |our |a |my )?(?:[\w']+ )?{HIGH_DROP}\b|\b(?:umbrella|parachute|cape|wings?|bedsheet)\b(?: [\w']+){{0,6}} (?:jump|jumping|fly off|float down)\b|\bjump\w*(?: [\w']+){{0,6}} (?:with|using) (?:an? |my )?(?:umbrella|parachute|cape|bedsheet)\b|\bclimb\w* (?:up )?(?:on )?(?:the |a |my )?(?:bookshelf|bookshelves|shelves|wardrobe|fridge|cupboards?|dresser)\b", guarded=True, supervised=True),
    Rule("b-challenge", v.DANGER, r"\b(?:blackout|choking|pass out|tide pod|fire|cinnamon|skull breaker|benadryl|salt and ice|chroming) challenge\b"),
    Rule("b-street", v.DANGER, r"\b(?:play|playing|plays|ride|riding|skate|skating|scooter|lie|lying|lay|laying|sit|sitting|run around|running around)(?: [\w']+){0,3} (?:in|on|across) (?:the|a|our|my|that) (?:busy )?(?:street|road|highway|freeway|motorway|train tracks?|railway|railroad)\b|\b(?:fast|down the|jump|jumps|tricks?|stunts?|flips?)\b(?: [\w']+){0,8} (?:without (?:a |my |wearing (?:a |my )?)?|no )helmets?\b", sides=_REQ, guarded=True, supervised=True),
    Rule("b-drive", v.DANGER, r"\b(?:can i|how do i|let me|i want to|i wanna) (?:drive|driving) (?:the |my |our |[\w]+'s )?(?:car|truck|van)\b", sides=_REQ),
    # drugs
    Rule("b-feel-pills", v.DRUGS, rf"\b(?:{MEDICINE}|powder|mushrooms|brownies|gummies)(?: [\w']+){{0,2}} (?:that|which|to|will|to make) (?:make|makes|made|help) (?:you|me|people|them) (?:feel |get )?{_DRUG_EFFECT}\b|\b(?:candy|stuff|drink|smoke)(?: [\w']+){{0,2}} (?:that|which|to|will|to make) (?:make|makes|made) (?:you|me|people|them) (?:feel |get )?(?:high|floaty|dizzy|buzzed|crazy|weird)\b"),
    Rule("b-sniff", v.DRUGS, rf"\b{_SNIFF}(?: [\w']+){{0,2}} {_SNIFFED}\b", guarded=True),
    # hate
    Rule("b-group-mean", v.HATE, rf"\b(?!(?:girls|boys|men|women)\b){GROUP}{GROUP_NOUN} (?:are|is)(?: (?:so|really|very|all|just|always|kind of|pretty|quite))* {_BAD_MILD}\b|\bare(?: all)? (?!(?:girls|boys|men|women)\b){GROUP}{GROUP_NOUN}(?: (?:so|really|very|all|just|always))* {_BAD_MILD}\b"),
    Rule("b-group-bad", v.HATE, rf"\b{GROUP}{GROUP_NOUN} (?:are|is)(?: (?:so|really|very|all|just|always|the|more|most|kind of|pretty|quite))* {BAD}\b|\b(?:are|is)(?: all)? {GROUP}{GROUP_NOUN}(?: (?:so|really|very|all|just|always))* {BAD}\b"),
    Rule("b-group-worse", v.HATE, rf"\b{GROUP}{GROUP_NOUN}(?: (?:are|is))?(?: (?:so|much|way))? {WORSE}(?: than| as)\b"),
    Rule("b-group-distrust", v.HATE, rf"\b(?:shouldn't|don't|can't|never|not) trust {GROUP}{GROUP_NOUN}|\b{GROUP}{GROUP_NOUN}\b(?: [\w']+){{0,4}} (?:can't|cannot|shouldn't) be trusted|\b(?:hate|don't like|can't stand) (?:all )?{GROUP}{GROUP_NOUN}(?= *(?:[.,]|$| because| cause| they))|\b(?:joke|jokes|something mean|something bad|rude things?) about {GROUP}\b"),
    Rule("b-mock", v.HATE, rf"\b(?:how (?:do|can|could|should) (?:i|we)|help me|i wanna|i want to|let's|lets|way to|ways to|how to|best way to|should i|so (?:i|we) can|gonna|going to|(?:name|names|nickname|nicknames|joke|jokes|song|words?) to)(?: [\w']+){{0,2}} {_MOCK}\b(?! me\b)", sides=_REQ),
    Rule("b-mean-words", v.HATE, rf"\b{_ASK_FOR}(?: [\w']+){{0,2}} {_MEAN_WORDS}(?: [\w']+){{0,2}} (?:for|about|to call|to say to|to tell|to text|to write|to send|to use on)\b(?! (?:me|you|someone who is mean|a bully|bullies)\b)|\b(?:say|write|text|tell|send|think of|come up with)(?: [\w']+){{0,2}} something (?:really |super |very |so )?{_MEAN}\b|\b(?:say|text|write|tell|call|send)(?: [\w']+){{0,6}} (?:to )?make (?!me\b|us\b|myself\b|you\b|yourself\b)[\w']+(?: [\w']+){{0,4}} (?:cry|feel bad|feel stupid|feel ugly|feel dumb)\b|\b(?:tell|tells|telling|say|says|saying) (?:[\w']+ ){{0,2}}(?:everyone|everybody|nobody|no one|the whole class) (?:hates|likes|wants|loves|cares about) (?:him|her|them)\b", sides=_REQ),
    Rule("b-exclude", v.HATE, rf"\bso (?:nobody|no one|none of (?:us|them)) (?:sits|plays|talks|hangs out|eats|will sit|will play|will talk) with\b|\bso (?!you\b|i\b)[\w']+ (?:has to|will have to|must|is forced to) (?:sit|play|eat|be|walk) (?:alone|all alone|by (?:herself|himself|themselves))\b|\b(?:okay|ok|fine|alright|good idea|a good idea|smart) to (?:leave|keep) (?:them|him|her|[\w]+) out\b|\b(?:make|get|tell|convince) {_OTHERS}(?: [\w']+){{0,3}} (?:not (?:to )?(?:play|talk|sit|hang out) with|to ignore|ignore|to stop (?:playing|talking) with|stop (?:playing|talking) with|to hate|hate|to leave (?:him|her|them|[\w]+) out|leave (?:him|her|them|[\w]+) out)\b|\b(?:leave|leaving|keep|keeping) (?:him|her|them|(?:the )?(?:new |weird |fat )?(?:kid|girl|boy)) out\b|\b(?:club|group|team|party)\b(?: [\w']+){{0,3}} (?:where|that|so)(?: [\w']+){{0,6}} (?:can't|cannot|can not|aren't allowed to|are not allowed to|isn't allowed to|not allowed to|don't get to|never get to) (?:join|come|play|be in)\b", guarded=True),
    # personal details
    Rule("b-share-details", v.PERSONAL_INFO, rf"\b{verbs('post, upload, send, share')}(?: [\w']+){{0,4}} (?:my|your|our) {_DETAIL}\b|\b{verbs('tell, give')}(?: [\w']+){{0,4}} (?:my|your) {_DETAIL}\b(?: [\w']+){{0,4}} (?:online|on the internet|on the game|in the game|in the chat|to (?:my|your|a|the) (?:new |online )?(?:friends?|people))\b|\b{verbs('tell, give')} (?:my|your|a|the) (?:new |online )?(?:friends?|people|person|guy|boy|girl)(?: [\w']+){{0,4}} (?:my|your) {_DETAIL}\b", guarded=True),
    Rule("b-named-school", v.PERSONAL_INFO, r"\b(?:i|you|we|he|she|they) (?:go|goes|went) to (?!(?:the|a|my|your|big|new|middle|high|primary|summer|sunday|swim|swimming|dance|music|art|karate|ballet|kindergarten|preschool|nursery|school|bed|sleep|the park)\b)[\w']+(?: [\w']+)? (?:school|elementary|primary|academy|middle|high|kindergarten|preschool)\b"),
    Rule("b-house-number", v.PERSONAL_INFO, r"\b\d+ (?!(?:hours?|minutes?|miles?|days?|weeks?|km|kilometres?|kilometers?|seconds?|more|long|test|hour|year|years)\b)(?:[\w']+ ){1,2}(?:street|st|road|rd|avenue|ave|lane|drive|boulevard|crescent|terrace|court)\b"),
    Rule("b-door-code", v.PERSONAL_INFO, r"\b(?:code|pin|combination|passcode)(?: [\w']+){0,3} (?:door|lock|garage|safe|alarm|phone|ipad|tablet|front door)\b"),
    # scary
    Rule("b-gore", v.SCARY, rf"\b{GORE}\b|\b(?:i|you|we) (?:get|gets|got|getting|are|were|was|is) eaten\b|\b(?:someone|somebody|a person|people|kids) (?:getting|being) eaten\b|\b(?:ate|eating|eats|eat) (?:his|her|their|someone's|people's|your) (?:brains?|eyes|guts|flesh|face)\b"),
    Rule("b-creepy", v.SCARY, r"\bcreep(?:y|ier|iest)\b(?! crawl)|\bgives? (?:me|you) nightmares\b|\bso (?:i|you) (?:can't|cannot|won't) sleep\b|\bscariest (?:story|stories|movie|movies|film|video|videos|thing|game|picture)\b|\b(?:really|super|very|too) (?:scary|gross) (?:story|movie|film|video|pictures?)\b"),
    Rule("b-killer", v.SCARY, r"\b(?:killers?|murderers?|kidnap\w*|abduct\w*|psycho|slasher|pennywise|annabelle|exorcist|krueger|ghostface|the conjuring)\b"),
    Rule("b-monster-kills", v.SCARY, r"\b(?:ghosts?|monsters?|zombies?|clowns?|witch(?:es)?|vampires?|demons?|werewolf|werewolves)\b(?: [\w']+){0,12} (?:kill\w*|ate|eat\w*|murder\w*|stab\w*|chop\w*|ripp?\w*|bit\w* (?:off|his|her))\b"),
    # buying
    Rule("b-sign-up", v.PURCHASE, r"\bsign (?:me|us) up\b|\b(?:premium (?:version|account|plan|pass|membership|subscription|skin|skins)|go premium|get premium|membership|free trial|in app|battle pass|season pass|loot box\w*|reorder)\b", guarded=True),
    Rule("b-order", v.PURCHASE, r"(?<!\bin )\border(?:ing)? (?:it|that|this|them|one|the same|another)(?: again| for me| now)?\b|\border(?: [\w']+){0,3} (?:from|on|off) (?:amazon|the store|online|the internet|ebay|the app)\b|\border (?:[\w']+ )?again\b", guarded=True),
    Rule("b-cost", v.PURCHASE, rf"\b{verbs('get, download, unlock, install, grab, want, need')}(?: [\w']+){{0,8}} (?:costs?|for|only|just) (?:only |just )?(?:{MONEY})|\b(?:{MONEY})(?: [\w']+){{0,4}} (?:get|buy|unlock|download)\b", guarded=True),
    Rule("b-card", v.PURCHASE, r"\b(?:with|on|use|using) (?:my|your|the|his|her|[\w]+'s|[\w]+s) (?:credit |debit |bank |gift )?card\b(?! (?:game|games|trick|tricks))", guarded=True),
    Rule("b-game-items", v.PURCHASE, rf"\b(?:get|buy|unlock|want|need|more)(?: [\w']+){{0,4}} {GAME_ITEMS} (?:in|for|on) (?:my|the|your) (?:game|app|account|fortnite|roblox|minecraft|ipad|phone)\b", guarded=True),
    # rude words and insults
    Rule("b-say-bad-word", v.PROFANITY, r"\b(?:say|spell|tell me|teach me|write|sing|shout|whisper)(?: me| us)? (?:a|one|some|the|your|any|all the|every)? ?(?:bad|swear|cuss|curse|rude|naughty|dirty|potty) (?:words?|names?)\b|\b(?:the )?rudest (?:way|thing|words?|names?)\b|\b(?<!\bis that )(?<!\bis it )(?<!\bthat's )(?:a|any|some|with|one|two) (?:swear|cuss|curse)(?:es|s)?\b(?! (?:jar|words? (?:is|are)))", sides=_REQ),
    Rule("b-minced", v.PROFANITY, r"\b(?:the (?:f|s|b|c) word|mother f|motherf\w*|f off|f you|eff you|effing|f ing|f bomb|what the hell|the hell|go to hell|hell no|hell yeah|damn|damnit|dammit|goddamnit|crap|crappy)\b"),
    Rule("b-insult", v.PROFANITY, rf"\b(?:you're|you are|ur|he's|she's|he is|she is|they're|they are)(?: (?:a|an|such a|so|really|very|big|little|{INSULT_ADJ}))* (?:{INSULT}|{INSULT_ADJ})\b(?! (?:things?|question|game|puzzle|joke|idea|duckling|at))|\b(?:you|your|called me|call me|call him|call her|call them|calls me|calling me|shut up)(?: (?:a|an|such a|so|really|big|little|{INSULT_ADJ}))* {INSULT}\b"),
    # what a model's reply must not say to a child, even when the child never asked (replies only)
    Rule("r-takes-side", v.SENSITIVE, _TAKES_SIDE, sides=_REP),
    Rule("r-mean-to-you", v.HATE, r"\b(?:everybody|everyone|all of us|we all|they all) (?:hates?|hate) you\b|\b(?<!\blike )(?<!\bif )(?<!\bthink )(?<!\bthat )(?<!\bfeel )(?:nobody|no one) (?:likes|wants|loves|cares about|wants to play with) you\b(?! (?:less|any less))", sides=_REP),
    Rule("r-hurt-self-ok", v.SELF_HARM, r"\bby the time you read this\b|\bgoodbye (?:letter|note|message) (?:to|for) (?:your|my) (?:family|mom|mum|dad|parents|friends)\b|\b(?:hitting|hurting|cutting|scratching|punching|pinching|biting|burning|starving) (?:your|yourself|your own)(?: [\w']+){0,2} (?:is|can be|are) (?:a |an )?(?:good|great|fine|okay|ok|helpful|healthy|normal|easy)\b", sides=_REP, guarded=True),
    Rule("r-before-anyone-knows", v.STRANGERS, r"\b(?:be back|go|sneak out|come home|get home|meet (?:him|her|them)) before (?:anyone|anybody|your (?:mom|mum|dad|parents|family|grown ups?)) (?:notices|knows|finds out|sees|gets home|wakes up)\b", sides=_REP),
    Rule("r-no-helmet-fun", v.DANGER, r"\b(?:no|without a|without your|without) helmets? (?:is|are) (?:way |so |much |a lot )?(?:more fun|fun|fine|okay|ok|cooler|faster|better)\b|\blet go of the handlebars?\b", sides=_REP, guarded=True),
    Rule("b-makeshift-blade", v.WEAPONS, r"\buntil (?:it's|it is|its) (?:really |super |very )?(?:pointy|sharp)\b|\bmake (?:a |your own |a little |a small |a homemade )?(?:knife|shank|blade|dagger|spear)\b(?! (?:out of|from) (?:cardboard|paper|foam|playdough|clay|lego|card))", guarded=True),
    Rule("b-throw-at", v.VIOLENCE, r"\b(?:throw|throwing|throws|chuck|chucking)(?: [\w']+){0,2} (?:rocks|stones|bricks|sticks|eggs) at (?:squirrels|birds|cats|dogs|ducks|animals|people|cars|kids|them|him|her|windows|houses)\b", guarded=True),
    Rule("b-where-i-am", v.PERSONAL_INFO, r"\blocation sharing\b|\b(?:always )?(?:see|know|track|find) where i (?:am|live|go)\b", sides=_REQ),
)  # fmt: skip
"""The broad rules, in category order within each group."""
