//! Meetups in iCalendar (RFC 5545): the feeds' calendars, and the invitation a member's mail
//! carries (RFC 5546 `METHOD:REQUEST`, or `CANCEL` when the meetup is off). Every form uses the
//! same event: a stable UID, `SEQUENCE` growing with each change, times in UTC, so calendar apps
//! update the one entry instead of adding another.

use entity::{interest_group, meetup};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};

fn event(meetup: &meetup::Model, group: &interest_group::Model) -> Event {
    let mut description = format!("{}\n\n{}", meetup.description, group.name);
    if let Some(reason) = &meetup.cancel_reason {
        description = format!("Cancelled: {reason}\n\n{description}");
    }
    let mut event = Event::new();
    event
        .uid(&format!("{}@fagruppe", meetup.id))
        .timestamp(meetup.updated_at)
        .created(meetup.created_at)
        .last_modified(meetup.updated_at)
        .sequence(u32::try_from(meetup.sequence).unwrap_or_default())
        .starts(meetup.starts_at)
        .ends(meetup.ends_at)
        .summary(&meetup.title)
        .description(&description)
        .status(match meetup.status {
            meetup::Status::Published => EventStatus::Confirmed,
            meetup::Status::Cancelled => EventStatus::Cancelled,
            meetup::Status::Draft => EventStatus::Tentative,
        });
    if let Some(venue) = &meetup.venue_name {
        event.location(&match &meetup.venue_address {
            Some(address) => format!("{venue}, {address}"),
            None => venue.clone(),
        });
    }
    event.done()
}

/// A whole calendar of `meetups` of `group`. The `icalendar` crate escapes TEXT values and folds
/// lines at 75 octets without splitting a character.
pub fn calendar(group: &interest_group::Model, meetups: &[meetup::Model]) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Fagruppe//Meetups//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .name(&group.name);
    calendar.extend(meetups.iter().map(|meetup| event(meetup, group)));
    calendar.to_string()
}

/// The iTIP method of an invitation mailed to one member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Add or update the event.
    Request,
    /// Remove it: the meetup was cancelled.
    Cancel,
}

impl Method {
    /// The name in `METHOD:` and in the mail part's content type.
    pub fn name(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
        }
    }
}

/// A calendar holding one meetup, sent to `attendee` by `organizer` (the mail's sender).
pub fn invitation(
    meetup: &meetup::Model,
    group: &interest_group::Model,
    method: Method,
    organizer: &str,
    attendee: &str,
) -> String {
    let mut event = event(meetup, group);
    event
        .append_property(
            Property::new("ORGANIZER", format!("mailto:{organizer}"))
                .add_parameter("CN", &group.name)
                .done(),
        )
        .append_property(
            Property::new("ATTENDEE", format!("mailto:{attendee}"))
                .add_parameter("PARTSTAT", "ACCEPTED")
                .add_parameter("RSVP", "FALSE")
                .done(),
        );
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Fagruppe//Meetups//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", method.name()));
    calendar.push(event.done());
    calendar.to_string()
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::interest_group::{JoinPolicy, Visibility};
    use uuid::Uuid;

    use super::*;

    #[test]
    fn long_norwegian_lines_fold_at_75_octets_and_separators_are_escaped() {
        let now = Utc::now();
        let group = interest_group::Model {
            id: Uuid::from_u128(1),
            slug: "g".into(),
            name: "Sosiale medier; etikk, og ROI".into(),
            description: String::new(),
            visibility: Visibility::Public,
            join_policy: JoinPolicy::Open,
            created_by: Uuid::from_u128(2),
            created_at: now,
            updated_at: now,
            archived_at: None,
            member_count: 0,
            guidelines_version: None,
        };
        let meetup = meetup::Model {
            id: Uuid::from_u128(3),
            group_id: group.id,
            title: "æøå".repeat(40),
            description: "Linje én\nlinje to".into(),
            kind: meetup::Kind::Formal,
            format: meetup::Format::InPerson,
            venue_name: Some("Kulturhuset".into()),
            venue_address: None,
            online_url: None,
            starts_at: now,
            ends_at: now,
            timezone: "Europe/Oslo".into(),
            capacity: None,
            rsvp_deadline: None,
            status: meetup::Status::Cancelled,
            cancel_reason: None,
            agenda: "[]".into(),
            sequence: 2,
            created_by: group.created_by,
            created_at: now,
            updated_at: now,
            going_count: 0,
            waitlist_count: 0,
            waitlist_peak: 0,
        };
        let ics = calendar(&group, std::slice::from_ref(&meetup));
        for physical in ics.split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{} octets: {physical}",
                physical.len()
            );
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}\r\n", "æøå".repeat(40))));
        assert!(unfolded.contains("X-WR-CALNAME:Sosiale medier\\; etikk\\, og ROI"));
        assert!(unfolded.contains("UID:00000000-0000-0000-0000-000000000003@fagruppe"));
        assert!(unfolded.contains("SEQUENCE:2"));
        assert!(unfolded.contains("STATUS:CANCELLED"));
        assert_eq!(unfolded.matches("PRODID").count(), 1);
    }
}
