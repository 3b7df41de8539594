//! The figures of a group's insights, each set one aggregate statement (or two) over the rows
//! the API keeps anyway, plus `membership_event` and `resource_download`. Periods are cut in
//! SQL with one `CASE` over the period starts; nothing loops over members in Rust.

use chrono::{DateTime, Datelike, Months, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Statement, Value};
use uuid::Uuid;

use crate::{
    db::Db,
    error::{AppError, AppResult},
};

/// How a range is cut into periods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interval {
    Week,
    Month,
}

/// Most periods one request may cut (two years of weeks).
pub const MAX_PERIODS: usize = 106;

/// The starts of the periods from `from` to `to`, and `to` as the last end.
pub fn boundaries(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    interval: Interval,
) -> AppResult<Vec<DateTime<Utc>>> {
    if to <= from {
        return Err(AppError::bad_input("to", "Give a `to` after `from`"));
    }
    let mut cuts = vec![from];
    let mut at = from;
    loop {
        at = match interval {
            Interval::Week => at + chrono::Duration::days(7),
            Interval::Month => at
                .checked_add_months(Months::new(1))
                .ok_or_else(|| AppError::bad_input("to", "Too far ahead"))?,
        };
        if at >= to {
            cuts.push(to);
            return Ok(cuts);
        }
        cuts.push(at);
        if cuts.len() > MAX_PERIODS {
            return Err(AppError::bad_input(
                "to",
                format!("At most {MAX_PERIODS} periods: choose a shorter range or MONTH"),
            ));
        }
    }
}

/// A statement with `?` placeholders, numbered for PostgreSQL.
fn statement(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DatabaseBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    numbered.push_str(&format!("${n}"));
                } else {
                    numbered.push(c);
                }
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `later` falls within `days` days after `earlier` (both timestamp expressions).
fn within_days(backend: DatabaseBackend, later: &str, earlier: &str, days: u32) -> String {
    match backend {
        DatabaseBackend::Postgres => {
            format!("{later} > {earlier} AND {later} <= {earlier} + INTERVAL '{days} days'")
        }
        _ => format!(
            "julianday({later}) > julianday({earlier}) \
             AND julianday({later}) <= julianday({earlier}) + {days}"
        ),
    }
}

/// The period index of timestamp expression `at`, given the period starts after the first;
/// pushes their values.
fn period_of(at: &str, cuts: &[DateTime<Utc>], values: &mut Vec<Value>) -> String {
    let inner = &cuts[1..cuts.len() - 1];
    if inner.is_empty() {
        return "0".into();
    }
    let mut case = String::from("CASE");
    for (index, cut) in inner.iter().enumerate() {
        case.push_str(&format!(" WHEN {at} < ? THEN {index}"));
        values.push((*cut).into());
    }
    case.push_str(&format!(" ELSE {} END", inner.len()));
    case
}

/// Every member's activity in a group, one row per act: `member_id`, `at`, `kind` (`POSTED`,
/// `COMMENTED`, `REACTED`, `SHARED`, `DOWNLOADED`, `RSVPED`, `FORMAL_MEETUP` or
/// `INFORMAL_MEETUP` for a check-in). Pushes the group id once per branch.
fn activity(group_id: Uuid, values: &mut Vec<Value>) -> &'static str {
    for _ in 0..7 {
        values.push(group_id.into());
    }
    "activity AS (
        SELECT t.author_id AS member_id, t.created_at AS at, 'POSTED' AS kind
          FROM thread t WHERE t.group_id = ? AND t.author_id IS NOT NULL
        UNION ALL SELECT c.author_id, c.created_at, 'COMMENTED'
          FROM comment c JOIN thread t ON t.id = c.thread_id
          WHERE t.group_id = ? AND c.author_id IS NOT NULL
        UNION ALL SELECT r.member_id, r.created_at, 'REACTED'
          FROM reaction r JOIN comment c ON c.id = r.comment_id JOIN thread t ON t.id = c.thread_id
          WHERE t.group_id = ?
        UNION ALL SELECT s.added_by, s.created_at, 'SHARED'
          FROM resource s WHERE s.group_id = ? AND s.added_by IS NOT NULL
        UNION ALL SELECT d.member_id, d.day, 'DOWNLOADED'
          FROM resource_download d WHERE d.group_id = ? AND d.member_id IS NOT NULL
        UNION ALL SELECT v.member_id, v.created_at, 'RSVPED'
          FROM rsvp v JOIN meetup m ON m.id = v.meetup_id WHERE m.group_id = ?
        UNION ALL SELECT v.member_id, v.checked_in_at,
               CASE WHEN m.kind = 'FORMAL' THEN 'FORMAL_MEETUP' ELSE 'INFORMAL_MEETUP' END
          FROM rsvp v JOIN meetup m ON m.id = v.meetup_id
          WHERE m.group_id = ? AND v.checked_in_at IS NOT NULL
    )"
}

/// The figures of period `index`, if the index is one of them.
fn slot<T>(periods: &mut [T], index: i32) -> Option<&mut T> {
    usize::try_from(index).ok().and_then(|i| periods.get_mut(i))
}

/// Membership over the periods.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MembershipPeriod {
    /// Active members at the period's end.
    pub members: i64,
    pub joins: i64,
    pub leaves: i64,
    /// Requests to join made in the period.
    pub requests: i64,
    /// Requests answered in the period, and how long each waited (seconds).
    pub decision_waits: Vec<i64>,
}

#[derive(FromQueryResult)]
struct EventCount {
    period: i32,
    kind: String,
    n: i64,
}

pub async fn membership(
    db: &Db,
    group_id: Uuid,
    cuts: &[DateTime<Utc>],
) -> AppResult<Vec<MembershipPeriod>> {
    let backend = db.get_database_backend();
    let (from, to) = (cuts[0], cuts[cuts.len() - 1]);
    #[derive(FromQueryResult)]
    struct Base {
        n: Option<i64>,
    }
    let base = Base::find_by_statement(statement(
        backend,
        "SELECT CAST(SUM(CASE kind WHEN 'JOINED' THEN 1 WHEN 'LEFT' THEN -1 ELSE 0 END) AS BIGINT) AS n
           FROM membership_event WHERE group_id = ? AND at < ?",
        vec![group_id.into(), from.into()],
    ))
    .one(db)
    .await?
    .and_then(|base| base.n)
    .unwrap_or(0);
    let mut values = Vec::new();
    let period = period_of("at", cuts, &mut values);
    values.extend([group_id.into(), from.into(), to.into()]);
    let counts = EventCount::find_by_statement(statement(
        backend,
        &format!(
            "SELECT CAST({period} AS INTEGER) AS period, kind, CAST(COUNT(*) AS BIGINT) AS n
               FROM membership_event WHERE group_id = ? AND at >= ? AND at < ?
              GROUP BY 1, kind"
        ),
        values,
    ))
    .all(db)
    .await?;
    let mut values = Vec::new();
    let period = period_of("at", cuts, &mut values);
    values.extend([group_id.into(), from.into(), to.into()]);
    #[derive(FromQueryResult)]
    struct Wait {
        period: i32,
        waited_seconds: i64,
    }
    let waits = Wait::find_by_statement(statement(
        backend,
        &format!(
            "SELECT CAST({period} AS INTEGER) AS period, waited_seconds FROM membership_event
              WHERE group_id = ? AND at >= ? AND at < ? AND kind = 'DECIDED'
                AND waited_seconds IS NOT NULL"
        ),
        values,
    ))
    .all(db)
    .await?;
    let mut periods = vec![MembershipPeriod::default(); cuts.len() - 1];
    for count in counts {
        let Some(slot) = slot(&mut periods, count.period) else {
            continue;
        };
        match count.kind.as_str() {
            "JOINED" => slot.joins = count.n,
            "LEFT" => slot.leaves = count.n,
            "REQUESTED" => slot.requests = count.n,
            _ => {}
        }
    }
    for wait in waits {
        if let Some(slot) = slot(&mut periods, wait.period) {
            slot.decision_waits.push(wait.waited_seconds);
        }
    }
    let mut members = base;
    for slot in &mut periods {
        members += slot.joins - slot.leaves;
        slot.members = members;
    }
    Ok(periods)
}

/// Distinct active members per period, in all and by kind of activity.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActivityPeriod {
    pub active: i64,
    pub posted: i64,
    pub commented: i64,
    pub reacted: i64,
    pub shared: i64,
    pub rsvped: i64,
    pub checked_in: i64,
}

pub async fn activity_by_period(
    db: &Db,
    group_id: Uuid,
    cuts: &[DateTime<Utc>],
) -> AppResult<Vec<ActivityPeriod>> {
    let backend = db.get_database_backend();
    let (from, to) = (cuts[0], cuts[cuts.len() - 1]);
    let mut values = Vec::new();
    let cte = activity(group_id, &mut values);
    let by_kind = period_of("at", cuts, &mut values);
    values.extend([from.into(), to.into()]);
    let any = period_of("at", cuts, &mut values);
    values.extend([from.into(), to.into()]);
    let counts = EventCount::find_by_statement(statement(
        backend,
        &format!(
            "WITH {cte}
             SELECT CAST({by_kind} AS INTEGER) AS period,
                    CASE WHEN kind IN ('FORMAL_MEETUP', 'INFORMAL_MEETUP') THEN 'CHECKED_IN'
                         ELSE kind END AS kind,
                    CAST(COUNT(DISTINCT member_id) AS BIGINT) AS n
               FROM activity WHERE at >= ? AND at < ? GROUP BY 1, 2
             UNION ALL
             SELECT CAST({any} AS INTEGER), 'ANY', CAST(COUNT(DISTINCT member_id) AS BIGINT)
               FROM activity WHERE at >= ? AND at < ? GROUP BY 1"
        ),
        values,
    ))
    .all(db)
    .await?;
    let mut periods = vec![ActivityPeriod::default(); cuts.len() - 1];
    for count in counts {
        let Some(slot) = slot(&mut periods, count.period) else {
            continue;
        };
        let field = match count.kind.as_str() {
            "ANY" => &mut slot.active,
            "POSTED" => &mut slot.posted,
            "COMMENTED" => &mut slot.commented,
            "REACTED" => &mut slot.reacted,
            "SHARED" => &mut slot.shared,
            "RSVPED" => &mut slot.rsvped,
            "CHECKED_IN" => &mut slot.checked_in,
            _ => continue,
        };
        *field = count.n;
    }
    Ok(periods)
}

/// One meetup's attendance.
#[derive(Clone, Debug, FromQueryResult)]
pub struct MeetupRow {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub format: String,
    pub starts_at: DateTime<Utc>,
    pub timezone: String,
    pub going: i64,
    pub waitlisted: i64,
    /// The longest the waitlist was.
    pub waitlist_peak: i64,
    pub checked_in: i64,
    /// Checked in for the first time at one of the group's meetups.
    pub first_timers: i64,
    /// Of those, checked in at another of its meetups within 90 days.
    pub returned: i64,
}

/// Days within which a first-timer's next check-in counts as a return.
pub const RETURN_DAYS: u32 = 90;

pub async fn meetups(
    db: &Db,
    group_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<MeetupRow>> {
    let backend = db.get_database_backend();
    let first_time = "NOT EXISTS (SELECT 1 FROM rsvp w JOIN meetup n ON n.id = w.meetup_id
        WHERE w.member_id = v.member_id AND w.checked_in_at IS NOT NULL
          AND n.group_id = m.group_id AND n.starts_at < m.starts_at)";
    let came_back = format!(
        "EXISTS (SELECT 1 FROM rsvp w JOIN meetup n ON n.id = w.meetup_id
          WHERE w.member_id = v.member_id AND w.checked_in_at IS NOT NULL
            AND n.group_id = m.group_id AND {})",
        within_days(backend, "n.starts_at", "m.starts_at", RETURN_DAYS)
    );
    let sql = format!(
        "SELECT m.id, m.title, m.kind, m.format, m.starts_at, m.timezone,
           CAST(m.waitlist_peak AS BIGINT) AS waitlist_peak,
           (SELECT CAST(COUNT(*) AS BIGINT) FROM rsvp v WHERE v.meetup_id = m.id AND v.status = 'GOING') AS going,
           (SELECT CAST(COUNT(*) AS BIGINT) FROM rsvp v WHERE v.meetup_id = m.id AND v.status = 'WAITLISTED') AS waitlisted,
           (SELECT CAST(COUNT(*) AS BIGINT) FROM rsvp v WHERE v.meetup_id = m.id AND v.checked_in_at IS NOT NULL) AS checked_in,
           (SELECT CAST(COUNT(*) AS BIGINT) FROM rsvp v WHERE v.meetup_id = m.id
              AND v.checked_in_at IS NOT NULL AND {first_time}) AS first_timers,
           (SELECT CAST(COUNT(*) AS BIGINT) FROM rsvp v WHERE v.meetup_id = m.id
              AND v.checked_in_at IS NOT NULL AND {first_time} AND {came_back}) AS returned
         FROM meetup m
        WHERE m.group_id = ? AND m.status = 'PUBLISHED' AND m.starts_at >= ? AND m.starts_at < ?
        ORDER BY m.starts_at, m.id"
    );
    Ok(MeetupRow::find_by_statement(statement(
        backend,
        &sql,
        vec![group_id.into(), from.into(), to.into()],
    ))
    .all(db)
    .await?)
}

/// One thread's discussion.
#[derive(Clone, Debug, FromQueryResult)]
pub struct ThreadRow {
    pub id: Uuid,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub comments: i64,
    /// The author and everyone who commented.
    pub participants: i64,
    /// The deepest reply (0: comments on the thread only).
    pub depth: Option<i32>,
    /// When someone other than its author first answered.
    pub first_reply_at: Option<DateTime<Utc>>,
    pub quotes: i64,
    /// Meetups of the group planned after the thread began and linked with it.
    pub meetups: i64,
    pub likes: i64,
    pub insightful: i64,
    pub agree: i64,
    pub disagree: i64,
}

/// The meetups (`m`) thread `t` led to: planned (created, and published since) after the thread
/// began and linked with it: the opening post or a comment still shown links to the meetup or to
/// a resource now attached to it (its page, or the address it shares), or the meetup's
/// description links to the thread (`discussion_link`).
const LED_TO: &str = "FROM discussion_link l
    LEFT JOIN resource r ON r.removed_at IS NULL
      AND (r.id = l.resource_id OR (r.group_id = t.group_id AND r.url_key = l.url_key))
    JOIN meetup m ON m.id = COALESCE(l.meetup_id, r.meetup_id)
    LEFT JOIN comment c ON l.source = 'COMMENT' AND c.id = l.source_id
   WHERE l.thread_id = t.id AND m.status = 'PUBLISHED' AND m.created_at >= t.created_at
     AND (l.source <> 'COMMENT' OR c.id IS NOT NULL)
     AND c.deleted_at IS NULL AND c.hidden_at IS NULL";

/// Threads started in the range, oldest first, with the meetups each led to ([`LED_TO`]).
pub async fn threads(
    db: &Db,
    group_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<ThreadRow>> {
    let reactions = |kind: &str, name: &str| {
        format!(
            "(SELECT CAST(COUNT(*) AS BIGINT) FROM reaction r JOIN comment c ON c.id = r.comment_id
               WHERE c.thread_id = t.id AND r.kind = '{kind}') AS {name}"
        )
    };
    let sql = format!(
        "SELECT t.id, t.title, t.created_at,
           (SELECT CAST(COUNT(*) AS BIGINT) FROM comment c
             WHERE c.thread_id = t.id AND c.deleted_at IS NULL) AS comments,
           (SELECT CAST(COUNT(*) AS BIGINT) FROM (
              SELECT c.author_id AS who FROM comment c WHERE c.thread_id = t.id
              UNION SELECT t.author_id) p WHERE p.who IS NOT NULL) AS participants,
           (SELECT MAX(c.depth) FROM comment c WHERE c.thread_id = t.id) AS depth,
           (SELECT MIN(c.created_at) FROM comment c WHERE c.thread_id = t.id
             AND (t.author_id IS NULL OR c.author_id IS NULL OR c.author_id <> t.author_id))
             AS first_reply_at,
           (SELECT CAST(COUNT(*) AS BIGINT) FROM comment c
             WHERE c.thread_id = t.id AND c.quote_source_id IS NOT NULL) AS quotes,
           (SELECT CAST(COUNT(DISTINCT m.id) AS BIGINT) {LED_TO}) AS meetups,
           {}, {}, {}, {}
         FROM thread t
        WHERE t.group_id = ? AND t.deleted_at IS NULL AND t.created_at >= ? AND t.created_at < ?
        ORDER BY t.created_at, t.id",
        reactions("LIKE", "likes"),
        reactions("INSIGHTFUL", "insightful"),
        reactions("AGREE", "agree"),
        reactions("DISAGREE", "disagree"),
    );
    Ok(ThreadRow::find_by_statement(statement(
        db.get_database_backend(),
        &sql,
        vec![group_id.into(), from.into(), to.into()],
    ))
    .all(db)
    .await?)
}

/// Distinct members who took part (started or commented on) in the threads started in the range,
/// taken together by topic (`dimension` `TOPIC`, `label` the slug) and by whether the thread led
/// to a meetup (`OUTCOME`, `LED_TO_MEETUP` or `NO_MEETUP`): one statement.
#[derive(Clone, Debug, FromQueryResult)]
pub struct ParticipantsRow {
    pub dimension: String,
    pub label: String,
    pub members: i64,
}

pub async fn thread_participants(
    db: &Db,
    group_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<ParticipantsRow>> {
    let sql = format!(
        "WITH t AS (
           SELECT t.id, t.author_id,
                  CASE WHEN EXISTS (SELECT 1 {LED_TO}) THEN 'LED_TO_MEETUP' ELSE 'NO_MEETUP' END
                    AS outcome
             FROM thread t
            WHERE t.group_id = ? AND t.deleted_at IS NULL AND t.created_at >= ?
              AND t.created_at < ?),
         p AS (
           SELECT t.id AS thread_id, t.outcome, t.author_id AS who FROM t
            WHERE t.author_id IS NOT NULL
           UNION SELECT t.id, t.outcome, c.author_id FROM comment c JOIN t ON t.id = c.thread_id
            WHERE c.author_id IS NOT NULL)
         SELECT 'TOPIC' AS dimension, x.slug AS label,
                CAST(COUNT(DISTINCT p.who) AS BIGINT) AS members
           FROM p JOIN thread_topic tt ON tt.thread_id = p.thread_id
           JOIN topic x ON x.id = tt.topic_id
          GROUP BY x.slug
         UNION ALL
         SELECT 'OUTCOME', p.outcome, CAST(COUNT(DISTINCT p.who) AS BIGINT) FROM p
          GROUP BY p.outcome"
    );
    Ok(ParticipantsRow::find_by_statement(statement(
        db.get_database_backend(),
        &sql,
        vec![group_id.into(), from.into(), to.into()],
    ))
    .all(db)
    .await?)
}

/// The topics of the rows in `ids` of a `*_topic` table (`thread_topic`, `resource_topic`,
/// `meetup_topic`), as `(row, topic slug)`.
pub async fn topics_of(
    db: &Db,
    table: &str,
    column: &str,
    ids: &[Uuid],
) -> AppResult<Vec<(Uuid, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(FromQueryResult)]
    struct Row {
        owner: Uuid,
        slug: String,
    }
    let placeholders = vec!["?"; ids.len()].join(", ");
    let rows = Row::find_by_statement(statement(
        db.get_database_backend(),
        &format!(
            "SELECT x.{column} AS owner, t.slug FROM {table} x JOIN topic t ON t.id = x.topic_id
              WHERE x.{column} IN ({placeholders})"
        ),
        ids.iter().map(|id| (*id).into()).collect(),
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|row| (row.owner, row.slug)).collect())
}

/// Shares and downloads of the group's resources in the range, per resource.
#[derive(Clone, Debug, FromQueryResult)]
pub struct ResourceRow {
    pub id: Uuid,
    pub kind: String,
    /// Whether it was shared in the range (else only downloaded in it).
    pub shared: bool,
    pub downloads: i64,
    /// Distinct signed-in members who downloaded it.
    pub downloaders: i64,
}

pub async fn resources(
    db: &Db,
    group_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<ResourceRow>> {
    let sql = "SELECT r.id, r.kind,
           CASE WHEN r.created_at >= ? AND r.created_at < ? THEN TRUE ELSE FALSE END AS shared,
           (SELECT CAST(COUNT(*) AS BIGINT) FROM resource_download d
             WHERE d.resource_id = r.id AND d.day >= ? AND d.day < ?) AS downloads,
           (SELECT CAST(COUNT(DISTINCT d.member_id) AS BIGINT) FROM resource_download d
             WHERE d.resource_id = r.id AND d.day >= ? AND d.day < ?) AS downloaders
         FROM resource r
        WHERE r.group_id = ? AND r.removed_at IS NULL
          AND ((r.created_at >= ? AND r.created_at < ?) OR EXISTS (
               SELECT 1 FROM resource_download d
                WHERE d.resource_id = r.id AND d.day >= ? AND d.day < ?))";
    let mut values: Vec<Value> = Vec::new();
    for _ in 0..3 {
        values.extend([from.into(), to.into()]);
    }
    values.push(group_id.into());
    for _ in 0..2 {
        values.extend([from.into(), to.into()]);
    }
    Ok(
        ResourceRow::find_by_statement(statement(db.get_database_backend(), sql, values))
            .all(db)
            .await?,
    )
}

/// The kinds of activity whose effect is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    FormalMeetup,
    InformalMeetup,
    Thread,
    Resource,
}

impl Activity {
    pub const ALL: [Activity; 4] = [
        Activity::FormalMeetup,
        Activity::InformalMeetup,
        Activity::Thread,
        Activity::Resource,
    ];

    /// Its name, as the API's enum spells it.
    pub fn code(self) -> &'static str {
        match self {
            Activity::FormalMeetup => "FORMAL_MEETUP",
            Activity::InformalMeetup => "INFORMAL_MEETUP",
            Activity::Thread => "THREAD",
            Activity::Resource => "RESOURCE",
        }
    }

    /// The activity rows that count as taking part in it.
    fn kinds(self) -> &'static str {
        match self {
            Activity::FormalMeetup => "'FORMAL_MEETUP'",
            Activity::InformalMeetup => "'INFORMAL_MEETUP'",
            Activity::Thread => "'POSTED', 'COMMENTED'",
            Activity::Resource => "'SHARED', 'DOWNLOADED'",
        }
    }
}

/// Days after taking part within which a member counts as active again.
pub const AGAIN_DAYS: u32 = 30;

/// Members who took part in an activity in the range and were active again within 30 days of
/// it, against members active in the range who did not take part (and were active again within
/// 30 days of some act in the range).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Effect {
    pub participants: i64,
    pub participants_again: i64,
    pub others: i64,
    pub others_again: i64,
}

/// `next` (a member's next distinct moment of activity) falls within `days` days of `at`.
fn next_within(backend: DatabaseBackend, days: u32) -> String {
    match backend {
        DatabaseBackend::Postgres => {
            format!("next_at IS NOT NULL AND next_at <= at + INTERVAL '{days} days'")
        }
        _ => format!("next_at IS NOT NULL AND julianday(next_at) <= julianday(at) + {days}"),
    }
}

/// The effect of every kind of activity, in one statement: each act in the range is paired with
/// its member's next moment of activity (a window over their distinct moments), each member is
/// reduced to flags (took part in each kind; active again after it; active again after
/// anything), and the flags are summed.
pub async fn effects(
    db: &Db,
    group_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<(Activity, Effect)>> {
    let backend = db.get_database_backend();
    let mut values = Vec::new();
    let cte = activity(group_id, &mut values);
    values.extend([from.into(), to.into()]);
    let again = next_within(backend, AGAIN_DAYS);
    let mut flags = vec![format!(
        "MAX(CASE WHEN {again} THEN 1 ELSE 0 END) AS again_any"
    )];
    let mut sums = Vec::new();
    for (index, what) in Activity::ALL.iter().enumerate() {
        let kinds = what.kinds();
        flags.push(format!(
            "MAX(CASE WHEN kind IN ({kinds}) THEN 1 ELSE 0 END) AS took_{index}, \
             MAX(CASE WHEN kind IN ({kinds}) AND {again} THEN 1 ELSE 0 END) AS again_{index}"
        ));
        sums.push(format!(
            "CAST(SUM(took_{index}) AS BIGINT) AS took_{index}, \
             CAST(SUM(again_{index}) AS BIGINT) AS again_{index}, \
             CAST(SUM(1 - took_{index}) AS BIGINT) AS others_{index}, \
             CAST(SUM(CASE WHEN took_{index} = 0 THEN again_any ELSE 0 END) AS BIGINT) \
               AS others_again_{index}"
        ));
    }
    let sql = format!(
        "WITH {cte},
              moments AS (
                SELECT member_id, at, LEAD(at) OVER (PARTITION BY member_id ORDER BY at) AS next_at
                  FROM (SELECT DISTINCT member_id, at FROM activity) d),
              acts AS (
                SELECT a.member_id, a.kind, a.at, m.next_at FROM activity a
                  JOIN moments m ON m.member_id = a.member_id AND m.at = a.at
                 WHERE a.at >= ? AND a.at < ?),
              members AS (SELECT member_id, {} FROM acts GROUP BY member_id)
         SELECT {} FROM members",
        flags.join(", "),
        sums.join(", "),
    );
    let row = db
        .query_one_raw(statement(backend, &sql, values))
        .await?
        .ok_or_else(|| AppError::internal("an aggregate without its row"))?;
    let mut effects = Vec::with_capacity(Activity::ALL.len());
    for (index, what) in Activity::ALL.into_iter().enumerate() {
        let number = |name: String| -> AppResult<i64> {
            Ok(row.try_get::<Option<i64>>("", &name)?.unwrap_or(0))
        };
        effects.push((
            what,
            Effect {
                participants: number(format!("took_{index}"))?,
                participants_again: number(format!("again_{index}"))?,
                others: number(format!("others_{index}"))?,
                others_again: number(format!("others_again_{index}"))?,
            },
        ));
    }
    Ok(effects)
}

/// The weekday a meetup starts on, where it happens.
pub fn weekday(row: &MeetupRow) -> chrono::Weekday {
    row.timezone
        .parse::<chrono_tz::Tz>()
        .map(|tz| row.starts_at.with_timezone(&tz).weekday())
        .unwrap_or_else(|_| row.starts_at.weekday())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_range_is_cut_into_weeks_or_calendar_months_ending_at_to() {
        let from = Utc
            .with_ymd_and_hms(2026, 1, 31, 0, 0, 0)
            .single()
            .expect("date");
        let to = Utc
            .with_ymd_and_hms(2026, 4, 15, 0, 0, 0)
            .single()
            .expect("date");
        let months = boundaries(from, to, Interval::Month).expect("months");
        assert_eq!(months.len(), 4, "{months:?}");
        assert_eq!(
            months[1],
            Utc.with_ymd_and_hms(2026, 2, 28, 0, 0, 0).unwrap()
        );
        assert_eq!(months[3], to);
        let weeks =
            boundaries(from, from + chrono::Duration::days(14), Interval::Week).expect("weeks");
        assert_eq!(weeks.len(), 3);
        assert!(boundaries(to, from, Interval::Week).is_err());
        assert!(boundaries(from, from + chrono::Duration::days(7 * 200), Interval::Week).is_err());
    }

    #[test]
    fn postgres_placeholders_are_numbered_in_order() {
        let sql = statement(
            DatabaseBackend::Postgres,
            "a = ? AND b < ?",
            vec![1.into(), 2.into()],
        );
        assert_eq!(sql.sql, "a = $1 AND b < $2");
    }
}
