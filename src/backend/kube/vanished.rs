//! This deployment's pods that went away without the console deleting
//! them (`kubectl delete pod`, a node drained, the namespace emptied…).
//! The watcher of our pods tells every event; a pod deleted (or missing
//! from a relist) that no delete of ours explains is kept here a while,
//! for a look to show it as a destroyed instance: supervision then ends
//! its execution at once, as it does for a removed container.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;
use kube::runtime::watcher::Event;

use crate::backend::labels;

/// How long a pod deleted from outside is shown (its execution ends at
/// the first supervision pass; then this only keeps the reason visible),
/// and how long a delete of ours explains a pod going away.
pub const KEPT: Duration = Duration::from_secs(600);

/// What the watcher of our pods saw go, and what the console deleted.
#[derive(Default)]
pub struct Deletions {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The pods the watcher holds, by name.
    known: HashMap<String, Arc<Pod>>,
    /// A relist under way: the pods listed so far.
    relisting: Option<HashMap<String, Arc<Pod>>>,
    /// Pods the console deleted, by name, and when.
    own_pods: HashMap<String, Instant>,
    /// Executions the console removed as a whole, and when.
    own_executions: HashMap<String, Instant>,
    /// Pods deleted from outside, by name, and when that was seen.
    vanished: HashMap<String, (Arc<Pod>, Instant)>,
}

impl Inner {
    fn prune(&mut self, now: Instant) {
        let fresh = |at: &Instant| now.saturating_duration_since(*at) < KEPT;
        self.own_pods.retain(|_, at| fresh(at));
        self.own_executions.retain(|_, at| fresh(at));
        self.vanished.retain(|_, (_, at)| fresh(at));
    }

    /// A pod went away: ours to delete, or deleted from outside.
    fn gone(&mut self, pod: &Arc<Pod>, now: Instant) {
        let name = pod.name_any();
        if self.own_pods.remove(&name).is_some() {
            return;
        }
        let execution = pod.labels().get(labels::EXECUTION_ID);
        if execution.is_some_and(|id| self.own_executions.contains_key(id)) {
            return;
        }
        tracing::info!("pod {name} was deleted, not by this console");
        self.vanished.insert(name, (pod.clone(), now));
    }
}

impl Deletions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The console is about to delete pod `name`.
    pub fn deleting_pod(&self, name: &str) {
        let mut inner = self.lock();
        inner.own_pods.insert(name.to_string(), Instant::now());
        inner.vanished.remove(name);
    }

    /// The console is about to remove everything of an execution.
    pub fn deleting_execution(&self, execution_id: &str) {
        let mut inner = self.lock();
        inner
            .own_executions
            .insert(execution_id.to_string(), Instant::now());
        inner.vanished.retain(|_, (pod, _)| {
            pod.labels().get(labels::EXECUTION_ID).map(String::as_str) != Some(execution_id)
        });
    }

    /// One event of the watcher of our pods (after its store took it).
    pub fn event(&self, event: &Event<Pod>) {
        let now = Instant::now();
        let mut inner = self.lock();
        inner.prune(now);
        match event {
            Event::Apply(pod) => {
                let pod = Arc::new(pod.clone());
                inner.vanished.remove(&pod.name_any());
                inner.known.insert(pod.name_any(), pod);
            }
            Event::Delete(pod) => {
                let pod = Arc::new(pod.clone());
                inner.known.remove(&pod.name_any());
                inner.gone(&pod, now);
            }
            Event::Init => inner.relisting = Some(HashMap::new()),
            Event::InitApply(pod) => {
                let pod = Arc::new(pod.clone());
                inner.vanished.remove(&pod.name_any());
                inner
                    .relisting
                    .get_or_insert_with(HashMap::new)
                    .insert(pod.name_any(), pod);
            }
            Event::InitDone => {
                let listed = inner.relisting.take().unwrap_or_default();
                let before = std::mem::replace(&mut inner.known, listed);
                // gone while the watch was broken (no DELETED event for them)
                for (name, pod) in before {
                    if !inner.known.contains_key(&name) {
                        inner.gone(&pod, now);
                    }
                }
            }
        }
    }

    /// The pods deleted from outside, as last seen (recently).
    pub fn vanished(&self) -> Vec<Arc<Pod>> {
        let mut inner = self.lock();
        inner.prune(Instant::now());
        inner
            .vanished
            .values()
            .map(|(pod, _)| pod.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, execution: &str) -> Pod {
        let mut pod = Pod::default();
        pod.metadata.name = Some(name.into());
        pod.metadata.labels = Some(
            [(labels::EXECUTION_ID.to_string(), execution.to_string())]
                .into_iter()
                .collect(),
        );
        pod
    }

    fn names(d: &Deletions) -> Vec<String> {
        let mut names: Vec<String> = d.vanished().iter().map(|p| p.name_any()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_delete_not_ours_is_kept_and_ours_are_not() {
        let d = Deletions::default();
        for name in ["a", "b", "c"] {
            d.event(&Event::Apply(pod(name, "e1")));
        }
        d.event(&Event::Apply(pod("x", "e2")));
        d.deleting_pod("a");
        d.event(&Event::Delete(pod("a", "e1")));
        d.event(&Event::Delete(pod("b", "e1")));
        assert_eq!(names(&d), ["b"]);
        // a pod made again with that name is not gone any more
        d.event(&Event::Apply(pod("b", "e1")));
        assert!(names(&d).is_empty());
        // the execution removed as a whole: none of its pods counts
        d.deleting_execution("e2");
        d.event(&Event::Delete(pod("x", "e2")));
        assert!(names(&d).is_empty());
    }

    #[test]
    fn a_relist_finds_what_went_while_the_watch_was_broken() {
        let d = Deletions::default();
        d.event(&Event::Init);
        d.event(&Event::InitApply(pod("a", "e1")));
        d.event(&Event::InitApply(pod("b", "e1")));
        d.event(&Event::InitDone);
        assert!(names(&d).is_empty());
        d.event(&Event::Init);
        d.event(&Event::InitApply(pod("a", "e1")));
        d.event(&Event::InitDone);
        assert_eq!(names(&d), ["b"]);
        // removing the execution forgets it
        d.deleting_execution("e1");
        assert!(names(&d).is_empty());
    }
}
