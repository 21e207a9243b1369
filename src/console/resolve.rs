//! Which execution a name means, and which of its instances a service
//! name means: the same answer and the same words for `zoe logs`, `zoe
//! kill` and the terminal UI's `:logs`.

/// One execution a query may mean.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub active: bool,
}

/// The candidate `query` means: its id, else its name (the active one
/// when several have that name and one of them is active). The error says
/// what to do.
pub fn pick(query: &str, candidates: &[Candidate<'_>]) -> Result<usize, String> {
    if let Some(i) = candidates.iter().position(|c| c.id == query) {
        return Ok(i);
    }
    let named: Vec<usize> = (0..candidates.len())
        .filter(|i| candidates[*i].name == query)
        .collect();
    let active: Vec<usize> = named
        .iter()
        .copied()
        .filter(|i| candidates[*i].active)
        .collect();
    match (active.as_slice(), named.as_slice()) {
        ([one], _) | ([], [one]) => Ok(*one),
        (_, []) => Err(format!("no execution `{query}`; `zoe ps -a` lists them")),
        _ => Err(format!(
            "several executions are named `{query}`: use an id ({})",
            named
                .iter()
                .map(|i| candidates[*i].id)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Whether `instance` is `service`: the instance itself (`worker0`) or
/// its group (`worker`).
pub fn is_service(instance: &str, service: &str) -> bool {
    instance == service || instance.trim_end_matches(|c: char| c.is_ascii_digit()) == service
}

/// The instances of `execution` that `service` means (all without one),
/// or why none.
pub fn instances_of<'a>(
    execution: &str,
    instances: &[&'a str],
    service: Option<&str>,
) -> Result<Vec<&'a str>, String> {
    let chosen: Vec<&str> = instances
        .iter()
        .copied()
        .filter(|i| service.is_none_or(|s| is_service(i, s)))
        .collect();
    if chosen.is_empty() {
        return Err(format!(
            "execution {execution} has no service `{}`; services: {}",
            service.unwrap_or_default(),
            instances.join(", ")
        ));
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c<'a>(id: &'a str, name: &'a str, active: bool) -> Candidate<'a> {
        Candidate { id, name, active }
    }

    #[test]
    fn an_id_a_unique_name_or_the_one_active_of_a_name() {
        let all = [
            c("ab12", "spark", false),
            c("cd34", "spark", true),
            c("ef56", "jupyter", false),
        ];
        assert_eq!(pick("ef56", &all), Ok(2));
        assert_eq!(pick("jupyter", &all), Ok(2));
        assert_eq!(pick("spark", &all), Ok(1), "the active one");
    }

    #[test]
    fn an_ambiguous_or_unknown_name_says_so_and_what_to_do() {
        let all = [c("ab12", "spark", true), c("cd34", "spark", true)];
        assert_eq!(
            pick("spark", &all),
            Err("several executions are named `spark`: use an id (ab12, cd34)".into())
        );
        assert_eq!(
            pick("nope", &all),
            Err("no execution `nope`; `zoe ps -a` lists them".into())
        );
    }

    #[test]
    fn a_service_is_an_instance_or_its_group() {
        let all = ["master0", "worker0", "worker1"];
        assert_eq!(
            instances_of("ab12", &all, Some("worker")),
            Ok(vec!["worker0", "worker1"])
        );
        assert_eq!(
            instances_of("ab12", &all, Some("worker1")),
            Ok(vec!["worker1"])
        );
        assert_eq!(instances_of("ab12", &all, None).map(|v| v.len()), Ok(3));
        assert_eq!(
            instances_of("ab12", &all, Some("db")),
            Err("execution ab12 has no service `db`; services: master0, worker0, worker1".into())
        );
    }
}
