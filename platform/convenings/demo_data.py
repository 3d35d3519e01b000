"""The demo Statewide Leadership Academy, as plain data (after shared/domain.md)."""
from __future__ import annotations

REGIONS: dict[str, list[str]] = {
    "North Coast": ["Redwood Unified", "Humboldt County Office of Education", "Mendocino Valley USD"],
    "Central Valley": ["Fresno Unified", "Kings County Office of Education", "Merced City SD"],
    "Bay Area": ["Oakland Unified", "San Mateo County Office of Education", "Santa Clara USD"],
    "Southern Inland": ["Riverside Unified", "San Bernardino County Office of Education", "Coachella Valley USD"],
}
SCHOOL_SUFFIXES = ["Elementary", "Middle School"]
SCHOOL_STEMS = [
    "Cedar", "Harbor", "Sequoia", "Lakeview", "Orchard", "Mission", "Sierra", "Vista",
    "Willow", "Canyon", "Bayside", "Summit", "Juniper", "Meadow", "Pioneer", "Granite",
    "Coastal", "Valley Oak", "Palm", "Desert Sun", "Riverbend", "Foothill", "Golden Gate", "Redwood Grove",
]
TEAM_ROLES = ["principal", "teacher", "coach", "technician", "teacher", "support_staff"]
FIRST_NAMES = [
    "Maria", "James", "Aisha", "Daniel", "Mei", "Carlos", "Priya", "Robert", "Lucia", "Kevin",
    "Fatima", "Thomas", "Grace", "Miguel", "Hannah", "Andre", "Sofia", "Brian", "Keiko", "Luis",
    "Olivia", "Samuel", "Yasmin", "Ethan", "Rosa", "Marcus", "Elena", "Victor", "Nadia", "Henry",
]
LAST_NAMES = [
    "Garcia", "Nguyen", "Johnson", "Patel", "Kim", "Martinez", "Okafor", "Chen", "Lopez", "Walker",
    "Haddad", "Rivera", "Thompson", "Singh", "Ramirez", "Brooks", "Tanaka", "Alvarez", "Bennett", "Cruz",
    "Morales", "Foster", "Ibrahim", "Reyes", "Hughes", "Castillo", "Park", "Delgado", "Sullivan", "Ortiz",
]
TOPICS: dict[str, list[str]] = {
    "core_component": ["Professional Learning", "Parent Engagement", "Technology Access and Equity",
                       "Digital Transformation"],
    "content_area": ["Best Practices in Math", "English Language Arts", "Science Inquiry"],
    "role": ["Coaches", "Technicians", "Administrators"],
}
PRESENTERS = [
    ("Dr. Angela", "Whitfield", "district_leader", "Successes in progress: device equity in Fresno"),
    ("Marcus", "Oyelaran", "coach", "Coaching teachers through digital transformation"),
    ("Linh", "Tran", "technician", "Device inventory that stays accurate"),
    ("Rebecca", "Solano", "administrator", "Bringing parents into the digital classroom"),
]
MODERATORS = [("Jordan", "Ellis"), ("Priscilla", "Navarro"), ("Sam", "Whitaker")]
ORGANIZER = ("Olivia", "Marsh")
DEMO_PASSWORD = "convene-demo"  # noqa: S105 — the demo's published staff password (README)

# (order, title, kind, start "HH:MM", end "HH:MM", description, topic names, presenter indexes)
AGENDA = [
    (1, "Opening plenary: Successes in progress", "plenary", "08:30", "09:30",
     "Schools, districts and regions share in-progress successes with technology in teaching "
     "and in parents' involvement in school life.", [], [0, 1]),
    (2, "Breakouts by core component", "breakout", "09:45", "10:45",
     "Small-group breakouts on the academy's core components and best practices in math.",
     ["Professional Learning", "Parent Engagement", "Technology Access and Equity", "Best Practices in Math"],
     [2, 3]),
    (3, "Roundtable by role", "breakout", "11:00", "11:45",
     "Coaches, technicians and administrators meet their peers: supporting and retaining teachers, "
     "professional development, device inventory and equity.", ["Coaches", "Technicians", "Administrators"], []),
    (4, "Team planning: Top 5 Action Items", "team_planning", "12:30", "13:30",
     "Each School Leadership Team reviews and refines its implementation plan and ranks its "
     "Top 5 Action Items.", [], []),
    (5, "Closing plenary: sharing our Top 5 Action Items", "plenary", "13:45", "14:30",
     "Teams share their Top 5 Action Items with all participants; evaluation survey.", [], [0]),
]
MATERIALS = {
    1: [("Sample agenda (PDF)", "https://example.org/convene/academy/sample-agenda.pdf"),
        ("Successes in progress: slides", "https://example.org/convene/academy/successes.pdf")],
    2: [("Core components overview", "https://example.org/convene/academy/core-components.pdf")],
    4: [("Implementation plan template", "https://example.org/convene/academy/plan-template.docx")],
}
