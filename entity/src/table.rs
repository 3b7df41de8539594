//! The rows of one statement read straight from SQLite, on the thread that asked for them (the
//! API's embedded reads): every cell in one list, the text and bytes of all of them in one
//! buffer. sqlx copies each value SQLite hands it into an allocation of its own on the
//! connection's thread, and frees it on the request's; a page of fifty comments was as many
//! allocations as it has cells.

use std::sync::Arc;

/// The rows one statement read: their column names, then each row's cells in column order.
#[derive(Debug, Default)]
pub struct Table {
    columns: Vec<String>,
    cells: Vec<Stored>,
    bytes: Vec<u8>,
}

/// A cell as kept: text and bytes as their range in the table's buffer.
#[derive(Clone, Copy, Debug)]
enum Stored {
    Null,
    Integer(i64),
    Real(f64),
    Text(usize, usize),
    Blob(usize, usize),
}

/// The value of one cell, as SQLite typed it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'t> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'t str),
    Blob(&'t [u8]),
}

impl Table {
    /// An empty table of these columns.
    pub fn new(columns: Vec<String>) -> Self {
        Self {
            columns,
            ..Self::default()
        }
    }

    /// Adds the next cell: the rows are filled one after the other, each in column order.
    pub fn push(&mut self, value: Value<'_>) {
        let stored = match value {
            Value::Null => Stored::Null,
            Value::Integer(value) => Stored::Integer(value),
            Value::Real(value) => Stored::Real(value),
            Value::Text(text) => {
                let (start, end) = self.keep(text.as_bytes());
                Stored::Text(start, end)
            }
            Value::Blob(bytes) => {
                let (start, end) = self.keep(bytes);
                Stored::Blob(start, end)
            }
        };
        self.cells.push(stored);
    }

    fn keep(&mut self, bytes: &[u8]) -> (usize, usize) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        (start, self.bytes.len())
    }

    /// How many columns each row has.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// How many rows it holds.
    pub fn len(&self) -> usize {
        self.cells.len().checked_div(self.width()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where the column named `name` is.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|column| column == name)
    }

    /// Column `index` of row `row`; `None` past the table's rows or columns.
    pub fn get(&self, row: usize, index: usize) -> Option<Value<'_>> {
        if index >= self.width() {
            return None;
        }
        let stored = self.cells.get(row.checked_mul(self.width())? + index)?;
        Some(match *stored {
            Stored::Null => Value::Null,
            Stored::Integer(value) => Value::Integer(value),
            Stored::Real(value) => Value::Real(value),
            // Kept from a `&str`: always whole characters.
            Stored::Text(start, end) => {
                Value::Text(std::str::from_utf8(&self.bytes[start..end]).unwrap_or_default())
            }
            Stored::Blob(start, end) => Value::Blob(&self.bytes[start..end]),
        })
    }

    /// Its rows, each sharing the table.
    pub fn into_rows(self) -> Vec<crate::row::OwnedRow> {
        let rows = self.len();
        let table = Arc::new(self);
        (0..rows)
            .map(|row| crate::row::OwnedRow::Table(Arc::clone(&table), row))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Table, Value};

    #[test]
    fn a_table_gives_back_each_cell_of_each_row_as_it_was_pushed() {
        let mut table = Table::new(vec!["id".into(), "name".into(), "score".into()]);
        for value in [
            Value::Blob(&[1, 2, 3]),
            Value::Text("Ås"),
            Value::Null,
            Value::Integer(7),
            Value::Text(""),
            Value::Real(0.5),
        ] {
            table.push(value);
        }
        assert_eq!(table.len(), 2);
        assert_eq!(table.position("score"), Some(2));
        assert_eq!(table.get(0, 0), Some(Value::Blob(&[1, 2, 3])));
        assert_eq!(table.get(0, 1), Some(Value::Text("Ås")));
        assert_eq!(table.get(0, 2), Some(Value::Null));
        assert_eq!(table.get(1, 0), Some(Value::Integer(7)));
        assert_eq!(table.get(1, 1), Some(Value::Text("")));
        assert_eq!(table.get(1, 2), Some(Value::Real(0.5)));
        assert_eq!(table.get(1, 3), None);
        assert_eq!(table.get(2, 0), None);
    }
}
