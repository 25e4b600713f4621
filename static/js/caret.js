/**
 * Carry a caret or selection across a change of text made by someone else: the offsets move
 * with the text around them. Uses the same deltas as the wire (textsync.makeDelta), walked
 * token by token; counts are UTF-16 units, as textarea selection offsets are.
 */

function tokens(delta) {
  const out = [];
  for (const token of delta.split('\t')) {
    if (!token) continue;
    const op = token[0];
    const param = token.slice(1);
    if (op === '+') out.push(['+', decodeURIComponent(param).length]);
    else out.push([op, Number(param)]);
  }
  return out;
}

/**
 * Map offsets in `before` to offsets in `after`. `stick` is 'left' (an insertion exactly at
 * the offset goes after it: the caret stays before text others insert there) or 'right'.
 */
export function mapOffsets(ts, before, after, offsets, stick = 'left') {
  if (before === after) return offsets.slice();
  let ops;
  try {
    ops = tokens(ts.makeDelta(before, after));
  } catch {
    return offsets.map((p) => Math.min(p, after.length));
  }
  return offsets.map((p) => {
    let oldPos = 0;
    let newPos = 0;
    for (const [op, n] of ops) {
      if (op === '=') {
        if (p < oldPos + n || (p === oldPos + n && stick === 'left')) return newPos + (p - oldPos);
        oldPos += n;
        newPos += n;
      } else if (op === '-') {
        if (p < oldPos + n) return newPos;
        oldPos += n;
      } else {
        if (p === oldPos && stick === 'left') return newPos;
        newPos += n;
      }
    }
    return newPos;
  });
}

/** Put new text in a textarea, keeping the user's caret/selection where their words are. */
export function replaceKeepingSelection(ts, textarea, text) {
  const before = textarea.value;
  if (before === text) return;
  if (document.activeElement !== textarea) {
    textarea.value = text;
    return;
  }
  const { selectionStart, selectionEnd, selectionDirection } = textarea;
  const collapsed = selectionStart === selectionEnd;
  const [start] = mapOffsets(ts, before, text, [selectionStart], 'left');
  const [end] = collapsed ? [start] : mapOffsets(ts, before, text, [selectionEnd], 'right');
  const scroll = textarea.scrollTop;
  textarea.value = text;
  textarea.setSelectionRange(start, Math.max(start, end), selectionDirection);
  textarea.scrollTop = scroll;
}
