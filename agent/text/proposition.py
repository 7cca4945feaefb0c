"""Does a claim title read as an arguable proposition ("This note argues that <title>")?

No POS tagger (keep imports light): a title passes when it has a finite verb, found by word
lists (auxiliaries, modals, copulas; a lexicon of verbs common in argument) and by position (an
-s/-ed word after a noun phrase and before its object; a base verb after a plural subject).
Nouns that look like verbs ("Key Results", "Workflow Shifts") are told apart by what surrounds
them: a determiner or preposition before, "of"/"and" or nothing after. Title Case headings
("Key Tweets by Theme") only count a verb followed by a determiner or a complementizer.

Past tenses: a regular -ed form (also a short one: "used") and an irregular form shared with
the participle ("found", "built", "led") count after a noun phrase and before an object, so a
participle label ("methods tested in ...", "tools built by the community") stays a label. A
past-only form ("rose", "fell", "grew", "took", "ran") and the -ed form of an intransitive verb
("doubled", "declined") also count before a preposition or at the end ("unemployment rose among
young workers", "retention declined"), except before "by" + an agent. A past spelled like its
base ("cut", "set", "put") counts after a singular subject only before a determiner, a number or
in a sentence that opens with a determiner ("the board set a deadline"). A year may end the
subject ("December 2025 marked a shift"). Passives ("was/were/has been + participle") count
through their auxiliary.

A sentence-opening "This", "That" or "It" is a subject before an -s verb ("This inverts the
dynamic"), "These"/"Those" before a base verb; a subject pronoun before a past counts whatever
follows ("They responded by lobbying"); a name with a version number ends a subject before a
strong object ("Lean 4 correctly decomposes the arcs"); a "whether" clause is a subject when
"has" follows its verb ("Whether X generalizes has not been tested").

Known misses: a participle label that opens with a determiner ("The methods tested in the
study") passes; a noun phrase with a relative clause ("Agents that write their own tools")
passes; a present tense of a verb outside the lexicon after a singular subject ("the digraph
decomposes into cycles") fails. Measured on the corpora: bench/proposition_corpus.py, and
tests/test_proposition.py and tests/test_validate.py.
"""

from __future__ import annotations

import re

from agent.text.normalize import normalize_for_match


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


_AUX = _words(
    "is are was were am isn't aren't wasn't weren't has have had hasn't haven't hadn't does do "
    "did doesn't don't didn't can could may might must shall should will would cannot can't "
    "couldn't mustn't shouldn't won't wouldn't needn't it's that's there's here's what's who's "
    "they're we're"
)
_STATEMENT_AUX = _words("it's that's there's here's")
_MODALS = _words("can could may might must shall should will would")
_COPULAS = _words("is are was were")
_WH = _words("how why what which who whom whose whether")
_WH_CLAUSE = _words("when where while if")
_CLAUSE_SUBJECT_AUX = _words("has have had")
_DET = _words(
    "the a an this these those its their our his her my your some any each every no all both "
    "either neither another such much many more most few several own key main major core one "
    "two three four five six seven eight nine ten"
)
_PREP = _words(
    "of for in on at by with from to into onto toward towards about across against among between "
    "through without within under over after before during via per than as like versus vs"
)
_ADV = _words(
    "not never also still often always already even just only now then thus therefore sometimes "
    "rarely seldom largely mostly further rather instead actually"
)
_NOUN_NEXT = _words("of and or nor but")
_PASSIVE_NEXT = _PREP - _words("to into toward towards about across against through over")
_ARTICLES = _words("the a an their its our his her")
_FOR_VERBS = _words(
    "account advocate allow apply argue ask call care compensate compete exist fail hold hope "
    "matter opt pay search stand substitute vote wait work"
)
_FUNCTION = _DET | _PREP | _ADV | _words("and or nor but")
_STRONG_NEXT = (_DET - _words("key main major core own")) | _words(
    "that whether how why what it them itself themselves us him humans"
)
_SUBJECTS = _words("we they you i people humans who that which")
_OPENING_PRONOUNS = _words("this that it")
"""Pronouns that, opening a sentence, are its subject: "This inverts the assumed dynamic"."""
_PLURAL_PRONOUNS = _words("these those")
"""Demonstratives that stand for a plural subject before a base verb ("these remain voluntary")."""
_NOT_S_VERB = _words(
    "its this thus was has does is as us always perhaps sometimes towards whereas various news "
    "series species analysis basis less unless across"
)
_VERBS = _words(
    "decompose partner "
    "abandon absorb accelerate accept accompany account accumulate achieve acquire act activate "
    "adapt add address adjust admit adopt advance advocate affect afford aggravate aggregate "
    "agree aim align alleviate allow alter amplify anticipate appear apply approve argue arise "
    "arrange ask assert assess assign assist assume attach attain attempt attend augment "
    "authorize automate avoid await balance bear beat become begin behave believe belong benefit "
    "bias bind blame block blur boost borrow breach break bring broaden build burden buy bypass "
    "calculate call capture care carry catch cause certify challenge change charge choose cite "
    "claim clarify classify collapse collect collude combine come commit communicate compare "
    "compel compensate compete compile complement complicate comply compose compound comprise "
    "compute conceal concentrate conclude conduct confer confirm conflict conform confront "
    "connect conserve consist constitute constrain construct consume contain contest continue "
    "contradict contribute control converge convince cooperate coordinate correct correlate "
    "corrupt cost count couple crash create cripple cross curb cut damage dampen deceive decide "
    "declare decline decrease dedicate deepen defect defend defer define deflate degrade delay "
    "delegate delete deliver demand demonstrate deny depend depict deploy deprive derive describe "
    "deserve design destabilize destroy detect deter determine develop devote diagnose differ "
    "dilute diminish direct disable disagree disappear discount discourage discover dismiss "
    "displace disrupt dissolve distinguish distort distribute disturb diverge diversify dominate "
    "double downplay draw drift drive drop duplicate dwarf earn elevate elicit eliminate embed "
    "embody embrace emerge employ empower enable encode encounter encourage end endanger endorse "
    "enforce engage enhance enlarge enrich ensure entail entrench equip erase erode escalate "
    "escape establish estimate evade evaluate evolve exacerbate exaggerate examine exceed excel "
    "exclude execute exert exhaust exhibit exist expand expect explain exploit expose express "
    "extend face facilitate fail fake fall falsify favor feel fight fill finance find fire fit "
    "flatter follow forbid force forecast foreclose form formalize foster fragment frustrate fuel "
    "function fund gain gate gather generalize generate get give go govern grant grow guarantee "
    "guide halt hamper happen harm hear heighten help hide highlight hinder hinge hire hit hold "
    "homogenize hope hurt identify ignore illustrate imitate impair impede implement imply impose "
    "improve incentivize include incorporate increase indicate induce inflate influence inform "
    "inherit inhibit initiate insist inspire install instill integrate intensify interact "
    "interfere interpret intervene introduce invert invest invite involve isolate justify keep "
    "lack lag last launch lead leak lean learn leave legitimize let leverage lie limit listen "
    "lock look loosen lose lower maintain make manipulate map mask match matter maximize mean "
    "measure meet mirror misjudge mislead misread miss misuse mitigate mobilize moderate modify "
    "monitor motivate move multiply narrow navigate need neglect negotiate nudge obey obscure "
    "observe obtain occupy occur offer offset omit operate oppose opt optimize organize outlast "
    "outlive outpace outperform outweigh overcome overestimate overload overlook override oversee "
    "overshadow overstate overtake overwhelm owe pass pay penalize perform permeate permit "
    "persist persuade play polarize pose possess precede preclude predict prefer preserve "
    "presuppose prevent price prioritize privilege proceed produce profit prohibit prolong "
    "promise promote prompt propagate propose protect prove provide publish punish pursue push "
    "put qualify quantify race raise rank rate reach read receive reconcile recover recruit "
    "redefine redirect redistribute reduce refine reflect reframe refuse regain regulate "
    "reinforce reinvent reject relax relieve rely remain remind remove render repeat replace "
    "replicate represent reproduce require rescue resemble reshape resist resolve rest restore "
    "restrict restructure result retain rethink retrain reveal reverse revise revive reward rise "
    "risk rule run sabotage sacrifice satisfy save scale score search secure see seek seem select "
    "sell separate set settle shape shift shorten show shrink signal simulate sit skew slow solve "
    "speak specify spend spread stabilize stall stand start stay steer stem stimulate stop "
    "strengthen stretch strip struggle subsidize substitute subvert succeed suffer suggest suit "
    "summarize supersede supervise support suppress surface surpass survive suspend sustain sway "
    "tackle take talk tame tell tend think threaten tighten tilt tolerate track trade train "
    "transcend transfer transform trap treat trigger try turn undercount undercut underestimate "
    "undergo undermine underpin understand understate undo unify unlock unravel uphold urge use "
    "utilize validate vary verify violate vote wait want warn watch weaken weigh widen win "
    "withdraw withstand work worsen write yield"
)
# Irregular past tenses. A past-only form ("rose", "took") cannot head a participle phrase, so
# it counts before a preposition or at the end too; a form shared with the participle ("found",
# "built") counts only with an object, like a regular -ed verb ("methods tested in ...", "tools
# built by the community" are labels). Nouns that look like past forms (wound, ground, fed,
# bore, lay, lit, shed, bid) are left out.
_PAST_ONLY = _words(
    "arose ate awoke became began bit blew broke came chose did drank drew drove fell flew "
    "forbade foresaw forgave forgot froze gave grew knew mistook outgrew overcame overran "
    "oversaw overthrew overtook rang ran redrew reran rewrote rode rose sang sank saw shook "
    "showed shrank slew spoke sprang stole strove swam swore threw took tore undertook underwent "
    "undid went withdrew woke wore wove wrote"
)
_PAST_PARTICIPLE = _words(
    "bent bled bought bound bred brought built burnt caught clung crept dealt dug fled felt "
    "fought found flung got had heard held hid hung kept knelt laid led leapt learnt left lent "
    "lost made meant met misled paid rebuilt said sat sought sold sent shone shot slept slid "
    "spent spun stood stuck stung struck swept swung taught thought told understood wept "
    "withheld withstood won"
)
_SAME_PAST = _words("bet burst cast cost cut hit hurt let put quit set shut split spread thrust")
"""Past tenses spelled like their base: finite after a singular subject only as a past."""
_INTRANSITIVE = _words(
    "partner "
    "accelerate accumulate agree appear arrive backfire climb cluster collapse compete "
    "concentrate continue contract converge cooperate decline decrease deepen depend deteriorate "
    "die differ diminish disagree disappear diverge double drop dwindle emerge end erode "
    "escalate evolve exist expand fail fluctuate fragment halve happen harden improve increase "
    "intensify jump lag last loosen matter migrate move multiply narrow occur participate peak "
    "persist plateau plunge polarize proliferate quadruple react rebound recover rely remain "
    "respond rise shift slip slow soar soften spike stabilize stagnate stall start strengthen "
    "succeed surge survive tighten triple tumble vanish vary weaken widen work worsen"
)
"""Verbs whose regular past is finite before a preposition or at the end ("enrollment doubled
between 2010 and 2020", "trust declined"): they are rarely passive participles."""
_NOT_ED_VERB = _words(
    "based related compared associated derived focused centered need speed seed feed deed heed "
    "weed reed bleed breed greed creed steed tweed indeed embed shred hundred sacred naked aged "
    "wicked kindred rugged ragged wretched beloved"
)
_FRACTIONS = _words("half third quarter fifth tenth fraction factor margin")


def _base_of_s(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return word[:-2]
    return word[:-1]


def _is_verb_base(word: str) -> bool:
    """In the lexicon (British -ise spelling too), or an -ize/-ify coinage ("tokenize")."""
    if word in _VERBS:  # "raise", "advise": not British spellings of "raze", "advize"
        return True
    if word.endswith(("ise", "yse")):
        word = word[:-2] + "ze"
    return word in _VERBS or (len(word) > 5 and word.endswith(("ize", "ify")))


def _is_s_form(word: str | None) -> bool:
    return (
        word is not None
        and len(word) >= 4
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is", "ics"))
        and word not in _NOT_S_VERB
    )


def _ed_bases(word: str) -> tuple[str, ...]:
    """The base verbs a regular past form may come from: doubled, dropped, varied, used."""
    stem = word[:-2]
    bases = [stem, word[:-1]]
    if len(stem) > 2 and stem[-1] == stem[-2]:
        bases.append(stem[:-1])  # dropped -> drop
    if stem.endswith("i"):
        bases.append(stem[:-1] + "y")  # varied -> vary
    return tuple(bases)


def _is_past(word: str) -> bool:
    return (
        word in _PAST_ONLY
        or word in _PAST_PARTICIPLE
        or word in _SAME_PAST
        or (len(word) >= 4 and word.endswith("ed") and word not in _NOT_ED_VERB)
    )


def _intransitive_past(word: str) -> bool:
    """A past that needs no object: a past-only form, or the -ed form of an intransitive verb."""
    return word in _PAST_ONLY or (
        word.endswith("ed")
        and word not in _NOT_ED_VERB
        and any(b in _INTRANSITIVE for b in _ed_bases(word))
    )


def _is_year(word: str | None) -> bool:
    return word is not None and len(word) == 4 and word.isdigit() and word[:2] in ("19", "20")


def _title_case(tokens: list[str]) -> bool:
    long = [t for t in tokens[1:] if len(t) >= 4 and t[0].isalpha()]
    return len(long) >= 2 and sum(t[0].isupper() for t in long) >= 0.75 * len(long)


def _reads_as_verb(low: list[str], i: int, strict: bool) -> bool:
    """Whether word `i` of the lower-cased title reads as a finite verb (see section comment)."""
    w = low[i]
    nxt = low[i + 1] if i + 1 < len(low) else None
    j = i - 1  # the word before, skipping adverbs ("ideas naturally converge")
    while j >= 0 and (low[j] in _ADV or (low[j].endswith("ly") and not _is_verb_base(low[j]))):
        j -= 1
    prev = low[j] if j >= 0 else None
    object_follows = nxt is not None and nxt not in _NOUN_NEXT
    strong = nxt in _STRONG_NEXT  # "lowers the barrier", "shows that ..."
    before_prev = low[j - 1] if j >= 1 else None
    versioned = (  # "Lean 4 correctly decomposes the arcs", "GPT 4 passed the exam"
        prev is not None
        and prev.isdigit()
        and before_prev is not None
        and before_prev[0].isalpha()
        and before_prev not in _DET | _PREP | _FUNCTION
    )
    after_noun = (
        prev is not None
        and prev not in _DET | _PREP
        and (not prev.isdigit() or ((_is_year(prev) or versioned) and strong))
    )  # "December 2025 marked a shift"
    pronoun_subject = j == 0 and prev in _OPENING_PRONOUNS  # "This inverts the dynamic"
    if w in _AUX:
        return w not in _MODALS or object_follows  # "free will" is not a modal
    if strict and not strong:
        return False
    if _is_s_form(w) and pronoun_subject and (strong or _is_verb_base(_base_of_s(w))):
        return nxt is not None and nxt not in _NOUN_NEXT
    if prev in _SUBJECTS and _is_past(w) and w not in _NOT_ED_VERB:
        return True  # "they responded by lobbying", "we found that"
    if _is_s_form(w):  # "the trap means ...", "sycophancy increases with size"
        base = _base_of_s(w)
        adverb_next = nxt is not None and nxt.endswith("ly") and not _is_verb_base(nxt)
        ends_np_sentence = nxt is None and low[0] in _DET  # "the problem persists"
        noun_next = nxt == "for" and base not in _FOR_VERBS  # "results for", not "calls for"
        passive_next = (nxt or "").endswith("ed") and low[i + 2 : i + 3] == ["by"]
        return (
            after_noun
            and not passive_next
            and (
                strong
                or adverb_next
                or (_is_verb_base(base) and not noun_next and (object_follows or ends_np_sentence))
            )
        )
    plural_before = _is_s_form(prev) or (object_follows and any(map(_is_s_form, low[:j])))
    if _is_verb_base(w):  # a base verb after its plural subject: "models learn", "we know"
        if prev in _SUBJECTS or (after_noun and plural_before) or prev in _PLURAL_PRONOUNS:
            return True
        if w not in _SAME_PAST:
            return False
    elif (
        _is_s_form(prev) and after_noun and nxt in _ARTICLES and w.isalpha() and w not in _FUNCTION
    ):
        return True  # an unknown base verb between a plural subject and its object
    if not _is_past(w) or not after_noun or prev in _AUX:
        return False
    if w in _SAME_PAST:  # "the board set a deadline", "X set 2027 target", not "budget cut details"
        return object_follows and (strong or low[0] in _DET or nxt[0].isdigit())
    if object_follows and (nxt not in _PASSIVE_NEXT or low[0] in _DET):
        return True  # "agents crossed a threshold", not "methods tested in ..." nor "caveats noted"
    if _intransitive_past(w):  # "unemployment rose among ...", "trust declined"
        amount = low[i + 2 : i + 4]  # "fell by 14 percent", "by a third": no agent
        agent_next = nxt == "by" and not (
            (amount and amount[0][0].isdigit()) or any(a in _FRACTIONS for a in amount)
        )
        return nxt not in _NOUN_NEXT and not agent_next
    return False


def proposition_problem(title: str) -> str | None:
    """Why `title` does not complete "This note argues that ..." as a sentence, or None."""
    text = normalize_for_match(title)
    if text.endswith("?"):
        return "is a question; state the answer the source argues for as a sentence"
    if text.endswith(":"):
        return "is a heading (it ends with ':'); state what the source argues as a sentence"
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)  # asides carry no proposition
    head, colon, tail = text.partition(":")
    if colon and len(head.split()) <= 4 and tail.strip():
        text = tail  # "Label: rest" -- only the rest can carry the proposition
    tokens = re.findall(r"[^\W_][\w'-]*", text)
    if len(tokens) < 4:
        return (
            f"is a label, not an arguable sentence: {len(tokens)} word(s), a claim title "
            "needs at least 4 and a verb"
        )
    low = [t.lower() for t in tokens]
    strict = _title_case(tokens)
    verbs = [i for i in range(len(low)) if _reads_as_verb(low, i, strict)]
    if low[0] in _AUX and low[0] not in _STATEMENT_AUX:
        return "reads as a question (it starts with an auxiliary); state the answer as a sentence"
    if low[0] in _WH and not any(low[v] in _COPULAS | _CLAUSE_SUBJECT_AUX for v in verbs[1:]):
        # Only a pseudo-cleft ("What matters is X") or a clause as subject ("Whether X holds
        # has not been tested") is a statement: a copula or "has" after another verb.
        return "reads as a question or a heading (it starts with a question word)"
    if low[0] in _WH_CLAUSE and len(verbs) < 2:
        return "is a subordinate clause, not a sentence (it needs a main clause)"
    if not verbs:
        return (
            "has no finite verb, so it reads as a label; write it so that 'This note argues "
            "that ...' completes into a sentence"
        )
    return None
