//! Which service an action item belongs to when nobody chose one: its issue is filed in that
//! service's repository and the backlog counts it there.

use serde::{Deserialize, Serialize};

/// A service an item could belong to, with how many of the postmortem's incidents affect it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceChoice {
    pub id: i64,
    pub name: String,
    /// How many of the postmortem's incidents affect the service.
    pub affected: u32,
    /// Whether the item's problem names the service.
    #[serde(default)]
    pub of_problem: bool,
    /// `owner/name`, when the service names a GitHub repository.
    pub repository: Option<String>,
}

/// The most fitting choice: among the problem's services (when the item fixes a problem that
/// names any), else among every service, the one most of the incidents affect; ties go to the
/// first name. `None` when no service is affected and the problem names none.
pub fn default_service(choices: &[ServiceChoice]) -> Option<i64> {
    let of_problem = choices.iter().any(|c| c.of_problem);
    choices
        .iter()
        .filter(|c| !of_problem || c.of_problem)
        .filter(|c| of_problem || c.affected > 0)
        .min_by(|a, b| {
            b.affected
                .cmp(&a.affected)
                .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
        })
        .map(|c| c.id)
}

/// The choices as an editor lists them: the affected services first (most affected first), then
/// the others, each group by name.
pub fn in_list_order(choices: &mut [ServiceChoice]) {
    choices.sort_by(|a, b| {
        (b.of_problem, b.affected)
            .cmp(&(a.of_problem, a.affected))
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(id: i64, name: &str, affected: u32, of_problem: bool) -> ServiceChoice {
        ServiceChoice {
            id,
            name: name.into(),
            affected,
            of_problem,
            repository: None,
        }
    }

    #[test]
    fn the_most_affected_service_wins_not_the_first_by_name() {
        let choices = [
            choice(1, "Ledger", 1, false),
            choice(2, "Payments", 2, false),
            choice(3, "Auth", 0, false),
        ];
        assert_eq!(default_service(&choices), Some(2));
    }

    #[test]
    fn a_tie_goes_to_the_first_name() {
        let choices = [
            choice(1, "payments", 1, false),
            choice(2, "Ledger", 1, false),
        ];
        assert_eq!(default_service(&choices), Some(2));
    }

    #[test]
    fn the_problem_s_services_come_before_the_incidents() {
        let choices = [
            choice(1, "Ledger", 3, false),
            choice(2, "Payments", 0, true),
            choice(3, "Checkout", 1, true),
        ];
        assert_eq!(default_service(&choices), Some(3));
    }

    #[test]
    fn nothing_affected_and_no_problem_means_no_service() {
        let choices = [choice(1, "Ledger", 0, false)];
        assert_eq!(default_service(&choices), None);
    }

    #[test]
    fn the_list_puts_the_affected_first() {
        let mut choices = vec![
            choice(1, "Auth", 0, false),
            choice(2, "Ledger", 1, false),
            choice(3, "Payments", 2, false),
        ];
        in_list_order(&mut choices);
        let ids: Vec<i64> = choices.iter().map(|c| c.id).collect();
        assert_eq!(ids, [3, 2, 1]);
    }
}
