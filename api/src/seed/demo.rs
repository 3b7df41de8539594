//! The demo community: an IT association's interest group for digital leadership and ethics, as
//! its members would find it in their first ten minutes. Its leader runs a formal breakfast
//! seminar and an informal after-work; members argue about an article in a long thread, quoting
//! and disagreeing, and the author answers; they share an article, a paper and slides. Times are
//! relative to now, so the coming meetups are always ahead.

use chrono::{DateTime, Duration, Utc};
use entity::{
    comment, group_topic, interest_group, meetup, meetup_host, membership, resource,
    resource_topic, rsvp, thread, thread_topic, topic,
};
use uuid::Uuid;

use super::rows::{Rows, Source, member};
use crate::{markdown, meetups::commands::AgendaEntry};

/// Name, headline, organisation and role of each demo member; the first leads the group.
const PEOPLE: [(&str, &str, &str, membership::Role); 12] = [
    (
        "Kari Nordmann",
        "Leder av faggruppen, IT-direktør – skriver privat",
        "Oslo kommune",
        membership::Role::Owner,
    ),
    (
        "Ola Hansen",
        "Arrangerer fagmøtene",
        "NAV IT",
        membership::Role::Organiser,
    ),
    (
        "Ingrid Berg",
        "Jurist, personvern og KI",
        "Advokatfirmaet Lov & Data",
        membership::Role::Organiser,
    ),
    (
        "Lars Johansen",
        "Moderator, arkitekt i offentlig sektor",
        "Statens vegvesen",
        membership::Role::Moderator,
    ),
    (
        "Sofie Larsen",
        "Informasjonssikkerhet",
        "Helse Vest IKT",
        membership::Role::Member,
    ),
    (
        "Jonas Pedersen",
        "Utvikler og tillitsvalgt",
        "Et konsulentselskap",
        membership::Role::Member,
    ),
    (
        "Nora Nilsen",
        "Forsker, organisasjonskultur",
        "Universitetet i Bergen",
        membership::Role::Member,
    ),
    (
        "Henrik Dahl",
        "Produktleder – meninger er mine egne",
        "Finn.no",
        membership::Role::Member,
    ),
    (
        "Emma Solberg",
        "Rådgiver digitalisering",
        "Trondheim kommune",
        membership::Role::Member,
    ),
    (
        "Magnus Haugen",
        "CTO i en oppstart",
        "Datadrevet AS",
        membership::Role::Member,
    ),
    (
        "Sara Strand",
        "Student, informatikk",
        "NTNU",
        membership::Role::Member,
    ),
    (
        "Aksel Lie",
        "Pensjonert IT-sjef",
        "",
        membership::Role::Member,
    ),
];

/// The long thread: who writes (index into `PEOPLE`), which earlier comment it answers, the
/// passage of that comment it quotes, and the text.
const THREAD: [(usize, Option<usize>, Option<&str>, &str); 14] = [
    (
        4,
        None,
        None,
        "Godt valg av artikkel. Men tallene bygger på en spørreundersøkelse blant ledere, ikke på målte gevinster.",
    ),
    (
        7,
        Some(0),
        Some("ikke på målte gevinster"),
        "Akkurat. Hos oss måler vi tid spart per sak, og der *ser* vi effekt.",
    ),
    (
        0,
        Some(1),
        None,
        "Henrik, hvor lenge målte dere før dere så noe? Det er nettopp tiden artikkelen mener vi undervurderer.",
    ),
    (
        7,
        Some(2),
        None,
        "Omtrent ni måneder. De første tre var verre enn før.",
    ),
    (
        9,
        None,
        None,
        "Jeg er uenig i premisset. Gevinst er ikke bare kroner: ansatte som slipper kjedelige oppgaver, teller også.",
    ),
    (
        6,
        Some(4),
        Some("ansatte som slipper kjedelige oppgaver"),
        "Det er kultur, ikke ROI. Vi må skille de to, ellers kan vi forsvare hva som helst.",
    ),
    (
        9,
        Some(5),
        None,
        "Fair, men ledelsen spør om ROI uansett. Da må vi ha et svar.",
    ),
    (
        2,
        None,
        None,
        "En juridisk side ingen nevner: mange av prosjektene i artikkelen ville ikke passert en personvernkonsekvensvurdering i dag.",
    ),
    (
        4,
        Some(7),
        None,
        "Enig. Og sikkerhetsvurderingen kommer ofte etter at gevinsten er lovet bort.",
    ),
    (
        5,
        None,
        None,
        "Som tillitsvalgt: spør noen de ansatte før man måler «effekt» på dem?",
    ),
    (
        0,
        Some(9),
        Some("spør noen de ansatte"),
        "Godt spørsmål, Jonas. Det tar jeg med til frokostseminaret – vil du si noen ord der?",
    ),
    (5, Some(10), None, "Gjerne, fem minutter holder."),
    (
        11,
        None,
        None,
        "Vi hadde nøyaktig denne debatten i 1998 om ERP. Det som virket da, var gode prosjekteiere.",
    ),
    (
        3,
        Some(12),
        None,
        "Aksel, den erfaringen skulle jeg gjerne hatt skrevet ned. Kanskje et innlegg i biblioteket?",
    ),
];

pub fn generate(password_hash: &str, topics: &[topic::Model]) -> Rows {
    let now = Utc::now();
    let mut source = Source::new(0);
    let mut rows = Rows::default();
    let mut handles = std::collections::HashSet::new();
    let people: Vec<Uuid> = PEOPLE
        .iter()
        .enumerate()
        .map(|(i, (name, headline, organisation, _))| {
            let at = now - Duration::days(400 - i64::try_from(i).unwrap_or(0) * 20);
            let id = source.id(at);
            let email = format!(
                "{}@demo.fagruppe.test",
                name.to_lowercase().replace(' ', ".").replace('ø', "o")
            );
            rows.members.push(member(
                &mut handles,
                id,
                &email,
                name,
                Some(headline),
                (!organisation.is_empty()).then_some(*organisation),
                password_hash,
                at,
            ));
            id
        })
        .collect();
    let topic = |slug: &str| topics.iter().find(|t| t.slug == slug).map(|t| t.id);

    let founded = now - Duration::days(380);
    let group_id = source.id(founded);
    for (i, (_, _, _, role)) in PEOPLE.iter().enumerate() {
        let joined = founded + Duration::days(i64::try_from(i).unwrap_or(0) * 15);
        rows.memberships.push(membership::Model {
            id: source.id(joined),
            group_id,
            member_id: people[i],
            role: *role,
            status: membership::Status::Active,
            created_at: joined,
            updated_at: joined,
            default_speaking_as: None,
            default_organisation_id: None,
            accepted_guidelines_version: None,
        });
    }
    rows.groups.push(interest_group::Model {
        id: group_id,
        slug: "digital-ledelse-og-etikk".to_owned(),
        name: "Digital ledelse og etikk".to_owned(),
        description: "Faggruppe i foreningen for alle som leder, bygger eller kritiserer digitale \
                      tjenester. Vi møtes til frokostseminarer og afterwork, diskuterer ROI, jus, \
                      etikk, datasikkerhet, kultur og ledelse – og spør hva som faktisk gir effekt. \
                      Alle uttaler seg som privatpersoner med mindre de sier noe annet."
            .to_owned(),
        visibility: interest_group::Visibility::Public,
        join_policy: interest_group::JoinPolicy::Open,
        created_by: people[0],
        created_at: founded,
        updated_at: founded,
        archived_at: None,
        member_count: i32::try_from(PEOPLE.len()).unwrap_or(0),
        guidelines_version: None,
    });
    for slug in ["ethics", "leadership", "return-on-investment"] {
        if let Some(topic_id) = topic(slug) {
            rows.group_topics
                .push(group_topic::Model { group_id, topic_id });
        }
    }

    let seminar = meetup_row(
        &mut source,
        &mut rows,
        group_id,
        // Planned after the thread about the article began: the discussion led to it.
        (people[1], now - Duration::days(2)),
        Meetup {
            title: "Frokostseminar: Hva gir effekt? ROI på KI-prosjekter",
            description: "Formelt fagmøte med frokost. Ingrid Berg om gevinstrealisering og jus, \
                          deretter panel om hva vi egentlig bør måle.",
            kind: meetup::Kind::Formal,
            starts_at: at_local_hour(now + Duration::days(9), 7),
            hours: 2,
            capacity: Some(6),
            agenda: vec![
                ("08:00", "Frokost og mingling", None),
                ("08:30", "Gevinstrealisering i praksis", Some("Ingrid Berg")),
                (
                    "09:15",
                    "Panel: hva måler vi egentlig?",
                    Some("Kari Nordmann"),
                ),
            ],
        },
    );
    // Eight answer going to six seats: six go, two wait.
    answers(&mut source, &mut rows, &seminar, &people[..8], 6, now);
    let afterwork = meetup_row(
        &mut source,
        &mut rows,
        group_id,
        (people[0], now - Duration::days(10)),
        Meetup {
            title: "Afterwork på Grünerløkka",
            description: "Uformelt: vi tar en pils eller en brus og snakker om det som ikke passer \
                          på et seminar.",
            kind: meetup::Kind::Informal,
            starts_at: at_local_hour(now + Duration::days(16), 15),
            hours: 3,
            capacity: None,
            agenda: Vec::new(),
        },
    );
    answers(&mut source, &mut rows, &afterwork, &people[2..10], 8, now);
    let last_seminar = meetup_row(
        &mut source,
        &mut rows,
        group_id,
        (people[1], now - Duration::days(90)),
        Meetup {
            title: "Frokostseminar: Etikk i anskaffelser",
            description: "Hvordan stiller vi etiske krav når vi kjøper KI?",
            kind: meetup::Kind::Formal,
            starts_at: at_local_hour(now - Duration::days(45), 7),
            hours: 2,
            capacity: None,
            agenda: vec![("08:00", "Etiske krav i konkurranser", Some("Nora Nilsen"))],
        },
    );
    answers(
        &mut source,
        &mut rows,
        &last_seminar,
        &people,
        12,
        now - Duration::days(60),
    );

    discussion(&mut source, &mut rows, group_id, &people, now, &topic);
    library(
        &mut source,
        &mut rows,
        group_id,
        &people,
        (seminar, last_seminar),
        now,
        &topic,
    );
    rows
}

/// `day` at `hour`:00 UTC (07 UTC is 08 in Oslo in winter).
fn at_local_hour(day: DateTime<Utc>, hour: u32) -> DateTime<Utc> {
    day.date_naive()
        .and_hms_opt(hour, 0, 0)
        .map_or(day, |at| at.and_utc())
}

struct Meetup {
    title: &'static str,
    description: &'static str,
    kind: meetup::Kind,
    starts_at: DateTime<Utc>,
    hours: i64,
    capacity: Option<i32>,
    agenda: Vec<(&'static str, &'static str, Option<&'static str>)>,
}

fn meetup_row(
    source: &mut Source,
    rows: &mut Rows,
    group_id: Uuid,
    (host, created_at): (Uuid, DateTime<Utc>),
    meetup: Meetup,
) -> Uuid {
    let id = source.id(created_at);
    let agenda: Vec<AgendaEntry> = meetup
        .agenda
        .iter()
        .map(|(time, title, speaker)| AgendaEntry {
            time: (*time).to_owned(),
            title: (*title).to_owned(),
            speaker: speaker.map(str::to_owned),
        })
        .collect();
    let formal = meetup.kind == meetup::Kind::Formal;
    rows.meetup_hosts.push(meetup_host::Model {
        meetup_id: id,
        member_id: host,
    });
    rows.meetups.push(meetup::Model {
        id,
        group_id,
        title: meetup.title.to_owned(),
        description: meetup.description.to_owned(),
        kind: meetup.kind,
        format: if formal {
            meetup::Format::Hybrid
        } else {
            meetup::Format::InPerson
        },
        venue_name: Some(
            if formal {
                "Kulturhuset"
            } else {
                "Schouskjelleren"
            }
            .to_owned(),
        ),
        venue_address: Some(
            if formal {
                "Youngs gate 6, Oslo"
            } else {
                "Trondheimsveien 2, Oslo"
            }
            .to_owned(),
        ),
        online_url: formal.then(|| "https://meet.example.no/fagruppe".to_owned()),
        starts_at: meetup.starts_at,
        ends_at: meetup.starts_at + Duration::hours(meetup.hours),
        timezone: "Europe/Oslo".to_owned(),
        capacity: meetup.capacity,
        rsvp_deadline: None,
        status: meetup::Status::Published,
        cancel_reason: None,
        agenda: serde_json::to_string(&agenda).unwrap_or_else(|_| "[]".to_owned()),
        sequence: 0,
        created_by: host,
        created_at,
        updated_at: created_at,
        going_count: 0,
        waitlist_count: 0,
        waitlist_peak: 0,
    });
    id
}

/// `people` answer going to `meetup` in turn; the first `seats` get a seat, the rest wait. The
/// meetup's stored counts follow.
fn answers(
    source: &mut Source,
    rows: &mut Rows,
    meetup_id: &Uuid,
    people: &[Uuid],
    seats: usize,
    from: DateTime<Utc>,
) {
    for (place, member_id) in people.iter().enumerate() {
        let at = from - Duration::days(5) + Duration::hours(i64::try_from(place).unwrap_or(0));
        rows.rsvps.push(rsvp::Model {
            id: source.id(at),
            meetup_id: *meetup_id,
            member_id: *member_id,
            status: if place < seats {
                rsvp::Status::Going
            } else {
                rsvp::Status::Waitlisted
            },
            queued_at: i64::try_from(place).unwrap_or(0) + 1,
            checked_in_at: None,
            created_at: at,
            updated_at: at,
        });
    }
    if let Some(row) = rows.meetups.iter_mut().find(|m| m.id == *meetup_id) {
        row.going_count = i32::try_from(people.len().min(seats)).unwrap_or(0);
        row.waitlist_count = i32::try_from(people.len().saturating_sub(seats)).unwrap_or(0);
        row.waitlist_peak = row.waitlist_count;
    }
}

fn discussion(
    source: &mut Source,
    rows: &mut Rows,
    group_id: Uuid,
    people: &[Uuid],
    now: DateTime<Utc>,
    topic: &impl Fn(&str) -> Option<Uuid>,
) {
    let started = now - Duration::days(6);
    let thread_id = source.id(started);
    let body = "Jeg deler denne artikkelen fordi den treffer midt i det vi har snakket om: \
                [«KI-prosjekter gir sjelden gevinst»](https://example.no/artikkel/ki-gevinst). \
                Påstanden er at under en av fem virksomheter kan vise til målbar effekt. \
                Kjenner dere dere igjen?";
    let mut written: Vec<(Uuid, i32, &str)> = Vec::new();
    let mut last = started;
    for (k, (author, parent, quote, text)) in THREAD.iter().enumerate() {
        let at = started + Duration::hours(i64::try_from(k).unwrap_or(0) * 5 + 1);
        last = at;
        let id = source.id(at);
        let parent = parent.and_then(|p| written.get(p).copied());
        let depth = parent.map_or(0, |(_, depth, _)| depth + 1);
        // A quote is a passage of the comment answered, as it reads.
        let quoted = quote.and_then(|excerpt| {
            parent
                .filter(|(_, _, answered)| answered.contains(excerpt))
                .map(|(parent_id, _, _)| (parent_id, excerpt))
        });
        rows.comments.push(comment::Model {
            id,
            thread_id,
            parent_id: parent.map(|(parent_id, _, _)| parent_id),
            author_id: Some(people[*author]),
            body: (*text).to_owned(),
            body_html: markdown::render(text),
            depth,
            quote_source_id: quoted.map(|(source_id, _)| source_id),
            quote_excerpt: quoted.map(|(_, excerpt)| excerpt.to_owned()),
            created_at: at,
            edited_at: None,
            deleted_at: None,
            hidden_at: None,
            watchers_told: true,
            speaking_as: Default::default(),
            organisation_id: None,
            role_title: None,
        });
        written.push((id, depth, text));
    }
    for slug in ["return-on-investment", "ethics"] {
        if let Some(topic_id) = topic(slug) {
            rows.thread_topics.push(thread_topic::Model {
                thread_id,
                topic_id,
            });
        }
    }
    rows.threads.push(thread::Model {
        id: thread_id,
        group_id,
        author_id: Some(people[0]),
        title: "Artikkel: «KI-prosjekter gir sjelden gevinst»".to_owned(),
        body: body.to_owned(),
        body_html: markdown::render(body),
        pinned: true,
        locked: false,
        last_activity_at: last,
        created_at: started,
        edited_at: None,
        deleted_at: None,
        speaking_as: Default::default(),
        organisation_id: None,
        role_title: None,
    });
}

fn library(
    source: &mut Source,
    rows: &mut Rows,
    group_id: Uuid,
    people: &[Uuid],
    (next_meetup, past_meetup): (Uuid, Uuid),
    now: DateTime<Utc>,
    topic: &impl Fn(&str) -> Option<Uuid>,
) {
    let items = [
        (
            "KI-prosjekter gir sjelden gevinst",
            resource::Kind::Article,
            "https://example.no/artikkel/ki-gevinst",
            "Artikkelen vi diskuterer i tråden, og utgangspunktet for frokostseminaret.",
            Some(next_meetup),
            0,
            "return-on-investment",
        ),
        (
            "Gevinstrealisering i offentlig sektor (rapport)",
            resource::Kind::Paper,
            "https://example.no/rapport/gevinstrealisering.pdf",
            "Bakgrunnsstoff til frokostseminaret.",
            None,
            2,
            "return-on-investment",
        ),
        (
            "Lysark: Etiske krav i anskaffelser",
            resource::Kind::Slides,
            "https://example.no/lysark/etikk-anskaffelser",
            "Nora Nilsens lysark fra forrige seminar.",
            Some(past_meetup),
            6,
            "ethics",
        ),
    ];
    for (k, (title, kind, url, description, meetup_id, by, slug)) in items.into_iter().enumerate() {
        let at = now - Duration::days(30 - i64::try_from(k).unwrap_or(0) * 10);
        let id = source.id(at);
        rows.resources.push(resource::Model {
            id,
            group_id,
            meetup_id,
            title: title.to_owned(),
            description: Some(description.to_owned()),
            kind,
            url: Some(url.to_owned()),
            url_key: Some(url.to_owned()),
            file_sha256: None,
            file_name: None,
            file_content_type: None,
            file_size: None,
            added_by: Some(people[by]),
            created_at: at,
            updated_at: at,
            removed_at: None,
            speaking_as: Default::default(),
            organisation_id: None,
            role_title: None,
        });
        if let Some(topic_id) = topic(slug) {
            rows.resource_topics.push(resource_topic::Model {
                resource_id: id,
                topic_id,
            });
        }
    }
}
