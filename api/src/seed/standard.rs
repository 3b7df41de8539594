//! The standard data set: a national association at `scale` × (10,000 members, 50 groups, 30,000
//! memberships, 2,000 meetups, 100,000 answers, 5,000 threads, 200,000 comments, 10,000
//! resources), shaped like one: a few large groups and many small ones, a few threads with
//! thousands of comments and many with a handful.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{
    comment, group_topic, interest_group, meetup, meetup_host, membership, resource, rsvp, thread,
    thread_topic, topic,
};
use rand::{Rng, seq::index::sample};
use uuid::Uuid;

use super::rows::{Rows, Source, member};
use crate::{ids, markdown};

const FIRST_NAMES: [&str; 24] = [
    "Kari", "Ola", "Ingrid", "Lars", "Sofie", "Jonas", "Nora", "Henrik", "Emma", "Magnus", "Sara",
    "Aksel", "Ida", "Sindre", "Maja", "Even", "Thea", "Håkon", "Frida", "Eirik", "Silje",
    "Øystein", "Marte", "Bjørn",
];
const LAST_NAMES: [&str; 20] = [
    "Nordmann",
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Berg",
    "Haugen",
    "Hagen",
    "Dahl",
    "Lie",
    "Solberg",
    "Bakken",
    "Strand",
];
const HEADLINES: [&str; 8] = [
    "Personvernombud, uttaler seg privat",
    "IT-sjef i kommunal sektor",
    "Utvikler og tillitsvalgt",
    "Rådgiver informasjonssikkerhet",
    "Produktleder, skriver for meg selv",
    "Jurist med teknologi som felt",
    "Arkitekt, offentlig sektor",
    "Daglig leder i et lite konsulentselskap",
];
const ORGANISATIONS: [&str; 6] = [
    "Oslo kommune",
    "NAV IT",
    "Statens vegvesen",
    "Et konsulentselskap",
    "Universitetet i Bergen",
    "Helse Vest IKT",
];
const GROUP_THEMES: [&str; 10] = [
    "KI og etikk",
    "Personvern i praksis",
    "Ledelse i IT",
    "Informasjonssikkerhet",
    "Gevinstrealisering",
    "Smidig i offentlig sektor",
    "Kvinner i teknologi",
    "Arkitekturforum",
    "Jus og teknologi",
    "Organisasjonskultur",
];
const MEETUP_TITLES: [&str; 6] = [
    "Frokostseminar: hva gir effekt?",
    "Afterwork med faglig prat",
    "Lunsj og læring",
    "Kveldsmøte: erfaringer fra feltet",
    "Digitalt fagmøte",
    "Workshop: fra gevinst til praksis",
];
const THREAD_TITLES: [&str; 6] = [
    "Hva synes dere om artikkelen?",
    "Erfaringer med gevinstrealisering",
    "Hvem eier dataene?",
    "Er etikkråd bare pynt?",
    "Hvordan måler vi effekt?",
    "Personvern og skytjenester",
];
const SENTENCES: [&str; 12] = [
    "Jeg er enig i hovedpoenget, men tallene i artikkelen holder ikke.",
    "Hos oss tok det to år før vi så noen gevinst i det hele tatt.",
    "Dette er en privat vurdering, ikke arbeidsgiverens syn.",
    "Har noen lest **rapporten** fra Datatilsynet om dette?",
    "Jeg tror problemet er ledelse, ikke teknologi.",
    "Vi prøvde det samme og endte med å skru det av etter et halvt år.",
    "Uenig: uten måling vet vi ikke om noe virker.",
    "Godt poeng. Kulturen spiser strategien til frokost.",
    "Juridisk er dette et gråområde, spesielt for offentlig sektor.",
    "Kan vi ta dette opp på neste fagmøte?",
    "Takk for en grundig gjennomgang!",
    "Jeg savner brukernes perspektiv i hele denne debatten.",
];
const RESOURCE_KINDS: [resource::Kind; 6] = [
    resource::Kind::Article,
    resource::Kind::Paper,
    resource::Kind::Slides,
    resource::Kind::Video,
    resource::Kind::Document,
    resource::Kind::Link,
];

/// A group as the generator tracks it: its row and its active members (the first is the owner,
/// the next two organisers).
struct Group {
    row: interest_group::Model,
    active: Vec<Uuid>,
}

pub fn generate(scale: u32, password_hash: &str, topics: &[topic::Model]) -> Rows {
    let n = usize::try_from(scale).unwrap_or(1);
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or_else(Utc::now, |midnight| midnight.and_utc());
    let founded = today - Duration::days(3 * 365);
    let mut source = Source::new(u64::from(scale));
    let mut rows = Rows::default();
    let bodies: Vec<(String, String)> = SENTENCES
        .iter()
        .enumerate()
        .map(|(i, first)| {
            let body = format!("{first} {}", SENTENCES[(i * 5 + 3) % SENTENCES.len()]);
            let html = markdown::render(&body);
            (body, html)
        })
        .collect();

    let members = members(&mut source, &mut rows, 10_000 * n, password_hash, founded);
    let mut groups = groups(
        &mut source,
        &mut rows,
        &members,
        50 * n,
        30_000 * n,
        founded,
        topics,
    );
    meetups(
        &mut source,
        &mut rows,
        &mut groups,
        2_000 * n,
        100_000 * n,
        today,
    );
    threads(
        &mut source,
        &mut rows,
        &groups,
        (5_000 * n, 200_000 * n),
        today,
        &bodies,
        topics,
    );
    resources(&mut source, &mut rows, &groups, 10_000 * n, today);
    follow_ups(&mut rows);
    rows
}

/// Every fourth published meetup follows up the latest thread of its group started before it was
/// planned: its description links to the thread (so insights find threads that led to meetups).
fn follow_ups(rows: &mut Rows) {
    let mut threads: HashMap<Uuid, Vec<(DateTime<Utc>, Uuid)>> = HashMap::new();
    for thread in &rows.threads {
        threads
            .entry(thread.group_id)
            .or_default()
            .push((thread.created_at, thread.id));
    }
    for started in threads.values_mut() {
        started.sort_unstable();
    }
    let published = rows
        .meetups
        .iter_mut()
        .filter(|meetup| meetup.status == meetup::Status::Published);
    for meetup in published.step_by(4) {
        let Some(started) = threads.get(&meetup.group_id) else {
            continue;
        };
        let before = started.partition_point(|(at, _)| *at <= meetup.created_at);
        if let Some((_, thread_id)) = before.checked_sub(1).and_then(|k| started.get(k)) {
            meetup.description = format!(
                "{} Videre fra [tråden](/threads/{}).",
                meetup.description,
                ids::encode(ids::Kind::Thread, *thread_id).0
            );
        }
    }
}

fn members(
    source: &mut Source,
    rows: &mut Rows,
    count: usize,
    password_hash: &str,
    founded: DateTime<Utc>,
) -> Vec<Uuid> {
    let mut handles = std::collections::HashSet::new();
    (0..count)
        .map(|i| {
            let at = founded + Duration::minutes(i64::try_from(i).unwrap_or(0) * 3);
            let id = source.id(at);
            let first = FIRST_NAMES[i % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()];
            let name = format!("{first} {last}");
            let headline = source.chance(0.6).then(|| *source.pick(&HEADLINES));
            let organisation = source.chance(0.5).then(|| *source.pick(&ORGANISATIONS));
            rows.members.push(member(
                &mut handles,
                id,
                &format!("medlem{i}@seed.fagruppe.test"),
                &name,
                headline,
                organisation,
                password_hash,
                at,
            ));
            id
        })
        .collect()
}

/// Long-tailed weights: the k-th of `count` items weighs 1/(k+1)^0.9.
fn long_tail(count: usize) -> Vec<f64> {
    let weights: Vec<f64> = (0..count)
        .map(|k| 1.0 / ((k + 1) as f64).powf(0.9))
        .collect();
    let total: f64 = weights.iter().sum();
    weights.into_iter().map(|w| w / total).collect()
}

/// Splits `total` over `weights` (rounded; every share at least `floor`).
fn shares(total: usize, weights: &[f64], floor: usize) -> Vec<usize> {
    weights
        .iter()
        .map(|w| ((total as f64 * w).round() as usize).max(floor))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn groups(
    source: &mut Source,
    rows: &mut Rows,
    members: &[Uuid],
    count: usize,
    memberships: usize,
    founded: DateTime<Utc>,
    topics: &[topic::Model],
) -> Vec<Group> {
    let sizes = shares(memberships, &long_tail(count), 8);
    let mut groups = Vec::with_capacity(count);
    for (g, size) in sizes.into_iter().enumerate() {
        let size = size.min(members.len());
        let at = founded + Duration::days(i64::try_from(g).unwrap_or(0) % 365);
        let id = source.id(at);
        let theme = GROUP_THEMES[g % GROUP_THEMES.len()];
        let round = g / GROUP_THEMES.len();
        let name = if round == 0 {
            theme.to_owned()
        } else {
            format!("{theme} {}", round + 1)
        };
        let chosen: Vec<Uuid> = sample(&mut source.rng, members.len(), size)
            .into_iter()
            .map(|i| members[i])
            .collect();
        let mut active = Vec::with_capacity(size);
        for (k, member_id) in chosen.iter().enumerate() {
            let role = match k {
                0 => membership::Role::Owner,
                1 | 2 => membership::Role::Organiser,
                3 => membership::Role::Moderator,
                _ => membership::Role::Member,
            };
            let status = if k > 3 && source.chance(0.03) {
                membership::Status::Pending
            } else {
                membership::Status::Active
            };
            if status == membership::Status::Active {
                active.push(*member_id);
            }
            let joined = at + Duration::hours(i64::try_from(k).unwrap_or(0));
            rows.memberships.push(membership::Model {
                id: source.id(joined),
                group_id: id,
                member_id: *member_id,
                role,
                status,
                created_at: joined,
                updated_at: joined,
                default_speaking_as: None,
                default_organisation_id: None,
                accepted_guidelines_version: None,
            });
        }
        let topic = &topics[g % topics.len().max(1)];
        rows.group_topics.push(group_topic::Model {
            group_id: id,
            topic_id: topic.id,
        });
        let row = interest_group::Model {
            id,
            slug: crate::groups::slug::slugify(&name),
            description: format!(
                "Faggruppe for {} i foreningen: fagmøter, diskusjoner og delte ressurser.",
                theme.to_lowercase()
            ),
            name,
            visibility: if g % 7 == 6 {
                interest_group::Visibility::MembersOnly
            } else {
                interest_group::Visibility::Public
            },
            join_policy: if g % 5 == 4 {
                interest_group::JoinPolicy::Approval
            } else {
                interest_group::JoinPolicy::Open
            },
            created_by: chosen[0],
            created_at: at,
            updated_at: at,
            archived_at: None,
            member_count: i32::try_from(active.len()).unwrap_or(i32::MAX),
            guidelines_version: None,
        };
        rows.groups.push(row.clone());
        groups.push(Group { row, active });
    }
    groups
}

/// Each group's share of all active memberships: busy groups meet, talk and share more.
fn by_size(groups: &[Group]) -> Vec<f64> {
    let total: usize = groups.iter().map(|g| g.active.len()).sum();
    groups
        .iter()
        .map(|g| g.active.len() as f64 / total.max(1) as f64)
        .collect()
}

/// A count drawn around `mean` with a long tail (exponential), at least 1.
fn around(source: &mut Source, mean: f64) -> usize {
    let u: f64 = source.rng.random_range(f64::EPSILON..1.0);
    ((-u.ln() * mean).round() as usize).max(1)
}

fn meetups(
    source: &mut Source,
    rows: &mut Rows,
    groups: &mut [Group],
    count: usize,
    answers: usize,
    today: DateTime<Utc>,
) {
    let weights = by_size(groups);
    let per_group = shares(count, &weights, 1);
    let mean_answers = answers as f64 / count.max(1) as f64;
    let mut index = 0usize;
    for (group, meetups) in groups.iter().zip(per_group) {
        for _ in 0..meetups {
            index += 1;
            // Every other meetup is ahead, up to half a year; the rest up to a year back.
            let days = if index.is_multiple_of(2) {
                source.rng.random_range(1..180)
            } else {
                -source.rng.random_range(1..365)
            };
            let starts_at = today + Duration::days(days) + Duration::hours(8 + (index % 10) as i64);
            let created_at = starts_at.min(today) - Duration::days(30);
            let id = source.id(created_at);
            let host = group.active[(index % 3).min(group.active.len() - 1)];
            let status = match index % 50 {
                0 => meetup::Status::Draft,
                1 => meetup::Status::Cancelled,
                _ => meetup::Status::Published,
            };
            let formal = index.is_multiple_of(2);
            let mut going = 0;
            let mut waitlisted = 0;
            if status != meetup::Status::Draft {
                let wanted = around(source, mean_answers).min(group.active.len());
                let who = sample(&mut source.rng, group.active.len(), wanted);
                for (place, k) in who.into_iter().enumerate() {
                    let share = place as f64 / wanted as f64;
                    let answer = if share < 0.80 {
                        going += 1;
                        rsvp::Status::Going
                    } else if share < 0.92 {
                        waitlisted += 1;
                        rsvp::Status::Waitlisted
                    } else {
                        rsvp::Status::NotGoing
                    };
                    let at = created_at + Duration::minutes(i64::try_from(place).unwrap_or(0));
                    rows.rsvps.push(rsvp::Model {
                        id: source.id(at),
                        meetup_id: id,
                        member_id: group.active[k],
                        status: answer,
                        queued_at: i64::try_from(place).unwrap_or(0) + 1,
                        checked_in_at: None,
                        created_at: at,
                        updated_at: at,
                    });
                }
            }
            rows.meetup_hosts.push(meetup_host::Model {
                meetup_id: id,
                member_id: host,
            });
            rows.meetups.push(meetup::Model {
                id,
                group_id: group.row.id,
                title: MEETUP_TITLES[index % MEETUP_TITLES.len()].to_owned(),
                description: "Vi deler erfaringer og diskuterer hva som faktisk gir effekt."
                    .to_owned(),
                kind: if formal {
                    meetup::Kind::Formal
                } else {
                    meetup::Kind::Informal
                },
                format: if formal {
                    meetup::Format::Hybrid
                } else {
                    meetup::Format::InPerson
                },
                venue_name: Some("Kulturhuset".to_owned()),
                venue_address: Some("Youngs gate 6, Oslo".to_owned()),
                online_url: formal.then(|| format!("https://meet.example.no/{index}")),
                starts_at,
                ends_at: starts_at + Duration::hours(2),
                timezone: "Europe/Oslo".to_owned(),
                // Full when anyone waits: the waitlist is what did not fit.
                capacity: (waitlisted > 0).then_some(going),
                rsvp_deadline: None,
                status,
                cancel_reason: (status == meetup::Status::Cancelled)
                    .then(|| "Foredragsholder ble syk".to_owned()),
                agenda: "[]".to_owned(),
                sequence: 0,
                created_by: host,
                created_at,
                updated_at: created_at,
                going_count: going,
                waitlist_count: waitlisted,
                waitlist_peak: waitlisted,
            });
        }
    }
}

fn threads(
    source: &mut Source,
    rows: &mut Rows,
    groups: &[Group],
    (count, comments): (usize, usize),
    today: DateTime<Utc>,
    bodies: &[(String, String)],
    topics: &[topic::Model],
) {
    let weights = by_size(groups);
    let per_group = shares(count, &weights, 1);
    // Thread sizes follow a Pareto tail: most threads are short, a few run to thousands.
    let threads_total: usize = per_group.iter().sum();
    let raw: Vec<f64> = (0..threads_total)
        .map(|_| {
            let u: f64 = source.rng.random_range(f64::EPSILON..1.0);
            u.powf(-1.0 / 1.3)
        })
        .collect();
    let raw_total: f64 = raw.iter().sum();
    let sizes: Vec<usize> = raw
        .iter()
        .map(|w| (comments as f64 * w / raw_total).round() as usize)
        .collect();
    let mut index = 0usize;
    for (group, threads) in groups.iter().zip(per_group) {
        for _ in 0..threads {
            let size = sizes[index];
            index += 1;
            let created_at = today
                - Duration::days(source.rng.random_range(1..365))
                - Duration::minutes(source.rng.random_range(0..1440));
            let id = source.id(created_at);
            let (body, body_html) = source.pick(bodies).clone();
            let mut last_activity_at = created_at;
            let mut thread_comments: Vec<(Uuid, i32, usize)> = Vec::with_capacity(size);
            for k in 0..size {
                let at = created_at + Duration::minutes(i64::try_from(k).unwrap_or(0) * 7 + 5);
                last_activity_at = at;
                let comment_id = source.id(at);
                let body_index = source.rng.random_range(0..bodies.len());
                // A third of comments reply to an earlier one, never deeper than six levels.
                let parent = if k > 0 && source.chance(1.0 / 3.0) {
                    let (parent_id, depth, parent_body) =
                        thread_comments[source.rng.random_range(0..thread_comments.len())];
                    (depth < 6).then_some((parent_id, depth, parent_body))
                } else {
                    None
                };
                let quote =
                    parent
                        .filter(|_| source.chance(0.2))
                        .map(|(parent_id, _, parent_body)| {
                            let quoted = &bodies[parent_body].0;
                            let excerpt = quoted.split('.').next().unwrap_or(quoted).to_owned();
                            (parent_id, excerpt)
                        });
                let depth = parent.map_or(0, |(_, depth, _)| depth + 1);
                thread_comments.push((comment_id, depth, body_index));
                let (body, body_html) = &bodies[body_index];
                rows.comments.push(comment::Model {
                    id: comment_id,
                    thread_id: id,
                    parent_id: parent.map(|(parent_id, _, _)| parent_id),
                    author_id: Some(*source.pick(&group.active)),
                    body: body.clone(),
                    body_html: body_html.clone(),
                    depth,
                    quote_source_id: quote.as_ref().map(|(source_id, _)| *source_id),
                    quote_excerpt: quote.map(|(_, excerpt)| excerpt),
                    created_at: at,
                    edited_at: None,
                    deleted_at: None,
                    hidden_at: None,
                    watchers_told: true,
                    speaking_as: Default::default(),
                    organisation_id: None,
                    role_title: None,
                });
            }
            rows.thread_topics.push(thread_topic::Model {
                thread_id: id,
                topic_id: topics[index % topics.len().max(1)].id,
            });
            rows.threads.push(thread::Model {
                id,
                group_id: group.row.id,
                author_id: Some(*source.pick(&group.active)),
                title: THREAD_TITLES[index % THREAD_TITLES.len()].to_owned(),
                body,
                body_html,
                pinned: index.is_multiple_of(100),
                locked: false,
                last_activity_at,
                created_at,
                edited_at: None,
                deleted_at: None,
                speaking_as: Default::default(),
                organisation_id: None,
                role_title: None,
            });
        }
    }
}

fn resources(
    source: &mut Source,
    rows: &mut Rows,
    groups: &[Group],
    count: usize,
    today: DateTime<Utc>,
) {
    let weights = by_size(groups);
    let meetups_of = |group: Uuid| -> Vec<Uuid> {
        rows.meetups
            .iter()
            .filter(|m| m.group_id == group)
            .map(|m| m.id)
            .collect()
    };
    let mut made = Vec::new();
    for (group, resources) in groups.iter().zip(shares(count, &weights, 1)) {
        let meetups = meetups_of(group.row.id);
        for k in 0..resources {
            let at = today - Duration::days(source.rng.random_range(1..720));
            let kind = RESOURCE_KINDS[k % RESOURCE_KINDS.len()];
            let url = format!("https://example.no/{}/{k}", group.row.slug);
            let meetup_id =
                (!meetups.is_empty() && source.chance(0.3)).then(|| *source.pick(&meetups));
            made.push(resource::Model {
                id: source.id(at),
                group_id: group.row.id,
                meetup_id,
                title: format!("Delt lesestoff nr. {}", k + 1),
                description: Some("Anbefalt av et medlem etter et fagmøte.".to_owned()),
                kind,
                url_key: Some(url.clone()),
                url: Some(url),
                file_sha256: None,
                file_name: None,
                file_content_type: None,
                file_size: None,
                added_by: Some(*source.pick(&group.active)),
                created_at: at,
                updated_at: at,
                removed_at: None,
                speaking_as: Default::default(),
                organisation_id: None,
                role_title: None,
            });
        }
    }
    rows.resources = made;
}
