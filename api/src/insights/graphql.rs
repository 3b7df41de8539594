//! `Group.insights`: each figure set is computed only when selected.

use std::collections::BTreeMap;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::Utc;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::{
    error::AppResult,
    graphql::{context::ContextExt, scalars::DateTime},
    ids,
    insights::{
        Range, figures,
        figures::{Activity, MeetupRow},
        median_hours, share, share_suppressed, shown,
    },
};

/// How insights cut their range into periods.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsightInterval {
    /// Seven days from `from`.
    Week,
    /// Calendar months from `from`.
    Month,
}

impl From<InsightInterval> for figures::Interval {
    fn from(interval: InsightInterval) -> Self {
        match interval {
            InsightInterval::Week => figures::Interval::Week,
            InsightInterval::Month => figures::Interval::Month,
        }
    }
}

/// A number of members: null and `suppressed` when it is 1 to 4, so nobody can be picked out.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct MemberCount {
    pub value: Option<i64>,
    pub suppressed: bool,
}

impl MemberCount {
    pub fn of(count: i64) -> Self {
        let value = shown(count);
        Self {
            value,
            suppressed: value.is_none(),
        }
    }
}

/// A share between 0 and 1: null when undefined (nothing to divide by) or, `suppressed`, when
/// either count behind it is 1 to 4 members.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct Share {
    pub value: Option<f64>,
    pub suppressed: bool,
}

impl Share {
    pub fn of(part: i64, whole: i64) -> Self {
        Self {
            value: share(part, whole),
            suppressed: share_suppressed(part, whole),
        }
    }
}

/// Membership in one period.
#[derive(SimpleObject)]
pub struct MembershipInsight {
    pub start: DateTime,
    pub end: DateTime,
    /// Active members at the period's end.
    pub members: MemberCount,
    pub joins: MemberCount,
    /// Left, removed, or account deleted.
    pub leaves: MemberCount,
    /// Requests to join made in the period.
    pub requests: MemberCount,
    /// Requests answered in the period.
    pub decisions: MemberCount,
    /// The median wait of those answers, in hours: null when there were none, or fewer than 5.
    pub median_hours_to_decision: Option<f64>,
}

/// Who was active in one period: distinct members, by what they did.
#[derive(SimpleObject)]
pub struct ActivityInsight {
    pub start: DateTime,
    pub end: DateTime,
    /// Members who did any of the below.
    pub active_members: MemberCount,
    /// Active members as a share of the members at the period's end.
    pub share_of_members: Share,
    pub started_threads: MemberCount,
    pub commented: MemberCount,
    pub reacted: MemberCount,
    pub shared: MemberCount,
    pub answered_meetups: MemberCount,
    pub checked_in: MemberCount,
}

/// The attendance figures of one meetup, or of meetups taken together (added up).
#[derive(SimpleObject)]
pub struct MeetupFigures {
    pub going: MemberCount,
    /// On the waitlist now (at the start, once a meetup has started).
    pub waitlisted: MemberCount,
    /// The longest the waitlist was (for meetups taken together, their peaks added up): the
    /// demand the seats did not meet.
    pub waitlist_peak: MemberCount,
    pub checked_in: MemberCount,
    /// Checked in ÷ going, of the meetups that have started; null before any has.
    pub show_up_rate: Share,
    /// (Going − checked in) ÷ going, of the meetups that have started; null before any has.
    pub no_show_rate: Share,
    /// Checked in at one of the group's meetups for the first time.
    pub first_timers: MemberCount,
    /// The share of first-timers checked in at another of its meetups within 90 days.
    pub return_rate: Share,
}

/// One meetup's attendance.
#[derive(SimpleObject)]
pub struct MeetupInsight {
    pub meetup_id: ID,
    pub title: String,
    /// As `MeetupKind`: `FORMAL` or `INFORMAL`.
    pub kind: String,
    /// As `MeetupFormat`: `IN_PERSON`, `ONLINE` or `HYBRID`.
    pub format: String,
    pub starts_at: DateTime,
    #[graphql(flatten)]
    pub figures: MeetupFigures,
}

/// Meetups taken together by one of their traits.
#[derive(SimpleObject)]
pub struct MeetupAggregate {
    /// The kind (`FORMAL`), format (`ONLINE`), weekday where it happens (`TUESDAY`) or topic
    /// slug.
    pub key: String,
    /// How many meetups.
    pub meetups: i64,
    #[graphql(flatten)]
    pub figures: MeetupFigures,
}

/// The traits meetups are taken together by.
#[derive(SimpleObject)]
pub struct MeetupAggregates {
    pub by_kind: Vec<MeetupAggregate>,
    pub by_format: Vec<MeetupAggregate>,
    pub by_weekday: Vec<MeetupAggregate>,
    pub by_topic: Vec<MeetupAggregate>,
}

/// Reactions to a thread's comments, by kind.
#[derive(SimpleObject, Default, Clone, Copy)]
pub struct ReactionCounts {
    pub like: i64,
    pub insightful: i64,
    pub agree: i64,
    pub disagree: i64,
}

/// One thread's discussion.
#[derive(SimpleObject)]
pub struct ThreadInsight {
    pub thread_id: ID,
    pub title: String,
    pub created_at: DateTime,
    /// Comments and replies not deleted.
    pub comments: i64,
    /// Its author and everyone who commented.
    pub participants: MemberCount,
    /// The deepest reply: 0 when nobody replied to a comment.
    pub reply_depth: i32,
    /// Hours until someone other than its author first answered; null while nobody has.
    pub hours_to_first_reply: Option<f64>,
    /// Comments that quote another comment or the thread.
    pub quotes: i64,
    pub reactions: ReactionCounts,
    /// Meetups it led to: planned after it began and linked with it (the thread or a comment
    /// links to the meetup or to a resource attached to it, or the meetup's description links to
    /// the thread).
    pub meetups: i64,
}

/// Threads taken together by topic, or by whether they led to a meetup.
#[derive(SimpleObject)]
pub struct DiscussionAggregate {
    /// A topic slug, or `LED_TO_MEETUP` / `NO_MEETUP`.
    pub key: String,
    pub threads: i64,
    pub comments: i64,
    /// Distinct members who started or commented on them.
    pub participants: MemberCount,
    /// The deepest reply among them.
    pub reply_depth: i32,
    pub quotes: i64,
    /// The median of the threads' hours to a first reply (of those answered).
    pub median_hours_to_first_reply: Option<f64>,
    pub reactions: ReactionCounts,
}

/// Resources taken together by kind or topic.
#[derive(SimpleObject)]
pub struct ResourceAggregate {
    /// A resource kind (`SLIDES`) or topic slug.
    pub key: String,
    /// Shared in the range.
    pub shared: i64,
    /// Downloads of their files in the range.
    pub downloads: i64,
}

fn hours_to_first_reply(row: &figures::ThreadRow) -> Option<f64> {
    row.first_reply_at
        .map(|at| (at - row.created_at).num_seconds().max(0) as f64 / 3600.0)
}

fn reactions_of(row: &figures::ThreadRow) -> ReactionCounts {
    ReactionCounts {
        like: row.likes,
        insightful: row.insightful,
        agree: row.agree,
        disagree: row.disagree,
    }
}

pub fn thread_insight(row: &figures::ThreadRow) -> ThreadInsight {
    ThreadInsight {
        thread_id: ids::encode(ids::Kind::Thread, row.id),
        title: row.title.clone(),
        created_at: row.created_at.into(),
        comments: row.comments,
        participants: MemberCount::of(row.participants),
        reply_depth: row.depth.unwrap_or(0),
        hours_to_first_reply: hours_to_first_reply(row),
        quotes: row.quotes,
        reactions: reactions_of(row),
        meetups: row.meetups,
    }
}

pub fn discussions_by_topic(
    rows: &[figures::ThreadRow],
    topics: &[(Uuid, String)],
    participants: &[figures::ParticipantsRow],
) -> Vec<DiscussionAggregate> {
    let mut by_topic: BTreeMap<&str, Vec<&figures::ThreadRow>> = BTreeMap::new();
    for (thread, topic) in topics {
        if let Some(row) = rows.iter().find(|row| row.id == *thread) {
            by_topic.entry(topic.as_str()).or_default().push(row);
        }
    }
    discussion_aggregates(by_topic, "TOPIC", participants)
}

/// The threads that led to a meetup (`LED_TO_MEETUP`) and those that did not (`NO_MEETUP`),
/// both always there.
pub fn discussions_by_outcome(
    rows: &[figures::ThreadRow],
    participants: &[figures::ParticipantsRow],
) -> Vec<DiscussionAggregate> {
    let mut by_outcome: BTreeMap<&str, Vec<&figures::ThreadRow>> =
        [("LED_TO_MEETUP", Vec::new()), ("NO_MEETUP", Vec::new())].into();
    for row in rows {
        let key = if row.meetups > 0 {
            "LED_TO_MEETUP"
        } else {
            "NO_MEETUP"
        };
        by_outcome.entry(key).or_default().push(row);
    }
    discussion_aggregates(by_outcome, "OUTCOME", participants)
}

/// Threads taken together under each key, with the distinct participants counted for the key in
/// `dimension` of `participants`.
fn discussion_aggregates(
    groups: BTreeMap<&str, Vec<&figures::ThreadRow>>,
    dimension: &str,
    participants: &[figures::ParticipantsRow],
) -> Vec<DiscussionAggregate> {
    groups
        .into_iter()
        .map(|(key, threads)| {
            let waits: Vec<i64> = threads
                .iter()
                .filter_map(|row| hours_to_first_reply(row).map(|hours| (hours * 3600.0) as i64))
                .collect();
            let mut reactions = ReactionCounts::default();
            for row in &threads {
                let counts = reactions_of(row);
                reactions.like += counts.like;
                reactions.insightful += counts.insightful;
                reactions.agree += counts.agree;
                reactions.disagree += counts.disagree;
            }
            DiscussionAggregate {
                key: key.to_owned(),
                threads: i64::try_from(threads.len()).unwrap_or(i64::MAX),
                comments: threads.iter().map(|row| row.comments).sum(),
                participants: MemberCount::of(
                    participants
                        .iter()
                        .find(|row| row.dimension == dimension && row.label == key)
                        .map_or(0, |row| row.members),
                ),
                reply_depth: threads
                    .iter()
                    .filter_map(|row| row.depth)
                    .max()
                    .unwrap_or(0),
                quotes: threads.iter().map(|row| row.quotes).sum(),
                median_hours_to_first_reply: median_hours(&waits),
                reactions,
            }
        })
        .collect()
}

pub fn resource_aggregates<'a>(
    rows: impl Iterator<Item = (String, &'a figures::ResourceRow)>,
) -> Vec<ResourceAggregate> {
    let mut sums: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (key, row) in rows {
        let sum = sums.entry(key).or_default();
        sum.0 += i64::from(row.shared);
        sum.1 += row.downloads;
    }
    sums.into_iter()
        .map(|(key, (shared, downloads))| ResourceAggregate {
            key,
            shared,
            downloads,
        })
        .collect()
}

/// Resources taken together by topic (`topics` as [`figures::topics_of`] gives them).
pub fn resources_by_topic(
    rows: &[figures::ResourceRow],
    topics: &[(Uuid, String)],
) -> Vec<ResourceAggregate> {
    resource_aggregates(topics.iter().filter_map(|(id, topic)| {
        rows.iter()
            .find(|row| row.id == *id)
            .map(|row| (topic.clone(), row))
    }))
}

/// The activities whose effect is compared.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EffectActivity {
    /// Checked in at a formal meetup.
    FormalMeetup,
    /// Checked in at an informal meetup.
    InformalMeetup,
    /// Started or commented on a thread.
    Thread,
    /// Shared or downloaded a resource.
    Resource,
}

impl From<Activity> for EffectActivity {
    fn from(activity: Activity) -> Self {
        match activity {
            Activity::FormalMeetup => Self::FormalMeetup,
            Activity::InformalMeetup => Self::InformalMeetup,
            Activity::Thread => Self::Thread,
            Activity::Resource => Self::Resource,
        }
    }
}

/// Did taking part bring members back? Those who took part in the activity in the range and
/// were active again (anything at all) within 30 days after, against the members active in the
/// range who did not take part, active again within 30 days of something they did.
#[derive(SimpleObject)]
pub struct EffectInsight {
    pub activity: EffectActivity,
    pub participants: MemberCount,
    pub participants_active_again: MemberCount,
    pub participants_rate: Share,
    pub others: MemberCount,
    pub others_active_again: MemberCount,
    pub others_rate: Share,
}

/// A group's insights over a range: for its owners and organisers. Rows two figure sets share
/// are read once per request.
pub struct GroupInsights {
    pub group_id: Uuid,
    pub range: Range,
    membership: OnceCell<Vec<figures::MembershipPeriod>>,
    meetups: OnceCell<Vec<MeetupRow>>,
    threads: OnceCell<Vec<figures::ThreadRow>>,
    participants: OnceCell<Vec<figures::ParticipantsRow>>,
    resources: OnceCell<Vec<figures::ResourceRow>>,
}

impl GroupInsights {
    pub fn new(group_id: Uuid, range: Range) -> Self {
        Self {
            group_id,
            range,
            membership: OnceCell::new(),
            meetups: OnceCell::new(),
            threads: OnceCell::new(),
            participants: OnceCell::new(),
            resources: OnceCell::new(),
        }
    }

    async fn membership_rows(&self, ctx: &Context<'_>) -> AppResult<&[figures::MembershipPeriod]> {
        let db = &ctx.state()?.db;
        Ok(self
            .membership
            .get_or_try_init(|| figures::membership(db, self.group_id, &self.range.cuts))
            .await?)
    }

    async fn meetup_rows(&self, ctx: &Context<'_>) -> AppResult<&[MeetupRow]> {
        let db = &ctx.state()?.db;
        Ok(self
            .meetups
            .get_or_try_init(|| figures::meetups(db, self.group_id, self.range.from, self.range.to))
            .await?)
    }

    async fn thread_rows(&self, ctx: &Context<'_>) -> AppResult<&[figures::ThreadRow]> {
        let db = &ctx.state()?.db;
        Ok(self
            .threads
            .get_or_try_init(|| figures::threads(db, self.group_id, self.range.from, self.range.to))
            .await?)
    }

    async fn participant_rows(&self, ctx: &Context<'_>) -> AppResult<&[figures::ParticipantsRow]> {
        let db = &ctx.state()?.db;
        Ok(self
            .participants
            .get_or_try_init(|| {
                figures::thread_participants(db, self.group_id, self.range.from, self.range.to)
            })
            .await?)
    }

    async fn resource_rows(&self, ctx: &Context<'_>) -> AppResult<&[figures::ResourceRow]> {
        let db = &ctx.state()?.db;
        Ok(self
            .resources
            .get_or_try_init(|| {
                figures::resources(db, self.group_id, self.range.from, self.range.to)
            })
            .await?)
    }
}

fn period(range: &Range, index: usize) -> (DateTime, DateTime) {
    (range.cuts[index].into(), range.cuts[index + 1].into())
}

pub fn membership_insights(
    range: &Range,
    periods: Vec<figures::MembershipPeriod>,
) -> Vec<MembershipInsight> {
    periods
        .into_iter()
        .enumerate()
        .map(|(index, p)| {
            let (start, end) = period(range, index);
            let decisions = i64::try_from(p.decision_waits.len()).unwrap_or(i64::MAX);
            MembershipInsight {
                start,
                end,
                members: MemberCount::of(p.members),
                joins: MemberCount::of(p.joins),
                leaves: MemberCount::of(p.leaves),
                requests: MemberCount::of(p.requests),
                decisions: MemberCount::of(decisions),
                median_hours_to_decision: shown(decisions)
                    .and_then(|_| median_hours(&p.decision_waits)),
            }
        })
        .collect()
}

pub fn activity_insights(
    range: &Range,
    periods: Vec<figures::ActivityPeriod>,
    members: &[figures::MembershipPeriod],
) -> Vec<ActivityInsight> {
    periods
        .into_iter()
        .enumerate()
        .map(|(index, p)| {
            let (start, end) = period(range, index);
            let members = members.get(index).map_or(0, |m| m.members);
            ActivityInsight {
                start,
                end,
                active_members: MemberCount::of(p.active),
                share_of_members: Share::of(p.active, members),
                started_threads: MemberCount::of(p.posted),
                commented: MemberCount::of(p.commented),
                reacted: MemberCount::of(p.reacted),
                shared: MemberCount::of(p.shared),
                answered_meetups: MemberCount::of(p.rsvped),
                checked_in: MemberCount::of(p.checked_in),
            }
        })
        .collect()
}

fn started(row: &MeetupRow) -> bool {
    row.starts_at <= Utc::now()
}

pub fn meetup_insight(row: &MeetupRow) -> MeetupInsight {
    let mut sums = Sums::default();
    sums.add(row);
    MeetupInsight {
        meetup_id: ids::encode(ids::Kind::Meetup, row.id),
        title: row.title.clone(),
        kind: row.kind.clone(),
        format: row.format.clone(),
        starts_at: row.starts_at.into(),
        figures: sums.figures(),
    }
}

/// Sums of meetups' figures: of one meetup, or of those under one key.
#[derive(Default)]
struct Sums {
    meetups: i64,
    going: i64,
    waitlisted: i64,
    waitlist_peak: i64,
    checked_in: i64,
    going_started: i64,
    checked_in_started: i64,
    first_timers: i64,
    returned: i64,
}

impl Sums {
    fn add(&mut self, row: &MeetupRow) {
        self.meetups += 1;
        self.going += row.going;
        self.waitlisted += row.waitlisted;
        self.waitlist_peak += row.waitlist_peak;
        self.checked_in += row.checked_in;
        if started(row) {
            self.going_started += row.going;
            self.checked_in_started += row.checked_in;
        }
        self.first_timers += row.first_timers;
        self.returned += row.returned;
    }

    fn figures(&self) -> MeetupFigures {
        MeetupFigures {
            going: MemberCount::of(self.going),
            waitlisted: MemberCount::of(self.waitlisted),
            waitlist_peak: MemberCount::of(self.waitlist_peak),
            checked_in: MemberCount::of(self.checked_in),
            show_up_rate: Share::of(self.checked_in_started, self.going_started),
            no_show_rate: Share::of(
                (self.going_started - self.checked_in_started).max(0),
                self.going_started,
            ),
            first_timers: MemberCount::of(self.first_timers),
            return_rate: Share::of(self.returned, self.first_timers),
        }
    }
}

fn aggregate<'a>(rows: impl Iterator<Item = (String, &'a MeetupRow)>) -> Vec<MeetupAggregate> {
    let mut sums: BTreeMap<String, Sums> = BTreeMap::new();
    for (key, row) in rows {
        sums.entry(key).or_default().add(row);
    }
    sums.into_iter()
        .map(|(key, sum)| MeetupAggregate {
            key,
            meetups: sum.meetups,
            figures: sum.figures(),
        })
        .collect()
}

pub fn meetup_aggregates(rows: &[MeetupRow], topics: &[(Uuid, String)]) -> MeetupAggregates {
    MeetupAggregates {
        by_kind: aggregate(rows.iter().map(|row| (row.kind.clone(), row))),
        by_format: aggregate(rows.iter().map(|row| (row.format.clone(), row))),
        by_weekday: aggregate(
            rows.iter()
                .map(|row| (weekday_name(figures::weekday(row)).to_owned(), row)),
        ),
        by_topic: aggregate(topics.iter().filter_map(|(meetup, topic)| {
            rows.iter()
                .find(|row| row.id == *meetup)
                .map(|row| (topic.clone(), row))
        })),
    }
}

fn weekday_name(day: chrono::Weekday) -> &'static str {
    match day {
        chrono::Weekday::Mon => "MONDAY",
        chrono::Weekday::Tue => "TUESDAY",
        chrono::Weekday::Wed => "WEDNESDAY",
        chrono::Weekday::Thu => "THURSDAY",
        chrono::Weekday::Fri => "FRIDAY",
        chrono::Weekday::Sat => "SATURDAY",
        chrono::Weekday::Sun => "SUNDAY",
    }
}

pub fn effect_insight(activity: Activity, effect: &figures::Effect) -> EffectInsight {
    EffectInsight {
        activity: activity.into(),
        participants: MemberCount::of(effect.participants),
        participants_active_again: MemberCount::of(effect.participants_again),
        participants_rate: Share::of(effect.participants_again, effect.participants),
        others: MemberCount::of(effect.others),
        others_active_again: MemberCount::of(effect.others_again),
        others_rate: Share::of(effect.others_again, effect.others),
    }
}

#[Object]
impl GroupInsights {
    async fn from(&self) -> DateTime {
        self.range.from.into()
    }

    async fn to(&self) -> DateTime {
        self.range.to.into()
    }

    /// Members, joins, leaves and requests per period.
    async fn membership(&self, ctx: &Context<'_>) -> AppResult<Vec<MembershipInsight>> {
        let periods = self.membership_rows(ctx).await?.to_vec();
        Ok(membership_insights(&self.range, periods))
    }

    /// Who was active per period (distinct members, by what they did).
    async fn activity(&self, ctx: &Context<'_>) -> AppResult<Vec<ActivityInsight>> {
        let db = &ctx.state()?.db;
        let periods = figures::activity_by_period(db, self.group_id, &self.range.cuts).await?;
        let members = self.membership_rows(ctx).await?;
        Ok(activity_insights(&self.range, periods, members))
    }

    /// Each published meetup that starts in the range, in time order.
    async fn meetups(&self, ctx: &Context<'_>) -> AppResult<Vec<MeetupInsight>> {
        let rows = self.meetup_rows(ctx).await?;
        Ok(rows.iter().map(meetup_insight).collect())
    }

    /// The same meetups taken together by kind, format, weekday and topic.
    async fn meetup_aggregates(&self, ctx: &Context<'_>) -> AppResult<MeetupAggregates> {
        let rows = self.meetup_rows(ctx).await?;
        let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
        let topics =
            figures::topics_of(&ctx.state()?.db, "meetup_topic", "meetup_id", &ids).await?;
        Ok(meetup_aggregates(rows, &topics))
    }

    /// Each thread started in the range, in time order.
    async fn threads(&self, ctx: &Context<'_>) -> AppResult<Vec<ThreadInsight>> {
        let rows = self.thread_rows(ctx).await?;
        Ok(rows.iter().map(thread_insight).collect())
    }

    /// The same threads taken together by topic.
    async fn discussions_by_topic(&self, ctx: &Context<'_>) -> AppResult<Vec<DiscussionAggregate>> {
        let rows = self.thread_rows(ctx).await?;
        let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
        let topics =
            figures::topics_of(&ctx.state()?.db, "thread_topic", "thread_id", &ids).await?;
        let participants = self.participant_rows(ctx).await?;
        Ok(discussions_by_topic(rows, &topics, participants))
    }

    /// The same threads in two: those that led to a meetup and those that did not (see
    /// `ThreadInsight.meetups`).
    async fn discussions_by_outcome(
        &self,
        ctx: &Context<'_>,
    ) -> AppResult<Vec<DiscussionAggregate>> {
        let participants = self.participant_rows(ctx).await?;
        Ok(discussions_by_outcome(
            self.thread_rows(ctx).await?,
            participants,
        ))
    }

    /// Resources shared, and downloads of files, in the range by kind.
    async fn resources_by_kind(&self, ctx: &Context<'_>) -> AppResult<Vec<ResourceAggregate>> {
        let rows = self.resource_rows(ctx).await?;
        Ok(resource_aggregates(
            rows.iter().map(|row| (row.kind.clone(), row)),
        ))
    }

    /// The same by topic.
    async fn resources_by_topic(&self, ctx: &Context<'_>) -> AppResult<Vec<ResourceAggregate>> {
        let rows = self.resource_rows(ctx).await?;
        let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
        let topics =
            figures::topics_of(&ctx.state()?.db, "resource_topic", "resource_id", &ids).await?;
        Ok(resources_by_topic(rows, &topics))
    }

    /// For each kind of activity: were those who took part active again within 30 days more
    /// often than those who did not?
    async fn effect(&self, ctx: &Context<'_>) -> AppResult<Vec<EffectInsight>> {
        let db = &ctx.state()?.db;
        let effects = figures::effects(db, self.group_id, self.range.from, self.range.to).await?;
        Ok(effects
            .iter()
            .map(|(activity, effect)| effect_insight(*activity, effect))
            .collect())
    }
}
