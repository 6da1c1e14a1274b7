# The web app in English. Every key here is in fr.ftl too, and used by the pages (a test checks).

app-name = CLA workforce
skip-to-content = Skip to content
nav-label = Mission
nav-overview = Overview
nav-board = Base board
nav-missions = Missions
signed-in-as = Signed in as { $name }
language-switch = Français
sign-out = Sign out
footer-text = CLA workforce — need-to-know applies to everything on these pages.
count-withheld = withheld

# Time travel
travel-as-of = As of
travel-known-at = As known at (UTC)
travel-apply = Show
travel-today = Back to today
travel-known-at-banner = Showing only what had been recorded by { $at }.
travel-as-of-invalid = Give the date as the date picker does (year-month-day).
travel-known-at-invalid = Give a date and a time of day.
travel-invalid-title = This date cannot be read

# Sign-in
sign-in-title = Sign in
sign-in-intro = Sign in with your organisation's account to see your missions' staffing, coverage and welfare.
sign-in-with-provider = Sign in with your organisation's account
sign-in-no-provider = Sign-in through an identity provider is not configured on this server: use a one-time sign-in link from the person who runs it.
sign-in-signed-out = You are signed out.
sign-in-failed = Sign-in did not succeed. Try again; if it fails again, ask your administrator.
sign-in-code-used = This sign-in link has been used or has expired. Ask for a new one.
missions-title = Your missions
missions-none = No mission is open to you.

# Refusals
refusal-forbidden-title = Not open to you
refusal-forbidden = This page belongs to a mission or a role outside your access, so it is not shown. If your work needs it, ask your mission's administrator to extend your access.
refusal-not-found-title = Not found
refusal-not-found = There is nothing at this address on this date.
refusal-unavailable-title = Not available just now
refusal-unavailable = The figures cannot be shown just now. Try again in a minute.
refusal-csrf-title = Form expired
refusal-csrf = This form could not be accepted: it did not come from a page of this session. Nothing was changed. Go back, reload the page and try again.
refusal-back = Back to your missions

# Overview
overview-title = { $mission } on { $date }
overview-intro = { $name }: the figures to act on across the mission's { $bases } bases. Each opens its list.
overview-coverage = Coverage
overview-below-minimum = bases below minimum
overview-empty = bases empty
overview-lone = CLAs alone at a base
overview-welfare = Welfare and risk
overview-overdue-check-ins = CLAs overdue to check in
overview-flags-critical = open flags, critical
overview-flags-high = open flags, high
overview-flags-medium = open flags, medium
overview-flags-low = open flags, low
overview-reviews-overdue = flag reviews overdue
overview-withheld-note = Risk counts are withheld where they would cover fewer than 3 CLAs, so that no count singles anyone out.
overview-staffing = Rotations and appointments
overview-rotations-overdue = rotations overdue
overview-rotations-due = rotations due within 30 days
overview-appointments-ending = appointments ending within 60 days
overview-supervision = Supervision
overview-unsupervised = CLAs with no supervisor
overview-not-visited = bases not visited within { $days } days
overview-supervision-percent = { $percent } of deployed CLAs have a supervisor.

# Base board
board-title = Base board: { $mission } on { $date }
board-field-office = Field office
board-status = Status
board-sort = Order
board-all = All
board-apply = Show
board-status-ok = at minimum
board-status-below-minimum = below minimum
board-status-empty = empty
board-status-invalid = Choose a status from the list.
board-sort-shortfall = largest shortfall first
board-sort-name = by name
board-sort-strength = weakest first
board-sort-invalid = Choose an order from the list.
board-count = { $count } bases
board-download-csv = Download as CSV
board-caption = Bases, their strength against their minimum, and their open risk flags
board-col-base = Base
board-col-field-office = Field office
board-col-status = Status
board-col-strength = Strength / minimum
board-col-deployed = Deployed
board-col-women = Women
board-col-languages-missing = Local languages not covered
board-col-rotation-due = Past maximum tour
board-col-open-flags = Open flags
board-strength = { $strength } / { $minimum }
board-flags = critical { $critical }, high { $high }, medium { $medium }, low { $low }
board-flags-none = none
board-none = No base matches these filters.

# Lists
list-title-suffix = { $mission } on { $date }
list-empty = Nobody and nothing on this list.
list-lone-title = CLAs alone at a base
list-overdue-title = CLAs overdue to check in
list-flags-title = Open risk flags by severity
list-rotations-title = Rotations overdue and due within 30 days
list-appointments-title = Appointments ending within 60 days
list-unsupervised-title = CLAs with no supervisor
list-not-visited-title = Bases not visited within the interval
list-col-cla = CLA
list-col-due = Due since
list-col-place = Where
list-col-from = From
list-col-to = To
list-col-date = Date
list-col-ends = Ends
list-col-last-visit = Last field visit
list-overdue-count = { $count } CLAs are overdue to check in.
list-names-restricted = Who they are is shown to civil affairs of the mission only.
list-flags-counts-note = Counts only. A count that would cover fewer than 3 CLAs is withheld.
list-mission-total = Whole mission
list-reviews-overdue = { $count } flag reviews are overdue.
list-visited-days-ago = { $date } ({ $days } days ago)
list-never-visited = never visited
rotation-overdue = overdue
rotation-planned = planned
severity-critical = Critical
severity-high = High
severity-medium = Medium
severity-low = Low
