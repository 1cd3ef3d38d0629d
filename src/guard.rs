//! Process set-up that keeps secrets out of core dumps.
//!
//! envseal holds keys and plaintext in memory, so for its own lifetime it never dumps
//! core: the soft RLIMIT_CORE is set to 0 and the process is marked not dumpable
//! (`PR_SET_DUMPABLE` 0, which also keeps other processes of the user from reading its
//! memory through ptrace or `/proc/PID/mem`). The hard limit is left alone, so the user's
//! own limit can be given back to a command envseal starts (`run`, `edit`): just before
//! it starts, [`user_core_limit`] restores the soft limit (the process is still not
//! dumpable meanwhile, so envseal itself still cannot dump core), and `exec` of a
//! non-setuid program makes the new program dumpable again.

use std::sync::OnceLock;

use rustix::process::{self, DumpableBehavior, Resource, Rlimit};

/// The core-file limit envseal was started with.
static USER_CORE_LIMIT: OnceLock<Rlimit> = OnceLock::new();

/// No core dump of envseal itself. Called once, first thing. A failure (a system
/// without prctl) leaves RLIMIT_CORE, which is portable, doing the work.
pub fn no_core_dumps() {
    let user = process::getrlimit(Resource::Core);
    let _ = USER_CORE_LIMIT.set(user);
    let _ = process::setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: user.maximum,
        },
    );
    let _ = process::set_dumpable_behavior(DumpableBehavior::NotDumpable);
}

/// Give the user's core-file limit back, for a command about to be started (the child
/// of a fork inherits it; `exec` keeps it). Without `Drop` on purpose for `run`, which
/// execs; `edit` lowers it again with [`no_core_dumps_again`].
pub fn user_core_limit() {
    if let Some(user) = USER_CORE_LIMIT.get() {
        let _ = process::setrlimit(Resource::Core, *user);
    }
}

/// Back to no core dumps after a command was started ([`user_core_limit`]).
pub fn no_core_dumps_again() {
    let max = process::getrlimit(Resource::Core).maximum;
    let _ = process::setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: max,
        },
    );
}

/// Is this process marked not dumpable? (For tests.)
pub fn is_dumpable() -> bool {
    process::dumpable_behavior().is_ok_and(|b| b != DumpableBehavior::NotDumpable)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In this test process (its own binary): not dumpable, soft limit 0, and the limit
    /// it started with given back and taken away again.
    #[test]
    fn no_core_dumps_then_the_users_limit_back() {
        let before = process::getrlimit(Resource::Core);
        no_core_dumps();
        assert!(!is_dumpable());
        assert_eq!(process::getrlimit(Resource::Core).current, Some(0));
        user_core_limit();
        assert_eq!(process::getrlimit(Resource::Core), before);
        no_core_dumps_again();
        assert_eq!(process::getrlimit(Resource::Core).current, Some(0));
        assert_eq!(process::getrlimit(Resource::Core).maximum, before.maximum);
    }
}
