//! Fault injection: rules that make chosen Accounting API calls fail the ways
//! Xero's do.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::limits::Problem;

/// Holds calls until released: for tests that need calls in flight at once.
#[derive(Debug, Clone)]
pub struct Gate {
    semaphore: Arc<Semaphore>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            semaphore: Arc::new(Semaphore::new(0)),
        }
    }
}

impl Gate {
    /// A closed gate.
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Lets every held call, and every later one, through.
    pub fn open(&self) {
        self.semaphore.close();
    }

    /// Waits until the gate opens.
    pub async fn pass(&self) {
        // A closed semaphore answers at once with an error: that is "open".
        let _ = self.semaphore.acquire().await;
    }
}

impl PartialEq for Gate {
    fn eq(&self, other: &Gate) -> bool {
        Arc::ptr_eq(&self.semaphore, &other.semaphore)
    }
}

impl Eq for Gate {}

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (500, 503, ...) and Xero's error body.
    Status(u16),
    /// Answer correctly, after this long.
    Delay(Duration),
    /// Never answer (until the client gives up or the simulator stops).
    Timeout,
    /// Hold the call, counted in flight, until the gate opens.
    Hold(Gate),
    /// Do the call's work (a write is recorded), then hold its answer until
    /// the gate opens: a client that gives up, or dies, meanwhile never
    /// learns the outcome of what was done.
    HoldAnswer(Gate),
    /// Send the first half of the JSON body.
    TruncatedJson,
    /// Send a body that is not JSON.
    MalformedJson,
    /// Expire every access token just before this call: a token expiring mid-sync.
    ExpireTokens,
    /// After this call is answered, edit the records it returned (new
    /// `UpdatedDateUTC`): records changed between two pages.
    ChangeServedRecords,
    /// Refuse with a 429 as Xero does when a limit is spent elsewhere (another
    /// app on the tenant): this call and every call to the tenant in the next
    /// `retry_after_secs` get the 429, with `X-Rate-Limit-Problem` and (for
    /// the minute and the day) `Retry-After`.
    RateLimited {
        problem: Problem,
        retry_after_secs: u64,
    },
}

/// When a fault applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// What goes wrong.
    pub fault: Fault,
    /// Only calls to this collection's path (any case), e.g. `"Invoices"`; `None`: any call.
    pub path: Option<String>,
    /// Let this many matching calls through first.
    pub skip: u32,
    /// Then fail this many (`None`: every one after).
    pub times: Option<u32>,
}

impl FaultRule {
    /// Every call, from now on.
    pub fn always(fault: Fault) -> FaultRule {
        FaultRule {
            fault,
            path: None,
            skip: 0,
            times: None,
        }
    }

    /// The next `times` calls.
    pub fn next(fault: Fault, times: u32) -> FaultRule {
        FaultRule {
            fault,
            path: None,
            skip: 0,
            times: Some(times),
        }
    }

    /// Only calls to this collection path.
    pub fn on(mut self, path: &str) -> FaultRule {
        self.path = Some(path.to_owned());
        self
    }

    /// After letting `n` matching calls through.
    pub fn after(mut self, n: u32) -> FaultRule {
        self.skip = n;
        self
    }
}

/// The rules in force.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Vec<FaultRule>,
}

impl Faults {
    /// Adds a rule.
    pub fn add(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The faults that apply to a call to `path` (counted as used).
    pub fn take(&mut self, path: &str) -> Vec<Fault> {
        let mut out = Vec::new();
        for r in &mut self.rules {
            if r.path
                .as_deref()
                .is_some_and(|p| !p.eq_ignore_ascii_case(path))
            {
                continue;
            }
            if r.skip > 0 {
                r.skip -= 1;
                continue;
            }
            match &mut r.times {
                Some(0) => continue,
                Some(n) => *n -= 1,
                None => {}
            }
            out.push(r.fault.clone());
        }
        self.rules.retain(|r| r.times != Some(0));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_skip_then_fire_then_stop() {
        let mut f = Faults::default();
        f.add(
            FaultRule::next(Fault::Status(503), 2)
                .on("Invoices")
                .after(1),
        );
        assert!(f.take("Contacts").is_empty());
        assert!(f.take("invoices").is_empty());
        assert_eq!(f.take("Invoices"), vec![Fault::Status(503)]);
        assert_eq!(f.take("Invoices"), vec![Fault::Status(503)]);
        assert!(f.take("Invoices").is_empty());
    }
}
