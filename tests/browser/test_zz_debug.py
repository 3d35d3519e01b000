import pytest
from tests.browser.test_media import media_browser, media_page  # noqa: F401 fixtures

pytestmark = pytest.mark.browser

def test_debug(media_page, site):
    a, b = media_page("leader60"), media_page("leader61")
    a.wait_for_timeout(8000)
    for p in (a, b):
        print(p.evaluate("""() => ({state: convene.store.state.mediaState, remote: [...convene.store.state.remoteStreams.entries()].map(([k, v]) => [k, Object.keys(v)]),
          notice: document.querySelector('#media-notice')?.textContent, hidden: document.querySelector('#media-notice')?.hidden,
          speaking: [...(convene.store.state.speaking || [])], people: [...convene.store.state.people.values()].map(p => [p.participant_id, p.camera, p.mic, p.space]),
          stream: !!convene.store.state.stream, tracks: convene.store.state.stream?.getTracks().map(t => t.kind + ':' + t.readyState)})"""))
