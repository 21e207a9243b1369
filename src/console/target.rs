//! `start --on TARGET`: the target an execution is kept to must exist.

use crate::model::NodeSnapshot;

/// Refuses a target (`--on`) that none of the nodes belongs to, listing
/// the targets there are.
pub fn check_target(nodes: &[NodeSnapshot], target: Option<&str>) -> Result<(), String> {
    let Some(target) = target else {
        return Ok(());
    };
    let mut targets: Vec<&str> = nodes.iter().map(|n| n.target.as_str()).collect();
    targets.sort_unstable();
    targets.dedup();
    if targets.contains(&target) {
        return Ok(());
    }
    Err(if targets.is_empty() {
        format!("no target `{target}`: no targets are configured")
    } else {
        format!(
            "no target `{target}`; the targets are: {} (a Docker host's name, or a cluster's)",
            targets.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, target: &str) -> NodeSnapshot {
        let mut n =
            NodeSnapshot::offline(name, String::new(), String::new(), Vec::new(), "x".into());
        n.target = target.into();
        n
    }

    #[test]
    fn an_unknown_target_is_refused_with_the_list() {
        let nodes = [node("local", "local"), node("k1", "lab"), node("k2", "lab")];
        assert_eq!(check_target(&nodes, None), Ok(()));
        assert_eq!(check_target(&nodes, Some("lab")), Ok(()));
        assert_eq!(check_target(&nodes, Some("local")), Ok(()));
        assert_eq!(
            check_target(&nodes, Some("k1")),
            Err("no target `k1`; the targets are: lab, local (a Docker host's name, or a cluster's)".into()),
            "a cluster's node is not a target"
        );
        assert_eq!(
            check_target(&[], Some("lab")),
            Err("no target `lab`: no targets are configured".into())
        );
    }
}
