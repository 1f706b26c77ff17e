//! Checks of the audits and repair of lost shards.

use super::{Fail, Key, positive_duration};
use crate::scenario::{RepairPolicy, Scenario};

pub(super) fn check_repair(scenario: &Scenario, fail: &mut Fail<'_>) {
    let repair = &scenario.repair;
    let at = |key| [Key("repair"), Key(key)];
    let (k, n) = (scenario.engine.k, scenario.engine.n);
    if k == 0 || k > n {
        // The coding parameters are reported on their own; no threshold fits them.
        return;
    }
    let rebuildable = n - k;
    if rebuildable == 0 && repair.is_on() {
        fail(
            &at("policy"),
            format!(
                "with k = n = {n} a stripe cannot lose a single shard, so there is nothing \
                 to rebuild from; lower k below n or remove the [repair] policy and threshold"
            ),
        );
        return;
    }
    let advice = format!(
        "use 1 to n - k = {rebuildable} lost shards (1 is eager repair), or n = {n} for no repair"
    );
    match (repair.policy, repair.threshold) {
        (Some(RepairPolicy::Lazy), None) => fail(
            &at("policy"),
            format!("lazy repair needs a threshold of lost shards; {advice}"),
        ),
        (_, Some(threshold)) if threshold == 0 || (threshold > rebuildable && threshold != n) => {
            fail(
                &at("threshold"),
                format!(
                    "threshold = {threshold} lost shards cannot start a repair: a stripe \
                     rebuilds from k = {k} shards, so it survives at most {rebuildable} \
                     losses; {advice}"
                ),
            )
        }
        (Some(RepairPolicy::None), Some(threshold)) if threshold != n => fail(
            &at("threshold"),
            format!(
                "policy = \"none\" conflicts with threshold = {threshold}; no repair is \
                 threshold = n = {n}, so remove one of the two"
            ),
        ),
        (Some(RepairPolicy::Eager), Some(threshold)) if threshold != 1 => fail(
            &at("threshold"),
            format!(
                "policy = \"eager\" conflicts with threshold = {threshold}; eager repair is \
                 threshold = 1, so remove the threshold or set policy = \"lazy\""
            ),
        ),
        (Some(RepairPolicy::Lazy), Some(threshold)) if threshold < 2 || threshold == n => fail(
            &at("threshold"),
            format!(
                "lazy repair needs a threshold between 2 and n - k = {rebuildable}; \
                 threshold = 1 is eager repair and n = {n} is none"
            ),
        ),
        _ => {}
    }
    if repair.is_on() {
        positive_duration(&at("audit_interval"), repair.audit_interval, fail);
        positive_duration(&at("retry_backoff"), repair.retry_backoff, fail);
    }
}
