//! The same figures as `Group.insights`, as one CSV table in long form (`section, start, end,
//! key, figure, value`), for the board's spreadsheet. A suppressed cell reads `suppressed`.

use std::fmt::Write;

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    error::AppResult,
    graphql::scalars::DateTime,
    insights::{
        Range, figures,
        graphql::{
            DiscussionAggregate, MeetupAggregate, MeetupFigures, MemberCount, ReactionCounts,
            Share, activity_insights, discussions_by_outcome, discussions_by_topic, effect_insight,
            meetup_aggregates, meetup_insight, membership_insights, resource_aggregates,
            thread_insight,
        },
    },
};

/// One CSV field, quoted when it must be (RFC 4180), and kept from being read as a formula.
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn count(value: MemberCount) -> String {
    match value.value {
        Some(n) => n.to_string(),
        None => "suppressed".into(),
    }
}

fn rate(value: Share) -> String {
    match (value.value, value.suppressed) {
        (Some(share), _) => format!("{share:.4}"),
        (None, true) => "suppressed".into(),
        (None, false) => String::new(),
    }
}

struct Table(String);

impl Table {
    fn row(
        &mut self,
        section: &str,
        period: Option<(&DateTime, &DateTime)>,
        key: &str,
        figure: &str,
        value: String,
    ) {
        let (start, end) = period.map_or((String::new(), String::new()), |(start, end)| {
            (start.0.to_rfc3339(), end.0.to_rfc3339())
        });
        let _ = writeln!(
            self.0,
            "{},{},{},{},{},{}",
            field(section),
            start,
            end,
            field(key),
            figure,
            field(&value)
        );
    }

    fn aggregates(&mut self, section: &str, rows: &[MeetupAggregate]) {
        for row in rows {
            self.row(section, None, &row.key, "meetups", row.meetups.to_string());
            self.meetup_figures(section, &row.key, &row.figures);
        }
    }

    fn meetup_figures(&mut self, section: &str, key: &str, figures: &MeetupFigures) {
        for (figure, value) in [
            ("going", count(figures.going)),
            ("waitlisted", count(figures.waitlisted)),
            ("waitlistPeak", count(figures.waitlist_peak)),
            ("checkedIn", count(figures.checked_in)),
            ("showUpRate", rate(figures.show_up_rate)),
            ("noShowRate", rate(figures.no_show_rate)),
            ("firstTimers", count(figures.first_timers)),
            ("returnRate", rate(figures.return_rate)),
        ] {
            self.row(section, None, key, figure, value);
        }
    }

    fn discussions(&mut self, section: &str, rows: &[DiscussionAggregate]) {
        for row in rows {
            for (figure, value) in [
                ("threads", row.threads.to_string()),
                ("comments", row.comments.to_string()),
                ("participants", count(row.participants)),
                ("replyDepth", row.reply_depth.to_string()),
                ("quotes", row.quotes.to_string()),
                (
                    "medianHoursToFirstReply",
                    hours(row.median_hours_to_first_reply),
                ),
            ] {
                self.row(section, None, &row.key, figure, value);
            }
            self.reactions(section, &row.key, row.reactions);
        }
    }

    fn reactions(&mut self, section: &str, key: &str, reactions: ReactionCounts) {
        for (figure, n) in [
            ("like", reactions.like),
            ("insightful", reactions.insightful),
            ("agree", reactions.agree),
            ("disagree", reactions.disagree),
        ] {
            self.row(section, None, key, figure, n.to_string());
        }
    }
}

fn hours(value: Option<f64>) -> String {
    value.map(|hours| format!("{hours:.2}")).unwrap_or_default()
}

/// The group's insights over `range` as CSV.
pub async fn render(db: &DatabaseConnection, group_id: Uuid, range: &Range) -> AppResult<String> {
    let mut table = Table(String::from("section,start,end,key,figure,value\n"));
    let members = figures::membership(db, group_id, &range.cuts).await?;
    let activity = figures::activity_by_period(db, group_id, &range.cuts).await?;
    for row in activity_insights(range, activity, &members) {
        let period = Some((&row.start, &row.end));
        table.row(
            "activity",
            period,
            "",
            "activeMembers",
            count(row.active_members),
        );
        table.row(
            "activity",
            period,
            "",
            "shareOfMembers",
            rate(row.share_of_members),
        );
        table.row(
            "activity",
            period,
            "",
            "startedThreads",
            count(row.started_threads),
        );
        table.row("activity", period, "", "commented", count(row.commented));
        table.row("activity", period, "", "reacted", count(row.reacted));
        table.row("activity", period, "", "shared", count(row.shared));
        table.row(
            "activity",
            period,
            "",
            "answeredMeetups",
            count(row.answered_meetups),
        );
        table.row("activity", period, "", "checkedIn", count(row.checked_in));
    }
    for row in membership_insights(range, members) {
        let period = Some((&row.start, &row.end));
        table.row("membership", period, "", "members", count(row.members));
        table.row("membership", period, "", "joins", count(row.joins));
        table.row("membership", period, "", "leaves", count(row.leaves));
        table.row("membership", period, "", "requests", count(row.requests));
        table.row("membership", period, "", "decisions", count(row.decisions));
        table.row(
            "membership",
            period,
            "",
            "medianHoursToDecision",
            row.median_hours_to_decision
                .map(|hours| format!("{hours:.2}"))
                .unwrap_or_default(),
        );
    }
    let meetups = figures::meetups(db, group_id, range.from, range.to).await?;
    for row in meetups.iter().map(meetup_insight) {
        let key = format!("{} ({})", row.title, row.starts_at.0.to_rfc3339());
        table.meetup_figures("meetup", &key, &row.figures);
    }
    let ids: Vec<Uuid> = meetups.iter().map(|row| row.id).collect();
    let topics = figures::topics_of(db, "meetup_topic", "meetup_id", &ids).await?;
    let aggregates = meetup_aggregates(&meetups, &topics);
    table.aggregates("meetupsByKind", &aggregates.by_kind);
    table.aggregates("meetupsByFormat", &aggregates.by_format);
    table.aggregates("meetupsByWeekday", &aggregates.by_weekday);
    table.aggregates("meetupsByTopic", &aggregates.by_topic);
    let threads = figures::threads(db, group_id, range.from, range.to).await?;
    for row in threads.iter().map(thread_insight) {
        let key = format!("{} ({})", row.title, row.created_at.0.to_rfc3339());
        table.row("thread", None, &key, "comments", row.comments.to_string());
        table.row(
            "thread",
            None,
            &key,
            "participants",
            count(row.participants),
        );
        table.row(
            "thread",
            None,
            &key,
            "replyDepth",
            row.reply_depth.to_string(),
        );
        table.row(
            "thread",
            None,
            &key,
            "hoursToFirstReply",
            hours(row.hours_to_first_reply),
        );
        table.row("thread", None, &key, "quotes", row.quotes.to_string());
        table.row("thread", None, &key, "meetups", row.meetups.to_string());
        table.reactions("thread", &key, row.reactions);
    }
    let ids: Vec<Uuid> = threads.iter().map(|row| row.id).collect();
    let topics = figures::topics_of(db, "thread_topic", "thread_id", &ids).await?;
    let participants = figures::thread_participants(db, group_id, range.from, range.to).await?;
    let by_topic = discussions_by_topic(&threads, &topics, &participants);
    table.discussions("discussionsByTopic", &by_topic);
    let by_outcome = discussions_by_outcome(&threads, &participants);
    table.discussions("discussionsByOutcome", &by_outcome);
    let resources = figures::resources(db, group_id, range.from, range.to).await?;
    let ids: Vec<Uuid> = resources.iter().map(|row| row.id).collect();
    let topics = figures::topics_of(db, "resource_topic", "resource_id", &ids).await?;
    for (section, rows) in [
        (
            "resourcesByKind",
            resource_aggregates(resources.iter().map(|row| (row.kind.clone(), row))),
        ),
        (
            "resourcesByTopic",
            resource_aggregates(topics.iter().filter_map(|(id, topic)| {
                resources
                    .iter()
                    .find(|row| row.id == *id)
                    .map(|row| (topic.clone(), row))
            })),
        ),
    ] {
        for row in rows {
            table.row(section, None, &row.key, "shared", row.shared.to_string());
            table.row(
                section,
                None,
                &row.key,
                "downloads",
                row.downloads.to_string(),
            );
        }
    }
    for (activity, effect) in figures::effects(db, group_id, range.from, range.to).await? {
        let row = effect_insight(activity, &effect);
        let key = activity.code();
        table.row("effect", None, key, "participants", count(row.participants));
        table.row(
            "effect",
            None,
            key,
            "participantsActiveAgain",
            count(row.participants_active_again),
        );
        table.row(
            "effect",
            None,
            key,
            "participantsRate",
            rate(row.participants_rate),
        );
        table.row("effect", None, key, "others", count(row.others));
        table.row(
            "effect",
            None,
            key,
            "othersActiveAgain",
            count(row.others_active_again),
        );
        table.row("effect", None, key, "othersRate", rate(row.others_rate));
    }
    Ok(table.0)
}
