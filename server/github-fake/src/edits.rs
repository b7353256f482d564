//! Changes to issues: updates (with their timeline events and webhook changes), closes by a person, sub-issues.

use crate::state::{Change, Event, HUMAN, Happening, State, now};

/// A change to an issue; `None` leaves a field alone.
#[derive(Debug, Default)]
pub(crate) struct Patch {
    pub title: Option<String>,
    pub body: Option<Option<String>>,
    pub labels: Option<Vec<String>>,
    pub assignees: Option<Vec<String>>,
    /// `Some(true)` opens, `Some(false)` closes.
    pub open: Option<bool>,
    pub state_reason: Option<Option<String>>,
}

/// Why a sub-issue could not be added.
#[derive(Debug, PartialEq)]
pub(crate) enum SubIssueError {
    NotFound,
    Duplicate,
    HasParent,
}

impl State {
    /// Applies a change made by `actor`; returns what a webhook would report, or `None` if there is no such issue.
    pub fn update_issue(
        &mut self,
        repo_key: &str,
        number: u64,
        patch: Patch,
        actor: &str,
    ) -> Option<Vec<Change>> {
        self.repos.get(repo_key)?.issues.get(&number)?;
        let labels = patch.labels.map(|names| {
            let mut out: Vec<String> = Vec::new();
            for name in names {
                let name = self.ensure_label(repo_key, &name);
                if !out.contains(&name) {
                    out.push(name);
                }
            }
            out
        });
        for login in patch.assignees.iter().flatten() {
            self.ensure_user(login, "User");
        }
        let at = now();
        let issue = self.repos.get_mut(repo_key)?.issues.get_mut(&number)?;
        let mut changes = Vec::new();
        let mut events = Vec::new();
        let (mut old_title, mut old_body) = (None, None);
        if let Some(title) = patch.title.filter(|t| *t != issue.title) {
            events.push(Happening::Renamed {
                from: issue.title.clone(),
                to: title.clone(),
            });
            old_title = Some(std::mem::replace(&mut issue.title, title));
        }
        if let Some(body) = patch.body.filter(|b| *b != issue.body) {
            old_body = Some(std::mem::replace(&mut issue.body, body).unwrap_or_default());
        }
        if old_title.is_some() || old_body.is_some() {
            changes.push(Change::Edited {
                title: old_title,
                body: old_body,
            });
        }
        if let Some(labels) = labels {
            for name in labels.iter().filter(|n| !issue.labels.contains(n)) {
                changes.push(Change::Labeled(name.clone()));
                events.push(Happening::Labeled(name.clone()));
            }
            for name in issue.labels.iter().filter(|n| !labels.contains(n)) {
                changes.push(Change::Unlabeled(name.clone()));
                events.push(Happening::Unlabeled(name.clone()));
            }
            issue.labels = labels;
        }
        if let Some(mut logins) = patch.assignees {
            logins.dedup();
            for login in logins.iter().filter(|l| !issue.assignees.contains(l)) {
                changes.push(Change::Assigned(login.clone()));
                events.push(Happening::Assigned(login.clone()));
            }
            for login in issue.assignees.iter().filter(|l| !logins.contains(l)) {
                changes.push(Change::Unassigned(login.clone()));
                events.push(Happening::Unassigned(login.clone()));
            }
            issue.assignees = logins;
        }
        let reason = patch.state_reason.clone().flatten();
        match patch.open {
            Some(false) if issue.open => {
                issue.open = false;
                issue.closed_at = Some(at);
                issue.closed_by = Some(actor.to_owned());
                issue.state_reason = Some(reason.unwrap_or_else(|| "completed".to_owned()));
                changes.push(Change::Closed);
                events.push(Happening::Closed(issue.state_reason.clone()));
            }
            Some(true) if !issue.open => {
                issue.open = true;
                issue.closed_at = None;
                issue.closed_by = None;
                issue.state_reason = Some("reopened".to_owned());
                changes.push(Change::Reopened);
                events.push(Happening::Reopened);
            }
            _ => {
                if let Some(reason) = patch.state_reason.filter(|r| *r != issue.state_reason) {
                    issue.state_reason = reason;
                    issue.updated_at = at;
                }
            }
        }
        if !changes.is_empty() {
            issue.updated_at = at;
        }
        let events: Vec<Event> = events
            .into_iter()
            .map(|what| Event {
                id: self.next_id(),
                actor: actor.to_owned(),
                at,
                what,
            })
            .collect();
        let issue = self.repos.get_mut(repo_key)?.issues.get_mut(&number)?;
        issue.events.extend(events);
        Some(changes)
    }

    /// A person closes an issue, optionally through a newly merged pull request.
    pub fn close_by(
        &mut self,
        repo_key: &str,
        number: u64,
        reason: &str,
        merged_pr: bool,
    ) -> Option<Vec<Change>> {
        let title = self.repos.get(repo_key)?.issues.get(&number)?.title.clone();
        if merged_pr {
            let body = Some(format!("Closes #{number}"));
            let pr =
                self.create_issue(repo_key, &format!("Fix: {title}"), body, HUMAN, Some(now()))?;
            let id = self.next_id();
            let issue = self.repos.get_mut(repo_key)?.issues.get_mut(&number)?;
            let what = Happening::CrossReferenced(pr);
            issue.events.push(Event {
                id,
                actor: HUMAN.to_owned(),
                at: now(),
                what,
            });
            issue.merged_pr = true;
        }
        let patch = Patch {
            open: Some(false),
            state_reason: Some(Some(reason.to_owned())),
            ..Patch::default()
        };
        let mut changes = self.update_issue(repo_key, number, patch, HUMAN)?;
        if !changes.contains(&Change::Closed) {
            changes.push(Change::Closed);
        }
        Some(changes)
    }

    /// Makes issue `sub_id` (a global id) a sub-issue of `parent`; returns the sub-issue's number.
    pub fn add_sub_issue(
        &mut self,
        repo_key: &str,
        parent: u64,
        sub_id: u64,
        replace_parent: bool,
    ) -> Result<u64, SubIssueError> {
        let repo = self
            .repos
            .get_mut(repo_key)
            .ok_or(SubIssueError::NotFound)?;
        let child = repo
            .issues
            .values()
            .find(|i| i.id == sub_id && i.pull_request.is_none());
        let child = child.ok_or(SubIssueError::NotFound)?;
        let (number, old_parent) = (child.number, child.parent);
        if !repo.issues.contains_key(&parent) {
            return Err(SubIssueError::NotFound);
        }
        if old_parent == Some(parent) {
            return Err(SubIssueError::Duplicate);
        }
        if number == parent || (old_parent.is_some() && !replace_parent) {
            return Err(SubIssueError::HasParent);
        }
        if let Some(old) = old_parent.and_then(|p| repo.issues.get_mut(&p)) {
            old.sub_issues.retain(|n| *n != number);
        }
        if let Some(p) = repo.issues.get_mut(&parent) {
            p.sub_issues.push(number);
        }
        if let Some(c) = repo.issues.get_mut(&number) {
            c.parent = Some(parent);
        }
        Ok(number)
    }
}
