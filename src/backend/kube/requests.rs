//! What a pod requests of its node, with kubectl's arithmetic
//! (`kubectl describe node` "Allocated resources", component-helpers
//! `PodRequests`): the containers' sum; restartable init containers
//! (sidecars) added to it; every other init container raises it to its own
//! request plus the sidecars started before it; then the pod's overhead.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::quantity;

/// CPU (millicores) and memory (bytes) requested.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Request {
    pub cpu_millis: u64,
    pub memory: u64,
}

impl Request {
    /// Both requests together (saturating).
    pub fn plus(self, other: Request) -> Request {
        Request {
            cpu_millis: self.cpu_millis.saturating_add(other.cpu_millis),
            memory: self.memory.saturating_add(other.memory),
        }
    }

    fn max(self, other: Request) -> Request {
        Request {
            cpu_millis: self.cpu_millis.max(other.cpu_millis),
            memory: self.memory.max(other.memory),
        }
    }
}

type Resources = BTreeMap<String, Quantity>;

/// One resource list's cpu and memory; `field` names it in errors.
fn read(list: Option<&Resources>, field: &str) -> Result<(Option<u64>, Option<u64>), String> {
    let Some(list) = list else {
        return Ok((None, None));
    };
    let cpu = list
        .get("cpu")
        .map(|q| quantity::cpu_millis(&q.0).map_err(|e| format!("{field}.cpu: {e}")))
        .transpose()?;
    let memory = list
        .get("memory")
        .map(|q| quantity::bytes(&q.0).map_err(|e| format!("{field}.memory: {e}")))
        .transpose()?;
    Ok((cpu, memory))
}

/// A container's request; a resource with a limit and no request counts
/// its limit (the API server defaults the request to the limit).
fn container_request(container: &Container, field: &str) -> Result<Request, String> {
    let resources = container.resources.as_ref();
    let (cpu, memory) = read(
        resources.and_then(|r| r.requests.as_ref()),
        &format!("{field}.resources.requests"),
    )?;
    let (cpu_limit, memory_limit) = read(
        resources.and_then(|r| r.limits.as_ref()),
        &format!("{field}.resources.limits"),
    )?;
    Ok(Request {
        cpu_millis: cpu.or(cpu_limit).unwrap_or(0),
        memory: memory.or(memory_limit).unwrap_or(0),
    })
}

/// The pod's effective request, as kubectl sums it. An unparsable
/// quantity is an error naming the field (`spec.containers[0]
/// (name).resources.requests.cpu: …`).
pub fn pod_request(spec: &PodSpec) -> Result<Request, String> {
    let mut sum = Request::default();
    for (i, c) in spec.containers.iter().enumerate() {
        let field = format!("spec.containers[{i}] ({})", c.name);
        sum = sum.plus(container_request(c, &field)?);
    }
    let mut sidecars = Request::default();
    let mut init_max = Request::default();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        let field = format!("spec.initContainers[{i}] ({})", c.name);
        let request = container_request(c, &field)?;
        let peak = if c.restart_policy.as_deref() == Some("Always") {
            sum = sum.plus(request);
            sidecars = sidecars.plus(request);
            sidecars
        } else {
            request.plus(sidecars)
        };
        init_max = init_max.max(peak);
    }
    let (cpu, memory) = read(spec.overhead.as_ref(), "spec.overhead")?;
    Ok(sum.max(init_max).plus(Request {
        cpu_millis: cpu.unwrap_or(0),
        memory: memory.unwrap_or(0),
    }))
}

/// The node a pod holds resources on: bound (`spec.nodeName`) and not
/// finished (phase neither Succeeded nor Failed), as `kubectl describe
/// node` selects them.
pub fn counts_on_node(pod: &Pod) -> Option<&str> {
    let node = pod.spec.as_ref()?.node_name.as_deref()?;
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if node.is_empty() || matches!(phase, Some("Succeeded" | "Failed")) {
        return None;
    }
    Some(node)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{PodStatus, ResourceRequirements};

    fn list(cpu: Option<&str>, memory: Option<&str>) -> Option<Resources> {
        let mut map = Resources::new();
        if let Some(cpu) = cpu {
            map.insert("cpu".into(), Quantity(cpu.into()));
        }
        if let Some(memory) = memory {
            map.insert("memory".into(), Quantity(memory.into()));
        }
        Some(map)
    }

    /// A container requesting `cpu` and `memory` (either may be absent).
    pub(crate) fn container(name: &str, cpu: Option<&str>, memory: Option<&str>) -> Container {
        Container {
            name: name.into(),
            resources: Some(ResourceRequirements {
                requests: list(cpu, memory),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn sidecar(name: &str, cpu: &str, memory: &str) -> Container {
        Container {
            restart_policy: Some("Always".into()),
            ..container(name, Some(cpu), Some(memory))
        }
    }

    fn spec(containers: Vec<Container>, init: Vec<Container>) -> PodSpec {
        PodSpec {
            containers,
            init_containers: (!init.is_empty()).then_some(init),
            ..Default::default()
        }
    }

    fn req(cpu_millis: u64, mib: u64) -> Request {
        Request {
            cpu_millis,
            memory: mib << 20,
        }
    }

    #[test]
    fn containers_add_up() {
        let s = spec(
            vec![
                container("a", Some("250m"), Some("64Mi")),
                container("b", Some("0.5"), Some("128Mi")),
                container("c", None, None),
            ],
            vec![],
        );
        assert_eq!(pod_request(&s), Ok(req(750, 192)));
        assert_eq!(pod_request(&PodSpec::default()), Ok(Request::default()));
    }

    #[test]
    fn init_containers_raise_the_request_per_resource() {
        let main = || vec![container("app", Some("500m"), Some("256Mi"))];
        // a bigger init container wins on cpu, the containers on memory
        let s = spec(main(), vec![container("init", Some("2"), Some("64Mi"))]);
        assert_eq!(pod_request(&s), Ok(req(2000, 256)));
        // smaller ones change nothing
        let s = spec(
            main(),
            vec![
                container("i1", Some("100m"), Some("64Mi")),
                container("i2", Some("200m"), Some("128Mi")),
            ],
        );
        assert_eq!(pod_request(&s), Ok(req(500, 256)));
        // init containers do not add up: the largest one counts
        let s = spec(
            main(),
            vec![
                container("i1", Some("400m"), Some("200Mi")),
                container("i2", Some("400m"), Some("200Mi")),
            ],
        );
        assert_eq!(pod_request(&s), Ok(req(500, 256)));
    }

    #[test]
    fn sidecars_add_and_run_beside_later_init_containers() {
        let s = spec(
            vec![container("app", Some("500m"), Some("256Mi"))],
            vec![
                sidecar("proxy", "100m", "64Mi"),
                container("migrate", Some("1"), Some("64Mi")),
            ],
        );
        // containers + sidecar = 600m/320Mi; migrate runs beside the
        // sidecar: 1100m/128Mi
        assert_eq!(pod_request(&s), Ok(req(1100, 320)));
        // an init container before the sidecar runs alone
        let s = spec(
            vec![container("app", Some("500m"), Some("256Mi"))],
            vec![
                container("first", Some("550m"), Some("64Mi")),
                sidecar("proxy", "100m", "64Mi"),
            ],
        );
        assert_eq!(pod_request(&s), Ok(req(600, 320)));
    }

    #[test]
    fn overhead_is_added_and_limits_stand_for_missing_requests() {
        let mut s = spec(vec![container("app", Some("500m"), Some("256Mi"))], vec![]);
        s.overhead = list(Some("250m"), Some("120Mi"));
        assert_eq!(pod_request(&s), Ok(req(750, 376)));
        let limits_only = Container {
            name: "l".into(),
            resources: Some(ResourceRequirements {
                limits: list(Some("1"), Some("1Gi")),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            pod_request(&spec(vec![limits_only.clone()], vec![])),
            Ok(req(1000, 1024))
        );
        // a request wins over the limit, per resource
        let mut mixed = limits_only;
        if let Some(r) = mixed.resources.as_mut() {
            r.requests = list(Some("200m"), None);
        }
        assert_eq!(pod_request(&spec(vec![mixed], vec![])), Ok(req(200, 1024)));
    }

    #[test]
    fn a_bad_quantity_names_the_field() {
        let s = spec(
            vec![
                container("ok", Some("1"), None),
                container("bad", Some("1 core"), None),
            ],
            vec![],
        );
        let why = pod_request(&s).unwrap_err();
        assert!(
            why.starts_with("spec.containers[1] (bad).resources.requests.cpu: `1 core`"),
            "{why}"
        );
        let mut s = spec(vec![], vec![]);
        s.overhead = list(None, Some("lots"));
        assert!(
            pod_request(&s)
                .unwrap_err()
                .starts_with("spec.overhead.memory")
        );
    }

    fn pod(node: Option<&str>, phase: Option<&str>) -> Pod {
        Pod {
            spec: Some(PodSpec {
                node_name: node.map(str::to_string),
                ..Default::default()
            }),
            status: Some(PodStatus {
                phase: phase.map(str::to_string),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn finished_and_unbound_pods_hold_nothing() {
        assert_eq!(
            counts_on_node(&pod(Some("n1"), Some("Running"))),
            Some("n1")
        );
        assert_eq!(
            counts_on_node(&pod(Some("n1"), Some("Pending"))),
            Some("n1")
        );
        assert_eq!(
            counts_on_node(&pod(Some("n1"), Some("Unknown"))),
            Some("n1")
        );
        assert_eq!(counts_on_node(&pod(Some("n1"), None)), Some("n1"));
        assert_eq!(counts_on_node(&pod(Some("n1"), Some("Succeeded"))), None);
        assert_eq!(counts_on_node(&pod(Some("n1"), Some("Failed"))), None);
        assert_eq!(counts_on_node(&pod(None, Some("Pending"))), None);
        assert_eq!(counts_on_node(&pod(Some(""), Some("Pending"))), None);
        assert_eq!(counts_on_node(&Pod::default()), None);
    }
}
