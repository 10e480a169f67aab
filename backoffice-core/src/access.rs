//! Who may run a command, and where.
//!
//! A command names an access role; the bot's configuration binds each role to
//! a [`Rule`] at run time. A rule lists channels (by ID or by name), and may
//! narrow them to users and user groups. A role bound to nothing runs nowhere.
//!
//! How a channel name matches depends on the platform, through
//! [`Platform::resolve_channel`](crate::Platform::resolve_channel): the Slack
//! adapter resolves names to IDs from its channel list, while the console and
//! the test kit compare names with the channel's current name.

use std::collections::{HashMap, HashSet};

use crate::platform::{ChannelInfo, ChannelKind, UserInfo};

/// Where, and by whom, the commands of one access role may run.
///
/// # Examples
///
/// ```
/// use backoffice_core::Rule;
///
/// // Anyone in #backoffice (by name) or in channel C024BE91L (by ID).
/// let everyone = Rule::channels(["backoffice", "C024BE91L"]);
///
/// // Only members of one user group, in one channel or in a direct message.
/// let engineers = Rule::channels(["C0DEV"]).groups(["S0ENG"]).allow_direct_messages();
/// # let _ = (everyone, engineers);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rule {
    channels: Vec<String>,
    users: Vec<String>,
    groups: Vec<String>,
    direct_messages: bool,
    console: ConsoleAccess,
    guests: bool,
    external: bool,
}

/// Whether a rule's commands run from the console in operator mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsoleAccess {
    /// They do not.
    #[default]
    Denied,
    /// They do, except commands that need approval: one terminal cannot
    /// collect real approvals from other people.
    Allowed,
    /// They do, and commands that need approval run without it. Use this only
    /// for commands that must stay available while Slack is down.
    WithoutApproval,
}

impl Rule {
    /// Creates a rule that allows everyone in the given channels, named by ID
    /// (`C…`, `G…`) or by name (`backoffice`, with or without `#`).
    ///
    /// IDs are safer: a channel can be renamed, and a new channel can take
    /// an old name. On Slack a name stands for the channel that had it when
    /// the adapter last listed channels. After a rename, the old name keeps
    /// matching the renamed channel until the next listing, and then matches
    /// whichever channel has the name, or none.
    pub fn channels<I, T>(channels: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        Self {
            channels: channels
                .into_iter()
                .map(|c| c.into().trim_start_matches('#').to_owned())
                .collect(),
            ..Self::default()
        }
    }

    /// Narrows the rule to these user IDs (together with any groups).
    pub fn users<I, T>(mut self, users: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.users.extend(users.into_iter().map(Into::into));
        self
    }

    /// Narrows the rule to members of these user group IDs (together with any users).
    pub fn groups<I, T>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.groups.extend(groups.into_iter().map(Into::into));
        self
    }

    /// Allows the commands in direct messages with the bot too.
    pub fn allow_direct_messages(mut self) -> Self {
        self.direct_messages = true;
        self
    }

    /// Allows the commands from the console in operator mode, the fallback
    /// while Slack is down, except those that need approval.
    pub fn allow_console(mut self) -> Self {
        self.console = ConsoleAccess::Allowed;
        self
    }

    /// Allows the commands from the console in operator mode, including those
    /// that need approval, which then run without it.
    pub fn allow_console_without_approval(mut self) -> Self {
        self.console = ConsoleAccess::WithoutApproval;
        self
    }

    /// Returns whether and how the commands run from the operator console.
    pub fn console_access(&self) -> ConsoleAccess {
        self.console
    }

    /// Allows guests (single- and multi-channel guests), who are denied by default.
    pub fn allow_guests(mut self) -> Self {
        self.guests = true;
        self
    }

    /// Allows people from other organisations in shared channels, who are
    /// denied by default.
    pub fn allow_external_users(mut self) -> Self {
        self.external = true;
        self
    }

    /// Returns the channels this rule lists, by ID or by name without `#`.
    pub fn listed_channels(&self) -> &[String] {
        &self.channels
    }

    /// Returns the user group IDs this rule names.
    pub fn group_ids(&self) -> &[String] {
        &self.groups
    }

    /// Returns the channels this rule names, by ID or by name, without `#`.
    pub fn channel_names(&self) -> &[String] {
        &self.channels
    }

    /// Decides whether `facts` satisfy this rule.
    pub fn allows(&self, facts: &Facts) -> Result<(), Denial> {
        self.check_person(facts)?;
        self.check_place(facts)?;
        self.check_membership(facts)
    }

    fn check_person(&self, facts: &Facts) -> Result<(), Denial> {
        let user = &facts.user;
        if user.is_bot || user.deleted {
            return Err(Denial::NotAPerson);
        }
        if user.is_guest && !self.guests {
            return Err(Denial::Guest);
        }
        if facts.external && !self.external {
            return Err(Denial::External);
        }
        Ok(())
    }

    fn check_place(&self, facts: &Facts) -> Result<(), Denial> {
        let channel = &facts.channel;
        if channel.kind == ChannelKind::OperatorConsole {
            return if self.console == ConsoleAccess::Denied {
                Err(Denial::Console)
            } else {
                Ok(())
            };
        }
        if channel.kind == ChannelKind::Direct {
            return if self.direct_messages {
                Ok(())
            } else {
                Err(Denial::DirectMessage)
            };
        }
        let listed = self
            .channels
            .iter()
            .any(|c| *c == channel.id || facts.channel_names.contains(c));
        if listed {
            Ok(())
        } else {
            Err(Denial::Channel)
        }
    }

    fn check_membership(&self, facts: &Facts) -> Result<(), Denial> {
        if self.users.is_empty() && self.groups.is_empty() {
            return Ok(());
        }
        let named = self.users.contains(&facts.user.id);
        let member = self.groups.iter().any(|g| facts.groups.contains(g));
        if named || member {
            Ok(())
        } else {
            Err(Denial::NotListed)
        }
    }
}

/// What is known about one message's author and place when access is decided.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The author.
    pub user: UserInfo,
    /// The channel.
    pub channel: ChannelInfo,
    /// The channel names, among those the rules name, that stand for this
    /// channel on the platform. See [`Platform::resolve_channel`](crate::Platform::resolve_channel).
    pub channel_names: HashSet<String>,
    /// The user groups, among those the rules name, that the author belongs to.
    pub groups: HashSet<String>,
    /// Whether the author belongs to another organisation than the bot's workspace.
    pub external: bool,
}

impl Facts {
    /// Creates the facts of `user` in `channel`, where the channel's current
    /// name stands for it, with no groups and not external.
    pub fn new(user: UserInfo, channel: ChannelInfo) -> Self {
        let channel_names = Some(channel.name.clone())
            .filter(|name| !name.is_empty())
            .into_iter()
            .collect();
        Self {
            user,
            channel,
            channel_names,
            groups: HashSet::new(),
            external: false,
        }
    }
}

/// Decides whether `user` belongs to another organisation than the bot.
///
/// A user whose organisation (`enterprise`, a Slack Enterprise Grid ID)
/// is the bot's is not external, whatever their workspace. Otherwise the
/// user is external when their workspace, or the workspace the message was
/// posted in, differs from the bot's. Without a bot workspace (the console),
/// nobody is external.
pub fn is_external(
    bot_team: Option<&str>,
    bot_enterprise: Option<&str>,
    user: &UserInfo,
    message_team: &str,
) -> bool {
    let Some(bot_team) = bot_team else {
        return false;
    };
    let same_enterprise =
        bot_enterprise.is_some_and(|enterprise| user.enterprise.as_deref() == Some(enterprise));
    if same_enterprise {
        return false;
    }
    user.team != bot_team || message_team != bot_team
}

/// Why a rule denied access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denial {
    /// The command's role is bound to no rule.
    #[error("the command's access role is bound to nothing")]
    Unbound,
    /// The author is a bot or a deactivated account.
    #[error("the author is a bot or a deactivated account")]
    NotAPerson,
    /// The author is a guest and the rule does not allow guests.
    #[error("the author is a guest")]
    Guest,
    /// The author belongs to another organisation.
    #[error("the author belongs to another organisation")]
    External,
    /// The rule does not allow direct messages.
    #[error("the rule does not allow direct messages")]
    DirectMessage,
    /// The rule does not allow the operator console.
    #[error("the rule does not allow the operator console")]
    Console,
    /// The channel is not one of the rule's channels.
    #[error("the channel is not one of the rule's channels")]
    Channel,
    /// The author is neither one of the rule's users nor in one of its groups.
    #[error("the author is not one of the rule's users or groups")]
    NotListed,
}

/// The rules bound to each access role.
#[derive(Debug, Clone, Default)]
pub struct AccessPolicy {
    roles: HashMap<String, Rule>,
}

impl AccessPolicy {
    /// Binds `role` to `rule`, replacing any earlier binding.
    pub fn bind(&mut self, role: impl Into<String>, rule: Rule) {
        self.roles.insert(role.into(), rule);
    }

    /// Returns the rule bound to `role`.
    pub fn rule(&self, role: &str) -> Option<&Rule> {
        self.roles.get(role)
    }

    /// Returns every channel ID or name that some rule names.
    pub fn channel_names(&self) -> impl Iterator<Item = &str> {
        self.roles
            .values()
            .flat_map(|rule| rule.channel_names().iter().map(String::as_str))
    }

    /// Returns every user group ID that some rule names.
    pub fn group_ids(&self) -> impl Iterator<Item = &str> {
        self.roles
            .values()
            .flat_map(|rule| rule.group_ids().iter().map(String::as_str))
    }

    /// Returns every channel that some rule lists, by ID or by name, sorted
    /// and without duplicates.
    pub fn channels(&self) -> Vec<String> {
        let mut channels: Vec<String> = self
            .roles
            .values()
            .flat_map(|rule| rule.listed_channels().iter().cloned())
            .collect();
        channels.sort();
        channels.dedup();
        channels
    }

    /// Decides whether a command with access role `role` may run given `facts`.
    /// A command without a role, or whose role is bound to nothing, runs nowhere.
    pub fn allows(&self, role: Option<&str>, facts: &Facts) -> Result<(), Denial> {
        role.and_then(|role| self.rule(role))
            .ok_or(Denial::Unbound)?
            .allows(facts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(channel: ChannelInfo) -> Facts {
        Facts::new(UserInfo::member("U1", "ada", "T1"), channel)
    }

    fn public(id: &str, name: &str) -> ChannelInfo {
        ChannelInfo::new(id, name, ChannelKind::Public)
    }

    #[test]
    fn channel_by_id_or_name() {
        let rule = Rule::channels(["C1", "#ops"]);
        assert_eq!(rule.allows(&facts(public("C1", "general"))), Ok(()));
        assert_eq!(rule.allows(&facts(public("C9", "ops"))), Ok(()));
        assert_eq!(
            rule.allows(&facts(public("C9", "general"))),
            Err(Denial::Channel)
        );
    }

    #[test]
    fn channel_name_matches_only_when_it_stands_for_the_channel() {
        let rule = Rule::channels(["ops"]);
        let mut renamed = facts(public("C1", "ops-old"));
        renamed.channel_names.insert("ops".into());
        assert_eq!(rule.allows(&renamed), Ok(()));

        let mut taken_over = facts(public("C2", "ops"));
        taken_over.channel_names.clear();
        assert_eq!(rule.allows(&taken_over), Err(Denial::Channel));
    }

    #[test]
    fn external_same_team_is_internal() {
        let user = UserInfo::member("U1", "ada", "T1");
        assert!(!is_external(Some("T1"), None, &user, "T1"));
    }

    #[test]
    fn external_other_team_is_external() {
        let user = UserInfo::member("U1", "ada", "T2");
        assert!(is_external(Some("T1"), None, &user, "T1"));
        let local = UserInfo::member("U1", "ada", "T1");
        assert!(is_external(Some("T1"), None, &local, "T2"));
    }

    #[test]
    fn external_same_enterprise_is_internal() {
        let mut user = UserInfo::member("U1", "ada", "T2");
        user.enterprise = Some("E1".into());
        assert!(!is_external(Some("T1"), Some("E1"), &user, "T2"));
    }

    #[test]
    fn external_other_enterprise_is_external() {
        let mut user = UserInfo::member("U1", "ada", "T2");
        user.enterprise = Some("E2".into());
        assert!(is_external(Some("T1"), Some("E1"), &user, "T1"));
    }

    #[test]
    fn external_enterprise_user_with_non_grid_bot_is_external() {
        let mut user = UserInfo::member("U1", "ada", "T2");
        user.enterprise = Some("E1".into());
        assert!(is_external(Some("T1"), None, &user, "T1"));
    }

    #[test]
    fn external_without_bot_team_is_internal() {
        let user = UserInfo::member("U1", "ada", "T2");
        assert!(!is_external(None, None, &user, "T3"));
    }

    #[test]
    fn direct_messages_need_opt_in() {
        let dm = ChannelInfo::new("D1", "", ChannelKind::Direct);
        assert_eq!(
            Rule::channels(["C1"]).allows(&facts(dm.clone())),
            Err(Denial::DirectMessage)
        );
        assert_eq!(
            Rule::channels(["C1"])
                .allow_direct_messages()
                .allows(&facts(dm)),
            Ok(())
        );
    }

    #[test]
    fn operator_console_needs_opt_in() {
        let console = ChannelInfo::new("console", "console", ChannelKind::OperatorConsole);
        assert_eq!(
            Rule::channels(["console"]).allows(&facts(console.clone())),
            Err(Denial::Console)
        );
        assert_eq!(
            Rule::channels(["C1"])
                .allow_console()
                .allows(&facts(console)),
            Ok(())
        );
    }

    #[test]
    fn users_and_groups_narrow_channels() {
        let rule = Rule::channels(["C1"]).users(["U2"]).groups(["S1"]);
        let mut member = facts(public("C1", "ops"));
        assert_eq!(rule.allows(&member), Err(Denial::NotListed));
        member.groups.insert("S1".into());
        assert_eq!(rule.allows(&member), Ok(()));
    }

    #[test]
    fn bots_guests_and_external_denied() {
        let rule = Rule::channels(["C1"]);
        let mut bot = facts(public("C1", "ops"));
        bot.user.is_bot = true;
        assert_eq!(rule.allows(&bot), Err(Denial::NotAPerson));

        let mut guest = facts(public("C1", "ops"));
        guest.user.is_guest = true;
        assert_eq!(rule.allows(&guest), Err(Denial::Guest));
        assert_eq!(rule.clone().allow_guests().allows(&guest), Ok(()));

        let mut external = facts(public("C1", "ops"));
        external.external = true;
        assert_eq!(rule.allows(&external), Err(Denial::External));
    }

    #[test]
    fn unbound_role_runs_nowhere() {
        let policy = AccessPolicy::default();
        let facts = facts(public("C1", "ops"));
        assert_eq!(policy.allows(Some("ops"), &facts), Err(Denial::Unbound));
        assert_eq!(policy.allows(None, &facts), Err(Denial::Unbound));
    }
}
