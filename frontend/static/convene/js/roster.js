/**
 * Who is here: the participant list with counts and a filter box.
 *
 * Keeps `store.people` (a Map participant_id → roster entry) from the welcome's
 * roster and `presence.joined / changed / left`; other modules (the video grid,
 * the hand queue) read it from the store.
 */
import { $, announce, h, initials } from './dom.js';

const ROLE_RANK = { organizer: 0, moderator: 1, presenter: 2, participant: 3 };

export function mountRoster({ store, bus, config }) {
  const list = $('#people');
  const filter = $('#people-filter');
  const summary = $('#people-summary');
  const count = $('#people-count');
  const jobLabel = (code) => config.job_roles?.[code] || code?.replace(/_/g, ' ') || '';
  const roleLabel = (code) => config.roles?.[code] || code;

  function setPeople(people) {
    store.set({ people });
  }

  bus.on('msg:welcome', (msg) => setPeople(new Map(msg.roster.map((p) => [p.participant_id, p]))));
  const upsert = (msg) => {
    const people = new Map(store.state.people);
    people.set(msg.participant.participant_id, msg.participant);
    setPeople(people);
  };
  bus.on('msg:presence.joined', upsert);
  bus.on('msg:presence.changed', upsert);
  bus.on('msg:presence.left', (msg) => {
    const people = new Map(store.state.people);
    people.delete(msg.participant_id);
    setPeople(people);
  });

  function matches(person, needle) {
    if (!needle) return true;
    const hay = `${person.name} ${person.school || ''} ${jobLabel(person.job_role)} ${roleLabel(person.role)}`.toLowerCase();
    return needle.split(/\s+/).every((word) => hay.includes(word));
  }

  function statusIcon(kind, on, name) {
    const what = kind === 'cam' ? 'camera' : 'microphone';
    return h('span', { class: `status-icon icon-${kind}${on ? '' : ' off'}`, role: 'img',
      'aria-label': `${what} ${on ? 'on' : 'off'}`, title: `${name}'s ${what} is ${on ? 'on' : 'off'}` });
  }

  const roomName = (key) => store.state.breakouts?.rooms?.find((r) => r.key === key)?.name || 'a breakout room';

  function personItem(p) {
    const you = p.participant_id === store.state.you?.participant_id;
    const detail = [p.school, jobLabel(p.job_role)].filter(Boolean).join(' · ');
    return h('li', { class: `person${p.hand_raised ? ' has-hand' : ''}`, dataset: { participantId: p.participant_id } },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(p.name)),
      h('div', { class: 'person-text' },
        h('p', { class: 'person-name' }, p.name, you ? h('span', { class: 'meta' }, ' (you)') : null,
          p.role !== 'participant' ? h('span', { class: `badge role-${p.role}` }, roleLabel(p.role)) : null),
        detail ? h('p', { class: 'person-detail' }, detail) : null,
        p.space && p.space !== 'plenary' ? h('p', { class: 'person-detail' }, `In ${roomName(p.space)}`) : null),
      h('div', { class: 'person-status' },
        p.hand_raised ? h('span', { class: 'status-icon icon-hand raised', role: 'img', 'aria-label': 'hand raised', title: 'Hand raised' }) : null,
        statusIcon('mic', p.mic, p.name),
        statusIcon('cam', p.camera, p.name)));
  }

  function render() {
    const people = [...(store.state.people || new Map()).values()];
    const needle = filter.value.trim().toLowerCase();
    people.sort((a, b) => (b.hand_raised - a.hand_raised) || (ROLE_RANK[a.role] ?? 9) - (ROLE_RANK[b.role] ?? 9)
      || a.name.localeCompare(b.name));
    const shown = people.filter((p) => matches(p, needle));
    list.replaceChildren(...shown.map(personItem));
    const hands = people.filter((p) => p.hand_raised).length;
    count.textContent = String(people.length);
    count.setAttribute('aria-label', `${people.length} here`);
    const handsText = hands ? ` · ${hands} ${hands === 1 ? 'hand' : 'hands'} raised` : '';
    summary.textContent = needle
      ? `Showing ${shown.length} of ${people.length}${shown.length ? '' : ': no one matches “' + filter.value.trim() + '”'}`
      : `${people.length} ${people.length === 1 ? 'person' : 'people'} here${handsText}`;
  }

  let announceTimer;
  filter.addEventListener('input', () => {
    render();
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => announce(summary.textContent), 600);
  });
  store.watch(['people', 'you', 'breakouts'], render);
}
