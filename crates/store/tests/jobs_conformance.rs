//! The job queue on both engines: enqueueing is idempotent by dedupe key,
//! two claimers (two connection pools, as two app servers) never get the
//! same job, a lease that ran out makes a job claimable again, and failures
//! are retried after the backoff.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use sensate_store::*;
use sensate_testkit::on_both_engines;

const LEASE: SignedDuration = SignedDuration::from_mins(5);

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn job(key: &str, run_at: Timestamp) -> NewJob {
    NewJob {
        id: sensate_domain::JobId::new(),
        kind: "test".into(),
        payload: format!("{{\"key\":\"{key}\"}}"),
        dedupe_key: key.into(),
        run_at,
    }
}

async fn only_job(store: &Arc<dyn Store>) -> JobRecord {
    let jobs = store.jobs_of_kind("test").await.unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    jobs.into_iter().next().unwrap()
}

on_both_engines! {
    async fn enqueueing_the_same_job_twice_keeps_one(db: TestDb) {
        let store = db.store().await;
        let now = at("2026-11-23T15:00:00Z");
        assert!(store.enqueue_job(&job("reminder:a:1440", now), now).await.unwrap());
        let again = NewJob { run_at: now + SignedDuration::from_hours(1), ..job("reminder:a:1440", now) };
        assert!(!store.enqueue_job(&again, now).await.unwrap(), "a second job with the key is not added");
        let stored = only_job(&store).await;
        assert_eq!((stored.status, stored.run_at, stored.attempts), (JobStatus::Pending, now, 0));
        assert_eq!(stored.payload, "{\"key\":\"reminder:a:1440\"}");
        // Not due yet: nothing to claim; due: claimed once.
        assert!(store.claim_jobs("w1", now - SignedDuration::from_secs(1), LEASE, 10).await.unwrap().is_empty());
        let claimed = store.claim_jobs("w1", now, LEASE, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!((claimed[0].attempts, claimed[0].locked_by.as_deref()), (1, Some("w1")));
        assert_eq!(claimed[0].locked_until, Some(now + LEASE));
        // Done is done: never claimed again, and the key still dedupes.
        assert!(store.complete_job(claimed[0].id, "w1", now).await.unwrap());
        assert!(store.claim_jobs("w1", now + SignedDuration::from_hours(48), LEASE, 10).await.unwrap().is_empty());
        assert!(!store.enqueue_job(&job("reminder:a:1440", now), now).await.unwrap());
        assert_eq!(only_job(&store).await.status, JobStatus::Done);
        store.close().await;
    }

    async fn two_claimers_never_get_the_same_job(db: TestDb) {
        // Two stores with their own connection pools stand for two app servers.
        let servers = [db.store().await, db.store().await];
        let now = at("2026-11-23T15:00:00Z");
        for n in 0..60 {
            servers[0].enqueue_job(&job(&format!("job-{n:02}"), now - SignedDuration::from_secs(n)), now).await.unwrap();
        }
        let mut claimers = tokio::task::JoinSet::new();
        for n in 0..8 {
            let store = servers[n % 2].clone();
            claimers.spawn(async move {
                let worker = format!("worker-{n}");
                let mut mine = Vec::new();
                loop {
                    let batch = store.claim_jobs(&worker, now, LEASE, 3).await.unwrap();
                    if batch.is_empty() {
                        return mine;
                    }
                    for claimed in batch {
                        assert_eq!(claimed.locked_by.as_deref(), Some(worker.as_str()));
                        mine.push(claimed.id);
                    }
                }
            });
        }
        let mut all = Vec::new();
        while let Some(mine) = claimers.join_next().await {
            all.extend(mine.unwrap());
        }
        let distinct: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), 60, "every job claimed exactly once");
        assert_eq!(distinct.len(), 60);
        for store in &servers {
            store.close().await;
        }
    }

    async fn a_job_whose_lease_ran_out_is_claimed_again(db: TestDb) {
        let store = db.store().await;
        let now = at("2026-11-23T15:00:00Z");
        store.enqueue_job(&job("lease", now), now).await.unwrap();
        let first = store.claim_jobs("gone", now, LEASE, 10).await.unwrap();
        assert_eq!(first.len(), 1);
        // Its process died: nobody else gets it while the lease lasts …
        let almost = now + LEASE - SignedDuration::from_secs(1);
        assert!(store.claim_jobs("next", almost, LEASE, 10).await.unwrap().is_empty());
        // … and the next process does once it ran out.
        let second = store.claim_jobs("next", now + LEASE, LEASE, 10).await.unwrap();
        assert_eq!(second.len(), 1);
        assert_eq!((second[0].id, second[0].attempts), (first[0].id, 2));
        // The old holder can no longer finish it; the new one does.
        assert!(!store.complete_job(first[0].id, "gone", now + LEASE).await.unwrap());
        assert!(store.complete_job(first[0].id, "next", now + LEASE).await.unwrap());
        assert_eq!(only_job(&store).await.status, JobStatus::Done);
        store.close().await;
    }

    async fn failures_are_retried_after_a_doubling_backoff_then_failed(db: TestDb) {
        let store = db.store().await;
        let start = at("2026-11-23T15:00:00Z");
        store.enqueue_job(&job("flaky", start), start).await.unwrap();
        let mut now = start;
        let mut waits = Vec::new();
        loop {
            let claimed = store.claim_jobs("w", now, LEASE, 10).await.unwrap();
            assert_eq!(claimed.len(), 1, "due again at {now}");
            match store.fail_job(&claimed[0], "w", "mail_deferred", true, now).await.unwrap() {
                Some(next) => {
                    let stored = only_job(&store).await;
                    assert_eq!((stored.status, stored.run_at), (JobStatus::Pending, next));
                    assert_eq!(stored.last_error.as_deref(), Some("mail_deferred"));
                    assert_eq!(stored.locked_until, None);
                    assert!(store.claim_jobs("w", next - SignedDuration::from_secs(1), LEASE, 10).await.unwrap().is_empty());
                    waits.push(now.duration_until(next).as_secs() / 60);
                    now = next;
                }
                None => break,
            }
        }
        assert_eq!(waits, [1, 2, 4, 8, 16], "minutes between attempts");
        let failed = only_job(&store).await;
        assert_eq!((failed.status, failed.attempts), (JobStatus::Failed, JOB_RETRY.max_attempts));
        assert!(store.claim_jobs("w", now + SignedDuration::from_hours(24), LEASE, 10).await.unwrap().is_empty());

        // A permanent failure is not retried at all.
        let other = NewJob { kind: "other".into(), ..job("rejected", start) };
        store.enqueue_job(&other, start).await.unwrap();
        let claimed = store.claim_jobs("w", start, LEASE, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(store.fail_job(&claimed[0], "w", "mail_rejected", false, start).await.unwrap(), None);
        let stored = store.jobs_of_kind("other").await.unwrap();
        assert_eq!((stored[0].status, stored[0].last_error.as_deref()), (JobStatus::Failed, Some("mail_rejected")));
        store.close().await;
    }
}

on_both_engines! {
    async fn a_purge_deletes_only_what_is_past_its_retention(db: TestDb) {
        let store = db.store().await;
        let old = at("2026-10-01T00:00:00Z");
        let now = at("2026-11-23T15:00:00Z");
        let cutoff = at("2026-11-01T00:00:00Z");
        // Jobs: finished long ago (done, failed), finished lately, and one still pending from long ago.
        for key in ["done-old", "failed-old", "done-new", "pending-old"] {
            store.enqueue_job(&job(key, old), old).await.unwrap();
        }
        let claimed = store.claim_jobs("w", old, LEASE, 10).await.unwrap();
        let by_key = |key: &str| claimed.iter().find(|j| j.dedupe_key == key).unwrap().clone();
        store.complete_job(by_key("done-old").id, "w", old).await.unwrap();
        store.fail_job(&by_key("failed-old"), "w", "mail_rejected", false, old).await.unwrap();
        store.complete_job(by_key("done-new").id, "w", now).await.unwrap();
        // Limit hits: an old one in a bucket nobody visits again, and a recent one.
        store.record_attempt(&["ip:198.51.100.7"], "a1", old, old - SignedDuration::from_hours(1)).await.unwrap();
        store.record_attempt(&["ip:198.51.100.8"], "a2", now, now - SignedDuration::from_hours(1)).await.unwrap();
        // Sessions: one begun long ago, one lately.
        let user = sensate_domain::UserId::new();
        let email = sensate_domain::Email::parse("someone@harbor.example").unwrap();
        let new_user = NewUser { id: user, email, display_name: "Someone".into(), password_hash: "x".into(), created_at: old };
        store.insert_user(&new_user).await.unwrap();
        store.insert_session("old-session", user, old).await.unwrap();
        store.insert_session("new-session", user, now).await.unwrap();

        let cutoffs = PurgeCutoffs { jobs: cutoff, limit_hits: cutoff, sessions: cutoff };
        assert_eq!(store.purge(&cutoffs).await.unwrap(), Purged { jobs: 2, limit_hits: 1, sessions: 1 });
        let left: HashSet<String> = store.jobs_of_kind("test").await.unwrap().into_iter().map(|j| j.dedupe_key).collect();
        assert_eq!(left, HashSet::from(["done-new".to_string(), "pending-old".to_string()]), "a pending job is never purged");
        assert_eq!(store.rate_hits("ip:198.51.100.7", old - SignedDuration::from_hours(1)).await.unwrap(), 0);
        assert_eq!(store.rate_hits("ip:198.51.100.8", now - SignedDuration::from_hours(1)).await.unwrap(), 1);
        assert!(store.session("old-session").await.unwrap().is_none() && store.session("new-session").await.unwrap().is_some());
        assert_eq!(store.purge(&cutoffs).await.unwrap(), Purged::default(), "nothing twice");
        store.close().await;
    }
}
