#!/usr/bin/env bash
# The suite at any hour: run the browser and time-sensitive tests (or the tests named in
# ANY_HOUR_TESTS) under Debian's faketime, whose clock starts at 22:00, 07:00 and 12:00 in the
# demo academy's time zone (America/Los_Angeles) and six minutes before midnight UTC, so that
# run crosses it. Every process the tests start (daphne, Chromium) shares the faked clock.
#   make test-any-hour            (or: ANY_HOUR_TESTS="tests/platform/convenings/agenda" make test-any-hour)
# Left out: tests whose threads wait with a timeout (the real SMTP server's thread in tests/platform/mail
# and in the organizer's journey, the registration race's barrier): under libfaketime 0.9.10 such timed waits never return.
# They do not read the clock; tests/platform/mail/test_due.py covers the mail's timing with a given `now`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v faketime >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "any-hour: install faketime (apt-get install faketime)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null
fi
tests=${ANY_HOUR_TESTS:-"tests/frontend tests/platform/convenings/agenda tests/platform/surveys tests/platform/reports tests/platform/convenings/foundation
  tests/platform/registration tests/platform/mail/test_due.py tests/platform/certificates tests/signaling/consumers/test_survey_prompts.py
  tests/signaling/consumers/test_doors.py tests/signaling/consumers/test_attendance.py tests/rooms/breakouts/test_attendance.py
  tests/rooms/breakouts/test_timer.py --deselect tests/platform/registration/test_race.py
  --deselect tests/frontend/test_organizer_journey.py"}
day=$(TZ=America/Los_Angeles date +%F)
at_la() { TZ=UTC date -d "TZ=\"America/Los_Angeles\" $day $1" '+%F %T'; }

run() {  # label, clock start (UTC)
  echo "== any hour: $1 (the clock starts at $2 UTC)"
  # shellcheck disable=SC2086 — the test paths are words
  TZ=UTC faketime "$2" .venv/bin/python -m pytest $tests -q -p no:cacheprovider
}
run "22:00 in Los Angeles" "$(at_la 22:00)"
run "across midnight UTC" "$(TZ=UTC date -d "$(TZ=UTC date +%F) 23:54" '+%F %T')"
run "07:00 in Los Angeles" "$(at_la 07:00)"
run "12:00 in Los Angeles" "$(at_la 12:00)"
