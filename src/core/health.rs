//! How component probes add up to the service's overall health.

/// Overall status of the service as reported by `GET /api/health`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverallStatus {
    Healthy,
    Degraded,
    Unhealthy,
}

impl OverallStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OverallStatus::Healthy => "healthy",
            OverallStatus::Degraded => "degraded",
            OverallStatus::Unhealthy => "unhealthy",
        }
    }
}

/// `unhealthy` when Finn is unreachable; else `degraded` when a configured infrastructure
/// probe (PostgreSQL) failed; else `healthy`.
pub fn overall_status(
    finn_reachable: bool,
    infra_reachable: impl IntoIterator<Item = bool>,
) -> OverallStatus {
    if !finn_reachable {
        OverallStatus::Unhealthy
    } else if infra_reachable.into_iter().any(|ok| !ok) {
        OverallStatus::Degraded
    } else {
        OverallStatus::Healthy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finn_down_is_unhealthy_even_when_infra_is_fine() {
        assert_eq!(overall_status(false, [true]), OverallStatus::Unhealthy);
    }

    #[test]
    fn infra_down_degrades() {
        assert_eq!(overall_status(true, [true, false]), OverallStatus::Degraded);
    }

    #[test]
    fn all_up_is_healthy_and_no_infra_counts_as_up() {
        assert_eq!(overall_status(true, [true]), OverallStatus::Healthy);
        assert_eq!(overall_status(true, []), OverallStatus::Healthy);
    }
}
