//! Timer triggers (fc-api.md §5.2, §14 item 26), with [`crate::Config::fire_timers`]: every
//! enabled `timer` trigger fires on its `cronExpression` — `@every <duration>` (Go-style
//! durations such as `30s`, `4m`, `1h30m`; the first firing one interval after the trigger is
//! first seen) or a 6-field cron expression `second minute hour day-of-month month day-of-week`
//! evaluated in UTC (`*`, `?`, numbers, `a-b`, lists, `/step`, month and day names) — by invoking
//! the function asynchronously at the trigger's qualifier with FC's timer event
//! `{"triggerTime","triggerName","payload"}`.
//!
//! Bounded: at most one firing of a trigger is in flight (a firing that is still running when the
//! next one is due skips it); firings that fail are retried like async invocations. The loop
//! re-reads the triggers every tick (so created, updated, disabled and deleted triggers take
//! effect at once) and stops, cancelling the firings in flight, on shutdown. Unparsable
//! expressions are skipped (logged once).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::api::invoke;
use crate::server::Shared;

/// How often the loop looks at the clock and the triggers.
const TICK: Duration = Duration::from_millis(100);

/// A parsed `cronExpression`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Schedule {
    Every(Duration),
    Cron(Box<Cron>),
}

/// The six fields of a cron expression as sets of allowed values.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Cron {
    seconds: Vec<bool>,
    minutes: Vec<bool>,
    hours: Vec<bool>,
    days: Vec<bool>,
    months: Vec<bool>,
    weekdays: Vec<bool>,
    /// Day-of-month and day-of-week both restricted: either may match (classic cron).
    days_or: bool,
}

impl Schedule {
    pub(crate) fn parse(expression: &str) -> Result<Schedule, String> {
        let expression = expression.trim();
        if let Some(rest) = expression.strip_prefix("@every") {
            let every = parse_duration(rest.trim())?;
            if every < Duration::from_secs(1) {
                return Err(format!("`{expression}`: the interval must be at least 1s"));
            }
            return Ok(Schedule::Every(every));
        }
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let [sec, min, hour, dom, month, dow] = fields.as_slice() else {
            return Err(format!(
                "`{expression}`: expected `@every <duration>` or 6 cron fields (second minute hour day month weekday)"
            ));
        };
        const MONTHS: &[&str] = &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ];
        const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
        let mut weekdays = field(dow, 0, 7, DAYS, 0)?;
        if weekdays.get(7).copied().unwrap_or(false) {
            weekdays[0] = true;
        }
        weekdays.truncate(7);
        let restricted = |f: &str| f != "*" && f != "?";
        Ok(Schedule::Cron(Box::new(Cron {
            seconds: field(sec, 0, 59, &[], 0)?,
            minutes: field(min, 0, 59, &[], 0)?,
            hours: field(hour, 0, 23, &[], 0)?,
            days: field(dom, 1, 31, &[], 0)?,
            months: field(month, 1, 12, MONTHS, 1)?,
            weekdays,
            days_or: restricted(dom) && restricted(dow),
        })))
    }
}

impl Cron {
    /// Whether the UTC second `unix` matches.
    pub(crate) fn matches(&self, unix: i64) -> bool {
        let days = unix.div_euclid(86_400);
        let secs = unix.rem_euclid(86_400);
        let (_, month, day) = civil(days);
        let weekday = (days + 4).rem_euclid(7); // 1970-01-01 was a Thursday.
        let at = |set: &Vec<bool>, i: i64| {
            usize::try_from(i)
                .ok()
                .and_then(|i| set.get(i).copied())
                .unwrap_or(false)
        };
        let dom = at(&self.days, day);
        let dow = at(&self.weekdays, weekday);
        let day_ok = if self.days_or { dom || dow } else { dom && dow };
        at(&self.seconds, secs % 60)
            && at(&self.minutes, secs / 60 % 60)
            && at(&self.hours, secs / 3600)
            && at(&self.months, month)
            && day_ok
    }
}

/// (year, month 1–12, day 1–31) of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// One cron field as a table indexed by value (0..=max); `names[i]` stands for `i + offset`.
fn field(text: &str, min: i64, max: i64, names: &[&str], offset: i64) -> Result<Vec<bool>, String> {
    let size = usize::try_from(max + 1).map_err(|_| "bad range".to_owned())?;
    let mut set = vec![false; size];
    let value = |s: &str| -> Result<i64, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(i64::try_from(i).unwrap_or(0) + offset);
        }
        let v: i64 = s
            .parse()
            .map_err(|_| format!("`{s}` is not a number in cron field `{text}`"))?;
        if !(min..=max).contains(&v) {
            return Err(format!(
                "`{v}` is outside {min}-{max} in cron field `{text}`"
            ));
        }
        Ok(v)
    };
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<i64>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("bad step in cron field `{text}`"))?,
            ),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let v = value(range)?;
            (v, if part.contains('/') { max } else { v })
        };
        if lo > hi {
            return Err(format!("empty range in cron field `{text}`"));
        }
        let mut v = lo;
        while v <= hi {
            if let Some(slot) = usize::try_from(v).ok().and_then(|i| set.get_mut(i)) {
                *slot = true;
            }
            v += step;
        }
    }
    Ok(set)
}

/// A Go-style duration: `90s`, `4m`, `1h30m`, `1.5h`, `500ms`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a duration such as 30s, 4m or 1h30m");
    if text.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += number * scale;
        rest = &rest[unit_len..];
    }
    Duration::try_from_secs_f64(total).map_err(|_| bad())
}

/// One enabled timer trigger as read from the store.
struct Timer {
    key: String,
    region: String,
    function: String,
    trigger: String,
    qualifier: String,
    expression: String,
    payload: String,
}

/// Per-trigger bookkeeping of the loop.
struct Entry {
    expression: String,
    schedule: Option<Schedule>,
    /// `@every`: when it fires next.
    next: tokio::time::Instant,
    /// Cron: the last second it fired.
    last_second: i64,
    running: Arc<std::sync::atomic::AtomicBool>,
}

async fn enabled_timers(shared: &Shared) -> Vec<Timer> {
    let store = shared.store.lock().await;
    let mut out = Vec::new();
    for (region, ns) in &store.state.regions {
        for (function, record) in &ns.functions {
            for (trigger, t) in &record.triggers {
                if t.get("triggerType").and_then(Value::as_str) != Some("timer") {
                    continue;
                }
                let config: Value = match t.get("triggerConfig") {
                    Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
                    Some(v) => v.clone(),
                    None => Value::Null,
                };
                if config.get("enable").and_then(Value::as_bool) == Some(false) {
                    continue;
                }
                let Some(expression) = config.get("cronExpression").and_then(Value::as_str) else {
                    continue;
                };
                let qualifier = t
                    .get("qualifier")
                    .and_then(Value::as_str)
                    .filter(|q| !q.is_empty())
                    .unwrap_or("LATEST");
                out.push(Timer {
                    key: format!("{region}/{function}/{trigger}"),
                    region: region.clone(),
                    function: function.clone(),
                    trigger: trigger.clone(),
                    qualifier: qualifier.to_owned(),
                    expression: expression.to_owned(),
                    payload: config
                        .get("payload")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                });
            }
        }
    }
    out
}

/// Fires timer triggers until `stop` is cancelled.
pub(crate) async fn run(shared: Arc<Shared>, stop: CancellationToken) {
    let mut entries: HashMap<String, Entry> = HashMap::new();
    let mut firings = JoinSet::new();
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(TICK) => {}
        }
        while firings.try_join_next().is_some() {}
        let timers = enabled_timers(&shared).await;
        let now = tokio::time::Instant::now();
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        let seen: HashSet<&str> = timers.iter().map(|t| t.key.as_str()).collect();
        entries.retain(|k, _| seen.contains(k.as_str()));
        for timer in &timers {
            let entry = entries
                .entry(timer.key.clone())
                .or_insert_with(|| new_entry(timer, now, unix));
            if entry.expression != timer.expression {
                *entry = new_entry(timer, now, unix);
            }
            let due = match &entry.schedule {
                Some(Schedule::Every(every)) if now >= entry.next => {
                    // Missed firings (a busy machine) are not caught up.
                    while entry.next <= now {
                        entry.next += *every;
                    }
                    true
                }
                Some(Schedule::Cron(cron)) if unix != entry.last_second && cron.matches(unix) => {
                    entry.last_second = unix;
                    true
                }
                _ => false,
            };
            if !due {
                continue;
            }
            if entry
                .running
                .swap(true, std::sync::atomic::Ordering::SeqCst)
            {
                tracing::debug!(trigger = %timer.key, "timer firing skipped: the previous one is still running");
                continue;
            }
            let event = json!({
                "triggerTime": fc::sign::format_acs_date(unix),
                "triggerName": timer.trigger,
                "payload": timer.payload,
            })
            .to_string()
            .into_bytes();
            let running = Arc::clone(&entry.running);
            let shared = Arc::clone(&shared);
            let (region, function, qualifier) = (
                timer.region.clone(),
                timer.function.clone(),
                timer.qualifier.clone(),
            );
            firings.spawn(async move {
                invoke::fire_async(&shared, &region, &function, &qualifier, event).await;
                running.store(false, std::sync::atomic::Ordering::SeqCst);
            });
        }
    }
    firings.abort_all();
    while firings.join_next().await.is_some() {}
}

fn new_entry(timer: &Timer, now: tokio::time::Instant, unix: i64) -> Entry {
    let schedule = match Schedule::parse(&timer.expression) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(trigger = %timer.key, "timer trigger not fired: {e}");
            None
        }
    };
    let next = match &schedule {
        Some(Schedule::Every(every)) => now + *every,
        _ => now,
    };
    Entry {
        expression: timer.expression.clone(),
        schedule,
        next,
        last_second: unix,
        running: Arc::new(std::sync::atomic::AtomicBool::new(false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_and_cron_expressions_parse() {
        assert_eq!(
            Schedule::parse("@every 1h30m").unwrap(),
            Schedule::Every(Duration::from_secs(5400))
        );
        assert_eq!(
            Schedule::parse("@every 4m").unwrap(),
            Schedule::Every(Duration::from_secs(240))
        );
        assert!(Schedule::parse("@every 10ms").is_err());
        assert!(Schedule::parse("@every soon").is_err());
        assert!(Schedule::parse("0 0 4 * *").is_err());
        assert!(Schedule::parse("0 61 4 * * *").is_err());
        // 2025-01-15T04:00:00Z was a Wednesday.
        let at = 1_736_913_600;
        let Schedule::Cron(daily) = Schedule::parse("0 0 4 * * *").unwrap() else {
            panic!("not cron")
        };
        assert!(daily.matches(at));
        assert!(!daily.matches(at + 1));
        let Schedule::Cron(wed) = Schedule::parse("*/15 0 4 ? JAN WED").unwrap() else {
            panic!("not cron")
        };
        assert!(wed.matches(at + 45));
        assert!(!wed.matches(at + 46));
        assert!(!wed.matches(at + 86_400));
        let Schedule::Cron(either) = Schedule::parse("0 0 4 1 * 3").unwrap() else {
            panic!("not cron")
        };
        assert!(
            either.matches(at),
            "weekday matches even though day 1 does not"
        );
    }
}
