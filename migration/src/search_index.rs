//! What search finds each thing by, written once for everything that writes the index: the
//! application in the transaction of every change, the migration that built the index, the seed
//! and `fagruppe reindex`. An [`Entry`] is one row of `search_entry`: the text shown and ranked
//! (title, names, body), who may find it (its group and [`audience`]), and, on SQLite, the
//! text's stems for the FTS5 table (PostgreSQL stems in its generated `document`).

use sea_orm_migration::{
    prelude::*,
    sea_orm::{
        ConnectionTrait, DbBackend, FromQueryResult,
        prelude::{DateTimeUtc, Uuid},
    },
};

use crate::search_terms::{english_terms, is_english, terms};

/// What an entry is (the `kind` column).
pub mod kind {
    pub const GROUP: &str = "GROUP";
    pub const MEETUP: &str = "MEETUP";
    pub const THREAD: &str = "THREAD";
    pub const COMMENT: &str = "COMMENT";
    pub const RESOURCE: &str = "RESOURCE";
    pub const MEMBER: &str = "MEMBER";
}

/// Who may find an entry (the `audience` column).
pub mod audience {
    /// Anyone: group name cards and public member profiles.
    pub const ANYONE: &str = "ANYONE";
    /// Whoever may read the group's content.
    pub const READERS: &str = "READERS";
    /// The group's organisers and owners, and a meetup's hosts: drafts.
    pub const ORGANISERS: &str = "ORGANISERS";
    /// Nobody: deleted, hidden, removed, archived.
    pub const NOBODY: &str = "NOBODY";
}

/// The most text of one entry that is indexed (an extracted PDF can be long).
pub const MAX_BODY_CHARS: usize = 100_000;

/// One row of the index.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub kind: &'static str,
    pub id: Uuid,
    /// The group whose read rule applies (a group's own id; none for a member).
    pub group_id: Option<Uuid>,
    /// A comment's thread (so a topic filter finds comments by their thread's topics).
    pub parent_id: Option<Uuid>,
    pub title: String,
    /// Names and handles (and a link's address as words), matched without stemming; on
    /// PostgreSQL, a member's or group's despite typos.
    pub names: String,
    pub body: String,
    pub audience: &'static str,
    pub created_at: DateTimeUtc,
}

fn joined(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .filter(|part| !part.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

fn bounded(mut text: String) -> String {
    if let Some((at, _)) = text.char_indices().nth(MAX_BODY_CHARS) {
        text.truncate(at);
    }
    text
}

impl Entry {
    /// A group's name card: found by anyone until the group is archived.
    pub fn group(
        id: Uuid,
        name: &str,
        slug: &str,
        description: &str,
        archived: bool,
        created_at: DateTimeUtc,
    ) -> Self {
        Self {
            kind: kind::GROUP,
            id,
            group_id: Some(id),
            parent_id: None,
            title: name.to_owned(),
            names: format!("{name} {slug}"),
            body: description.to_owned(),
            audience: if archived {
                audience::NOBODY
            } else {
                audience::ANYONE
            },
            created_at,
        }
    }

    /// A member by their public profile (never the e-mail address); a deleted account is not
    /// found.
    pub fn member(profile: MemberFields<'_>, deleted: bool, created_at: DateTimeUtc) -> Self {
        Self {
            kind: kind::MEMBER,
            id: profile.id,
            group_id: None,
            parent_id: None,
            title: profile.display_name.to_owned(),
            names: format!("{} {}", profile.display_name, profile.handle),
            body: joined(&[profile.headline, profile.organisation, profile.bio]),
            audience: if deleted {
                audience::NOBODY
            } else {
                audience::ANYONE
            },
            created_at,
        }
    }

    /// A meetup by its title, description, venue and agenda (titles and speakers); a draft only
    /// for those who organise it.
    pub fn meetup(meetup: MeetupFields<'_>, draft: bool, created_at: DateTimeUtc) -> Self {
        let agenda: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(meetup.agenda)
            .unwrap_or_default()
            .iter()
            .flat_map(|item| {
                ["title", "speaker"]
                    .into_iter()
                    .filter_map(|field| item.get(field)?.as_str().map(str::to_owned))
            })
            .collect();
        let agenda = agenda.join("\n");
        Self {
            kind: kind::MEETUP,
            id: meetup.id,
            group_id: Some(meetup.group_id),
            parent_id: None,
            title: meetup.title.to_owned(),
            names: String::new(),
            body: joined(&[
                Some(meetup.description),
                meetup.venue_name,
                Some(agenda.as_str()),
            ]),
            audience: if draft {
                audience::ORGANISERS
            } else {
                audience::READERS
            },
            created_at,
        }
    }

    /// A thread by its title and opening post, until deleted.
    pub fn thread(
        id: Uuid,
        group_id: Uuid,
        title: &str,
        body: &str,
        listed: bool,
        created_at: DateTimeUtc,
    ) -> Self {
        Self {
            kind: kind::THREAD,
            id,
            group_id: Some(group_id),
            parent_id: None,
            title: title.to_owned(),
            names: String::new(),
            body: body.to_owned(),
            audience: if listed {
                audience::READERS
            } else {
                audience::NOBODY
            },
            created_at,
        }
    }

    /// A comment of `thread_id` by its text, until deleted or hidden.
    pub fn comment(
        id: Uuid,
        (group_id, thread_id): (Uuid, Uuid),
        body: &str,
        listed: bool,
        created_at: DateTimeUtc,
    ) -> Self {
        Self {
            kind: kind::COMMENT,
            id,
            group_id: Some(group_id),
            parent_id: Some(thread_id),
            title: String::new(),
            names: String::new(),
            body: body.to_owned(),
            audience: if listed {
                audience::READERS
            } else {
                audience::NOBODY
            },
            created_at,
        }
    }

    /// A library item by its title, description, address and the text of its file, until
    /// removed.
    pub fn resource(resource: ResourceFields<'_>, removed: bool, created_at: DateTimeUtc) -> Self {
        Self {
            kind: kind::RESOURCE,
            id: resource.id,
            group_id: Some(resource.group_id),
            parent_id: None,
            title: resource.title.to_owned(),
            // The address's words, so "example.no/veileder" finds it on both databases
            // (PostgreSQL's parser would keep a URL whole).
            names: resource
                .url
                .map(|url| {
                    crate::search_terms::words(url)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default(),
            body: bounded(joined(&[
                resource.description,
                resource.url,
                resource.file_text,
            ])),
            audience: if removed {
                audience::NOBODY
            } else {
                audience::READERS
            },
            created_at,
        }
    }

    fn values(&self, backend: DbBackend) -> [SimpleExpr; 13] {
        let text = format!("{} {}", self.title, self.body);
        let english = is_english(&text);
        // PostgreSQL stems in its generated `document`; only SQLite's FTS5 reads these.
        let (title_terms, body_terms, english_stems) = if backend == DbBackend::Postgres {
            Default::default()
        } else {
            (
                terms(&format!("{} {}", self.title, self.names)),
                terms(&self.body),
                if english {
                    english_terms(&text)
                } else {
                    String::new()
                },
            )
        };
        [
            self.kind.into(),
            self.id.into(),
            self.group_id.into(),
            self.parent_id.into(),
            self.title.clone().into(),
            self.names.clone().into(),
            self.body.clone().into(),
            title_terms.into(),
            body_terms.into(),
            english_stems.into(),
            english.into(),
            self.audience.into(),
            self.created_at.into(),
        ]
    }
}

/// The public fields of a member's profile.
pub struct MemberFields<'a> {
    pub id: Uuid,
    pub display_name: &'a str,
    pub handle: &'a str,
    pub headline: Option<&'a str>,
    pub organisation: Option<&'a str>,
    pub bio: Option<&'a str>,
}

/// The searchable text of a meetup.
pub struct MeetupFields<'a> {
    pub id: Uuid,
    pub group_id: Uuid,
    pub title: &'a str,
    pub description: &'a str,
    pub venue_name: Option<&'a str>,
    /// The agenda as stored: a JSON array of `{time, title, speaker}`.
    pub agenda: &'a str,
}

/// The searchable text of a library item.
pub struct ResourceFields<'a> {
    pub id: Uuid,
    pub group_id: Uuid,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub url: Option<&'a str>,
    /// Text extracted from its file.
    pub file_text: Option<&'a str>,
}

/// Writes `entries`, replacing what the index held for them: one statement.
pub fn upsert(backend: DbBackend, entries: &[Entry]) -> InsertStatement {
    let mut insert = Query::insert();
    insert.into_table(SearchEntry::Table).columns([
        SearchEntry::Kind,
        SearchEntry::Id,
        SearchEntry::GroupId,
        SearchEntry::ParentId,
        SearchEntry::Title,
        SearchEntry::Names,
        SearchEntry::Body,
        SearchEntry::TitleTerms,
        SearchEntry::BodyTerms,
        SearchEntry::EnglishTerms,
        SearchEntry::English,
        SearchEntry::Audience,
        SearchEntry::CreatedAt,
    ]);
    for entry in entries {
        insert.values_panic(entry.values(backend));
    }
    insert.on_conflict(
        OnConflict::columns([SearchEntry::Kind, SearchEntry::Id])
            .update_columns([
                SearchEntry::GroupId,
                SearchEntry::ParentId,
                SearchEntry::Title,
                SearchEntry::Names,
                SearchEntry::Body,
                SearchEntry::TitleTerms,
                SearchEntry::BodyTerms,
                SearchEntry::EnglishTerms,
                SearchEntry::English,
                SearchEntry::Audience,
            ])
            .to_owned(),
    );
    insert
}

/// Entries per statement when writing many (13 parameters each, under both databases' limits).
const CHUNK: usize = 1_000;

async fn write<C: ConnectionTrait>(db: &C, entries: Vec<Entry>) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    for chunk in entries.chunks(CHUNK) {
        db.execute(&upsert(backend, chunk)).await?;
    }
    Ok(entries.len() as u64)
}

/// The rows `select` reads, as `R`.
async fn rows<R: FromQueryResult, C: ConnectionTrait>(
    db: &C,
    select: &mut SelectStatement,
) -> Result<Vec<R>, DbErr> {
    R::find_by_statement(db.get_database_backend().build(&*select))
        .all(db)
        .await
}

/// Empties the index and indexes everything there is, in `db` (run it in a transaction);
/// returns how many entries it wrote.
pub async fn rebuild<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    db.execute(&Query::delete().from_table(SearchEntry::Table).to_owned())
        .await?;
    let mut written = 0;
    let groups: Vec<GroupRow> = rows(
        db,
        Query::select()
            .columns([
                InterestGroup::Id,
                InterestGroup::Name,
                InterestGroup::Slug,
                InterestGroup::Description,
                InterestGroup::ArchivedAt,
                InterestGroup::CreatedAt,
            ])
            .from(InterestGroup::Table),
    )
    .await?;
    written += write(db, groups.iter().map(GroupRow::entry).collect()).await?;
    let members: Vec<MemberRow> = rows(
        db,
        Query::select()
            .columns([
                Member::Id,
                Member::DisplayName,
                Member::Handle,
                Member::Headline,
                Member::Organisation,
                Member::Bio,
                Member::PasswordHash,
                Member::ProfileVisibility,
                Member::CreatedAt,
            ])
            .from(Member::Table),
    )
    .await?;
    written += write(db, members.iter().map(MemberRow::entry).collect()).await?;
    let meetups: Vec<MeetupRow> = rows(
        db,
        Query::select()
            .columns([
                Meetup::Id,
                Meetup::GroupId,
                Meetup::Title,
                Meetup::Description,
                Meetup::VenueName,
                Meetup::Agenda,
                Meetup::Status,
                Meetup::CreatedAt,
            ])
            .from(Meetup::Table),
    )
    .await?;
    written += write(db, meetups.iter().map(MeetupRow::entry).collect()).await?;
    let threads: Vec<ThreadRow> = rows(
        db,
        Query::select()
            .columns([
                Thread::Id,
                Thread::GroupId,
                Thread::Title,
                Thread::Body,
                Thread::DeletedAt,
                Thread::CreatedAt,
            ])
            .from(Thread::Table),
    )
    .await?;
    let thread_groups: std::collections::HashMap<Uuid, Uuid> =
        threads.iter().map(|t| (t.id, t.group_id)).collect();
    written += write(db, threads.iter().map(ThreadRow::entry).collect()).await?;
    // Comments are the bulk: read them in pages by id rather than all at once.
    let mut after = Uuid::nil();
    loop {
        let comments: Vec<CommentRow> = rows(
            db,
            Query::select()
                .columns([
                    Comment::Id,
                    Comment::ThreadId,
                    Comment::Body,
                    Comment::DeletedAt,
                    Comment::HiddenAt,
                    Comment::CreatedAt,
                ])
                .from(Comment::Table)
                .and_where(Expr::col(Comment::Id).gt(after))
                .order_by(Comment::Id, Order::Asc)
                .limit(10 * CHUNK as u64),
        )
        .await?;
        let Some(last) = comments.last() else { break };
        after = last.id;
        let entries = comments
            .iter()
            .filter_map(|c| thread_groups.get(&c.thread_id).map(|group| c.entry(*group)))
            .collect();
        written += write(db, entries).await?;
    }
    let resources: Vec<ResourceRow> = rows(
        db,
        Query::select()
            .columns([
                Resource::Id,
                Resource::GroupId,
                Resource::Title,
                Resource::Description,
                Resource::Url,
                Resource::RemovedAt,
                Resource::CreatedAt,
            ])
            .column((ResourceText::Table, ResourceText::Text))
            .from(Resource::Table)
            .left_join(
                ResourceText::Table,
                Expr::col((ResourceText::Table, ResourceText::ResourceId))
                    .equals((Resource::Table, Resource::Id)),
            ),
    )
    .await?;
    written += write(db, resources.iter().map(ResourceRow::entry).collect()).await?;
    Ok(written)
}

/// What a deleted account's password hash is set to.
const DELETED_PASSWORD: &str = "!deleted";

#[derive(FromQueryResult)]
struct GroupRow {
    id: Uuid,
    name: String,
    slug: String,
    description: String,
    archived_at: Option<DateTimeUtc>,
    created_at: DateTimeUtc,
}

impl GroupRow {
    fn entry(&self) -> Entry {
        Entry::group(
            self.id,
            &self.name,
            &self.slug,
            &self.description,
            self.archived_at.is_some(),
            self.created_at,
        )
    }
}

#[derive(FromQueryResult)]
struct MemberRow {
    id: Uuid,
    display_name: String,
    handle: String,
    headline: Option<String>,
    organisation: Option<String>,
    bio: Option<String>,
    password_hash: String,
    profile_visibility: String,
    created_at: DateTimeUtc,
}

impl MemberRow {
    /// The entry of what everyone may see: a field the member keeps from some (by name in
    /// `profile_visibility`, with a level other than `EVERYONE`) is left out, as the
    /// application's `members::policy` decides it.
    fn entry(&self) -> Entry {
        let choices: serde_json::Value =
            serde_json::from_str(&self.profile_visibility).unwrap_or_default();
        let public = |field: &str| {
            choices
                .get(field)
                .and_then(|level| level.as_str())
                .is_none_or(|level| level == "EVERYONE")
        };
        Entry::member(
            MemberFields {
                id: self.id,
                display_name: &self.display_name,
                handle: &self.handle,
                headline: self.headline.as_deref().filter(|_| public("headline")),
                organisation: self
                    .organisation
                    .as_deref()
                    .filter(|_| public("organisation")),
                bio: self.bio.as_deref().filter(|_| public("bio")),
            },
            self.password_hash == DELETED_PASSWORD,
            self.created_at,
        )
    }
}

#[derive(FromQueryResult)]
struct MeetupRow {
    id: Uuid,
    group_id: Uuid,
    title: String,
    description: String,
    venue_name: Option<String>,
    agenda: String,
    status: String,
    created_at: DateTimeUtc,
}

impl MeetupRow {
    fn entry(&self) -> Entry {
        Entry::meetup(
            MeetupFields {
                id: self.id,
                group_id: self.group_id,
                title: &self.title,
                description: &self.description,
                venue_name: self.venue_name.as_deref(),
                agenda: &self.agenda,
            },
            self.status == "DRAFT",
            self.created_at,
        )
    }
}

#[derive(FromQueryResult)]
struct ThreadRow {
    id: Uuid,
    group_id: Uuid,
    title: String,
    body: String,
    deleted_at: Option<DateTimeUtc>,
    created_at: DateTimeUtc,
}

impl ThreadRow {
    fn entry(&self) -> Entry {
        Entry::thread(
            self.id,
            self.group_id,
            &self.title,
            &self.body,
            self.deleted_at.is_none(),
            self.created_at,
        )
    }
}

#[derive(FromQueryResult)]
struct CommentRow {
    id: Uuid,
    thread_id: Uuid,
    body: String,
    deleted_at: Option<DateTimeUtc>,
    hidden_at: Option<DateTimeUtc>,
    created_at: DateTimeUtc,
}

impl CommentRow {
    /// The comment's entry, given its thread's group.
    fn entry(&self, group_id: Uuid) -> Entry {
        Entry::comment(
            self.id,
            (group_id, self.thread_id),
            &self.body,
            self.deleted_at.is_none() && self.hidden_at.is_none(),
            self.created_at,
        )
    }
}

#[derive(FromQueryResult)]
struct ResourceRow {
    id: Uuid,
    group_id: Uuid,
    title: String,
    description: Option<String>,
    url: Option<String>,
    text: Option<String>,
    removed_at: Option<DateTimeUtc>,
    created_at: DateTimeUtc,
}

impl ResourceRow {
    fn entry(&self) -> Entry {
        Entry::resource(
            ResourceFields {
                id: self.id,
                group_id: self.group_id,
                title: &self.title,
                description: self.description.as_deref(),
                url: self.url.as_deref(),
                file_text: self.text.as_deref(),
            },
            self.removed_at.is_some(),
            self.created_at,
        )
    }
}

#[derive(DeriveIden)]
pub(crate) enum SearchEntry {
    Table,
    Kind,
    Id,
    GroupId,
    ParentId,
    Title,
    Names,
    Body,
    TitleTerms,
    BodyTerms,
    EnglishTerms,
    English,
    Audience,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InterestGroup {
    Table,
    Id,
    Name,
    Slug,
    Description,
    ArchivedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Member {
    Table,
    Id,
    DisplayName,
    Handle,
    Headline,
    Organisation,
    Bio,
    PasswordHash,
    ProfileVisibility,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Meetup {
    Table,
    Id,
    GroupId,
    Title,
    Description,
    VenueName,
    Agenda,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Thread {
    Table,
    Id,
    GroupId,
    Title,
    Body,
    DeletedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Comment {
    Table,
    Id,
    ThreadId,
    Body,
    DeletedAt,
    HiddenAt,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Resource {
    Table,
    Id,
    GroupId,
    Title,
    Description,
    Url,
    RemovedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum ResourceText {
    Table,
    ResourceId,
    FileSha256,
    Text,
    ExtractedAt,
}
