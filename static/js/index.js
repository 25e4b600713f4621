/** The welcome page: anyone may open a conference, and chairs it. */
import { api } from './net.js';
import { $, announce, toast } from './dom.js';

const form = $('#new-conference');
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const data = Object.fromEntries(new FormData(form));
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const made = await api('POST', '/api/conferences', data);
    $('#chair-link-url').value = made.link;
    $('#chair-link-go').href = made.link;
    $('#chair-link').hidden = false;
    form.hidden = true;
    announce('Conference opened. Keep your chair link; then continue to the conference.');
    $('#chair-link-url').focus();
    $('#chair-link-url').select();
  } catch (err) {
    toast(err.message, { error: true });
  } finally {
    button.disabled = false;
  }
});

$('#chair-link-copy').addEventListener('click', async () => {
  const input = $('#chair-link-url');
  try {
    await navigator.clipboard.writeText(input.value);
    toast('Link copied.');
  } catch {
    input.focus();
    input.select();
    toast('Selected: press Ctrl+C (or ⌘C) to copy.');
  }
});
