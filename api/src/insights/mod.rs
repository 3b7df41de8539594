//! Insights for a group's owners and organisers: which activities create effect. Aggregates
//! only; a figure that counts 1 to 4 members is suppressed (null, `suppressed: true`), so no
//! individual can be picked out. Served as `Group.insights` and as CSV
//! (`GET /groups/{slug}/insights.csv`).

pub mod csv;
pub mod figures;
pub mod graphql;

use chrono::{DateTime, Utc};
use entity::interest_group;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    auth::viewer::Viewer,
    db::Db,
    error::{AppError, AppResult},
    graphql::loaders::{Caching, Loaders},
    groups::{
        self,
        policy::{GroupAccess, GroupAction},
    },
};

/// Fewest members a shown figure may count (1 to this minus one are suppressed).
pub const MIN_MEMBERS: i64 = 5;

/// A count of members as it may be shown: `None` when suppressed.
pub fn shown(count: i64) -> Option<i64> {
    (count == 0 || count >= MIN_MEMBERS).then_some(count)
}

/// A share `part / whole` as it may be shown: `None` when either counts too few members to
/// show, or when there is no whole.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    let (part, whole) = (shown(part)?, shown(whole)?);
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Whether a share is withheld for privacy (rather than undefined).
pub fn share_suppressed(part: i64, whole: i64) -> bool {
    shown(part).is_none() || shown(whole).is_none()
}

/// The median of some waits, in hours.
pub fn median_hours(waits: &[i64]) -> Option<f64> {
    let mut sorted = waits.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let median = if n % 2 == 1 {
        sorted[n / 2] as f64
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0
    };
    Some(median / 3600.0)
}

/// The group whose insights the viewer asks for, by slug, if they may read them: outsiders of a
/// members-only group get `NOT_FOUND`, members below organiser `FORBIDDEN`.
pub async fn access_by_slug(db: &Db, viewer: &Viewer, slug: &str) -> AppResult<GroupAccess> {
    let group = interest_group::Entity::find()
        .filter(interest_group::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Group"))?;
    let loaders = Loaders::new(db, viewer.member_id(), Caching::PerRequest);
    let access = groups::reads::access_with(&loaders, viewer, group).await?;
    access.ensure(GroupAction::ReadInsights)?;
    Ok(access)
}

/// The range asked for, checked.
pub struct Range {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub interval: figures::Interval,
    /// The period starts, then `to`.
    pub cuts: Vec<DateTime<Utc>>,
}

impl Range {
    pub fn new(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        interval: figures::Interval,
    ) -> AppResult<Self> {
        Ok(Self {
            cuts: figures::boundaries(from, to, interval)?,
            from,
            to,
            interval,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_to_four_members_are_never_shown() {
        assert_eq!(shown(0), Some(0));
        for few in 1..5 {
            assert_eq!(shown(few), None);
        }
        assert_eq!(shown(5), Some(5));
        assert_eq!(share(3, 10), None);
        assert!(share_suppressed(3, 10));
        assert_eq!(share(5, 10), Some(0.5));
        assert_eq!(share(0, 0), None);
        assert!(!share_suppressed(0, 0));
    }

    #[test]
    fn the_median_wait_is_in_hours() {
        assert_eq!(median_hours(&[]), None);
        assert_eq!(median_hours(&[7200, 3600, 36000]), Some(2.0));
        assert_eq!(median_hours(&[3600, 7200]), Some(1.5));
    }
}
