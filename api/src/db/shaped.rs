//! Statements built once per shape. Building a read with sea-orm and sea-query (the column
//! lists, the aliases sea-orm formats for every column of a joined read, the SQL text, and
//! dropping it all again) was 12 % of the meetup page's instructions in the server, for a text
//! that is the same whenever the read's shape is. [`Templates::statement`] builds a shape's
//! statement once with stand-ins for the request's ids, remembers where each stand-in went among
//! the values (each one a value of its own, or all of them together as one PostgreSQL array), and
//! from then on only puts the request's ids in their places.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use sea_orm::{DbBackend, Statement, Value, Values, sea_query::SelectStatement};
use uuid::Uuid;

/// The statements of one kind of read, by shape `K`: what besides the ids decides the text (the
/// tables and columns, how many ids, whether there is a viewer). At most [`Templates::CAPACITY`]
/// shapes are kept.
pub struct Templates<K> {
    shapes: Mutex<Shapes<K>>,
}

/// Templates by shape and dialect; `None` for a shape that cannot be a template.
type Shapes<K> = HashMap<(K, Dialect), Option<Arc<Template>>>;

/// The SQL dialect a template is written in (`DbBackend` has no hash).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Dialect {
    Postgres,
    Sqlite,
    Other,
}

impl From<DbBackend> for Dialect {
    fn from(backend: DbBackend) -> Self {
        match backend {
            DbBackend::Postgres => Self::Postgres,
            DbBackend::Sqlite => Self::Sqlite,
            _ => Self::Other,
        }
    }
}

/// A statement's text, and for each of its values the input that goes there or the value itself.
struct Template {
    sql: String,
    values: Vec<Slot>,
}

enum Slot {
    Input(usize),
    /// All the inputs, as the text of a PostgreSQL `uuid[]` ([`uuid_array`]).
    Inputs,
    Fixed(Value),
}

/// `{id,id,…}`: the text of a PostgreSQL `uuid[]` holding `ids`, for a statement to cast.
pub fn uuid_array(ids: &[Uuid]) -> String {
    let mut array = String::with_capacity(2 + ids.len() * 37);
    array.push('{');
    for (index, id) in ids.iter().enumerate() {
        if index > 0 {
            array.push(',');
        }
        array.push_str(id.as_hyphenated().encode_lower(&mut Uuid::encode_buffer()));
    }
    array.push('}');
    array
}

impl<K> Default for Templates<K> {
    fn default() -> Self {
        Self {
            shapes: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq> Templates<K> {
    const CAPACITY: usize = 256;

    /// The statement `build` makes from `inputs`, for `backend`. The first time a `shape` is
    /// asked for, `build` gets stand-ins (fresh random ids) in place of the inputs, and the
    /// template is kept only if each stand-in came out as a value of its own, or all of them as
    /// one array ([`uuid_array`]): an input that went into the text, or into a value with others,
    /// could not be put in its place later, so such a shape is remembered as one to build anew
    /// every time. The shape must decide everything about the text besides the inputs (their
    /// number too, unless the statement takes them as one array).
    pub fn statement(
        &self,
        shape: K,
        backend: DbBackend,
        inputs: &[Uuid],
        build: impl Fn(&[Uuid]) -> SelectStatement,
    ) -> Statement {
        let key = (shape, Dialect::from(backend));
        let known = self.lock().get(&key).cloned();
        let template = match known {
            Some(template) => template,
            None => {
                let stand_ins: Vec<Uuid> = inputs.iter().map(|_| Uuid::new_v4()).collect();
                let template =
                    Template::of(backend.build(&build(&stand_ins)), &stand_ins).map(Arc::new);
                let mut shapes = self.lock();
                if shapes.len() >= Self::CAPACITY {
                    shapes.clear();
                }
                shapes.insert(key, template.clone());
                template
            }
        };
        match template {
            Some(template) => template.fill(backend, inputs),
            None => backend.build(&build(inputs)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shapes<K>> {
        // The map holds no invariant a panic elsewhere could break half-way.
        self.shapes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Template {
    /// The template of `statement`, built with `stand_ins`; `None` unless each stand-in is one
    /// whole value of it (or all of them one array), and found nowhere else (in the text, or
    /// within another value).
    fn of(statement: Statement, stand_ins: &[Uuid]) -> Option<Self> {
        let mut seen = vec![false; stand_ins.len()];
        let array = uuid_array(stand_ins);
        let values: Vec<Slot> = statement
            .values
            .map(|Values(values)| values)
            .unwrap_or_default()
            .into_iter()
            .map(|value| {
                let input = match &value {
                    Value::Uuid(Some(id)) => stand_ins.iter().position(|stand_in| stand_in == id),
                    _ => None,
                };
                match (input, &value) {
                    (Some(input), _) => {
                        seen[input] = true;
                        Slot::Input(input)
                    }
                    (None, Value::String(Some(text))) if *text == array => {
                        seen.fill(true);
                        Slot::Inputs
                    }
                    (None, _) => Slot::Fixed(value),
                }
            })
            .collect();
        let placed = seen.into_iter().all(|seen| seen);
        let leaked = stand_ins.iter().any(|stand_in| {
            let (text, simple) = (stand_in.to_string(), stand_in.simple().to_string());
            let within = |found: &str| found.contains(&text) || found.contains(&simple);
            within(&statement.sql)
                || values.iter().any(|slot| match slot {
                    Slot::Fixed(value) => within(&format!("{value:?}")),
                    Slot::Input(_) | Slot::Inputs => false,
                })
        });
        (placed && !leaked).then_some(Self {
            sql: statement.sql,
            values,
        })
    }

    fn fill(&self, backend: DbBackend, inputs: &[Uuid]) -> Statement {
        let values: Vec<Value> = self
            .values
            .iter()
            .map(|slot| match slot {
                Slot::Input(input) => Value::Uuid(inputs.get(*input).copied()),
                Slot::Inputs => Value::String(Some(uuid_array(inputs))),
                Slot::Fixed(value) => value.clone(),
            })
            .collect();
        Statement::from_sql_and_values(backend, self.sql.clone(), values)
    }
}
