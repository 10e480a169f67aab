//! The reference bot's commands: one annotated async function each.
//!
//! Commands in the `backoffice` role are for support and sales staff; those
//! in the `developers` role are for engineers.

use std::time::UNIX_EPOCH;

use backoffice::prelude::*;

use crate::db::{Database, DAY};

/// The longest trial extension the bot accepts, in days.
const MAX_TRIAL_DAYS: u32 = 365;

type Result<T = String> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Returns every command of the bot.
pub fn all() -> Vec<Command<Database>> {
    vec![
        set_trial(),
        show_account(),
        disable_account(),
        show_diagnostics(),
        cycle_workers(),
        delete_account(),
    ]
}

fn unix_now(ctx: &Context<Database>) -> i64 {
    ctx.now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

fn no_account(subdomain: &str) -> Box<dyn std::error::Error + Send + Sync> {
    format!("there is no account `{subdomain}`; check the spelling with `show account <subdomain>`")
        .into()
}

/// Sets how many days are left in an account's trial.
#[command(
    "set <subdomain> trial remaining to <number> days",
    access = "backoffice"
)]
async fn set_trial(ctx: Context<Database>, subdomain: String, number: u32) -> Result {
    if number > MAX_TRIAL_DAYS {
        return Err(format!(
            "{number} days is more than the {MAX_TRIAL_DAYS} days a trial may last"
        )
        .into());
    }
    let trial_end = unix_now(&ctx) + i64::from(number) * DAY;
    if !ctx.state().set_trial_end(&subdomain, trial_end)? {
        return Err(no_account(&subdomain));
    }
    let date = ctx.state().iso_date(trial_end)?;
    Ok(format!(
        "{subdomain}'s trial now ends on {date}, {number} days from now."
    ))
}

/// Shows an account's plan, status and trial end.
#[command("show account <subdomain>", access = "backoffice")]
async fn show_account(ctx: Context<Database>, subdomain: String) -> Result {
    let account = ctx
        .state()
        .account(&subdomain)?
        .ok_or_else(|| no_account(&subdomain))?;
    let trial = match &account.trial_end {
        Some(date) => format!("trial ends {date}"),
        None => "no trial".to_owned(),
    };
    let mut reply = format!(
        "{}: plan {}, status {}, {trial}.",
        account.subdomain, account.plan, account.status
    );
    if let Some(reason) = &account.disabled_reason {
        reply.push_str(&format!(" Disabled because: {reason}"));
    }
    Ok(reply)
}

/// Disables an account, recording why. Needs the caller plus one other person.
#[command(
    "disable account <subdomain> because <reason...>",
    access = "backoffice",
    approvals = 1,
    dry_run = plan_disable_account
)]
async fn disable_account(ctx: Context<Database>, subdomain: String, reason: String) -> Result {
    if !ctx.state().disable(&subdomain, &reason)? {
        return Err(no_account(&subdomain));
    }
    Ok(format!(
        "{subdomain} is disabled. Reason recorded: {reason}"
    ))
}

/// Describes what `disable account` would change, and changes nothing.
async fn plan_disable_account(ctx: Context<Database>, subdomain: String, reason: String) -> Result {
    let account = ctx
        .state()
        .account(&subdomain)?
        .ok_or_else(|| no_account(&subdomain))?;
    Ok(format!(
        "I would disable {} (plan {}, status {}, {} users), recording the reason: {reason}",
        account.subdomain, account.plan, account.status, account.users
    ))
}

/// Shows technical details of an account for engineers.
#[command("show diagnostics for <subdomain>", access = "developers")]
async fn show_diagnostics(ctx: Context<Database>, subdomain: String) -> Result {
    let account = ctx
        .state()
        .account(&subdomain)?
        .ok_or_else(|| no_account(&subdomain))?;
    Ok(format!(
        "{}: shard {}, {} users, created {}, plan {}, status {}.",
        account.subdomain,
        account.shard,
        account.users,
        account.created,
        account.plan,
        account.status
    ))
}

/// Restarts every worker in a worker pool. Needs the caller plus one other person.
#[command(
    "cycle workers in pool <pool>",
    access = "developers",
    approvals = 1,
    dry_run = plan_cycle_workers
)]
async fn cycle_workers(ctx: Context<Database>, pool: String) -> Result {
    let now = unix_now(&ctx);
    match ctx.state().cycle_pool(&pool, now)? {
        Some(workers) => Ok(format!("Cycled {workers} workers in pool {pool}.")),
        None => {
            let known = ctx.state().pool_names()?.join(", ");
            Err(format!("there is no worker pool `{pool}`; the pools are: {known}").into())
        }
    }
}

/// Describes what `cycle workers in pool` would change, and changes nothing.
async fn plan_cycle_workers(ctx: Context<Database>, pool: String) -> Result {
    match ctx.state().pool(&pool)? {
        Some(found) => {
            let last = found.cycled.map_or_else(
                || "never cycled".to_owned(),
                |at| format!("last cycled {at}"),
            );
            Ok(format!(
                "I would restart the {} workers of pool {} ({last}).",
                found.workers, found.name
            ))
        }
        None => {
            let known = ctx.state().pool_names()?.join(", ");
            Err(format!("there is no worker pool `{pool}`; the pools are: {known}").into())
        }
    }
}

/// Deletes an account and all its data. Needs the caller plus two other people.
#[command(
    "delete account <subdomain>",
    access = "developers",
    approvals = 2,
    dry_run = plan_delete_account
)]
async fn delete_account(ctx: Context<Database>, subdomain: String) -> Result {
    if !ctx.state().delete(&subdomain)? {
        return Err(no_account(&subdomain));
    }
    Ok(format!("{subdomain} is deleted."))
}

/// Describes what `delete account` would change, and changes nothing.
async fn plan_delete_account(ctx: Context<Database>, subdomain: String) -> Result {
    let account = ctx
        .state()
        .account(&subdomain)?
        .ok_or_else(|| no_account(&subdomain))?;
    Ok(format!(
        "I would delete {} for good: plan {}, status {}, {} users, created {}. This cannot be undone.",
        account.subdomain, account.plan, account.status, account.users, account.created
    ))
}
