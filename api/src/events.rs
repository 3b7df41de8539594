//! Fan-out of domain events to live subscriptions. Resolvers publish after their transaction
//! commits; subscriptions listen on a topic and re-check visibility for each event they deliver.
//! The in-process default serves one replica; behind a load balancer a Redis or PostgreSQL
//! (`LISTEN/NOTIFY`) implementation of [`EventBus`] replaces it without touching resolvers, which
//! is why events are plain serialisable values.

use std::{collections::HashMap, sync::Mutex};

use futures_util::{StreamExt, stream::BoxStream};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

/// Something that happened, as subscribers need to hear of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A member's profile changed.
    MemberUpdated { member_id: Uuid },
    /// A meetup's details, status or answers changed.
    MeetupUpdated { meetup_id: Uuid },
    /// A comment was posted in a thread.
    CommentAdded { thread_id: Uuid, comment_id: Uuid },
    /// A member's notification was created, or another event folded into it.
    NotificationChanged {
        member_id: Uuid,
        notification_id: Uuid,
    },
}

impl Event {
    /// The topic the event is published on.
    pub fn topic(&self) -> String {
        match self {
            Event::MemberUpdated { member_id } => member_topic(*member_id),
            Event::MeetupUpdated { meetup_id } => meetup_topic(*meetup_id),
            Event::CommentAdded { thread_id, .. } => thread_topic(*thread_id),
            Event::NotificationChanged { member_id, .. } => notifications_topic(*member_id),
        }
    }
}

/// The topic of events about one member.
pub fn member_topic(member_id: Uuid) -> String {
    format!("member:{member_id}")
}

/// The topic of one member's notifications.
pub fn notifications_topic(member_id: Uuid) -> String {
    format!("notifications:{member_id}")
}

/// The topic of events about one meetup.
pub fn meetup_topic(meetup_id: Uuid) -> String {
    format!("meetup:{meetup_id}")
}

/// The topic of events about one thread.
pub fn thread_topic(thread_id: Uuid) -> String {
    format!("thread:{thread_id}")
}

/// Publishes events and hands out subscriptions to topics.
pub trait EventBus: Send + Sync {
    /// Sends `event` to everyone subscribed to its topic now. Never blocks on slow subscribers.
    fn publish(&self, event: Event);
    /// Events on `topic` from now on.
    fn subscribe(&self, topic: &str) -> BoxStream<'static, Event>;
    /// Publishes each of `events`, in order (those a transaction collected, once it committed).
    fn publish_all(&self, events: Vec<Event>) {
        for event in events {
            self.publish(event);
        }
    }
}

/// One broadcast channel per topic, in this process's memory.
#[derive(Default)]
pub struct InProcessEventBus {
    topics: Mutex<HashMap<String, broadcast::Sender<Event>>>,
}

const TOPIC_BUFFER: usize = 256;

impl EventBus for InProcessEventBus {
    fn publish(&self, event: Event) {
        let topic = event.topic();
        let Ok(mut topics) = self.topics.lock() else {
            return;
        };
        if let Some(sender) = topics.get(&topic)
            && sender.send(event).is_err()
        {
            // Nobody listens any more: forget the topic.
            topics.remove(&topic);
        }
    }

    fn subscribe(&self, topic: &str) -> BoxStream<'static, Event> {
        let receiver = match self.topics.lock() {
            Ok(mut topics) => topics
                .entry(topic.to_owned())
                .or_insert_with(|| broadcast::channel(TOPIC_BUFFER).0)
                .subscribe(),
            Err(_) => return futures_util::stream::empty().boxed(),
        };
        // A subscriber that fell behind skips what it missed rather than ending.
        futures_util::stream::unfold(receiver, |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(event) => return Some((event, receiver)),
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        })
        .boxed()
    }
}
