/**
 * How a poll stands, in the words of the rules (docs/procedure.md): the quorum at the
 * decision, how many members have voted, those "present and voting" (yes and no) and those
 * abstaining, and a recorded vote's roll call. Text and small nodes only; the vote sheet
 * (votesheet.js), the banner (vote.js) and the chair's console (queue.js) show them.
 */
import { h } from './dom.js';
import { CHOICE_NAMES, plural } from './labels.js';

export const isOpen = (p) => Boolean(p) && p.state === 'open';

/** The open poll has lost its quorum: it cannot close until members are back. */
export const quorumLost = (p) => isOpen(p) && p.quorate === false;

/** "5 of 7 members present · quorum 4", or why the vote cannot close. Empty when closed. */
export function quorumText(p) {
  if (!isOpen(p) || typeof p.present !== 'number') return '';
  const present = `${p.present} of ${plural(p.entitled ?? 0, 'member')} present`;
  if (p.quorate === false) {
    return `Quorum lost: ${present}, ${p.quorum} needed. The vote cannot close until enough members are back.`;
  }
  return `${present} · ${p.quorum ? `quorum ${p.quorum}` : 'no quorum required'}`;
}

/** Objections raised to a consensus, as far as this screen knows. */
function objections(p) {
  if (p.tally && typeof p.tally.no === 'number') return p.tally.no;
  return p.cast ?? 0;
}

/** While open: who has voted. Closed: present and voting, abstaining. Suspended: that. */
export function castText(p) {
  if (!p) return '';
  if (p.state === 'suspended') return 'Suspended without a decision: nothing was decided.';
  const consensus = p.rule === 'consensus';
  if (isOpen(p)) {
    if (consensus) {
      const n = objections(p);
      return n ? `${plural(n, 'objection')} so far` : 'No objection so far';
    }
    const cast = p.cast ?? 0;
    let text = `${cast} of ${plural(p.entitled ?? 0, 'member')} ${cast === 1 ? 'has' : 'have'} voted`;
    const t = p.tally;
    if (t && typeof t.yes === 'number') {
      text += `: ${t.yes + t.no} present and voting, ${t.abstain} abstaining`;
    }
    return text;
  }
  const r = p.result;
  if (!r || consensus) return '';
  return `Present and voting: ${r.yes + r.no} · Abstaining: ${r.abstain}`;
}

/** One line of the banner or the console: "4 of 7 members have voted · 5 of 7 members present · quorum 4". */
export function standing(p) {
  return [castText(p), quorumText(p)].filter(Boolean).join(' · ');
}

/** Yes / No / Abstain totals, where they are known (a recorded vote, or a result). */
export function totalsNode(p) {
  const t = p.result || (p.tally && typeof p.tally.yes === 'number' ? p.tally : null);
  if (!t) return null;
  if (p.rule === 'consensus') {
    return h('p', { class: 'totals' }, h('span', { class: 'no' }, `Objections: ${t.no ?? 0}`));
  }
  return h(
    'p',
    { class: 'totals' },
    h('span', { class: 'yes' }, `Yes ${t.yes ?? 0}`),
    ' · ',
    h('span', { class: 'no' }, `No ${t.no ?? 0}`),
    ' · ',
    h('span', { class: 'abstain' }, `Abstain ${t.abstain ?? 0}`),
  );
}

function voteText(v) {
  const weight = v.weight && v.weight !== 1 ? ` ×${v.weight}` : '';
  return `${CHOICE_NAMES[v.choice] || v.choice}${weight} (cast by ${v.name})`;
}

/**
 * A recorded vote: the members in the order they are called (the first drawn by lot), each
 * with its vote once cast (folded unless `open`); without a roll call, the votes by member.
 */
export function votesNode(p, { open = true } = {}) {
  const votes = (p.result && p.result.votes) || (p.tally && p.tally.votes) || [];
  const byMember = new Map(votes.map((v) => [v.member_id, v]));
  const roll = Array.isArray(p.roll_call) ? p.roll_call : [];
  if (roll.length) {
    const called = new Set(roll.map((m) => m.member_id));
    return h(
      'details',
      { class: 'roll-call', open },
      h('summary', null, `Roll call: from ${roll[0].name}, drawn by lot, in alphabetical order`),
      h(
        'ol',
        { class: 'votes' },
        roll.map((m) => {
          const v = byMember.get(m.member_id);
          return h(
            'li',
            { dataset: { member: m.member_id } },
            h('span', { dir: 'auto' }, m.name),
            ': ',
            v ? voteText(v) : h('span', { class: 'muted' }, p.state === 'open' ? 'not yet voted' : 'did not vote'),
          );
        }),
        votes.filter((v) => !called.has(v.member_id)).map((v) => h('li', null, `${v.delegation}: ${voteText(v)}`)),
      ),
    );
  }
  if (!votes.length) return null;
  return h(
    'ul',
    { class: 'votes' },
    votes.map((v) => h('li', null, h('span', { dir: 'auto' }, v.delegation || v.name), ': ', voteText(v))),
  );
}
