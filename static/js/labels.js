/** How things are named on screen, in one place. */

/** The modes in which a draft is open (drafting/domain.py OPEN_STATUSES). */
export const OPEN_MODES = ['drafting', 'formal', 'voting'];

export const MODE_NAMES = {
  drafting: 'Drafting',
  formal: 'Formal',
  voting: 'Voting',
  adopted: 'Adopted',
  rejected: 'Rejected',
  withdrawn: 'Withdrawn',
};

/** Mode changes the server allows (drafting/domain.py MODE_CHANGES); the server decides. */
export const MODE_CHANGES = {
  drafting: ['formal', 'withdrawn'],
  formal: ['drafting', 'voting', 'withdrawn'],
  voting: ['formal', 'adopted', 'rejected'],
  adopted: [],
  rejected: ['drafting', 'formal'],
  withdrawn: ['drafting'],
};

export const MODE_ACTIONS = {
  drafting: 'Back to drafting',
  formal: 'Switch to formal',
  voting: 'Move to voting',
  adopted: 'Declare adopted',
  rejected: 'Declare rejected',
  withdrawn: 'Withdraw the draft',
};

export const RULES = {
  simple: 'Simple majority: more yes than no',
  two_thirds: 'Two-thirds of the votes cast (yes and no)',
  absolute: 'Absolute majority: more than half of all members entitled to vote',
  consensus: 'Consensus: adopted unless someone objects',
};

export const CHOICE_NAMES = { yes: 'Yes', no: 'No', abstain: 'Abstain' };

export const RULE_SHORT = {
  simple: 'simple majority',
  two_thirds: 'two-thirds',
  absolute: 'absolute majority',
  consensus: 'consensus',
};

export const KINDS = {
  recorded: 'Recorded vote: how each member voted is public',
  counted: 'Show of hands (counted): only the totals are public',
  secret: 'Secret ballot: nobody can see how you voted',
};

export const KIND_SHORT = { recorded: 'recorded', counted: 'show of hands', secret: 'secret' };

/** What a member may ask for (motion kinds), in a few words. */
export const MOTION_NAMES = {
  recorded_vote: 'a recorded vote',
  division: 'a separate vote (division)',
  secret_ballot: 'a secret ballot',
};

export const MOTION_STATUS = {
  pending: 'before the chair',
  granted: 'granted',
  refused: 'refused',
  voting: 'being voted on',
  withdrawn: 'withdrawn',
};

/**
 * What each rule set makes of a member's motion (drafting/procedure.py PRESETS): `right`
 * (granted at once), `chair` (the chair grants, refuses or puts it to the vote), `vote`
 * (always put to the vote) or `no`. The screen offers only what can be asked; the server decides.
 */
export const MOTION_RULES = {
  un_committee: { recorded_vote: 'right', division: 'chair', secret_ballot: 'no' },
  simple_assembly: { recorded_vote: 'chair', division: 'chair', secret_ballot: 'chair' },
  model_un: { recorded_vote: 'right', division: 'vote', secret_ballot: 'no' },
};

export function motionHandling(rules, kind) {
  const set = MOTION_RULES[rules];
  return set ? set[kind] : 'chair';
}

/** "1st", "2nd", "3rd", "4th" */
export function ordinal(n) {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] || 'th'}`;
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export const STATUS_NAMES = {
  pending: 'pending',
  friendly: 'friendly',
  conflicted: 'conflicted',
  voting: 'being voted on',
  lapsed: 'lapsed',
  adopted: 'adopted',
  rejected: 'rejected',
  withdrawn: 'withdrawn',
};

/** Amendments still in play (counted on the clause's badge). */
export const ACTIVE = new Set(['pending', 'friendly', 'conflicted', 'voting']);

export const CLAUSE_KINDS = {
  operative: 'Operative clause',
  preambular: 'Preambular paragraph',
  heading: 'Heading',
  item: 'List item',
  text: 'Paragraph',
};

/** How a list item is set off (drafting/domain.py ITEM_MARKERS), named for the kind menu. */
export const ITEM_MARKERS = {
  '–': 'en dash',
  '•': 'bullet',
  '-': 'hyphen',
  '—': 'em dash',
  '*': 'asterisk',
  '·': 'middle dot',
};
/** The markers a clause's kind menu offers; a list item imported with another keeps its own. */
export const OFFERED_MARKERS = ['–', '•', '-'];
/** What the server gives a list item set off by nothing (domain.DEFAULT_ITEM_MARKER). */
export const DEFAULT_MARKER = '–';

/** "an operative clause", "a list item set off by a bullet (•)": a kind, said in a sentence. */
export function kindName(kind, marker) {
  const name = articled((CLAUSE_KINDS[kind] || 'Paragraph').toLowerCase());
  if (kind !== 'item') return name;
  const m = marker || DEFAULT_MARKER;
  return ITEM_MARKERS[m] ? `${name} set off by ${articled(ITEM_MARKERS[m])} (${m})` : name;
}

function articled(noun) {
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

/** What a clause shows before its text: a list item its dash or bullet, others their number. */
export function clauseMark(c) {
  if (c.kind === 'item') return c.marker || DEFAULT_MARKER;
  return displayNumber(c);
}

export function clauseLabel(c) {
  if (!c) return 'a deleted clause';
  if (c.label) return c.label; // the server names every clause, the same way everywhere
  if (c.level > 0) return `Clause ${c.ref || c.number}`;
  if (c.kind === 'operative' && c.number) return `Operative clause ${c.number}`;
  const base = CLAUSE_KINDS[c.kind] || 'Paragraph';
  return c.seq ? `${base} ${c.seq}` : base;
}

export function displayNumber(c) {
  if (!c.number) return '';
  return c.level === 0 ? `${c.number}.` : c.number;
}

export function who(name, delegation) {
  return delegation ? `${name} (${delegation})` : name || 'someone';
}

export function amendmentWhat(a, clauseName) {
  switch (a.kind) {
    case 'delete':
      return `deletes ${clauseName}`;
    case 'insert_after':
      return `inserts a new ${(CLAUSE_KINDS[a.new_kind] || 'clause').toLowerCase()} after ${clauseName}`;
    case 'amend_amendment':
      return `amends amendment to ${clauseName}`;
    default:
      return `changes ${clauseName}`;
  }
}
