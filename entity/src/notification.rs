//! A notification in a member's inbox: what happened (`kind`), who did it last, what it is about,
//! and how many times since the member last read it. While unread, later events of the same kind
//! and `fold_key` (a thread, a group or a meetup) fold into it.

use sea_orm::entity::prelude::*;

/// What the member is told of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Kind {
    /// Someone answered the member's comment (or, at the top level, their thread).
    #[sea_orm(string_value = "REPLY")]
    Reply,
    /// Someone quoted the member's comment or thread.
    #[sea_orm(string_value = "QUOTE")]
    Quote,
    /// Someone wrote `@handle` of the member in a thread or comment.
    #[sea_orm(string_value = "MENTION")]
    Mention,
    /// A new thread in a group the member watches.
    #[sea_orm(string_value = "NEW_THREAD")]
    NewThread,
    /// A new comment in a thread the member watches.
    #[sea_orm(string_value = "NEW_COMMENT")]
    NewComment,
    /// A meetup was published in one of the member's groups.
    #[sea_orm(string_value = "MEETUP_PUBLISHED")]
    MeetupPublished,
    /// A meetup the member is going to or waiting for was moved or changed.
    #[sea_orm(string_value = "MEETUP_CHANGED")]
    MeetupChanged,
    /// A meetup the member is going to or waiting for was cancelled.
    #[sea_orm(string_value = "MEETUP_CANCELLED")]
    MeetupCancelled,
    /// The member got a seat off the waitlist.
    #[sea_orm(string_value = "PROMOTED_FROM_WAITLIST")]
    PromotedFromWaitlist,
    /// Someone asks to join a group the member organises.
    #[sea_orm(string_value = "JOIN_REQUEST")]
    JoinRequest,
    /// The member's request to join was approved.
    #[sea_orm(string_value = "MEMBERSHIP_APPROVED")]
    MembershipApproved,
    /// The member was invited to a group.
    #[sea_orm(string_value = "INVITATION")]
    Invitation,
    /// The member's role in a group changed.
    #[sea_orm(string_value = "ROLE_CHANGED")]
    RoleChanged,
    /// A report the member made was resolved.
    #[sea_orm(string_value = "REPORT_RESOLVED")]
    ReportResolved,
    /// A moderator hid the member's comment.
    #[sea_orm(string_value = "CONTENT_HIDDEN")]
    ContentHidden,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Whose inbox it is in.
    pub member_id: Uuid,
    pub kind: Kind,
    /// Who acted last; `None` once their account is gone.
    pub actor_id: Option<Uuid>,
    pub group_id: Uuid,
    /// The thread it is about, or the latest new thread of a group.
    pub thread_id: Option<Uuid>,
    /// The latest comment it is about; `None` once that comment is gone.
    pub comment_id: Option<Uuid>,
    pub meetup_id: Option<Uuid>,
    /// The membership, invitation or report it is about, as `kind` says.
    pub subject_id: Option<Uuid>,
    /// What unread notifications of this kind fold by; `None` never folds.
    pub fold_key: Option<Uuid>,
    /// Events folded into it since it was last read.
    pub count: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
    /// When it last went out by mail (immediately or in a digest).
    pub mailed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

stamps_updated_at!();
