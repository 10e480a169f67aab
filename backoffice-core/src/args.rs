//! Argument types for what people type in Slack: user and channel mentions,
//! email addresses, URLs and durations. Each parses with `FromStr`, so a
//! handler parameter of one of these types just works, and each rejects bad
//! input with an error that says what was expected.
//!
//! ```
//! use backoffice_core::args::{Duration, Email, UserMention};
//!
//! let user: UserMention = "<@U024BE7LH>".parse().unwrap();
//! assert_eq!(user.id(), "U024BE7LH");
//!
//! let email: Email = "ada@example.com".parse().unwrap();
//! assert_eq!(email.domain(), "example.com");
//!
//! let wait: Duration = "1h30m".parse().unwrap();
//! assert_eq!(wait.as_secs(), 5400);
//! assert!("soon".parse::<Duration>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;

/// Why a value could not be parsed into one of this module's types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseArgError {
    message: String,
}

impl ParseArgError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

static USER_MENTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$").expect("valid regex"));
static CHANNEL_MENTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^<#([CG][A-Z0-9]+)(?:\|([^>]*))?>$").expect("valid regex"));
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)$")
        .expect("valid regex")
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i)(https?://)?([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+|localhost)(:[0-9]{1,5})?([/?#]\S*)?$")
        .expect("valid regex")
});
static DURATION_PART: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([0-9]+)\s*(ms|s|m|h|d|w)").expect("valid regex"));

/// A mention of a user, as Slack sends it: `<@U024BE7LH>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserMention {
    id: String,
}

impl UserMention {
    /// Returns the user ID.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl FromStr for UserMention {
    type Err = ParseArgError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let captures = USER_MENTION.captures(text).ok_or_else(|| {
            ParseArgError::new("not a user mention: mention the person with @, for example @ada")
        })?;
        Ok(Self {
            id: captures[1].to_owned(),
        })
    }
}

impl fmt::Display for UserMention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<@{}>", self.id)
    }
}

/// A mention of a channel, as Slack sends it: `<#C024BE91L|general>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelMention {
    id: String,
    name: Option<String>,
}

impl ChannelMention {
    /// Returns the channel ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Returns the channel name, when Slack included it.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl FromStr for ChannelMention {
    type Err = ParseArgError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let captures = CHANNEL_MENTION.captures(text).ok_or_else(|| {
            ParseArgError::new(
                "not a channel mention: mention the channel with #, for example #general",
            )
        })?;
        Ok(Self {
            id: captures[1].to_owned(),
            name: captures
                .get(2)
                .map(|m| m.as_str().to_owned())
                .filter(|n| !n.is_empty()),
        })
    }
}

impl fmt::Display for ChannelMention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<#{}>", self.id)
    }
}

/// An email address. Slack's `<mailto:…>` markup is already undone by the
/// time the text is parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email {
    address: String,
    at: usize,
}

impl Email {
    /// Returns the whole address.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// Returns the part after `@`.
    pub fn domain(&self) -> &str {
        &self.address[self.at + 1..]
    }
}

impl FromStr for Email {
    type Err = ParseArgError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() > 254 || !EMAIL.is_match(text) {
            return Err(ParseArgError::new(
                "not an email address: write it as name@example.com",
            ));
        }
        let at = text.rfind('@').expect("the pattern requires an @");
        Ok(Self {
            address: text.to_owned(),
            at,
        })
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

/// An `http` or `https` URL. A bare domain such as `acme.com` (which is what
/// remains when Slack turns a typed domain into a link) gets `https://`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Url {
    url: String,
    host: String,
}

impl Url {
    /// Returns the URL, with its scheme.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// Returns the host name, lowercased.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl FromStr for Url {
    type Err = ParseArgError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let captures = URL.captures(text).ok_or_else(|| {
            ParseArgError::new(
                "not a web address: write it as https://example.com/path or example.com",
            )
        })?;
        let url = match captures.get(1) {
            Some(_) => text.to_owned(),
            None => format!("https://{text}"),
        };
        Ok(Self {
            url,
            host: captures[2].to_lowercase(),
        })
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// A duration as people write it: `90s`, `30m`, `2h`, `7d`, `1w`, or
/// combinations such as `1h30m` or `1d 12h`. It dereferences to
/// [`std::time::Duration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration(std::time::Duration);

impl Duration {
    /// Returns the duration as a [`std::time::Duration`].
    pub fn get(self) -> std::time::Duration {
        self.0
    }
}

impl std::ops::Deref for Duration {
    type Target = std::time::Duration;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl FromStr for Duration {
    type Err = ParseArgError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid =
            || ParseArgError::new("not a duration: write it as 90s, 30m, 2h, 7d or 1h30m");
        let compact: String = text.split_whitespace().collect();
        let mut total = std::time::Duration::ZERO;
        let mut consumed = 0;
        for captures in DURATION_PART.captures_iter(&compact) {
            let whole = captures.get(0).expect("group 0 always exists");
            if whole.start() != consumed {
                return Err(invalid());
            }
            consumed = whole.end();
            let amount: u64 = captures[1].parse().map_err(|_| invalid())?;
            total = total
                .checked_add(unit(&captures[2], amount).ok_or_else(invalid)?)
                .ok_or_else(invalid)?;
        }
        if consumed == 0 || consumed != compact.len() {
            return Err(invalid());
        }
        Ok(Self(total))
    }
}

/// Returns `amount` of `unit` as a duration, or `None` on overflow.
fn unit(unit: &str, amount: u64) -> Option<std::time::Duration> {
    let seconds_per_unit = match unit {
        "ms" => return Some(std::time::Duration::from_millis(amount)),
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => 604_800,
    };
    amount
        .checked_mul(seconds_per_unit)
        .map(std::time::Duration::from_secs)
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::error::format_duration(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_mention_parses() {
        assert_eq!("<@U1ABC>".parse::<UserMention>().unwrap().id(), "U1ABC");
        assert_eq!("<@W1ABC|ada>".parse::<UserMention>().unwrap().id(), "W1ABC");
        for bad in ["@ada", "U1ABC", "<#C1>", "<@u1>"] {
            let error = bad.parse::<UserMention>().unwrap_err();
            assert!(
                error.to_string().contains("mention the person with @"),
                "{bad}"
            );
        }
    }

    #[test]
    fn channel_mention_parses() {
        let channel: ChannelMention = "<#C1ABC|ops>".parse().unwrap();
        assert_eq!((channel.id(), channel.name()), ("C1ABC", Some("ops")));
        assert_eq!("<#G1ABC>".parse::<ChannelMention>().unwrap().name(), None);
        assert!("#ops".parse::<ChannelMention>().is_err());
    }

    #[test]
    fn email_parses() {
        let email: Email = "ada.l+ops@mail.example.com".parse().unwrap();
        assert_eq!(email.domain(), "mail.example.com");
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
        ] {
            assert!(bad.parse::<Email>().is_err(), "{bad}");
        }
    }

    #[test]
    fn url_parses_with_and_without_scheme() {
        let bare: Url = "acme.com/billing".parse().unwrap();
        assert_eq!(
            (bare.as_str(), bare.host()),
            ("https://acme.com/billing", "acme.com")
        );
        let full: Url = "HTTP://Acme.com:8080/x?y=1".parse().unwrap();
        assert_eq!(full.host(), "acme.com");
        for bad in ["ftp://acme.com", "acme", "http://", "javascript:alert(1)"] {
            assert!(bad.parse::<Url>().is_err(), "{bad}");
        }
    }

    #[test]
    fn duration_parses_units_and_combinations() {
        let seconds = |text: &str| text.parse::<Duration>().map(|d| d.as_secs());
        assert_eq!(seconds("90s"), Ok(90));
        assert_eq!(seconds("2h"), Ok(7200));
        assert_eq!(seconds("7d"), Ok(604_800));
        assert_eq!(seconds("1w"), Ok(604_800));
        assert_eq!(seconds("1h30m"), Ok(5400));
        assert_eq!(seconds("1d 12h"), Ok(129_600));
        assert_eq!("250ms".parse::<Duration>().unwrap().as_millis(), 250);
        for bad in [
            "",
            "soon",
            "5",
            "h",
            "5x",
            "1h soon",
            "99999999999999999999w",
        ] {
            assert!(bad.parse::<Duration>().is_err(), "{bad:?}");
        }
    }
}
