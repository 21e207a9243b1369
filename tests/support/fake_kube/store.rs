//! The fake's memory: k8s-openapi objects by kind, the global
//! resourceVersion counter and the history ring that watches replay.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod, Secret, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::broadcast;

use super::logs::LogStore;

/// How many changes the history ring keeps before older ones expire.
pub const HISTORY: usize = 4096;

/// (namespace, name); the namespace is empty for cluster-scoped kinds.
pub type Key = (String, String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Pod,
    Node,
    Service,
    Namespace,
    Event,
    Secret,
}

impl Kind {
    /// The plural resource name, as in URLs and Status details.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Pod => "pods",
            Kind::Node => "nodes",
            Kind::Service => "services",
            Kind::Namespace => "namespaces",
            Kind::Event => "events",
            Kind::Secret => "secrets",
        }
    }
    pub fn kind(self) -> &'static str {
        match self {
            Kind::Pod => "Pod",
            Kind::Node => "Node",
            Kind::Service => "Service",
            Kind::Namespace => "Namespace",
            Kind::Event => "Event",
            Kind::Secret => "Secret",
        }
    }
    pub fn namespaced(self) -> bool {
        matches!(self, Kind::Pod | Kind::Service | Kind::Event | Kind::Secret)
    }
}

/// One change of the store, as watches see it: the object after the change
/// (for DELETED, the last state) and before it (for selector transitions).
#[derive(Clone, Debug)]
pub struct Change {
    pub rv: u64,
    pub kind: Kind,
    pub namespace: String,
    pub typ: &'static str,
    pub object: Arc<Value>,
    pub old: Option<Arc<Value>>,
}

/// A kind the store holds.
pub trait Stored:
    k8s_openapi::Resource
    + k8s_openapi::Metadata<Ty = ObjectMeta>
    + Serialize
    + DeserializeOwned
    + Clone
{
    const STORED: Kind;
    fn map(world: &mut World) -> &mut BTreeMap<Key, Self>;
    fn map_ref(world: &World) -> &BTreeMap<Key, Self>;
}

macro_rules! stored {
    ($t:ty, $kind:expr, $field:ident) => {
        impl Stored for $t {
            const STORED: Kind = $kind;
            fn map(world: &mut World) -> &mut BTreeMap<Key, Self> {
                &mut world.$field
            }
            fn map_ref(world: &World) -> &BTreeMap<Key, Self> {
                &world.$field
            }
        }
    };
}
stored!(Pod, Kind::Pod, pods);
stored!(Node, Kind::Node, nodes);
stored!(Service, Kind::Service, services);
stored!(Namespace, Kind::Namespace, namespaces);
stored!(Event, Kind::Event, events);
stored!(Secret, Kind::Secret, secrets);

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: String,
    /// The Authorization header, when there was one.
    pub authorization: Option<String>,
    pub watch: bool,
    pub at: Instant,
}

/// Switches of the control hand.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub token: Option<String>,
    pub forbid_cluster_pods: bool,
    /// Listing Secrets in a namespace gets 403 Forbidden.
    pub forbid_secret_list: bool,
    /// Deleting a Secret gets 403 Forbidden.
    pub forbid_secret_delete: bool,
    /// Reading one Secret gets 403 Forbidden.
    pub forbid_secret_get: bool,
    pub metrics: bool,
    pub scheduler: bool,
    pub kubelet: bool,
    pub immediate_delete: bool,
    pub chatter: Option<Duration>,
    /// With the kubelet on, containers stop this soon after a graceful
    /// delete (None: they use the whole grace period).
    pub stop_after: Option<Duration>,
    /// Per node: (cpu, memory) usage as quantities.
    pub usage: BTreeMap<String, (String, String)>,
}

pub struct World {
    pub rv: u64,
    pub pods: BTreeMap<Key, Pod>,
    pub nodes: BTreeMap<Key, Node>,
    pub services: BTreeMap<Key, Service>,
    pub namespaces: BTreeMap<Key, Namespace>,
    pub events: BTreeMap<Key, Event>,
    pub secrets: BTreeMap<Key, Secret>,
    history: VecDeque<Arc<Change>>,
    /// The oldest resourceVersion a watch can resume from.
    pub floor: u64,
    pub changes: broadcast::Sender<Arc<Change>>,
    pub settings: Settings,
    pub requests: Vec<RequestRecord>,
    pub logs: LogStore,
    pub serial: u64,
    /// Pods' deadlines for a graceful delete.
    pub deleting: HashMap<Key, Instant>,
}

pub fn now() -> Time {
    Time(Timestamp::now())
}

impl World {
    pub fn new() -> World {
        let (changes, _) = broadcast::channel(HISTORY);
        let mut world = World {
            rv: 1,
            pods: BTreeMap::new(),
            nodes: BTreeMap::new(),
            services: BTreeMap::new(),
            namespaces: BTreeMap::new(),
            events: BTreeMap::new(),
            secrets: BTreeMap::new(),
            history: VecDeque::new(),
            floor: 1,
            changes,
            settings: Settings::default(),
            requests: Vec::new(),
            logs: LogStore::default(),
            serial: 0,
            deleting: HashMap::new(),
        };
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let namespace = super::objects::namespace(ns);
            world.create(namespace);
        }
        world
    }

    /// A fresh number for uids, IPs and generated names.
    pub fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    pub fn uid(&mut self) -> String {
        let n = self.next_serial();
        format!("f0000000-0000-4000-8000-{n:012x}")
    }

    pub fn get<T: Stored>(&self, namespace: &str, name: &str) -> Option<&T> {
        T::map_ref(self).get(&(namespace.to_string(), name.to_string()))
    }

    /// Stores a new object as the API server does: uid, creation time,
    /// resourceVersion. The caller checked that the name is free.
    pub fn create<T: Stored>(&mut self, mut obj: T) -> T {
        let uid = self.uid();
        let meta = obj.metadata_mut();
        if meta.uid.is_none() {
            meta.uid = Some(uid);
        }
        if meta.creation_timestamp.is_none() {
            meta.creation_timestamp = Some(now());
        }
        if T::STORED.namespaced() && meta.namespace.is_none() {
            meta.namespace = Some("default".into());
        }
        if !T::STORED.namespaced() {
            meta.namespace = None;
        }
        self.put(obj)
    }

    /// Stores an object (new or changed) with the next resourceVersion and
    /// tells the watches.
    pub fn put<T: Stored>(&mut self, mut obj: T) -> T {
        self.rv += 1;
        let rv = self.rv;
        obj.metadata_mut().resource_version = Some(rv.to_string());
        let key = key_of(obj.metadata());
        let old = T::map(self).insert(key.clone(), obj.clone());
        let typ = if old.is_some() { "MODIFIED" } else { "ADDED" };
        let old = old
            .and_then(|o| serde_json::to_value(&o).ok())
            .map(Arc::new);
        self.record(T::STORED, key.0, typ, &obj, old);
        obj
    }

    /// Removes an object for good (a DELETED event).
    pub fn remove<T: Stored>(&mut self, namespace: &str, name: &str) -> Option<T> {
        let key = (namespace.to_string(), name.to_string());
        let mut obj = T::map(self).remove(&key)?;
        self.rv += 1;
        obj.metadata_mut().resource_version = Some(self.rv.to_string());
        self.record(T::STORED, key.0.clone(), "DELETED", &obj, None);
        if T::STORED == Kind::Pod {
            self.deleting.remove(&key);
        }
        Some(obj)
    }

    fn record<T: Serialize>(
        &mut self,
        kind: Kind,
        namespace: String,
        typ: &'static str,
        obj: &T,
        old: Option<Arc<Value>>,
    ) {
        let object = Arc::new(serde_json::to_value(obj).unwrap_or(Value::Null));
        let change = Arc::new(Change {
            rv: self.rv,
            kind,
            namespace,
            typ,
            object,
            old,
        });
        self.history.push_back(change.clone());
        while self.history.len() > HISTORY {
            if let Some(gone) = self.history.pop_front() {
                self.floor = gone.rv;
            }
        }
        let _ = self.changes.send(change);
    }

    /// Forgets the history: a watch resuming from before now gets 410.
    pub fn compact(&mut self) {
        self.history.clear();
        self.floor = self.rv;
    }

    /// The changes after `rv`, or None when they are no longer known.
    pub fn since(&self, rv: u64) -> Option<Vec<Arc<Change>>> {
        if rv < self.floor {
            return None;
        }
        Some(self.history.iter().filter(|c| c.rv > rv).cloned().collect())
    }

    /// Every object of a kind (in a namespace) as JSON values.
    pub fn values(&self, kind: Kind, namespace: Option<&str>) -> Vec<Value> {
        fn of<T: Serialize>(map: &BTreeMap<Key, T>, ns: Option<&str>) -> Vec<Value> {
            map.iter()
                .filter(|((n, _), _)| ns.is_none_or(|ns| ns == n))
                .filter_map(|(_, o)| serde_json::to_value(o).ok())
                .collect()
        }
        match kind {
            Kind::Pod => of(&self.pods, namespace),
            Kind::Node => of(&self.nodes, None),
            Kind::Service => of(&self.services, namespace),
            Kind::Namespace => of(&self.namespaces, None),
            Kind::Event => of(&self.events, namespace),
            Kind::Secret => of(&self.secrets, namespace),
        }
    }
}

pub fn key_of(meta: &ObjectMeta) -> Key {
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}
