//! The same figures as `Group.insights`, as one CSV table in long form (`section, start, end,
//! key, figure, value`), for the board's spreadsheet. A suppressed cell reads `suppressed`.

use std::fmt::Write;

use uuid::Uuid;

use crate::{
    db::Db,
    error::AppResult,
    graphql::scalars::DateTime,
    insights::{
        Range, figures,
        graphql::{
            DiscussionAggregate, MeetupAggregate, MeetupFigures, MemberCount, ReactionCounts,
            Share, activity_insights, discussions_by_outcome, discussions_by_topic, effect_insight,
            meetup_aggregates, meetup_insight, membership_insights, resource_aggregates,
            resources_by_topic, thread_insight,
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

    /// One row per `(figure, value)`, all of `section`, `period` and `key`.
    fn figures<const N: usize>(
        &mut self,
        section: &str,
        period: Option<(&DateTime, &DateTime)>,
        key: &str,
        figures: [(&str, String); N],
    ) {
        for (figure, value) in figures {
            self.row(section, period, key, figure, value);
        }
    }

    fn aggregates(&mut self, section: &str, rows: &[MeetupAggregate]) {
        for row in rows {
            self.row(section, None, &row.key, "meetups", row.meetups.to_string());
            self.meetup_figures(section, &row.key, &row.figures);
        }
    }

    fn meetup_figures(&mut self, section: &str, key: &str, figures: &MeetupFigures) {
        self.figures(
            section,
            None,
            key,
            [
                ("going", count(figures.going)),
                ("waitlisted", count(figures.waitlisted)),
                ("waitlistPeak", count(figures.waitlist_peak)),
                ("checkedIn", count(figures.checked_in)),
                ("showUpRate", rate(figures.show_up_rate)),
                ("noShowRate", rate(figures.no_show_rate)),
                ("firstTimers", count(figures.first_timers)),
                ("returnRate", rate(figures.return_rate)),
            ],
        );
    }

    fn discussions(&mut self, section: &str, rows: &[DiscussionAggregate]) {
        for row in rows {
            self.figures(
                section,
                None,
                &row.key,
                [
                    ("threads", row.threads.to_string()),
                    ("comments", row.comments.to_string()),
                    ("participants", count(row.participants)),
                    ("replyDepth", row.reply_depth.to_string()),
                    ("quotes", row.quotes.to_string()),
                    (
                        "medianHoursToFirstReply",
                        hours(row.median_hours_to_first_reply),
                    ),
                ],
            );
            self.reactions(section, &row.key, row.reactions);
        }
    }

    fn reactions(&mut self, section: &str, key: &str, reactions: ReactionCounts) {
        self.figures(
            section,
            None,
            key,
            [
                ("like", reactions.like.to_string()),
                ("insightful", reactions.insightful.to_string()),
                ("agree", reactions.agree.to_string()),
                ("disagree", reactions.disagree.to_string()),
            ],
        );
    }
}

fn hours(value: Option<f64>) -> String {
    value.map(|hours| format!("{hours:.2}")).unwrap_or_default()
}

/// The group's insights over `range` as CSV.
pub async fn render(db: &Db, group_id: Uuid, range: &Range) -> AppResult<String> {
    let mut table = Table(String::from("section,start,end,key,figure,value\n"));
    let members = figures::membership(db, group_id, &range.cuts).await?;
    let activity = figures::activity_by_period(db, group_id, &range.cuts).await?;
    for row in activity_insights(range, activity, &members) {
        let period = Some((&row.start, &row.end));
        table.figures(
            "activity",
            period,
            "",
            [
                ("activeMembers", count(row.active_members)),
                ("shareOfMembers", rate(row.share_of_members)),
                ("startedThreads", count(row.started_threads)),
                ("commented", count(row.commented)),
                ("reacted", count(row.reacted)),
                ("shared", count(row.shared)),
                ("answeredMeetups", count(row.answered_meetups)),
                ("checkedIn", count(row.checked_in)),
            ],
        );
    }
    for row in membership_insights(range, members) {
        let period = Some((&row.start, &row.end));
        table.figures(
            "membership",
            period,
            "",
            [
                ("members", count(row.members)),
                ("joins", count(row.joins)),
                ("leaves", count(row.leaves)),
                ("requests", count(row.requests)),
                ("decisions", count(row.decisions)),
                ("medianHoursToDecision", hours(row.median_hours_to_decision)),
            ],
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
        table.figures(
            "thread",
            None,
            &key,
            [
                ("comments", row.comments.to_string()),
                ("participants", count(row.participants)),
                ("replyDepth", row.reply_depth.to_string()),
                ("hoursToFirstReply", hours(row.hours_to_first_reply)),
                ("quotes", row.quotes.to_string()),
                ("meetups", row.meetups.to_string()),
            ],
        );
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
        ("resourcesByTopic", resources_by_topic(&resources, &topics)),
    ] {
        for row in rows {
            table.figures(
                section,
                None,
                &row.key,
                [
                    ("shared", row.shared.to_string()),
                    ("downloads", row.downloads.to_string()),
                ],
            );
        }
    }
    for (activity, effect) in figures::effects(db, group_id, range.from, range.to).await? {
        let row = effect_insight(activity, &effect);
        table.figures(
            "effect",
            None,
            activity.code(),
            [
                ("participants", count(row.participants)),
                (
                    "participantsActiveAgain",
                    count(row.participants_active_again),
                ),
                ("participantsRate", rate(row.participants_rate)),
                ("others", count(row.others)),
                ("othersActiveAgain", count(row.others_active_again)),
                ("othersRate", rate(row.others_rate)),
            ],
        );
    }
    Ok(table.0)
}
