//! The approval decision: whether a request for a risky command is pending,
//! approved, rejected, expired or void.
//!
//! The state of a request lives in the reactions on the command message
//! itself, so [`decide`] is a pure function of the request, the reactions with
//! their users' facts, the edit flag and the time. Calling it again after a
//! restart gives the same answer.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

/// The emoji that approves a request.
pub const APPROVE_EMOJI: &str = "white_check_mark";

/// The emoji that rejects a request.
pub const REJECT_EMOJI: &str = "x";

/// How long a request stays open unless its command says otherwise.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(3600);

/// A request for approval, as the command message and its command define it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The user who posted the command.
    pub caller: String,
    /// How many people besides the caller must approve.
    pub others: u32,
    /// When the command message was posted.
    pub posted_at: SystemTime,
    /// How long the request stays open.
    pub expires_after: Duration,
}

impl Request {
    /// Returns when the request expires.
    pub fn expires_at(&self) -> SystemTime {
        self.posted_at + self.expires_after
    }
}

/// Someone who reacted, with whether their reaction counts: they are a
/// person (not a bot) who may approve this command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voter {
    /// The user ID.
    pub user: String,
    /// Whether this person may approve or reject the command.
    pub eligible: bool,
}

/// The state of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Still waiting for approvals.
    Pending {
        /// Whether the caller has approved.
        caller_approved: bool,
        /// The eligible people besides the caller who have approved.
        approved_by: Vec<String>,
        /// How many more people besides the caller must approve.
        missing: u32,
    },
    /// The caller and enough others approved, and nobody rejected.
    Approved {
        /// The eligible people besides the caller who approved.
        approved_by: Vec<String>,
    },
    /// An eligible person rejected the request; it is cancelled for good.
    Rejected {
        /// Who rejected it.
        by: String,
    },
    /// The request's time ran out before it was decided.
    Expired,
    /// The command message was edited after the dry run was shown.
    Void,
}

/// Decides the state of `request` from the reactions on its message.
///
/// An edit voids the request, then expiry applies, then any rejection by an
/// eligible person (the caller included) cancels it. It is approved when the
/// caller and `request.others` distinct eligible people besides the caller
/// have approved. Ineligible voters (bots, people without access) never
/// count, and a person counts once however many times they appear.
pub fn decide(
    request: &Request,
    approvals: &[Voter],
    rejections: &[Voter],
    edited: bool,
    now: SystemTime,
) -> Decision {
    if edited {
        return Decision::Void;
    }
    if now > request.expires_at() {
        return Decision::Expired;
    }
    if let Some(voter) = rejections.iter().find(|v| v.eligible) {
        return Decision::Rejected {
            by: voter.user.clone(),
        };
    }

    let caller_approved = approvals
        .iter()
        .any(|v| v.eligible && v.user == request.caller);
    let others: BTreeSet<&str> = approvals
        .iter()
        .filter(|v| v.eligible && v.user != request.caller)
        .map(|v| v.user.as_str())
        .collect();
    let approved_by: Vec<String> = others.into_iter().map(str::to_owned).collect();
    let counted = u32::try_from(approved_by.len()).unwrap_or(u32::MAX);

    if caller_approved && counted >= request.others {
        return Decision::Approved { approved_by };
    }
    Decision::Pending {
        caller_approved,
        approved_by,
        missing: request.others.saturating_sub(counted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const START: u64 = 1_800_000_000;

    fn request(others: u32) -> Request {
        Request {
            caller: "CALLER".into(),
            others,
            posted_at: SystemTime::UNIX_EPOCH + Duration::from_secs(START),
            expires_after: DEFAULT_EXPIRY,
        }
    }

    fn at(seconds_after_post: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(START + seconds_after_post)
    }

    fn voters(ids: &[&str]) -> Vec<Voter> {
        ids.iter()
            .map(|id| Voter {
                user: (*id).into(),
                eligible: !id.starts_with("BOT") && !id.starts_with("OUT"),
            })
            .collect()
    }

    #[test]
    fn decision_table() {
        let approved = |names: &[&str]| Decision::Approved {
            approved_by: names.iter().map(|n| (*n).into()).collect(),
        };
        // Name, others who must approve, approvers, rejecters, whether the
        // message was edited, seconds after the request was posted, expected decision.
        type Case = (
            &'static str,
            u32,
            &'static [&'static str],
            &'static [&'static str],
            bool,
            u64,
            Decision,
        );
        let cases: Vec<Case> = vec![
            (
                "no approvals needed, caller approves",
                0,
                &["CALLER"],
                &[],
                false,
                10,
                approved(&[]),
            ),
            (
                "caller plus one",
                1,
                &["CALLER", "ANN"],
                &[],
                false,
                10,
                approved(&["ANN"]),
            ),
            (
                "one other missing",
                2,
                &["CALLER", "ANN"],
                &[],
                false,
                10,
                Decision::Pending {
                    caller_approved: true,
                    approved_by: vec!["ANN".into()],
                    missing: 1,
                },
            ),
            (
                "caller has not approved",
                1,
                &["ANN"],
                &[],
                false,
                10,
                Decision::Pending {
                    caller_approved: false,
                    approved_by: vec!["ANN".into()],
                    missing: 0,
                },
            ),
            (
                "duplicate approval counts once",
                2,
                &["CALLER", "ANN", "ANN"],
                &[],
                false,
                10,
                Decision::Pending {
                    caller_approved: true,
                    approved_by: vec!["ANN".into()],
                    missing: 1,
                },
            ),
            (
                "caller twice is not another person",
                1,
                &["CALLER", "CALLER"],
                &[],
                false,
                10,
                Decision::Pending {
                    caller_approved: true,
                    approved_by: vec![],
                    missing: 1,
                },
            ),
            (
                "bot approval ignored",
                1,
                &["CALLER", "BOT1"],
                &[],
                false,
                10,
                Decision::Pending {
                    caller_approved: true,
                    approved_by: vec![],
                    missing: 1,
                },
            ),
            (
                "outsider approval ignored",
                1,
                &["CALLER", "OUT1"],
                &[],
                false,
                10,
                Decision::Pending {
                    caller_approved: true,
                    approved_by: vec![],
                    missing: 1,
                },
            ),
            (
                "rejection cancels quorum",
                1,
                &["CALLER", "ANN"],
                &["BOB"],
                false,
                10,
                Decision::Rejected { by: "BOB".into() },
            ),
            (
                "caller may cancel",
                1,
                &["CALLER", "ANN"],
                &["CALLER"],
                false,
                10,
                Decision::Rejected {
                    by: "CALLER".into(),
                },
            ),
            (
                "outsider rejection ignored",
                1,
                &["CALLER", "ANN"],
                &["OUT1"],
                false,
                10,
                approved(&["ANN"]),
            ),
            (
                "expired after an hour",
                1,
                &["CALLER", "ANN"],
                &[],
                false,
                3601,
                Decision::Expired,
            ),
            (
                "open at the last second",
                1,
                &["CALLER", "ANN"],
                &[],
                false,
                3600,
                approved(&["ANN"]),
            ),
            (
                "edit voids",
                1,
                &["CALLER", "ANN"],
                &[],
                true,
                10,
                Decision::Void,
            ),
        ];
        for (name, others, approvals, rejections, edited, seconds, expected) in cases {
            let decision = decide(
                &request(others),
                &voters(approvals),
                &voters(rejections),
                edited,
                at(seconds),
            );
            assert_eq!(decision, expected, "{name}");
        }
    }

    fn voter_strategy() -> impl Strategy<Value = Voter> {
        (
            prop::sample::select(vec!["CALLER", "ANN", "BOB", "CAT", "BOT1", "OUT1"]),
            any::<bool>(),
        )
            .prop_map(|(user, eligible)| Voter {
                user: user.into(),
                eligible,
            })
    }

    proptest! {
        #[test]
        fn no_approval_without_quorum(others in 0u32..4, approvals in prop::collection::vec(voter_strategy(), 0..12)) {
            let distinct: BTreeSet<&str> = approvals.iter().filter(|v| v.eligible && v.user != "CALLER").map(|v| v.user.as_str()).collect();
            let caller = approvals.iter().any(|v| v.eligible && v.user == "CALLER");
            let decision = decide(&request(others), &approvals, &[], false, at(10));
            let quorum = caller && distinct.len() as u32 >= others;
            prop_assert_eq!(matches!(decision, Decision::Approved { .. }), quorum);
        }

        #[test]
        fn duplicates_never_count_twice(others in 1u32..4, approvals in prop::collection::vec(voter_strategy(), 0..8)) {
            let mut doubled = approvals.clone();
            doubled.extend(approvals.iter().cloned());
            let once = decide(&request(others), &approvals, &[], false, at(10));
            let twice = decide(&request(others), &doubled, &[], false, at(10));
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn ineligible_voters_never_count(others in 0u32..3, approvals in prop::collection::vec(voter_strategy(), 0..8), rejections in prop::collection::vec(voter_strategy(), 0..4)) {
            let eligible_only = |list: &[Voter]| list.iter().filter(|v| v.eligible).cloned().collect::<Vec<_>>();
            let all = decide(&request(others), &approvals, &rejections, false, at(10));
            let filtered = decide(&request(others), &eligible_only(&approvals), &eligible_only(&rejections), false, at(10));
            prop_assert_eq!(all, filtered);
        }
    }
}
