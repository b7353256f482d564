# The default change policy. Each rule adds a finding to `deny`, `review` or `allow`:
# any deny denies the change, else any review asks a person to review it, else it is allowed.
# A finding is {"rule": name, "message": what was found, "links": [addresses in the app]}.
# The input document is described in the README (Change control → the policy's input).
package gate

import rego.v1

# Paths are matched with string built-ins rather than glob.match, which compiles its pattern on
# every call: a change of 200 paths stays well within the evaluation's time limit.

# Paths that only hold documentation or configuration.
docs_or_config(path) if {
	some suffix in [".md", ".txt", ".adoc", ".rst", ".yaml", ".yml", ".toml", ".json"]
	endswith(path, suffix)
}

docs_or_config(path) if {
	some prefix in ["docs/", "config/"]
	startswith(path, prefix)
}

docs_or_config(path) if {
	startswith(path, "LICENSE")
	not contains(path, "/")
}

checks_pass if {
	count(input.change.checks) > 0
	every check in input.change.checks {
		check.status in {"success", "skipped"}
	}
}

allow contains {"rule": "docs_and_config", "message": "Only documentation and configuration change, and every check passed."} if {
	count(input.change.paths) > 0
	every path in input.change.paths {
		docs_or_config(path)
	}
	checks_pass
}

# Schema migrations need a person to look at them.
review contains {"rule": "schema_migration", "message": sprintf("%s changes the database schema.", [path])} if {
	some path in input.change.paths
	schema_migration(path)
}

schema_migration(path) if {
	some prefix in ["migrations/", "db/migrate/"]
	startswith(path, prefix)
}

schema_migration(path) if contains(path, "/migrations/")

schema_migration(path) if endswith(path, ".sql")

# Security-sensitive paths.
review contains {"rule": "security_sensitive", "message": sprintf("%s is security-sensitive.", [path])} if {
	some path in input.change.paths
	security_sensitive(path)
}

security_sensitive(path) if {
	some prefix in ["auth/", "security/", ".github/workflows/"]
	startswith(path, prefix)
}

security_sensitive(path) if {
	some part in ["/auth/", "/security/", "secret"]
	contains(path, part)
}

security_sensitive(path) if {
	some suffix in ["/Dockerfile", ".pem"]
	endswith(path, suffix)
}

security_sensitive(path) if path == "Dockerfile"

# A check that failed.
review contains {"rule": "failed_check", "message": sprintf("Check %s failed.", [check.name]), "links": links} if {
	some check in input.change.checks
	check.status == "failure"
	links := [url | url := check.url; url != null]
}

# No security scan ran and passed.
review contains {"rule": "missing_scan", "message": "No security scan passed for this commit."} if {
	count(input.change.paths) > 0
	not docs_only
	not scan_passed
}

scan_passed if {
	some check in input.change.checks
	contains(lower(check.name), "scan")
	check.status == "success"
}

docs_only if {
	every path in input.change.paths {
		docs_or_config(path)
	}
}

# No normal change to a service while a SEV1 or SEV2 is open on it. One finding, however many
# are open: it cites the most severe, newest one (the input lists them in that order), counts
# the others and links the first five.
deny contains {"rule": "open_incident", "message": sprintf("SEV%d incident #%d is open on %s: %s%s", [first.severity, first.id, input.service.slug, first.title, and_more(count(blocking) - 1)]), "links": incident_links(blocking)} if {
	input.change.kind == "normal"
	blocking := [incident | some incident in input.service.open_incidents; incident.severity <= 2]
	count(blocking) > 0
	first := blocking[0]
}

and_more(0) := ""

and_more(1) := " (and 1 more open incident)"

and_more(n) := sprintf(" (and %d more open incidents)", [n]) if n > 1

incident_links(incidents) := [sprintf("/incidents/%d", [incident.id]) | some incident in array.slice(incidents, 0, 5)]

# The error budget is spent.
review contains {"rule": "error_budget", "message": sprintf("%s has spent its error budget (%.1f%% left).", [input.service.slug, input.service.error_budget_left * 100])} if {
	input.service.error_budget_left != null
	input.service.error_budget_left <= 0
}

# Pipeline tests promised by postmortems and not done in time.
review contains {"rule": "overdue_pipeline_test", "message": sprintf("Pipeline test \"%s\" promised by postmortem #%d was due on %s.", [item.title, item.postmortem_id, item.due_on]), "links": [sprintf("/postmortems/%d", [item.postmortem_id])]} if {
	some item in input.service.overdue_pipeline_tests
}

# Freeze windows.
deny contains {"rule": "freeze", "message": sprintf("Changes are frozen: %s (until %s).", [window.reason, window.until])} if {
	some window in input.freezes
	window.active
}

# Guardrails learned from postmortems and problems (`input.guardrails`, added in the app). Each
# finding links the postmortem or problem that asked for it.
review contains {"rule": "guardrail", "message": sprintf("%s (guardrail #%d): %s.", [g.title, g.id, concat(", ", array.slice(touched, 0, 3))]), "links": g.links} if {
	some g in input.guardrails
	g.template == "paths_need_review"
	touched := [path | some path in input.change.paths; startswith(path, g.parameter)]
	count(touched) > 0
}

deny contains {"rule": "guardrail", "message": sprintf("%s (guardrail #%d), and it has not passed for this commit.", [g.title, g.id]), "links": g.links} if {
	some g in input.guardrails
	g.template == "check_must_pass"
	not check_passed(g.parameter)
}

check_passed(name) if {
	some check in input.change.checks
	lower(check.name) == lower(name)
	check.status == "success"
}

deny contains {"rule": "guardrail", "message": sprintf("%s (guardrail #%d): SEV%d incident #%d is open%s.", [g.title, g.id, first.severity, first.id, and_more(count(blocking) - 1)]), "links": array.concat(g.links, incident_links(blocking))} if {
	input.change.kind == "normal"
	some g in input.guardrails
	g.template == "no_deploys_during_incident"
	blocking := [incident | some incident in input.service.open_incidents; incident.severity <= to_number(g.parameter)]
	count(blocking) > 0
	first := blocking[0]
}

# The policy's own tests: `test_*` rules run before a version can be activated.
test_docs_change_with_passing_checks_is_allowed if {
	count(allow) == 1 with input as {"change": {"kind": "normal", "paths": ["docs/runbook.md"], "checks": [{"name": "lint", "status": "success"}]}, "service": {"slug": "s", "open_incidents": [], "overdue_pipeline_tests": [], "error_budget_left": null}, "freezes": []}
}

test_open_sev1_denies_a_normal_change if {
	count(deny) == 1 with input as {"change": {"kind": "normal", "paths": ["src/a.rs"], "checks": []}, "service": {"slug": "s", "open_incidents": [{"id": 1, "severity": 1, "title": "Down"}], "overdue_pipeline_tests": [], "error_budget_left": null}, "freezes": []}
}

test_a_guardrail_asks_for_review_of_its_paths if {
	count(review) == 1 with input as {"change": {"kind": "normal", "paths": ["db/schema.rb", "docs/a.md"], "checks": [{"name": "security scan", "status": "success"}]}, "service": {"slug": "s", "open_incidents": [], "overdue_pipeline_tests": [], "error_budget_left": null}, "freezes": [], "guardrails": [{"id": 3, "template": "paths_need_review", "parameter": "db/", "title": "Changes to db/ on s need review", "links": ["/postmortems/41"]}]}
}

test_a_guardrail_check_must_pass if {
	count(deny) == 1 with input as {"change": {"kind": "normal", "paths": ["src/a.rs"], "checks": [{"name": "security scan", "status": "success"}]}, "service": {"slug": "s", "open_incidents": [], "overdue_pipeline_tests": [], "error_budget_left": null}, "freezes": [], "guardrails": [{"id": 4, "template": "check_must_pass", "parameter": "contract-tests", "title": "Check contract-tests must pass for s", "links": []}]}
}
