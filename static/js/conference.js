/**
 * The conference page: the session (the agenda and the lists of speakers: meeting.js), its
 * drafts, who is present (live: the page follows the conference's room and refreshes when
 * someone arrives or leaves, a draft is added or changes mode), and for the chair: invite
 * participants, set the rules, import a draft.
 */
import { api, connect } from './net.js';
import { $, announce, fill, h, toast } from './dom.js';
import { initMeeting } from './meeting.js';

const body = document.body;
const conferenceId = Number(body.dataset.conferenceId);
const chair = body.dataset.meRole === 'chair';
const REFRESH_MS = 30000; // a safety net: changes arrive live over the socket

const MAJORITIES = {
  simple: 'Simple majority',
  two_thirds: 'Two-thirds',
  absolute: 'Absolute majority',
  consensus: 'Consensus',
};

function renderDrafts(drafts) {
  const list = $('#drafts');
  if (!drafts.length) return fill(list, h('li', { class: 'muted' }, 'No drafts yet.'));
  fill(
    list,
    drafts.map((d) =>
      h(
        'li',
        { dataset: { draft: d.id } },
        h('a', { href: `/draft/${d.id}`, dir: 'auto' }, d.title),
        ' ',
        h('span', { class: `mode-badge mode-${d.status}` }, d.status),
      ),
    ),
  );
}

function renderRoster(people) {
  const present = people.filter((p) => p.present).length;
  $('#present-count').textContent = `${present} of ${people.length} present`;
  fill(
    $('#roster'),
    people.map((p) =>
      h(
        'li',
        { dataset: { participant: p.id } },
        h('span', {
          class: `presence ${p.present ? 'on' : 'off'}`,
          role: 'img',
          'aria-label': p.present ? 'present' : 'absent',
        }),
        ' ',
        h('span', { dir: 'auto' }, p.delegation ? `${p.name} · ${p.delegation}` : p.name),
        ' ',
        h('span', { class: 'muted' }, `(${p.role})`),
        chair && p.id !== Number(body.dataset.meId)
          ? h(
              'button',
              {
                type: 'button',
                class: 'small-button',
                'aria-label': `New invite link for ${p.name} (the old one stops working)`,
                onclick: () => newLink(p),
              },
              'New link',
            )
          : null,
      ),
    ),
  );
}

function showInvite(p) {
  $('#invite-name').textContent = p.delegation ? `${p.name} (${p.delegation})` : p.name;
  $('#invite-link').value = p.link;
  $('#invite').hidden = false;
  $('#invite-link').focus();
  $('#invite-link').select();
}

async function newLink(p) {
  try {
    const fresh = await api('POST', `/api/participants/${p.id}/link`, {});
    showInvite(fresh);
    announce(`New invite link for ${p.name}; the old one no longer works.`);
  } catch (err) {
    toast(err.message, { error: true });
  }
}

function renderRules(conf) {
  const preset = $(`#rules-form select[name=rules] option[value="${conf.rules}"]`);
  if (preset) $('#conf-preset').textContent = preset.textContent;
  $('#conf-majority').textContent = MAJORITIES[conf.majority] || conf.majority;
  $('#conf-quorum').textContent =
    conf.quorum === null || conf.quorum === undefined ? 'a majority of the members' : conf.quorum ? String(conf.quorum) : 'none';
}

let timer = 0;
let drafts = [];
async function refresh() {
  window.clearTimeout(timer);
  try {
    const conf = await api('GET', `/api/conferences/${conferenceId}`);
    drafts = conf.drafts || [];
    renderDrafts(drafts);
    meeting.render(); // the chair's "add to the agenda" offers the drafts
    meeting.polls.check(drafts); // a vote open in a draft: its room is not this page's
    renderRoster(conf.participants || []);
    renderRules(conf);
  } catch {
    /* offline or signed out: keep what is shown, try again */
  }
  if (!document.hidden) timer = window.setTimeout(refresh, REFRESH_MS);
}
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) refresh();
});

// Live: follow the conference's room; every change there is a cue to refresh the lists.
const socket = connect();
const me = { id: Number(body.dataset.meId), role: body.dataset.meRole };
const meeting = initMeeting(socket, {
  conferenceId,
  me,
  roots: { agenda: $('#agenda'), panel: $('#floor-lists') },
  drafts: () => drafts,
});
// the session moved on: a vote may be open in the draft now under debate
meeting.floor.subscribe((change) => {
  if (change.what === 'agenda' && change.event !== 'answer') meeting.polls.check(drafts);
});
refresh();
let soon = 0;
function refreshSoon() {
  window.clearTimeout(soon);
  soon = window.setTimeout(refresh, 150);
}
socket.on('connect', () => {
  socket.emit('conference:follow', { conference_id: conferenceId }, () => refreshSoon());
});
for (const event of [
  'participant:present',
  'participant:added',
  'conference:updated',
  'draft:created',
  'draft:mode',
]) {
  socket.on(event, refreshSoon);
}

async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard API outside secure contexts: select it for Ctrl+C.
    input.focus();
    input.select();
    toast('Selected: press Ctrl+C (or ⌘C) to copy.');
    return;
  }
  toast('Link copied.');
}

if (chair) {
  const addForm = $('#add-participant');
  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(addForm));
    const button = addForm.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const p = await api('POST', `/api/conferences/${conferenceId}/participants`, data);
      addForm.reset();
      showInvite(p);
      announce(`${p.name} added. Their invite link is shown below.`);
      refresh();
    } catch (err) {
      toast(err.message, { error: true });
    } finally {
      button.disabled = false;
    }
  });
  $('#invite-copy').addEventListener('click', () => copy($('#invite-link').value, $('#invite-link')));

  const rulesForm = $('#rules-form');
  // choosing a set of rules proposes its majority and quorum; the chair may still change them
  rulesForm.elements.rules.addEventListener('change', () => {
    const chosen = rulesForm.elements.rules.selectedOptions[0];
    rulesForm.elements.majority.value = chosen.dataset.majority;
    rulesForm.elements.quorum.value = chosen.dataset.quorum;
  });
  rulesForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    // empty: the default, a majority of the members (rule 67/108); a number of members; 0: none
    const given = rulesForm.elements.quorum.value.trim();
    const quorum = given === '' ? 'majority' : Number(given);
    try {
      const conf = await api('PATCH', `/api/conferences/${conferenceId}`, {
        rules: rulesForm.elements.rules.value,
        majority: rulesForm.elements.majority.value,
        quorum,
      });
      renderRules(conf);
      toast('Rules saved.');
    } catch (err) {
      toast(err.message, { error: true });
    }
  });

  const importForm = $('#import-form');
  importForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const title = importForm.elements.title.value.trim();
    const file = importForm.elements.file.files[0];
    let text = importForm.elements.text.value;
    const button = importForm.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      let draft;
      if (file && /\.(docx|odt)$/i.test(file.name)) {
        // Binary: only a multipart upload carries it.
        const form = new FormData();
        form.append('file', file);
        if (title) form.append('title', title);
        draft = await api('POST', `/api/conferences/${conferenceId}/drafts`, form);
      } else {
        let format = 'md';
        if (file) {
          text = await file.text();
          format = /\.txt$/i.test(file.name) ? 'txt' : 'md';
        }
        if (!text.trim()) throw new Error('Paste the text of the draft, or choose a file.');
        draft = await api('POST', `/api/conferences/${conferenceId}/drafts`, {
          text,
          format,
          ...(title ? { title } : {}),
        });
      }
      toast(`Imported “${draft.title}”.`);
      importForm.reset();
      await refresh();
      const link = document.querySelector(`#drafts [data-draft="${draft.id}"] a`);
      if (link) link.focus();
    } catch (err) {
      toast(err.message, { error: true });
    } finally {
      button.disabled = false;
    }
  });
}
