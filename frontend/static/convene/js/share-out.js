/**
 * The plenary share-out: every School Leadership Team's and breakout room's Top 5 Action Items.
 */
import { $, announce, clock, h, inlineError } from './dom.js';

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** "2 rooms and 3 teams": what the share-out shows, for announcements. */
function describeLists(rooms, teams) {
  const parts = [rooms ? plural(rooms, 'room', 'rooms') : '', teams ? plural(teams, 'team', 'teams') : ''];
  return parts.filter(Boolean).join(' and ');
}

/**
 * Rooms to show: the share-out JSON's (the database, fresher) plus any room only the
 * `breakout.summary` message knows about (say, a closed room with no items yet).
 */
export function mergeRooms(fetched, summaries) {
  const rooms = (fetched || []).map((r) => ({ key: r.room_key, name: r.name, detail: r.detail || '', items: r.items }));
  const known = new Set(rooms.map((r) => r.key));
  for (const room of summaries || []) {
    if (!known.has(room.key)) rooms.push({ key: room.key, name: room.name, detail: '', items: room.items || [] });
  }
  return rooms;
}

const ranked = (items) => [...items].sort((a, b) => a.rank - b.rank);

function itemList(items, empty) {
  return items.length
    ? h('ol', { class: 'share-items' }, ...ranked(items).map((item) => h('li', {}, item.text)))
    : h('p', { class: 'meta' }, empty);
}

function roomCard(room) {
  return h('section', { class: 'share-room', dataset: { roomKey: room.key }, 'aria-labelledby': `share-${room.key}` },
    h('h4', { id: `share-${room.key}` }, room.name),
    room.detail ? h('p', { class: 'meta share-detail' }, room.detail) : null,
    itemList(room.items, 'No action items recorded.'));
}

function teamCard(team, yours) {
  const id = `share-team-${team.team_id}`;
  return h('section', { class: `share-team${yours ? ' yours' : ''}`, dataset: { teamId: team.team_id }, 'aria-labelledby': id },
    h('h4', { id }, team.name, yours ? h('span', { class: 'badge' }, 'Your team') : null),
    team.detail && !team.name.includes(team.detail) ? h('p', { class: 'meta share-detail' }, team.detail) : null,
    itemList(team.items, 'No action items yet.'));
}

function group(id, title, cards, extra = null) {
  return h('section', { class: 'share-group', 'aria-labelledby': id },
    h('h3', { id }, title), h('div', { class: 'share-list' }, ...cards), extra);
}

/**
 * The share-out leads with results: rooms' then teams' lists that have items; lists still
 * empty fold into one line after them ("12 teams are still writing"), which opens to name them.
 */
export function shareGroups(rooms, teams, yours) {
  const roomsDone = rooms.filter((r) => r.items.length);
  const roomsEmpty = rooms.filter((r) => !r.items.length);
  const teamsDone = teams.filter((t) => t.items.length);
  const teamsWriting = teams.filter((t) => !t.items.length);
  const groups = [];
  if (roomsDone.length) groups.push(group('share-rooms-title', 'Breakout rooms', roomsDone.map(roomCard)));
  if (teamsDone.length) {
    groups.push(group('share-teams-title', 'School Leadership Teams', teamsDone.map((t) => teamCard(t, t.team_id === yours))));
  }
  const pending = [];
  if (teamsWriting.length) {
    const mine = teamsWriting.some((t) => t.team_id === yours) ? ', yours among them' : '';
    pending.push(folded('share-writing', `${plural(teamsWriting.length, 'team is', 'teams are')} still writing${mine}`,
      teamsWriting.map((t) => t.name)));
  }
  if (roomsEmpty.length) {
    pending.push(folded('share-empty-rooms', `${plural(roomsEmpty.length, 'room', 'rooms')} recorded no action items`,
      roomsEmpty.map((r) => r.name)));
  }
  if (pending.length) groups.push(h('div', { class: 'share-waiting' }, ...pending));
  return groups;
}

/** One line that opens to a list of names (native details: keyboard and screen readers know it). */
function folded(id, summary, names) {
  return h('details', { class: 'share-folded', id },
    h('summary', {}, summary), h('p', { class: 'meta' }, `${names.join(', ')}.`));
}

/**
 * Every team's and room's Top 5, loaded from the share-out JSON when the connection
 * opens (so people who join or reconnect late see it too), again when rooms close
 * (`breakout.summary`) and on Refresh: team lists change on their own pages, with no
 * live message to say so. Coming back to this tab also refreshes (someone may have
 * just edited their team's list there).
 */
export function mountShareOut({ store, bus, config }) {
  const share = $('#share-out');
  const shareList = $('#share-list');
  const toggle = $('#share-hide');
  const refresh = $('#share-refresh');
  const status = $('#share-status');
  const error = $('#share-error');
  const url = config.links?.share_out_json;
  let collapsed = false;
  let seen = 0; // lists shown when last announced
  let quiet = false; // the load on connect appears without an announcement
  let loading = null;
  let again = null;
  let loadedAt = 0;

  toggle.addEventListener('click', () => {
    collapsed = !collapsed;
    shareList.hidden = collapsed;
    toggle.textContent = collapsed ? 'Show share-out' : 'Hide share-out';
    toggle.setAttribute('aria-expanded', String(!collapsed));
  });
  toggle.setAttribute('aria-expanded', 'true');
  toggle.setAttribute('aria-controls', 'share-list');

  async function fetchShareOut() {
    const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`share-out: HTTP ${response.status}`);
    return response.json();
  }

  /** Load the share-out; concurrent calls share one request and queue at most one more. */
  function load({ silent = false, told = false } = {}) {
    if (!url) return Promise.resolve();
    if (loading) {
      again = { silent: silent && (again?.silent ?? true), told: told || !!again?.told };
      return loading;
    }
    if (told) { refresh.setAttribute('aria-busy', 'true'); status.textContent = 'Refreshing the share-out…'; }
    loading = fetchShareOut().then((data) => {
      loadedAt = Date.now();
      quiet = silent;
      store.set({ shareOut: { teams: data.teams || [], rooms: data.rooms || [] } });
      quiet = false;
      inlineError(error, '');
      if (told) status.textContent = `Share-out updated at ${clock(new Date())}.`;
    }, () => {
      if (told) {
        status.textContent = '';
        inlineError(error, "The share-out couldn't be refreshed. Check your connection and try again.", 0);
      }
    }).finally(() => {
      refresh.removeAttribute('aria-busy');
      loading = null;
      if (again) { const next = again; again = null; load(next); }
    });
    return loading;
  }

  refresh.addEventListener('click', () => load({ told: true }));
  bus.on('msg:welcome', () => load({ silent: true })); // every (re)connect
  bus.on('msg:breakout.summary', () => load());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && store.state.view === 'plenary' && Date.now() - loadedAt > 10_000) load();
  });

  store.watch(['summaries', 'shareOut', 'view'], (s) => {
    const rooms = mergeRooms(s.shareOut?.rooms, s.summaries);
    const teams = s.shareOut?.teams || [];
    const writing = teams.filter((t) => t.items.length);
    const shown = rooms.length + writing.length;
    share.hidden = !shown || s.view !== 'plenary';
    if (!shown) return;
    if (shown !== seen && s.view === 'plenary') {
      if (!quiet) announce(`Share-out: the Top 5 action items of ${describeLists(rooms.length, writing.length)} are shown.`);
      seen = shown;
    }
    // A folded line someone opened stays open when the lists refresh.
    const open = new Set([...shareList.querySelectorAll('details[open]')].map((d) => d.id));
    shareList.replaceChildren(...shareGroups(rooms, teams, config.team_id));
    for (const id of open) { const d = shareList.querySelector(`#${id}`); if (d) d.open = true; }
  });
}
