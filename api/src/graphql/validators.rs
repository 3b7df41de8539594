//! Input validation before a resolver runs, from the same [`TextLimit`]s the commands clean
//! with: a value over its limit is refused here as `BAD_USER_INPUT` naming its field, counted in
//! characters as the command counts it. (async-graphql's own `max_length` counts bytes, which
//! made 150 Norwegian letters "300 long", and names no field.) The lower bound and trimming stay
//! with the command, which sees the whole input.

use async_graphql::{CustomValidator, InputValueError};

use crate::text::TextLimit;

impl CustomValidator<String> for TextLimit {
    fn check(&self, value: &String) -> Result<(), InputValueError<String>> {
        self.check_max(TextLimit::length_of(value))
            .map_err(|error| {
                InputValueError::custom(format!("{}: {error}", self.field))
                    .with_extension("code", error.code())
                    .with_extension("field", self.field)
            })
    }
}
