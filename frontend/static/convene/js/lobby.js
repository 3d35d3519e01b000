/**
 * The lobby: see yourself, pick devices, hear that your microphone works, check the
 * name others will see, then join — with or without camera and microphone.
 */
import { $, h, initials } from './dom.js';
import { canChooseSpeaker, levelMeter } from './devices.js';

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
export function mountLobby({ store, media, onJoin }) {
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
  joinButton.addEventListener('click', () => {
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
      meterHandle?.stop();
      meterHandle = null;
      meterTrack = null;
      unwatch.forEach((fn) => fn());
    },
  };
}
