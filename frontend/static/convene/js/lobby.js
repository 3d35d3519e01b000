/**
 * The lobby: see yourself, pick devices, hear that your microphone works, check the
 * name others will see, then join — with or without camera and microphone.
 *
 * It also says when: the convening's and the next session's start (in the convening's
 * time zone, as the server wrote them, plus the viewer's own when that differs). Before
 * the doors open a participant waits here (the server refuses them too, close 4425):
 * Join stays disabled and comes alive by itself when the doors open, by the server's clock.
 */
import { $, announce, h, initials } from './dom.js';
import { canChooseSpeaker, levelMeter } from './devices.js';

/** "11:00 AM EST" for the viewer, when their clock reads differently from the convening's; else null. */
export function yourTime(iso, convTz, viewerTz = Intl.DateTimeFormat().resolvedOptions().timeZone) {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime()) || !viewerTz) return null;
  const read = (timeZone) => new Intl.DateTimeFormat('en-US', { weekday: 'short', hour: 'numeric', minute: '2-digit', timeZone }).format(at);
  try {
    if (read(viewerTz) === read(convTz)) return null;
  } catch {
    return null; // a zone this browser does not know: the convening's time stands alone
  }
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZoneName: 'short', timeZone: viewerTz }).format(at);
}

/** Add "(… your time)" after each time the server wrote in the convening's zone. */
function addYourTimes(schedule) {
  for (const el of document.querySelectorAll('#lobby-times time, #lobby-wait time')) {
    const yours = yourTime(el.getAttribute('datetime'), schedule.time_zone);
    if (yours) el.after(h('span', { class: 'your-time' }, ` (${yours} your time)`));
  }
}

/** The waiting state: Join opens by itself at the doors' time (server clock, so a wrong device clock can't cheat or stall). */
function waitForDoors(schedule, joinButton) {
  if (!schedule?.waits) return { waiting: () => false, stop() {} };
  const skew = Date.parse(schedule.now) - Date.now();
  const doorsAt = Date.parse(schedule.doors_open_at);
  let waiting = true;
  const timer = setInterval(() => {
    if (Date.now() + skew < doorsAt) return;
    clearInterval(timer);
    waiting = false;
    joinButton.disabled = false;
    joinButton.removeAttribute('aria-describedby');
    $('#lobby-title').textContent = 'Ready to join?';
    $('#lobby-wait').textContent = `The ${schedule.kind} is open: you can join now.`;
    $('#join-hint').textContent = 'You can turn your camera and microphone on or off at any time.';
    announce(`The ${schedule.kind} is open: you can join now.`, { assertive: true });
  }, 1000);
  return { waiting: () => waiting, stop: () => clearInterval(timer) };
}

function fillSelect(select, devices, chosen, emptyText) {
  select.replaceChildren(...(devices.length
    ? devices.map((d) => h('option', { value: d.id, selected: d.id === chosen }, d.label))
    : [h('option', { value: '' }, emptyText)]));
  select.disabled = devices.length === 0;
}

function setToggle(button, on, what) {
  button.dataset.on = String(on);
  $('.visually-hidden', button).textContent = `${on ? 'Turn off' : 'Turn on'} ${what}`;
  button.title = `${on ? 'Turn off' : 'Turn on'} ${what}`;
}

/** Mount the lobby; `onJoin()` is called when the person presses Join. */
export function mountLobby({ store, media, onJoin, schedule = null }) {
  const video = $('#preview');
  const placeholder = $('#preview-placeholder');
  const previewState = $('#preview-state');
  const problems = $('#device-problems');
  const meter = $('#mic-level');
  const joinButton = $('#join-button');
  const micToggle = $('#lobby-mic');
  const camToggle = $('#lobby-cam');
  const selects = { camera: $('#camera-select'), microphone: $('#mic-select'), speaker: $('#speaker-select') };
  let meterHandle = null;
  let meterTrack = null;
  let starting = true;
  $('.avatar', placeholder).textContent = initials(store.state.you?.name);

  const unwatch = [];
  unwatch.push(store.watch(['stream', 'camOn', 'camProblem'], (s) => {
    const videoTrack = s.stream?.getVideoTracks()[0];
    if (videoTrack) {
      if (video.srcObject !== s.stream) video.srcObject = s.stream;
      video.hidden = false;
      placeholder.hidden = true;
    } else {
      video.srcObject = null;
      video.hidden = true;
      placeholder.hidden = false;
      previewState.textContent = starting ? 'Starting your camera…'
        : s.camProblem ? 'Your camera is not available' : 'Your camera is off';
    }
  }));

  unwatch.push(store.watch(['stream', 'micOn'], (s) => {
    const track = s.stream?.getAudioTracks()[0] || null;
    if (track === meterTrack) return;
    meterHandle?.stop();
    meterTrack = track;
    meterHandle = levelMeter(s.stream, (level) => {
      meter.setAttribute('aria-valuenow', String(level));
      meter.setAttribute('aria-valuetext', level < 5 ? 'silent' : level < 50 ? 'quiet' : 'good');
      meter.style.setProperty('--level', `${level}%`);
    });
  }));

  unwatch.push(store.watch(['camOn', 'micOn', 'camProblem', 'micProblem'], (s) => {
    setToggle(camToggle, s.camOn, 'camera');
    setToggle(micToggle, s.micOn, 'microphone');
    const items = [];
    for (const [key, label, what] of [['camProblem', 'Camera', 'camera'], ['micProblem', 'Microphone', 'microphone']]) {
      const problem = s[key];
      if (!problem) continue;
      items.push(h('div', { class: `problem problem-${problem.code}`, dataset: { device: what } },
        h('p', {}, h('strong', {}, `${label}: `), problem.message),
        h('button', { type: 'button', class: 'small', onclick: () => retry(what) }, `Try again`)));
    }
    problems.replaceChildren(...items);
    const noCam = !!s.camProblem;
    const noMic = !!s.micProblem;
    joinButton.textContent = noCam && noMic ? 'Join without camera and microphone'
      : noCam ? 'Join without camera' : noMic ? 'Join without microphone' : 'Join now';
  }));

  unwatch.push(store.watch(['devices', 'cameraId', 'micId', 'speakerId'], (s) => {
    fillSelect(selects.camera, s.devices.camera, s.cameraId, 'No camera available');
    fillSelect(selects.microphone, s.devices.microphone, s.micId, 'No microphone available');
    const speakers = canChooseSpeaker() ? s.devices.speaker : [];
    $('#speaker-field').hidden = speakers.length === 0;
    if (speakers.length) fillSelect(selects.speaker, speakers, s.speakerId, 'Default speaker');
  }));

  async function retry(what) {
    if (what === 'camera') await media.setCamera(true);
    else await media.setMic(true);
  }

  camToggle.addEventListener('click', () => media.setCamera(!store.state.camOn));
  micToggle.addEventListener('click', () => media.setMic(!store.state.micOn));
  selects.camera.addEventListener('change', () => media.chooseCamera(selects.camera.value));
  selects.microphone.addEventListener('change', () => media.chooseMicrophone(selects.microphone.value));
  selects.speaker.addEventListener('change', () => store.set({ speakerId: selects.speaker.value }));
  if (schedule) addYourTimes(schedule);
  const doors = waitForDoors(schedule, joinButton);
  joinButton.addEventListener('click', () => {
    if (doors.waiting()) return;
    joinButton.disabled = true;
    onJoin();
  });

  media.start().finally(() => {
    starting = false;
    store.set({ lobbyReady: true });
    // Re-render the placeholder text now that we know.
    const s = store.state;
    if (!s.stream?.getVideoTracks().length) {
      previewState.textContent = s.camProblem ? 'Your camera is not available' : 'Your camera is off';
    }
  });

  return {
    /** Leave the lobby view (the stream stays: the room uses it). */
    unmount() {
      doors.stop();
      meterHandle?.stop();
      meterHandle = null;
      meterTrack = null;
      unwatch.forEach((fn) => fn());
    },
  };
}
