//! Full-text search over threads and comments, on both databases, inside the read rule: what a
//! viewer may not read is never a candidate (the group rule and the listed flag are conditions
//! of the query), so paging is exact. The index (`search_entry`) is written by `index` in the
//! transaction of every change to what it holds; `query` parses what a person types; `reads`
//! runs it (PostgreSQL `tsvector`/GIN with `ts_rank`, SQLite FTS5 with `bm25`) and marks the
//! matching words in a snippet.

pub mod files;
pub mod graphql;
pub mod index;
pub mod query;
pub mod reads;
