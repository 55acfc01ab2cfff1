//! A unit of work: one transaction that a use case begins, lends to the
//! repositories, fills with its audit entries and commits once.
//!
//! ```ignore
//! let uow = store.begin_write().await?;        // SQLite: the write lock from here
//! let facts = uow.client_facts(practice, client).await?; // read in the same transaction
//! decide(...)?;                                 // the policy, on those facts
//! uow.put_client_contact(client, practice, &sealed, now).await?;
//! uow.audit(entry);                             // written with the change
//! uow.commit().await?;                          // both or neither
//! ```
//!
//! Dropping a unit of work without committing rolls everything back,
//! its audit entries included.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use sqlx::{Pool, Transaction};
use tokio::sync::{Notify, oneshot};

use crate::audit::PENDING_ROWS_PER_STATEMENT;
use crate::engine::{Dialect, Held, Source, SqlxStore};
use crate::{AuditEvent, AuditStore, Result, StoreError};

/// Every repository, on one transaction.
#[async_trait]
pub trait UnitOfWork: crate::Repositories + Send + Sync {
    /// Records what this unit of work did (or was refused); the entry is
    /// written when it commits, and only then.
    fn audit(&self, event: AuditEvent);

    /// Commits the changes and their audit entries together. A read unit of
    /// work ends its snapshot and then writes its entries durably (shared
    /// with other readers' entries of the same moment) before returning.
    async fn commit(self: Box<Self>) -> Result<()>;
}

/// Whether a unit of work may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Write,
    Read,
    /// A write whose first statement writes (the readers' audit entries):
    /// no lock is taken ahead of it, since nothing is read first.
    Append,
}

/// One caller's entries, and where to tell it how the commit went.
type Waiter = (Vec<AuditEvent>, oneshot::Sender<Result<(), String>>);

/// The audit entries that readers are waiting to have written, and the turn
/// to write them: whoever takes the turn writes everyone's entries queued
/// so far in one transaction (group commit), so many readers cost one
/// commit, not one each.
#[derive(Default)]
pub(crate) struct AuditQueue {
    waiting: Mutex<Vec<Waiter>>,
    turn: tokio::sync::Mutex<()>,
    /// Woken after entries commit, so the sealer chains them promptly.
    pub(crate) written: Arc<Notify>,
}

impl AuditQueue {
    /// Writes `events` durably, sharing a commit with whoever else waits.
    pub(crate) async fn append<DB>(self: &Arc<Self>, pool: &Pool<DB>, events: Vec<AuditEvent>) -> Result<()>
    where
        DB: Dialect,
        SqlxUow<DB>: UnitOfWork,
        SqlxStore<DB>: AuditStore,
    {
        if events.is_empty() {
            return Ok(());
        }
        let (sender, mut receiver) = oneshot::channel();
        self.lock_waiting().push((events, sender));
        loop {
            let turn = self.turn.lock().await;
            // A writer before us may already have taken our entries.
            if let Ok(done) = receiver.try_recv() {
                return done.map_err(StoreError::Unavailable);
            }
            let batch = self.take_batch();
            let events: Vec<AuditEvent> = batch.iter().flat_map(|(events, _)| events.iter().cloned()).collect();
            let outcome = self.write(pool, &events).await;
            let shared = outcome.as_ref().map(|_| ()).map_err(|error| error.to_string());
            for (_, sender) in batch {
                // A caller that gave up no longer listens; nothing to tell it.
                let _ = sender.send(shared.clone());
            }
            self.written.notify_one();
            drop(turn);
            match receiver.try_recv() {
                Ok(done) => return done.map_err(StoreError::Unavailable),
                // Ours did not fit this group: take the next turn.
                Err(oneshot::error::TryRecvError::Empty) => continue,
                Err(oneshot::error::TryRecvError::Closed) => return outcome,
            }
        }
    }

    /// The waiting callers whose entries fit one statement, in order of
    /// arrival (always the first, however many it has).
    fn take_batch(&self) -> Vec<Waiter> {
        let mut waiting = self.lock_waiting();
        let mut rows = 0;
        let fitting = waiting
            .iter()
            .take_while(|(events, _)| {
                rows += events.len();
                rows <= PENDING_ROWS_PER_STATEMENT
            })
            .count();
        waiting.drain(..fitting.max(1)).collect()
    }

    /// One statement in its own (automatic) transaction when the group fits
    /// one — a single round trip to the database —, else a transaction.
    async fn write<DB>(self: &Arc<Self>, pool: &Pool<DB>, events: &[AuditEvent]) -> Result<()>
    where
        DB: Dialect,
        SqlxUow<DB>: UnitOfWork,
        SqlxStore<DB>: AuditStore,
    {
        if events.len() <= PENDING_ROWS_PER_STATEMENT {
            return SqlxStore::with_queue(pool.clone(), Arc::clone(self)).write_audit_entries(events).await;
        }
        let uow = SqlxUow::begin(pool.clone(), Mode::Append, Arc::clone(self)).await?;
        uow.write_audit_entries(events).await?;
        Box::new(uow).commit().await
    }

    /// The turn to write entries, for a writer that is not a group commit
    /// (the sealer, on an engine with one writer).
    pub(crate) async fn take_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.turn.lock().await
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiter>> {
        self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A unit of work on one engine.
pub struct SqlxUow<DB: Dialect> {
    tx: tokio::sync::Mutex<Transaction<'static, DB>>,
    mode: Mode,
    pool: Pool<DB>,
    audit: Mutex<Vec<AuditEvent>>,
    scheduling_changed: AtomicBool,
    queue: Arc<AuditQueue>,
}

impl<DB: Dialect> SqlxUow<DB> {
    pub(crate) async fn begin(pool: Pool<DB>, mode: Mode, queue: Arc<AuditQueue>) -> Result<Self> {
        let mut tx = pool.begin().await?;
        if mode == Mode::Write {
            DB::lock_for_write(&mut tx).await?;
        }
        Ok(Self {
            tx: tokio::sync::Mutex::new(tx),
            mode,
            pool,
            audit: Mutex::default(),
            scheduling_changed: AtomicBool::new(false),
            queue,
        })
    }

    fn take_audit(&self) -> Vec<AuditEvent> {
        std::mem::take(&mut *self.audit.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

#[async_trait]
impl<DB: Dialect> Source for SqlxUow<DB> {
    type Db = DB;

    async fn conn(&self) -> Result<Held<'_, DB>, sqlx::Error> {
        Ok(Held::InTransaction(self.tx.lock().await))
    }

    /// Told to the engine after the commit, if there is one.
    async fn scheduling_committed(&self) {
        self.scheduling_changed.store(true, Ordering::Relaxed);
    }
}

#[async_trait]
impl<DB> UnitOfWork for SqlxUow<DB>
where
    DB: Dialect,
    Self: crate::Repositories,
    SqlxStore<DB>: AuditStore,
{
    fn audit(&self, event: AuditEvent) {
        self.audit.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(event);
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        let events = self.take_audit();
        let wrote_audit = !events.is_empty();
        if self.mode == Mode::Write {
            self.write_audit_entries(&events).await?;
        }
        let this = *self;
        this.tx.into_inner().commit().await?;
        if this.scheduling_changed.load(Ordering::Relaxed) {
            DB::scheduling_committed(&this.pool).await;
        }
        if this.mode == Mode::Read {
            // A read snapshot cannot become a write without risking a
            // conflict on SQLite; its entries join the readers' group commit.
            return this.queue.append(&this.pool, events).await;
        }
        if wrote_audit {
            this.queue.written.notify_one();
        }
        Ok(())
    }
}
