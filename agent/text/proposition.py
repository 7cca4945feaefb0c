"""Does a claim title read as an arguable proposition ("This note argues that <title>")?

No POS tagger (keep imports light): a title passes when it has a finite verb, found by word
lists (auxiliaries, modals, copulas; a lexicon of verbs common in argument) and by position (an
-s/-ed word after a noun phrase and before its object; a base verb after a plural subject).
Nouns that look like verbs ("Key Results", "Workflow Shifts") are told apart by what surrounds
them: a determiner or preposition before, "of"/"and" or nothing after. Title Case headings
("Key Tweets by Theme") only count a verb followed by a determiner or a complementizer.
Known misses: an intransitive past tense before a preposition ("commitments collapsed after the
shock") unless the subject starts with a determiner; a noun phrase with a relative clause
("Agents that write their own tools") passes. Measured on the corpus: see tests/test_validate.py.
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
_NOT_S_VERB = _words(
    "its this thus was has does is as us always perhaps sometimes towards whereas various news "
    "series species analysis basis less unless across"
)
_VERBS = _words(
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
    "monitor motivate move multiply narrow need neglect negotiate nudge obey obscure observe "
    "obtain occupy occur offer offset omit operate oppose opt optimize organize outlast outlive "
    "outpace outperform outweigh overcome overestimate overload overlook override oversee "
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
_IRREGULAR_PAST = _words(
    "became began brought built came did drew drove fell felt found gave got grew had held kept "
    "knew led left lost made meant met paid ran rose said saw sent shrank spent stood struck took "
    "taught thought told understood went won wrote broke beat chose"
)
_PARTICIPLE_ONLY = _words("based related compared associated derived focused centered need speed")


def _base_of_s(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return word[:-2]
    return word[:-1]


def _is_verb_base(word: str) -> bool:
    """In the lexicon (British -ise spelling too), or an -ize/-ify coinage ("tokenize")."""
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
    after_noun = prev is not None and prev not in _DET | _PREP and not prev.isdigit()
    object_follows = nxt is not None and nxt not in _NOUN_NEXT
    strong = nxt in _STRONG_NEXT  # "lowers the barrier", "shows that ..."
    if w in _AUX:
        return w not in _MODALS or object_follows  # "free will" is not a modal
    if strict and not strong:
        return False
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
        return prev in _SUBJECTS or (after_noun and plural_before)
    if _is_s_form(prev) and after_noun and nxt in _ARTICLES and w.isalpha() and w not in _FUNCTION:
        return True  # an unknown base verb between a plural subject and its object
    if w in _IRREGULAR_PAST or (len(w) > 4 and w.endswith("ed") and w not in _PARTICIPLE_ONLY):
        # "agents crossed a threshold", not "methods tested in ..." nor "caveats noted"
        return (
            after_noun
            and prev not in _AUX
            and object_follows
            and (nxt not in _PASSIVE_NEXT or low[0] in _DET)
        )
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
    if low[0] in _WH and not any(low[v] in _COPULAS for v in verbs[1:]):
        # Only a pseudo-cleft ("What matters is X") is a statement: a copula after another verb.
        return "reads as a question or a heading (it starts with a question word)"
    if low[0] in _WH_CLAUSE and len(verbs) < 2:
        return "is a subordinate clause, not a sentence (it needs a main clause)"
    if not verbs:
        return (
            "has no finite verb, so it reads as a label; write it so that 'This note argues "
            "that ...' completes into a sentence"
        )
    return None
