//! Docker's event stream, narrowed to the containers of one deployment:
//! what tells a watcher to look again at once.

use std::collections::HashMap;

use bollard::Docker;
use bollard::query_parameters::EventsOptions;
use futures::{Stream, StreamExt};

use crate::backend::labels;

/// Container events that change what a look would show.
const CHANGES: &[&str] = &[
    "start", "die", "oom", "kill", "stop", "destroy", "pause", "unpause",
];

/// One `()` per change to a container of `deployment`; ends when the
/// connection breaks.
pub fn changes(docker: Docker, deployment: String) -> impl Stream<Item = ()> {
    let filters = HashMap::from([
        ("type".to_string(), vec!["container".to_string()]),
        (
            "label".to_string(),
            vec![format!("{}={deployment}", labels::DEPLOYMENT)],
        ),
        (
            "event".to_string(),
            CHANGES.iter().map(|e| e.to_string()).collect(),
        ),
    ]);
    let options = EventsOptions {
        filters: Some(filters),
        ..Default::default()
    };
    docker
        .events(Some(options))
        .take_while(|item| futures::future::ready(item.is_ok()))
        .map(|_| ())
}
